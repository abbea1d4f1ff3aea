#include "storage/catalog.h"

namespace rapport::storage {

Result<std::vector<ColumnInfo>> TableColumns(Connection& c, std::string_view table) {
  std::vector<Value> params = {std::string(table)};
  RAPPORT_ASSIGN_OR_RETURN(QueryResult rows, c.Query(c.dialect().ColumnsQuery(), params));
  std::vector<ColumnInfo> out;
  out.reserve(rows.rows.size());
  for (const auto& row : rows.rows) {
    // Declared types we did not create (there are none today) read as text.
    out.push_back({TextOf(row[0]), ParseColumnTypeName(TextOf(row[1])).value_or(ColumnType::kText)});
  }
  return out;
}

std::optional<int64_t> EstimatedRows(Connection& c, std::string_view table) {
  std::vector<Value> params = {std::string(table)};
  // A database never counted has no figures to read (SQLite: no sqlite_stat1 yet).
  auto rows = c.Query(c.dialect().EstimatedRowsQuery(), params);
  if (!rows || rows->rows.empty() || IsNull(rows->rows[0][0])) return std::nullopt;
  int64_t n = IntOf(rows->rows[0][0]);
  if (n < 0) return std::nullopt;
  return n;
}

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kText: return "text";
    case ColumnType::kInteger: return "integer";
    case ColumnType::kReal: return "real";
    case ColumnType::kBoolean: return "integer";
  }
  return "text";
}

std::optional<ColumnType> ParseColumnTypeName(std::string_view name) {
  if (name == "text") return ColumnType::kText;
  if (name == "integer") return ColumnType::kInteger;
  if (name == "real") return ColumnType::kReal;
  return std::nullopt;
}

}  // namespace rapport::storage
