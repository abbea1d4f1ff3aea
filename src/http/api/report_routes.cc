// Reports over REST (docs/reports.md): run a definition ad hoc, as JSON or CSV; read
// and change the workspace settings reports count by. Thin: parse the definition,
// call reports::ReportEngine (which runs everything through the record engine).
#include <fmt/format.h>

#include "http/api/api.h"
#include "http/api/handlers.h"
#include "exchange/record_export.h"
#include "http/api/json_codec.h"
#include "reports/report_csv.h"

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using reports::ReportDefinition;
using security::Principal;

Error BadMember(std::string_view member, std::string message) {
  return InvalidField(std::string(member), std::move(message), "invalid_type");
}

// "stage", "close_date:month" or {"field": "close_date", "bucket": "month"}.
Result<std::vector<records::Grouping>> Groupings(const json::object& o, std::string_view key) {
  std::vector<records::Grouping> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return Fail(BadMember(key, "Expected an array of groupings."));
  for (const auto& item : it->value().get_array()) {
    std::string spec;
    if (item.is_string()) {
      spec = item.get_string();
    } else if (item.is_object() && item.get_object().contains("field") && item.get_object().at("field").is_string()) {
      const json::object& g = item.get_object();
      spec = g.at("field").get_string();
      if (auto bucket = g.find("bucket"); bucket != g.end() && !bucket->value().is_null()) {
        if (!bucket->value().is_string()) return Fail(BadMember(key, "A bucket is day, week, month, quarter or year."));
        spec += fmt::format(":{}", std::string_view(bucket->value().get_string()));
      }
    } else {
      return Fail(BadMember(key, "A grouping is a field name or {\"field\": ..., \"bucket\": ...}."));
    }
    auto grouping = records::ParseGrouping(spec);
    if (!grouping || grouping->field.empty()) {
      return Fail(InvalidField(std::string(key), fmt::format("`{}`: a bucket is day, week, month, quarter or year.", spec)));
    }
    out.push_back(std::move(*grouping));
  }
  return out;
}

Result<ReportDefinition> ParseDefinition(const json::object& o) {
  ReportDefinition d;
  RAPPORT_ASSIGN_OR_RETURN(d.object, RequiredString(o, "object"));
  if (auto type = OptionalString(o, "type")) {
    auto parsed = reports::ParseReportType(*type);
    if (!parsed) return Fail(InvalidField("type", "tabular, summary or matrix."));
    d.type = *parsed;
  }
  d.filter = OptionalString(o, "filter").value_or("");
  d.sort = OptionalString(o, "sort").value_or("");
  RAPPORT_ASSIGN_OR_RETURN(auto columns, OptionalStringArray(o, "columns", "Expected an array of field names."));
  d.columns = columns.value_or(std::vector<std::string>{});
  RAPPORT_ASSIGN_OR_RETURN(d.group_by, Groupings(o, "group_by"));
  RAPPORT_ASSIGN_OR_RETURN(d.across, Groupings(o, "across"));
  RAPPORT_ASSIGN_OR_RETURN(auto aggregates, OptionalStringArray(o, "aggregates", "Expected an array such as [\"count\", \"sum(amount)\"]."));
  for (const auto& spec : aggregates.value_or(std::vector<std::string>{})) {
    auto measure = records::ParseMeasure(spec);
    if (!measure) {
      return Fail(InvalidField("aggregates", fmt::format("`{}`: count, count_distinct(f), sum(f), avg(f), "
                                                         "median(f), min(f) or max(f).",
                                                         spec)));
    }
    d.aggregates.push_back(std::move(*measure));
  }
  if (auto it = o.find("limit"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_int64()) return Fail(BadMember("limit", "Expected a whole number."));
    d.limit = static_cast<int>(std::clamp<int64_t>(it->value().get_int64(), -1, 1'000'000));
    if (d.limit < 1) return Fail(InvalidField("limit", "At least 1.", "out_of_range"));
  }
  return d;
}

json::object GroupingJson(const records::Grouping& g) {
  json::object out{{"field", g.field}};
  if (g.bucket) out["bucket"] = DatePartName(*g.bucket);
  return out;
}

json::object DefinitionJson(const ReportDefinition& d) {
  json::array group_by, across, aggregates, columns;
  for (const auto& g : d.group_by) group_by.push_back(GroupingJson(g));
  for (const auto& g : d.across) across.push_back(GroupingJson(g));
  for (const auto& m : d.aggregates) aggregates.emplace_back(reports::AggregateName(m));
  for (const auto& c : d.columns) columns.emplace_back(c);
  return json::object{{"type", reports::ReportTypeName(d.type)},
                      {"object", d.object},
                      {"filter", d.filter},
                      {"columns", std::move(columns)},
                      {"group_by", std::move(group_by)},
                      {"across", std::move(across)},
                      {"aggregates", std::move(aggregates)},
                      {"sort", d.sort},
                      {"limit", d.limit}};
}

std::string_view KindName(reports::ReportColumn::Kind kind) {
  switch (kind) {
    case reports::ReportColumn::Kind::kField: return "field";
    case reports::ReportColumn::Kind::kGroup: return "group";
    case reports::ReportColumn::Kind::kAggregate: return "aggregate";
  }
  return "field";
}

// A group as one flat object: its keys and its aggregates by name (API.md).
json::array SectionRows(const reports::ReportResult& r, const reports::ReportSection& s) {
  json::array rows;
  for (const auto& row : s.rows) {
    json::object out;
    for (size_t i = 0; i < s.keys.size(); ++i) out[reports::KeyName(r.definition, s.keys[i])] = FieldValueToJson(row.keys[i]);
    for (size_t i = 0; i < r.definition.aggregates.size(); ++i) {
      out[reports::AggregateName(r.definition.aggregates[i])] = FieldValueToJson(row.values[i]);
    }
    if (!row.currency.empty()) out["currency"] = row.currency;
    rows.push_back(std::move(out));
  }
  return rows;
}

json::object ResultJson(const reports::ReportResult& r) {
  json::array columns;
  for (const auto& c : r.columns) {
    columns.push_back(json::object{{"name", c.name}, {"label", c.label}, {"type", c.type}, {"kind", KindName(c.kind)}});
  }
  json::object out{{"definition", DefinitionJson(r.definition)}, {"columns", std::move(columns)}};
  if (r.definition.type == reports::ReportType::kTabular) {
    json::array rows;
    for (const auto& record : r.records) rows.push_back(RecordToJson(record));
    out["rows"] = std::move(rows);
    out["next_cursor"] = r.next_cursor ? json::value(*r.next_cursor) : json::value(nullptr);
    return out;
  }
  out["rows"] = SectionRows(r, r.sections.front());
  out["truncated"] = r.sections.front().truncated;
  out["totals"] = SectionRows(r, r.sections.back());
  if (r.definition.type == reports::ReportType::kSummary) {
    // Levels between the rows and the grand total, deepest first.
    json::array subtotals;
    for (size_t i = 1; i + 1 < r.sections.size(); ++i) {
      for (auto& row : SectionRows(r, r.sections[i])) subtotals.push_back(std::move(row));
    }
    out["subtotals"] = std::move(subtotals);
  } else {
    out["row_totals"] = SectionRows(r, r.sections[1]);
    out["column_totals"] = SectionRows(r, r.sections[2]);
  }
  return out;
}

json::object SettingsJson(const workspace::WorkspaceSettings& s) {
  return json::object{{"time_zone", s.time_zone},
                      {"fiscal_year_start", s.fiscal_year_start},
                      {"updated_at", s.updated_at.empty() ? json::value(nullptr) : json::value(s.updated_at)}};
}

}  // namespace

void AddReportRoutes(Router& router, const ApiServices& services) {
  reports::ReportEngine& engine = services.reports;
  records::RecordService& records = services.records;
  workspace::WorkspaceSettingsStore& workspace = services.workspace;
  router.Add("POST", "/api/v1/reports/run", "", Authed(services, [&engine, &records](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"format", "header", "cursor"}));
    std::string_view format = req.QueryParam("format").value_or("json");
    if (format != "json" && format != "csv") return Fail(InvalidField("format", "json or csv."));
    std::string_view header = req.QueryParam("header").value_or("names");
    if (header != "names" && header != "labels") return Fail(InvalidField("header", "names or labels."));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"type", "object", "filter", "columns", "group_by", "across",
                                                              "aggregates", "sort", "limit"}));
    RAPPORT_ASSIGN_OR_RETURN(ReportDefinition definition, ParseDefinition(o));
    reports::ReportEngine::RunOptions options{.cursor = std::string(req.QueryParam("cursor").value_or("")),
                                              .for_export = format == "csv"};
    RAPPORT_ASSIGN_OR_RETURN(reports::ReportResult result, engine.Run(p, std::move(definition), options));
    if (format == "json") return JsonReply(200, ResultJson(result));
    Response r;
    r.status = 200;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}-report.csv\"", result.definition.object));
    r.headers.emplace_back("Cache-Control", "no-store");
    if (result.definition.type == reports::ReportType::kTabular) {
      // Every record, not one page: the list export, streamed page by page, under the
      // same checks (the run above has already refused what the engine would).
      const ReportDefinition& d = result.definition;
      RAPPORT_ASSIGN_OR_RETURN(exchange::CsvExport file,
                               exchange::CsvExport::Start(records, p, {.object = d.object, .filter = d.filter, .sort = d.sort,
                                                                       .fields = d.columns,
                                                                       .header = header == "labels" ? exchange::ExportHeader::kLabels
                                                                                                    : exchange::ExportHeader::kNames}));
      r.body_source = [file = std::make_shared<exchange::CsvExport>(std::move(file))] { return file->Next(); };
      return r;
    }
    // A grouped report's file holds its rows, as many as its limit allows.
    if (result.sections.front().truncated) r.headers.emplace_back("Rapport-Truncated", "true");
    r.body = reports::ReportCsv(result, header == "labels");
    return r;
  }));
  router.Add("GET", "/api/v1/settings/workspace", "", Authed(services, [&workspace](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto settings, workspace.Get(p.tenant_id));
    return JsonReply(200, SettingsJson(settings));
  }));
  router.Add("PATCH", "/api/v1/settings/workspace", "", Authed(services, [&workspace](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"time_zone", "fiscal_year_start"}));
    workspace::WorkspaceSettingsChanges changes;
    if (auto it = o.find("time_zone"); it != o.end()) {
      if (!it->value().is_string()) return Fail(BadMember("time_zone", "An IANA time zone name, such as Europe/Paris."));
      changes.time_zone = std::string(it->value().get_string());
    }
    if (auto it = o.find("fiscal_year_start"); it != o.end()) {
      if (!it->value().is_int64()) return Fail(BadMember("fiscal_year_start", "A month, 1 to 12."));
      changes.fiscal_year_start = static_cast<int>(std::clamp<int64_t>(it->value().get_int64(), 0, 13));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto settings, workspace.Update(p, changes));
    return JsonReply(200, SettingsJson(settings));
  }));
}

}  // namespace rapport::http::api
