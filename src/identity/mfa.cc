#include "identity/mfa.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "identity/secrets.h"
#include "identity/totp.h"

namespace rapport::identity {

namespace {

using storage::Connection;
using storage::TextOf;
using storage::Value;

constexpr size_t kSecretBytes = 20;  // 160 bits, RFC 4226's recommendation

Error WrongCode() {
  return Error(ErrorCode::kValidationFailed, "That code is not right; use the current one from your app.")
      .WithField("code", "wrong", "The 6-digit code from your authenticator app, or a recovery code.");
}

Status CheckPrincipal(const security::Principal& p) {
  if (p.user_id.empty()) return Fail(ErrorCode::kPermissionDenied, "Two-factor sign-in belongs to a user.");
  return security::CheckMayChangeSettings(p);
}

// Recovery codes compare without case, spaces or dashes.
std::string NormaliseRecovery(const std::string& code) {
  std::string out;
  for (unsigned char c : code) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string Unhex(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len,
                 nullptr);
  out.resize(len);
  return out;
}

}  // namespace

Mfa::Mfa(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<bool> Mfa::Enabled(Connection& c, const std::string& tenant_id, const std::string& user_id) {
  std::vector<Value> key = {tenant_id, user_id};
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT 1 FROM mfa_totp WHERE tenant_id = ? AND user_id = ? AND "
                                              "enabled_at IS NOT NULL",
                                              key));
  return !rows.rows.empty();
}

Result<Enrolment> Mfa::Enrol(const security::Principal& p, const std::string& account, const std::string& issuer) {
  RAPPORT_TRY(CheckPrincipal(p));
  std::string secret(kSecretBytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(bool on, Enabled(c, p.tenant_id, p.user_id));
    if (on) return Fail(ErrorCode::kFailedPrecondition, "Two-factor sign-in is already on; turn it off first.");
    std::vector<Value> key = {p.tenant_id, p.user_id};
    RAPPORT_TRY(c.Execute("DELETE FROM mfa_totp WHERE tenant_id = ? AND user_id = ?", key));
    std::vector<Value> row = {p.tenant_id, p.user_id,
                              internal::Hex(reinterpret_cast<const unsigned char*>(secret.data()), secret.size()),
                              FormatDatetime(clock_.Now())};
    RAPPORT_TRY(c.Execute("INSERT INTO mfa_totp (tenant_id, user_id, secret, created_at) VALUES (?, ?, ?, ?)", row));
    return Ok();
  }));
  Enrolment e;
  e.secret = Base32Encode(secret);
  e.otpauth_uri = OtpauthUri(issuer, account, e.secret);
  e.qr_svg = QrSvg(e.otpauth_uri);
  return e;
}

Status Mfa::Verify(Connection& c, const std::string& tenant_id, const std::string& user_id, const std::string& code) {
  std::vector<Value> key = {tenant_id, user_id};
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT secret, last_step FROM mfa_totp WHERE tenant_id = ? AND "
                                              "user_id = ?",
                                              key));
  if (rows.rows.empty()) return Fail(WrongCode());
  std::string digits;
  for (char ch : code) {
    if (ch != ' ') digits += ch;
  }
  if (digits.size() == 6 && std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    std::string secret = Unhex(TextOf(rows.rows[0][0]));
    int64_t last = std::get<int64_t>(rows.rows[0][1]);
    int64_t now = TotpStep(clock_.Now());
    for (int64_t step = now - 1; step <= now + 1; ++step) {
      if (step <= last) continue;  // used already (or older than a used one): a replay
      if (!internal::SecretsEqual(TotpCode(secret, step), digits)) continue;
      // Conditional, so two servers checking the same code at once cannot both accept it.
      std::vector<Value> used = {step, tenant_id, user_id, step};
      RAPPORT_ASSIGN_OR_RETURN(int64_t claimed, c.Execute("UPDATE mfa_totp SET last_step = ? WHERE tenant_id = ? AND "
                                                          "user_id = ? AND last_step < ?",
                                                          used));
      if (claimed != 1) return Fail(WrongCode());
      return Ok();
    }
    return Fail(WrongCode());
  }
  std::vector<Value> recovery = {FormatDatetime(clock_.Now()), tenant_id, user_id,
                                 internal::HashSecret(NormaliseRecovery(code))};
  RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("UPDATE mfa_recovery_codes SET used_at = ? WHERE tenant_id = ? AND "
                                                "user_id = ? AND code_hash = ? AND used_at IS NULL",
                                                recovery));
  if (n != 1) return Fail(WrongCode());
  return audit::Append(c, tenant_id,
                       {.kind = "mfa.recovery_code_used", .actor_id = user_id, .object_name = "users",
                        .record_id = user_id},
                       clock_);
}

Result<std::vector<std::string>> Mfa::Confirm(const security::Principal& p, const std::string& code) {
  RAPPORT_TRY(CheckPrincipal(p));
  std::vector<std::string> codes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    std::string raw = internal::RandomHex(5);  // 40 bits each, e.g. 3f9a2-c01be
    codes.push_back(raw.substr(0, 5) + "-" + raw.substr(5));
  }
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, p.user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto pending, c.Query("SELECT enabled_at FROM mfa_totp WHERE tenant_id = ? AND "
                                                   "user_id = ?",
                                                   key));
    if (pending.rows.empty()) return Fail(ErrorCode::kFailedPrecondition, "Start with enrolment: no secret yet.");
    if (!storage::IsNull(pending.rows[0][0])) {
      return Fail(ErrorCode::kFailedPrecondition, "Two-factor sign-in is already on.");
    }
    RAPPORT_TRY(Verify(c, p.tenant_id, p.user_id, code));
    std::vector<Value> enable = {FormatDatetime(clock_.Now()), p.tenant_id, p.user_id};
    RAPPORT_TRY(c.Execute("UPDATE mfa_totp SET enabled_at = ? WHERE tenant_id = ? AND user_id = ?", enable));
    RAPPORT_TRY(c.Execute("DELETE FROM mfa_recovery_codes WHERE tenant_id = ? AND user_id = ?", key));
    for (const auto& rc : codes) {
      std::vector<Value> row = {p.tenant_id, p.user_id, internal::HashSecret(NormaliseRecovery(rc))};
      RAPPORT_TRY(c.Execute("INSERT INTO mfa_recovery_codes (tenant_id, user_id, code_hash) VALUES (?, ?, ?)", row));
    }
    // Sessions that were waiting for enrolment may now do everything.
    RAPPORT_TRY(c.Execute("UPDATE sessions SET must_enrol_mfa = 0 WHERE tenant_id = ? AND user_id = ?", key));
    return audit::Append(c, p.tenant_id,
                         {.kind = "mfa.enabled", .actor_id = p.user_id, .object_name = "users", .record_id = p.user_id},
                         clock_);
  }));
  return codes;
}

Status Mfa::Disable(const security::Principal& p, const std::string& code) {
  RAPPORT_TRY(CheckPrincipal(p));
  return db_.Write([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(bool on, Enabled(c, p.tenant_id, p.user_id));
    if (!on) return Fail(ErrorCode::kFailedPrecondition, "Two-factor sign-in is not on.");
    RAPPORT_TRY(Verify(c, p.tenant_id, p.user_id, code));
    std::vector<Value> key = {p.tenant_id, p.user_id};
    RAPPORT_TRY(c.Execute("DELETE FROM mfa_totp WHERE tenant_id = ? AND user_id = ?", key));
    RAPPORT_TRY(c.Execute("DELETE FROM mfa_recovery_codes WHERE tenant_id = ? AND user_id = ?", key));
    return audit::Append(c, p.tenant_id,
                         {.kind = "mfa.disabled", .actor_id = p.user_id, .object_name = "users", .record_id = p.user_id},
                         clock_);
  });
}

}  // namespace rapport::identity
