// A Database is a pool of connections to one SQLite file or one PostgreSQL
// database. Thread-safe. Backend types never leak out of storage/.
//
// All SQL uses `?` placeholders; values are always bound, never spliced into text.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/histogram.h"
#include "storage/dialect.h"
#include "storage/value.h"

namespace rapport::storage {

// One connection, lent to a Read or Write callback. Not thread-safe; never keep it
// beyond the callback. Prepared statements are cached per connection by SQL text.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Result<QueryResult> Query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Streams rows to `on_row` (return false to stop), for results too big to hold.
  virtual Status ForEach(std::string_view sql, std::span<const Value> params,
                         const std::function<bool(std::span<const Value> row)>& on_row) = 0;
  // Runs a statement; returns the number of rows it changed.
  virtual Result<int64_t> Execute(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs several ;-separated statements without parameters (DDL, migrations).
  virtual Status ExecuteScript(std::string_view sql) = 0;
  virtual const SqlDialect& dialect() const = 0;
  // In a Write() callback: its writes are one tenant's, so the table versions they
  // raise are that tenant's alone (storage/table_versions.h); without it, every
  // tenant's. Nothing elsewhere.
  virtual void WritesFor(std::string_view /*tenant_id*/) {}
  // In a Write() callback, just before the one-row INSERT ... VALUES of a row of
  // `table` (keyed by tenant_id and id) with this id: the insert appends that row, and
  // the table's rows may be told to have only grown (storage/table_versions.h). An
  // insert not told so counts as a rewrite. Nothing elsewhere.
  virtual void Appends(std::string_view /*table*/, std::string_view /*id*/) {}
};

// Sees the text of every statement run through a Connection (from any thread).
using StatementObserver = std::function<void(std::string_view sql)>;

struct DatabaseOptions {
  std::string url;           // "sqlite:/path/to/file.db", a bare path, or postgresql://...
  int read_connections = 4;  // size of the reader pool
  int busy_timeout_ms = 5000;
  // For checks over the SQL the engine emits (tests, tracing); unset in production.
  StatementObserver observe_statement;
};

// What /metrics shows about the database; the same on every backend (kept by the
// shared reader pool and group commit in storage/internal/).
struct DatabaseStats {
  int64_t transactions = 0;
  int64_t commits = 0;       // physical commits (< transactions under group commit)
  int64_t write_retries = 0; // writes run again after a conflict with another writer
  int64_t reads = 0;
  int reader_pool_size = 0;  // reader connections
  int readers_in_use = 0;    // lent to a Read() right now
  HistogramSnapshot reader_wait;     // seconds a Read() waited for an idle reader
  HistogramSnapshot read_latency;    // seconds a Read() held its reader (BEGIN..COMMIT)
  HistogramSnapshot write_latency;   // seconds from calling Write() to its return
  HistogramSnapshot commit_latency;  // seconds of each physical COMMIT
};

class Database {
 public:
  // Opens (creating if needed) the database. kInvalidArgument for an unsupported URL,
  // kUnavailable if it cannot be opened.
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  virtual ~Database() = default;

  // Runs `work` on a reader connection inside a read transaction (a consistent
  // snapshot). Many reads run at once.
  virtual Status Read(const std::function<Status(Connection&)>& work) = 0;
  // Runs `work` in one write transaction: committed if it returns OK, rolled back
  // (with nothing written) otherwise. Writes are serialised; concurrent callers may
  // share one physical commit (group commit), each isolated by a savepoint, so one
  // caller's failure never undoes another's work. Returns only after the commit.
  // `work` may run more than once: when it loses a conflict with another process
  // (deadlock, lock timeout) it is rolled back and run again, so it must have no
  // effect beyond the connection other than setting its own outputs.
  virtual Status Write(const std::function<Status(Connection&)>& work) = 0;

  virtual const SqlDialect& dialect() const = 0;
  // A snapshot of the statistics; copies a few small histograms (not for hot paths).
  virtual DatabaseStats stats() const = 0;
  // Brings the query planner's statistics up to date where the data has grown or
  // shrunk a lot since they were taken (SQLite: storage/sqlite/statistics.h; the
  // backend also does it by itself every few minutes). PostgreSQL's autovacuum keeps
  // its own, so there it does nothing.
  virtual Status RefreshStatistics() { return Ok(); }
  // Writes a consistent copy of the whole database to `path` while others write.
  virtual Status BackupTo(const std::string& path) = 0;
};

}  // namespace rapport::storage
