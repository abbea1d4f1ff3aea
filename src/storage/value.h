// The values that cross the storage boundary: SQL parameters and result cells.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace rapport::storage {

struct Null {
  bool operator==(const Null&) const = default;
};

// NULL, INTEGER (also booleans as 0/1), REAL, TEXT.
using Value = std::variant<Null, int64_t, double, std::string>;

inline bool IsNull(const Value& v) { return std::holds_alternative<Null>(v); }

// The text of a TEXT cell; empty for NULL and non-text cells.
inline std::string TextOf(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

// The integer of an INTEGER cell (also a boolean's 0 or 1); 0 for NULL and other cells.
inline int64_t IntOf(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  return 0;
}

// A fully materialised query result. Rows are small (one page of a list), so a flat
// vector of cells is the cheapest shape.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

}  // namespace rapport::storage
