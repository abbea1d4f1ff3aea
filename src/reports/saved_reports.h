// Saved reports: a named report definition with the chart it is drawn as, kept per
// user and optionally shared with the whole workspace. Dashboards and schedules name
// saved reports. A report is checked when saved by running it once as its author, so
// an unknown field, a bad filter or an object the author cannot read is refused with
// the engine's own error; opening it later runs it as the viewer, under the viewer's
// permissions (a rep and their manager see different totals of the same report).
//
// Who may do what, as for saved views: anyone lists their own reports and the shared
// ones of objects whose records they may read; only the author changes or deletes a
// report (administrators also shared ones); read-only and object-limited API tokens
// change none.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "reports/report.h"
#include "reports/report_engine.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::reports {

// How the web app and dashboards draw a report's rows.
enum class ChartType { kTable, kBar, kStackedBar, kLine, kFunnel, kPie, kDonut, kKpi };
std::string_view ChartTypeName(ChartType type);
std::optional<ChartType> ParseChartType(std::string_view name);

struct SavedReport {
  std::string id;
  std::string name;
  std::string description;
  ReportDefinition definition;
  ChartType chart = ChartType::kTable;
  bool shared = false;
  std::string owner_id;
  std::string created_at;
  std::string updated_at;
};

// What a PATCH may change; unset members stay as they are.
struct SavedReportChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<ReportDefinition> definition;
  std::optional<ChartType> chart;
  std::optional<bool> shared;
};

class SavedReports {
 public:
  SavedReports(storage::Database& db, ReportEngine& engine, records::RecordService& records,
               const Clock& clock = SystemClock::Instance());

  // The caller's reports and those others shared, by name; `object` narrows them to
  // one base object (empty: all).
  Result<std::vector<SavedReport>> List(const security::Principal& principal, const std::string& object = "");
  Result<SavedReport> Get(const security::Principal& principal, const std::string& id);
  // `report.id`, owner and times are set here.
  Result<SavedReport> Create(const security::Principal& principal, SavedReport report);
  Result<SavedReport> Update(const security::Principal& principal, const std::string& id,
                             const SavedReportChanges& changes);
  Status Delete(const security::Principal& principal, const std::string& id);

 private:
  Status Check(const security::Principal& principal, const SavedReport& report);
  // The caller's report or a shared one, whatever the object's permissions.
  Result<SavedReport> Find(const security::Principal& principal, const std::string& id);

  storage::Database& db_;
  ReportEngine& engine_;
  records::RecordService& records_;
  const Clock& clock_;
};

}  // namespace rapport::reports
