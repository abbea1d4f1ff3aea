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

// Numbers the values of a scan's key columns in the order they are first met. A
// group's key is then a few small numbers, hashed and compared without touching the
// values, and each value is hashed once a row however many groupings read its column.
class KeyCodes {
 public:
  // `columns`: the row's columns that some grouping keys by.
  explicit KeyCodes(std::vector<size_t> columns);
  ~KeyCodes();
  KeyCodes(const KeyCodes&) = delete;
  KeyCodes& operator=(const KeyCodes&) = delete;

  // Codes the key columns of `row`; code() gives them until the next row.
  void Encode(std::span<const storage::Value> row);
  uint32_t code(size_t column) const { return current_[slot_of_[column]]; }
  const storage::Value& value(size_t column, uint32_t code) const;
  // Stops coding `column` and lets go of its values, once no grouping will read it
  // (nor take its rows).
  void Forget(size_t column);

 private:
  struct Dictionary;
  std::vector<size_t> columns_;
  std::vector<size_t> slot_of_;  // per row column: its place in columns_
  std::vector<uint32_t> current_;
  std::vector<std::unique_ptr<Dictionary>> dictionaries_;  // per key column
};

class GroupAccumulator {
 public:
  static constexpr size_t kMaxKeys = 4;

  // `keys` (at most kMaxKeys): the row's columns that make a group's key, in order,
  // coded by `codes`, which the caller has encode each row before adding it.
  GroupAccumulator(std::vector<size_t> keys, std::vector<CellPlan> cells, const KeyCodes& codes);
  // The same with codes of its own, each row encoded as it is added.
  GroupAccumulator(std::vector<size_t> keys, std::vector<CellPlan> cells);
  ~GroupAccumulator();
  GroupAccumulator(const GroupAccumulator&) = delete;
  GroupAccumulator& operator=(const GroupAccumulator&) = delete;

  // Adds one row. Fails only when a sum leaves 64 bits.
  Status Add(std::span<const storage::Value> row);
  size_t group_count() const;
  // Every group as keys then cells, in SQL's order of the keys (NULLs last); without
  // keys, the one group even of no rows. Fails only when a figure leaves 64 bits.
  Result<std::vector<std::vector<storage::Value>>> TakeRows();

 private:
  struct Groups;
  std::vector<size_t> keys_;
  std::vector<CellPlan> cells_;
  std::unique_ptr<KeyCodes> own_codes_;
  const KeyCodes* codes_;
  std::unique_ptr<Groups> groups_;
};

}  // namespace rapport::records::internal
