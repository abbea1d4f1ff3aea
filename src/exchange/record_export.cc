#include "exchange/record_export.h"

#include <fmt/format.h>

#include "exchange/csv.h"

namespace rapport::exchange {

namespace {

using metadata::FieldDef;
using metadata::FieldType;
using records::FieldValue;

using Part = CsvExport::Column::Part;

constexpr int kPageSize = records::kMaxPageSize;

}  // namespace

Result<CsvExport> CsvExport::Start(records::RecordService& records, const security::Principal& principal,
                                   ExportRequest request) {
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr schema, records.Metadata(principal));
  RAPPORT_ASSIGN_OR_RETURN(const metadata::ObjectDef* object, schema->GetObject(request.object));

  // The fields asked for (the engine names an unknown one), else all the caller sees; a
  // related record's field ("company.industry") is one column, labelled with its lookup.
  struct Wanted {
    const FieldDef* own = nullptr;
    std::string related;  // "company.industry"
    std::string label;    // "Company: Industry"
  };
  std::vector<Wanted> fields;
  if (request.fields.empty()) {
    for (const auto& f : object->fields) fields.push_back({&f});
  } else {
    for (const auto& name : request.fields) {
      if (const FieldDef* f = object->FindField(name)) {
        fields.push_back({f});
      } else if (size_t dot = name.find('.'); dot != std::string::npos) {
        const FieldDef* lookup = object->FindRelation(name.substr(0, dot));
        const metadata::ObjectDef* target = lookup ? schema->FindObject(lookup->target) : nullptr;
        const FieldDef* related = target ? target->FindField(name.substr(dot + 1)) : nullptr;
        fields.push_back({nullptr, name, lookup && related ? lookup->label + ": " + related->label : name});
      }
    }
  }

  records::ListQuery query{.object = request.object, .filter = request.filter, .sort = request.sort,
                           .limit = kPageSize, .for_export = true};
  query.read.fields = request.fields;
  std::vector<Column> columns;
  std::string header;
  const bool labels = request.header == ExportHeader::kLabels;
  if (labels) header = "\xEF\xBB\xBF";
  auto add = [&](Column column, std::string_view name, std::string_view label) {
    AppendCsvCell(header, labels ? label : name, columns.empty());
    columns.push_back(std::move(column));
  };
  for (const Wanted& wanted : fields) {
    const FieldDef* f = wanted.own;
    if (!f) {
      add({wanted.related}, wanted.related, wanted.label);
    } else if (f->type == FieldType::kCurrency) {
      add({f->name}, f->name, f->label);
      add({f->name, Part::kCurrency}, f->name + "_currency", f->label + " currency");
    } else if (f->type == FieldType::kLookup) {
      add({f->name}, f->name, f->label + " ID");
      const metadata::ObjectDef* target = schema->FindObject(f->target);
      if (target && !target->title_field.empty()) {
        std::string relation = f->relation_name();
        add({f->name, Part::kTitle, relation, target->title_field}, relation + "_name", f->label + " name");
        query.read.include.push_back(relation);
      }
    } else {
      add({f->name}, f->name, f->label);
    }
  }
  header += "\r\n";

  CsvExport out(records, principal, std::move(query), std::move(columns), std::move(header));
  // The first page now, so that a refusal is an error rather than a broken file.
  RAPPORT_ASSIGN_OR_RETURN(records::ListResult first, records.List(principal, out.query_));
  out.pending_ += out.Rows(first);
  out.Advance(first);
  return out;
}

CsvExport::CsvExport(records::RecordService& records, security::Principal principal, records::ListQuery query,
                     std::vector<Column> columns, std::string header)
    : records_(&records),
      principal_(std::move(principal)),
      query_(std::move(query)),
      columns_(std::move(columns)),
      pending_(std::move(header)) {}

std::string CsvExport::Rows(const records::ListResult& page) {
  std::string out;
  for (const records::Record& record : page.records) {
    bool first = true;
    for (const Column& column : columns_) {
      std::string cell;
      if (column.part == Part::kTitle) {
        auto related = record.included.find(column.relation);
        if (related != record.included.end()) {
          if (const FieldValue* title = related->second.Find(column.title_field)) cell = CsvCellText(*title);
        }
      } else if (const FieldValue* value = record.Find(column.field)) {
        cell = CsvCellText(*value, column.part == Part::kCurrency);
      }
      AppendCsvCell(out, cell, first);
      first = false;
    }
    out += "\r\n";
    ++rows_written_;
  }
  return out;
}

Result<std::string> CsvExport::Next() {
  if (!pending_.empty()) return std::exchange(pending_, std::string());
  std::string rows;
  while (rows.empty() && !done_) {
    RAPPORT_ASSIGN_OR_RETURN(records::ListResult page, records_->List(principal_, query_));
    Advance(page);
    rows = Rows(page);
  }
  return rows;
}

void CsvExport::Advance(const records::ListResult& page) {
  if (page.next_cursor) query_.cursor = *page.next_cursor;
  else done_ = true;
}

}  // namespace rapport::exchange
