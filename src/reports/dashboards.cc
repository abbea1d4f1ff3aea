#include "reports/dashboards.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/id.h"
#include "core/strings.h"
#include "reports/drilldown.h"
#include "reports/report_json.h"
#include "storage/owned_rows.h"

namespace rapport::reports {

namespace {

namespace json = boost::json;
using storage::Connection;
using storage::IntOf;
using storage::TextOf;
using storage::Value;

constexpr size_t kMaxName = 100;
constexpr size_t kMaxDescription = 1000;
constexpr std::string_view kColumns = "id, name, description, widgets, filters, shared, owner_id, created_at, updated_at";

Error NotFound(std::string_view id) { return Error(ErrorCode::kNotFound, fmt::format("No dashboard with id `{}`.", id)); }

Error Changed() {
  return Error(ErrorCode::kFailedPrecondition, "The dashboard changed while you were saving; load it again and retry.");
}

Result<json::value> ParseStored(std::string_view text, std::string_view what, const std::string& id) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return Fail(Error(ErrorCode::kInternal, "A dashboard is unreadable.")
                    .WithInternal(fmt::format("dashboards {} {}: {}", id, what, ec.message())));
  }
  return v;
}

Result<Dashboard> FromRow(const std::vector<Value>& row) {
  Dashboard d;
  d.id = TextOf(row[0]);
  d.name = TextOf(row[1]);
  d.description = TextOf(row[2]);
  RAPPORT_ASSIGN_OR_RETURN(json::value widgets, ParseStored(TextOf(row[3]), "widgets", d.id));
  RAPPORT_ASSIGN_OR_RETURN(d.widgets, WidgetsFromJson(widgets));
  RAPPORT_ASSIGN_OR_RETURN(json::value filters, ParseStored(TextOf(row[4]), "filters", d.id));
  RAPPORT_ASSIGN_OR_RETURN(d.filters, FiltersFromJson(filters));
  d.shared = IntOf(row[5]) != 0;
  d.owner_id = TextOf(row[6]);
  d.created_at = TextOf(row[7]);
  d.updated_at = TextOf(row[8]);
  return d;
}

}  // namespace

Dashboards::Dashboards(storage::Database& db, ReportEngine& engine, SavedReports& reports,
                       records::RecordService& records, workspace::WorkspaceSettingsStore& settings, Kpis& kpis,
                       const Clock& clock)
    : db_(db),
      engine_(engine),
      reports_(reports),
      records_(records),
      settings_(settings),
      kpis_(kpis),
      clock_(clock) {}

Result<std::vector<Dashboard>> Dashboards::List(const security::Principal& p) {
  return storage::SelectOwnedRows(db_, storage::OwnedRowsReader{p.tenant_id, p.user_id},
                                  {.table = "dashboards", .columns = kColumns}, FromRow);
}

Result<Dashboard> Dashboards::Find(const security::Principal& p, const std::string& id) {
  RAPPORT_ASSIGN_OR_RETURN(std::optional<Dashboard> found,
                           storage::FindOwnedRow(db_, storage::OwnedRowsReader{p.tenant_id, p.user_id}, "dashboards",
                                                 kColumns, id, FromRow));
  if (!found) return Fail(NotFound(id));
  return std::move(*found);
}

Result<Dashboard> Dashboards::Get(const security::Principal& p, const std::string& id) { return Find(p, id); }

// The layout holds together and every widget names a report its author may open. (A
// viewer without access to one of them sees that widget's error, not the others'.)
Status Dashboards::Check(const security::Principal& p, const Dashboard& d, const std::set<std::string>& checked) {
  if (IsBlank(d.name) || d.name.size() > kMaxName) {
    return Fail(InvalidField("name", fmt::format("Give the dashboard a name (at most {} characters).", kMaxName)));
  }
  if (d.description.size() > kMaxDescription) {
    return Fail(InvalidField("description", fmt::format("At most {} characters.", kMaxDescription)));
  }
  if (d.widgets.size() > kMaxWidgets) return Fail(InvalidField("widgets", fmt::format("At most {} widgets.", kMaxWidgets)));
  std::set<std::string> ids;
  for (size_t i = 0; i < d.widgets.size(); ++i) {
    const DashboardWidget& w = d.widgets[i];
    const std::string where = fmt::format("widgets[{}]", i);
    if (w.x < 0 || w.y < 0 || w.w < 1 || w.h < 1 || w.x + w.w > kDashboardColumns || w.h > 24) {
      return Fail(InvalidField(where, fmt::format("A widget sits on the {}-column grid: x >= 0, w >= 1, x + w <= {}, "
                                                  "y >= 0, 1 <= h <= 24.",
                                                  kDashboardColumns, kDashboardColumns)));
    }
    if (!ids.insert(w.id).second) return Fail(InvalidField(where + ".id", "Two widgets have this id."));
    if (!w.kpi.empty()) {
      if (!FindKpi(w.kpi)) {
        return Fail(InvalidField(where + ".kpi", fmt::format("No KPI `{}`; GET /api/v1/kpis lists them.", w.kpi)));
      }
      continue;
    }
    // A widget kept as it was is not checked again: a report unshared since does not
    // stop its author from renaming the dashboard (the widget shows why it is empty).
    if (checked.contains(w.report_id + "\n" + w.date_field)) continue;
    auto report = reports_.Get(p, w.report_id);
    if (!report) {
      return Fail(Error(report.error().code(), report.error().detail())
                      .WithField(where + ".report_id", "not_found", std::string(report.error().detail())));
    }
    if (!w.date_field.empty()) {
      RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records_.Metadata(p));
      const metadata::ObjectDef* object = snapshot->FindObject(report->definition.object);
      const metadata::FieldDef* f = object ? ReportField(*snapshot, *object, w.date_field) : nullptr;
      if (!f || (f->type != metadata::FieldType::kDate && f->type != metadata::FieldType::kDatetime)) {
        return Fail(InvalidField(where + ".date_field", fmt::format("`{}` is not a date or datetime field of `{}`.",
                                                                    w.date_field, report->definition.object)));
      }
    }
  }
  return Ok();
}

void Dashboards::NameWidgets(Dashboard& d) {
  for (auto& w : d.widgets) {
    if (w.id.empty()) w.id = NewId(clock_);
  }
}

Result<Dashboard> Dashboards::Create(const security::Principal& p, Dashboard d) {
  RAPPORT_TRY(security::CheckMayChangeSettings(p));
  NameWidgets(d);
  RAPPORT_TRY(Check(p, d, {}));
  d.id = NewId(clock_);
  d.owner_id = p.user_id;
  d.created_at = d.updated_at = FormatDatetime(clock_.Now());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id,
                                 d.id,
                                 d.name,
                                 d.description,
                                 json::serialize(WidgetsToJson(d.widgets)),
                                 json::serialize(FiltersToJson(d.filters)),
                                 int64_t{d.shared},
                                 d.owner_id,
                                 d.created_at,
                                 d.updated_at};
    RAPPORT_TRY(c.Execute("INSERT INTO dashboards (tenant_id, id, name, description, widgets, filters, shared, "
                          "owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          params));
    return Ok();
  }));
  return d;
}

Result<Dashboard> Dashboards::Update(const security::Principal& p, const std::string& id, const DashboardChanges& changes) {
  RAPPORT_ASSIGN_OR_RETURN(Dashboard d, Find(p, id));
  RAPPORT_TRY(security::CheckMayChangeOwned(p, d.owner_id, d.shared, "dashboard"));
  const bool was_shared = d.shared;
  std::set<std::string> kept;
  for (const auto& w : d.widgets) kept.insert(w.report_id + "\n" + w.date_field);
  if (changes.name) d.name = *changes.name;
  if (changes.description) d.description = *changes.description;
  if (changes.widgets) d.widgets = *changes.widgets;
  if (changes.filters) d.filters = *changes.filters;
  if (changes.shared) d.shared = *changes.shared;
  NameWidgets(d);
  RAPPORT_TRY(Check(p, d, kept));
  const std::string read_at = d.updated_at;
  d.updated_at = FormatDatetime(clock_.Now());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {d.name,
                                 d.description,
                                 json::serialize(WidgetsToJson(d.widgets)),
                                 json::serialize(FiltersToJson(d.filters)),
                                 int64_t{d.shared},
                                 d.updated_at,
                                 p.tenant_id,
                                 d.id,
                                 read_at,
                                 int64_t{was_shared}};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("UPDATE dashboards SET name = ?, description = ?, widgets = ?, "
                                                  "filters = ?, shared = ?, updated_at = ? WHERE tenant_id = ? AND "
                                                  "id = ? AND updated_at = ? AND shared = ?",
                                                  params));
    if (n != 1) return Fail(Changed());
    return Ok();
  }));
  return d;
}

Status Dashboards::Delete(const security::Principal& p, const std::string& id) {
  RAPPORT_ASSIGN_OR_RETURN(Dashboard d, Find(p, id));
  RAPPORT_TRY(security::CheckMayChangeOwned(p, d.owner_id, d.shared, "dashboard"));
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id, id, d.updated_at, int64_t{d.shared}};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM dashboards WHERE tenant_id = ? AND id = ? AND "
                                                  "updated_at = ? AND shared = ?",
                                                  params));
    if (n != 1) return Fail(Changed());
    return Ok();
  });
}

struct Dashboards::PlannedWidget {
  WidgetResult out;
  std::vector<ReportDefinition> runs;
};

Result<Dashboards::PlannedWidget> Dashboards::PlanWidget(const security::Principal& p, const DashboardWidget& widget,
                                                         const DashboardFilters& filters,
                                                         const std::optional<DayRange>& period,
                                                         const std::optional<DayRange>& previous,
                                                         const workspace::WorkspaceSettings& calendar) {
  PlannedWidget planned{.out = {.widget = widget}};
  WidgetResult& out = planned.out;
  if (!widget.kpi.empty()) {
    const KpiInfo* info = FindKpi(widget.kpi);
    if (!info) return Fail(ErrorCode::kNotFound, fmt::format("No KPI `{}`.", widget.kpi));
    if (out.widget.title.empty()) out.widget.title = std::string(info->label);
    out.widget.chart = ChartType::kKpi;
    out.object = std::string(info->object);
    KpiParameters parameters{.owner = filters.owner, .team = filters.team};
    if (!filters.period.empty()) parameters.period = filters.period;
    RAPPORT_ASSIGN_OR_RETURN(out.kpi, kpis_.Compute(p, widget.kpi, parameters));
    return planned;
  }
  RAPPORT_ASSIGN_OR_RETURN(SavedReport report, reports_.Get(p, widget.report_id));
  if (out.widget.title.empty()) out.widget.title = report.name;
  if (!out.widget.chart) out.widget.chart = report.chart;
  ReportDefinition d = report.definition;
  out.object = d.object;

  std::vector<std::string> added = OwnerConditions(filters.owner, filters.team);
  // The period filters the widget's date field: its own, or the report's first date
  // grouping's.
  std::string date_field = widget.date_field;
  for (const auto& g : d.group_by) {
    if (date_field.empty() && g.bucket) date_field = g.field;
  }
  bool datetime = false;
  if (period && !date_field.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records_.Metadata(p));
    RAPPORT_ASSIGN_OR_RETURN(const metadata::ObjectDef* object, snapshot->GetObject(d.object));
    const metadata::FieldDef* f = ReportField(*snapshot, *object, date_field);
    if (!f) return Fail(InvalidField("date_field", fmt::format("Unknown field `{}`.", date_field)));
    datetime = f->type == metadata::FieldType::kDatetime;
  }
  const std::string base = d.filter;
  auto with = [&](const std::optional<DayRange>& days) -> Result<std::string> {
    std::vector<std::string> parts;
    if (!base.empty()) parts.push_back(fmt::format("({})", base));
    parts.insert(parts.end(), added.begin(), added.end());
    if (days && !date_field.empty()) {
      RAPPORT_ASSIGN_OR_RETURN(std::string range, DayRangeCondition(date_field, datetime, *days, calendar.time_zone));
      parts.push_back(std::move(range));
    }
    std::string filter;
    for (const auto& part : parts) filter += (filter.empty() ? "" : " and ") + part;
    return filter;
  };
  RAPPORT_ASSIGN_OR_RETURN(d.filter, with(period));
  out.filter = d.filter;
  planned.runs.push_back(d);
  // A KPI tile compares its figure with the period before.
  if (out.widget.chart == ChartType::kKpi && previous && !date_field.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(d.filter, with(previous));
    planned.runs.push_back(std::move(d));
  }
  return planned;
}

Result<DashboardRun> Dashboards::Run(const security::Principal& p, const std::string& id,
                                     const std::optional<DashboardFilters>& filters) {
  RAPPORT_ASSIGN_OR_RETURN(Dashboard d, Find(p, id));
  DashboardRun run{.dashboard = d, .filters = filters.value_or(d.filters)};
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(p.tenant_id));
  if (!run.filters.period.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(Period period, Period::Resolve(run.filters.period, clock_.Now(), calendar));
    run.period = period.days();
    run.previous_period = period.Before(period.days());
  }
  // The reports of every widget run together, so that widgets over the same records
  // under the same filter share one scan, and the rest run side by side
  // (ReportEngine::RunMany). KPI widgets compute their own figures meanwhile.
  std::vector<WidgetResult> results(d.widgets.size());
  auto failed = [&](size_t i, const Error& error) { results[i] = WidgetResult{.widget = d.widgets[i], .error = error}; };
  auto plan = [&](size_t i) -> std::vector<ReportDefinition> {
    auto planned = PlanWidget(p, d.widgets[i], run.filters, run.period, run.previous_period, calendar);
    if (!planned) {
      failed(i, planned.error());
      return {};
    }
    results[i] = std::move(planned->out);
    return std::move(planned->runs);
  };
  std::vector<ReportDefinition> definitions;
  std::vector<size_t> widget_of;  // per definition
  std::vector<size_t> kpi_widgets;
  for (size_t i = 0; i < d.widgets.size(); ++i) {
    if (!d.widgets[i].kpi.empty()) {
      kpi_widgets.push_back(i);
      continue;
    }
    for (ReportDefinition& definition : plan(i)) {
      definitions.push_back(std::move(definition));
      widget_of.push_back(i);
    }
  }
  {
    std::jthread kpis;
    if (!kpi_widgets.empty()) {
      kpis = std::jthread([&] {
        for (size_t i : kpi_widgets) plan(i);
      });
    }
    std::vector<Result<ReportResult>> ran = engine_.RunMany(p, std::move(definitions));
    for (size_t k = 0; k < ran.size(); ++k) {
      const size_t i = widget_of[k];
      if (results[i].error) continue;
      if (!ran[k]) failed(i, ran[k].error());
      else if (!results[i].result) results[i].result = std::move(*ran[k]);
      else results[i].previous = std::move(*ran[k]);
    }
  }
  run.widgets = std::move(results);
  return run;
}

Status Dashboards::CreateDefaults(const security::Principal& admin) {
  RAPPORT_ASSIGN_OR_RETURN(auto existing, List(admin));
  if (!existing.empty()) return Ok();
  using records::AggregateFn;
  struct Default {
    const char* name;
    ChartType chart;
    ReportDefinition definition;
    int x, y, w, h;
  };
  const std::vector<Default> defaults = {
      {"Open pipeline", ChartType::kKpi,
       {.object = "opportunities", .filter = "stage not in (\"won\", \"lost\")", .group_by = {},
        .aggregates = {{AggregateFn::kSum, "amount"}, {AggregateFn::kCount, ""}}},
       0, 0, 3, 2},
      {"Won this period", ChartType::kKpi,
       {.object = "opportunities", .filter = "stage = \"won\"", .aggregates = {{AggregateFn::kSum, "amount"}}}, 3, 0, 3, 2},
      {"Average deal size (won)", ChartType::kKpi,
       {.object = "opportunities", .filter = "stage = \"won\"", .aggregates = {{AggregateFn::kAvg, "amount"}}}, 6, 0, 3, 2},
      {"Activities", ChartType::kKpi, {.object = "activities", .aggregates = {{AggregateFn::kCount, ""}}}, 9, 0, 3, 2},
      {"Pipeline by stage", ChartType::kFunnel,
       {.object = "opportunities", .filter = "stage != \"lost\"", .group_by = {{"stage", std::nullopt}},
        .aggregates = {{AggregateFn::kSum, "amount"}, {AggregateFn::kCount, ""}}},
       0, 2, 6, 4},
      {"Won by month", ChartType::kBar,
       {.object = "opportunities", .filter = "stage = \"won\"", .group_by = {{"close_date", DatePart::kMonth}},
        .aggregates = {{AggregateFn::kSum, "amount"}}},
       6, 2, 6, 4},
      {"Pipeline by owner", ChartType::kStackedBar,
       {.type = ReportType::kMatrix, .object = "opportunities", .filter = "stage not in (\"won\", \"lost\")",
        .group_by = {{"owner.name", std::nullopt}}, .across = {{"stage", std::nullopt}},
        .aggregates = {{AggregateFn::kSum, "amount"}}},
       0, 6, 6, 4},
      {"Top accounts by won amount", ChartType::kTable,
       {.object = "opportunities", .filter = "stage = \"won\"", .group_by = {{"company.name", std::nullopt}},
        .aggregates = {{AggregateFn::kSum, "amount"}}, .sort = "-sum(amount)", .limit = 10},
       6, 6, 6, 4},
  };
  Dashboard dashboard{.name = "Sales",
                      .description = "Pipeline, wins and activity: the starting dashboard of every workspace.",
                      .filters = {.period = "this_quarter"},
                      .shared = true};
  for (const Default& item : defaults) {
    // A KPI is a summary without groupings: its grand total.
    const ReportDefinition& definition = item.definition;
    RAPPORT_ASSIGN_OR_RETURN(SavedReport report,
                             reports_.Create(admin, {.name = item.name, .definition = definition, .chart = item.chart,
                                                     .shared = true}));
    DashboardWidget widget{.report_id = report.id, .x = item.x, .y = item.y, .w = item.w, .h = item.h};
    // KPI tiles over deals count the period by close date; activities by due date.
    if (item.chart == ChartType::kKpi) widget.date_field = definition.object == "activities" ? "due_at" : "close_date";
    if (std::string_view(item.name) == "Pipeline by stage" || std::string_view(item.name) == "Pipeline by owner" ||
        std::string_view(item.name) == "Top accounts by won amount") {
      widget.date_field = "close_date";
    }
    dashboard.widgets.push_back(std::move(widget));
  }
  RAPPORT_TRY(Create(admin, std::move(dashboard)));
  return Ok();
}

}  // namespace rapport::reports
