// What the database itself says about its tables, for code that moves rows without
// knowing their shape in advance (tenant archives, schema checks).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/database.h"

namespace rapport::storage {

struct ColumnInfo {
  std::string name;
  ColumnType type;  // kText, kInteger or kReal (booleans are integers on every backend)
};

// The table's columns in declaration order; empty if the table does not exist.
Result<std::vector<ColumnInfo>> TableColumns(Connection& c, std::string_view table);

// Roughly how many rows the table holds, all tenants', as the planner last counted
// them; nullopt when it has not (or there is no such table).
std::optional<int64_t> EstimatedRows(Connection& c, std::string_view table);

// "text", "integer", "real": the names archives use for column types.
std::string_view ColumnTypeName(ColumnType type);
// The inverse of ColumnTypeName; nullopt for anything else.
std::optional<ColumnType> ParseColumnTypeName(std::string_view name);

}  // namespace rapport::storage
