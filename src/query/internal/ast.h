// Syntax tree of the filter language. Internal to query/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rapport::query::internal {

enum class CompareOp {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kContains,    // ~
  kStartsWith,
  kEndsWith,
  kIn,
  kNotIn,
  kIsNull,
  kIsNotNull,
  kBetween,
  kWas,    // the field holds the value now or held it before (its history)
  kWasIn,  // ... one of the values
};

std::string_view CompareOpText(CompareOp op);

struct Duration {
  bool subtract = false;
  int64_t amount = 0;
  char unit = 'd';  // d, h, m, w
  int position = 0;
};

struct AstValue {
  enum class Kind { kString, kNumber, kDate, kDatetime, kBool, kNull, kMe, kToday, kNow };
  Kind kind = Kind::kNull;
  std::string text;  // string contents, number text ("-12.5"), date/datetime text
  bool boolean = false;
  std::vector<Duration> offsets;  // `now() - 30d + 2h`
  int position = 0;               // 1-based
};

struct AstNode {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<AstNode> children;  // kAnd/kOr: two or more; kNot: one

  // kCompare
  std::string path;  // "amount" or "company.industry"
  int path_position = 0;
  CompareOp op = CompareOp::kEq;
  int op_position = 0;
  std::vector<AstValue> values;  // 0 (is null), 1, 2 (between) or n (in)
};

}  // namespace rapport::query::internal
