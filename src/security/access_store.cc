#include "security/access_store.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "core/id.h"
#include "core/strings.h"
#include "query/expression.h"

namespace rapport::security {

namespace {

using storage::Connection;
using storage::IntOf;
using storage::TextOf;
using storage::Value;


Error RoleNotFound(std::string_view id) { return Error(ErrorCode::kNotFound, fmt::format("No role with id `{}`.", id)); }

}  // namespace

AccessStore::AccessStore(storage::Database& db, metadata::MetadataStore& metadata, const Policy& policy,
                         const Clock& clock)
    : db_(db), metadata_(metadata), policy_(policy), clock_(clock) {}

Result<AccessConfigPtr> AccessStore::Read(Connection& c, const std::string& tenant_id) {
  auto config = std::make_shared<AccessConfig>();
  std::vector<Value> t = {tenant_id};
  RAPPORT_ASSIGN_OR_RETURN(auto roles, c.Query("SELECT id, name, description, is_default, manage_metadata, "
                                               "manage_users, require_mfa FROM roles WHERE tenant_id = ?",
                                               t));
  for (const auto& row : roles.rows) {
    Role r;
    r.id = TextOf(row[0]);
    r.name = TextOf(row[1]);
    r.description = TextOf(row[2]);
    r.is_default = IntOf(row[3]) != 0;
    r.manage_metadata = IntOf(row[4]) != 0;
    r.manage_users = IntOf(row[5]) != 0;
    r.require_mfa = IntOf(row[6]) != 0;
    config->roles.emplace(r.id, std::move(r));
  }
  RAPPORT_ASSIGN_OR_RETURN(auto objects, c.Query("SELECT role_id, object_name, create_scope, read_scope, edit_scope, "
                                                 "delete_scope, export_records FROM role_objects WHERE tenant_id = ?",
                                                 t));
  for (const auto& row : objects.rows) {
    auto role = config->roles.find(TextOf(row[0]));
    if (role == config->roles.end()) continue;
    auto scope = [&](const Value& v) { return ParseScope(TextOf(v)).value_or(Scope::kNone); };
    role->second.objects[TextOf(row[1])] =
        ObjectPermissions{scope(row[2]), scope(row[3]), scope(row[4]), scope(row[5]), IntOf(row[6]) != 0};
  }
  RAPPORT_ASSIGN_OR_RETURN(
      auto fields, c.Query("SELECT role_id, object_name, field_name, access FROM role_fields WHERE tenant_id = ?", t));
  for (const auto& row : fields.rows) {
    auto role = config->roles.find(TextOf(row[0]));
    if (role == config->roles.end()) continue;
    role->second.fields[TextOf(row[1]) + "." + TextOf(row[2])] =
        ParseFieldAccess(TextOf(row[3])).value_or(FieldAccess::kHidden);
  }
  RAPPORT_ASSIGN_OR_RETURN(auto held, c.Query("SELECT user_id, role_id FROM user_roles WHERE tenant_id = ? "
                                              "ORDER BY user_id, role_id",
                                              t));
  for (const auto& row : held.rows) config->user_roles[TextOf(row[0])].push_back(TextOf(row[1]));
  RAPPORT_ASSIGN_OR_RETURN(auto defaults,
                           c.Query("SELECT object_name, access FROM sharing_defaults WHERE tenant_id = ?", t));
  for (const auto& row : defaults.rows) {
    config->defaults[TextOf(row[0])] = ParseDefaultSharing(TextOf(row[1])).value_or(DefaultSharing::kPrivate);
  }
  RAPPORT_ASSIGN_OR_RETURN(auto rules, c.Query("SELECT id, object_name, name, criteria, target_kind, target_id, level "
                                               "FROM sharing_rules WHERE tenant_id = ? ORDER BY created_at, id",
                                               t));
  for (const auto& row : rules.rows) {
    SharingRule rule;
    rule.id = TextOf(row[0]);
    rule.object = TextOf(row[1]);
    rule.name = TextOf(row[2]);
    rule.criteria = TextOf(row[3]);
    auto kind = ParseShareTargetKind(TextOf(row[4]));
    if (!kind) continue;
    rule.target = {*kind, TextOf(row[5])};
    rule.level = ParseShareLevel(TextOf(row[6])).value_or(ShareLevel::kRead);
    config->rules.push_back(std::move(rule));
  }
  return AccessConfigPtr(std::move(config));
}

Result<AccessConfigPtr> AccessStore::Current(const std::string& tenant_id) {
  Micros now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(tenant_id);
    if (it != cache_.end() && now - it->second.loaded_at < kMaxAge) return it->second.config;
  }
  AccessConfigPtr config;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(config, Read(c, tenant_id));
    return Ok();
  }));
  std::lock_guard lock(mu_);
  if (cache_.size() > 10000) cache_.clear();
  cache_[tenant_id] = Cached{config, now};
  return config;
}

void AccessStore::Forget(const std::string& tenant_id) {
  std::lock_guard lock(mu_);
  cache_.erase(tenant_id);
}

Status AccessStore::CheckManageAccess(const Principal& p) {
  if (p.tenant_id.empty()) return Fail(ErrorCode::kUnauthenticated, "No tenant.");
  RAPPORT_ASSIGN_OR_RETURN(AccessConfigPtr config, Current(p.tenant_id));
  return policy_.CheckManageAccess(p, *config);
}

Status AccessStore::Change(const Principal& p, const std::function<Status(Connection&)>& work) {
  if (p.tenant_id.empty()) return Fail(ErrorCode::kUnauthenticated, "No tenant.");
  RAPPORT_ASSIGN_OR_RETURN(AccessConfigPtr config, Current(p.tenant_id));
  RAPPORT_TRY(policy_.CheckManageAccess(p, *config));
  Status written = db_.Write(work);
  Forget(p.tenant_id);
  return written;
}

Status AccessStore::Validate(const std::string& tenant_id, const Role& role) {
  if (IsBlank(role.name) || role.name.size() > 100) return Fail(InvalidField("name", "Give the role a name (at most 100 characters)."));
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr snapshot, metadata_.Current(tenant_id));
  for (const auto& [object, perms] : role.objects) {
    std::string key = "objects." + object;
    if (object != "*" && !snapshot->FindObject(object)) return Fail(InvalidField(key, fmt::format("No object `{}`.", object)));
    if (perms.edit > perms.read) return Fail(InvalidField(key + ".edit", "Edit cannot reach further than read."));
    if (perms.del > perms.read) return Fail(InvalidField(key + ".delete", "Delete cannot reach further than read."));
  }
  for (const auto& [key, access] : role.fields) {
    std::string field_key = "fields." + key;
    auto dot = key.find('.');
    const metadata::ObjectDef* object = dot == std::string::npos ? nullptr : snapshot->FindObject(key.substr(0, dot));
    const metadata::FieldDef* field = object ? object->FindField(key.substr(dot + 1)) : nullptr;
    if (!field) return Fail(InvalidField(field_key, "Name a field as `object.field`."));
    if (field->system) return Fail(InvalidField(field_key, "System fields are always visible and set by Rapport."));
    if (field->name == "owner_id" && access == FieldAccess::kHidden) {
      return Fail(InvalidField(field_key, "The owner decides who sees a record, so it can be read-only but not hidden."));
    }
  }
  return Ok();
}

Status AccessStore::WriteRole(Connection& c, const Principal& actor, const Role& role, bool creating) {
  const std::string& tenant_id = actor.tenant_id;
  std::string now = FormatDatetime(clock_.Now());
  if (role.is_default) {
    std::vector<Value> clear = {tenant_id, role.id};
    RAPPORT_TRY(c.Execute("UPDATE roles SET is_default = 0 WHERE tenant_id = ? AND id <> ? AND is_default = 1", clear));
  }
  auto flag = [](bool b) { return Value(int64_t{b ? 1 : 0}); };
  if (creating) {
    std::vector<Value> p = {tenant_id,   role.id, role.name, role.description, flag(role.is_default),
                            flag(role.manage_metadata), flag(role.manage_users), flag(role.require_mfa), now, now};
    RAPPORT_TRY(c.Execute("INSERT INTO roles (tenant_id, id, name, description, is_default, manage_metadata, "
                          "manage_users, require_mfa, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          p));
  } else {
    std::vector<Value> p = {role.name, role.description, flag(role.is_default), flag(role.manage_metadata),
                            flag(role.manage_users), flag(role.require_mfa), now, tenant_id, role.id};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("UPDATE roles SET name = ?, description = ?, is_default = ?, "
                                                  "manage_metadata = ?, manage_users = ?, require_mfa = ?, "
                                                  "updated_at = ? WHERE tenant_id = ? AND id = ?",
                                                  p));
    if (n != 1) return Fail(RoleNotFound(role.id));
    std::vector<Value> key = {tenant_id, role.id};
    RAPPORT_TRY(c.Execute("DELETE FROM role_objects WHERE tenant_id = ? AND role_id = ?", key));
    RAPPORT_TRY(c.Execute("DELETE FROM role_fields WHERE tenant_id = ? AND role_id = ?", key));
  }
  for (const auto& [object, perms] : role.objects) {
    std::vector<Value> p = {tenant_id,
                            role.id,
                            object,
                            std::string(Name(perms.create)),
                            std::string(Name(perms.read)),
                            std::string(Name(perms.edit)),
                            std::string(Name(perms.del)),
                            flag(perms.export_records)};
    RAPPORT_TRY(c.Execute("INSERT INTO role_objects (tenant_id, role_id, object_name, create_scope, read_scope, "
                          "edit_scope, delete_scope, export_records) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          p));
  }
  for (const auto& [key, access] : role.fields) {
    auto dot = key.find('.');
    std::vector<Value> p = {tenant_id, role.id, key.substr(0, dot), key.substr(dot + 1), std::string(Name(access))};
    RAPPORT_TRY(c.Execute("INSERT INTO role_fields (tenant_id, role_id, object_name, field_name, access) "
                          "VALUES (?, ?, ?, ?, ?)",
                          p));
  }
  return audit::Append(c, tenant_id,
                       {.kind = creating ? "role.created" : "role.updated", .actor_id = actor.user_id, .object_name = "roles", .record_id = role.id,
                        .detail = audit::Detail({{"name", role.name}})},
                       clock_);
}

Result<std::vector<Role>> AccessStore::ListRoles(const Principal& p) {
  RAPPORT_ASSIGN_OR_RETURN(AccessConfigPtr config, Current(p.tenant_id));
  RAPPORT_TRY(policy_.CheckManageAccess(p, *config));
  std::vector<Role> roles;
  for (const auto& [id, role] : config->roles) roles.push_back(role);
  std::sort(roles.begin(), roles.end(), [](const Role& a, const Role& b) { return a.name < b.name; });
  return roles;
}

Result<Role> AccessStore::GetRole(const Principal& p, const std::string& role_id) {
  RAPPORT_ASSIGN_OR_RETURN(AccessConfigPtr config, Current(p.tenant_id));
  RAPPORT_TRY(policy_.CheckManageAccess(p, *config));
  auto it = config->roles.find(role_id);
  if (it == config->roles.end()) return Fail(RoleNotFound(role_id));
  return it->second;
}

Result<Role> AccessStore::CreateRole(const Principal& p, Role role) {
  role.id = NewId(clock_);
  RAPPORT_TRY(Validate(p.tenant_id, role));
  RAPPORT_TRY(Change(p, [&](Connection& c) -> Status {
    RAPPORT_TRY(WriteRole(c, p, role, true));
    return Ok();
  }));
  return role;
}

Result<Role> AccessStore::ReplaceRole(const Principal& p, Role role) {
  RAPPORT_TRY(Validate(p.tenant_id, role));
  RAPPORT_TRY(Change(p, [&](Connection& c) -> Status { return WriteRole(c, p, role, false); }));
  return role;
}

Status AccessStore::DeleteRole(const Principal& p, const std::string& role_id) {
  return Change(p, [&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, role_id};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM roles WHERE tenant_id = ? AND id = ?", key));
    if (n != 1) return Fail(RoleNotFound(role_id));
    RAPPORT_TRY(c.Execute("DELETE FROM role_objects WHERE tenant_id = ? AND role_id = ?", key));
    RAPPORT_TRY(c.Execute("DELETE FROM role_fields WHERE tenant_id = ? AND role_id = ?", key));
    RAPPORT_TRY(c.Execute("DELETE FROM user_roles WHERE tenant_id = ? AND role_id = ?", key));
    std::vector<Value> rules = {p.tenant_id, std::string(Name(ShareTarget::Kind::kRole)), role_id};
    RAPPORT_TRY(c.Execute("DELETE FROM sharing_rules WHERE tenant_id = ? AND target_kind = ? AND target_id = ?", rules));
    return audit::Append(c, p.tenant_id,
                         {.kind = "role.deleted", .actor_id = p.user_id, .object_name = "roles", .record_id = role_id},
                         clock_);
  });
}

Result<std::vector<std::string>> AccessStore::UserRoles(const Principal& p, const std::string& user_id) {
  RAPPORT_ASSIGN_OR_RETURN(AccessConfigPtr config, Current(p.tenant_id));
  if (user_id != p.user_id) RAPPORT_TRY(policy_.CheckManageAccess(p, *config));
  auto it = config->user_roles.find(user_id);
  return it == config->user_roles.end() ? std::vector<std::string>{} : it->second;
}

Result<std::vector<std::string>> AccessStore::SetUserRoles(const Principal& p, const std::string& user_id,
                                                           std::vector<std::string> role_ids) {
  std::sort(role_ids.begin(), role_ids.end());
  role_ids.erase(std::unique(role_ids.begin(), role_ids.end()), role_ids.end());
  RAPPORT_TRY(Change(p, [&](Connection& c) -> Status {
    std::vector<Value> user = {p.tenant_id, user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto found, c.Query("SELECT 1 FROM users WHERE tenant_id = ? AND id = ? AND "
                                                 "deleted_at IS NULL",
                                                 user));
    if (found.rows.empty()) return Fail(ErrorCode::kNotFound, fmt::format("No user with id `{}`.", user_id));
    RAPPORT_TRY(c.Execute("DELETE FROM user_roles WHERE tenant_id = ? AND user_id = ?", user));
    for (const auto& role_id : role_ids) {
      std::vector<Value> role = {p.tenant_id, role_id};
      RAPPORT_ASSIGN_OR_RETURN(auto exists, c.Query("SELECT 1 FROM roles WHERE tenant_id = ? AND id = ?", role));
      if (exists.rows.empty()) return Fail(InvalidField("roles", fmt::format("No role with id `{}`.", role_id)));
      std::vector<Value> row = {p.tenant_id, user_id, role_id};
      RAPPORT_TRY(c.Execute("INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES (?, ?, ?)", row));
    }
    std::string joined;
    for (const auto& id : role_ids) joined += (joined.empty() ? "" : ",") + id;
    return audit::Append(c, p.tenant_id,
                         {.kind = "user.roles_changed", .actor_id = p.user_id, .object_name = "users",
                          .record_id = user_id, .detail = audit::Detail({{"roles", joined}})},
                         clock_);
  }));
  return role_ids;
}

Result<std::map<std::string, DefaultSharing>> AccessStore::Defaults(const Principal& p) {
  RAPPORT_ASSIGN_OR_RETURN(AccessConfigPtr config, Current(p.tenant_id));
  RAPPORT_TRY(policy_.CheckManageAccess(p, *config));
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr snapshot, metadata_.Current(p.tenant_id));
  std::map<std::string, DefaultSharing> out;
  for (const auto& object : snapshot->objects()) out[object.name] = config->DefaultFor(object.name);
  return out;
}

Status AccessStore::SetDefault(const Principal& p, const std::string& object, DefaultSharing sharing) {
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr snapshot, metadata_.Current(p.tenant_id));
  RAPPORT_TRY(snapshot->GetObject(object));
  return Change(p, [&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, object};
    RAPPORT_TRY(c.Execute("DELETE FROM sharing_defaults WHERE tenant_id = ? AND object_name = ?", key));
    std::vector<Value> row = {p.tenant_id, object, std::string(Name(sharing))};
    RAPPORT_TRY(c.Execute("INSERT INTO sharing_defaults (tenant_id, object_name, access) VALUES (?, ?, ?)", row));
    return audit::Append(c, p.tenant_id,
                         {.kind = "sharing.default_changed", .actor_id = p.user_id, .object_name = object,
                          .detail = audit::Detail({{"access", Name(sharing)}})},
                         clock_);
  });
}

Result<std::vector<SharingRule>> AccessStore::ListRules(const Principal& p) {
  RAPPORT_ASSIGN_OR_RETURN(AccessConfigPtr config, Current(p.tenant_id));
  RAPPORT_TRY(policy_.CheckManageAccess(p, *config));
  return config->rules;
}

Result<SharingRule> AccessStore::CreateRule(const Principal& p, SharingRule rule) {
  if (IsBlank(rule.name)) return Fail(InvalidField("name", "Give the rule a name."));
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr snapshot, metadata_.Current(p.tenant_id));
  auto object = snapshot->GetObject(rule.object);
  if (!object) return Fail(InvalidField("object", object.error().detail()));
  if ((*object)->name == "users" || (*object)->name == "teams") {
    return Fail(InvalidField("object", "Users and teams are visible to everyone already."));
  }
  auto bound = query::ParseAndBind(rule.criteria, **object, *snapshot);
  if (!bound) return Fail(InvalidField("criteria", bound.error().detail()));
  if ((rule.target.kind == ShareTarget::Kind::kEveryone) != rule.target.id.empty()) {
    return Fail(InvalidField("share_with", "Share with everyone, or with one team, role or user by id."));
  }
  rule.id = NewId(clock_);
  RAPPORT_TRY(Change(p, [&](Connection& c) -> Status {
    if (rule.target.kind != ShareTarget::Kind::kEveryone) {
      std::string table = rule.target.kind == ShareTarget::Kind::kRole   ? "roles"
                          : rule.target.kind == ShareTarget::Kind::kTeam ? "teams"
                                                                         : "users";
      std::string live = table == "roles" ? "" : " AND deleted_at IS NULL";
      std::vector<Value> key = {p.tenant_id, rule.target.id};
      RAPPORT_ASSIGN_OR_RETURN(auto found,
                               c.Query(fmt::format("SELECT 1 FROM {} WHERE tenant_id = ? AND id = ?{}", table, live), key));
      if (found.rows.empty()) {
        return Fail(InvalidField("share_with", fmt::format("No {} with id `{}`.", Name(rule.target.kind), rule.target.id)));
      }
    }
    std::vector<Value> row = {p.tenant_id,
                              rule.id,
                              rule.object,
                              rule.name,
                              rule.criteria,
                              std::string(Name(rule.target.kind)),
                              rule.target.id,
                              std::string(Name(rule.level)),
                              FormatDatetime(clock_.Now())};
    RAPPORT_TRY(c.Execute("INSERT INTO sharing_rules (tenant_id, id, object_name, name, criteria, target_kind, "
                          "target_id, level, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          row));
    return audit::Append(c, p.tenant_id,
                         {.kind = "sharing.rule_created", .actor_id = p.user_id, .object_name = rule.object,
                          .record_id = rule.id,
                          .detail = audit::Detail({{"name", rule.name}, {"criteria", rule.criteria},
                                                   {"share_with", Name(rule.target.kind)},
                                                   {"target_id", rule.target.id}, {"level", Name(rule.level)}})},
                         clock_);
  }));
  return rule;
}

Status AccessStore::DeleteRule(const Principal& p, const std::string& rule_id) {
  return Change(p, [&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, rule_id};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM sharing_rules WHERE tenant_id = ? AND id = ?", key));
    if (n != 1) return Fail(ErrorCode::kNotFound, fmt::format("No sharing rule with id `{}`.", rule_id));
    return audit::Append(c, p.tenant_id,
                         {.kind = "sharing.rule_deleted", .actor_id = p.user_id, .record_id = rule_id}, clock_);
  });
}

}  // namespace rapport::security
