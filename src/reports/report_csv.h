// A report's result as CSV (RFC 4180, exchange/csv.h): one line per record of a
// tabular report's page, per group of a summary's deepest level, per cell of a
// matrix. A currency aggregate gives its amount, and the group's currency in a
// `currency` column; a tabular report's currency field its amount and
// `<name>_currency`. (A tabular report's whole CSV, every page, is the list export,
// which the API streams instead.) Headers are the result's names, or with `labels` its labels behind a
// UTF-8 byte order mark (for spreadsheets).
#pragma once

#include <string>

#include "reports/report_engine.h"

namespace rapport::reports {

std::string ReportCsv(const ReportResult& result, bool labels);

}  // namespace rapport::reports
