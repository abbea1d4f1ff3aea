// A report's result as a file: CSV (RFC 4180, exchange/csv.h) or an .xlsx workbook
// (exchange/xlsx.h). Both lay the result out alike: one line per record of a tabular
// report, per group of a summary's deepest level, per cell of a matrix. A currency
// aggregate gives its amount, and the group's currency in a `currency` column; a
// tabular report's currency field its amount and `<name>_currency`. Headers are the
// result's names, or with `labels` its labels (a CSV then starts with a UTF-8 byte
// order mark, for spreadsheets).
#pragma once

#include <string>
#include <vector>

#include "exchange/xlsx.h"
#include "reports/report_engine.h"

namespace rapport::reports {

// The file's columns and their field types, and a row as their values.
std::vector<exchange::XlsxColumn> FileColumns(const ReportResult& result, bool labels);
std::vector<records::FieldValue> FileRow(const ReportResult& result, const records::Record& record);
std::vector<records::FieldValue> FileRow(const ReportResult& result, const records::AggregateRow& row);

// The result as run: a grouped report's rows, or a tabular report's page. (A tabular
// report's whole CSV, every page, is the list export, which the API streams instead.)
std::string ReportCsv(const ReportResult& result, bool labels);

struct ReportFile {
  std::string bytes;
  bool truncated = false;  // a grouped report had more groups than its limit
};
// The whole report as a workbook, run as `principal` with the export permission: a
// grouped report's rows, or every record of a tabular one, `page_rows` at a time.
Result<ReportFile> ReportXlsx(ReportEngine& engine, const security::Principal& principal,
                              const ReportDefinition& definition, bool labels, int page_rows = kMaxTabularRows);
// A summary or matrix already run (with the export permission) as a workbook.
Result<std::string> GroupedReportXlsx(const ReportResult& result, bool labels);

}  // namespace rapport::reports
