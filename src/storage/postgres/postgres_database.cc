#include "storage/postgres/postgres_database.h"

#include <libpq-fe.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "storage/internal/group_commit.h"
#include "storage/internal/reader_pool.h"
#include "storage/internal/stats.h"

namespace rapport::storage::postgres {

namespace {

// Type oids from pg_type.h (stable across PostgreSQL versions).
constexpr Oid kUnknownOid = 0;
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

class PostgresDialect final : public SqlDialect {
 public:
  std::string_view name() const override { return "postgresql"; }
  std::string ColumnTypeSql(ColumnType type) const override {
    switch (type) {
      // Bytewise order, like SQLite and the in-memory evaluator, whatever the
      // database's locale.
      case ColumnType::kText: return "TEXT COLLATE \"C\"";
      case ColumnType::kInteger: return "BIGINT";
      case ColumnType::kReal: return "DOUBLE PRECISION";
      // Booleans are 0/1 integers on every backend.
      case ColumnType::kBoolean: return "BIGINT";
    }
    return "TEXT";
  }
  std::string CaseInsensitiveLike(std::string_view expr) const override {
    return fmt::format("{} ILIKE ? ESCAPE '\\'", expr);
  }
  // PostgreSQL puts NULLs last by default.
  std::string IndexKey(std::string_view quoted_column) const override {
    return fmt::format("{} NULLS FIRST", quoted_column);
  }
  std::string ColumnsQuery() const override {
    return "SELECT column_name::text, CASE data_type WHEN 'bigint' THEN 'integer' "
           "WHEN 'integer' THEN 'integer' WHEN 'double precision' THEN 'real' ELSE 'text' END "
           "FROM information_schema.columns WHERE table_schema = current_schema() "
           "AND table_name = ? ORDER BY ordinal_position";
  }
  // -1 for a table never analysed.
  std::string EstimatedRowsQuery() const override {
    return "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE oid = to_regclass(?)";
  }
  // A date's buckets but its week come from its text (DateBucketOfText). Otherwise
  // PostgreSQL's own calendar: AT TIME ZONE knows the IANA zones, to_char ISO weeks
  // (IYYY, IW) and quarters; a fiscal year is the calendar one shifted by months.
  std::string DateBucket(std::string_view stored, bool datetime, DatePart part, int fiscal_start) const override {
    int shift = (13 - fiscal_start) % 12;
    if (!datetime && part != DatePart::kWeek) return DateBucketOfText(stored, part, shift);
    // A datetime's day in the zone (a TIMESTAMP; casting it to a date as well cost
    // 0.3 µs a row).
    std::string day = datetime ? fmt::format("(({})::timestamptz AT TIME ZONE ?)", stored)
                               : fmt::format("(({})::date)", stored);
    std::string fiscal = shift == 0 ? day : fmt::format("({} + interval '{} months')", day, shift);
    switch (part) {
      case DatePart::kDay: return fmt::format("to_char({}, 'YYYY-MM-DD')", day);
      case DatePart::kWeek: return fmt::format("to_char({}, 'IYYY-\"W\"IW')", day);
      case DatePart::kMonth: return fmt::format("to_char({}, 'YYYY-MM')", day);
      case DatePart::kQuarter: return fmt::format("to_char({}, 'YYYY-\"Q\"Q')", fiscal);
      case DatePart::kYear: return fmt::format("to_char({}, 'YYYY')", fiscal);
    }
    return day;
  }
  // A date's day, month, quarter and year read only its first ten characters, which
  // are a UTC datetime's day: cut from the datetime's text as it is, one function a row
  // fewer than cutting its day first (ten million activities by month: 2.65 s → 2.3 s).
  std::string UtcDatetimeBucket(std::string_view stored, DatePart part, int fiscal_start) const override {
    if (part == DatePart::kWeek) return SqlDialect::UtcDatetimeBucket(stored, part, fiscal_start);
    return DateBucketOfText(stored, part, (13 - fiscal_start) % 12);
  }
  // A date is stored as its ISO text (YYYY-MM-DD): its day, month, quarter and year
  // are cut from the text. Parsing it and formatting it back (to_char) took about
  // 0.4 µs a row, most of a grouping by quarter over a million deals. `shift`: the
  // months from the fiscal year's start to January.
  static std::string DateBucketOfText(std::string_view stored, DatePart part, int shift) {
    std::string month = fmt::format("CAST(substr({}, 6, 2) AS INTEGER)", stored);
    std::string year = shift == 0 ? fmt::format("left({}, 4)", stored)
                                  : fmt::format("lpad(CAST(CAST(left({0}, 4) AS INTEGER) + CASE WHEN {1} + {2} > 12 "
                                                "THEN 1 ELSE 0 END AS TEXT), 4, '0')",
                                                stored, month, shift);
    switch (part) {
      case DatePart::kDay: return fmt::format("left({}, 10)", stored);
      case DatePart::kMonth: return fmt::format("left({}, 7)", stored);
      case DatePart::kQuarter: return fmt::format("{} || '-Q' || CAST(({} + {}) % 12 / 3 + 1 AS TEXT)", year, month, shift + 11);
      case DatePart::kYear: return year;
      case DatePart::kWeek: break;
    }
    return std::string(stored);
  }
  // The lower and the upper middle: percentile_disc picks actual values (exact for
  // BIGINT), percentile_cont would interpolate in floating point. Both from one sort:
  // percentile_disc(p) is the value at row ceil(p × n), so 0.5 is the lower middle and
  // 0.5 + 1e-12 the upper one for any n up to 5 × 10^11 (n × 1e-12 stays within
  // (0, 0.5], far above float8's error there). The two identical aggregates are
  // computed once. One sort instead of two halved a median over a million rows.
  std::string MiddleSum(std::string_view expr) const override {
    return fmt::format("((percentile_disc(ARRAY[0.5, 0.500000000001]) WITHIN GROUP (ORDER BY {0}))[1] + "
                       "(percentile_disc(ARRAY[0.5, 0.500000000001]) WITHIN GROUP (ORDER BY {0}))[2])",
                       expr);
  }
  // A TIMESTAMP without a zone: its epoch is the nominal UTC one, whatever the session's
  // time zone (stored datetimes are always UTC).
  std::string EpochSeconds(std::string_view stored) const override {
    return fmt::format("CAST(EXTRACT(EPOCH FROM CAST(substr({}, 1, 19) AS TIMESTAMP)) AS BIGINT)", stored);
  }
  // A correlated subquery runs once per row here, at several microseconds each (5.6 s
  // for a million deals): instead each key's steps are gathered into one sorted array
  // (the tenant's condition reaches the grouping through the join's equality), and
  // width_bucket binary-searches it per row. Index 0, before the first step, is NULL.
  StepLookup StepAt(std::string_view table, std::string_view key_column, std::string_view step_column,
                    std::string_view alias, std::string_view tenant, std::string_view key,
                    std::string_view at) const override {
    return {fmt::format("LEFT JOIN (SELECT tenant_id, {1}, array_agg({2} ORDER BY {2}) AS steps FROM {0} "
                        "GROUP BY tenant_id, {1}) {3} ON {3}.tenant_id = {4} AND {3}.{1} = {5}",
                        table, key_column, step_column, alias, tenant, key),
            fmt::format("{0}.steps[width_bucket({1}, {0}.steps)]", alias, at)};
  }
  std::string_view TrueLiteral() const override { return "1"; }
  std::string_view FalseLiteral() const override { return "0"; }
};

const PostgresDialect& Dialect() {
  static const PostgresDialect dialect;
  return dialect;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

Error Unavailable(std::string internal) {
  return Error(ErrorCode::kUnavailable, "The database is unavailable.").WithInternal(std::move(internal));
}

std::string Trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps a failed command to the error vocabulary. `result` may be null (libpq could
// not even send the command).
Error PgError(PGconn* conn, const PGresult* result, std::string_view sql) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = Trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn));
  std::string sqlstate = state ? state : "";
  std::string internal = fmt::format("postgresql error {}: {} in: {}", sqlstate.empty() ? "-" : sqlstate,
                                     message, std::string(sql.substr(0, 300)));
  // A lost connection, or the server shutting down / starting up: transient.
  if (PQstatus(conn) != CONNECTION_OK || sqlstate.starts_with("08") || sqlstate.starts_with("57P")) {
    return Unavailable(std::move(internal));
  }
  if (sqlstate == "23505") {
    return Error(ErrorCode::kAlreadyExists, "A record with this value already exists.")
        .WithInternal(std::move(internal));
  }
  if (sqlstate == "23503") {
    return Error(ErrorCode::kFailedPrecondition, "A referenced record does not exist.")
        .WithInternal(std::move(internal));
  }
  // Serialization failure, deadlock, lock timeout: retryable.
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
    return Error(ErrorCode::kUnavailable, "The database is busy; retry the request.")
        .WithInternal(std::move(internal));
  }
  return Error(ErrorCode::kInternal, "Database error.").WithInternal(std::move(internal));
}

Value CellValue(const PGresult* result, int row, int col) {
  if (PQgetisnull(result, row, col)) return Null{};
  const char* text = PQgetvalue(result, row, col);
  int length = PQgetlength(result, row, col);
  switch (PQftype(result, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t v = 0;
      std::from_chars(text, text + length, v);
      return v;
    }
    case kBoolOid: return int64_t{text[0] == 't' ? 1 : 0};
    case kNumericOid: {
      // SUM() over BIGINT is NUMERIC on PostgreSQL but an integer on SQLite: keep
      // whole numbers that fit as integers so callers see the same types.
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text, text + length, v);
      if (ec == std::errc() && end == text + length) return v;
      return std::strtod(text, nullptr);
    }
    case kFloat4Oid:
    case kFloat8Oid: return std::strtod(text, nullptr);  // also parses NaN / Infinity
    default: return std::string(text, static_cast<size_t>(length));
  }
}

std::string DoubleText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", v);  // shortest text that reads back to the same double
}

}  // namespace

std::string RewritePlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      // Copy the literal or identifier whole; a doubled quote stays inside it.
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  *count = n;
  return out;
}

namespace {

// One libpq connection. Not thread-safe (one user at a time, as Connection).
class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  // Reconnects a connection that lost its server. Prepared statements die with the
  // old session, so the cache is emptied.
  Status EnsureConnected() {
    if (PQstatus(conn_) == CONNECTION_OK) return Ok();
    cache_.clear();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Fail(Unavailable("postgresql reconnect failed: " + Trimmed(PQerrorMessage(conn_))));
    }
    return Ok();
  }

  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }

  // PgError, remembering the SQLSTATE for last_error_was_conflict().
  Error Failed(const PGresult* result, std::string_view sql) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state ? state : "";
    return PgError(conn_, result, sql);
  }

  // Whether the last failed statement lost a race with another writer (serialization
  // failure, deadlock, lock timeout): running the whole unit of work again, in a new
  // transaction or savepoint, can succeed. Cleared by Begin().
  bool last_error_was_conflict() const {
    return last_sqlstate_ == "40001" || last_sqlstate_ == "40P01" || last_sqlstate_ == "55P03";
  }

  // Transaction control. Begin() retries once on a fresh connection: nothing has run
  // yet, and it makes the first request after a server restart succeed.
  Status Begin(std::string_view sql) {
    last_sqlstate_.clear();
    RAPPORT_TRY(EnsureConnected());
    Status status = Control(sql);
    if (!status && broken()) {
      RAPPORT_TRY(EnsureConnected());
      status = Control(sql);
    }
    return status;
  }

  Status Control(std::string_view sql) {
    std::string text(sql);
    ResultPtr result(PQexec(conn_, text.c_str()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return Fail(Failed(result.get(), sql));
    }
    // COMMIT of a transaction that an earlier (swallowed) error aborted rolls back
    // and reports success: that must not look like a commit to the caller.
    if (text == "COMMIT" && std::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
      return Fail(Error(ErrorCode::kInternal, "Database error.")
                      .WithInternal("postgresql: COMMIT rolled back a transaction aborted by an earlier error"));
    }
    last_sqlstate_.clear();  // a SAVEPOINT starts a new unit of work
    return Ok();
  }

  Result<QueryResult> Query(std::string_view sql, std::span<const Value> params) override {
    RAPPORT_ASSIGN_OR_RETURN(ResultPtr result, Run(sql, params));
    QueryResult out;
    int columns = PQnfields(result.get());
    int rows = PQntuples(result.get());
    out.columns.reserve(columns);
    for (int i = 0; i < columns; ++i) out.columns.emplace_back(PQfname(result.get(), i));
    out.rows.resize(rows);
    for (int r = 0; r < rows; ++r) {
      out.rows[r].reserve(columns);
      for (int i = 0; i < columns; ++i) out.rows[r].push_back(CellValue(result.get(), r, i));
    }
    return out;
  }

  // Single-row mode streams the rows instead of materialising the whole result.
  Status ForEach(std::string_view sql, std::span<const Value> params,
                 const std::function<bool(std::span<const Value>)>& on_row) override {
    RAPPORT_ASSIGN_OR_RETURN(Prepared * stmt, Prepare(sql, params));
    BoundParams bound(params);
    if (!PQsendQueryPrepared(conn_, stmt->name.c_str(), bound.count(), bound.values(), nullptr, nullptr, 0)) {
      return Fail(Failed(nullptr, sql));
    }
    PQsetSingleRowMode(conn_);
    std::vector<Value> row;
    bool wanted = true;
    Status status = Ok();
    // Every result must be consumed before the connection takes another command,
    // so rows after a stop are drained rather than abandoned.
    while (PGresult* raw = PQgetResult(conn_)) {
      ResultPtr result(raw);
      ExecStatusType st = PQresultStatus(raw);
      if (st == PGRES_SINGLE_TUPLE) {
        if (!wanted) continue;
        int columns = PQnfields(raw);
        row.resize(columns);
        for (int i = 0; i < columns; ++i) row[i] = CellValue(raw, 0, i);
        wanted = on_row(row);
      } else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && status) {
        status = Fail(Failed(raw, sql));
      }
    }
    if (!status) ForgetOnStaleError(sql, params, status.error());
    return status;
  }

  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    RAPPORT_ASSIGN_OR_RETURN(ResultPtr result, Run(sql, params));
    const char* tuples = PQcmdTuples(result.get());
    int64_t changed = 0;
    if (tuples && *tuples) std::from_chars(tuples, tuples + std::strlen(tuples), changed);
    return changed;
  }

  Status ExecuteScript(std::string_view sql) override {
    std::string text(sql);
    // SQLite's write-lock-up-front BEGIN; PostgreSQL takes row locks as it goes.
    if (text == "BEGIN IMMEDIATE") text = "BEGIN";
    ResultPtr result(PQexec(conn_, text.c_str()));
    ExecStatusType st = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
      return Fail(Failed(result.get(), sql));
    }
    return Ok();
  }

  const SqlDialect& dialect() const override { return Dialect(); }

 private:
  struct Prepared {
    std::string name;
  };

  // Parameters travel as text. Integers and doubles carry their type (int8, float8)
  // so comparisons with columns of another numeric type stay numeric; strings and
  // NULLs go as "unknown" so PostgreSQL types them from context, as SQLite would.
  class BoundParams {
   public:
    explicit BoundParams(std::span<const Value> params) {
      texts_.reserve(params.size());
      pointers_.reserve(params.size());
      for (const Value& v : params) {
        if (const auto* i = std::get_if<int64_t>(&v)) texts_.push_back(std::to_string(*i));
        else if (const auto* d = std::get_if<double>(&v)) texts_.push_back(DoubleText(*d));
        else if (const auto* s = std::get_if<std::string>(&v)) texts_.push_back(*s);
        else texts_.emplace_back();
      }
      for (size_t i = 0; i < params.size(); ++i) {
        pointers_.push_back(IsNull(params[i]) ? nullptr : texts_[i].c_str());
      }
    }
    int count() const { return static_cast<int>(pointers_.size()); }
    const char* const* values() const { return pointers_.data(); }

   private:
    std::vector<std::string> texts_;
    std::vector<const char*> pointers_;
  };

  static Oid TypeOf(const Value& v) {
    if (std::holds_alternative<int64_t>(v)) return kInt8Oid;
    if (std::holds_alternative<double>(v)) return kFloat8Oid;
    return kUnknownOid;
  }

  // The cache key is the SQL text plus the parameter types: a statement prepared for
  // an int8 parameter cannot take a NULL typed "unknown" the next time, and vice versa.
  static std::string CacheKey(std::string_view sql, std::span<const Value> params) {
    std::string key(sql);
    key += '\0';
    for (const Value& v : params) key += static_cast<char>('0' + v.index());
    return key;
  }

  Result<Prepared*> Prepare(std::string_view sql, std::span<const Value> params) {
    std::string key = CacheKey(sql, params);
    auto it = cache_.find(key);
    if (it != cache_.end()) return &it->second;
    int expected = 0;
    std::string text = RewritePlaceholders(sql, &expected);
    // PostgreSQL would infer a missing parameter's type instead of refusing the call.
    if (expected != static_cast<int>(params.size())) {
      return Fail(Error(ErrorCode::kInternal, "Database error.")
                      .WithInternal(fmt::format("{} parameters bound, {} expected in: {}", params.size(),
                                                expected, std::string(sql.substr(0, 300)))));
    }
    if (cache_.size() >= kMaxCachedStatements) {  // a bound on pathological query variety
      // Names are never reused, so a failed DEALLOCATE (say, in an aborted
      // transaction) only leaks server memory until the session ends.
      ResultPtr(PQexec(conn_, "DEALLOCATE ALL"));
      cache_.clear();
    }
    std::vector<Oid> types;
    types.reserve(params.size());
    for (const Value& v : params) types.push_back(TypeOf(v));
    std::string name = fmt::format("rapport_{}", next_statement_++);
    ResultPtr result(PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()),
                               types.data()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return Fail(Failed(result.get(), sql));
    }
    return &cache_.emplace(std::move(key), Prepared{std::move(name)}).first->second;
  }

  Result<ResultPtr> Run(std::string_view sql, std::span<const Value> params) {
    RAPPORT_ASSIGN_OR_RETURN(Prepared * stmt, Prepare(sql, params));
    BoundParams bound(params);
    ResultPtr result(PQexecPrepared(conn_, stmt->name.c_str(), bound.count(), bound.values(), nullptr,
                                    nullptr, 0));
    ExecStatusType st = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Error error = Failed(result.get(), sql);
      ForgetOnStaleError(sql, params, error);
      return Fail(std::move(error));
    }
    return result;
  }

  // A cached statement whose tables changed shape ("cached plan must not change
  // result type", 0A000) fails until it is prepared again.
  void ForgetOnStaleError(std::string_view sql, std::span<const Value> params, const Error& error) {
    if (error.internal().find("error 0A000") != std::string::npos ||
        error.internal().find("error 26000") != std::string::npos) {
      cache_.erase(CacheKey(sql, params));
    }
  }

  static constexpr size_t kMaxCachedStatements = 512;

  PGconn* conn_;
  std::unordered_map<std::string, Prepared> cache_;
  uint64_t next_statement_ = 1;
  std::string last_sqlstate_;  // of the last failed statement
};

void IgnoreNotice(void*, const char*) {}

Result<std::unique_ptr<PostgresConnection>> Connect(const std::string& url, int busy_timeout_ms, bool reader) {
  // No JIT compilation: it pays back only over minutes of expression evaluation, and a
  // report's statement takes seconds. Measured at ten million activities, counting them
  // by type spent 1.5 s compiling (inlining 0.8 s) for a 2.3 s scan, and the Sales
  // dashboard took 4.2 s with it against 3.4 s without.
  std::string options = fmt::format("-c lock_timeout={} -c jit=off", busy_timeout_ms);
  // A reader plans every statement for its own parameters. After five runs PostgreSQL
  // may otherwise keep a generic plan, estimated with default selectivities: one that
  // seeked an index for "close_date in this year" took 6.8 s instead of 0.6 s at a
  // million deals, and one workspace's plan would serve every other, whatever its size.
  // Planning costs tens of microseconds, which the writer's many small keyed statements
  // (a snapshot's upserts: 667k took 117 s planned each time, 82 s with generic plans)
  // are spared; the statements stay prepared (parsed once) on both.
  if (reader) options += " -c plan_cache_mode=force_custom_plan";
  // dbname (the URL) comes last so anything the URL sets wins over these defaults.
  const char* keywords[] = {"client_encoding", "connect_timeout", "options", "dbname", nullptr};
  const char* values[] = {"UTF8", "5", options.c_str(), url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn) return Fail(Unavailable("postgresql: out of memory"));
  if (PQstatus(conn) != CONNECTION_OK) {
    Error error = Error(ErrorCode::kUnavailable, "Cannot connect to the PostgreSQL database.")
                      .WithInternal(Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return Fail(std::move(error));
  }
  // "relation already exists, skipping" and friends would go to stderr otherwise.
  PQsetNoticeProcessor(conn, &IgnoreNotice, nullptr);
  return std::make_unique<PostgresConnection>(conn);
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::unique_ptr<PostgresConnection> writer,
                   std::vector<std::unique_ptr<PostgresConnection>> readers)
      : writer_(std::move(writer)), readers_(std::move(readers)), reader_pool_(readers_) {}

  Status Read(const std::function<Status(Connection&)>& work) override {
    return reader_pool_.Read([&](PostgresConnection& connection) {
      // REPEATABLE READ: every statement of `work` sees the snapshot of its first one.
      return internal::ReadTransaction(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work);
    });
  }

  // Group commit (storage/internal/group_commit.h), as in the SQLite backend.
  Status Write(const std::function<Status(Connection&)>& work) override { return group_commit_.Write(work); }

  const SqlDialect& dialect() const override { return Dialect(); }

  DatabaseStats stats() const override { return internal::CollectStats(reader_pool_, group_commit_); }

  Status BackupTo(const std::string&) override {
    return Fail(ErrorCode::kFailedPrecondition,
                "A PostgreSQL backup is an archive (`rapport backup`) or a pg_dump, not a file copy.");
  }

 private:

  std::unique_ptr<PostgresConnection> writer_;
  std::vector<std::unique_ptr<PostgresConnection>> readers_;
  internal::ReaderPool<PostgresConnection> reader_pool_;

  // READ COMMITTED is enough: this one connection serialises this process's writes.
  // Other processes on the same database (several servers, a CLI import) can still
  // deadlock with it or time out on its locks: such writes are run again.
  internal::GroupCommit group_commit_{*writer_,
                                      [this] { return writer_->Begin("BEGIN ISOLATION LEVEL READ COMMITTED"); },
                                      [this](std::string_view sql) { return writer_->Control(sql); },
                                      [this] { return writer_->last_error_was_conflict(); }};
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, const DatabaseOptions& options) {
  RAPPORT_ASSIGN_OR_RETURN(auto writer, Connect(url, options.busy_timeout_ms, /*reader=*/false));
  std::vector<std::unique_ptr<PostgresConnection>> readers;
  for (int i = 0; i < std::max(1, options.read_connections); ++i) {
    RAPPORT_ASSIGN_OR_RETURN(auto reader, Connect(url, options.busy_timeout_ms, /*reader=*/true));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<Database>(std::make_unique<PostgresDatabase>(std::move(writer), std::move(readers)));
}

}  // namespace rapport::storage::postgres
