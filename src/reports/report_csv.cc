#include "reports/report_csv.h"

#include <algorithm>

#include "exchange/csv.h"

namespace rapport::reports {

std::string ReportCsv(const ReportResult& result, bool labels) {
  std::string out = labels ? "\xEF\xBB\xBF" : "";
  const bool grouped = result.definition.type != ReportType::kTabular;
  const ReportSection* rows = grouped && !result.sections.empty() ? &result.sections.front() : nullptr;
  const bool money = rows && std::any_of(rows->rows.begin(), rows->rows.end(),
                                         [](const records::AggregateRow& r) { return !r.currency.empty(); });
  // A tabular report's money field gives its amount and, beside it, its currency.
  auto is_money = [&](const ReportColumn& c) { return !grouped && c.type == "currency"; };
  bool first = true;
  for (const ReportColumn& column : result.columns) {
    exchange::AppendCsvCell(out, labels ? column.label : column.name, first);
    if (is_money(column)) exchange::AppendCsvCell(out, labels ? column.label + " currency" : column.name + "_currency", false);
    first = false;
  }
  if (money) exchange::AppendCsvCell(out, labels ? "Currency" : "currency", false);
  out += "\r\n";

  if (!grouped) {
    for (const records::Record& record : result.records) {
      first = true;
      for (const ReportColumn& column : result.columns) {
        const records::FieldValue* value = record.Find(column.name);
        exchange::AppendCsvCell(out, value ? exchange::CsvCellText(*value) : std::string(), first);
        if (is_money(column)) exchange::AppendCsvCell(out, value ? exchange::CsvCellText(*value, true) : std::string(), false);
        first = false;
      }
      out += "\r\n";
    }
    return out;
  }
  for (const records::AggregateRow& row : rows->rows) {
    first = true;
    for (const records::FieldValue& key : row.keys) {
      exchange::AppendCsvCell(out, exchange::CsvCellText(key), first);
      first = false;
    }
    for (const records::FieldValue& value : row.values) {
      exchange::AppendCsvCell(out, exchange::CsvCellText(value), first);
      first = false;
    }
    if (money) exchange::AppendCsvCell(out, row.currency, false);
    out += "\r\n";
  }
  return out;
}

}  // namespace rapport::reports
