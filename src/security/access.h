// The access model as data: roles with per-object scopes and field access, each
// object's organisation-wide default, criteria sharing rules and manual shares.
// docs/security.md explains the model; security::Policy compiles it into SQL.
//
// These are plain values. AccessStore loads them per tenant into an immutable
// AccessConfig that requests share.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rapport::security {

// How far a permission reaches: no records, the user's own (and their reports'),
// their team's, or every record of the object.
enum class Scope { kNone = 0, kOwn = 1, kTeam = 2, kAll = 3 };

enum class FieldAccess { kHidden = 0, kReadOnly = 1, kEditable = 2 };

// The organisation-wide default of an object: what every user with read access to
// the object may do to records that no other grant opens to them.
enum class DefaultSharing { kPrivate, kPublicRead, kPublicReadWrite };

enum class ShareLevel { kRead, kEdit };

// Spelling used by the API and the tables ("none", "own", "team", "all", ...).
std::string_view Name(Scope scope);
std::string_view Name(FieldAccess access);
std::string_view Name(DefaultSharing sharing);
std::string_view Name(ShareLevel level);
std::optional<Scope> ParseScope(std::string_view text);
std::optional<FieldAccess> ParseFieldAccess(std::string_view text);
std::optional<DefaultSharing> ParseDefaultSharing(std::string_view text);
std::optional<ShareLevel> ParseShareLevel(std::string_view text);

struct ObjectPermissions {
  Scope create = Scope::kNone;  // create is allowed or not: any scope but none allows it
  Scope read = Scope::kNone;
  Scope edit = Scope::kNone;
  Scope del = Scope::kNone;
  bool export_records = false;
  bool operator==(const ObjectPermissions&) const = default;
};

// A role grants permissions; a user may hold several and the most permissive wins.
struct Role {
  std::string id;
  std::string name;
  std::string description;
  // Given to members who hold no role (at most one role per tenant).
  bool is_default = false;
  bool manage_metadata = false;  // objects and fields
  bool manage_users = false;     // users, teams, roles and sharing
  bool require_mfa = false;
  // Per object api name; "*" applies to every object the role does not name.
  std::map<std::string, ObjectPermissions, std::less<>> objects;
  // "object.field" → access; unnamed fields are editable.
  std::map<std::string, FieldAccess, std::less<>> fields;

  const ObjectPermissions* For(std::string_view object) const;
};

// Who a sharing rule or manual share opens records to.
struct ShareTarget {
  enum class Kind { kEveryone, kTeam, kRole, kUser };
  Kind kind = Kind::kEveryone;
  std::string id;  // team, role or user id; empty for everyone
};
std::string_view Name(ShareTarget::Kind kind);
std::optional<ShareTarget::Kind> ParseShareTargetKind(std::string_view text);

// Records of `object` matching `criteria` (the expression language) are shared with
// `target` at `level`.
struct SharingRule {
  std::string id;
  std::string object;
  std::string name;
  std::string criteria;
  ShareTarget target;
  ShareLevel level = ShareLevel::kRead;
};

// One record shared by hand with a user or a team.
struct RecordShare {
  std::string object;
  std::string record_id;
  ShareTarget target;  // kUser or kTeam
  ShareLevel level = ShareLevel::kRead;
  std::string created_by;
  std::string created_at;
};

// A tenant's access model at one moment. Immutable; shared by requests.
struct AccessConfig {
  std::map<std::string, Role, std::less<>> roles;  // by id
  std::map<std::string, std::vector<std::string>, std::less<>> user_roles;  // user id → role ids
  std::map<std::string, DefaultSharing, std::less<>> defaults;             // object → default
  std::vector<SharingRule> rules;

  // The roles a member works under: their own, or the default role if they hold none
  // (empty when there is neither: the built-in member access, see Policy).
  std::vector<const Role*> RolesOf(std::string_view user_id) const;
  DefaultSharing DefaultFor(std::string_view object) const;
};

using AccessConfigPtr = std::shared_ptr<const AccessConfig>;

}  // namespace rapport::security
