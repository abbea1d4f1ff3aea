#include "http/api/openapi.h"

#include <boost/json.hpp>

#include <fmt/format.h>

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using metadata::FieldDef;
using metadata::FieldType;
using metadata::ObjectDef;

json::object FieldSchema(const FieldDef& f) {
  json::object s;
  auto nullable = [](const char* type) { return json::array{type, "null"}; };
  switch (f.type) {
    case FieldType::kInteger: s["type"] = nullable("integer"); break;
    case FieldType::kDecimal:
    case FieldType::kPercent: s["type"] = nullable("number"); break;
    case FieldType::kBoolean: s["type"] = nullable("boolean"); break;
    case FieldType::kCurrency:
      s["oneOf"] = json::array{json::object{{"$ref", "#/components/schemas/Money"}}, json::object{{"type", "null"}}};
      break;
    case FieldType::kMultiPicklist: {
      json::array values;
      for (const auto& o : f.options) values.push_back(json::string(o.value));
      s["type"] = nullable("array");
      s["items"] = json::object{{"type", "string"}, {"enum", std::move(values)}};
      break;
    }
    default: {
      s["type"] = nullable("string");
      if (f.type == FieldType::kDate) s["format"] = "date";
      if (f.type == FieldType::kDatetime) s["format"] = "date-time";
      if (f.type == FieldType::kEmail) s["format"] = "email";
      if (f.type == FieldType::kUrl) s["format"] = "uri";
      if (f.type == FieldType::kId || f.type == FieldType::kLookup) s["format"] = "uuid";
      if (f.type == FieldType::kPicklist) {
        json::array values;
        for (const auto& o : f.options) values.push_back(json::string(o.value));
        values.push_back(nullptr);
        s["enum"] = std::move(values);
      }
      if (f.max_length) s["maxLength"] = *f.max_length;
    }
  }
  if (!f.label.empty()) s["title"] = f.label;
  if (f.system || f.read_only) s["readOnly"] = true;
  if (!f.encryption.empty()) s["x-rapport-encryption"] = f.encryption;
  if (f.type == FieldType::kLookup) s["description"] = fmt::format("Id of a record of `{}`.", f.target);
  return s;
}

std::string SchemaName(const ObjectDef& object) {
  std::string name;
  bool upper = true;
  for (char c : object.name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    name += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return name;
}

json::object Ref(const std::string& schema) { return json::object{{"$ref", "#/components/schemas/" + schema}}; }

json::object JsonContent(json::object schema) {
  return json::object{{"application/json", json::object{{"schema", std::move(schema)}}}};
}

json::object ProblemResponses(std::initializer_list<const char*> codes) {
  json::object out;
  for (const char* code : codes) {
    out[code] = json::object{{"description", "Problem"},
                             {"content", json::object{{"application/problem+json",
                                                       json::object{{"schema", Ref("Problem")}}}}}};
  }
  return out;
}

json::object Parameter(const char* name, const char* in, const char* description, bool required = false,
                       const char* type = "string") {
  return json::object{{"name", name},
                      {"in", in},
                      {"required", required},
                      {"description", description},
                      {"schema", json::object{{"type", type}}}};
}

}  // namespace

json::value OpenApiDocument(const metadata::MetadataSnapshot& snapshot) {
  json::object schemas;
  schemas["Money"] = json::object{
      {"type", "object"},
      {"required", json::array{"amount", "currency"}},
      {"properties", json::object{{"amount", json::object{{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]{1,4})?$"}}},
                                  {"currency", json::object{{"type", "string"}, {"pattern", "^[A-Z]{3}$"}}}}}};
  json::object problem_error{{"type", "object"},
                             {"properties", json::object{{"field", json::object{{"type", "string"}}},
                                                         {"code", json::object{{"type", "string"}}},
                                                         {"message", json::object{{"type", "string"}}}}}};
  json::object problem_properties{{"type", json::object{{"type", "string"}}},
                                  {"title", json::object{{"type", "string"}}},
                                  {"status", json::object{{"type", "integer"}}},
                                  {"detail", json::object{{"type", "string"}}},
                                  {"errors", json::object{{"type", "array"}, {"items", problem_error}}}};
  schemas["Problem"] = json::object{{"type", "object"}, {"properties", problem_properties}};

  json::object paths;
  paths["/healthz"] = json::object{
      {"get", json::object{{"summary", "Liveness"}, {"security", json::array{}},
                           {"responses", json::object{{"200", json::object{{"description", "OK"}}}}}}}};
  paths["/api/v1/metadata/objects"] = json::object{
      {"get", json::object{{"summary", "Objects and fields"},
                           {"responses", json::object{{"200", json::object{{"description", "Objects"}}}}}}},
      {"post", json::object{{"summary", "Create a custom object"},
                            {"responses", json::object{{"201", json::object{{"description", "Created"}}}}}}}};

  // The endpoints that are not per object (docs/api.md describes their bodies).
  struct Fixed {
    const char* method;
    const char* path;
    const char* summary;
    bool anonymous;
    const char* tag = "access";
  };
  static constexpr Fixed kFixed[] = {
      {"post", "/api/v1/auth/login", "Sign in with email and password (and a TOTP code); sets the session cookie", true},
      {"post", "/api/v1/auth/accept", "Use an invitation or password-reset link: set a password and sign in", true},
      {"post", "/api/v1/auth/logout", "End the session", false},
      {"get", "/api/v1/auth/session", "Who the caller is", false},
      {"post", "/api/v1/auth/password", "Change one's own password", false},
      {"get", "/api/v1/auth/history", "Sign-in history", false},
      {"post", "/api/v1/auth/mfa/enrol", "Start two-factor enrolment: secret, otpauth URI, QR code", false},
      {"post", "/api/v1/auth/mfa/confirm", "Turn two-factor sign-in on with a first code; recovery codes", false},
      {"post", "/api/v1/auth/mfa/disable", "Turn two-factor sign-in off", false},
      {"post", "/api/v1/invitations", "Invite a user (one-time link)", false},
      {"post", "/api/v1/users/{id}/password-reset", "Reset a user's password (one-time link)", false},
      {"get", "/api/v1/security/ip-allowlist", "The tenant's IP allow-list", false},
      {"put", "/api/v1/security/ip-allowlist", "Replace the tenant's IP allow-list", false},
      {"get", "/api/v1/tokens", "API tokens", false},
      {"post", "/api/v1/tokens", "Create an API token (optionally read-only, expiring, limited to objects)", false},
      {"delete", "/api/v1/tokens/{id}", "Revoke an API token", false},
      {"get", "/api/v1/audit", "The hash-chained audit log", false},
      {"get", "/api/v1/roles", "Roles", false},
      {"post", "/api/v1/roles", "Create a role", false},
      {"get", "/api/v1/roles/{id}", "One role", false},
      {"put", "/api/v1/roles/{id}", "Replace a role", false},
      {"delete", "/api/v1/roles/{id}", "Delete a role", false},
      {"get", "/api/v1/users/{id}/roles", "A user's roles", false},
      {"put", "/api/v1/users/{id}/roles", "Set a user's roles", false},
      {"get", "/api/v1/sharing/defaults", "Organisation-wide defaults", false},
      {"put", "/api/v1/sharing/defaults/{object}", "Set an object's organisation-wide default", false},
      {"get", "/api/v1/sharing/rules", "Sharing rules", false},
      {"post", "/api/v1/sharing/rules", "Create a sharing rule", false},
      {"delete", "/api/v1/sharing/rules/{id}", "Delete a sharing rule", false},
      {"get", "/api/v1/access/explain", "Whether and why a user may read, edit and delete a record", false},
      {"get", "/api/v1/views", "Saved list views of an object (?object=): the caller's and the shared ones", false, "views"},
      {"post", "/api/v1/views", "Save a list view (checked by running it)", false, "views"},
      {"get", "/api/v1/views/{id}", "One saved view", false, "views"},
      {"patch", "/api/v1/views/{id}", "Change a saved view (its author; an administrator for a shared one)", false, "views"},
      {"delete", "/api/v1/views/{id}", "Delete a saved view", false, "views"},
      {"post", "/api/v1/reports/run", "Run a report definition (?format=json|csv|xlsx, ?header=names|labels, ?cursor=)", false, "reports"},
      {"post", "/api/v1/reports/drilldown", "The records behind one group of a report, as a list filter: {definition, keys}", false, "reports"},
      {"post", "/api/v1/reports/{id}/drilldown", "The records behind one group of a saved report, as a list filter: {keys}", false, "reports"},
      {"get", "/api/v1/reports", "Saved reports (?object=): the caller's and the shared ones", false, "reports"},
      {"post", "/api/v1/reports", "Save a report: name, description, definition, chart, shared (checked by running it)", false, "reports"},
      {"get", "/api/v1/reports/{id}", "One saved report", false, "reports"},
      {"patch", "/api/v1/reports/{id}", "Change a saved report (its author; an administrator for a shared one)", false, "reports"},
      {"delete", "/api/v1/reports/{id}", "Delete a saved report", false, "reports"},
      {"get", "/api/v1/reports/{id}/results", "Run a saved report as the caller (?format=json|csv|xlsx, ?header=, ?cursor=)", false, "reports"},
      {"get", "/api/v1/dashboards", "Dashboards: the caller's and the shared ones", false, "reports"},
      {"post", "/api/v1/dashboards", "Create a dashboard: name, description, widgets (saved reports on a 12-column grid), filters, shared", false, "reports"},
      {"get", "/api/v1/dashboards/{id}", "One dashboard", false, "reports"},
      {"patch", "/api/v1/dashboards/{id}", "Change a dashboard (its author; an administrator for a shared one)", false, "reports"},
      {"delete", "/api/v1/dashboards/{id}", "Delete a dashboard", false, "reports"},
      {"get", "/api/v1/dashboards/{id}/results", "Every widget run as the caller (?period=&owner=&team=)", false, "reports"},
      {"get", "/api/v1/settings/workspace", "The workspace's calendar and currency: time zone, fiscal year start, currency", false, "reports"},
      {"patch", "/api/v1/settings/workspace", "Change the workspace's calendar and currency (administrators)", false, "reports"},
      {"get", "/api/v1/settings/exchange-rates", "Exchange rates into the workspace's currency", false, "reports"},
      {"put", "/api/v1/settings/exchange-rates/{currency}/{valid_from}", "Set a currency's rate from a day on (administrators)", false, "reports"},
      {"delete", "/api/v1/settings/exchange-rates/{currency}/{valid_from}", "Delete a rate (administrators)", false, "reports"},
  };
  for (const Fixed& f : kFixed) {
    json::object operation{{"summary", f.summary},
                           {"tags", json::array{f.tag}},
                           {"responses", ProblemResponses({"400", "401", "403", "404", "422", "429"})}};
    operation["responses"].as_object()["200"] = json::object{{"description", "OK"}};
    if (f.anonymous) operation["security"] = json::array{};
    json::value& slot = paths[f.path];
    if (!slot.is_object()) slot.emplace_object();
    json::object& item = slot.as_object();
    if (item.empty() && std::string_view(f.path).find('{') != std::string_view::npos) {
      std::string_view path = f.path;
      std::string name(path.substr(path.find('{') + 1, path.find('}') - path.find('{') - 1));
      item["parameters"] = json::array{Parameter(name.c_str(), "path", name.c_str(), true)};
    }
    item[f.method] = std::move(operation);
  }

  for (const ObjectDef& object : snapshot.objects()) {
    std::string schema = SchemaName(object);
    json::object properties;
    json::array required;
    for (const FieldDef& f : object.fields) {
      properties[f.name] = FieldSchema(f);
      if (f.required) required.push_back(json::string(f.name));
    }
    schemas[schema] = json::object{{"type", "object"}, {"title", object.label}, {"properties", properties}};
    schemas[schema + "Input"] = json::object{{"type", "object"}, {"required", required}, {"properties", properties},
                                            {"additionalProperties", false}};
    std::string base = "/api/v1/objects/" + object.name;
    json::object list_response = json::object{
        {"type", "object"},
        {"properties", json::object{{"data", json::object{{"type", "array"}, {"items", Ref(schema)}}},
                                    {"next_cursor", json::object{{"type", json::array{"string", "null"}}}},
                                    {"total", json::object{{"type", "integer"}}}}}};
    json::object list_responses = ProblemResponses({"400", "401"});
    list_responses["200"] = json::object{{"description", "A page of records"}, {"content", JsonContent(list_response)}};
    json::object create_responses = ProblemResponses({"400", "401", "409", "415", "422"});
    create_responses["201"] = json::object{{"description", "Created"}, {"content", JsonContent(Ref(schema))}};
    paths[base] = json::object{
        {"get", json::object{{"operationId", "list_" + object.name},
                             {"summary", "List " + object.label_plural},
                             {"tags", json::array{json::string(object.name)}},
                             {"parameters", json::array{Parameter("filter", "query", "Expression"),
                                                        Parameter("sort", "query", "e.g. -amount,name"),
                                                        Parameter("limit", "query", "1..500", false, "integer"),
                                                        Parameter("cursor", "query", "From next_cursor"),
                                                        Parameter("fields", "query", "Comma-separated fields"),
                                                        Parameter("include", "query", "Comma-separated relations"),
                                                        Parameter("count", "query", "Add total", false, "boolean")}},
                             {"responses", list_responses}}},
        {"post", json::object{{"operationId", "create_" + object.name},
                              {"summary", "Create a " + object.label},
                              {"tags", json::array{json::string(object.name)}},
                              {"parameters", json::array{Parameter("Idempotency-Key", "header", "Safe retries")}},
                              {"requestBody", json::object{{"required", true}, {"content", JsonContent(Ref(schema + "Input"))}}},
                              {"responses", create_responses}}}};
    json::object one_responses = ProblemResponses({"401", "404"});
    one_responses["200"] = json::object{{"description", object.label}, {"content", JsonContent(Ref(schema))}};
    json::object patch_responses = ProblemResponses({"400", "401", "404", "409", "412", "415", "422"});
    patch_responses["200"] = one_responses["200"];
    json::object delete_responses = ProblemResponses({"401", "404"});
    delete_responses["204"] = json::object{{"description", "Moved to the recycle bin"}};
    json::array id_param = {Parameter("id", "path", "Record id", true)};
    paths[base + "/{id}"] = json::object{
        {"parameters", id_param},
        {"get", json::object{{"operationId", "get_" + object.name}, {"tags", json::array{json::string(object.name)}},
                             {"responses", one_responses}}},
        {"patch", json::object{{"operationId", "update_" + object.name},
                               {"tags", json::array{json::string(object.name)}},
                               {"parameters", json::array{Parameter("If-Match", "header", "Expected version, quoted")}},
                               {"requestBody", json::object{{"required", true}, {"content", JsonContent(json::object{{"type", "object"}})}}},
                               {"responses", patch_responses}}},
        {"delete", json::object{{"operationId", "delete_" + object.name},
                                {"tags", json::array{json::string(object.name)}},
                                {"responses", delete_responses}}}};
    paths[base + "/batch"] = json::object{
        {"post", json::object{{"operationId", "batch_" + object.name},
                              {"tags", json::array{json::string(object.name)}},
                              {"requestBody", json::object{{"required", true}, {"content", JsonContent(json::object{{"type", "object"}})}}},
                              {"responses", json::object{{"200", json::object{{"description", "All succeeded"}}},
                                                         {"207", json::object{{"description", "Some failed"}}}}}}}};
    json::object export_responses = ProblemResponses({"400", "401", "403", "404"});
    export_responses["200"] = json::object{
        {"description", "CSV, streamed (chunked): a header row, then one row per record"},
        {"content", json::object{{"text/csv", json::object{{"schema", json::object{{"type", "string"}}}}}}}};
    json::object aggregate_responses = ProblemResponses({"400", "401", "403", "404"});
    aggregate_responses["200"] = json::object{{"description", "Groups: keys, currency (when money is measured), values"}};
    paths[base + "/aggregate"] = json::object{
        {"get", json::object{{"operationId", "aggregate_" + object.name},
                             {"summary", "Count and total " + object.label_plural + " in groups"},
                             {"tags", json::array{json::string(object.name)}},
                             {"parameters", json::array{Parameter("filter", "query", "Expression"),
                                                        Parameter("group_by", "query", "Up to 3 comma-separated fields, a date one with a bucket (close_date:month)"),
                                                        Parameter("measures", "query", "count, count_distinct:f, sum:f, avg:f, median:f, min:f, max:f"),
                                                        Parameter("limit", "query", "1..10000 groups", false, "integer")}},
                             {"responses", aggregate_responses}}}};
    paths[base + "/export"] = json::object{
        {"get", json::object{{"operationId", "export_" + object.name},
                             {"summary", "Export " + object.label_plural + " as CSV (needs the export permission)"},
                             {"tags", json::array{json::string(object.name)}},
                             {"parameters", json::array{Parameter("filter", "query", "Expression"),
                                                        Parameter("sort", "query", "e.g. -amount,name"),
                                                        Parameter("fields", "query", "Comma-separated fields, in order"),
                                                        Parameter("format", "query", "csv"),
                                                        Parameter("header", "query", "names (default) or labels")}},
                             {"responses", export_responses}}}};
    paths[base + "/{id}/restore"] = json::object{
        {"parameters", id_param},
        {"post", json::object{{"operationId", "restore_" + object.name},
                              {"tags", json::array{json::string(object.name)}},
                              {"responses", one_responses}}}};
    paths[base + "/{id}/history"] = json::object{
        {"parameters", id_param},
        {"get", json::object{{"operationId", "history_" + object.name},
                             {"tags", json::array{json::string(object.name)}},
                             {"responses", json::object{{"200", json::object{{"description", "Field history"}}}}}}}};
  }

  return json::object{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", "Rapport API"}, {"version", "1"},
                            {"description", "Generated from this workspace's live metadata."}}},
      {"servers", json::array{json::object{{"url", "/"}}}},
      {"security", json::array{json::object{{"bearer", json::array{}}}, json::object{{"session", json::array{}}}}},
      {"paths", std::move(paths)},
      {"components", json::object{{"schemas", std::move(schemas)},
                                  {"securitySchemes",
                                   json::object{{"bearer", json::object{{"type", "http"}, {"scheme", "bearer"}}},
                                                // Writes with the cookie also need the X-CSRF-Token header.
                                                {"session", json::object{{"type", "apiKey"},
                                                                         {"in", "cookie"},
                                                                         {"name", "rapport_session"}}}}}}}};
}

}  // namespace rapport::http::api
