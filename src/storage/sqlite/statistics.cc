#include "storage/sqlite/statistics.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

namespace rapport::storage::sqlite {

namespace {

// What sqlite_stat1 holds: the rows each table had when its statistics were recorded
// (the first number of any of its indexes' rows), and which indexes have a row.
struct Recorded {
  std::map<std::string, int64_t> rows;               // by table
  std::set<std::pair<std::string, std::string>> indexes;  // (table, index)
};

Recorded RecordedStatistics(Connection& reader) {
  Recorded recorded;
  auto exists = reader.Query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'");
  if (!exists || exists->rows.empty()) return recorded;
  auto rows = reader.Query("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL");
  if (!rows) return recorded;
  for (const auto& row : rows->rows) {
    std::string stat = TextOf(row[2]);
    int64_t n = 0;
    std::from_chars(stat.data(), stat.data() + stat.size(), n);
    recorded.rows[TextOf(row[0])] = n;
    recorded.indexes.emplace(TextOf(row[0]), TextOf(row[1]));
  }
  return recorded;
}

// Scans one index in key order, counting its entries and the distinct values of each
// prefix of its columns, as ANALYZE does.
Result<IndexStatistics> CountIndex(Connection& reader, const std::string& table, const std::string& index,
                                   const std::vector<std::string>& columns) {
  const SqlDialect& d = reader.dialect();
  std::string list;
  for (const auto& c : columns) list += (list.empty() ? "" : ", ") + d.QuoteIdentifier(c);
  const std::string sql = fmt::format("SELECT {0} FROM {1} INDEXED BY {2} ORDER BY {0}", list, d.QuoteIdentifier(table),
                                      d.QuoteIdentifier(index));
  int64_t entries = 0;
  std::vector<int64_t> distinct(columns.size(), 0);
  std::vector<Value> previous;
  RAPPORT_TRY(reader.ForEach(sql, {}, [&](std::span<const Value> row) {
    size_t first_change = 0;
    if (entries > 0) {
      while (first_change < row.size() && row[first_change] == previous[first_change]) ++first_change;
    }
    for (size_t i = first_change; i < row.size(); ++i) ++distinct[i];
    previous.assign(row.begin(), row.end());
    ++entries;
    return true;
  }));
  std::string stat = std::to_string(entries);
  for (int64_t values : distinct) stat += " " + std::to_string(values > 0 ? (entries + values - 1) / values : 1);
  return IndexStatistics{table, index, std::move(stat)};
}

}  // namespace

Result<std::vector<IndexStatistics>> StaleStatistics(Connection& reader) {
  const Recorded recorded = RecordedStatistics(reader);
  RAPPORT_ASSIGN_OR_RETURN(auto tables, reader.Query("SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                                                     "name NOT LIKE 'sqlite_%' ORDER BY name"));
  std::vector<IndexStatistics> out;
  for (const auto& table_row : tables.rows) {
    const std::string table = TextOf(table_row[0]);
    RAPPORT_ASSIGN_OR_RETURN(auto count, reader.Query(fmt::format("SELECT COUNT(*) FROM {}", reader.dialect().QuoteIdentifier(table))));
    const int64_t rows = IntOf(count.rows.at(0).at(0));
    if (rows < kStatisticsMinRows) continue;
    // The plain indexes (not partial, no expressions), each with its columns.
    std::vector<std::pair<std::string, std::vector<std::string>>> plain_indexes;
    std::vector<Value> name = {table};
    RAPPORT_ASSIGN_OR_RETURN(auto indexes, reader.Query("SELECT name, partial FROM pragma_index_list(?)", name));
    for (const auto& index_row : indexes.rows) {
      if (IntOf(index_row[1]) != 0) continue;
      const std::string index = TextOf(index_row[0]);
      std::vector<Value> index_name = {index};
      RAPPORT_ASSIGN_OR_RETURN(auto info, reader.Query("SELECT cid, name FROM pragma_index_info(?) ORDER BY seqno", index_name));
      std::vector<std::string> columns;
      bool plain = !info.rows.empty();
      for (const auto& column : info.rows) {
        if (IntOf(column[0]) < 0 || storage::IsNull(column[1])) plain = false;
        else columns.push_back(TextOf(column[1]));
      }
      if (plain) plain_indexes.emplace_back(index, std::move(columns));
    }
    // Fresh: figures within a factor of two of the rows, for every index. An index
    // created since (a new field's, or one an upgrade rebuilt) has none, and the
    // planner's guess for it is the seek-per-row trap above.
    auto it = recorded.rows.find(table);
    const bool fresh = it != recorded.rows.end() && rows <= 2 * it->second && 2 * rows >= it->second &&
                       std::all_of(plain_indexes.begin(), plain_indexes.end(), [&](const auto& index) {
                         return recorded.indexes.contains({table, index.first});
                       });
    if (fresh) continue;
    for (const auto& [index, columns] : plain_indexes) {
      RAPPORT_ASSIGN_OR_RETURN(IndexStatistics statistics, CountIndex(reader, table, index, columns));
      out.push_back(std::move(statistics));
    }
  }
  return out;
}

Status RecordStatistics(Connection& writer, const std::vector<IndexStatistics>& statistics) {
  // Creates sqlite_stat1 if need be, and reloads the statistics on this connection.
  auto reload = [&] { return writer.ExecuteScript("ANALYZE sqlite_schema"); };
  RAPPORT_TRY(reload());
  std::set<std::string> cleared;
  for (const IndexStatistics& s : statistics) {
    if (cleared.insert(s.table).second) {
      std::vector<Value> table = {s.table};
      RAPPORT_TRY(writer.Execute("DELETE FROM sqlite_stat1 WHERE tbl = ?", table));
    }
    std::vector<Value> row = {s.table, s.index, s.stat};
    RAPPORT_TRY(writer.Execute("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", row));
  }
  return reload();
}

}  // namespace rapport::storage::sqlite
