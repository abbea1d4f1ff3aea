// BoundExpr → SQL. Every value is a bound `?` parameter; identifiers go through the
// dialect's quoting. See expression.h for the NULL semantics this spells out.
#include <fmt/format.h>

#include "query/expression.h"
#include "query/internal/bound.h"
#include "query/internal/like.h"

namespace rapport::query {
namespace internal {
namespace {

// Columns every record table has; relation subqueries scope by them.
constexpr std::string_view kTenantColumn = "tenant_id";
constexpr std::string_view kDeletedColumn = "deleted_at";

class Compiler {
 public:
  Compiler(const storage::SqlDialect& dialect, const CompileContext& context)
      : dialect_(dialect), context_(context) {}

  Result<SqlFragment> Run(const BoundNode& root) {
    RAPPORT_ASSIGN_OR_RETURN(std::string sql, Node(root));
    return SqlFragment{std::move(sql), std::move(params_)};
  }

 private:
  Result<std::string> Node(const BoundNode& node) {
    if (node.kind == BoundNode::Kind::kLeaf) return Leaf(node.leaf);
    const std::string_view glue = node.kind == BoundNode::Kind::kAnd ? " AND " : " OR ";
    std::string out = "(";
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (i > 0) out += glue;
      RAPPORT_ASSIGN_OR_RETURN(std::string child, Node(node.children[i]));
      out += child;
    }
    out += ")";
    return out;
  }

  std::string Column(std::string_view alias, std::string_view column) const {
    return fmt::format("{}.{}", alias, dialect_.QuoteIdentifier(column));
  }

  Result<std::string> Leaf(const BoundLeaf& leaf) {
    sealed_field_ = leaf.sealed_field;  // its literals are sealed (Bind)
    if (leaf.ever) return Ever(leaf);
    if (!leaf.via_relation) {
      const std::string column = Column(context_.table_alias, leaf.column);
      if (!leaf.negated) return Predicate(leaf, column);
      return Complement(leaf, column);
    }
    // The related record matches the positive predicate; a negated leaf is the
    // complement over the outer rows, including those with an empty lookup.
    const std::string alias = context_.table_alias == "l" ? "l2" : "l";
    RAPPORT_ASSIGN_OR_RETURN(std::string inner, Predicate(leaf, Column(alias, leaf.column)));
    const std::string lookup = Column(context_.table_alias, leaf.lookup_column);
    if (context_.related_rows) {
      if (auto rows = context_.related_rows(leaf.target_table, alias)) {
        inner += " AND " + rows->sql;
        params_.insert(params_.end(), rows->params.begin(), rows->params.end());
      }
    }
    std::string subquery = fmt::format(
        "(SELECT {} FROM {} {} WHERE {} = {} AND {} IS NULL AND {})",
        Column(alias, leaf.target_id_column), dialect_.QuoteIdentifier(leaf.target_table), alias,
        Column(alias, kTenantColumn), Column(context_.table_alias, kTenantColumn),
        Column(alias, kDeletedColumn), inner);
    if (!leaf.negated) return fmt::format("{} IN {}", lookup, subquery);
    // The subquery selects ids, never NULL, so NOT IN is two-valued here.
    return fmt::format("({} IS NULL OR {} NOT IN {})", lookup, lookup, subquery);
  }

  // `field was v`: the value now, or an old or new value of the field in the record's
  // history (one index probe per record: the history is keyed by tenant, object and
  // record). Two-valued: a NULL column makes its half false, so `not` is exact.
  Result<std::string> Ever(const BoundLeaf& leaf) {
    const std::string column = Column(context_.table_alias, leaf.column);
    const std::string alias = context_.table_alias == "rh" ? "rh2" : "rh";
    RAPPORT_ASSIGN_OR_RETURN(std::string now, ValueList(leaf));
    params_.push_back(leaf.history_object);
    params_.push_back(leaf.history_field);
    RAPPORT_ASSIGN_OR_RETURN(std::string old_values, ValueList(leaf));
    RAPPORT_ASSIGN_OR_RETURN(std::string new_values, ValueList(leaf));
    std::string positive = fmt::format(
        "(({0} IS NOT NULL AND {0} IN {1}) OR EXISTS (SELECT 1 FROM record_history {2} WHERE {3} = {4} AND "
        "{5} = ? AND {6} = {7} AND {8} = ? AND ({9} IN {10} OR {11} IN {12})))",
        column, now, alias, Column(alias, kTenantColumn), Column(context_.table_alias, kTenantColumn),
        Column(alias, "object_name"), Column(alias, "record_id"), Column(context_.table_alias, "id"),
        Column(alias, "field"), Column(alias, "old_value"), old_values, Column(alias, "new_value"), new_values);
    return leaf.negated ? "NOT " + positive : positive;
  }

  Result<std::string> Bind(const BoundValue& value) {
    RAPPORT_ASSIGN_OR_RETURN(storage::Value v, Resolve(value, context_));
    if (!sealed_field_.empty() && std::holds_alternative<std::string>(v)) {
      if (!context_.seal) return Fail(ErrorCode::kInvalidArgument, "Encrypted fields cannot be filtered here.");
      v = context_.seal(sealed_field_, std::get<std::string>(v));
    }
    params_.push_back(std::move(v));
    return std::string("?");
  }

  // Binds a LIKE pattern built from a string literal.
  Result<std::string> BindPattern(const BoundValue& value, LikeKind kind) {
    RAPPORT_ASSIGN_OR_RETURN(storage::Value v, Resolve(value, context_));
    params_.push_back(LikePattern(std::get<std::string>(v), kind));
    return std::string("?");
  }

  Result<std::string> ValueList(const BoundLeaf& leaf) {
    std::string out = "(";
    for (size_t i = 0; i < leaf.values.size(); ++i) {
      if (i > 0) out += ", ";
      RAPPORT_ASSIGN_OR_RETURN(std::string p, Bind(leaf.values[i]));
      out += p;
    }
    return out + ")";
  }

  // The positive predicate: NULL (never true) when the column is NULL.
  Result<std::string> Predicate(const BoundLeaf& leaf, const std::string& column) {
    if (leaf.type == metadata::FieldType::kMultiPicklist &&
        (leaf.op == LeafOp::kEq || leaf.op == LeafOp::kIn)) {
      // ";a;b;" contains the option: one LIKE per value.
      std::string out = leaf.values.size() > 1 ? "(" : "";
      for (size_t i = 0; i < leaf.values.size(); ++i) {
        if (i > 0) out += " OR ";
        RAPPORT_TRY(BindPattern(leaf.values[i], LikeKind::kOption));
        out += dialect_.CaseInsensitiveLike(column);
      }
      return leaf.values.size() > 1 ? out + ")" : out;
    }
    auto binary = [&](std::string_view op) -> Result<std::string> {
      RAPPORT_ASSIGN_OR_RETURN(std::string p, Bind(leaf.values.at(0)));
      return fmt::format("{} {} {}", column, op, p);
    };
    auto like = [&](LikeKind kind) -> Result<std::string> {
      RAPPORT_TRY(BindPattern(leaf.values.at(0), kind));
      return dialect_.CaseInsensitiveLike(column);
    };
    switch (leaf.op) {
      case LeafOp::kEq: return binary("=");
      case LeafOp::kLt: return binary("<");
      case LeafOp::kLe: return binary("<=");
      case LeafOp::kGt: return binary(">");
      case LeafOp::kGe: return binary(">=");
      case LeafOp::kIn: {
        RAPPORT_ASSIGN_OR_RETURN(std::string list, ValueList(leaf));
        return fmt::format("{} IN {}", column, list);
      }
      case LeafOp::kBetween: {
        RAPPORT_ASSIGN_OR_RETURN(std::string low, Bind(leaf.values.at(0)));
        RAPPORT_ASSIGN_OR_RETURN(std::string high, Bind(leaf.values.at(1)));
        return fmt::format("{} BETWEEN {} AND {}", column, low, high);
      }
      case LeafOp::kContains: return like(LikeKind::kContains);
      case LeafOp::kStartsWith: return like(LikeKind::kStartsWith);
      case LeafOp::kEndsWith: return like(LikeKind::kEndsWith);
      case LeafOp::kHasValue: return fmt::format("{} IS NOT NULL", column);
    }
    return Fail(ErrorCode::kInternal, "unknown leaf operator");
  }

  // True exactly when Predicate() is not true: NULL columns included.
  Result<std::string> Complement(const BoundLeaf& leaf, const std::string& column) {
    if (leaf.op == LeafOp::kHasValue) return fmt::format("{} IS NULL", column);
    const bool multi = leaf.type == metadata::FieldType::kMultiPicklist;
    if (leaf.op == LeafOp::kEq && !multi) {
      RAPPORT_ASSIGN_OR_RETURN(std::string p, Bind(leaf.values.at(0)));
      return fmt::format("({} IS NULL OR {} <> {})", column, column, p);
    }
    if (leaf.op == LeafOp::kIn && !multi) {
      RAPPORT_ASSIGN_OR_RETURN(std::string list, ValueList(leaf));
      return fmt::format("({} IS NULL OR {} NOT IN {})", column, column, list);
    }
    RAPPORT_ASSIGN_OR_RETURN(std::string positive, Predicate(leaf, column));
    return fmt::format("({} IS NULL OR NOT ({}))", column, positive);
  }

  const storage::SqlDialect& dialect_;
  const CompileContext& context_;
  std::vector<storage::Value> params_;
  std::string sealed_field_;  // of the leaf being compiled
};

}  // namespace

std::string LikePattern(std::string_view text, LikeKind kind) {
  const std::string escaped = storage::SqlDialect::EscapeLike(text);
  switch (kind) {
    case LikeKind::kContains: return "%" + escaped + "%";
    case LikeKind::kStartsWith: return escaped + "%";
    case LikeKind::kEndsWith: return "%" + escaped;
    case LikeKind::kOption: return "%;" + escaped + ";%";
  }
  return escaped;
}

}  // namespace internal

Result<SqlFragment> CompileToSql(const BoundExpr& expr, const storage::SqlDialect& dialect,
                                 const CompileContext& context) {
  if (!expr.root) return Fail(ErrorCode::kInvalidArgument, "Expression is empty");
  return internal::Compiler(dialect, context).Run(*expr.root);
}

}  // namespace rapport::query
