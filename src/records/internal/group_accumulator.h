// Grouping rows in memory: what a GROUP BY statement computes, done by the record
// engine over the rows of the statement's inner query as they stream by. For a
// backend whose GROUP BY sorts every row (SQLite: about 2 µs a row against a few
// tenths of a µs to scan it), a hash table of groups is several times faster.
//
// The cells it gives back are those the statement would: the keys, then per cell
// COUNT(*), COUNT(x), COUNT(DISTINCT x), SUM(x) cast to an integer, the sum of the
// two middle values (SqlDialect::MiddleSum), MIN(x) or MAX(x). Private to records/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "storage/value.h"

namespace rapport::records::internal {

enum class CellOp { kCountRows, kCount, kCountDistinct, kSum, kMiddleSum, kMin, kMax };

struct CellPlan {
  CellOp op = CellOp::kCountRows;
  size_t input = 0;  // the row's column it reads (not read by kCountRows)
};

// SQL's order of the values of one column: NULL last, numbers (by value) before text
// (by bytes).
int CompareStored(const storage::Value& a, const storage::Value& b);

class GroupAccumulator {
 public:
  // `keys`: the row's columns that make a group's key, in order.
  GroupAccumulator(std::vector<size_t> keys, std::vector<CellPlan> cells);
  ~GroupAccumulator();
  GroupAccumulator(const GroupAccumulator&) = delete;
  GroupAccumulator& operator=(const GroupAccumulator&) = delete;

  // Adds one row. Fails only when a sum leaves 64 bits.
  Status Add(std::span<const storage::Value> row);
  size_t group_count() const { return groups_.size(); }
  // Every group as keys then cells, in SQL's order of the keys (NULLs last). Fails
  // only when a figure leaves 64 bits.
  Result<std::vector<std::vector<storage::Value>>> TakeRows();

 private:
  struct Group;
  struct KeyHash {
    size_t operator()(const std::vector<storage::Value>& key) const;
  };
  std::vector<size_t> keys_;
  std::vector<CellPlan> cells_;
  std::vector<storage::Value> probe_;  // the current row's key, reused
  std::unordered_map<std::vector<storage::Value>, std::unique_ptr<Group>, KeyHash> groups_;
};

}  // namespace rapport::records::internal
