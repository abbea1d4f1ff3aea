#include "reports/report_files.h"

#include <algorithm>

#include "exchange/csv.h"

namespace rapport::reports {

namespace {

bool Grouped(const ReportResult& r) { return r.definition.type != ReportType::kTabular; }

// A grouped report with a currency aggregate says, per row, which currency it is in.
bool HasCurrency(const ReportResult& r) {
  if (!Grouped(r) || r.sections.empty()) return false;
  const auto& rows = r.sections.front().rows;
  return std::any_of(rows.begin(), rows.end(), [](const records::AggregateRow& row) { return !row.currency.empty(); });
}

// A tabular report's money field gives its amount and, beside it, its currency.
bool SplitsMoney(const ReportResult& r, const ReportColumn& c) { return !Grouped(r) && c.type == "currency"; }

}  // namespace

std::vector<exchange::XlsxColumn> FileColumns(const ReportResult& r, bool labels) {
  std::vector<exchange::XlsxColumn> out;
  for (const ReportColumn& c : r.columns) {
    out.push_back({labels ? c.label : c.name, c.type});
    if (SplitsMoney(r, c)) out.push_back({labels ? c.label + " currency" : c.name + "_currency", "text"});
  }
  if (HasCurrency(r)) out.push_back({labels ? "Currency" : "currency", "text"});
  return out;
}

std::vector<records::FieldValue> FileRow(const ReportResult& r, const records::Record& record) {
  std::vector<records::FieldValue> out;
  for (const ReportColumn& c : r.columns) {
    const records::FieldValue* value = record.Find(c.name);
    out.push_back(value ? *value : records::FieldValue{});
    if (SplitsMoney(r, c)) {
      const auto* money = value ? std::get_if<records::Money>(value) : nullptr;
      out.push_back(money ? records::FieldValue{money->currency} : records::FieldValue{});
    }
  }
  return out;
}

std::vector<records::FieldValue> FileRow(const ReportResult& r, const records::AggregateRow& row) {
  std::vector<records::FieldValue> out(row.keys);
  out.insert(out.end(), row.values.begin(), row.values.end());
  if (HasCurrency(r)) out.push_back(row.currency.empty() ? records::FieldValue{} : records::FieldValue{row.currency});
  return out;
}

std::string ReportCsv(const ReportResult& result, bool labels) {
  std::string out = labels ? "\xEF\xBB\xBF" : "";
  auto line = [&](const std::vector<records::FieldValue>& cells) {
    bool first = true;
    for (const auto& cell : cells) {
      exchange::AppendCsvCell(out, exchange::CsvCellText(cell), first);
      first = false;
    }
    out += "\r\n";
  };
  bool first = true;
  for (const auto& column : FileColumns(result, labels)) {
    exchange::AppendCsvCell(out, column.header, first);
    first = false;
  }
  out += "\r\n";
  if (Grouped(result)) {
    if (!result.sections.empty()) {
      for (const auto& row : result.sections.front().rows) line(FileRow(result, row));
    }
  } else {
    for (const auto& record : result.records) line(FileRow(result, record));
  }
  return out;
}

Result<ReportFile> ReportXlsx(ReportEngine& engine, const security::Principal& p, const ReportDefinition& definition,
                              bool labels, int page_rows) {
  ReportEngine::RunOptions options{.for_export = true};
  if (definition.type == ReportType::kTabular) {
    ReportDefinition paged = definition;
    paged.limit = page_rows;
    RAPPORT_ASSIGN_OR_RETURN(ReportResult page, engine.Run(p, paged, options));
    RAPPORT_ASSIGN_OR_RETURN(exchange::XlsxSheet sheet, exchange::XlsxSheet::Start(definition.object, FileColumns(page, labels)));
    while (true) {
      for (const auto& record : page.records) RAPPORT_TRY(sheet.AddRow(FileRow(page, record)));
      if (!page.next_cursor) break;
      options.cursor = *page.next_cursor;
      RAPPORT_ASSIGN_OR_RETURN(page, engine.Run(p, paged, options));
    }
    RAPPORT_ASSIGN_OR_RETURN(std::string bytes, sheet.Finish());
    return ReportFile{std::move(bytes), false};
  }
  RAPPORT_ASSIGN_OR_RETURN(ReportResult result, engine.Run(p, definition, options));
  RAPPORT_ASSIGN_OR_RETURN(std::string bytes, GroupedReportXlsx(result, labels));
  return ReportFile{std::move(bytes), result.sections.front().truncated};
}

Result<std::string> GroupedReportXlsx(const ReportResult& result, bool labels) {
  RAPPORT_ASSIGN_OR_RETURN(exchange::XlsxSheet sheet,
                           exchange::XlsxSheet::Start(result.definition.object, FileColumns(result, labels)));
  for (const auto& row : result.sections.front().rows) RAPPORT_TRY(sheet.AddRow(FileRow(result, row)));
  return sheet.Finish();
}

}  // namespace rapport::reports
