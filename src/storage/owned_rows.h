// Reading the per-user settings tables (saved views, saved reports, dashboards,
// report schedules): each row belongs to the user who made it, and the tables with a
// `shared` column let it be seen by the whole workspace. One home for "which rows may
// this user see", so no store forgets the tenant or the owner.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "storage/database.h"

namespace rapport::storage {

struct OwnedRowsReader {
  std::string_view tenant_id;
  std::string_view user_id;
  bool shareable = true;   // the table has `shared`: shared rows are everyone's to see
  bool sees_all = false;   // an administrator of a table that lets them see every row
};

struct OwnedRowsQuery {
  std::string_view table;
  std::string_view columns;
  std::string_view where;     // more conditions, "" for none
  std::vector<Value> params;  // for `where`
  std::string_view order = "name, id";
};

namespace internal {
template <typename Read>
struct RowType { using type = Read; };
template <typename T>
struct RowType<Result<T>> { using type = T; };
}  // namespace internal

// The rows of `query` that `reader` may see, each read by `from_row` (returning T or
// Result<T>).
template <typename FromRow>
auto SelectOwnedRows(Database& db, const OwnedRowsReader& reader, const OwnedRowsQuery& query, FromRow from_row) {
  using Read = std::invoke_result_t<FromRow, const std::vector<Value>&>;
  using T = typename internal::RowType<Read>::type;
  std::vector<T> out;
  Status status = db.Read([&](Connection& c) -> Status {
    std::vector<Value> params = {std::string(reader.tenant_id)};
    std::string sql = fmt::format("SELECT {} FROM {} WHERE tenant_id = ?", query.columns, query.table);
    if (!reader.sees_all) {
      sql += reader.shareable ? " AND (owner_id = ? OR shared = 1)" : " AND owner_id = ?";
      params.emplace_back(std::string(reader.user_id));
    }
    if (!query.where.empty()) sql += fmt::format(" AND {}", query.where);
    params.insert(params.end(), query.params.begin(), query.params.end());
    sql += fmt::format(" ORDER BY {}", query.order);
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
    for (const auto& row : rows.rows) {
      if constexpr (std::is_same_v<Read, T>) {
        out.push_back(from_row(row));
      } else {
        RAPPORT_ASSIGN_OR_RETURN(T item, from_row(row));
        out.push_back(std::move(item));
      }
    }
    return Ok();
  });
  using Out = Result<std::vector<T>>;
  if (!status) return Out(Fail(status.error()));
  return Out(std::move(out));
}

// The row `id` of `table` if `reader` may see it.
template <typename FromRow>
auto FindOwnedRow(Database& db, const OwnedRowsReader& reader, std::string_view table, std::string_view columns,
                  const std::string& id, FromRow from_row) {
  auto rows = SelectOwnedRows(db, reader, {.table = table, .columns = columns, .where = "id = ?", .params = {id}, .order = "id"},
                              std::move(from_row));
  using T = typename std::decay_t<decltype(*rows)>::value_type;
  using Out = Result<std::optional<T>>;
  if (!rows) return Out(Fail(rows.error()));
  if (rows->empty()) return Out(std::optional<T>());
  return Out(std::optional<T>(std::move(rows->front())));
}

}  // namespace rapport::storage
