#include <boost/json.hpp>

#include <charconv>

#include <fmt/format.h>

#include "exchange/record_export.h"
#include "http/api/api.h"
#include "http/api/handlers.h"
#include "http/api/json_codec.h"
#include "http/api/openapi.h"
#include "http/json.h"
#include "http/problem.h"
#include "core/strings.h"

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using security::Principal;





Result<int> ParseInt(std::string_view name, std::string_view text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("`{}` must be a whole number.", name))
                    .WithField(std::string(name), "invalid_type", "Expected a whole number."));
  }
  return value;
}

// If-Match: "<version>" (a strong ETag as GET returns it); W/ and * are not accepted.
Result<std::optional<int64_t>> IfMatchVersion(const Request& request) {
  auto header = request.Header("If-Match");
  if (!header) return std::optional<int64_t>();
  std::string_view v = *header;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t version = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || ptr != v.data() + v.size() || version < 1) {
    return Fail(Error(ErrorCode::kInvalidArgument, "If-Match must be a record version such as \"3\".")
                    .WithField("If-Match", "invalid_format", "Use the ETag a GET returned."));
  }
  return std::optional<int64_t>(version);
}

// An object as the caller sees it, with what they may do (the app offers only what works).
json::object ObjectWithPermissions(const metadata::ObjectDef& object, const security::ObjectPermissions& permissions) {
  json::object out = ObjectToJson(object);
  out["permissions"] = PermissionsToJson(permissions);
  return out;
}

Response RecordReply(int status, const records::Record& record) {
  Response r = JsonReply(status, RecordToJson(record));
  r.headers.emplace_back("ETag", fmt::format("\"{}\"", record.version));
  return r;
}

json::value ProblemJson(const Error& error) {
  Response problem = ProblemResponse(error);
  return json::parse(problem.body);
}



Result<std::vector<metadata::PicklistOption>> ParseOptions(const json::value& v) {
  if (!v.is_array()) {
    return Fail(Error(ErrorCode::kValidationFailed, "`options` must be an array.")
                    .WithField("options", "invalid_type", "An array of values or {value, label} objects."));
  }
  std::vector<metadata::PicklistOption> out;
  for (const auto& item : v.get_array()) {
    if (item.is_string()) {
      out.push_back({std::string(item.get_string()), std::string(item.get_string())});
    } else if (item.is_object() && item.get_object().contains("value") &&
               item.get_object().at("value").is_string()) {
      auto label = OptionalString(item.get_object(), "label");
      out.push_back({std::string(item.get_object().at("value").get_string()), label.value_or("")});
    } else {
      return Fail(Error(ErrorCode::kValidationFailed, "Invalid picklist option.")
                      .WithField("options", "invalid_type", "Each option is a string or {value, label}."));
    }
  }
  return out;
}

Result<metadata::FieldSpec> ParseFieldSpec(const json::value& body) {
  if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object describing the field.");
  const auto& o = body.get_object();
  static constexpr std::string_view kKeys[] = {"name",   "label",  "type",       "required",  "unique",    "indexed",
                                               "options", "target", "max_length", "min_value", "max_value", "encryption"};
  for (const auto& [k, v] : o) {
    if (std::find(std::begin(kKeys), std::end(kKeys), std::string_view(k)) == std::end(kKeys)) {
      return Fail(Error(ErrorCode::kValidationFailed, fmt::format("Unknown key `{}` in a field.", std::string_view(k)))
                      .WithField(std::string(k), "unknown_field", "Not a field property."));
    }
  }
  metadata::FieldSpec spec;
  RAPPORT_ASSIGN_OR_RETURN(spec.name, RequiredString(o, "name"));
  RAPPORT_ASSIGN_OR_RETURN(spec.type, RequiredString(o, "type"));
  spec.label = OptionalString(o, "label").value_or("");
  auto flag = [&](std::string_view key, bool& out) -> Status {
    auto it = o.find(key);
    if (it == o.end()) return Ok();
    if (!it->value().is_bool()) {
      return Fail(Error(ErrorCode::kValidationFailed, fmt::format("`{}` must be true or false.", key))
                      .WithField(std::string(key), "invalid_type", "Expected a boolean."));
    }
    out = it->value().get_bool();
    return Ok();
  };
  RAPPORT_TRY(flag("required", spec.required));
  RAPPORT_TRY(flag("unique", spec.unique));
  RAPPORT_TRY(flag("indexed", spec.indexed));
  if (auto it = o.find("options"); it != o.end()) { RAPPORT_ASSIGN_OR_RETURN(spec.options, ParseOptions(it->value())); }
  spec.target = OptionalString(o, "target").value_or("");
  spec.encryption = OptionalString(o, "encryption").value_or("");
  if (auto it = o.find("max_length"); it != o.end()) {
    if (!it->value().is_int64()) {
      return Fail(Error(ErrorCode::kValidationFailed, "`max_length` must be a whole number.")
                      .WithField("max_length", "invalid_type", "Expected a whole number."));
    }
    spec.max_length = it->value().get_int64();
  }
  for (auto [key, target] : {std::pair{"min_value", &spec.min_value}, std::pair{"max_value", &spec.max_value}}) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) continue;
    std::optional<Decimal> d;
    if (it->value().is_int64()) d = Decimal::FromInt(it->value().get_int64());
    else if (it->value().is_double()) d = Decimal::FromDouble(it->value().get_double());
    else if (it->value().is_string()) d = Decimal::Parse(it->value().get_string());
    if (!d) {
      return Fail(Error(ErrorCode::kValidationFailed, fmt::format("`{}` must be a number.", key))
                      .WithField(key, "invalid_type", "Expected a number with at most 4 decimals."));
    }
    *target = d;
  }
  return spec;
}


}  // namespace

void AddRoutes(Router& router, const ApiServices& services) {
  // Handlers keep references to the services themselves, never to `services`.
  records::RecordService& records = services.records;
  identity::Identity& identity = services.identity;
  workspace::WorkspaceSettingsStore& workspace = services.workspace;
  Metrics& metrics = services.metrics;
  AddAccessRoutes(router, services);
  AddAuthRoutes(router, services);
  AddViewRoutes(router, services);
  AddReportRoutes(router, services);
  AddScheduleRoutes(router, services);
  AddSnapshotRoutes(router, services);

  router.Add("GET", "/healthz", "", [](Request&) -> Result<Response> {
    return Response::Json(200, R"({"status":"ok"})");
  });
  router.Add("GET", "/metrics", "", [&metrics](Request&) -> Result<Response> {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.RenderPrometheus();
    return r;
  });

  router.Add("GET", "/api/v1/openapi.json", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records.Metadata(p));
    return JsonReply(200, OpenApiDocument(*snapshot));
  }));

  // ---- metadata ----

  router.Add("GET", "/api/v1/metadata/objects", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto visible, records.MetadataWithPermissions(p));
    json::array data;
    const auto& objects = visible.snapshot->objects();
    for (size_t i = 0; i < objects.size(); ++i) data.push_back(ObjectWithPermissions(objects[i], visible.permissions[i]));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("GET", "/api/v1/metadata/objects/{object}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records.Metadata(p));
    RAPPORT_ASSIGN_OR_RETURN(const metadata::ObjectDef* object, snapshot->GetObject(req.Param("object")));
    RAPPORT_ASSIGN_OR_RETURN(auto permissions, records.Permissions(p, object->name));
    return JsonReply(200, ObjectWithPermissions(*object, permissions));
  }));
  router.Add("POST", "/api/v1/metadata/objects", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object describing the object.");
    const auto& o = body.get_object();
    metadata::CreateObject create;
    RAPPORT_ASSIGN_OR_RETURN(create.name, RequiredString(o, "name"));
    create.label = OptionalString(o, "label").value_or("");
    create.label_plural = OptionalString(o, "label_plural").value_or("");
    if (auto it = o.find("fields"); it != o.end()) {
      if (!it->value().is_array()) return Fail(ErrorCode::kInvalidArgument, "`fields` must be an array.");
      for (const auto& f : it->value().get_array()) {
        RAPPORT_ASSIGN_OR_RETURN(auto spec, ParseFieldSpec(f));
        create.fields.push_back(std::move(spec));
      }
    }
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records.ApplyMetadata(p, create));
    Response r = JsonReply(201, ObjectToJson(*snapshot->FindObject(create.name)));
    r.headers.emplace_back("Location", "/api/v1/metadata/objects/" + create.name);
    return r;
  }));
  router.Add("PATCH", "/api/v1/metadata/objects/{object}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object.");
    metadata::UpdateObject update{std::string(req.Param("object")), OptionalString(body.get_object(), "label"),
                                  OptionalString(body.get_object(), "label_plural")};
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records.ApplyMetadata(p, update));
    return JsonReply(200, ObjectToJson(*snapshot->FindObject(update.object)));
  }));
  router.Add("DELETE", "/api/v1/metadata/objects/{object}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(records.ApplyMetadata(p, metadata::DeleteObject{std::string(req.Param("object"))}));
    return Response::NoContent();
  }));
  router.Add("POST", "/api/v1/metadata/objects/{object}/fields", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    RAPPORT_ASSIGN_OR_RETURN(auto spec, ParseFieldSpec(body));
    metadata::AddField add{std::string(req.Param("object")), spec};
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records.ApplyMetadata(p, add));
    Response r = JsonReply(201, FieldToJson(*snapshot->FindObject(add.object)->FindField(spec.name)));
    r.headers.emplace_back("Location", fmt::format("/api/v1/metadata/objects/{}/fields/{}", add.object, spec.name));
    return r;
  }));
  router.Add("PATCH", "/api/v1/metadata/objects/{object}/fields/{field}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object.");
    const auto& o = body.get_object();
    metadata::UpdateField update{std::string(req.Param("object")), std::string(req.Param("field"))};
    update.label = OptionalString(o, "label");
    if (auto it = o.find("required"); it != o.end()) {
      if (!it->value().is_bool()) return Fail(ErrorCode::kInvalidArgument, "`required` must be true or false.");
      update.required = it->value().get_bool();
    }
    if (auto it = o.find("options"); it != o.end()) { RAPPORT_ASSIGN_OR_RETURN(update.options, ParseOptions(it->value())); }
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records.ApplyMetadata(p, update));
    return JsonReply(200, FieldToJson(*snapshot->FindObject(update.object)->FindField(update.field)));
  }));
  router.Add("DELETE", "/api/v1/metadata/objects/{object}/fields/{field}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(records.ApplyMetadata(p, metadata::DeleteField{std::string(req.Param("object")), std::string(req.Param("field"))}));
    return Response::NoContent();
  }));

  // ---- records ----
  router.Add("POST", "/api/v1/objects/{object}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    RAPPORT_ASSIGN_OR_RETURN(auto values, ToInputObject(body));
    records::CreateCommand command{std::string(req.Param("object")), std::move(values),
                                   std::string(req.Header("Idempotency-Key").value_or(""))};
    if (command.idempotency_key.size() > 255) {
      return Fail(ErrorCode::kInvalidArgument, "Idempotency-Key is at most 255 characters.");
    }
    RAPPORT_ASSIGN_OR_RETURN(records::Record record, records.Create(p, command));
    Response r = RecordReply(201, record);
    r.headers.emplace_back("Location", fmt::format("/api/v1/objects/{}/{}", command.object, record.id));
    return r;
  }));
  router.Add("GET", "/api/v1/objects/{object}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"filter", "sort", "limit", "cursor", "fields", "include", "count"}));
    records::ListQuery q;
    q.object = std::string(req.Param("object"));
    q.filter = std::string(req.QueryParam("filter").value_or(""));
    q.sort = std::string(req.QueryParam("sort").value_or(""));
    q.cursor = std::string(req.QueryParam("cursor").value_or(""));
    if (auto limit = req.QueryParam("limit")) { RAPPORT_ASSIGN_OR_RETURN(q.limit, ParseInt("limit", *limit)); }
    if (auto fields = req.QueryParam("fields")) q.read.fields = SplitCommaList(*fields);
    if (auto include = req.QueryParam("include")) q.read.include = SplitCommaList(*include);
    if (auto count = req.QueryParam("count")) { RAPPORT_ASSIGN_OR_RETURN(q.count, ParseBool("count", *count)); }
    RAPPORT_ASSIGN_OR_RETURN(records::ListResult result, records.List(p, q));
    json::array data;
    data.reserve(result.records.size());
    for (const auto& r : result.records) data.push_back(RecordToJson(r));
    json::object out{{"data", std::move(data)}};
    if (result.next_cursor) out.emplace("next_cursor", *result.next_cursor);
    else out.emplace("next_cursor", nullptr);
    if (result.total) out.emplace("total", *result.total);
    return JsonReply(200, out);
  }));
  // Aggregates: counts, sums, averages, minimums and maximums, grouped (records::Aggregate).
  router.Add("GET", "/api/v1/objects/{object}/aggregate", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"filter", "group_by", "measures", "limit", "convert", "rate_date"}));
    records::AggregateQuery q;
    q.object = std::string(req.Param("object"));
    q.filter = std::string(req.QueryParam("filter").value_or(""));
    if (auto group_by = req.QueryParam("group_by")) {
      for (const auto& spec : SplitCommaList(*group_by)) {
        std::optional<records::Grouping> grouping = records::ParseGrouping(spec);
        if (!grouping) {
          std::string message = fmt::format("Unknown date bucket in `{}`: use day, week, month, quarter or year.", spec);
          return Fail(Error(ErrorCode::kInvalidArgument, message).WithField("group_by", "invalid_value", message));
        }
        q.group_by.push_back(std::move(*grouping));
      }
    }
    if (auto limit = req.QueryParam("limit")) { RAPPORT_ASSIGN_OR_RETURN(q.limit, ParseInt("limit", *limit)); }
    std::vector<std::string> specs = SplitCommaList(req.QueryParam("measures").value_or("count"));
    for (const auto& spec : specs) {
      std::optional<records::Measure> measure = records::ParseMeasure(spec);
      if (!measure) {
        return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("Unknown measure `{}`.", spec))
                        .WithField("measures", "invalid_value", "count, count_distinct:f, sum:f, avg:f, median:f, min:f or max:f"));
      }
      q.measures.push_back(std::move(*measure));
    }
    // ?convert=true: money in the workspace's currency, at each record's `rate_date`.
    bool convert = false;
    if (auto text = req.QueryParam("convert")) { RAPPORT_ASSIGN_OR_RETURN(convert, ParseBool("convert", *text)); }
    if (convert) {
      q.convert = records::AggregateQuery::Conversion{std::string(req.QueryParam("rate_date").value_or(""))};
    } else if (req.QueryParam("rate_date")) {
      return Fail(InvalidField("rate_date", "The day of a record's exchange rate applies when converting: add convert=true."));
    }
    // Date buckets count in the workspace's calendar.
    RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, workspace.Get(p.tenant_id));
    q.time_zone = calendar.time_zone;
    q.fiscal_year_start = calendar.fiscal_year_start;
    RAPPORT_ASSIGN_OR_RETURN(records::AggregateResult result, records.Aggregate(p, q));
    json::array data;
    for (const auto& row : result.rows) {
      json::object keys;
      for (size_t i = 0; i < q.group_by.size(); ++i) keys[records::GroupingName(q.group_by[i])] = FieldValueToJson(row.keys[i]);
      json::object values;
      for (size_t i = 0; i < specs.size(); ++i) values[specs[i]] = FieldValueToJson(row.values[i]);
      json::object out{{"keys", std::move(keys)}, {"values", std::move(values)}};
      if (!row.currency.empty()) out["currency"] = row.currency;
      data.push_back(std::move(out));
    }
    return JsonReply(200, json::object{{"data", std::move(data)}, {"truncated", result.truncated}});
  }));
  // Export: the records of a list as a file, streamed (exchange/record_export.h).
  router.Add("GET", "/api/v1/objects/{object}/export", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"filter", "sort", "fields", "format", "header"}));
    std::string_view format = req.QueryParam("format").value_or("csv");
    if (format != "csv") {
      return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("Unknown export format `{}`.", format))
                      .WithField("format", "invalid_value", "csv"));
    }
    std::string_view header = req.QueryParam("header").value_or("names");
    if (header != "names" && header != "labels") {
      return Fail(Error(ErrorCode::kInvalidArgument, "header must be `names` or `labels`.")
                      .WithField("header", "invalid_value", "names or labels"));
    }
    exchange::ExportRequest request{.object = std::string(req.Param("object")),
                                    .filter = std::string(req.QueryParam("filter").value_or("")),
                                    .sort = std::string(req.QueryParam("sort").value_or("")),
                                    .header = header == "labels" ? exchange::ExportHeader::kLabels
                                                                 : exchange::ExportHeader::kNames};
    if (auto fields = req.QueryParam("fields")) request.fields = SplitCommaList(*fields);
    RAPPORT_ASSIGN_OR_RETURN(exchange::CsvExport file, exchange::CsvExport::Start(records, p, std::move(request)));
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}-{}.csv\"", req.Param("object"),
                                                              FormatDate(SystemClock::Instance().Now() / kMicrosPerDay)));
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body_source = [file = std::make_shared<exchange::CsvExport>(std::move(file))] { return file->Next(); };
    return r;
  }));
  // API tokens: a user's own (an administrator sees and revokes everyone's).
  auto token_json = [](const identity::TokenInfo& t) {
    auto text_or_null = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
    return json::object{{"id", t.id},
                        {"user_id", t.user_id},
                        {"name", t.name},
                        {"read_only", t.read_only},
                        {"objects", [&] {
                           json::array a;
                           for (const auto& o : t.objects) a.emplace_back(o);
                           return a;
                         }()},
                        {"last_used_at", text_or_null(t.last_used_at)},
                        {"created_at", t.created_at},
                        {"expires_at", text_or_null(t.expires_at)},
                        {"revoked_at", text_or_null(t.revoked_at)}};
  };
  router.Add("GET", "/api/v1/tokens", "", Authed(services, [&, token_json](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto tokens, identity.ListTokens(p));
    json::array data;
    for (const auto& t : tokens) data.push_back(token_json(t));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/tokens", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected {\"name\": ..., \"expires_in_days\": ..., \"read_only\": ...}.");
    identity::TokenOptions options;
    std::vector<FieldError> errors;
    for (const auto& [key, value] : body.as_object()) {
      if (key == "name" && value.is_string()) {
        options.name = std::string(value.as_string());
      } else if (key == "expires_in_days" && value.is_int64()) {
        options.expires_in_days = static_cast<int>(std::clamp<int64_t>(value.as_int64(), -1, 1000000));
      } else if (key == "read_only" && value.is_bool()) {
        options.read_only = value.as_bool();
      } else if (key == "objects" && value.is_array() &&
                 std::all_of(value.as_array().begin(), value.as_array().end(), [](const json::value& v) { return v.is_string(); })) {
        for (const auto& v : value.as_array()) options.objects.emplace_back(v.as_string());
      } else if (key == "name" || key == "expires_in_days" || key == "read_only" || key == "objects") {
        errors.push_back({std::string(key), "invalid_type",
                          key == "name"        ? "A string."
                          : key == "read_only" ? "true or false."
                          : key == "objects"   ? "An array of object names."
                                               : "A whole number of days."});
      } else {
        errors.push_back({std::string(key), "unknown_field", "Tokens have name, expires_in_days, read_only and objects."});
      }
    }
    if (options.name.empty() && errors.empty()) errors.push_back({"name", "required", "Name the token."});
    if (!errors.empty()) {
      return Fail(Error(ErrorCode::kValidationFailed, "The token request is not valid.").WithFieldErrors(errors));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto created, identity.CreateTokenFor(p, options));
    return JsonReply(201, json::object{{"id", created.id},
                                       {"token", created.token},
                                       {"name", options.name},
                                       {"read_only", options.read_only}});
  }));
  router.Add("DELETE", "/api/v1/tokens/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(identity.RevokeTokenFor(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));
  router.Add("GET", "/api/v1/audit", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"kind", "actor", "since", "cursor", "limit"}));
    audit::ListQuery q;
    q.kind = std::string(req.QueryParam("kind").value_or(""));
    q.actor_id = std::string(req.QueryParam("actor").value_or(""));
    q.since = std::string(req.QueryParam("since").value_or(""));
    if (auto cursor = req.QueryParam("cursor")) { RAPPORT_ASSIGN_OR_RETURN(q.before_seq, ParseInt("cursor", *cursor)); }
    if (auto limit = req.QueryParam("limit")) { RAPPORT_ASSIGN_OR_RETURN(q.limit, ParseInt("limit", *limit)); }
    if (q.limit < 1 || q.limit > 500) {
      return Fail(Error(ErrorCode::kInvalidArgument, "limit must be between 1 and 500.")
                      .WithField("limit", "out_of_range", "1 to 500"));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto entries, records.Audit(p, q));
    json::array data;
    for (const auto& e : entries) {
      json::object entry{{"seq", e.seq},
                         {"id", e.id},
                         {"occurred_at", e.occurred_at},
                         {"kind", e.event.kind},
                         {"actor_id", e.event.actor_id.empty() ? json::value(nullptr) : json::value(e.event.actor_id)},
                         {"object", e.event.object_name.empty() ? json::value(nullptr) : json::value(e.event.object_name)},
                         {"record_id", e.event.record_id.empty() ? json::value(nullptr) : json::value(e.event.record_id)},
                         {"prev_hash", e.prev_hash},
                         {"hash", e.hash}};
      auto detail = ParseJson(e.event.detail);
      entry.emplace("detail", detail ? std::move(*detail) : json::value(e.event.detail));
      data.push_back(std::move(entry));
    }
    json::object out{{"data", std::move(data)}};
    // The next page holds the entries older than the last one here.
    if (static_cast<int>(entries.size()) == q.limit && entries.back().seq > 1) {
      out.emplace("next_cursor", std::to_string(entries.back().seq));
    } else {
      out.emplace("next_cursor", nullptr);
    }
    return JsonReply(200, out);
  }));
  router.Add("POST", "/api/v1/objects/{object}/batch", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected {\"records\": [...]}.");
    const auto& o = body.get_object();
    records::BatchCommand command;
    command.object = std::string(req.Param("object"));
    records::BatchOp op = records::BatchOp::kCreate;
    std::string match;
    for (const auto& [k, v] : o) {
      std::string_view key = k;
      if (key == "atomic") {
        if (!v.is_bool()) return Fail(ErrorCode::kInvalidArgument, "`atomic` must be true or false.");
        command.atomic = v.get_bool();
      } else if (key == "operation") {
        std::string_view name = v.is_string() ? std::string_view(v.get_string()) : "";
        if (name == "create") op = records::BatchOp::kCreate;
        else if (name == "update") op = records::BatchOp::kUpdate;
        else if (name == "upsert") op = records::BatchOp::kUpsert;
        else return Fail(ErrorCode::kInvalidArgument, "`operation` is create, update or upsert.");
      } else if (key == "match") {
        if (!v.is_string()) return Fail(ErrorCode::kInvalidArgument, "`match` names a unique field.");
        match = std::string(v.get_string());
      } else if (key != "records") {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("Unknown key `{}` in a batch.", key));
      }
    }
    auto records_it = o.find("records");
    if (records_it == o.end() || !records_it->value().is_array()) {
      return Fail(ErrorCode::kInvalidArgument, "A batch needs `records`: an array of objects.");
    }
    const auto& items = records_it->value().get_array();
    if (items.size() > records::kMaxBatchItems) {
      return Fail(ErrorCode::kPayloadTooLarge,
                  fmt::format("A batch holds at most {} records, not {}.", records::kMaxBatchItems, items.size()));
    }
    for (size_t i = 0; i < items.size(); ++i) {
      records::BatchItem item;
      item.op = op;
      item.match_field = match;
      if (!items[i].is_object()) {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("records[{}] is not an object.", i));
      }
      if (op == records::BatchOp::kUpdate) {
        const auto& obj = items[i].get_object();
        auto id = obj.find("id");
        if (id == obj.end() || !id->value().is_string()) {
          return Fail(ErrorCode::kInvalidArgument, fmt::format("records[{}] needs an `id` to update.", i));
        }
        item.id = std::string(id->value().get_string());
        if (auto version = obj.find("version"); version != obj.end()) {
          if (!version->value().is_int64()) return Fail(ErrorCode::kInvalidArgument, "`version` must be a whole number.");
          item.expected_version = version->value().get_int64();
        }
      }
      RAPPORT_ASSIGN_OR_RETURN(item.values, ToInputObject(items[i], {"id", "version"}));
      command.items.push_back(std::move(item));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto results, records.Batch(p, command));
    json::array out;
    bool any_failed = false;
    for (size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      if (r.outcome) {
        out.push_back(json::object{{"index", i}, {"status", r.created ? 201 : 200}, {"record", RecordToJson(*r.outcome)}});
      } else {
        any_failed = true;
        out.push_back(json::object{{"index", i}, {"status", HttpStatusFor(r.outcome.error().code())},
                                   {"error", ProblemJson(r.outcome.error())}});
      }
    }
    return JsonReply(any_failed ? 207 : 200, json::object{{"results", std::move(out)}});
  }));
  router.Add("GET", "/api/v1/objects/{object}/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"fields", "include"}));
    records::ReadOptions options;
    if (auto fields = req.QueryParam("fields")) options.fields = SplitCommaList(*fields);
    if (auto include = req.QueryParam("include")) options.include = SplitCommaList(*include);
    RAPPORT_ASSIGN_OR_RETURN(auto record, records.Get(p, req.Param("object"), req.Param("id"), options));
    return RecordReply(200, record);
  }));
  router.Add("PATCH", "/api/v1/objects/{object}/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto expected, IfMatchVersion(req));
    RAPPORT_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(req));
    RAPPORT_ASSIGN_OR_RETURN(auto changes, ToInputObject(body));
    records::UpdateCommand command{std::string(req.Param("object")), std::string(req.Param("id")), std::move(changes),
                                   expected};
    RAPPORT_ASSIGN_OR_RETURN(auto record, records.Update(p, command));
    return RecordReply(200, record);
  }));
  router.Add("DELETE", "/api/v1/objects/{object}/{id}", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_TRY(records.Delete(p, req.Param("object"), req.Param("id")));
    return Response::NoContent();
  }));
  router.Add("POST", "/api/v1/objects/{object}/{id}/restore", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(auto record, records.Restore(p, req.Param("object"), req.Param("id")));
    return RecordReply(200, record);
  }));
  router.Add("POST", "/api/v1/objects/{object}/{id}/purge", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(records.Purge(p, req.Param("object"), req.Param("id")));
    return Response::NoContent();
  }));
  router.Add("GET", "/api/v1/objects/{object}/{id}/history", "", Authed(services, [&](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"limit"}));
    int limit = 200;
    if (auto l = req.QueryParam("limit")) { RAPPORT_ASSIGN_OR_RETURN(limit, ParseInt("limit", *l)); }
    RAPPORT_ASSIGN_OR_RETURN(auto entries, records.History(p, req.Param("object"), req.Param("id"), limit));
    json::array data;
    for (const auto& e : entries) {
      json::object entry{{"id", e.id}, {"change", e.change}, {"changed_at", e.changed_at}};
      entry.emplace("changed_by", e.changed_by.empty() ? json::value(nullptr) : json::value(e.changed_by));
      if (!e.field.empty()) {
        entry.emplace("field", e.field);
        entry.emplace("old", e.old_is_null ? json::value(nullptr) : json::value(e.old_value));
        entry.emplace("new", e.new_is_null ? json::value(nullptr) : json::value(e.new_value));
      }
      data.push_back(std::move(entry));
    }
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
}

}  // namespace rapport::http::api
