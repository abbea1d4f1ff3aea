// AccessStore keeps each tenant's access model (roles, who holds them, organisation-
// wide defaults, sharing rules) and is the one way to change it. Every change is
// checked against the principal (Policy::CheckManageAccess), validated against the
// tenant's metadata, written in one transaction with its audit entry, and published
// at once in this process. Other processes (several servers on one PostgreSQL) see it
// within kMaxAge, after which a cached model is read again.
//
// Manual shares of single records are records' business: RecordService handles them.
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "metadata/metadata_store.h"
#include "security/access.h"
#include "security/policy.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::security {

class AccessStore {
 public:
  static constexpr Micros kMaxAge = 5 * kMicrosPerSecond;

  AccessStore(storage::Database& db, metadata::MetadataStore& metadata, const Policy& policy,
              const Clock& clock = SystemClock::Instance());

  // The tenant's model, loaded on first use and again when older than kMaxAge.
  Result<AccessConfigPtr> Current(const std::string& tenant_id);
  // The tenant's model as `c` sees it, uncached.
  static Result<AccessConfigPtr> Read(storage::Connection& c, const std::string& tenant_id);
  void Forget(const std::string& tenant_id);

  // kPermissionDenied unless the principal may manage users and access.
  Status CheckManageAccess(const Principal& principal);

  // Roles. kValidationFailed names the offending key ("objects.deals.edit"); a
  // duplicate name is kAlreadyExists; an unknown id kNotFound.
  Result<std::vector<Role>> ListRoles(const Principal& principal);
  Result<Role> GetRole(const Principal& principal, const std::string& role_id);
  Result<Role> CreateRole(const Principal& principal, Role role);
  // Replaces the role's name, description, flags, object and field permissions.
  Result<Role> ReplaceRole(const Principal& principal, Role role);
  // Also removes it from its holders and drops the sharing rules that target it.
  Status DeleteRole(const Principal& principal, const std::string& role_id);

  // The roles a user holds (ids). kNotFound for an unknown user or role.
  Result<std::vector<std::string>> UserRoles(const Principal& principal, const std::string& user_id);
  Result<std::vector<std::string>> SetUserRoles(const Principal& principal, const std::string& user_id,
                                                std::vector<std::string> role_ids);

  // Organisation-wide defaults: every object, with its current setting.
  Result<std::map<std::string, DefaultSharing>> Defaults(const Principal& principal);
  Status SetDefault(const Principal& principal, const std::string& object, DefaultSharing sharing);

  // Sharing rules. The criteria must bind to the object (kValidationFailed otherwise).
  Result<std::vector<SharingRule>> ListRules(const Principal& principal);
  Result<SharingRule> CreateRule(const Principal& principal, SharingRule rule);
  Status DeleteRule(const Principal& principal, const std::string& rule_id);

 private:
  // Runs `work` in a write transaction after the permission check, then publishes.
  Status Change(const Principal& principal, const std::function<Status(storage::Connection&)>& work);
  Status Validate(const std::string& tenant_id, const Role& role);
  Status WriteRole(storage::Connection& c, const Principal& actor, const Role& role, bool creating);

  struct Cached {
    AccessConfigPtr config;
    Micros loaded_at;
  };

  storage::Database& db_;
  metadata::MetadataStore& metadata_;
  const Policy& policy_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Cached, std::less<>> cache_;
};

}  // namespace rapport::security
