#include "security/access.h"

#include <array>
#include <utility>

namespace rapport::security {

namespace {

template <typename E, size_t N>
std::string_view NameIn(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "?";
}

template <typename E, size_t N>
std::optional<E> ParseIn(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<Scope, std::string_view>, 4> kScopes = {
    {{Scope::kNone, "none"}, {Scope::kOwn, "own"}, {Scope::kTeam, "team"}, {Scope::kAll, "all"}}};
constexpr std::array<std::pair<FieldAccess, std::string_view>, 3> kFieldAccess = {
    {{FieldAccess::kHidden, "hidden"}, {FieldAccess::kReadOnly, "read_only"}, {FieldAccess::kEditable, "editable"}}};
constexpr std::array<std::pair<DefaultSharing, std::string_view>, 3> kDefaults = {
    {{DefaultSharing::kPrivate, "private"},
     {DefaultSharing::kPublicRead, "public_read"},
     {DefaultSharing::kPublicReadWrite, "public_read_write"}}};
constexpr std::array<std::pair<ShareLevel, std::string_view>, 2> kLevels = {
    {{ShareLevel::kRead, "read"}, {ShareLevel::kEdit, "edit"}}};
constexpr std::array<std::pair<ShareTarget::Kind, std::string_view>, 4> kTargets = {
    {{ShareTarget::Kind::kEveryone, "everyone"},
     {ShareTarget::Kind::kTeam, "team"},
     {ShareTarget::Kind::kRole, "role"},
     {ShareTarget::Kind::kUser, "user"}}};

}  // namespace

std::string_view Name(Scope scope) { return NameIn(kScopes, scope); }
std::string_view Name(FieldAccess access) { return NameIn(kFieldAccess, access); }
std::string_view Name(DefaultSharing sharing) { return NameIn(kDefaults, sharing); }
std::string_view Name(ShareLevel level) { return NameIn(kLevels, level); }
std::string_view Name(ShareTarget::Kind kind) { return NameIn(kTargets, kind); }
std::optional<Scope> ParseScope(std::string_view text) { return ParseIn(kScopes, text); }
std::optional<FieldAccess> ParseFieldAccess(std::string_view text) { return ParseIn(kFieldAccess, text); }
std::optional<DefaultSharing> ParseDefaultSharing(std::string_view text) { return ParseIn(kDefaults, text); }
std::optional<ShareLevel> ParseShareLevel(std::string_view text) { return ParseIn(kLevels, text); }
std::optional<ShareTarget::Kind> ParseShareTargetKind(std::string_view text) { return ParseIn(kTargets, text); }

const ObjectPermissions* Role::For(std::string_view object) const {
  auto it = objects.find(object);
  if (it == objects.end()) it = objects.find("*");
  return it == objects.end() ? nullptr : &it->second;
}

std::vector<const Role*> AccessConfig::RolesOf(std::string_view user_id) const {
  std::vector<const Role*> held;
  if (auto it = user_roles.find(user_id); it != user_roles.end()) {
    for (const auto& role_id : it->second) {
      if (auto r = roles.find(role_id); r != roles.end()) held.push_back(&r->second);
    }
  }
  if (held.empty()) {
    for (const auto& [id, role] : roles) {
      if (role.is_default) held.push_back(&role);
    }
  }
  return held;
}

DefaultSharing AccessConfig::DefaultFor(std::string_view object) const {
  auto it = defaults.find(object);
  return it == defaults.end() ? DefaultSharing::kPrivate : it->second;
}

}  // namespace rapport::security
