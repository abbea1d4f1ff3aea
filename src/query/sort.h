// Sorting and keyset (cursor) pagination for record lists.
//
// Order: every sort is made total by a final `id` key (in the direction of the key
// before it, so a (tenant_id, column, id) index serves the whole order). NULLs sort as
// the smallest value: first when ascending, last when descending. That is SQLite's
// native order, so a (tenant_id, column) index serves the sort in both directions
// (PostgreSQL indexes are created NULLS FIRST to match). KeysetPredicate
// follows exactly this order, so paging with it returns every row exactly once and
// rows inserted meanwhile never shift a page boundary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "metadata/object_def.h"
#include "query/expression.h"
#include "storage/dialect.h"
#include "storage/value.h"

namespace rapport::query {

struct SortKey {
  const metadata::FieldDef* field = nullptr;  // points into the ObjectDef passed to ParseSort
  bool descending = false;
};

inline constexpr size_t kMaxSortKeys = 8;
inline constexpr size_t kMaxCursorBytes = 8192;

// "-amount,name" → amount desc, name asc, id asc ("-amount" → amount desc, id desc). Own fields only. An empty spec
// sorts by id. kInvalidArgument for unknown (with "Did you mean"), unsortable or
// repeated fields, or more than kMaxSortKeys keys. The `id` tiebreak is appended
// unless the spec already includes `id` (unique, so the order is already total).
Result<std::vector<SortKey>> ParseSort(std::string_view spec, const metadata::ObjectDef& object);

// `alias."amount" DESC NULLS LAST, alias."id" ASC` (without ORDER BY; columns that are
// never NULL take no NULLS clause).
std::string OrderBySql(const std::vector<SortKey>& keys, const storage::SqlDialect& dialect,
                       std::string_view alias);

// The stored columns to SELECT, in key order, whose values form a cursor.
std::vector<std::string> SortColumns(const std::vector<SortKey>& keys);

// Opaque, URL-safe (base64url, no padding) token for the last row's sort values.
std::string EncodeCursor(const std::vector<storage::Value>& last_row_sort_values);

// Inverse of EncodeCursor, checked against the keys: kInvalidArgument if the token is
// malformed, too long, or its values do not fit the keys' count and storage types.
Result<std::vector<storage::Value>> DecodeCursor(std::string_view cursor,
                                                 const std::vector<SortKey>& keys);

// A condition selecting the rows strictly after the cursor row in the order of
// `keys`. `cursor_values` must come from DecodeCursor for the same keys.
SqlFragment KeysetPredicate(const std::vector<SortKey>& keys,
                            const std::vector<storage::Value>& cursor_values,
                            const storage::SqlDialect& dialect, std::string_view alias);

}  // namespace rapport::query
