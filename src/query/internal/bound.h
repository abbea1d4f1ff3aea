// The bound form of an expression: negation-free (every `not` pushed down into the
// comparisons), with literals in the storage encoding. Internal to query/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "metadata/field_type.h"
#include "storage/value.h"

namespace rapport::query {
struct CompileContext;
}

namespace rapport::query::internal {

// A comparison operand. Literals are converted at bind time; me(), now() and
// today() only when compiled or evaluated, from the CompileContext.
struct BoundValue {
  enum class Kind { kLiteral, kMe, kTime };
  Kind kind = Kind::kLiteral;
  storage::Value literal;
  // kTime: base + offset, rendered as a date ("YYYY-MM-DD") or datetime.
  enum class Base { kNow, kToday, kFixed };
  Base base = Base::kFixed;
  Micros fixed = 0;
  Micros offset = 0;
  bool as_date = false;
};

// The positive predicates; each is false on NULL. Negation is a flag on the leaf.
enum class LeafOp { kEq, kIn, kLt, kLe, kGt, kGe, kBetween, kContains, kStartsWith,
                    kEndsWith, kHasValue };

struct BoundLeaf {
  std::string path;      // reader key: "amount" or "company.industry"
  metadata::FieldType type = metadata::FieldType::kText;
  std::string column;    // column of the compared field (own table or target table)
  // Set for relation paths: the lookup column on the own table and the target table.
  bool via_relation = false;
  std::string lookup_column;
  std::string target_table;
  std::string target_id_column;

  // An encrypted (deterministic) field: its api name, which seals the literals
  // (CompileContext::seal). Empty for plain fields.
  std::string sealed_field;

  // `was`: the field's value now or any value its history holds (kEq or kIn over the
  // current column, or over record_history's old and new values of this object's field).
  bool ever = false;
  std::string history_object;
  std::string history_field;

  LeafOp op = LeafOp::kEq;
  bool negated = false;  // the record matches when the predicate is false (or NULL)
  std::vector<BoundValue> values;
};

struct BoundNode {
  enum class Kind { kAnd, kOr, kLeaf };
  Kind kind = Kind::kLeaf;
  std::vector<BoundNode> children;
  BoundLeaf leaf;
};

// The operand's storage value under `context`.
Result<storage::Value> Resolve(const BoundValue& value, const CompileContext& context);

}  // namespace rapport::query::internal
