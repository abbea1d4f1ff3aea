// A report definition (docs/reports.md): which records, grouped how, measured how,
// laid out as a table of records, a summary with subtotals, or a matrix. Definitions
// are data: the API runs them ad hoc, saves them, and dashboards and schedules name
// them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "records/record_service.h"

namespace rapport::reports {

enum class ReportType {
  kTabular,  // the records themselves, one row each, with the chosen columns
  kSummary,  // groups of up to three levels, each level with its subtotals
  kMatrix,   // groups down (rows) and across (columns), with both margins' totals
};
std::string_view ReportTypeName(ReportType type);
std::optional<ReportType> ParseReportType(std::string_view name);

inline constexpr size_t kMaxMatrixAcross = 2;
inline constexpr int kMaxTabularRows = 500;

struct ReportDefinition {
  ReportType type = ReportType::kSummary;
  std::string object;
  std::string filter;                        // expression language; empty: every record
  std::vector<std::string> columns;          // tabular: the fields of each row
  std::vector<records::Grouping> group_by;   // summary: the levels; matrix: the rows
  std::vector<records::Grouping> across;     // matrix: the columns
  std::vector<records::Measure> aggregates;  // summary and matrix; none: count
  // Tabular: "-amount,name". Summary: a grouping or aggregate name, "-" for
  // descending ("-sum(amount)"), which with `limit` makes a top N.
  std::string sort;
  int limit = 0;  // tabular: rows (default 100); summary and matrix: groups (default 1000)
  // Summary and matrix: money in the workspace's currency, converted at each record's
  // rate (records::AggregateQuery::convert), rather than apart per currency.
  std::optional<records::AggregateQuery::Conversion> convert;
};

// The name a result gives a grouping: its field's, or with the same field grouped
// twice (by year, then month), "close_date:month".
std::string KeyName(const ReportDefinition& definition, const records::Grouping& grouping);
// The name a result gives an aggregate: "count", "sum(amount)".
std::string AggregateName(const records::Measure& measure);

}  // namespace rapport::reports
