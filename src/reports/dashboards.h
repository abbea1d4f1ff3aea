// Dashboards: a grid of widgets, each a saved report drawn as a chart, with filters
// every widget obeys (a period, an owner, a team). Like saved reports they are
// personal or shared with the workspace, and they run as whoever opens them: each
// widget is its report run under the viewer's permissions, with the dashboard's
// filters added to the report's own. A widget whose report the viewer may not run
// shows why instead of failing the whole dashboard. A new workspace gets a sales
// dashboard (CreateDefaults).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/error.h"
#include "core/time.h"
#include "reports/kpis.h"
#include "reports/periods.h"
#include "reports/report_engine.h"
#include "reports/saved_reports.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::reports {

inline constexpr int kDashboardColumns = 12;  // the grid's width
inline constexpr size_t kMaxWidgets = 24;

struct DashboardWidget {
  std::string id;
  std::string report_id;            // a saved report; or
  std::string kpi;                  // a KPI of the catalogue (reports/kpis.h), under the filters
  std::string title;                // empty: the report's name
  std::optional<ChartType> chart;   // nothing: the report's own
  int x = 0, y = 0, w = 6, h = 4;   // in grid cells, x + w <= kDashboardColumns
  // The date or datetime field the dashboard's period filters; empty: the report's
  // first bucketed grouping's field, else the period does not apply to this widget.
  std::string date_field;
};

// Filters every widget obeys. Empty members filter nothing.
struct DashboardFilters {
  std::string period;  // a period's name (reports/periods.h)
  std::string owner;   // "me" or a user's id: records they own
  std::string team;    // a team's id: records owned by its members
};

struct Dashboard {
  std::string id;
  std::string name;
  std::string description;
  std::vector<DashboardWidget> widgets;
  DashboardFilters filters;  // the defaults a viewer starts from
  bool shared = false;
  std::string owner_id;
  std::string created_at;
  std::string updated_at;
};

struct DashboardChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<DashboardWidget>> widgets;
  std::optional<DashboardFilters> filters;
  std::optional<bool> shared;
};

// One widget as run: its report's result under the filters, or why it could not run.
struct WidgetResult {
  DashboardWidget widget;  // title and chart filled in from the report
  std::string object;
  std::string filter;       // the filter it ran with: the report's and the dashboard's
  std::optional<ReportResult> result;
  // A KPI tile with a period: the same report over the period before, for the trend.
  std::optional<ReportResult> previous;
  // A KPI widget: the KPI over the dashboard's period (this quarter when it has none),
  // owner and team, with the period before.
  std::optional<KpiResult> kpi;
  std::optional<Error> error;
};

struct DashboardRun {
  Dashboard dashboard;
  DashboardFilters filters;  // as applied
  std::optional<DayRange> period;       // the period's days, when one applies
  std::optional<DayRange> previous_period;
  std::vector<WidgetResult> widgets;
};

class Dashboards {
 public:
  Dashboards(storage::Database& db, ReportEngine& engine, SavedReports& reports, records::RecordService& records,
             workspace::WorkspaceSettingsStore& settings, Kpis& kpis, const Clock& clock = SystemClock::Instance());

  Result<std::vector<Dashboard>> List(const security::Principal& principal);
  Result<Dashboard> Get(const security::Principal& principal, const std::string& id);
  Result<Dashboard> Create(const security::Principal& principal, Dashboard dashboard);
  Result<Dashboard> Update(const security::Principal& principal, const std::string& id, const DashboardChanges& changes);
  Status Delete(const security::Principal& principal, const std::string& id);

  // Runs every widget as `principal`, under `filters` (nothing: the dashboard's own).
  Result<DashboardRun> Run(const security::Principal& principal, const std::string& id,
                           const std::optional<DashboardFilters>& filters);

  // The reports and the shared "Sales" dashboard a new workspace starts with, owned by
  // `admin`. Does nothing if the workspace has dashboards already.
  Status CreateDefaults(const security::Principal& admin);

 private:
  // `checked`: widgets (report id and date field) already checked when saved before.
  Status Check(const security::Principal& principal, const Dashboard& dashboard, const std::set<std::string>& checked);
  Result<Dashboard> Find(const security::Principal& principal, const std::string& id);
  // New widgets get an id (the web app keeps a widget's place by it).
  void NameWidgets(Dashboard& dashboard);
  // A widget ready to run: a KPI's computed, a report's definitions (its own, then the
  // period before's for a KPI tile) left to run with the other widgets'.
  struct PlannedWidget;
  Result<PlannedWidget> PlanWidget(const security::Principal& principal, const DashboardWidget& widget,
                                   const DashboardFilters& filters, const std::optional<DayRange>& period,
                                   const std::optional<DayRange>& previous, const workspace::WorkspaceSettings& calendar);

  storage::Database& db_;
  ReportEngine& engine_;
  SavedReports& reports_;
  records::RecordService& records_;
  workspace::WorkspaceSettingsStore& settings_;
  Kpis& kpis_;
  const Clock& clock_;
};

}  // namespace rapport::reports
