// Runs report definitions through the record engine: every figure is an Aggregate
// or a List, so object, field and record permissions apply to reports exactly as to
// lists (a rep's totals count their records, a manager's their team's). Date buckets
// follow the workspace's time zone and fiscal year.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/drilldown.h"
#include "reports/report.h"
#include "workspace/workspace_settings.h"

namespace rapport::reports {

// A column of the result, for whoever lays it out (the web app, a CSV header).
struct ReportColumn {
  enum class Kind { kField, kGroup, kAggregate };
  Kind kind = Kind::kField;
  std::string name;   // the key of its values in each row
  std::string label;  // "Close date (month)", "Sum of Amount"
  std::string type;   // the field type of its values: "currency", "integer", "text"...
};

// A block of a grouped result: the groups by some of the report's groupings.
struct ReportSection {
  std::vector<records::Grouping> keys;      // which groupings the rows' keys are, in order
  std::vector<records::AggregateRow> rows;  // in key order (or the report's sort)
  bool truncated = false;                   // more groups than the limit
};

struct ReportResult {
  ReportDefinition definition;  // as run: defaults filled in
  std::vector<ReportColumn> columns;
  // Tabular: the records, and where the next page starts.
  std::vector<records::Record> records;
  std::optional<std::string> next_cursor;
  // Summary: sections[0] has every grouping, then one level fewer each, down to the
  // grand total (no keys). Matrix: the cells, the row totals, the column totals, the
  // grand total.
  std::vector<ReportSection> sections;
};

class ReportEngine {
 public:
  ReportEngine(records::RecordService& records, workspace::WorkspaceSettingsStore& settings);

  struct RunOptions {
    std::string cursor;       // pages a tabular report
    bool for_export = false;  // the result leaves as a file: needs the export permission
    // Only check the definition, as the record engine would run it, reading no group
    // (a tabular report's first row at most): what saving a report and drilling into
    // one need, in the same time on a million records as on ten. The result then has
    // its columns and no figures.
    bool check_only = false;
  };
  // Errors name the definition's member at fault.
  Result<ReportResult> Run(const security::Principal& principal, ReportDefinition definition,
                           const RunOptions& options);

  // Several reports at once (a dashboard's widgets), each as Run gives it, in the order
  // given: their aggregates run together (records::RecordService::AggregateMany), so
  // reports over the same records under the same filter share one scan.
  std::vector<Result<ReportResult>> RunMany(const security::Principal& principal,
                                            std::vector<ReportDefinition> definitions);

  // The records behind one group of the report, as a list filter (reports/drilldown.h),
  // for `principal`, whose list then holds exactly what the group counted for them.
  Result<DrillDown> Drill(const security::Principal& principal, const ReportDefinition& definition,
                          const std::vector<std::pair<std::string, records::FieldValue>>& keys);

 private:
  Result<std::vector<ReportColumn>> Columns(const security::Principal& principal, const ReportDefinition& definition);
  // Run's first half: a tabular report whole (nothing returned), or a grouped report's
  // columns and the aggregate query that gives its figures.
  Result<std::optional<records::AggregateQuery>> Prepare(const security::Principal& principal, ReportDefinition& definition,
                                                        const RunOptions& options, ReportResult& result);

  records::RecordService& records_;
  workspace::WorkspaceSettingsStore& settings_;
};

}  // namespace rapport::reports
