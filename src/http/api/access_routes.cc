// Roles, role holders, organisation-wide defaults, sharing rules, manual shares and
// access explanations over REST (docs/api.md, "Access"). Thin: parse, call the
// AccessStore or the record engine, serialise. The engine checks every permission.
#include <fmt/format.h>

#include "http/api/api.h"
#include "http/api/handlers.h"
#include "http/api/json_codec.h"
#include "http/json.h"

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using security::Principal;

Status OnlyKeys(const json::object& o, std::string_view where, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Fail(Error(ErrorCode::kValidationFailed, fmt::format("Unknown key `{}` in {}.", std::string_view(key), where))
                      .WithField(std::string(key), "unknown_field", fmt::format("Allowed: {}.", list)));
    }
  }
  return Ok();
}

template <typename Parse>
auto Enum(const json::value& v, std::string field, Parse parse, std::string_view allowed)
    -> Result<typename decltype(parse(std::string_view()))::value_type> {
  if (v.is_string()) {
    if (auto parsed = parse(std::string_view(v.get_string()))) return *parsed;
  }
  return Fail(InvalidField(std::move(field), fmt::format("One of {}.", allowed)));
}

Result<security::ObjectPermissions> ParsePermissions(const json::value& v, const std::string& where) {
  if (!v.is_object()) return Fail(InvalidField(where, "An object of create, read, edit, delete and export."));
  const auto& o = v.get_object();
  RAPPORT_TRY(OnlyKeys(o, where, {"create", "read", "edit", "delete", "export"}));
  security::ObjectPermissions perms;
  std::pair<std::string_view, security::Scope*> scopes[] = {
      {"create", &perms.create}, {"read", &perms.read}, {"edit", &perms.edit}, {"delete", &perms.del}};
  for (auto [key, into] : scopes) {
    if (auto it = o.find(key); it != o.end()) {
      RAPPORT_ASSIGN_OR_RETURN(*into, Enum(it->value(), fmt::format("{}.{}", where, key),
                                          security::ParseScope, "none, own, team, all"));
    }
  }
  if (auto it = o.find("export"); it != o.end()) {
    if (!it->value().is_bool()) return Fail(InvalidField(where + ".export", "true or false."));
    perms.export_records = it->value().get_bool();
  }
  return perms;
}

Result<security::Role> ParseRole(const json::value& body) {
  if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object describing the role.");
  const auto& o = body.get_object();
  RAPPORT_TRY(OnlyKeys(o, "a role",
                       {"id", "name", "description", "is_default", "manage_metadata", "manage_users", "require_mfa",
                        "objects", "fields"}));
  security::Role role;
  RAPPORT_ASSIGN_OR_RETURN(role.name, RequiredString(o, "name"));
  role.description = OptionalString(o, "description").value_or("");
  std::pair<std::string_view, bool*> flags[] = {{"is_default", &role.is_default},
                                                {"manage_metadata", &role.manage_metadata},
                                                {"manage_users", &role.manage_users},
                                                {"require_mfa", &role.require_mfa}};
  for (auto [key, into] : flags) {
    auto it = o.find(key);
    if (it == o.end()) continue;
    if (!it->value().is_bool()) return Fail(InvalidField(std::string(key), "true or false."));
    *into = it->value().get_bool();
  }
  if (auto it = o.find("objects"); it != o.end()) {
    if (!it->value().is_object()) return Fail(InvalidField("objects", "An object keyed by object name (or \"*\")."));
    for (const auto& [name, perms] : it->value().get_object()) {
      std::string where = fmt::format("objects.{}", std::string_view(name));
      RAPPORT_ASSIGN_OR_RETURN(role.objects[std::string(name)], ParsePermissions(perms, where));
    }
  }
  if (auto it = o.find("fields"); it != o.end()) {
    if (!it->value().is_object()) return Fail(InvalidField("fields", "An object keyed by `object.field`."));
    for (const auto& [name, access] : it->value().get_object()) {
      std::string where = fmt::format("fields.{}", std::string_view(name));
      RAPPORT_ASSIGN_OR_RETURN(role.fields[std::string(name)],
                               Enum(access, where, security::ParseFieldAccess, "hidden, read_only, editable"));
    }
  }
  return role;
}

json::object RoleToJson(const security::Role& role) {
  json::object objects;
  for (const auto& [name, p] : role.objects) {
    objects[name] = PermissionsToJson(p);
  }
  json::object fields;
  for (const auto& [name, access] : role.fields) fields[name] = Name(access);
  return json::object{{"id", role.id},
                      {"name", role.name},
                      {"description", role.description},
                      {"is_default", role.is_default},
                      {"manage_metadata", role.manage_metadata},
                      {"manage_users", role.manage_users},
                      {"require_mfa", role.require_mfa},
                      {"objects", std::move(objects)},
                      {"fields", std::move(fields)}};
}

json::object RuleToJson(const security::SharingRule& rule) {
  return json::object{{"id", rule.id},
                      {"object", rule.object},
                      {"name", rule.name},
                      {"criteria", rule.criteria},
                      {"share_with", Name(rule.target.kind)},
                      {"target_id", rule.target.id.empty() ? json::value(nullptr) : json::value(rule.target.id)},
                      {"level", Name(rule.level)}};
}

// {"share_with": "user"|"team"|..., "target_id": "...", "level": "read"|"edit"}
struct ShareRequest {
  security::ShareTarget target;
  security::ShareLevel level = security::ShareLevel::kRead;
};

Result<ShareRequest> ParseShareRequest(const json::object& o) {
  ShareRequest r;
  auto kind = o.find("share_with");
  if (kind == o.end()) return Fail(InvalidField("share_with", "Required: everyone, team, role or user."));
  RAPPORT_ASSIGN_OR_RETURN(r.target.kind, Enum(kind->value(), "share_with", security::ParseShareTargetKind,
                                               "everyone, team, role, user"));
  if (auto id = o.find("target_id"); id != o.end() && !id->value().is_null()) {
    if (!id->value().is_string()) return Fail(InvalidField("target_id", "The id of the user, team or role."));
    r.target.id = std::string(id->value().get_string());
  }
  if (auto level = o.find("level"); level != o.end()) {
    RAPPORT_ASSIGN_OR_RETURN(r.level, Enum(level->value(), "level", security::ParseShareLevel, "read, edit"));
  }
  return r;
}

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

}  // namespace

void AddAccessRoutes(Router& router, const ApiServices& services) {
  records::RecordService& records = services.records;
  security::AccessStore& access = services.access;

  // ---- roles ----
  router.Add("GET", "/api/v1/roles", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto roles, access.ListRoles(p));
    json::array data;
    for (const auto& role : roles) data.push_back(RoleToJson(role));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/roles", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    RAPPORT_ASSIGN_OR_RETURN(security::Role role, ParseRole(body));
    RAPPORT_ASSIGN_OR_RETURN(role, access.CreateRole(p, std::move(role)));
    Response r = JsonReply(201, RoleToJson(role));
    r.headers.emplace_back("Location", "/api/v1/roles/" + role.id);
    return r;
  }));
  router.Add("GET", "/api/v1/roles/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(auto role, access.GetRole(p, std::string(req.Param("id"))));
    return JsonReply(200, RoleToJson(role));
  }));
  router.Add("PUT", "/api/v1/roles/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    RAPPORT_ASSIGN_OR_RETURN(security::Role role, ParseRole(body));
    role.id = std::string(req.Param("id"));
    RAPPORT_ASSIGN_OR_RETURN(role, access.ReplaceRole(p, std::move(role)));
    return JsonReply(200, RoleToJson(role));
  }));
  router.Add("DELETE", "/api/v1/roles/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(access.DeleteRole(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));
  router.Add("GET", "/api/v1/users/{id}/roles", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(auto held, access.UserRoles(p, std::string(req.Param("id"))));
    return JsonReply(200, json::object{{"roles", Strings(held)}});
  }));
  router.Add("PUT", "/api/v1/users/{id}/roles", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected {\"roles\": [role ids]}.");
    RAPPORT_TRY(OnlyKeys(body.get_object(), "a role assignment", {"roles"}));
    auto it = body.get_object().find("roles");
    if (it == body.get_object().end() || !it->value().is_array()) return Fail(InvalidField("roles", "An array of role ids."));
    std::vector<std::string> ids;
    for (const auto& id : it->value().get_array()) {
      if (!id.is_string()) return Fail(InvalidField("roles", "An array of role ids."));
      ids.emplace_back(id.get_string());
    }
    RAPPORT_ASSIGN_OR_RETURN(auto held, access.SetUserRoles(p, std::string(req.Param("id")), std::move(ids)));
    return JsonReply(200, json::object{{"roles", Strings(held)}});
  }));

  // ---- organisation-wide defaults and sharing rules ----
  router.Add("GET", "/api/v1/sharing/defaults", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto defaults, access.Defaults(p));
    json::object data;
    for (const auto& [object, sharing] : defaults) data[object] = Name(sharing);
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("PUT", "/api/v1/sharing/defaults/{object}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected {\"access\": ...}.");
    RAPPORT_TRY(OnlyKeys(body.get_object(), "a default", {"access"}));
    auto it = body.get_object().find("access");
    if (it == body.get_object().end()) return Fail(InvalidField("access", "Required: private, public_read or public_read_write."));
    RAPPORT_ASSIGN_OR_RETURN(auto sharing, Enum(it->value(), "access", security::ParseDefaultSharing,
                                                "private, public_read, public_read_write"));
    std::string object(req.Param("object"));
    RAPPORT_TRY(access.SetDefault(p, object, sharing));
    return JsonReply(200, json::object{{"object", object}, {"access", Name(sharing)}});
  }));
  router.Add("GET", "/api/v1/sharing/rules", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto rules, access.ListRules(p));
    json::array data;
    for (const auto& rule : rules) data.push_back(RuleToJson(rule));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/sharing/rules", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object describing the rule.");
    const auto& o = body.get_object();
    RAPPORT_TRY(OnlyKeys(o, "a sharing rule", {"object", "name", "criteria", "share_with", "target_id", "level"}));
    security::SharingRule rule;
    RAPPORT_ASSIGN_OR_RETURN(rule.object, RequiredString(o, "object"));
    RAPPORT_ASSIGN_OR_RETURN(rule.name, RequiredString(o, "name"));
    RAPPORT_ASSIGN_OR_RETURN(rule.criteria, RequiredString(o, "criteria"));
    RAPPORT_ASSIGN_OR_RETURN(auto share, ParseShareRequest(o));
    rule.target = share.target;
    rule.level = share.level;
    RAPPORT_ASSIGN_OR_RETURN(rule, access.CreateRule(p, std::move(rule)));
    return JsonReply(201, RuleToJson(rule));
  }));
  router.Add("DELETE", "/api/v1/sharing/rules/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(access.DeleteRule(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));

  // ---- manual shares of one record ----
  router.Add("GET", "/api/v1/objects/{object}/{id}/shares", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto shares, records.Shares(p, req.Param("object"), req.Param("id")));
    json::array data;
    for (const auto& s : shares) {
      data.push_back(json::object{{"share_with", Name(s.target.kind)},
                                  {"target_id", s.target.id},
                                  {"level", Name(s.level)},
                                  {"created_by", s.created_by.empty() ? json::value(nullptr) : json::value(s.created_by)},
                                  {"created_at", s.created_at}});
    }
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/objects/{object}/{id}/shares", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected {\"share_with\", \"target_id\", \"level\"}.");
    RAPPORT_TRY(OnlyKeys(body.get_object(), "a share", {"share_with", "target_id", "level"}));
    RAPPORT_ASSIGN_OR_RETURN(auto share, ParseShareRequest(body.get_object()));
    RAPPORT_TRY(records.Share(p, req.Param("object"), req.Param("id"), share.target, share.level));
    return JsonReply(201, json::object{{"share_with", Name(share.target.kind)},
                                       {"target_id", share.target.id},
                                       {"level", Name(share.level)}});
  }));
  router.Add("DELETE", "/api/v1/objects/{object}/{id}/shares/{kind}/{target}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    auto kind = security::ParseShareTargetKind(req.Param("kind"));
    if (!kind) return Fail(ErrorCode::kNotFound, "No such share.");
    RAPPORT_TRY(records.Unshare(p, req.Param("object"), req.Param("id"), {*kind, std::string(req.Param("target"))}));
    return Response::NoContent();
  }));

  // ---- explanations ----
  router.Add("GET", "/api/v1/access/explain", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"user", "object", "id"}));
    std::vector<FieldError> missing;
    for (std::string_view key : {"user", "object", "id"}) {
      if (!req.QueryParam(key)) missing.push_back({std::string(key), "required", "Required."});
    }
    if (!missing.empty()) {
      return Fail(Error(ErrorCode::kInvalidArgument, "Name the user, the object and the record id.").WithFieldErrors(missing));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto why, records.Explain(p, std::string(*req.QueryParam("user")), *req.QueryParam("object"),
                                                       *req.QueryParam("id")));
    auto answer = [](const std::vector<std::string>& grants) {
      return json::object{{"allowed", !grants.empty()}, {"granted_by", Strings(grants)}};
    };
    return JsonReply(200, json::object{{"user", why.user_id},
                                       {"is_admin", why.is_admin},
                                       {"object", std::string(*req.QueryParam("object"))},
                                       {"id", std::string(*req.QueryParam("id"))},
                                       {"exists", why.exists},
                                       {"permissions", PermissionsToJson(why.permissions)},
                                       {"read", answer(why.read)},
                                       {"edit", answer(why.edit)},
                                       {"delete", answer(why.del)},
                                       {"hidden_fields", Strings(why.hidden_fields)},
                                       {"read_only_fields", Strings(why.read_only_fields)}});
  }));
}

}  // namespace rapport::http::api
