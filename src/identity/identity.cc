#include "identity/identity.h"
#include "identity/secrets.h"

#include <sodium.h>

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "core/id.h"
#include "core/strings.h"

namespace rapport::identity {

namespace {

using storage::Connection;
using storage::TextOf;
using storage::Value;


using internal::HashSecret;
using internal::RandomHex;

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}


constexpr Micros kUseRecordedEvery = 3600 * kMicrosPerSecond;

Error BadToken() { return Error(ErrorCode::kUnauthenticated, "Invalid or expired API token."); }

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) RAPPORT_UNREACHABLE("libsodium failed to initialise");
  }
};

}  // namespace

Identity::Identity(storage::Database& db, records::RecordService& records, const Clock& clock)
    : db_(db), records_(records), clock_(clock) {
  static SodiumInit init;
}

Result<Tenant> Identity::CreateTenant(const std::string& name) {
  if (name.empty() || name.size() > 100) {
    return Fail(ErrorCode::kInvalidArgument, "A tenant name is 1 to 100 characters.");
  }
  Tenant tenant{NewId(clock_), name};
  auto written = db_.Write([&](Connection& c) -> Status {
    std::vector<Value> p = {tenant.id, tenant.name, FormatDatetime(clock_.Now())};
    RAPPORT_TRY(c.Execute("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)", p));
    return Ok();
  });
  if (!written) {
    if (written.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAlreadyExists, fmt::format("A tenant named `{}` already exists.", name));
    }
    return std::unexpected(written.error());
  }
  return tenant;
}

Result<std::optional<Tenant>> Identity::FindTenant(const std::string& name) {
  std::optional<Tenant> found;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    std::vector<Value> p = {name};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT id, name FROM tenants WHERE name = ?", p));
    if (!rows.rows.empty()) found = Tenant{TextOf(rows.rows[0][0]), TextOf(rows.rows[0][1])};
    return Ok();
  }));
  return found;
}

Result<std::vector<Tenant>> Identity::ListTenants() {
  std::vector<Tenant> all;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT id, name FROM tenants ORDER BY created_at, id"));
    for (const auto& row : rows.rows) all.push_back({TextOf(row[0]), TextOf(row[1])});
    return Ok();
  }));
  return all;
}

Result<Tenant> Identity::ResolveTenant(const std::string& name) {
  if (!name.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(auto found, FindTenant(name));
    if (!found) return Fail(ErrorCode::kNotFound, fmt::format("No tenant named `{}`.", name));
    return *found;
  }
  RAPPORT_ASSIGN_OR_RETURN(std::vector<Tenant> all, ListTenants());
  if (all.empty()) return Fail(ErrorCode::kNotFound, "No tenant yet: run `rapport init` first.");
  if (all.size() > 1) return Fail(ErrorCode::kFailedPrecondition, "Several tenants exist: pass --tenant NAME.");
  return all[0];
}

Result<records::Record> Identity::CreateUser(const Tenant& tenant, const std::string& name, const std::string& email,
                                             const std::string& role, const std::string& password) {
  if (password.size() < 12) {
    return Fail(Error(ErrorCode::kValidationFailed, "The password is too short.")
                    .WithField("password", "too_short", "At least 12 characters."));
  }
  auto system = security::Principal::System(tenant.id);
  records::CreateCommand create{"users",
                                {{"name", records::InputValue::String(name)},
                                 {"email", records::InputValue::String(email)},
                                 {"role", records::InputValue::String(role)},
                                 {"active", records::InputValue::Bool(true)}}};
  RAPPORT_ASSIGN_OR_RETURN(records::Record user, records_.Create(system, create));
  std::string hash = HashPassword(password);
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> p = {tenant.id, user.id, hash, FormatDatetime(clock_.Now())};
    RAPPORT_TRY(c.Execute("INSERT INTO credentials (tenant_id, user_id, password_hash, updated_at) VALUES (?, ?, ?, ?)",
                          p));
    return Ok();
  }));
  return user;
}

Result<records::Record> Identity::FindUserByEmail(const Tenant& tenant, const std::string& email) {
  auto system = security::Principal::System(tenant.id);
  records::ListQuery q;
  q.object = "users";
  std::string escaped;
  for (char ch : email) {
    if (ch == '"' || ch == '\\') escaped += '\\';
    escaped += ch;
  }
  q.filter = fmt::format("email = \"{}\"", escaped);
  q.limit = 1;
  RAPPORT_ASSIGN_OR_RETURN(auto result, records_.List(system, q));
  if (result.records.empty()) {
    return Fail(ErrorCode::kNotFound, fmt::format("No user with email `{}` in `{}`.", email, tenant.name));
  }
  return std::move(result.records[0]);
}

Result<CreatedToken> Identity::CreateToken(const Tenant& tenant, const std::string& user_id, const std::string& name,
                                           int expires_in_days, bool read_only) {
  return IssueToken(tenant.id, user_id, {.name = name, .expires_in_days = expires_in_days, .read_only = read_only}, "");
}

Result<CreatedToken> Identity::CreateTokenFor(const security::Principal& principal, const TokenOptions& options) {
  if (principal.read_only) {
    return Fail(ErrorCode::kPermissionDenied, "A read-only token cannot create tokens.");
  }
  if (principal.user_id.empty()) return Fail(ErrorCode::kPermissionDenied, "Tokens belong to a user.");
  // A token is never wider than the one that made it.
  if (!principal.token_objects.empty() && options.objects.empty()) {
    return Fail(ErrorCode::kPermissionDenied, "A token limited to some objects cannot create an unlimited one.");
  }
  if (!options.objects.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records_.Metadata(principal));
    for (const auto& name : options.objects) {
      bool allowed = principal.token_objects.empty() ||
                     std::find(principal.token_objects.begin(), principal.token_objects.end(), name) !=
                         principal.token_objects.end();
      if (!snapshot->FindObject(name) || !allowed) {
        return Fail(Error(ErrorCode::kValidationFailed, fmt::format("No object `{}` for this token.", name))
                        .WithField("objects", "not_found", "Name objects by their api names (\"companies\")."));
      }
    }
  }
  return IssueToken(principal.tenant_id, principal.user_id, options, principal.user_id);
}

Result<std::vector<TokenInfo>> Identity::ListTokens(const security::Principal& principal) {
  std::string sql =
      "SELECT id, user_id, name, created_at, expires_at, revoked_at, read_only, objects, last_used_at FROM api_tokens "
      "WHERE tenant_id = ?";
  std::vector<Value> params = {principal.tenant_id};
  if (!principal.is_admin) {
    sql += " AND user_id = ?";
    params.emplace_back(principal.user_id);
  }
  sql += " ORDER BY created_at DESC, id";
  std::vector<TokenInfo> out;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
    for (const auto& row : rows.rows) {
      out.push_back({TextOf(row[0]), TextOf(row[1]), TextOf(row[2]), TextOf(row[3]), TextOf(row[4]), TextOf(row[5]),
                     std::holds_alternative<int64_t>(row[6]) && std::get<int64_t>(row[6]) != 0, SplitCommaList(TextOf(row[7])),
                     TextOf(row[8])});
    }
    return Ok();
  }));
  return out;
}

Status Identity::RevokeTokenFor(const security::Principal& principal, const std::string& token_id) {
  RAPPORT_TRY(security::CheckMayChangeSettings(principal));
  // A member revokes only their own: another user's token answers as if it did not exist.
  return Revoke(principal.tenant_id, token_id, principal.user_id, principal.is_admin ? "" : principal.user_id);
}

Result<CreatedToken> Identity::IssueToken(const std::string& tenant_id, const std::string& user_id,
                                          const TokenOptions& options, const std::string& actor_id) {
  const std::string& name = options.name;
  int expires_in_days = options.expires_in_days;
  if (expires_in_days < 0 || expires_in_days > 3650) {
    return Fail(Error(ErrorCode::kInvalidArgument, "Expiry is 0 (never) to 3650 days.")
                    .WithField("expires_in_days", "out_of_range", "0 (never) to 3650"));
  }
  std::string token_id = RandomHex(8);
  std::string secret = RandomHex(24);
  Value expires = storage::Null{};
  if (expires_in_days > 0) expires = FormatDatetime(clock_.Now() + expires_in_days * kMicrosPerDay);
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::string objects = JoinNames(options.objects);
    std::vector<Value> p = {token_id, tenant_id, user_id, name.empty() ? std::string("api") : name,
                            HashSecret(secret), FormatDatetime(clock_.Now()), expires,
                            int64_t{options.read_only ? 1 : 0},
                            objects.empty() ? Value(storage::Null{}) : Value(objects)};
    RAPPORT_TRY(c.Execute("INSERT INTO api_tokens (id, tenant_id, user_id, name, secret_hash, created_at, expires_at, "
                          "read_only, objects) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          p));
    return audit::Append(c, tenant_id,
                         {.kind = "token.created", .actor_id = actor_id, .object_name = "users", .record_id = user_id,
                          .detail = audit::Detail({{"token_id", token_id}, {"name", TextOf(p[3])},
                                                   {"expires_at", TextOf(expires)},
                                                   {"read_only", options.read_only ? "true" : "false"},
                                                   {"objects", objects}})},
                         clock_);
  }));
  return CreatedToken{token_id, fmt::format("rpt_{}_{}", token_id, secret)};
}

Status Identity::RevokeToken(const std::string& tenant_id, const std::string& token_id, const std::string& actor_id) {
  return Revoke(tenant_id, token_id, actor_id, "");
}

Status Identity::Revoke(const std::string& tenant_id, const std::string& token_id, const std::string& actor_id,
                        const std::string& owner_id) {
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::string sql = "UPDATE api_tokens SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL";
    std::vector<Value> p = {FormatDatetime(clock_.Now()), tenant_id, token_id};
    if (!owner_id.empty()) {
      sql += " AND user_id = ?";
      p.emplace_back(owner_id);
    }
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute(sql, p));
    if (n == 0) return Fail(ErrorCode::kNotFound, "No such active token.");
    return audit::Append(c, tenant_id,
                         {.kind = "token.revoked", .actor_id = actor_id,
                          .detail = audit::Detail({{"token_id", token_id}})},
                         clock_);
  }));
  std::lock_guard lock(cache_mu_);
  cache_.erase(token_id);
  return Ok();
}

Result<security::Principal> Identity::Authenticate(std::string_view bearer) {
  // rpt_<16 hex id>_<48 hex secret>
  if (bearer.size() != 4 + 16 + 1 + 48 || !bearer.starts_with("rpt_") || bearer[20] != '_') {
    return Fail(BadToken());
  }
  std::string token_id(bearer.substr(4, 16));
  std::string secret_hash = HashSecret(bearer.substr(21));
  Micros now = clock_.Now();
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(token_id);
    if (it != cache_.end() && it->second.valid_until > now) {
      if (it->second.secret_hash.size() == secret_hash.size() &&
          sodium_memcmp(it->second.secret_hash.data(), secret_hash.data(), secret_hash.size()) == 0) {
        return it->second.principal;
      }
      return Fail(BadToken());
    }
  }
  security::Principal principal;
  std::string stored_hash;
  std::string expires_at, last_used_at;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    // Two single-table reads rather than a join: api_tokens is global (the token names
    // the tenant), users is sharded by tenant, and the second read names its shard.
    std::vector<Value> p = {token_id};
    RAPPORT_ASSIGN_OR_RETURN(
        auto tokens, c.Query("SELECT tenant_id, user_id, secret_hash, expires_at, read_only, objects, last_used_at "
                             "FROM api_tokens WHERE id = ? AND revoked_at IS NULL",
                             p));
    if (tokens.rows.empty()) return Fail(BadToken());
    principal.tenant_id = TextOf(tokens.rows[0][0]);
    principal.user_id = TextOf(tokens.rows[0][1]);
    stored_hash = TextOf(tokens.rows[0][2]);
    expires_at = TextOf(tokens.rows[0][3]);
    principal.read_only = std::holds_alternative<int64_t>(tokens.rows[0][4]) && std::get<int64_t>(tokens.rows[0][4]) != 0;
    principal.token_objects = SplitCommaList(TextOf(tokens.rows[0][5]));
    last_used_at = TextOf(tokens.rows[0][6]);
    std::vector<Value> user_key = {principal.tenant_id, principal.user_id};
    RAPPORT_ASSIGN_OR_RETURN(
        auto users, c.Query("SELECT role, active FROM users WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL",
                            user_key));
    if (users.rows.empty()) return Fail(BadToken());
    const auto& row = users.rows[0];
    principal.is_admin = TextOf(row[0]) == "admin";
    // Only an explicit `active: false` deactivates a user (no value means active).
    bool deactivated = std::holds_alternative<int64_t>(row[1]) && std::get<int64_t>(row[1]) == 0;
    if (deactivated) return Fail(BadToken());
    return Ok();
  }));
  if (stored_hash.size() != secret_hash.size() ||
      sodium_memcmp(stored_hash.data(), secret_hash.data(), secret_hash.size()) != 0) {
    return Fail(BadToken());
  }
  if (!expires_at.empty() && expires_at <= FormatDatetime(now)) return Fail(BadToken());
  auto last_used = ParseDatetime(last_used_at);
  if (!last_used || now - *last_used >= kUseRecordedEvery) {
    // The first use in an hour: when, and an audit event (the token, not the request).
    RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
      std::vector<Value> p = {FormatDatetime(now), token_id};
      RAPPORT_TRY(c.Execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", p));
      return audit::Append(c, principal.tenant_id,
                           {.kind = "token.used", .actor_id = principal.user_id,
                            .detail = audit::Detail({{"token_id", token_id}})},
                           clock_);
    }));
  }
  Micros valid_until = now + kCacheMicros;
  if (!expires_at.empty()) {
    if (auto t = ParseDatetime(expires_at)) valid_until = std::min(valid_until, *t);
  }
  std::lock_guard lock(cache_mu_);
  if (cache_.size() > 10000) cache_.clear();
  cache_[token_id] = CacheEntry{stored_hash, principal, valid_until};
  return principal;
}

std::string Identity::HashPassword(const std::string& password) {
  static SodiumInit init;
  char out[crypto_pwhash_STRBYTES];
  // argon2id with libsodium's interactive limits (~100 ms and 64 MiB here).
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    RAPPORT_UNREACHABLE("out of memory hashing a password");
  }
  return out;
}

bool Identity::VerifyPassword(const std::string& hash, const std::string& password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string Identity::GeneratePassword() {
  static SodiumInit init;
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (int i = 0; i < 20; ++i) out += kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];
  return out;
}

}  // namespace rapport::identity
