// Grouping rows in memory: what a GROUP BY statement computes, done by the record
// engine over the rows of the statement's inner query as they stream by. For a
// backend whose GROUP BY sorts every row (SQLite: about 2 µs a row against a few
// tenths of a µs to scan it), a hash table of groups is several times faster.
//
// The cells it gives back are those the statement would: the keys, then per cell
// COUNT(*), COUNT(x), COUNT(DISTINCT x), SUM(x) cast to an integer, the sum of the
// two middle values (SqlDialect::MiddleSum), MIN(x) or MAX(x). Private to records/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
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

  // Codes the key columns of `row` (but those the caller codes); code() gives them
  // until the next row.
  void Encode(std::span<const storage::Value> row);
  uint32_t code(size_t column) const { return current_[slot_of_[column]]; }
  // For a column whose values the caller codes itself, once per distinct value it
  // holds rather than once a row (a related record's, looked up by each row): the code
  // of `v`; after CodeByCaller(column), Encode leaves the column to SetCode.
  uint32_t CodeOf(size_t column, const storage::Value& v);
  void CodeByCaller(size_t column) { by_caller_[slot_of_[column]] = true; }
  void SetCode(size_t column, uint32_t code) { current_[slot_of_[column]] = code; }
  bool Codes(size_t column) const { return std::binary_search(columns_.begin(), columns_.end(), column); }
  const storage::Value& value(size_t column, uint32_t code) const;
  // Stops coding `column` and lets go of its values, once no grouping will read it
  // (nor take its rows).
  void Forget(size_t column);

 private:
  struct Dictionary;
  static uint32_t CodeIn(Dictionary& d, const storage::Value& v);
  std::vector<size_t> columns_;
  std::vector<size_t> slot_of_;  // per row column: its place in columns_
  std::vector<uint32_t> current_;
  std::vector<std::unique_ptr<Dictionary>> dictionaries_;  // per key column
  std::vector<bool> by_caller_;                             // per key column (CodeOf)
};

// Records held in memory for a scan and found by their ids, numbered as added: one
// probe of a flat index and one comparison of the id's bytes, where a hash map of
// strings misses the caches three or four times a lookup.
class RecordsById {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  RecordsById();
  ~RecordsById();
  RecordsById(RecordsById&&) noexcept;
  RecordsById& operator=(RecordsById&&) noexcept;

  // The number of the record of `id`: a new one the next number (as many as held).
  uint32_t Add(std::string_view id);
  // The number of the record of `id`, or kNone.
  uint32_t Find(std::string_view id) const;
  size_t size() const { return ends_.size(); }

 private:
  std::string_view IdOf(uint32_t number) const;
  class Index;
  std::unique_ptr<Index> index_;
  std::string ids_;            // every id, one after the other
  std::vector<uint32_t> ends_;  // by number: where its id ends in ids_
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
