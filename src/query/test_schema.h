// Test-only schema shared by the query tests and the parse fuzzer: a `deals` object
// with a field of every type and a lookup to `companies`.
#pragma once

#include <string>
#include <vector>

#include "metadata/object_def.h"
#include "metadata/snapshot.h"

namespace rapport::query::testing {

inline metadata::FieldDef MakeField(std::string name, metadata::FieldType type,
                                    std::vector<std::string> options = {},
                                    std::string target = "") {
  metadata::FieldDef f;
  f.name = name;
  f.label = name;
  f.type = type;
  f.column = name;
  f.target = std::move(target);
  for (auto& o : options) f.options.push_back({o, o});
  return f;
}

inline metadata::MetadataSnapshot MakeSnapshot() {
  using metadata::FieldType;
  metadata::ObjectDef deals;
  deals.name = "deals";
  deals.table = "deals";
  deals.fields = metadata::SystemFields();
  deals.fields.push_back(MakeField("name", FieldType::kText));
  deals.fields.push_back(MakeField("notes", FieldType::kLongText));
  deals.fields.push_back(MakeField("email", FieldType::kEmail));
  deals.fields.push_back(MakeField("phone", FieldType::kPhone));
  deals.fields.push_back(MakeField("website", FieldType::kUrl));
  deals.fields.push_back(MakeField("amount", FieldType::kCurrency));
  deals.fields.push_back(MakeField("quantity", FieldType::kInteger));
  deals.fields.push_back(MakeField("discount", FieldType::kPercent));
  deals.fields.push_back(MakeField("score", FieldType::kDecimal));
  deals.fields.push_back(MakeField("active", FieldType::kBoolean));
  deals.fields.push_back(MakeField("close_date", FieldType::kDate));
  deals.fields.push_back(MakeField("closed_at", FieldType::kDatetime));
  deals.fields.push_back(
      MakeField("stage", FieldType::kPicklist, {"new", "negotiation", "won", "lost"}));
  deals.fields.push_back(
      MakeField("tags", FieldType::kMultiPicklist, {"hot", "cold", "vip", "a_b"}));
  deals.fields.push_back(MakeField("company_id", FieldType::kLookup, {}, "companies"));

  metadata::ObjectDef companies;
  companies.name = "companies";
  companies.table = "companies";
  companies.fields = metadata::SystemFields();
  companies.fields.push_back(MakeField("name", FieldType::kText));
  companies.fields.push_back(MakeField("industry", FieldType::kText));
  companies.fields.push_back(MakeField("employees", FieldType::kInteger));
  companies.fields.push_back(MakeField("founded", FieldType::kDate));
  return metadata::MetadataSnapshot(1, {deals, companies});
}

}  // namespace rapport::query::testing

#include "storage/dialect.h"

namespace rapport::query::testing {

// The SQLite flavour of SqlDialect, for tests only (storage/ owns the real ones).
class SqliteTestDialect final : public storage::SqlDialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::string ColumnTypeSql(storage::ColumnType type) const override {
    switch (type) {
      case storage::ColumnType::kText: return "TEXT";
      case storage::ColumnType::kInteger:
      case storage::ColumnType::kBoolean: return "INTEGER";
      case storage::ColumnType::kReal: return "REAL";
    }
    return "TEXT";
  }
  std::string CaseInsensitiveLike(std::string_view expr) const override {
    return std::string(expr) + " LIKE ? ESCAPE '\\'";
  }
  std::string ColumnsQuery() const override {
    return "SELECT name, lower(type) FROM pragma_table_info(?) ORDER BY cid";
  }
  std::string EstimatedRowsQuery() const override { return "SELECT NULL WHERE ? IS NULL"; }
  // Expressions never bucket dates or take medians; as the SQLite backend writes them.
  std::string DateBucket(std::string_view stored, bool datetime, DatePart part, int fiscal_start) const override {
    return std::string("rapport_date_bucket(") + std::string(stored) + ", '" + std::string(DatePartName(part)) +
           "', " + std::to_string(fiscal_start) + (datetime ? ", ?)" : ", NULL)");
  }
  std::string MiddleSum(std::string_view expr) const override {
    return "rapport_middle_sum(" + std::string(expr) + ")";
  }
  std::string EpochSeconds(std::string_view stored) const override {
    return "CAST(strftime('%s', substr(" + std::string(stored) + ", 1, 19)) AS INTEGER)";
  }
  std::string_view TrueLiteral() const override { return "1"; }
  std::string_view FalseLiteral() const override { return "0"; }
};

}  // namespace rapport::query::testing
