// Tenants, passwords and API tokens: who a request comes from.
//
// API tokens look like `rpt_<token id>_<secret>`. Only a BLAKE2b hash of the secret is
// stored; verification finds the token by id and compares hashes in constant time.
// Users are ordinary records of the `users` object (read through RecordService).
//
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "records/record_service.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::identity {

struct Tenant {
  std::string id;
  std::string name;
};

struct CreatedToken {
  std::string id;
  std::string token;  // shown once; never stored
};

struct TokenOptions {
  std::string name;
  int expires_in_days = 0;  // 0: never
  bool read_only = false;   // the token may only read, whatever its user may do
  std::vector<std::string> objects;  // only these objects (api names); empty: all
};

// A token as listed: never its secret or hash.
struct TokenInfo {
  std::string id;
  std::string user_id;
  std::string name;
  std::string created_at;
  std::string expires_at;  // empty: never
  std::string revoked_at;  // empty: active
  bool read_only = false;
  std::vector<std::string> objects;  // empty: every object
  std::string last_used_at;          // to the hour; empty: never
};

class Identity {
 public:
  Identity(storage::Database& db, records::RecordService& records,
           const Clock& clock = SystemClock::Instance());

  // kAlreadyExists if a tenant of that name exists.
  Result<Tenant> CreateTenant(const std::string& name);
  Result<std::optional<Tenant>> FindTenant(const std::string& name);
  // Every tenant, oldest first.
  Result<std::vector<Tenant>> ListTenants();
  // The only tenant, or the one named; kNotFound / kFailedPrecondition if ambiguous.
  Result<Tenant> ResolveTenant(const std::string& name);

  // Creates a user record (role admin/member) with a password (argon2id).
  Result<records::Record> CreateUser(const Tenant& tenant, const std::string& name, const std::string& email,
                                     const std::string& role, const std::string& password);
  // kNotFound if no such user in the tenant.
  Result<records::Record> FindUserByEmail(const Tenant& tenant, const std::string& email);

  // A new API token for the user. `expires_in_days` 0 means no expiry. (The CLI's
  // path: whoever can run it can open the database anyway.)
  Result<CreatedToken> CreateToken(const Tenant& tenant, const std::string& user_id, const std::string& name,
                                   int expires_in_days, bool read_only = false);
  Status RevokeToken(const std::string& tenant_id, const std::string& token_id, const std::string& actor_id = "");

  // The API's path, checked against `principal`: a token for the principal's own user
  // (kPermissionDenied from a read-only token, which must not mint a stronger one).
  Result<CreatedToken> CreateTokenFor(const security::Principal& principal, const TokenOptions& options);
  // The principal's own tokens; an administrator's lists every user's.
  Result<std::vector<TokenInfo>> ListTokens(const security::Principal& principal);
  // Revokes one of the principal's tokens (an administrator: anyone's). Someone
  // else's token is kNotFound, as if it did not exist.
  Status RevokeTokenFor(const security::Principal& principal, const std::string& token_id);
  // kUnauthenticated for anything but a valid, unexpired, unrevoked token of an
  // active user. Results are cached briefly (kCacheMicros) to keep the hot path cheap.
  // The first use in each hour is recorded (last_used_at, and a `token.used` audit
  // event).
  Result<security::Principal> Authenticate(std::string_view bearer_token);

  records::RecordService& records() { return records_; }

  static std::string HashPassword(const std::string& password);
  static bool VerifyPassword(const std::string& hash, const std::string& password);
  static std::string GeneratePassword();

 private:
  // Revokes an active token; with `owner_id`, only if it is that user's.
  Status Revoke(const std::string& tenant_id, const std::string& token_id, const std::string& actor_id,
                const std::string& owner_id);
  Result<CreatedToken> IssueToken(const std::string& tenant_id, const std::string& user_id,
                                  const TokenOptions& options, const std::string& actor_id);

  static constexpr Micros kCacheMicros = 10 * kMicrosPerSecond;
  struct CacheEntry {
    std::string secret_hash;
    security::Principal principal;
    Micros valid_until;
  };

  storage::Database& db_;
  records::RecordService& records_;
  const Clock& clock_;
  std::mutex cache_mu_;
  std::map<std::string, CacheEntry, std::less<>> cache_;
};

}  // namespace rapport::identity
