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

// A fully materialised query result. Rows are small (one page of a list), so a flat
// vector of cells is the cheapest shape.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

}  // namespace rapport::storage
