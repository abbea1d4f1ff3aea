// Sign-in on both backends with a manual clock: sessions, expiry, CSRF, brute force
// lockout, password change and reset, invitations, login history and IP allow-lists.
#include "identity/sign_in.h"

#include <gtest/gtest.h>

#include "identity/totp.h"
#include "support/engine_test.h"

namespace rapport::identity {
namespace {

using security::Principal;

class SignInTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    auto bob = app_->identity().CreateUser(tenant_, "Bob", "Bob@Example.com", "member", kPassword);
    ASSERT_TRUE(bob);
    bob_id_ = bob->id;
    sign_in_ = std::make_unique<SignIn>(app_->db(), app_->identity(), app_->access(), clock_);
  }

  Result<NewSession> Login(const std::string& email, const std::string& password, const std::string& ip = "192.0.2.1") {
    clock_.Advance(1000);  // a millisecond between attempts, so history ids are ordered
    return sign_in_->Login("", email, password, {ip, "test"});
  }

  ManualClock clock_{1'800'000'000 * kMicrosPerSecond};
  std::unique_ptr<SignIn> sign_in_;
  std::string bob_id_;
};

TEST_P(SignInTest, SessionsAuthenticateUntilLoggedOutAndFailuresAreGeneric) {
  auto session = Login("  BOB@example.com ", kPassword);  // emails match ignoring case and spaces
  ASSERT_TRUE(session) << session.error().ToString();
  EXPECT_EQ(session->principal.user_id, bob_id_);
  EXPECT_FALSE(session->principal.is_admin);
  auto who = sign_in_->Authenticate(session->token, {"192.0.2.1", "test"});
  ASSERT_TRUE(who) << who.error().ToString();
  EXPECT_EQ(who->user_id, bob_id_);
  EXPECT_FALSE(who->session_id.empty());

  // Tampering with any part of the token fails.
  std::string tampered = session->token;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_FALSE(sign_in_->Authenticate(tampered, {}));
  EXPECT_FALSE(sign_in_->Authenticate("rps_" + std::string(65, 'a'), {}));
  EXPECT_FALSE(sign_in_->Authenticate("", {}));

  EXPECT_TRUE(sign_in_->CheckCsrf(session->token, session->csrf_token));
  EXPECT_FALSE(sign_in_->CheckCsrf(session->token, ""));
  EXPECT_FALSE(sign_in_->CheckCsrf(tampered, session->csrf_token));

  // Wrong password, unknown email, no password: one answer.
  auto wrong = Login("bob@example.com", "not the password");
  auto unknown = Login("nobody@example.com", kPassword);
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().detail(), unknown.error().detail());

  ASSERT_TRUE(sign_in_->Logout(session->token));
  EXPECT_FALSE(sign_in_->Authenticate(session->token, {}));
  EXPECT_TRUE(sign_in_->Logout(session->token));  // again: nothing to do

  // Login history: newest first, members see their own.
  auto history = sign_in_->History(Principal{tenant_.id, bob_id_, false}, "");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].result, "failed");
  EXPECT_EQ((*history)[1].result, "succeeded");
  EXPECT_EQ((*history)[1].ip, "192.0.2.1");
  EXPECT_FALSE(sign_in_->History(Principal{tenant_.id, bob_id_, false}, admin_.user_id));
  auto all = sign_in_->History(admin_, "");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);  // with the unknown email's failure
}

TEST_P(SignInTest, SessionsExpireWhenIdleAndAbsolutely) {
  auto session = Login("bob@example.com", kPassword);
  ASSERT_TRUE(session);
  clock_.Advance(11 * 3600 * kMicrosPerSecond);
  EXPECT_TRUE(sign_in_->Authenticate(session->token, {}));  // and marks it seen
  clock_.Advance(11 * 3600 * kMicrosPerSecond);
  EXPECT_TRUE(sign_in_->Authenticate(session->token, {}));
  clock_.Advance(13 * 3600 * kMicrosPerSecond);
  EXPECT_FALSE(sign_in_->Authenticate(session->token, {}));  // idle too long

  session = Login("bob@example.com", kPassword);
  ASSERT_TRUE(session);
  for (int hours = 0; hours < 7 * 24 - 10; hours += 10) {
    clock_.Advance(10 * 3600 * kMicrosPerSecond);
    ASSERT_TRUE(sign_in_->Authenticate(session->token, {})) << hours;
  }
  clock_.Advance(11 * 3600 * kMicrosPerSecond);
  EXPECT_FALSE(sign_in_->Authenticate(session->token, {}));  // a week after sign-in, however busy
}

TEST_P(SignInTest, BruteForceLocksTheAccountWithBackoff) {
  for (int i = 0; i < kFreeFailures - 1; ++i) {
    EXPECT_EQ(Login("bob@example.com", "guess").error().code(), ErrorCode::kUnauthenticated);
  }
  EXPECT_EQ(Login("bob@example.com", "guess").error().code(), ErrorCode::kUnauthenticated);  // the 5th: now locked
  auto locked = Login("bob@example.com", kPassword);  // even the right password waits
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(locked.error().retry_after_seconds(), 1);
  clock_.Advance(kMicrosPerSecond);
  EXPECT_EQ(Login("bob@example.com", "guess").error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Login("bob@example.com", kPassword).error().retry_after_seconds(), 2);  // doubled
  // An unknown email is throttled exactly the same: no enumeration.
  for (int i = 0; i < kFreeFailures; ++i) Login("ghost@example.com", "guess", "192.0.2.77");
  EXPECT_EQ(Login("ghost@example.com", "guess", "192.0.2.77").error().code(), ErrorCode::kResourceExhausted);
  // Another account is not affected; after the wait the right password works and resets.
  EXPECT_TRUE(Login("ada@example.com", kPassword));
  clock_.Advance(2 * kMicrosPerSecond);
  EXPECT_TRUE(Login("bob@example.com", kPassword));
  EXPECT_EQ(Login("bob@example.com", "guess").error().code(), ErrorCode::kUnauthenticated);
  auto history = sign_in_->History(admin_, bob_id_, 3);
  ASSERT_TRUE(history);
  EXPECT_EQ((*history)[0].result, "failed");
  EXPECT_EQ((*history)[1].result, "succeeded");
  EXPECT_EQ((*history)[2].result, "throttled");
}

TEST_P(SignInTest, ManyAccountsFromOneAddressLockTheAddress) {
  for (int i = 0; i < kFreeIpFailures; ++i) Login("user" + std::to_string(i) + "@example.com", "guess", "198.51.100.9");
  auto blocked = Login("bob@example.com", kPassword, "198.51.100.9");
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_TRUE(Login("bob@example.com", kPassword, "198.51.100.10"));
}

TEST_P(SignInTest, PasswordChangeResetAndInvitation) {
  auto first = Login("bob@example.com", kPassword);
  auto second = Login("bob@example.com", kPassword);
  ASSERT_TRUE(first && second);
  Principal bob = *sign_in_->Authenticate(first->token, {});
  auto wrong = sign_in_->ChangePassword(bob, "not it", "a brand new passphrase");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().field_errors()[0].field, "current_password");
  EXPECT_EQ(sign_in_->ChangePassword(bob, kPassword, "short").error().code(), ErrorCode::kValidationFailed);
  ASSERT_TRUE(sign_in_->ChangePassword(bob, kPassword, "a brand new passphrase"));
  EXPECT_TRUE(sign_in_->Authenticate(first->token, {}));    // the session that changed it
  EXPECT_FALSE(sign_in_->Authenticate(second->token, {}));  // every other one ends
  EXPECT_FALSE(Login("bob@example.com", kPassword));
  EXPECT_TRUE(Login("bob@example.com", "a brand new passphrase"));

  // A reset: only for administrators; ends the sessions; the link works once.
  EXPECT_EQ(sign_in_->ResetPassword(bob, admin_.user_id).error().code(), ErrorCode::kPermissionDenied);
  auto link = sign_in_->ResetPassword(admin_, bob_id_);
  ASSERT_TRUE(link) << link.error().ToString();
  EXPECT_FALSE(sign_in_->Authenticate(first->token, {}));
  auto accepted = sign_in_->Accept(link->token, "the reset passphrase", {"192.0.2.1", "test"});
  ASSERT_TRUE(accepted) << accepted.error().ToString();
  EXPECT_EQ(accepted->principal.user_id, bob_id_);
  EXPECT_EQ(sign_in_->Accept(link->token, "another passphrase!", {}).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Login("bob@example.com", "the reset passphrase"));

  // An invitation creates the user, who chooses a password within 7 days.
  auto invite = sign_in_->Invite(admin_, "Cy", "cy@example.com", "member");
  ASSERT_TRUE(invite) << invite.error().ToString();
  EXPECT_FALSE(Login("cy@example.com", ""));
  EXPECT_EQ(sign_in_->Invite(bob, "Eve", "eve@example.com", "admin").error().code(), ErrorCode::kPermissionDenied);
  clock_.Advance(8 * kMicrosPerDay);
  EXPECT_EQ(sign_in_->Accept(invite->token, "cy's own passphrase", {}).error().code(), ErrorCode::kNotFound);
  invite = sign_in_->ResetPassword(admin_, invite->user_id);
  ASSERT_TRUE(invite);
  ASSERT_TRUE(sign_in_->Accept(invite->token, "cy's own passphrase", {}));
  EXPECT_TRUE(Login("cy@example.com", "cy's own passphrase"));

  // Each step is in the audit log.
  audit::ListQuery q{.kind = "password.", .limit = 10};
  auto events = app_->records().Audit(admin_, q);
  ASSERT_TRUE(events);
  EXPECT_GE(events->size(), 3u);
}

TEST_P(SignInTest, IpAllowListRefusesOtherNetworks) {
  EXPECT_EQ(sign_in_->SetAllowList(admin_, {"203.0.113.0/24"}, {"192.0.2.1", ""}).error().field_errors()[0].code,
            "locks_you_out");
  EXPECT_EQ(sign_in_->SetAllowList(admin_, {"203.0.113.0/33"}, {"203.0.113.1", ""}).error().code(),
            ErrorCode::kValidationFailed);
  EXPECT_EQ(sign_in_->SetAllowList(Principal{tenant_.id, bob_id_, false}, {}, {}).error().code(),
            ErrorCode::kPermissionDenied);
  auto session = Login("bob@example.com", kPassword, "203.0.113.7");
  ASSERT_TRUE(session);
  ASSERT_TRUE(sign_in_->SetAllowList(admin_, {"203.0.113.0/24", "2001:db8::/32"}, {"203.0.113.1", ""}));
  EXPECT_TRUE(Login("bob@example.com", kPassword, "203.0.113.8"));
  EXPECT_TRUE(Login("bob@example.com", kPassword, "2001:db8::5"));
  EXPECT_EQ(Login("bob@example.com", kPassword, "198.51.100.1").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(sign_in_->Authenticate(session->token, {"203.0.113.9", ""}));
  EXPECT_EQ(sign_in_->Authenticate(session->token, {"198.51.100.1", ""}).error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(sign_in_->SetAllowList(admin_, {}, {"203.0.113.1", ""}));
  EXPECT_TRUE(Login("bob@example.com", kPassword, "198.51.100.1"));
}

TEST_P(SignInTest, TwoFactorSignInRefusesReplaysAndSpentRecoveryCodes) {
  Principal bob{tenant_.id, bob_id_, false};
  auto enrolment = sign_in_->EnrolMfa(bob);
  ASSERT_TRUE(enrolment) << enrolment.error().ToString();
  EXPECT_TRUE(enrolment->otpauth_uri.starts_with("otpauth://totp/Rapport%20Acme:"));
  EXPECT_NE(enrolment->otpauth_uri.find("secret=" + enrolment->secret), std::string::npos);
  EXPECT_TRUE(enrolment->qr_svg.starts_with("<svg"));
  std::string secret = *Base32Decode(enrolment->secret);
  auto code_now = [&] { return TotpCode(secret, TotpStep(clock_.Now())); };

  // Not on until confirmed; a wrong first code is refused.
  EXPECT_TRUE(Login("bob@example.com", kPassword));
  EXPECT_EQ(sign_in_->mfa().Confirm(bob, "000000").error().code(), ErrorCode::kValidationFailed);
  auto recovery = sign_in_->mfa().Confirm(bob, code_now());
  ASSERT_TRUE(recovery) << recovery.error().ToString();
  ASSERT_EQ(recovery->size(), static_cast<size_t>(kRecoveryCodes));

  auto no_code = Login("bob@example.com", kPassword);
  ASSERT_FALSE(no_code);
  EXPECT_EQ(no_code.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(no_code.error().field_errors()[0].code, "mfa_required");
  // The code that confirmed enrolment was used: replaying it fails, and counts as a failure.
  EXPECT_FALSE(sign_in_->Login("", "bob@example.com", kPassword, {"192.0.2.1", ""}, code_now()));
  clock_.Advance(kTotpStepSeconds * kMicrosPerSecond);
  std::string fresh = code_now();
  EXPECT_TRUE(sign_in_->Login("", "bob@example.com", kPassword, {"192.0.2.1", ""}, fresh));
  EXPECT_FALSE(sign_in_->Login("", "bob@example.com", kPassword, {"192.0.2.1", ""}, fresh));  // replay
  // A code two steps old is refused (one step either side is the allowed drift).
  clock_.Advance(kTotpStepSeconds * kMicrosPerSecond);
  EXPECT_FALSE(sign_in_->Login("", "bob@example.com", kPassword, {"192.0.2.1", ""},
                               TotpCode(secret, TotpStep(clock_.Now()) - 2)));
  // A recovery code works once, typed any way.
  std::string spare = (*recovery)[3];
  std::string shouted = spare;
  for (char& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(sign_in_->Login("", "bob@example.com", kPassword, {"192.0.2.1", ""}, shouted));
  EXPECT_FALSE(sign_in_->Login("", "bob@example.com", kPassword, {"192.0.2.1", ""}, spare));
  auto history = sign_in_->History(admin_, bob_id_, 1);
  ASSERT_TRUE(history);
  EXPECT_EQ((*history)[0].result, "failed_mfa");

  // Turning it off needs a code.
  EXPECT_FALSE(sign_in_->mfa().Disable(bob, "123456"));
  clock_.Advance(kTotpStepSeconds * kMicrosPerSecond);
  ASSERT_TRUE(sign_in_->mfa().Disable(bob, code_now()));
  EXPECT_TRUE(Login("bob@example.com", kPassword));
}

TEST_P(SignInTest, ARoleCanRequireTwoFactorSignIn) {
  security::Role role{.name = "Finance", .require_mfa = true};
  role.objects["*"] = {security::Scope::kAll, security::Scope::kAll, security::Scope::kAll, security::Scope::kAll, false};
  auto created = app_->access().CreateRole(admin_, role);
  ASSERT_TRUE(created);
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, bob_id_, {created->id}));
  auto session = Login("bob@example.com", kPassword);
  ASSERT_TRUE(session);
  EXPECT_TRUE(session->principal.must_enrol_mfa);
  auto who = sign_in_->Authenticate(session->token, {});
  ASSERT_TRUE(who);
  EXPECT_TRUE(who->must_enrol_mfa);
  auto enrolment = sign_in_->EnrolMfa(*who);
  ASSERT_TRUE(enrolment);
  ASSERT_TRUE(sign_in_->mfa().Confirm(*who, TotpCode(*Base32Decode(enrolment->secret), TotpStep(clock_.Now()))));
  who = sign_in_->Authenticate(session->token, {});
  ASSERT_TRUE(who);
  EXPECT_FALSE(who->must_enrol_mfa);
}

// Review fixes: user managers manage members, never administrators; a reset link does
// not skip the second factor; an object-limited token cannot manage anything.
TEST_P(SignInTest, UserManagersCannotReachAdministratorsAndLinksKeepTheSecondFactor) {
  security::Role managers{.name = "People ops", .manage_users = true};
  managers.objects["*"] = {security::Scope::kAll, security::Scope::kAll, security::Scope::kAll, security::Scope::kAll, false};
  auto role = app_->access().CreateRole(admin_, managers);
  ASSERT_TRUE(role);
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, bob_id_, {role->id}));
  Principal bob{tenant_.id, bob_id_, false};
  auto& records = app_->records();
  using V = records::InputValue;
  auto promote = records.Update(bob, {"users", bob_id_, {{"role", V::String("admin")}}});
  ASSERT_FALSE(promote);
  EXPECT_EQ(promote.error().code(), ErrorCode::kPermissionDenied);
  auto make_admin = records.Create(bob, {"users", {{"name", V::String("Mal")}, {"email", V::String("mal@example.com")},
                                                   {"role", V::String("admin")}}});
  ASSERT_FALSE(make_admin);
  EXPECT_EQ(make_admin.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(records.Update(bob, {"users", admin_.user_id, {{"job_title", V::String("x")}}}).error().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(records.Delete(bob, "users", admin_.user_id).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sign_in_->ResetPassword(bob, admin_.user_id).error().code(), ErrorCode::kPermissionDenied);
  auto member = sign_in_->Invite(bob, "Cy", "cy@example.com", "member");
  ASSERT_TRUE(member) << member.error().ToString();
  EXPECT_TRUE(records.Update(bob, {"users", member->user_id, {{"job_title", V::String("Rep")}}}));

  // Bob turns on MFA; a reset link then also needs his code.
  Principal plain_bob{tenant_.id, bob_id_, false};
  auto enrolment = sign_in_->EnrolMfa(plain_bob);
  ASSERT_TRUE(enrolment);
  std::string secret = *Base32Decode(enrolment->secret);
  ASSERT_TRUE(sign_in_->mfa().Confirm(plain_bob, TotpCode(secret, TotpStep(clock_.Now()))));
  auto link = sign_in_->ResetPassword(admin_, bob_id_);
  ASSERT_TRUE(link);
  auto without = sign_in_->Accept(link->token, "a new long passphrase", {});
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().field_errors()[0].code, "mfa_required");
  clock_.Advance(kTotpStepSeconds * kMicrosPerSecond);
  EXPECT_TRUE(sign_in_->Accept(link->token, "a new long passphrase", {}, TotpCode(secret, TotpStep(clock_.Now()))));

  // A token limited to records manages nothing, whoever holds it.
  Principal scoped = admin_;
  scoped.token_objects = {"companies"};
  EXPECT_EQ(app_->access().ListRoles(scoped).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sign_in_->SetAllowList(scoped, {}, {}).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sign_in_->ResetPassword(scoped, bob_id_).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(app_->records().Audit(scoped, {}).error().code(), ErrorCode::kPermissionDenied);
}

TEST(TotpTest, MatchesTheRfcVectors) {
  // RFC 6238 appendix B (SHA-1 secret), last 6 of the 8 digits.
  const std::string secret = "12345678901234567890";
  EXPECT_EQ(TotpCode(secret, 59 / 30), "287082");
  EXPECT_EQ(TotpCode(secret, 1111111109 / 30), "081804");
  EXPECT_EQ(TotpCode(secret, 1234567890 / 30), "005924");
  EXPECT_EQ(TotpCode(secret, 2000000000 / 30), "279037");
  EXPECT_EQ(TotpStep(59 * kMicrosPerSecond), 1);
  // RFC 4648 base32.
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(*Base32Decode("mzxw 6ytb oi=="), "foobar");
  EXPECT_FALSE(Base32Decode("MZXW1"));
  EXPECT_EQ(*Base32Decode(Base32Encode(secret)), secret);
  EXPECT_TRUE(QrSvg("otpauth://totp/x").starts_with("<svg"));
}

TEST(CidrTest, MatchesAddressBlocks) {
  EXPECT_TRUE(CidrContains("10.0.0.0/8", "10.200.3.4"));
  EXPECT_FALSE(CidrContains("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(CidrContains("192.0.2.7", "192.0.2.7"));
  EXPECT_FALSE(CidrContains("192.0.2.7", "192.0.2.8"));
  EXPECT_TRUE(CidrContains("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(CidrContains("192.0.2.128/25", "192.0.2.200"));
  EXPECT_FALSE(CidrContains("192.0.2.128/25", "192.0.2.100"));
  EXPECT_TRUE(CidrContains("2001:db8::/32", "2001:db8:1::1"));
  EXPECT_FALSE(CidrContains("2001:db8::/32", "2001:db9::1"));
  EXPECT_FALSE(CidrContains("10.0.0.0/8", "::ffff:11.0.0.1"));
  EXPECT_FALSE(IsValidCidr("10.0.0.0/40"));
  EXPECT_FALSE(IsValidCidr("not an address"));
  EXPECT_FALSE(IsValidCidr("10.0.0.0/"));
  EXPECT_TRUE(IsValidCidr("::1"));
}

INSTANTIATE_TEST_SUITE_P(Backends, SignInTest, testing::kBackends, testing::BackendName);

}  // namespace
}  // namespace rapport::identity
