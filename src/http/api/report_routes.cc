// Reports over REST (docs/reports.md): run a definition ad hoc, as JSON or CSV; read
// and change the workspace settings reports count by. Thin: parse the definition,
// call reports::ReportEngine (which runs everything through the record engine).
#include <fmt/format.h>

#include "http/api/api.h"
#include "http/api/handlers.h"
#include "exchange/record_export.h"
#include "http/api/json_codec.h"
#include "http/problem.h"
#include "reports/report_files.h"
#include "reports/report_json.h"

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using reports::ReportDefinition;
using security::Principal;

Error BadMember(std::string_view member, std::string message) {
  return InvalidField(std::string(member), std::move(message), "invalid_type");
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
  json::object out{{"definition", reports::DefinitionToJson(r.definition)}, {"columns", std::move(columns)}};
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
                      {"currency", s.currency},
                      {"updated_at", s.updated_at.empty() ? json::value(nullptr) : json::value(s.updated_at)}};
}

json::object ExchangeRateJson(const workspace::ExchangeRate& r) {
  return json::object{{"currency", r.currency},
                      {"valid_from", r.valid_from},
                      {"valid_until", r.valid_until.empty() ? json::value(nullptr) : json::value(r.valid_until)},
                      {"rate", workspace::FormatRate(r.rate)},
                      {"updated_at", r.updated_at}};
}

json::object SavedReportJson(const reports::SavedReport& r) {
  return json::object{{"id", r.id},
                      {"name", r.name},
                      {"description", r.description},
                      {"definition", reports::DefinitionToJson(r.definition)},
                      {"chart", reports::ChartTypeName(r.chart)},
                      {"shared", r.shared},
                      {"owner_id", r.owner_id},
                      {"created_at", r.created_at},
                      {"updated_at", r.updated_at}};
}

Result<reports::SavedReportChanges> ParseSavedChanges(const json::object& o) {
  reports::SavedReportChanges changes;
  RAPPORT_ASSIGN_OR_RETURN(changes.name, StringIfPresent(o, "name"));
  RAPPORT_ASSIGN_OR_RETURN(changes.description, StringIfPresent(o, "description"));
  RAPPORT_ASSIGN_OR_RETURN(changes.shared, OptionalBool(o, "shared"));
  RAPPORT_ASSIGN_OR_RETURN(auto chart, StringIfPresent(o, "chart"));
  if (chart) {
    changes.chart = reports::ParseChartType(*chart);
    if (!changes.chart) {
      return Fail(InvalidField("chart", "table, bar, stacked_bar, line, funnel, pie, donut or kpi."));
    }
  }
  if (auto it = o.find("definition"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return Fail(BadMember("definition", "Expected a report definition (an object)."));
    auto definition = reports::DefinitionFromJson(it->value().get_object());
    if (!definition) return Fail(reports::NestedUnder(definition.error(), "definition"));
    changes.definition = std::move(*definition);
  }
  return changes;
}

// Runs a definition as the caller and answers in the format asked for: JSON (a page of
// a tabular report), CSV or XLSX (the whole report, with the export permission).
Result<Response> RunReport(reports::ReportEngine& engine, records::RecordService& records, const Request& req,
                           const Principal& p, ReportDefinition definition) {
  std::string_view format = req.QueryParam("format").value_or("json");
  if (format != "json" && format != "csv" && format != "xlsx") return Fail(InvalidField("format", "json, csv or xlsx."));
  // People open spreadsheets: a workbook's header is the labels unless names are asked for.
  std::string_view header = req.QueryParam("header").value_or(format == "xlsx" ? "labels" : "names");
  if (header != "names" && header != "labels") return Fail(InvalidField("header", "names or labels."));
  const bool labels = header == "labels";
  const std::string object = definition.object;
  if (format == "xlsx") {
    RAPPORT_ASSIGN_OR_RETURN(reports::ReportFile file, reports::ReportXlsx(engine, p, definition, labels));
    Response r;
    r.status = 200;
    r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}-report.xlsx\"", object));
    r.headers.emplace_back("Cache-Control", "no-store");
    if (file.truncated) r.headers.emplace_back("Rapport-Truncated", "true");
    r.body = std::move(file.bytes);
    return r;
  }
  reports::ReportEngine::RunOptions options{.cursor = std::string(req.QueryParam("cursor").value_or("")),
                                            .for_export = format == "csv"};
  RAPPORT_ASSIGN_OR_RETURN(reports::ReportResult result, engine.Run(p, std::move(definition), options));
  if (format == "json") return JsonReply(200, ResultJson(result));
  Response r;
  r.status = 200;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}-report.csv\"", object));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (result.definition.type == reports::ReportType::kTabular) {
    // Every record, not one page: the list export, streamed page by page, under the
    // same checks (the run above has already refused what the engine would).
    const ReportDefinition& d = result.definition;
    RAPPORT_ASSIGN_OR_RETURN(exchange::CsvExport file,
                             exchange::CsvExport::Start(records, p, {.object = d.object, .filter = d.filter, .sort = d.sort,
                                                                     .fields = d.columns,
                                                                     .header = labels ? exchange::ExportHeader::kLabels
                                                                                      : exchange::ExportHeader::kNames}));
    r.body_source = [file = std::make_shared<exchange::CsvExport>(std::move(file))] { return file->Next(); };
    return r;
  }
  // A grouped report's file holds its rows, as many as its limit allows.
  if (result.sections.front().truncated) r.headers.emplace_back("Rapport-Truncated", "true");
  r.body = reports::ReportCsv(result, labels);
  return r;
}

// {"stage": "won", "close_date": "2026-03", "company.industry": null}: a group's keys.
Result<std::vector<std::pair<std::string, records::FieldValue>>> DrillKeys(const json::object& o) {
  auto it = o.find("keys");
  if (it == o.end() || !it->value().is_object()) {
    return Fail(Error(ErrorCode::kValidationFailed, "`keys` is required.")
                    .WithField("keys", "required", "The group's keys by name, as the report's rows give them."));
  }
  std::vector<std::pair<std::string, records::FieldValue>> keys;
  for (const auto& [name, value] : it->value().get_object()) {
    records::FieldValue key;
    if (value.is_string()) {
      key = std::string(value.get_string());
    } else if (value.is_int64()) {
      key = value.get_int64();
    } else if (value.is_bool()) {
      key = value.get_bool();
    } else if (value.is_double()) {
      auto decimal = Decimal::FromDouble(value.get_double());
      if (!decimal) return Fail(BadMember("keys", fmt::format("`{}`: at most 4 decimals.", std::string_view(name))));
      key = *decimal;
    } else if (!value.is_null()) {
      return Fail(BadMember("keys", fmt::format("`{}`: a key is a string, a number, true, false or null.", std::string_view(name))));
    }
    keys.emplace_back(std::string(name), std::move(key));
  }
  return keys;
}

json::object DrillJson(const reports::DrillDown& drill) {
  return json::object{{"object", drill.object}, {"filter", drill.filter}};
}

json::object DashboardJson(const reports::Dashboard& d) {
  return json::object{{"id", d.id},
                      {"name", d.name},
                      {"description", d.description},
                      {"widgets", reports::WidgetsToJson(d.widgets)},
                      {"filters", reports::FiltersToJson(d.filters)},
                      {"shared", d.shared},
                      {"owner_id", d.owner_id},
                      {"created_at", d.created_at},
                      {"updated_at", d.updated_at}};
}

Result<reports::DashboardChanges> ParseDashboardChanges(const json::object& o) {
  reports::DashboardChanges changes;
  RAPPORT_ASSIGN_OR_RETURN(changes.name, StringIfPresent(o, "name"));
  RAPPORT_ASSIGN_OR_RETURN(changes.description, StringIfPresent(o, "description"));
  RAPPORT_ASSIGN_OR_RETURN(changes.shared, OptionalBool(o, "shared"));
  if (auto it = o.find("widgets"); it != o.end() && !it->value().is_null()) {
    RAPPORT_ASSIGN_OR_RETURN(changes.widgets, reports::WidgetsFromJson(it->value()));
  }
  if (auto it = o.find("filters"); it != o.end()) {
    RAPPORT_ASSIGN_OR_RETURN(changes.filters, reports::FiltersFromJson(it->value()));
  }
  return changes;
}

json::value DayRangeJson(const std::optional<DayRange>& days) {
  if (!days) return nullptr;
  return json::object{{"from", FormatDate(days->first)}, {"to", FormatDate(days->end - 1)}};
}

json::object KpiInfoJson(const reports::KpiInfo& info) {
  return {{"key", info.key},          {"label", info.label},   {"unit", reports::KpiUnitName(info.unit)},
          {"formula", info.formula},  {"object", info.object}, {"higher_is_better", info.higher_is_better}};
}

// Figures as decimal strings (exact, like money amounts), each with its currency or
// its stage step if any.
json::array KpiFiguresJson(const std::vector<reports::KpiFigure>& figures) {
  json::array out;
  for (const auto& f : figures) {
    json::object o{{"value", f.value ? json::value(f.value->ToString()) : json::value(nullptr)}};
    if (!f.currency.empty()) o["currency"] = f.currency;
    if (!f.step.empty()) o["step"] = f.step;
    out.push_back(std::move(o));
  }
  return out;
}

json::object KpiValueJson(const reports::KpiValue& v) {
  json::object inputs;
  for (const auto& [name, figures] : v.inputs) inputs[name] = KpiFiguresJson(figures);
  return {{"figures", KpiFiguresJson(v.figures)}, {"inputs", std::move(inputs)}};
}

json::object KpiResultJson(const reports::KpiResult& r, bool by_owner) {
  json::object out = KpiInfoJson(*r.info);
  out["period"] = DayRangeJson(r.period);
  out["previous_period"] = DayRangeJson(r.previous_period);
  out["value"] = KpiValueJson(r.value);
  // No trend for a KPI of what stands now (the open pipeline): it was not recorded then.
  out["previous"] = r.previous.figures.empty() && r.previous.inputs.empty() ? json::value(nullptr)
                                                                             : json::value(KpiValueJson(r.previous));
  if (by_owner) {
    json::array owners;
    for (const auto& line : r.by_owner) {
      json::object o = KpiValueJson(line.value);
      o["owner_id"] = line.owner_id.empty() ? json::value(nullptr) : json::value(line.owner_id);
      owners.push_back(std::move(o));
    }
    out["by_owner"] = std::move(owners);
  }
  return out;
}

json::object DashboardRunJson(const reports::DashboardRun& run) {
  json::array widgets;
  for (const auto& w : run.widgets) {
    json::object out{{"widget", reports::WidgetsToJson({w.widget}).at(0)}, {"object", w.object}, {"filter", w.filter}};
    out["result"] = w.result ? json::value(ResultJson(*w.result)) : json::value(nullptr);
    out["previous"] = w.previous ? json::value(ResultJson(*w.previous)) : json::value(nullptr);
    out["kpi"] = w.kpi ? json::value(KpiResultJson(*w.kpi, false)) : json::value(nullptr);
    out["error"] = w.error ? json::value(json::object{{"status", HttpStatusFor(w.error->code())},
                                                      {"detail", w.error->detail()}})
                           : json::value(nullptr);
    widgets.push_back(std::move(out));
  }
  return json::object{{"dashboard", DashboardJson(run.dashboard)},
                      {"filters", reports::FiltersToJson(run.filters)},
                      {"period", DayRangeJson(run.period)},
                      {"previous_period", DayRangeJson(run.previous_period)},
                      {"widgets", std::move(widgets)}};
}

}  // namespace

void AddReportRoutes(Router& router, const ApiServices& services) {
  reports::ReportEngine& engine = services.reports;
  reports::SavedReports& saved = services.saved_reports;
  reports::Dashboards& dashboards = services.dashboards;
  records::RecordService& records = services.records;
  workspace::WorkspaceSettingsStore& workspace = services.workspace;
  reports::Kpis& kpis = services.kpis;
  router.Add("GET", "/api/v1/kpis", "", Authed(services, [](Request& req, const Principal&) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    json::array data, periods;
    for (const auto& info : reports::KpiCatalogue()) data.push_back(KpiInfoJson(info));
    for (std::string_view name : reports::PeriodNames()) periods.emplace_back(name);
    return JsonReply(200, json::object{{"data", std::move(data)}, {"periods", std::move(periods)}});
  }));
  // One KPI as the caller sees it: ?period=&owner=&team=&pipeline=&by=owner&convert=true.
  router.Add("GET", "/api/v1/kpis/{key}", "", Authed(services, [&kpis](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"period", "owner", "team", "pipeline", "by", "convert"}));
    reports::KpiParameters parameters;
    if (auto period = req.QueryParam("period")) parameters.period = std::string(*period);
    parameters.owner = std::string(req.QueryParam("owner").value_or(""));
    parameters.team = std::string(req.QueryParam("team").value_or(""));
    parameters.pipeline = std::string(req.QueryParam("pipeline").value_or(""));
    if (auto by = req.QueryParam("by")) {
      if (*by != "owner") return Fail(InvalidField("by", "Only `owner`: the KPI of each owner as well."));
      parameters.by_owner = true;
    }
    if (auto convert = req.QueryParam("convert")) { RAPPORT_ASSIGN_OR_RETURN(parameters.convert, ParseBool("convert", *convert)); }
    RAPPORT_ASSIGN_OR_RETURN(auto result, kpis.Compute(p, req.Param("key"), parameters));
    return JsonReply(200, KpiResultJson(result, parameters.by_owner));
  }));
  router.Add("POST", "/api/v1/reports/run", "", Authed(services, [&engine, &records](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"format", "header", "cursor"}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"type", "object", "filter", "columns", "group_by", "across",
                                                              "aggregates", "sort", "limit", "convert", "rate_date"}));
    RAPPORT_ASSIGN_OR_RETURN(ReportDefinition definition, reports::DefinitionFromJson(o));
    return RunReport(engine, records, req, p, std::move(definition));
  }));
  // The records behind one group, as a list filter: the web app opens the list with it.
  router.Add("POST", "/api/v1/reports/drilldown", "", Authed(services, [&engine](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"definition", "keys"}));
    auto it = o.find("definition");
    if (it == o.end() || !it->value().is_object()) {
      return Fail(Error(ErrorCode::kValidationFailed, "`definition` is required.")
                      .WithField("definition", "required", "The report's definition."));
    }
    auto definition = reports::DefinitionFromJson(it->value().get_object());
    if (!definition) return Fail(reports::NestedUnder(definition.error(), "definition"));
    RAPPORT_ASSIGN_OR_RETURN(auto keys, DrillKeys(o));
    RAPPORT_ASSIGN_OR_RETURN(auto drill, engine.Drill(p, *definition, keys));
    return JsonReply(200, DrillJson(drill));
  }));
  router.Add("POST", "/api/v1/reports/{id}/drilldown", "", Authed(services, [&engine, &saved](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"keys"}));
    RAPPORT_ASSIGN_OR_RETURN(auto keys, DrillKeys(o));
    RAPPORT_ASSIGN_OR_RETURN(auto report, saved.Get(p, std::string(req.Param("id"))));
    RAPPORT_ASSIGN_OR_RETURN(auto drill, engine.Drill(p, report.definition, keys));
    return JsonReply(200, DrillJson(drill));
  }));
  router.Add("GET", "/api/v1/reports", "", Authed(services, [&saved](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"object"}));
    RAPPORT_ASSIGN_OR_RETURN(auto list, saved.List(p, std::string(req.QueryParam("object").value_or(""))));
    json::array data;
    for (const auto& r : list) data.push_back(SavedReportJson(r));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/reports", "", Authed(services, [&saved](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"name", "description", "definition", "chart", "shared"}));
    if (!o.contains("definition")) {
      return Fail(Error(ErrorCode::kValidationFailed, "`definition` is required.")
                      .WithField("definition", "required", "The report's definition: object, groupings, aggregates..."));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto changes, ParseSavedChanges(o));
    reports::SavedReport report{.name = changes.name.value_or(""),
                                .description = changes.description.value_or(""),
                                .definition = std::move(*changes.definition),
                                .chart = changes.chart.value_or(reports::ChartType::kTable),
                                .shared = changes.shared.value_or(false)};
    RAPPORT_ASSIGN_OR_RETURN(report, saved.Create(p, std::move(report)));
    Response r = JsonReply(201, SavedReportJson(report));
    r.headers.emplace_back("Location", "/api/v1/reports/" + report.id);
    return r;
  }));
  router.Add("GET", "/api/v1/reports/{id}", "", Authed(services, [&saved](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto report, saved.Get(p, std::string(req.Param("id"))));
    return JsonReply(200, SavedReportJson(report));
  }));
  router.Add("PATCH", "/api/v1/reports/{id}", "", Authed(services, [&saved](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"name", "description", "definition", "chart", "shared"}));
    RAPPORT_ASSIGN_OR_RETURN(auto changes, ParseSavedChanges(o));
    RAPPORT_ASSIGN_OR_RETURN(auto report, saved.Update(p, std::string(req.Param("id")), changes));
    return JsonReply(200, SavedReportJson(report));
  }));
  router.Add("DELETE", "/api/v1/reports/{id}", "", Authed(services, [&saved](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_TRY(saved.Delete(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));
  // A saved report's figures, run as the caller: their permissions, their totals.
  router.Add("GET", "/api/v1/reports/{id}/results", "", Authed(services, [&saved, &engine, &records](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"format", "header", "cursor"}));
    RAPPORT_ASSIGN_OR_RETURN(auto report, saved.Get(p, std::string(req.Param("id"))));
    return RunReport(engine, records, req, p, std::move(report.definition));
  }));
  router.Add("GET", "/api/v1/dashboards", "", Authed(services, [&dashboards](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto list, dashboards.List(p));
    json::array data;
    for (const auto& d : list) data.push_back(DashboardJson(d));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/dashboards", "", Authed(services, [&dashboards](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"name", "description", "widgets", "filters", "shared"}));
    RAPPORT_ASSIGN_OR_RETURN(auto changes, ParseDashboardChanges(o));
    reports::Dashboard d{.name = changes.name.value_or(""),
                         .description = changes.description.value_or(""),
                         .widgets = changes.widgets.value_or(std::vector<reports::DashboardWidget>{}),
                         .filters = changes.filters.value_or(reports::DashboardFilters{}),
                         .shared = changes.shared.value_or(false)};
    RAPPORT_ASSIGN_OR_RETURN(d, dashboards.Create(p, std::move(d)));
    Response r = JsonReply(201, DashboardJson(d));
    r.headers.emplace_back("Location", "/api/v1/dashboards/" + d.id);
    return r;
  }));
  router.Add("GET", "/api/v1/dashboards/{id}", "", Authed(services, [&dashboards](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto d, dashboards.Get(p, std::string(req.Param("id"))));
    return JsonReply(200, DashboardJson(d));
  }));
  router.Add("PATCH", "/api/v1/dashboards/{id}", "", Authed(services, [&dashboards](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"name", "description", "widgets", "filters", "shared"}));
    RAPPORT_ASSIGN_OR_RETURN(auto changes, ParseDashboardChanges(o));
    RAPPORT_ASSIGN_OR_RETURN(auto d, dashboards.Update(p, std::string(req.Param("id")), changes));
    return JsonReply(200, DashboardJson(d));
  }));
  router.Add("DELETE", "/api/v1/dashboards/{id}", "", Authed(services, [&dashboards](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_TRY(dashboards.Delete(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));
  // Every widget run as the caller, under the dashboard's filters or those asked for
  // (?period=&owner=&team=; any one given replaces the dashboard's three).
  router.Add("GET", "/api/v1/dashboards/{id}/results", "", Authed(services, [&dashboards](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"period", "owner", "team"}));
    std::optional<reports::DashboardFilters> filters;
    auto period = req.QueryParam("period"), owner = req.QueryParam("owner"), team = req.QueryParam("team");
    if (period || owner || team) {
      filters = reports::DashboardFilters{std::string(period.value_or("")), std::string(owner.value_or("")),
                                          std::string(team.value_or(""))};
      if (!filters->period.empty() && !reports::IsPeriod(filters->period)) {
        return Fail(InvalidField("period", "today, this_week, last_week, this_month, last_month, this_quarter, "
                                           "last_quarter, this_year, last_year or last_N_days (7, 30, 90, 365)."));
      }
    }
    RAPPORT_ASSIGN_OR_RETURN(auto run, dashboards.Run(p, std::string(req.Param("id")), filters));
    return JsonReply(200, DashboardRunJson(run));
  }));
  router.Add("GET", "/api/v1/settings/workspace", "", Authed(services, [&workspace](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto settings, workspace.Get(p.tenant_id));
    return JsonReply(200, SettingsJson(settings));
  }));
  router.Add("PATCH", "/api/v1/settings/workspace", "", Authed(services, [&workspace](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"time_zone", "fiscal_year_start", "currency"}));
    workspace::WorkspaceSettingsChanges changes;
    if (auto it = o.find("time_zone"); it != o.end()) {
      if (!it->value().is_string()) return Fail(BadMember("time_zone", "An IANA time zone name, such as Europe/Paris."));
      changes.time_zone = std::string(it->value().get_string());
    }
    if (auto it = o.find("fiscal_year_start"); it != o.end()) {
      if (!it->value().is_int64()) return Fail(BadMember("fiscal_year_start", "A month, 1 to 12."));
      changes.fiscal_year_start = static_cast<int>(std::clamp<int64_t>(it->value().get_int64(), 0, 13));
    }
    RAPPORT_ASSIGN_OR_RETURN(changes.currency, StringIfPresent(o, "currency"));
    RAPPORT_ASSIGN_OR_RETURN(auto settings, workspace.Update(p, changes));
    return JsonReply(200, SettingsJson(settings));
  }));
  // Exchange rates into the workspace's currency, by currency and first day.
  workspace::ExchangeRateStore& rates = services.exchange_rates;
  router.Add("GET", "/api/v1/settings/exchange-rates", "", Authed(services, [&workspace, &rates](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto settings, workspace.Get(p.tenant_id));
    RAPPORT_ASSIGN_OR_RETURN(auto list, rates.List(p.tenant_id));
    json::array data;
    for (const auto& rate : list) data.push_back(ExchangeRateJson(rate));
    return JsonReply(200, json::object{{"currency", settings.currency}, {"data", std::move(data)}});
  }));
  router.Add("PUT", "/api/v1/settings/exchange-rates/{currency}/{valid_from}", "", Authed(services, [&rates](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"rate"}));
    auto it = o.find("rate");
    if (it == o.end() || !it->value().is_string()) {
      return Fail(BadMember("rate", "The rate as a decimal string, such as \"1.0825\": one unit of the currency in the workspace's."));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto rate, rates.Set(p, std::string(req.Param("currency")), std::string(req.Param("valid_from")),
                                                   std::string(it->value().get_string())));
    return JsonReply(200, ExchangeRateJson(rate));
  }));
  router.Add("DELETE", "/api/v1/settings/exchange-rates/{currency}/{valid_from}", "", Authed(services, [&rates](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_TRY(rates.Delete(p, std::string(req.Param("currency")), std::string(req.Param("valid_from"))));
    return Response::NoContent();
  }));
}

}  // namespace rapport::http::api
