#include "identity/sign_in.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "core/id.h"
#include "identity/secrets.h"

namespace rapport::identity {

namespace {

using internal::HashSecret;
using internal::RandomHex;
using internal::SecretsEqual;
using internal::SplitToken;
using storage::Connection;
using storage::TextOf;
using storage::Value;

constexpr std::string_view kSessionPrefix = "rps_";
constexpr std::string_view kLinkPrefix = "rpi_";
constexpr Micros kLinkLifetime = 7 * kMicrosPerDay;
constexpr Micros kAllowListMaxAge = 5 * kMicrosPerSecond;
// A session's last_seen_at is written at most this often (idle expiry is coarse).
constexpr Micros kTouchEvery = 60 * kMicrosPerSecond;

// The Status of a Result (g++ 12's std::expected has no transform()).
template <typename T>
Status Done(const Result<T>& result) {
  if (!result) return std::unexpected(result.error());
  return Ok();
}

Error WrongCredentials() { return Error(ErrorCode::kUnauthenticated, "Wrong email or password."); }
Error BadSession() { return Error(ErrorCode::kUnauthenticated, "Your session has ended; sign in again."); }

std::string Normalise(std::string email) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  email.erase(email.begin(), std::find_if(email.begin(), email.end(), not_space));
  email.erase(std::find_if(email.rbegin(), email.rend(), not_space).base(), email.end());
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
  return email;
}

std::string CsrfFor(std::string_view secret) { return HashSecret(std::string("csrf:").append(secret)); }

Status CheckNewPassword(const std::string& password) {
  if (password.size() < kMinPasswordLength || password.size() > 1024) {
    return Fail(Error(ErrorCode::kValidationFailed, "Choose a password of 12 to 1024 characters.")
                    .WithField("password", "too_short", "At least 12 characters."));
  }
  return Ok();
}

// How long a key must wait after `failures` failures with `free` free tries.
Micros Backoff(int64_t failures, int free) {
  if (failures < free) return 0;
  int64_t doublings = std::min<int64_t>(failures - free, 20);
  return std::min<Micros>(kMicrosPerSecond << doublings, kMaxLockout);
}

// A throttle row: failures so far and the earliest next try.
struct Throttle {
  int64_t failures = 0;
  Micros locked_until = 0;
};

Result<Throttle> ReadThrottle(Connection& c, const std::string& key) {
  std::vector<Value> p = {key};
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT failures, locked_until FROM login_throttle WHERE throttle_key = ?", p));
  Throttle t;
  if (rows.rows.empty()) return t;
  t.failures = std::get<int64_t>(rows.rows[0][0]);
  if (auto until = ParseDatetime(TextOf(rows.rows[0][1]))) t.locked_until = *until;
  return t;
}

// Counts an attempt against `key` before its password is checked, in the caller's
// write transaction: an atomic increment (the row is locked until commit), so parallel
// guesses cannot all slip under the limit. Sets the wait the new count earns.
Status CountAttempt(Connection& c, const std::string& key, int free, Micros now) {
  std::vector<Value> upsert = {key, FormatDatetime(now)};
  RAPPORT_TRY(c.Execute("INSERT INTO login_throttle (throttle_key, failures, updated_at) VALUES (?, 1, ?) "
                        "ON CONFLICT (throttle_key) DO UPDATE SET failures = login_throttle.failures + 1, "
                        "updated_at = excluded.updated_at",
                        upsert));
  RAPPORT_ASSIGN_OR_RETURN(Throttle counted, ReadThrottle(c, key));
  Micros wait = Backoff(counted.failures, free);
  std::vector<Value> lock = {wait ? Value(FormatDatetime(now + wait)) : Value(storage::Null{}), key};
  return Done(c.Execute("UPDATE login_throttle SET locked_until = ? WHERE throttle_key = ?", lock));
}

// Takes back an attempt that turned out right (the password matched).
Status UncountAttempt(Connection& c, const std::string& key, int free) {
  std::vector<Value> p = {int64_t{free} + 1, key};
  return Done(c.Execute("UPDATE login_throttle SET failures = failures - 1, locked_until = CASE WHEN failures - 1 < ? "
                        "THEN NULL ELSE locked_until END WHERE throttle_key = ? AND failures > 0",
                        p));
}

template <size_t N>
bool ParseAddress(std::string_view text, std::array<unsigned char, N>& out) {
  std::string s(text);
  return inet_pton(N == 4 ? AF_INET : AF_INET6, s.c_str(), out.data()) == 1;
}

template <size_t N>
bool Matches(const std::array<unsigned char, N>& net, int bits, const std::array<unsigned char, N>& addr) {
  for (size_t i = 0; i < N && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xFF : static_cast<unsigned char>(0xFF << (8 - bits));
    if ((net[i] & mask) != (addr[i] & mask)) return false;
  }
  return true;
}

}  // namespace

bool CidrContains(std::string_view cidr, std::string_view ip) {
  std::string_view net = cidr;
  int bits = -1;
  if (auto slash = cidr.find('/'); slash != std::string_view::npos) {
    net = cidr.substr(0, slash);
    std::string_view b = cidr.substr(slash + 1);
    if (b.empty() || b.size() > 3 || !std::all_of(b.begin(), b.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    bits = std::stoi(std::string(b));
  }
  std::array<unsigned char, 4> net4{}, ip4{};
  std::array<unsigned char, 16> net6{}, ip6{};
  if (ParseAddress(net, net4)) {
    if (bits > 32) return false;
    return ParseAddress(ip, ip4) && Matches(net4, bits < 0 ? 32 : bits, ip4);
  }
  if (ParseAddress(net, net6)) {
    if (bits > 128) return false;
    return ParseAddress(ip, ip6) && Matches(net6, bits < 0 ? 128 : bits, ip6);
  }
  return false;
}

bool IsValidCidr(std::string_view cidr) {
  std::string_view net = cidr.substr(0, cidr.find('/'));
  // A block contains its own network address exactly when the mask parses.
  return CidrContains(cidr, net);
}

SignIn::SignIn(storage::Database& db, Identity& identity, security::AccessStore& access, const Clock& clock,
               SessionLimits limits)
    : db_(db), identity_(identity), access_(access), clock_(clock), limits_(limits), mfa_(db, clock) {}

Result<bool> SignIn::RoleRequiresMfa(const std::string& tenant_id, const std::string& user_id) {
  RAPPORT_ASSIGN_OR_RETURN(security::AccessConfigPtr config, access_.Current(tenant_id));
  auto roles = config->RolesOf(user_id);
  return std::any_of(roles.begin(), roles.end(), [](const security::Role* r) { return r->require_mfa; });
}

Result<Enrolment> SignIn::EnrolMfa(const security::Principal& p) {
  std::string email, tenant_name;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, p.user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto users, c.Query("SELECT email FROM users WHERE tenant_id = ? AND id = ?", key));
    if (!users.rows.empty()) email = TextOf(users.rows[0][0]);
    std::vector<Value> tenant = {p.tenant_id};
    RAPPORT_ASSIGN_OR_RETURN(auto tenants, c.Query("SELECT name FROM tenants WHERE id = ?", tenant));
    if (!tenants.rows.empty()) tenant_name = TextOf(tenants.rows[0][0]);
    return Ok();
  }));
  return mfa_.Enrol(p, email, "Rapport " + tenant_name);
}

Status SignIn::RecordLogin(Connection& c, const std::string& tenant_id, const LoginEvent& e) {
  std::vector<Value> p = {tenant_id,
                          NewId(clock_),
                          e.user_id.empty() ? Value(storage::Null{}) : Value(e.user_id),
                          e.email,
                          e.ip,
                          e.user_agent.substr(0, 512),
                          FormatDatetime(clock_.Now()),
                          e.result};
  RAPPORT_TRY(c.Execute("INSERT INTO login_history (tenant_id, id, user_id, email, ip, user_agent, occurred_at, "
                        "result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        p));
  return audit::Append(c, tenant_id,
                       {.kind = "login." + e.result, .actor_id = e.user_id, .object_name = "users",
                        .record_id = e.user_id, .detail = audit::Detail({{"email", e.email}, {"ip", e.ip}})},
                       clock_);
}

Result<NewSession> SignIn::StartSession(Connection& c, security::Principal principal, const ClientInfo& client) {
  if (!principal.is_admin) {
    RAPPORT_ASSIGN_OR_RETURN(bool required, RoleRequiresMfa(principal.tenant_id, principal.user_id));
    if (required) {
      RAPPORT_ASSIGN_OR_RETURN(bool on, Mfa::Enabled(c, principal.tenant_id, principal.user_id));
      principal.must_enrol_mfa = !on;
    }
  }
  std::string id = RandomHex(8);
  std::string secret = RandomHex(24);
  Micros now = clock_.Now();
  NewSession session;
  session.token = fmt::format("{}{}_{}", kSessionPrefix, id, secret);
  session.csrf_token = CsrfFor(secret);
  session.expires_at = FormatDatetime(now + limits_.absolute);
  session.principal = principal;
  session.principal.session_id = id;
  std::vector<Value> p = {id,
                          principal.tenant_id,
                          principal.user_id,
                          HashSecret(secret),
                          FormatDatetime(now),
                          FormatDatetime(now),
                          session.expires_at,
                          client.ip,
                          client.user_agent.substr(0, 512),
                          int64_t{principal.must_enrol_mfa ? 1 : 0}};
  RAPPORT_TRY(c.Execute("INSERT INTO sessions (id, tenant_id, user_id, secret_hash, created_at, last_seen_at, "
                        "expires_at, ip, user_agent, must_enrol_mfa) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        p));
  return session;
}

Result<NewSession> SignIn::Login(const std::string& tenant_name, const std::string& raw_email,
                                 const std::string& password, const ClientInfo& client, const std::string& code) {
  std::string email = Normalise(raw_email);
  RAPPORT_ASSIGN_OR_RETURN(Tenant tenant, identity_.ResolveTenant(tenant_name));
  if (auto allowed = CheckAllowed(tenant.id, client.ip); !allowed) {
    RAPPORT_TRY(db_.Write([&](Connection& c) {
      return RecordLogin(c, tenant.id, {.email = email, .ip = client.ip, .user_agent = client.user_agent,
                                        .result = "blocked_ip"});
    }));
    return std::unexpected(allowed.error());
  }
  const std::string account_key = "account:" + tenant.id + ":" + email;
  const std::string ip_key = "ip:" + client.ip;
  Micros now = clock_.Now();
  // The user and their hash, if any (so every history row names the user, throttled
  // attempts included).
  std::string user_id, hash;
  bool is_admin = false, active = false;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    std::vector<Value> p = {tenant.id, email};
    RAPPORT_ASSIGN_OR_RETURN(auto users, c.Query("SELECT id, role, active FROM users WHERE tenant_id = ? AND "
                                                 "lower(email) = ? AND deleted_at IS NULL",
                                                 p));
    if (users.rows.empty()) return Ok();
    user_id = TextOf(users.rows[0][0]);
    is_admin = TextOf(users.rows[0][1]) == "admin";
    active = !(std::holds_alternative<int64_t>(users.rows[0][2]) && std::get<int64_t>(users.rows[0][2]) == 0);
    std::vector<Value> key = {tenant.id, user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto creds, c.Query("SELECT password_hash FROM credentials WHERE tenant_id = ? AND "
                                                 "user_id = ?",
                                                 key));
    if (!creds.rows.empty()) hash = TextOf(creds.rows[0][0]);
    return Ok();
  }));
  // Throttled, or the attempt is counted now, before the password is checked.
  Micros locked_until = 0;
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(Throttle account, ReadThrottle(c, account_key));
    RAPPORT_ASSIGN_OR_RETURN(Throttle address, ReadThrottle(c, ip_key));
    locked_until = std::max(account.locked_until, address.locked_until);
    if (locked_until > now) {
      return RecordLogin(c, tenant.id, {.user_id = user_id, .email = email, .ip = client.ip,
                                        .user_agent = client.user_agent, .result = "throttled"});
    }
    RAPPORT_TRY(CountAttempt(c, account_key, kFreeFailures, now));
    return CountAttempt(c, ip_key, kFreeIpFailures, now);
  }));
  if (locked_until > now) {
    int seconds = static_cast<int>((locked_until - now + kMicrosPerSecond - 1) / kMicrosPerSecond);
    return Fail(Error(ErrorCode::kResourceExhausted, "Too many failed sign-ins; wait before trying again.")
                    .WithRetryAfter(seconds));
  }
  // A missing user still costs one argon2id check, so timing does not tell who has an
  // account.
  static const std::string kDummyHash = Identity::HashPassword("not a real password, only spends the time");
  bool verified = Identity::VerifyPassword(hash.empty() ? kDummyHash : hash, password) && !hash.empty() && active;

  Result<NewSession> session = Fail(WrongCredentials());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    LoginEvent event{.user_id = user_id, .email = email, .ip = client.ip, .user_agent = client.user_agent};
    if (!verified) {
      event.result = "failed";  // already counted
      return RecordLogin(c, tenant.id, event);
    }
    RAPPORT_ASSIGN_OR_RETURN(bool mfa_on, Mfa::Enabled(c, tenant.id, user_id));
    if (mfa_on && code.empty()) {
      // The right password: not a failure, but no session without the code.
      RAPPORT_TRY(UncountAttempt(c, account_key, kFreeFailures));
      RAPPORT_TRY(UncountAttempt(c, ip_key, kFreeIpFailures));
      session = Fail(Error(ErrorCode::kUnauthenticated, "Enter the code from your authenticator app.")
                         .WithField("code", "mfa_required", "A 6-digit code, or one of your recovery codes."));
      return Ok();
    }
    if (mfa_on) {
      if (auto second = mfa_.Verify(c, tenant.id, user_id, code); !second) {
        event.result = "failed_mfa";  // already counted
        session = std::unexpected(second.error());
        return RecordLogin(c, tenant.id, event);
      }
    }
    RAPPORT_TRY(UncountAttempt(c, ip_key, kFreeIpFailures));
    std::vector<Value> key = {account_key};
    RAPPORT_TRY(c.Execute("DELETE FROM login_throttle WHERE throttle_key = ?", key));
    event.result = "succeeded";
    RAPPORT_TRY(RecordLogin(c, tenant.id, event));
    session = StartSession(c, security::Principal{tenant.id, user_id, is_admin}, client);
    return Done(session);
  }));
  return session;
}

Result<security::Principal> SignIn::Authenticate(std::string_view token, const ClientInfo& client) {
  std::string id, secret;
  if (!SplitToken(token, kSessionPrefix, id, secret)) return Fail(BadSession());
  Micros now = clock_.Now();
  security::Principal principal;
  std::string stored_hash, expires_at, last_seen;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    std::vector<Value> p = {id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT tenant_id, user_id, secret_hash, expires_at, last_seen_at, "
                                                "must_enrol_mfa FROM sessions WHERE id = ? AND revoked_at IS NULL",
                                                p));
    if (rows.rows.empty()) return Fail(BadSession());
    principal.tenant_id = TextOf(rows.rows[0][0]);
    principal.user_id = TextOf(rows.rows[0][1]);
    stored_hash = TextOf(rows.rows[0][2]);
    expires_at = TextOf(rows.rows[0][3]);
    last_seen = TextOf(rows.rows[0][4]);
    principal.must_enrol_mfa = std::holds_alternative<int64_t>(rows.rows[0][5]) && std::get<int64_t>(rows.rows[0][5]) != 0;
    std::vector<Value> user = {principal.tenant_id, principal.user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto users, c.Query("SELECT role, active FROM users WHERE tenant_id = ? AND id = ? AND "
                                                 "deleted_at IS NULL",
                                                 user));
    if (users.rows.empty()) return Fail(BadSession());
    principal.is_admin = TextOf(users.rows[0][0]) == "admin";
    if (std::holds_alternative<int64_t>(users.rows[0][1]) && std::get<int64_t>(users.rows[0][1]) == 0) {
      return Fail(BadSession());
    }
    return Ok();
  }));
  if (!SecretsEqual(stored_hash, HashSecret(secret))) return Fail(BadSession());
  auto seen = ParseDatetime(last_seen);
  if (expires_at <= FormatDatetime(now) || !seen || now - *seen > limits_.idle) return Fail(BadSession());
  RAPPORT_TRY(CheckAllowed(principal.tenant_id, client.ip));
  if (now - *seen > kTouchEvery) {
    RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
      std::vector<Value> p = {FormatDatetime(now), id};
      return Done(c.Execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", p));
    }));
  }
  principal.session_id = id;
  return principal;
}

Status SignIn::CheckCsrf(std::string_view token, std::string_view csrf_header) const {
  std::string id, secret;
  if (!SplitToken(token, kSessionPrefix, id, secret) || !SecretsEqual(CsrfFor(secret), csrf_header)) {
    return Fail(ErrorCode::kPermissionDenied,
                "A cookie-authenticated change needs the session's X-CSRF-Token header.");
  }
  return Ok();
}

Status SignIn::Logout(std::string_view token) {
  std::string id, secret;
  if (!SplitToken(token, kSessionPrefix, id, secret)) return Ok();
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> p = {id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT tenant_id, user_id, secret_hash FROM sessions WHERE id = ? AND "
                                                "revoked_at IS NULL",
                                                p));
    if (rows.rows.empty() || !SecretsEqual(TextOf(rows.rows[0][2]), HashSecret(secret))) return Ok();
    std::vector<Value> revoke = {FormatDatetime(clock_.Now()), id};
    RAPPORT_TRY(c.Execute("UPDATE sessions SET revoked_at = ? WHERE id = ?", revoke));
    std::string user_id = TextOf(rows.rows[0][1]);
    return audit::Append(c, TextOf(rows.rows[0][0]),
                         {.kind = "logout", .actor_id = user_id, .object_name = "users", .record_id = user_id}, clock_);
  });
}

Status SignIn::ChangePassword(const security::Principal& p, const std::string& current, const std::string& next) {
  RAPPORT_TRY(CheckAccountAction(p));
  if (p.user_id.empty()) return Fail(ErrorCode::kPermissionDenied, "Passwords belong to users.");
  RAPPORT_TRY(CheckNewPassword(next));
  std::string hash;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, p.user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT password_hash FROM credentials WHERE tenant_id = ? AND "
                                                "user_id = ?",
                                                key));
    if (!rows.rows.empty()) hash = TextOf(rows.rows[0][0]);
    return Ok();
  }));
  if (hash.empty() || !Identity::VerifyPassword(hash, current)) {
    return Fail(Error(ErrorCode::kValidationFailed, "The current password is wrong.")
                    .WithField("current_password", "wrong", "Enter your current password."));
  }
  std::string new_hash = Identity::HashPassword(next);
  return db_.Write([&](Connection& c) -> Status {
    Micros now = clock_.Now();
    std::vector<Value> set = {new_hash, FormatDatetime(now), p.tenant_id, p.user_id};
    RAPPORT_TRY(c.Execute("UPDATE credentials SET password_hash = ?, updated_at = ? WHERE tenant_id = ? AND user_id = ?",
                          set));
    std::vector<Value> end = {FormatDatetime(now), p.tenant_id, p.user_id, p.session_id};
    RAPPORT_TRY(c.Execute("UPDATE sessions SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? AND id <> ? AND "
                          "revoked_at IS NULL",
                          end));
    return audit::Append(c, p.tenant_id,
                         {.kind = "password.changed", .actor_id = p.user_id, .object_name = "users",
                          .record_id = p.user_id},
                         clock_);
  });
}

Status SignIn::CheckManageUsers(const security::Principal& p) {
  RAPPORT_TRY(CheckAccountAction(p));
  return access_.CheckManageAccess(p);
}

Status SignIn::CheckAccountAction(const security::Principal& p) { return security::CheckMayChangeSettings(p); }

Result<Invitation> SignIn::IssueLink(const security::Principal& p, const std::string& user_id, std::string_view kind) {
  std::string id = RandomHex(8);
  std::string secret = RandomHex(24);
  Micros now = clock_.Now();
  Invitation link{user_id, fmt::format("{}{}_{}", kLinkPrefix, id, secret), FormatDatetime(now + kLinkLifetime)};
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    // A new link replaces the user's unused ones; a reset also ends their sessions.
    std::vector<Value> stale = {FormatDatetime(now), p.tenant_id, user_id};
    RAPPORT_TRY(c.Execute("UPDATE invitations SET used_at = ? WHERE tenant_id = ? AND user_id = ? AND used_at IS NULL",
                          stale));
    if (kind == "reset") {
      RAPPORT_TRY(c.Execute("UPDATE sessions SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? AND revoked_at IS NULL",
                            stale));
    }
    std::vector<Value> row = {id, p.tenant_id, user_id, std::string(kind), HashSecret(secret),
                              p.user_id.empty() ? Value(storage::Null{}) : Value(p.user_id), FormatDatetime(now),
                              link.expires_at};
    RAPPORT_TRY(c.Execute("INSERT INTO invitations (id, tenant_id, user_id, kind, secret_hash, created_by, created_at, "
                          "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          row));
    return audit::Append(c, p.tenant_id,
                         {.kind = kind == "reset" ? "password.reset" : "invitation.created", .actor_id = p.user_id,
                          .object_name = "users", .record_id = user_id, .detail = audit::Detail({{"link_id", id}})},
                         clock_);
  }));
  return link;
}

Result<Invitation> SignIn::ResetPassword(const security::Principal& p, const std::string& user_id) {
  RAPPORT_TRY(CheckManageUsers(p));
  bool exists = false, target_is_admin = false;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT role FROM users WHERE tenant_id = ? AND id = ? AND "
                                                "deleted_at IS NULL",
                                                key));
    exists = !rows.rows.empty();
    target_is_admin = exists && TextOf(rows.rows[0][0]) == "admin";
    return Ok();
  }));
  if (!exists) return Fail(ErrorCode::kNotFound, fmt::format("No user with id `{}`.", user_id));
  // A reset link is a way into the account: only administrators get one for an administrator.
  if (target_is_admin && !p.is_admin && !p.is_system) {
    return Fail(ErrorCode::kPermissionDenied, "Only administrators can reset an administrator's password.");
  }
  return IssueLink(p, user_id, "reset");
}

Result<Invitation> SignIn::Invite(const security::Principal& p, const std::string& name, const std::string& email,
                                  const std::string& role) {
  RAPPORT_TRY(CheckManageUsers(p));
  // Only administrators make administrators.
  if (role == "admin" && !p.is_admin && !p.is_system) {
    return Fail(ErrorCode::kPermissionDenied, "Only administrators can invite administrators.");
  }
  auto system = security::Principal::System(p.tenant_id);
  system.user_id = p.user_id;
  RAPPORT_ASSIGN_OR_RETURN(
      records::Record user,
      identity_.records().Create(system, {"users",
                                          {{"name", records::InputValue::String(name)},
                                           {"email", records::InputValue::String(Normalise(email))},
                                           {"role", records::InputValue::String(role.empty() ? "member" : role)},
                                           {"active", records::InputValue::Bool(true)}}}));
  return IssueLink(p, user.id, "invite");
}

Result<NewSession> SignIn::Accept(std::string_view token, const std::string& password, const ClientInfo& client,
                                  const std::string& code) {
  std::string id, secret;
  Error bad(ErrorCode::kNotFound, "This link is not valid any more; ask for a new one.");
  if (!SplitToken(token, kLinkPrefix, id, secret)) return Fail(bad);
  RAPPORT_TRY(CheckNewPassword(password));
  std::string hash = Identity::HashPassword(password);
  Result<NewSession> session = Fail(bad);
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> key = {id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT tenant_id, user_id, secret_hash, expires_at, kind FROM "
                                                "invitations WHERE id = ? AND used_at IS NULL",
                                                key));
    Micros now = clock_.Now();
    if (rows.rows.empty() || !SecretsEqual(TextOf(rows.rows[0][2]), HashSecret(secret)) ||
        TextOf(rows.rows[0][3]) <= FormatDatetime(now)) {
      return Fail(bad);
    }
    std::string tenant_id = TextOf(rows.rows[0][0]);
    std::string user_id = TextOf(rows.rows[0][1]);
    std::vector<Value> user = {tenant_id, user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto users, c.Query("SELECT role, email FROM users WHERE tenant_id = ? AND id = ? AND "
                                                 "deleted_at IS NULL",
                                                 user));
    if (users.rows.empty()) return Fail(bad);
    // A reset link does not replace the second factor.
    RAPPORT_ASSIGN_OR_RETURN(bool mfa_on, Mfa::Enabled(c, tenant_id, user_id));
    if (mfa_on) {
      if (code.empty()) {
        return Fail(Error(ErrorCode::kUnauthenticated, "Enter the code from your authenticator app.")
                        .WithField("code", "mfa_required", "A 6-digit code, or one of your recovery codes."));
      }
      RAPPORT_TRY(mfa_.Verify(c, tenant_id, user_id, code));
    }
    std::vector<Value> used = {FormatDatetime(now), id};
    RAPPORT_TRY(c.Execute("UPDATE invitations SET used_at = ? WHERE id = ?", used));
    RAPPORT_TRY(c.Execute("DELETE FROM credentials WHERE tenant_id = ? AND user_id = ?", user));
    std::vector<Value> cred = {tenant_id, user_id, hash, FormatDatetime(now)};
    RAPPORT_TRY(c.Execute("INSERT INTO credentials (tenant_id, user_id, password_hash, updated_at) VALUES (?, ?, ?, ?)",
                          cred));
    RAPPORT_TRY(audit::Append(c, tenant_id,
                              {.kind = TextOf(rows.rows[0][4]) == "reset" ? "password.set" : "invitation.accepted",
                               .actor_id = user_id, .object_name = "users", .record_id = user_id},
                              clock_));
    RAPPORT_TRY(RecordLogin(c, tenant_id, {.user_id = user_id, .email = TextOf(users.rows[0][1]), .ip = client.ip,
                                           .user_agent = client.user_agent, .result = "succeeded"}));
    session = StartSession(c, security::Principal{tenant_id, user_id, TextOf(users.rows[0][0]) == "admin"}, client);
    return Done(session);
  }));
  return session;
}

Result<std::vector<LoginEvent>> SignIn::History(const security::Principal& p, const std::string& user_id, int limit) {
  std::string who = user_id;
  if (!p.is_admin) {
    if (!who.empty() && who != p.user_id) return Fail(ErrorCode::kPermissionDenied, "You may see your own sign-ins only.");
    who = p.user_id;
  }
  std::string sql = "SELECT id, user_id, email, ip, user_agent, occurred_at, result FROM login_history WHERE tenant_id = ?";
  std::vector<Value> params = {p.tenant_id};
  if (!who.empty()) {
    sql += " AND user_id = ?";
    params.emplace_back(who);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(int64_t{std::clamp(limit, 1, 500)});
  std::vector<LoginEvent> out;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
    for (const auto& row : rows.rows) {
      out.push_back({TextOf(row[0]), TextOf(row[1]), TextOf(row[2]), TextOf(row[3]), TextOf(row[4]), TextOf(row[5]),
                     TextOf(row[6])});
    }
    return Ok();
  }));
  return out;
}

Status SignIn::CheckAllowed(const std::string& tenant_id, const std::string& ip) {
  Micros now = clock_.Now();
  std::vector<std::string> cidrs;
  bool cached = false;
  {
    std::lock_guard lock(allow_mu_);
    auto it = allow_cache_.find(tenant_id);
    if (it != allow_cache_.end() && now - it->second.loaded_at < kAllowListMaxAge) {
      cidrs = it->second.cidrs;
      cached = true;
    }
  }
  if (!cached) {
    RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
      std::vector<Value> p = {tenant_id};
      RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT cidr FROM ip_allowlist WHERE tenant_id = ? ORDER BY cidr", p));
      for (const auto& row : rows.rows) cidrs.push_back(TextOf(row[0]));
      return Ok();
    }));
    std::lock_guard lock(allow_mu_);
    if (allow_cache_.size() > 10000) allow_cache_.clear();
    allow_cache_[tenant_id] = {cidrs, now};
  }
  if (cidrs.empty() || std::any_of(cidrs.begin(), cidrs.end(), [&](const std::string& c) { return CidrContains(c, ip); })) {
    return Ok();
  }
  return Fail(ErrorCode::kPermissionDenied, "This workspace does not accept sign-ins from your network.");
}

Result<std::vector<std::string>> SignIn::AllowList(const security::Principal& p) {
  RAPPORT_TRY(CheckManageUsers(p));
  std::vector<std::string> cidrs;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT cidr FROM ip_allowlist WHERE tenant_id = ? ORDER BY cidr", key));
    for (const auto& row : rows.rows) cidrs.push_back(TextOf(row[0]));
    return Ok();
  }));
  return cidrs;
}

Result<std::vector<std::string>> SignIn::SetAllowList(const security::Principal& p, std::vector<std::string> cidrs,
                                                      const ClientInfo& client) {
  RAPPORT_TRY(CheckAccountAction(p));
  if (!p.is_admin) return Fail(ErrorCode::kPermissionDenied, "Only administrators can change the IP allow-list.");
  std::sort(cidrs.begin(), cidrs.end());
  cidrs.erase(std::unique(cidrs.begin(), cidrs.end()), cidrs.end());
  for (const auto& cidr : cidrs) {
    if (!IsValidCidr(cidr)) {
      return Fail(Error(ErrorCode::kValidationFailed, fmt::format("`{}` is not an address block.", cidr))
                      .WithField("cidrs", "invalid_format", "Use CIDR blocks such as 203.0.113.0/24 or 2001:db8::/32."));
    }
  }
  if (!cidrs.empty() &&
      std::none_of(cidrs.begin(), cidrs.end(), [&](const std::string& c) { return CidrContains(c, client.ip); })) {
    return Fail(Error(ErrorCode::kValidationFailed, "The list would lock you out: it does not contain your address.")
                    .WithField("cidrs", "locks_you_out", fmt::format("Include {}.", client.ip)));
  }
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id};
    RAPPORT_TRY(c.Execute("DELETE FROM ip_allowlist WHERE tenant_id = ?", key));
    std::string joined;
    for (const auto& cidr : cidrs) {
      std::vector<Value> row = {p.tenant_id, cidr, FormatDatetime(clock_.Now())};
      RAPPORT_TRY(c.Execute("INSERT INTO ip_allowlist (tenant_id, cidr, created_at) VALUES (?, ?, ?)", row));
      joined += (joined.empty() ? "" : ",") + cidr;
    }
    return audit::Append(c, p.tenant_id,
                         {.kind = "security.ip_allowlist_changed", .actor_id = p.user_id,
                          .detail = audit::Detail({{"cidrs", joined}})},
                         clock_);
  }));
  std::lock_guard lock(allow_mu_);
  allow_cache_.erase(p.tenant_id);
  return cidrs;
}

}  // namespace rapport::identity
