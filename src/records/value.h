// Values as the record engine sees them. Input arrives loosely typed (InputValue, a
// JSON-shaped tree built by whichever edge received it: HTTP, import, CLI); the
// engine validates it against the field's type and produces a typed FieldValue.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/decimal.h"

namespace rapport::records {

struct Money {
  Decimal amount;
  std::string currency;  // ISO 4217, upper case
  bool operator==(const Money&) const = default;
};

// null, boolean, integer, exact decimal, money, text (also dates, datetimes, ids,
// picklist values), a set of picklist values.
using FieldValue =
    std::variant<std::monostate, bool, int64_t, Decimal, Money, std::string, std::vector<std::string>>;

inline bool IsNull(const FieldValue& v) { return std::holds_alternative<std::monostate>(v); }

struct InputValue {
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<InputValue> items;
  std::vector<std::pair<std::string, InputValue>> members;

  static InputValue Null() { return {}; }
  static InputValue Bool(bool v) { InputValue x; x.kind = Kind::kBool; x.b = v; return x; }
  static InputValue Int(int64_t v) { InputValue x; x.kind = Kind::kInt; x.i = v; return x; }
  static InputValue Double(double v) { InputValue x; x.kind = Kind::kDouble; x.d = v; return x; }
  static InputValue String(std::string v) { InputValue x; x.kind = Kind::kString; x.s = std::move(v); return x; }
  const InputValue* Member(std::string_view name) const {
    for (const auto& [k, v] : members) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  std::string_view KindName() const;
};

// Field name → value, in the order the client sent them.
using InputObject = std::vector<std::pair<std::string, InputValue>>;

}  // namespace rapport::records
