// The permission model of the record engine. RecordService asks the Policy before
// every operation and adds the rows it allows to every statement, so REST, import,
// export, search and reports obey one set of rules. docs/security.md explains it.
//
//   * Administrators (and the engine itself) may do everything within their tenant.
//   * A member works under their roles (or the tenant's default role; with neither,
//     the built-in member access: everything on records, nothing on the schema).
//     Per object, the most permissive role wins for create / read / edit / delete,
//     each with a scope none | own | team | all. `none` closes the object: no grant
//     below reopens it.
//   * Which records a member may read is the union of grants, each a SQL predicate:
//     the scope (own: they or their reports own it; team: someone in their team
//     does; all), the object's organisation-wide default, the sharing rules that
//     target them, and records shared with them or their team by hand. Edit is the
//     same with edit-level grants; delete has no sharing grants.
//   * Fields: per role hidden / read-only / editable (the most permissive wins). A
//     hidden field does not exist for the member: not in reads, filters, sorts,
//     includes, writes or history.
//   * A history object (snapshot copies of another object's records) has no
//     permissions of its own: its source's roles, field access, default, sharing
//     rules and manual shares apply, as they are now, read-only for members.
//   * Users and teams are the organisation's directory: every member reads them,
//     only administrators and `manage_users` roles change them.
//
// Thread-safe (stateless).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "metadata/object_def.h"
#include "metadata/snapshot.h"
#include "query/expression.h"
#include "security/access.h"
#include "security/principal.h"
#include "storage/dialect.h"

namespace rapport::security {

// kExport is reading in bulk out of Rapport (CSV, JSON): it needs read access and the
// role's `export` permission, and reaches the same rows as kRead.
enum class Operation { kCreate, kRead, kUpdate, kDelete, kExport };

// One reason a principal may reach records: "owner", "sharing rule `Big deals`"...
struct Grant {
  std::string reason;
  std::optional<query::SqlFragment> rows;  // over the alias it was built for; nullopt: every record
  // Probes a subquery's result per row (team, reports, shares): Predicate() tests the
  // plain column comparisons first, so a row they admit skips the probes.
  bool probes = false;
};

// The records an operation may touch, as the union of its grants.
struct RowAccess {
  std::vector<Grant> grants;  // empty: no record

  bool Everything() const;
  // The OR of the grants; nullopt when some grant covers every record. An empty
  // RowAccess yields a predicate that is always false.
  std::optional<query::SqlFragment> Predicate() const;
};

struct ObjectAccess {
  ObjectPermissions permissions;  // merged over the principal's roles
  RowAccess read, edit, del;
};

class Policy {
 public:
  // kPermissionDenied if the principal may not perform `op` on this object at all.
  Status CheckObject(const Principal& principal, const AccessConfig& config, const metadata::ObjectDef& object,
                     Operation op) const;
  // kPermissionDenied unless the principal may change objects and fields.
  Status CheckManageMetadata(const Principal& principal, const AccessConfig& config) const;
  // kPermissionDenied unless the principal may change roles, sharing and other users'
  // access (administrators and `manage_users` roles).
  Status CheckManageAccess(const Principal& principal, const AccessConfig& config) const;
  // kPermissionDenied unless the principal may read the audit log.
  Status CheckReadAudit(const Principal& principal) const;
  // Whether changes to records of this object are security events for the audit log
  // (users and teams: who may do what).
  bool AuditsChangesTo(const metadata::ObjectDef& object) const;

  ObjectPermissions Permissions(const Principal& principal, const AccessConfig& config,
                                const metadata::ObjectDef& object) const;
  FieldAccess FieldAccessFor(const Principal& principal, const AccessConfig& config,
                             const metadata::ObjectDef& object, const metadata::FieldDef& field) const;
  // Whether any field of any object is hidden or read-only for the principal (if not,
  // the tenant's schema needs no masking for them).
  bool RestrictsFields(const Principal& principal, const AccessConfig& config) const;

  // The rows the principal may read, edit and delete, as predicates over `alias`.
  // `snapshot` supplies the users object (owners, teams, managers) and binds the
  // criteria of sharing rules. Fails only on a sharing rule that no longer binds
  // (its field was removed): such a rule grants nothing rather than failing reads.
  ObjectAccess Access(const Principal& principal, const AccessConfig& config,
                      const metadata::MetadataSnapshot& snapshot, const metadata::ObjectDef& object,
                      const storage::SqlDialect& dialect, std::string_view alias, Micros now) const;
  // The records the principal may share by hand: their own and their reports' (every
  // record for administrators and user managers).
  RowAccess ShareAccess(const Principal& principal, const AccessConfig& config,
                        const metadata::MetadataSnapshot& snapshot, const storage::SqlDialect& dialect,
                        std::string_view alias) const;
};

}  // namespace rapport::security
