// A report's result as CSV (RFC 4180, exchange/csv.h): one line per record of a
// tabular report, per group of a summary's deepest level, per cell of a matrix. A
// currency aggregate gives its amount, and the group's currency in a `currency`
// column. Headers are the result's names, or with `labels` its labels behind a
// UTF-8 byte order mark (for spreadsheets).
#pragma once

#include <string>

#include "reports/report_engine.h"

namespace rapport::reports {

std::string ReportCsv(const ReportResult& result, bool labels);

}  // namespace rapport::reports
