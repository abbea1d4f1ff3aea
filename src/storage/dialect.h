// SqlDialect is the only place where SQL differs between backends. Code above
// storage/ writes portable SQL with `?` placeholders and asks the dialect for the
// parts that differ (column types, case-insensitive matching, upserts).
#pragma once

#include <string>
#include <string_view>

#include "core/calendar.h"

namespace rapport::storage {

// How a column stores its values; metadata maps each field type onto one.
enum class ColumnType {
  kText,
  kInteger,  // 64-bit
  kReal,
  kBoolean,
};

class SqlDialect {
 public:
  virtual ~SqlDialect() = default;
  virtual std::string_view name() const = 0;  // "sqlite" or "postgresql"
  virtual std::string ColumnTypeSql(ColumnType type) const = 0;
  // `"name"` with embedded quotes doubled.
  std::string QuoteIdentifier(std::string_view name) const;
  // `expr` contains / starts with / ends with the parameter, ignoring ASCII case.
  // The caller binds the pattern produced by LikePattern().
  virtual std::string CaseInsensitiveLike(std::string_view expr) const = 0;
  // Escapes %, _ and the escape character '\' so `text` matches literally.
  static std::string EscapeLike(std::string_view text);
  // One key column of a CREATE INDEX. Sorts put NULLs first when ascending (SQLite's
  // native order, hence the default); an index must store them that way to serve
  // those sorts, so dialects that order NULLs last by default say so here.
  virtual std::string IndexKey(std::string_view quoted_column) const { return std::string(quoted_column); }
  // A query with one `?` (a table name) listing that table's columns in order as rows
  // (name, type), type being 'text', 'integer' or 'real'; no rows if there is no
  // such table. Use TableColumns() (storage/catalog.h) rather than this directly.
  virtual std::string ColumnsQuery() const = 0;
  // A query with one `?` (a table name) giving the planner's count of that table's rows
  // as one integer row (none, or a negative count, when it has none). Use
  // EstimatedRows() (storage/catalog.h).
  virtual std::string EstimatedRowsQuery() const = 0;
  // Grouping by date (reports): the bucket label (core/calendar.h BucketLabel) of
  // `stored`, a stored date text, or if `datetime` a stored datetime text taken in
  // the time zone bound to the one `?` the expression then holds. `fiscal_start` is a
  // month, 1..12.
  virtual std::string DateBucket(std::string_view stored, bool datetime, DatePart part, int fiscal_start) const = 0;
  // The bucket of a datetime stored as UTC text (YYYY-MM-DDTHH:MM:SS...Z), taken in
  // UTC: that of the date its first ten characters are (no zone arithmetic a row).
  virtual std::string UtcDatetimeBucket(std::string_view stored, DatePart part, int fiscal_start) const;
  // Aggregate: the sum of the two middle values of an integer expression (twice the
  // middle one for an odd count, NULL for none), so an exact median is half of it.
  virtual std::string MiddleSum(std::string_view expr) const = 0;
  // Whole seconds since 1970-01-01T00:00:00Z of a stored date or datetime text (a
  // date is its midnight UTC; a datetime's fraction of a second is dropped), or NULL.
  // Both read the same text the same way, so durations agree across backends.
  virtual std::string EpochSeconds(std::string_view stored) const = 0;
  // Whether GROUP BY sorts the rows it groups (SQLite: it has no hash aggregation, and
  // sorting costs several times the scan), so that grouping the rows as they stream by
  // is faster. The record engine then groups them itself.
  virtual bool GroupsBySorting() const { return false; }
  // A record table (keyed by tenant_id and id) as `alias`, read through its primary
  // key whatever the statement's other conditions and grouping would favour: for a
  // range of ids the caller knows to be narrow (the rows appended since a kept report
  // result) and the planner cannot tell. SQLite keeps no histogram of ids and would
  // walk a whole grouping index instead; PostgreSQL's statistics tell it.
  virtual std::string TableByPrimaryKey(std::string_view table, std::string_view alias) const {
    return QuoteIdentifier(table) + " " + std::string(alias);
  }
  // A step series read per row: the rows of `table` form, per tenant and `key_column`,
  // steps starting at `step_column` (text in the order it sorts, e.g. ISO dates). For a
  // row whose tenant is `tenant` and key is `key`, the step in force at `at` (all three
  // SQL expressions over the row) is the greatest step at or before it, NULL before
  // the first. The default seeks `table`'s key once per row, which suits a backend
  // whose subqueries cost little; `join`, when set, is a join the expression reads
  // through (named `alias`, never taking parameters). Reports: the first day of the
  // exchange rate in force on a record's day.
  struct StepLookup {
    std::string join;
    std::string value;
  };
  virtual StepLookup StepAt(std::string_view table, std::string_view key_column, std::string_view step_column,
                            std::string_view alias, std::string_view tenant, std::string_view key,
                            std::string_view at) const;
  // SQL literal for a boolean column value.
  virtual std::string_view TrueLiteral() const = 0;
  virtual std::string_view FalseLiteral() const = 0;
};

}  // namespace rapport::storage
