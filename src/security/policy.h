// The permission hook of the record engine. RecordService asks the Policy before every
// operation and adds its row predicate to every query, so REST, import, export,
// search and reports obey one set of rules.
//
// Today every authenticated principal has full access within its own tenant (tenant
// isolation is enforced by the engine's tenant_id scoping). The role, field-level and
// sharing model (issue 4) replaces this class's body, not its callers.
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "metadata/object_def.h"
#include "security/principal.h"

namespace rapport::security {

enum class Operation { kCreate, kRead, kUpdate, kDelete };

class Policy {
 public:
  virtual ~Policy() = default;
  // kPermissionDenied if the principal may not perform `op` on objects of this type.
  // Users and teams are the organisation itself: only admins change them (a member who
  // could edit their own user record could make themselves an admin).
  virtual Status CheckObject(const Principal& principal, const metadata::ObjectDef& object,
                             Operation op) const;
  // kPermissionDenied unless the principal may change objects and fields.
  virtual Status CheckManageMetadata(const Principal& principal) const;
  // Whether changes to records of this object are security events for the audit log
  // (users and teams: who may do what).
  virtual bool AuditsChangesTo(const metadata::ObjectDef& object) const;
  // kPermissionDenied unless the principal may read the audit log.
  virtual Status CheckReadAudit(const Principal& principal) const;
  // An extra SQL predicate (over alias `r`) limiting which rows the principal sees,
  // or nullopt for all rows of the tenant.
  virtual std::optional<std::string> RowPredicate(const Principal& principal,
                                                  const metadata::ObjectDef& object) const;
};

}  // namespace rapport::security
