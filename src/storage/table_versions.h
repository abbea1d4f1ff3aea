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

// The tenant's version of every table written since the database was created; a
// table never written has none (read it as 0).
using TableVersions = std::unordered_map<std::string, int64_t>;
Result<TableVersions> ReadTableVersions(Database& db, const std::string& tenant_id);
inline int64_t VersionOf(const TableVersions& versions, const std::string& table) {
  auto it = versions.find(table);
  return it == versions.end() ? 0 : it->second;
}

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
