// Signing in with a password: sessions (for the web app's cookies), logout, password
// change and reset, invitations, login throttling with lockout, login history and a
// per-tenant IP allow-list. API tokens stay in Identity.
//
// Session tokens look like `rps_<16 hex id>_<48 hex secret>`; only a BLAKE2b hash of
// the secret is stored. The CSRF token of a session is derived from its secret, so it
// needs no storage and cannot be guessed without the cookie.
//
// Failures never say whether the email exists: a wrong email, a wrong password, a
// deactivated user and a user without a password all answer "Wrong email or
// password." after the same argon2id work. Throttling keys on the email as typed
// (existing or not) and on the client IP.
//
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "identity/identity.h"
#include "identity/mfa.h"
#include "security/access_store.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::identity {

struct ClientInfo {
  std::string ip;  // without port
  std::string user_agent;
};

struct SessionLimits {
  Micros idle = 12 * 3600 * kMicrosPerSecond;   // no request for this long: signed out
  Micros absolute = 7 * kMicrosPerDay;          // signed out this long after signing in
};

struct NewSession {
  std::string token;       // the cookie value; shown once
  std::string csrf_token;  // send as X-CSRF-Token with cookie-authenticated writes
  std::string expires_at;  // the absolute expiry
  security::Principal principal;
};

struct LoginEvent {
  std::string id;
  std::string user_id;  // empty when no user matched
  std::string email;
  std::string ip;
  std::string user_agent;
  std::string occurred_at;
  std::string result;  // "succeeded", "failed", "throttled", "blocked_ip"
};

// An invitation or a password reset: a one-time link for one user.
struct Invitation {
  std::string user_id;
  std::string token;  // `rpi_<id>_<secret>`; shown once
  std::string expires_at;
};

// Throttling: after kFreeFailures failures an account waits 1 s, then 2, 4, ... up to
// kMaxLockout before the next try; an IP address gets kFreeIpFailures first.
inline constexpr int kFreeFailures = 5;
inline constexpr int kFreeIpFailures = 20;
inline constexpr Micros kMaxLockout = 15 * 60 * kMicrosPerSecond;
inline constexpr size_t kMinPasswordLength = 12;

class SignIn {
 public:
  SignIn(storage::Database& db, Identity& identity, security::AccessStore& access,
         const Clock& clock = SystemClock::Instance(), SessionLimits limits = {});

  // `tenant` may be empty when there is only one. kUnauthenticated (generic) for bad
  // credentials; kResourceExhausted with a retry-after while throttled;
  // kPermissionDenied when the tenant's IP allow-list refuses the client. A user with
  // two-factor sign-in also needs `code` (TOTP or recovery): without it the answer is
  // kUnauthenticated with field error `code`/`mfa_required`; a wrong one counts as a
  // failed sign-in. A user whose role requires MFA but has none gets a session that
  // may only enrol (Principal::must_enrol_mfa).
  Result<NewSession> Login(const std::string& tenant, const std::string& email, const std::string& password,
                           const ClientInfo& client, const std::string& code = "");

  // Two-factor enrolment for the principal's own user (see identity/mfa.h).
  Result<Enrolment> EnrolMfa(const security::Principal& principal);
  Mfa& mfa() { return mfa_; }
  // The principal of a live session (kUnauthenticated otherwise).
  Result<security::Principal> Authenticate(std::string_view session_token, const ClientInfo& client);
  // kPermissionDenied unless `csrf_header` is the session's CSRF token.
  Status CheckCsrf(std::string_view session_token, std::string_view csrf_header) const;
  // Ends the session (idempotent for a session already ended).
  Status Logout(std::string_view session_token);

  // Checks the current password, sets the new one and ends every other session of the
  // user (the one making the change, if a session, stays).
  Status ChangePassword(const security::Principal& principal, const std::string& current,
                        const std::string& new_password);
  // Administrators and user managers: a one-time link (7 days) to set a new password;
  // the user's sessions end now.
  Result<Invitation> ResetPassword(const security::Principal& principal, const std::string& user_id);
  // Administrators and user managers: creates the user (no password yet) and a
  // one-time link (7 days) to choose one.
  Result<Invitation> Invite(const security::Principal& principal, const std::string& name, const std::string& email,
                            const std::string& role);
  // Uses an invitation or reset link: sets the password and signs in.
  // With two-factor sign-in on, `code` is needed too (as for Login).
  Result<NewSession> Accept(std::string_view invitation_token, const std::string& password, const ClientInfo& client,
                            const std::string& code = "");

  // Newest first. A member sees their own; administrators anyone's (`user_id` empty: all).
  Result<std::vector<LoginEvent>> History(const security::Principal& principal, const std::string& user_id,
                                          int limit = 100);

  // The tenant's IP allow-list (CIDR blocks; empty: any address). Setting it is for
  // administrators, and refuses a list that would lock out the caller's own address.
  Result<std::vector<std::string>> AllowList(const security::Principal& principal);
  Result<std::vector<std::string>> SetAllowList(const security::Principal& principal, std::vector<std::string> cidrs,
                                                const ClientInfo& client);
  // kPermissionDenied if the tenant has an allow-list that does not contain `ip`.
  Status CheckAllowed(const std::string& tenant_id, const std::string& ip);

 private:
  Result<NewSession> StartSession(storage::Connection& c, security::Principal principal, const ClientInfo& client);
  // Whether any of the user's roles requires two-factor sign-in.
  Result<bool> RoleRequiresMfa(const std::string& tenant_id, const std::string& user_id);
  Status RecordLogin(storage::Connection& c, const std::string& tenant_id, const LoginEvent& event);
  Result<Invitation> IssueLink(const security::Principal& principal, const std::string& user_id, std::string_view kind);
  Status CheckManageUsers(const security::Principal& principal);
  // Refuses read-only and object-limited API tokens (they are for records only).
  Status CheckAccountAction(const security::Principal& principal);

  storage::Database& db_;
  Identity& identity_;
  security::AccessStore& access_;
  const Clock& clock_;
  SessionLimits limits_;
  Mfa mfa_;

  struct CachedList {
    std::vector<std::string> cidrs;
    Micros loaded_at;
  };
  std::mutex allow_mu_;
  std::map<std::string, CachedList, std::less<>> allow_cache_;
};

// Whether `ip` (v4 or v6 text) lies in `cidr` ("10.0.0.0/8", "2001:db8::/32", or a
// single address). False for anything unparsable.
bool CidrContains(std::string_view cidr, std::string_view ip);
bool IsValidCidr(std::string_view cidr);

}  // namespace rapport::identity
