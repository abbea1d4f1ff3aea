// Table versions: a number per tenant and table that every committed write
// transaction raises for each table it wrote, in that same transaction. A result
// computed from some tables stays exact while their versions stay the same, whichever
// process (or server sharing the database) writes: what a cache of report results is
// checked against (records/internal/result_cache.h).
//
// The versions live in the database (kTableVersions, kept by storage itself: created
// on Open, raised by group commit just before each COMMIT). Which tables a statement
// writes is read from its text, which the engine generates; whose they are from the
// Write() callback's Connection::WritesFor, and when it does not say, they are raised
// under the tenant "", which stands for every tenant. A tenant's version of a table
// (ReadTableVersions) is the sum of its own and that one: it rises with either.
//
// Beside its version, a tenant's table says whether its rows only grew since: the
// engine tells the ids of the rows it inserts (Connection::Appends), and a write
// that only inserted rows, each with an id above every id the table had (UUIDv7 ids
// rise with time), leaves `rewrites` as it was and raises `high_id`. Any other write
// of the tenant's rows (an update, a delete, an insert it did not tell) counts a
// rewrite. A result computed when the table's highest id was high_id can then be
// brought up to date from the rows above it alone, while rewrites and shared stay.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "storage/database.h"

namespace rapport::storage {

inline constexpr std::string_view kTableVersions = "rapport_table_versions";

// A tenant's version of a table, and how its rows changed.
struct TableVersion {
  int64_t version = 0;   // the tenant's own and every tenant's ("") together
  int64_t shared = 0;    // of which every tenant's: writes that did not say whose
  int64_t rewrites = 0;  // the tenant's writes that did more than append (above)
  std::string high_id;   // the highest id the tenant's appends gave ("": unknown)
  bool operator==(const TableVersion&) const = default;
};

// The tenant's version of every table written since the database was created; a
// table never written has none (read it as 0).
using TableVersions = std::unordered_map<std::string, TableVersion>;
Result<TableVersions> ReadTableVersions(Database& db, const std::string& tenant_id);
inline TableVersion StateOf(const TableVersions& versions, const std::string& table) {
  auto it = versions.find(table);
  return it == versions.end() ? TableVersion{} : it->second;
}
inline int64_t VersionOf(const TableVersions& versions, const std::string& table) { return StateOf(versions, table).version; }

// Whether the table went from `then` to `now` by appends alone: rows whose ids are
// above then.high_id, and nothing else of the tenant's rows changed.
inline bool OnlyAppendedSince(const TableVersion& then, const TableVersion& now) {
  return !then.high_id.empty() && now.shared == then.shared && now.rewrites == then.rewrites &&
         !now.high_id.empty();
}

// Whether `sql` is one INSERT ... VALUES of new rows: no upsert (ON CONFLICT, REPLACE),
// no INSERT ... SELECT. What an append is made of.
bool IsPlainInsert(std::string_view sql);

// The table a data-changing statement (INSERT, UPDATE, DELETE, REPLACE, TRUNCATE,
// ALTER/CREATE/DROP TABLE) changes, or every table it names when it starts otherwise
// (a WITH clause, say). Nothing for a plain SELECT or a statement on no table.
std::vector<std::string> TablesWrittenBy(std::string_view sql);

// Whether `sql` is one SELECT, which changes nothing, told from its first word without
// reading the rest (a write's reads are most of its statements). A script of several
// statements is not.
bool IsSingleSelect(std::string_view sql);

// Every table named after FROM, JOIN, INTO, UPDATE or TABLE anywhere in `sql`: a
// superset of the tables a statement reads (a name that is a WITH clause's is
// included too, harmlessly).
std::vector<std::string> TablesNamedIn(std::string_view sql);

}  // namespace rapport::storage
