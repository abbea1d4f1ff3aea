// Rapport's filter language: parse, bind to an object's schema, then either compile
// to parameterised SQL or evaluate in memory. Both back ends implement the same
// semantics; the agreement test runs every case through SQLite and the evaluator.
//
//   amount >= 1000 and stage in ("won", "negotiation")
//   name ~ "acme"                        -- contains, ASCII case-insensitive
//   company.industry = "Retail"          -- one level through a lookup
//   created_at > now() - 30d
//   stage was "negotiation"              -- now, or before: the record's history
//
// NULL semantics (two-valued, so `not` is always the exact complement):
//   * A comparison against a NULL field is false: `=`, `<`, `~`, `in`, `between`...
//   * `!=`, `not in` and `is null` are the complements of `=`, `in` and
//     `is not null`, so they INCLUDE records whose field is NULL ("status != closed"
//     lists records with no status). Likewise `not (x < 5)` includes NULL x.
//   * For `relation.field`, a record whose lookup is empty or points at a missing or
//     deleted record behaves as if the related field were NULL.
// The binder pushes every `not` down to the comparisons, and the SQL compiler spells
// each negated comparison as `(col IS NULL OR <complement>)`; that makes SQL's
// three-valued logic coincide with the evaluator's two-valued logic.
//
// Types (operands are converted to the storage encoding of metadata/field_type.h):
//   * text-like fields take quoted strings; `<`/`>` compare bytewise (SQLite BINARY;
//     a PostgreSQL database must use the "C" collation to agree).
//   * `~`, starts_with, ends_with: text, long_text, email, phone, url, picklist only;
//     ASCII case-insensitive, so `%`, `_` and `\` in the operand match literally.
//   * picklist / multi_picklist operands must be option values. On a multi_picklist
//     `=` and `in` mean "contains the option" (ASCII case-insensitive, like `~`).
//   * currency compares the amount only (the currency code is ignored).
//   * boolean: true/false with `=`, `!=`, `in`; no range operators.
//   * date: 2026-01-31, "2026-01-31" or today(), plus/minus d or w durations.
//   * datetime: 2026-01-31T09:30:00Z (any RFC 3339 offset), a date (midnight UTC),
//     now() or today() (midnight UTC), plus/minus d, h, m or w durations.
//   * id / lookup: a quoted UUID (any case) or me().
//   * `x = null` and `x != null` mean `x is null` and `x is not null`.
//   * `x was v`, `x was in (...)`: x is v now or was before, as record_history says
//     (old and new values of x's changes). Own picklist and text fields only, not
//     encrypted. SQL only: Evaluate refuses it (the history is not in the record).
//
// Errors: syntax and type errors are kInvalidArgument with a 1-based byte position
// in the detail ("Expected a value after `>=` at position 10"). Inputs longer than
// kMaxExpressionBytes or nested deeper than kMaxNestingDepth are rejected the same
// way, so any input is safe to parse.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "metadata/object_def.h"
#include "metadata/snapshot.h"
#include "storage/dialect.h"
#include "storage/value.h"

namespace rapport::query {

inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr int kMaxNestingDepth = 64;

namespace internal {
struct AstNode;
struct BoundNode;
}  // namespace internal

// A parsed but unresolved expression. Immutable and cheap to copy.
struct Ast {
  std::shared_ptr<const internal::AstNode> root;
};

// An expression resolved against one object's fields, with literals converted to the
// storage encoding. Self-contained: it copies the table and column names it needs, so
// it stays valid after the metadata snapshot is released. Immutable, cheap to copy.
struct BoundExpr {
  std::shared_ptr<const internal::BoundNode> root;
};

struct SqlFragment {
  std::string sql;                      // uses `?` placeholders only
  std::vector<storage::Value> params;  // in placeholder order
};

// What a compiled or evaluated expression may depend on besides the record.
struct CompileContext {
  std::string table_alias = "r";  // alias of the object's table in the outer query
  std::string user_id;             // me(); empty when there is no user (me() fails)
  Micros now = 0;                  // now() and today() (the UTC date of `now`)
  // Optional: which rows of a related table (by physical name) a relation path may
  // see, as a predicate over the given alias; nullopt means all. Record-level
  // security plugs in here, so `company.name = "x"` cannot probe companies the
  // caller may not read.
  std::function<std::optional<SqlFragment>(std::string_view table, std::string_view alias)> related_rows;
  // Seals a literal compared with an encrypted (deterministic) field: (field, plaintext)
  // → what the column stores. Without it such filters fail.
  std::function<std::string(std::string_view field, std::string_view plaintext)> seal;
};

// Returns the stored-encoding value of a field path for the record being evaluated:
// "amount" (the field's api name) or "company.industry" (relation, then the target
// object's field). Must return Null when the field is NULL or, for a relation path,
// when the lookup is empty or its target is missing or deleted.
using FieldReader = std::function<storage::Value(std::string_view path)>;

Result<Ast> Parse(std::string_view text);

// `text` as a string literal of the language ("say \"hi\""), for expressions that
// code writes (a drill-down, a dashboard's filter): Parse reads it back as `text`.
std::string QuoteString(std::string_view text);

// Resolves field paths of `object` (own fields, or `relation.field` one lookup deep)
// and type-checks and converts the literals.
Result<BoundExpr> Bind(const Ast& ast, const metadata::ObjectDef& object,
                       const metadata::MetadataSnapshot& snapshot);

// Parse + Bind.
Result<BoundExpr> ParseAndBind(std::string_view text, const metadata::ObjectDef& object,
                               const metadata::MetadataSnapshot& snapshot);

// A boolean SQL condition over `context.table_alias`. Relation paths become
// tenant-scoped subqueries (the object's table must have a `tenant_id` column and
// the target's `tenant_id` and `deleted_at`). me()/now()/today() become bound
// parameters. Fails only if me() is used without a user or date arithmetic leaves the
// supported range (years 1-9999).
Result<SqlFragment> CompileToSql(const BoundExpr& expr, const storage::SqlDialect& dialect,
                                 const CompileContext& context);

// Evaluates the expression against one record; agrees with CompileToSql run on a
// database whose case-insensitive LIKE folds ASCII only (SQLite's default).
Result<bool> Evaluate(const BoundExpr& expr, const FieldReader& read,
                      const CompileContext& context);

// The field paths the expression reads ("amount", "company.industry"), sorted and
// unique: what a FieldReader must be able to supply.
std::vector<std::string> ReferencedPaths(const BoundExpr& expr);

}  // namespace rapport::query
