// In-memory evaluation of a BoundExpr over one record. It mirrors compiler.cc case
// by case; SQLite's comparison rules (memcmp text order, numbers before text) and
// its ASCII-only case-insensitive LIKE are the reference.
#include <cstdint>

#include <fmt/format.h>

#include "query/expression.h"
#include "query/internal/bound.h"
#include "query/internal/like.h"

namespace rapport::query {
namespace internal {
namespace {

char FoldAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Bytes in the UTF-8 character starting with `lead` (1 for stray bytes).
size_t Utf8Length(char lead) {
  const auto c = static_cast<unsigned char>(lead);
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

// SQLite ordering of two non-NULL values: numbers (int and real compared
// numerically) sort before text; text compares bytewise.
int CompareValues(const storage::Value& a, const storage::Value& b) {
  const bool a_text = std::holds_alternative<std::string>(a);
  const bool b_text = std::holds_alternative<std::string>(b);
  if (a_text != b_text) return a_text ? 1 : -1;
  if (a_text) {
    int c = std::get<std::string>(a).compare(std::get<std::string>(b));
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (std::holds_alternative<int64_t>(a) && std::holds_alternative<int64_t>(b)) {
    int64_t x = std::get<int64_t>(a), y = std::get<int64_t>(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  auto as_double = [](const storage::Value& v) {
    return std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v))
                                              : std::get<double>(v);
  };
  double x = as_double(a), y = as_double(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// LIKE sees a number as its text form.
std::string AsText(const storage::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return std::to_string(std::get<double>(v));
}

class Evaluator {
 public:
  Evaluator(const FieldReader& read, const CompileContext& context)
      : read_(read), context_(context) {}

  Result<bool> Node(const BoundNode& node) {
    if (node.kind == BoundNode::Kind::kLeaf) {
      RAPPORT_ASSIGN_OR_RETURN(bool positive, Predicate(node.leaf));
      return positive != node.leaf.negated;
    }
    const bool is_and = node.kind == BoundNode::Kind::kAnd;
    // No short-circuit: me()/date range errors must surface the same way CompileToSql
    // reports them, whatever the record.
    bool result = is_and;
    for (const BoundNode& child : node.children) {
      RAPPORT_ASSIGN_OR_RETURN(bool value, Node(child));
      result = is_and ? (result && value) : (result || value);
    }
    return result;
  }

 private:
  Result<storage::Value> Operand(const BoundLeaf& leaf, size_t i) {
    return Resolve(leaf.values.at(i), context_);
  }

  Result<bool> Like(const BoundLeaf& leaf, const storage::Value& field, size_t i, LikeKind kind) {
    RAPPORT_ASSIGN_OR_RETURN(storage::Value v, Operand(leaf, i));
    return LikeMatch(LikePattern(std::get<std::string>(v), kind), AsText(field));
  }

  Result<bool> Predicate(const BoundLeaf& leaf) {
    if (leaf.ever) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("`{} was` reads the records' history, which only the database holds", leaf.path));
    }
    // Resolve operands first so errors do not depend on the record's values.
    std::vector<storage::Value> operands;
    for (size_t i = 0; i < leaf.values.size(); ++i) {
      RAPPORT_ASSIGN_OR_RETURN(storage::Value v, Operand(leaf, i));
      operands.push_back(std::move(v));
    }
    const storage::Value field = read_(leaf.path);
    if (storage::IsNull(field)) return false;
    const bool multi = leaf.type == metadata::FieldType::kMultiPicklist;
    auto cmp = [&](size_t i) { return CompareValues(field, operands.at(i)); };
    switch (leaf.op) {
      case LeafOp::kEq:
      case LeafOp::kIn:
        for (size_t i = 0; i < operands.size(); ++i) {
          if (multi) {
            RAPPORT_ASSIGN_OR_RETURN(bool hit, Like(leaf, field, i, LikeKind::kOption));
            if (hit) return true;
          } else if (cmp(i) == 0) {
            return true;
          }
        }
        return false;
      case LeafOp::kLt: return cmp(0) < 0;
      case LeafOp::kLe: return cmp(0) <= 0;
      case LeafOp::kGt: return cmp(0) > 0;
      case LeafOp::kGe: return cmp(0) >= 0;
      case LeafOp::kBetween: return cmp(0) >= 0 && cmp(1) <= 0;
      case LeafOp::kContains: return Like(leaf, field, 0, LikeKind::kContains);
      case LeafOp::kStartsWith: return Like(leaf, field, 0, LikeKind::kStartsWith);
      case LeafOp::kEndsWith: return Like(leaf, field, 0, LikeKind::kEndsWith);
      case LeafOp::kHasValue: return true;
    }
    return Fail(ErrorCode::kInternal, "unknown leaf operator");
  }

  const FieldReader& read_;
  const CompileContext& context_;
};

}  // namespace

bool LikeMatch(std::string_view pattern, std::string_view text) {
  // Greedy wildcard matching with backtracking to the last '%': linear space,
  // O(pattern × text) worst case, no recursion.
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      if (pattern[p] == '_') {
        ++p;
        t += Utf8Length(text[t]);
        continue;
      }
      char pc = pattern[p];
      size_t width = 1;
      if (pc == '\\' && p + 1 < pattern.size()) {
        pc = pattern[p + 1];
        width = 2;
      }
      if (FoldAscii(pc) == FoldAscii(text[t])) {
        p += width;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

}  // namespace internal

Result<bool> Evaluate(const BoundExpr& expr, const FieldReader& read,
                      const CompileContext& context) {
  if (!expr.root) return Fail(ErrorCode::kInvalidArgument, "Expression is empty");
  return internal::Evaluator(read, context).Node(*expr.root);
}

}  // namespace rapport::query
