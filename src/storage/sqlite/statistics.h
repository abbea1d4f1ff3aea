// The query planner's statistics on SQLite (the sqlite_stat1 table), kept by Rapport.
//
// Without them SQLite guesses that `tenant_id = ?` picks out a few rows, so it reads a
// whole tenant through whichever index starts with tenant_id: a random seek per row.
// A report over a million deals then took 3-6 s where a scan of the table takes 0.4.
// ANALYZE would tell it, but it holds the write lock while it reads every index
// (about 4 s for a table of a million rows), and with a row limit it samples only the
// first rows, which all belong to one tenant. So the counts are taken here on a reader
// (no lock that stops writers), and only written under the writer's lock.
//
// Private to storage/.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "storage/database.h"

namespace rapport::storage::sqlite {

// One sqlite_stat1 row: the index's entries, then the average number of entries per
// distinct value of each prefix of its columns ("1000000 1000000 2 1").
struct IndexStatistics {
  std::string table;
  std::string index;
  std::string stat;
};

// Tables of fewer rows are left to the planner's defaults: any plan is fast there.
inline constexpr int64_t kStatisticsMinRows = 1000;

// The statistics of each table whose figures are missing or stale: it has at least
// kStatisticsMinRows rows and none recorded, more than twice or under half the rows
// recorded, or an index with no figures (created since). Reads only, each index in key order (run inside one read transaction).
// Partial and expression indexes are left out (the planner's defaults apply to them).
Result<std::vector<IndexStatistics>> StaleStatistics(Connection& reader);

// Replaces the recorded statistics of the tables in `statistics` (in the writer's
// transaction), and has the writer's connection plan with them. Other connections
// plan with them once reopened (SQLite loads statistics when it reads the schema).
Status RecordStatistics(Connection& writer, const std::vector<IndexStatistics>& statistics);

}  // namespace rapport::storage::sqlite
