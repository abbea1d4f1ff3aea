// Binding: resolves field paths against the object's schema, type-checks every
// operand, converts literals to the storage encoding (metadata/field_type.h) and
// pushes `not` down to the comparisons so both back ends see a negation-free tree.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/decimal.h"
#include "core/id.h"
#include "core/strings.h"
#include "query/expression.h"
#include "query/internal/ast.h"
#include "query/internal/bound.h"

namespace rapport::query {
namespace internal {
namespace {

using metadata::FieldDef;
using metadata::FieldType;
using metadata::ObjectDef;

constexpr Micros kMicrosPerHour = 3600 * kMicrosPerSecond;

std::unexpected<Error> TypeError(std::string_view what, int position) {
  return Fail(ErrorCode::kInvalidArgument, fmt::format("{} at position {}", what, position));
}

std::string_view KindName(AstValue::Kind kind) {
  switch (kind) {
    case AstValue::Kind::kString: return "a string";
    case AstValue::Kind::kNumber: return "a number";
    case AstValue::Kind::kDate: return "a date";
    case AstValue::Kind::kDatetime: return "a datetime";
    case AstValue::Kind::kBool: return "a boolean";
    case AstValue::Kind::kNull: return "null";
    case AstValue::Kind::kMe: return "me()";
    case AstValue::Kind::kToday: return "today()";
    case AstValue::Kind::kNow: return "now()";
  }
  return "a value";
}

// Fields that `~`, starts_with and ends_with make sense on. Dates, ids and
// multi_picklists are stored as text too, but substring matching on their encoding
// would expose it (";a;b;") rather than mean anything to a user.
bool IsMatchable(FieldType type) {
  switch (type) {
    case FieldType::kText:
    case FieldType::kLongText:
    case FieldType::kEmail:
    case FieldType::kPhone:
    case FieldType::kUrl:
    case FieldType::kPicklist:
      return true;
    default:
      return false;
  }
}

bool IsRangeComparable(FieldType type) {
  return metadata::IsSortable(type) && type != FieldType::kBoolean;
}

struct ResolvedPath {
  const FieldDef* field = nullptr;
  const FieldDef* lookup = nullptr;  // set for relation paths
  const ObjectDef* target = nullptr;
};

Result<const FieldDef*> FindFieldOrSuggest(const ObjectDef& object, std::string_view name) {
  if (const FieldDef* field = object.FindField(name)) return field;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("Unknown field `{}` on `{}`.{}", name, object.name,
                          DidYouMean(name, object.FieldNames())));
}

Result<ResolvedPath> ResolvePath(std::string_view path, const ObjectDef& object,
                                 const metadata::MetadataSnapshot& snapshot) {
  ResolvedPath out;
  const size_t dot = path.find('.');
  if (dot == std::string_view::npos) {
    RAPPORT_ASSIGN_OR_RETURN(out.field, FindFieldOrSuggest(object, path));
    return out;
  }
  const std::string_view relation = path.substr(0, dot);
  out.lookup = object.FindRelation(relation);
  if (out.lookup == nullptr) {
    std::vector<std::string> relations;
    for (const auto& f : object.fields) {
      if (f.type == FieldType::kLookup) relations.push_back(f.relation_name());
    }
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Unknown relation `{}` on `{}`.{}", relation, object.name,
                            DidYouMean(relation, relations)));
  }
  out.target = snapshot.FindObject(out.lookup->target);
  if (out.target == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Relation `{}` on `{}` cannot be used in filters", relation,
                            object.name));
  }
  RAPPORT_ASSIGN_OR_RETURN(out.field, FindFieldOrSuggest(*out.target, path.substr(dot + 1)));
  return out;
}

// Maps the surface operator to a positive predicate plus a negation flag.
std::pair<LeafOp, bool> Normalize(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return {LeafOp::kEq, false};
    case CompareOp::kNe: return {LeafOp::kEq, true};
    case CompareOp::kLt: return {LeafOp::kLt, false};
    case CompareOp::kLe: return {LeafOp::kLe, false};
    case CompareOp::kGt: return {LeafOp::kGt, false};
    case CompareOp::kGe: return {LeafOp::kGe, false};
    case CompareOp::kContains: return {LeafOp::kContains, false};
    case CompareOp::kStartsWith: return {LeafOp::kStartsWith, false};
    case CompareOp::kEndsWith: return {LeafOp::kEndsWith, false};
    case CompareOp::kIn: return {LeafOp::kIn, false};
    case CompareOp::kNotIn: return {LeafOp::kIn, true};
    case CompareOp::kIsNull: return {LeafOp::kHasValue, true};
    case CompareOp::kIsNotNull: return {LeafOp::kHasValue, false};
    case CompareOp::kBetween: return {LeafOp::kBetween, false};
    case CompareOp::kWas: return {LeafOp::kEq, false};
    case CompareOp::kWasIn: return {LeafOp::kIn, false};
  }
  return {LeafOp::kEq, false};
}

class ValueConverter {
 public:
  ValueConverter(const FieldDef& field, std::string_view path, bool matching)
      : field_(field), path_(path), matching_(matching) {}

  Result<BoundValue> Convert(const AstValue& v) const {
    if (!v.offsets.empty() && field_.type != FieldType::kDate &&
        field_.type != FieldType::kDatetime) {
      return TypeError("Durations can only be added to dates and datetimes",
                       v.offsets.front().position);
    }
    if (matching_) {  // ~, starts_with, ends_with take any text
      if (v.kind != AstValue::Kind::kString) return Mismatch(v, "a quoted string");
      return Literal(v.text);
    }
    switch (field_.type) {
      case FieldType::kText:
      case FieldType::kLongText:
      case FieldType::kEmail:
      case FieldType::kPhone:
      case FieldType::kUrl:
        if (v.kind != AstValue::Kind::kString) return Mismatch(v, "a quoted string");
        return Literal(v.text);
      case FieldType::kPicklist:
      case FieldType::kMultiPicklist:
        return ConvertOption(v);
      case FieldType::kInteger:
        return ConvertInteger(v);
      case FieldType::kDecimal:
      case FieldType::kPercent:
      case FieldType::kCurrency: {
        if (v.kind != AstValue::Kind::kNumber) return Mismatch(v, "a number");
        auto d = Decimal::Parse(v.text);
        if (!d) {
          return TypeError(fmt::format("`{}` is not a valid amount for `{}` (at most {} decimals)",
                                       v.text, path_, Decimal::kScale),
                           v.position);
        }
        return Literal(d->units);
      }
      case FieldType::kBoolean:
        if (v.kind != AstValue::Kind::kBool) return Mismatch(v, "true or false");
        return Literal(int64_t{v.boolean ? 1 : 0});
      case FieldType::kDate:
        return ConvertDate(v);
      case FieldType::kDatetime:
        return ConvertDatetime(v);
      case FieldType::kId:
      case FieldType::kLookup:
        if (v.kind == AstValue::Kind::kMe) return BoundValue{.kind = BoundValue::Kind::kMe};
        if (v.kind != AstValue::Kind::kString) return Mismatch(v, "a quoted id or me()");
        if (!IsValidId(v.text)) {
          return TypeError(fmt::format("\"{}\" is not a valid id for `{}`",
                                       v.text.substr(0, 60), path_),
                           v.position);
        }
        return Literal(AsciiLower(v.text));
    }
    return Mismatch(v, "a value");
  }

 private:
  static BoundValue Literal(storage::Value value) {
    BoundValue out;
    out.literal = std::move(value);
    return out;
  }

  std::unexpected<Error> Mismatch(const AstValue& v, std::string_view expected) const {
    return TypeError(fmt::format("`{}` is {} and needs {}, found {}", path_,
                                 metadata::FieldTypeName(field_.type), expected, KindName(v.kind)),
                     v.position);
  }

  Result<BoundValue> ConvertOption(const AstValue& v) const {
    if (v.kind != AstValue::Kind::kString) return Mismatch(v, "a quoted option value");
    if (field_.HasOption(v.text)) return Literal(v.text);
    std::string valid;
    for (const auto& o : field_.options) {
      if (!valid.empty()) valid += ", ";
      valid += "\"" + o.value + "\"";
    }
    return TypeError(fmt::format("\"{}\" is not an option of `{}`; valid values: {}",
                                 v.text.substr(0, 60), path_, valid),
                     v.position);
  }

  Result<BoundValue> ConvertInteger(const AstValue& v) const {
    if (v.kind != AstValue::Kind::kNumber) return Mismatch(v, "a whole number");
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
    if (ec != std::errc() || end != v.text.data() + v.text.size()) {
      return TypeError(fmt::format("`{}` is not a whole number in range for `{}`", v.text, path_),
                       v.position);
    }
    return Literal(n);
  }

  Result<Micros> SumOffsets(const AstValue& v, bool whole_days) const {
    Micros total = 0;
    for (const Duration& d : v.offsets) {
      Micros unit = d.unit == 'w'   ? 7 * kMicrosPerDay
                    : d.unit == 'd' ? kMicrosPerDay
                    : d.unit == 'h' ? kMicrosPerHour
                                    : 60 * kMicrosPerSecond;
      if (whole_days && unit < kMicrosPerDay) {
        return TypeError(fmt::format("`{}` is a date; only whole days (d) or weeks (w) can be "
                                     "added",
                                     path_),
                         d.position);
      }
      // amount < 10^7 and unit ≤ 6.1e11, so each term and the sum of the ≤ 4096
      // terms a 4 KiB expression can hold stay far below 2^63.
      total += (d.subtract ? -1 : 1) * d.amount * unit;
    }
    return total;
  }

  Result<BoundValue> ConvertDate(const AstValue& v) const {
    BoundValue out;
    out.kind = BoundValue::Kind::kTime;
    out.as_date = true;
    RAPPORT_ASSIGN_OR_RETURN(out.offset, SumOffsets(v, /*whole_days=*/true));
    switch (v.kind) {
      case AstValue::Kind::kToday:
        out.base = BoundValue::Base::kToday;
        return out;
      case AstValue::Kind::kDate:
      case AstValue::Kind::kString: {
        auto days = ParseDateDays(v.text);
        if (!days) return Mismatch(v, "a date like 2026-01-31");
        if (v.offsets.empty()) return Literal(v.text);
        out.fixed = *days * kMicrosPerDay;
        return out;
      }
      default:
        return Mismatch(v, "a date like 2026-01-31 or today()");
    }
  }

  Result<BoundValue> ConvertDatetime(const AstValue& v) const {
    BoundValue out;
    out.kind = BoundValue::Kind::kTime;
    RAPPORT_ASSIGN_OR_RETURN(out.offset, SumOffsets(v, /*whole_days=*/false));
    switch (v.kind) {
      case AstValue::Kind::kNow:
        out.base = BoundValue::Base::kNow;
        return out;
      case AstValue::Kind::kToday:  // midnight UTC
        out.base = BoundValue::Base::kToday;
        return out;
      case AstValue::Kind::kDate:  // midnight UTC
      case AstValue::Kind::kDatetime:
      case AstValue::Kind::kString: {
        auto micros = ParseDatetime(v.text);
        if (!micros) return Mismatch(v, "a datetime like 2026-01-31T09:30:00Z");
        out.fixed = *micros;
        return out;
      }
      default:
        return Mismatch(v, "a datetime like 2026-01-31T09:30:00Z, a date or now()");
    }
  }

  const FieldDef& field_;
  std::string_view path_;
  bool matching_;
};

Result<BoundLeaf> BindCompare(const AstNode& ast, bool negate, const ObjectDef& object,
                              const metadata::MetadataSnapshot& snapshot) {
  RAPPORT_ASSIGN_OR_RETURN(ResolvedPath resolved, ResolvePath(ast.path, object, snapshot));
  const FieldDef& field = *resolved.field;

  CompareOp op = ast.op;
  std::vector<const AstValue*> operands;
  for (const AstValue& v : ast.values) operands.push_back(&v);
  // `x = null` / `x != null` are spelled-out `is null` / `is not null`.
  if ((op == CompareOp::kEq || op == CompareOp::kNe) &&
      operands.front()->kind == AstValue::Kind::kNull) {
    if (!operands.front()->offsets.empty()) {
      return TypeError("Durations cannot be added to null", operands.front()->position);
    }
    op = op == CompareOp::kEq ? CompareOp::kIsNull : CompareOp::kIsNotNull;
    operands.clear();
  }
  for (const AstValue* v : operands) {
    if (v->kind == AstValue::Kind::kNull) {
      return TypeError(fmt::format("null cannot be used with `{}`; use `is null` or "
                                   "`is not null`",
                                   CompareOpText(op)),
                       v->position);
    }
  }

  BoundLeaf leaf;
  leaf.path = ast.path;
  leaf.type = field.type;
  leaf.column = field.column;
  if (resolved.lookup != nullptr) {
    leaf.via_relation = true;
    leaf.lookup_column = resolved.lookup->column;
    leaf.target_table = resolved.target->table;
    const FieldDef* id = resolved.target->FindField("id");
    leaf.target_id_column = id != nullptr ? id->column : "id";
  }
  auto [leaf_op, negated] = Normalize(op);
  leaf.op = leaf_op;
  leaf.negated = negated != negate;
  if (op == CompareOp::kWas || op == CompareOp::kWasIn) {
    // The history keeps each change of a field as text: a picklist's value, a text.
    const bool textual = field.type == FieldType::kPicklist || field.type == FieldType::kText ||
                         field.type == FieldType::kEmail || field.type == FieldType::kPhone ||
                         field.type == FieldType::kUrl;
    if (resolved.lookup != nullptr || !textual || !field.encryption.empty() || field.system) {
      return TypeError(fmt::format("`was` reads a field's history: only a picklist or text field of the record "
                                   "itself (not encrypted), not `{}`",
                                   ast.path),
                       ast.op_position);
    }
    leaf.ever = true;
    leaf.history_object = object.name;
    leaf.history_field = field.name;
  }

  if (!field.encryption.empty()) {
    // Ciphertext only answers equality, and only when equal values seal equally.
    bool equality = leaf_op == LeafOp::kEq || leaf_op == LeafOp::kIn || leaf_op == LeafOp::kHasValue;
    if (field.encryption != "deterministic" && leaf_op != LeafOp::kHasValue) {
      return TypeError(fmt::format("`{}` is encrypted (randomized): it can only be tested with `is null`", ast.path),
                       ast.op_position);
    }
    if (!equality) {
      return TypeError(fmt::format("`{}` is encrypted: only `=`, `!=`, `in` and `is null` work on it", ast.path),
                       ast.op_position);
    }
    leaf.sealed_field = field.name;
  }
  const bool matching = leaf_op == LeafOp::kContains || leaf_op == LeafOp::kStartsWith ||
                        leaf_op == LeafOp::kEndsWith;
  const bool range = leaf_op == LeafOp::kLt || leaf_op == LeafOp::kLe ||
                     leaf_op == LeafOp::kGt || leaf_op == LeafOp::kGe ||
                     leaf_op == LeafOp::kBetween;
  if (matching && !IsMatchable(field.type)) {
    return TypeError(fmt::format("`{}` only works on text fields; `{}` is {}", CompareOpText(op),
                                 ast.path, metadata::FieldTypeName(field.type)),
                     ast.op_position);
  }
  if (range && !IsRangeComparable(field.type)) {
    return TypeError(fmt::format("`{}` cannot be used on `{}` ({})", CompareOpText(op), ast.path,
                                 metadata::FieldTypeName(field.type)),
                     ast.op_position);
  }

  ValueConverter converter(field, ast.path, matching);
  for (const AstValue* v : operands) {
    RAPPORT_ASSIGN_OR_RETURN(BoundValue value, converter.Convert(*v));
    leaf.values.push_back(std::move(value));
  }
  return leaf;
}

Result<BoundNode> BindNode(const AstNode& ast, bool negate, const ObjectDef& object,
                           const metadata::MetadataSnapshot& snapshot) {
  BoundNode out;
  switch (ast.kind) {
    case AstNode::Kind::kNot:
      return BindNode(ast.children.front(), !negate, object, snapshot);
    case AstNode::Kind::kAnd:
    case AstNode::Kind::kOr: {
      // De Morgan: not (a and b) = not a or not b.
      const bool is_and = (ast.kind == AstNode::Kind::kAnd) != negate;
      out.kind = is_and ? BoundNode::Kind::kAnd : BoundNode::Kind::kOr;
      for (const AstNode& child : ast.children) {
        RAPPORT_ASSIGN_OR_RETURN(BoundNode bound, BindNode(child, negate, object, snapshot));
        out.children.push_back(std::move(bound));
      }
      return out;
    }
    case AstNode::Kind::kCompare: {
      out.kind = BoundNode::Kind::kLeaf;
      RAPPORT_ASSIGN_OR_RETURN(out.leaf, BindCompare(ast, negate, object, snapshot));
      return out;
    }
  }
  return Fail(ErrorCode::kInternal, "unknown AST node");
}

void CollectPaths(const BoundNode& node, std::vector<std::string>& out) {
  if (node.kind == BoundNode::Kind::kLeaf) {
    out.push_back(node.leaf.path);
    return;
  }
  for (const BoundNode& child : node.children) CollectPaths(child, out);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<storage::Value> Resolve(const BoundValue& value, const CompileContext& context) {
  switch (value.kind) {
    case BoundValue::Kind::kLiteral:
      return value.literal;
    case BoundValue::Kind::kMe:
      if (context.user_id.empty()) {
        return Fail(ErrorCode::kInvalidArgument, "me() needs a signed-in user");
      }
      return storage::Value(AsciiLower(context.user_id));
    case BoundValue::Kind::kTime:
      break;
  }
  static const Micros kMin = DaysFromCivil(1, 1, 1) * kMicrosPerDay;
  static const Micros kMax = DaysFromCivil(10000, 1, 1) * kMicrosPerDay - 1;
  Micros base = value.fixed;
  if (value.base == BoundValue::Base::kNow) base = context.now;
  if (value.base == BoundValue::Base::kToday) {
    base = FloorDiv(context.now, kMicrosPerDay) * kMicrosPerDay;
  }
  if (base < kMin || base > kMax || value.offset < kMin - base || value.offset > kMax - base) {
    return Fail(ErrorCode::kInvalidArgument, "Date arithmetic leaves the years 1 to 9999");
  }
  const Micros t = base + value.offset;
  if (value.as_date) return storage::Value(FormatDate(FloorDiv(t, kMicrosPerDay)));
  return storage::Value(FormatDatetime(t));
}

}  // namespace internal

Result<BoundExpr> Bind(const Ast& ast, const metadata::ObjectDef& object,
                       const metadata::MetadataSnapshot& snapshot) {
  if (!ast.root) return Fail(ErrorCode::kInvalidArgument, "Expression is empty at position 1");
  RAPPORT_ASSIGN_OR_RETURN(internal::BoundNode root,
                           internal::BindNode(*ast.root, /*negate=*/false, object, snapshot));
  return BoundExpr{std::make_shared<const internal::BoundNode>(std::move(root))};
}

Result<BoundExpr> ParseAndBind(std::string_view text, const metadata::ObjectDef& object,
                               const metadata::MetadataSnapshot& snapshot) {
  RAPPORT_ASSIGN_OR_RETURN(Ast ast, Parse(text));
  return Bind(ast, object, snapshot);
}

std::vector<std::string> ReferencedPaths(const BoundExpr& expr) {
  std::vector<std::string> paths;
  if (expr.root) internal::CollectPaths(*expr.root, paths);
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

}  // namespace rapport::query
