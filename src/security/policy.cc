#include "security/policy.h"

#include <algorithm>

#include <fmt/format.h>

namespace rapport::security {

namespace {

using storage::Value;

// Users and teams are the organisation itself: who may sign in and with what role.
bool IsOrganisation(const metadata::ObjectDef& object) { return object.name == "users" || object.name == "teams"; }

bool IsPrivileged(const Principal& p) { return p.is_system || p.is_admin; }

// Whose permissions an object's records follow: its own, or for a history object
// (snapshot copies) its source's, so that the history of a record is read by whoever
// may read the record now, as the roles say now.
std::string_view GoverningName(const metadata::ObjectDef& object) {
  return object.history_of.empty() ? std::string_view(object.name) : std::string_view(object.history_of);
}

bool AnyRole(const Principal& p, const AccessConfig& config, bool Role::*flag) {
  auto roles = config.RolesOf(p.user_id);
  return std::any_of(roles.begin(), roles.end(), [&](const Role* r) { return r->*flag; });
}

constexpr ObjectPermissions kEverything{Scope::kAll, Scope::kAll, Scope::kAll, Scope::kAll, true};

std::string_view Verb(Operation op) {
  switch (op) {
    case Operation::kCreate: return "create";
    case Operation::kRead: return "read";
    case Operation::kUpdate: return "edit";
    case Operation::kDelete: return "delete";
    case Operation::kExport: return "export";
  }
  return "use";
}

Scope ScopeFor(const ObjectPermissions& p, Operation op) {
  switch (op) {
    case Operation::kCreate: return p.create;
    case Operation::kRead: return p.read;
    case Operation::kUpdate: return p.edit;
    case Operation::kDelete: return p.del;
    case Operation::kExport: return p.export_records ? p.read : Scope::kNone;
  }
  return Scope::kNone;
}

// Builds the SQL of the grants for one principal and object over one alias. Every
// value is a bound parameter; subqueries over users are tenant-scoped and do not
// depend on the outer row, so a database evaluates each once per statement.
class GrantBuilder {
 public:
  GrantBuilder(const Principal& p, const metadata::MetadataSnapshot& snapshot, const storage::SqlDialect& d,
               std::string_view alias)
      : p_(p), d_(d), alias_(alias) {
    const metadata::ObjectDef* users = snapshot.FindObject("users");
    users_table_ = d.QuoteIdentifier(users ? users->table : "users");
    const metadata::FieldDef* team = users ? users->FindField("team_id") : nullptr;
    team_column_ = d.QuoteIdentifier(team ? team->column : "team_id");
    const metadata::FieldDef* manager = users ? users->FindField("manager_id") : nullptr;
    manager_column_ = d.QuoteIdentifier(manager ? manager->column : "manager_id");
  }

  std::string Column(std::string_view column) const { return fmt::format("{}.{}", alias_, d_.QuoteIdentifier(column)); }

  query::SqlFragment Owner() const { return {Column("owner_id") + " = ?", {p_.user_id}}; }

  // Records owned by anyone who reports to the principal, directly or not. UNION (not
  // UNION ALL) ends the recursion even if managers form a cycle.
  query::SqlFragment OwnerReports() const {
    return {fmt::format("{} IN (WITH RECURSIVE reports(id) AS (SELECT u.id FROM {} u WHERE u.tenant_id = ? AND "
                        "u.{} = ? AND u.deleted_at IS NULL UNION SELECT u.id FROM {} u JOIN reports ON u.{} = "
                        "reports.id WHERE u.tenant_id = ? AND u.deleted_at IS NULL) SELECT id FROM reports)",
                        Column("owner_id"), users_table_, manager_column_, users_table_, manager_column_),
            {p_.tenant_id, p_.user_id, p_.tenant_id}};
  }

  // The principal's team, as a scalar subquery (always current: no cache to go stale).
  std::string MyTeam(std::vector<Value>& params) const {
    params.emplace_back(p_.tenant_id);
    params.emplace_back(p_.user_id);
    return fmt::format("(SELECT m.{} FROM {} m WHERE m.tenant_id = ? AND m.id = ?)", team_column_, users_table_);
  }

  query::SqlFragment OwnerInTeam() const {
    query::SqlFragment f;
    f.params.emplace_back(p_.tenant_id);
    std::string team = MyTeam(f.params);
    f.sql = fmt::format("{} IN (SELECT t.id FROM {} t WHERE t.tenant_id = ? AND t.{} = {})", Column("owner_id"),
                        users_table_, team_column_, team);
    return f;
  }

  // The principal is in team `team_id` (a condition on no record).
  query::SqlFragment InTeam(const std::string& team_id) const {
    query::SqlFragment f;
    f.sql = "? = ";
    f.params.emplace_back(team_id);
    f.sql += MyTeam(f.params);
    return f;
  }

  // Records shared by hand with the principal or their team; for a history object,
  // the copies of the source records so shared.
  query::SqlFragment SharedByHand(const metadata::ObjectDef& object, bool edit) const {
    query::SqlFragment f;
    f.params = {p_.tenant_id, std::string(GoverningName(object)), std::string(Name(ShareTarget::Kind::kUser)),
                p_.user_id, std::string(Name(ShareTarget::Kind::kTeam))};
    std::string team = MyTeam(f.params);
    const metadata::FieldDef* copied = object.history_of.empty() ? nullptr : object.FindField(metadata::kHistoryRecordField);
    f.sql = fmt::format("{} IN (SELECT s.record_id FROM record_shares s WHERE s.tenant_id = ? AND s.object_name = ? "
                        "AND ((s.target_kind = ? AND s.target_id = ?) OR (s.target_kind = ? AND s.target_id = {}))",
                        Column(copied ? copied->column : "id"), team);
    if (edit) {
      f.sql += " AND s.level = ?";
      f.params.emplace_back(std::string(Name(ShareLevel::kEdit)));
    }
    f.sql += ")";
    return f;
  }

 private:
  const Principal& p_;
  const storage::SqlDialect& d_;
  std::string alias_;
  std::string users_table_;
  std::string team_column_;
  std::string manager_column_;
};

query::SqlFragment And(query::SqlFragment a, const query::SqlFragment& b) {
  a.sql = "(" + a.sql + ") AND (" + b.sql + ")";
  a.params.insert(a.params.end(), b.params.begin(), b.params.end());
  return a;
}

// The grants a scope gives: ownership (with the principal's reports), the team, or all.
void AddScopeGrants(const GrantBuilder& b, Scope scope, RowAccess& out) {
  if (scope == Scope::kAll) {
    out.grants.push_back({"role: all records", std::nullopt});
    return;
  }
  if (scope >= Scope::kOwn) {
    out.grants.push_back({"owner", b.Owner()});
    out.grants.push_back({"owner reports to you", b.OwnerReports(), true});
  }
  if (scope >= Scope::kTeam) out.grants.push_back({"owner is in your team", b.OwnerInTeam(), true});
}

}  // namespace

bool RowAccess::Everything() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) { return !g.rows; });
}

std::optional<query::SqlFragment> RowAccess::Predicate() const {
  if (Everything()) return std::nullopt;
  if (grants.empty()) return query::SqlFragment{"1 = 0", {}};
  query::SqlFragment out;
  for (bool probes : {false, true}) {
    for (const Grant& g : grants) {
      if (g.probes != probes) continue;
      out.sql += out.sql.empty() ? "(" : " OR (";
      out.sql += g.rows->sql + ")";
      out.params.insert(out.params.end(), g.rows->params.begin(), g.rows->params.end());
    }
  }
  if (grants.size() > 1) out.sql = "(" + out.sql + ")";
  return out;
}

ObjectPermissions Policy::Permissions(const Principal& p, const AccessConfig& config,
                                      const metadata::ObjectDef& object) const {
  // A token scoped to some objects reaches nothing else, whoever its user is.
  if (!p.token_objects.empty() &&
      std::find(p.token_objects.begin(), p.token_objects.end(), object.name) == p.token_objects.end()) {
    return ObjectPermissions{};
  }
  if (IsPrivileged(p)) return p.read_only ? ObjectPermissions{Scope::kNone, Scope::kAll, Scope::kNone, Scope::kNone, true}
                                          : kEverything;
  ObjectPermissions merged;
  auto roles = config.RolesOf(p.user_id);
  if (IsOrganisation(object)) {
    // The directory: everyone reads it; changing it is managing users.
    bool manage = std::any_of(roles.begin(), roles.end(), [](const Role* r) { return r->manage_users; });
    Scope write = manage ? Scope::kAll : Scope::kNone;
    merged = {write, Scope::kAll, write, write, manage};
  } else if (roles.empty()) {
    merged = kEverything;  // the built-in member access
  } else {
    for (const Role* role : roles) {
      const ObjectPermissions* granted = role->For(GoverningName(object));
      if (!granted) continue;
      merged.create = std::max(merged.create, granted->create);
      merged.read = std::max(merged.read, granted->read);
      merged.edit = std::max(merged.edit, granted->edit);
      merged.del = std::max(merged.del, granted->del);
      merged.export_records = merged.export_records || granted->export_records;
    }
  }
  // History is written by the engine (and mended by administrators), never by members.
  if (p.read_only || !object.history_of.empty()) merged.create = merged.edit = merged.del = Scope::kNone;
  return merged;
}

Status Policy::CheckObject(const Principal& p, const AccessConfig& config, const metadata::ObjectDef& object,
                           Operation op) const {
  if (p.read_only && op != Operation::kRead && op != Operation::kExport) {
    return Fail(ErrorCode::kPermissionDenied, "This API token is read-only.");
  }
  if (ScopeFor(Permissions(p, config, object), op) != Scope::kNone) return Ok();
  if (!p.token_objects.empty()) {
    return Fail(ErrorCode::kPermissionDenied, fmt::format("This API token is not for {}.", object.label_plural));
  }
  if (IsOrganisation(object)) {
    return Fail(ErrorCode::kPermissionDenied, "Only administrators and user managers can change users and teams.");
  }
  return Fail(ErrorCode::kPermissionDenied,
              fmt::format("Your roles do not allow you to {} {}.", Verb(op), object.label_plural));
}

Status Policy::CheckManageMetadata(const Principal& p, const AccessConfig& config) const {
  RAPPORT_TRY(CheckMayChangeSettings(p));
  if (IsPrivileged(p) || AnyRole(p, config, &Role::manage_metadata)) return Ok();
  return Fail(ErrorCode::kPermissionDenied, "Only administrators can change objects and fields.");
}

Status Policy::CheckManageAccess(const Principal& p, const AccessConfig& config) const {
  RAPPORT_TRY(CheckMayChangeSettings(p));
  if (IsPrivileged(p) || AnyRole(p, config, &Role::manage_users)) return Ok();
  return Fail(ErrorCode::kPermissionDenied, "Only administrators and user managers can change access.");
}

bool Policy::AuditsChangesTo(const metadata::ObjectDef& object) const { return IsOrganisation(object); }

Status Policy::CheckReadAudit(const Principal& principal) const {
  if (!principal.is_admin || !principal.token_objects.empty()) {
    return Fail(ErrorCode::kPermissionDenied, "Only administrators can read the audit log.");
  }
  return Ok();
}

FieldAccess Policy::FieldAccessFor(const Principal& p, const AccessConfig& config, const metadata::ObjectDef& object,
                                   const metadata::FieldDef& field) const {
  if (IsPrivileged(p) || field.system) return FieldAccess::kEditable;
  auto roles = config.RolesOf(p.user_id);
  if (roles.empty()) return FieldAccess::kEditable;
  // A history object's copy of a field is as visible as the source's field.
  std::string key = fmt::format("{}.{}", GoverningName(object), field.name);
  FieldAccess best = FieldAccess::kHidden;
  for (const Role* role : roles) {
    auto it = role->fields.find(key);
    best = std::max(best, it == role->fields.end() ? FieldAccess::kEditable : it->second);
  }
  // Ownership decides visibility, so owner_id can be locked but never hidden.
  if (field.name == "owner_id") best = std::max(best, FieldAccess::kReadOnly);
  if (!object.history_of.empty()) best = std::min(best, FieldAccess::kReadOnly);
  return best;
}

bool Policy::RestrictsFields(const Principal& p, const AccessConfig& config) const {
  if (IsPrivileged(p)) return false;
  auto roles = config.RolesOf(p.user_id);
  // With several roles a field is restricted only if every role restricts it, which
  // needs every role to name some field.
  return !roles.empty() && std::all_of(roles.begin(), roles.end(), [](const Role* r) { return !r->fields.empty(); });
}

ObjectAccess Policy::Access(const Principal& p, const AccessConfig& config, const metadata::MetadataSnapshot& snapshot,
                            const metadata::ObjectDef& object, const storage::SqlDialect& dialect,
                            std::string_view alias, Micros now) const {
  ObjectAccess access;
  access.permissions = Permissions(p, config, object);
  const ObjectPermissions& perms = access.permissions;
  if (IsPrivileged(p)) {
    Grant all{p.is_system ? "the engine itself" : "administrator", std::nullopt};
    access.read.grants.push_back(all);
    if (perms.edit != Scope::kNone) access.edit.grants.push_back(all);
    if (perms.del != Scope::kNone) access.del.grants.push_back(all);
    return access;
  }
  if (perms.read == Scope::kNone) return access;
  GrantBuilder b(p, snapshot, dialect, alias);
  AddScopeGrants(b, perms.read, access.read);
  bool can_edit = perms.edit != Scope::kNone;
  if (can_edit) AddScopeGrants(b, perms.edit, access.edit);
  if (perms.del != Scope::kNone) AddScopeGrants(b, perms.del, access.del);
  if (IsOrganisation(object)) return access;
  // Grants beyond the scopes only matter where the scopes do not already reach every
  // record (the common case for the built-in member access: nothing more to build).
  bool more_read = !access.read.Everything();
  bool more_edit = can_edit && !access.edit.Everything();
  if (!more_read && !more_edit) return access;

  switch (config.DefaultFor(GoverningName(object))) {
    case DefaultSharing::kPrivate: break;
    case DefaultSharing::kPublicReadWrite:
      if (more_edit) access.edit.grants.push_back({"organisation-wide default: public read/write", std::nullopt});
      if (more_read) access.read.grants.push_back({"organisation-wide default: public read/write", std::nullopt});
      break;
    case DefaultSharing::kPublicRead:
      if (more_read) access.read.grants.push_back({"organisation-wide default: public read", std::nullopt});
      break;
  }

  auto roles = config.RolesOf(p.user_id);
  query::CompileContext context;
  context.table_alias = std::string(alias);
  context.user_id = p.user_id;
  context.now = now;
  // A history object takes its source's sharing rules, each over the copies' values
  // (the record as it was that day); a rule whose fields were not copied grants nothing.
  for (const SharingRule& rule : config.rules) {
    if (rule.object != GoverningName(object)) continue;
    std::optional<query::SqlFragment> audience;
    switch (rule.target.kind) {
      case ShareTarget::Kind::kEveryone: break;
      case ShareTarget::Kind::kUser:
        if (rule.target.id != p.user_id) continue;
        break;
      case ShareTarget::Kind::kRole:
        if (std::none_of(roles.begin(), roles.end(), [&](const Role* r) { return r->id == rule.target.id; })) continue;
        break;
      case ShareTarget::Kind::kTeam: audience = b.InTeam(rule.target.id); break;
    }
    auto bound = query::ParseAndBind(rule.criteria, object, snapshot);
    if (!bound) continue;  // its field was removed: the rule grants nothing
    auto criteria = query::CompileToSql(*bound, dialect, context);
    if (!criteria) continue;
    query::SqlFragment rows = audience ? And(*audience, *criteria) : *criteria;
    std::string reason = fmt::format("sharing rule `{}`", rule.name);
    if (more_read) access.read.grants.push_back({reason, rows});
    if (rule.level == ShareLevel::kEdit && more_edit) access.edit.grants.push_back({reason, rows});
  }
  if (more_read) access.read.grants.push_back({"shared with you", b.SharedByHand(object, false), true});
  if (more_edit) access.edit.grants.push_back({"shared with you to edit", b.SharedByHand(object, true), true});
  return access;
}

RowAccess Policy::ShareAccess(const Principal& p, const AccessConfig& config, const metadata::MetadataSnapshot& snapshot,
                               const storage::SqlDialect& dialect, std::string_view alias) const {
  RowAccess access;
  if (p.read_only) return access;
  if (IsPrivileged(p) || AnyRole(p, config, &Role::manage_users)) {
    access.grants.push_back({"administrator or user manager", std::nullopt});
    return access;
  }
  AddScopeGrants(GrantBuilder(p, snapshot, dialect, alias), Scope::kOwn, access);
  return access;
}

}  // namespace rapport::security
