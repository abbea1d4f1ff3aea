#include "storage/sqlite/sqlite_database.h"
#include "storage/sqlite/functions.h"
#include "storage/sqlite/statistics.h"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "storage/internal/group_commit.h"
#include "storage/internal/reader_pool.h"
#include "storage/internal/stats.h"

namespace rapport::storage::sqlite {

namespace {

class SqliteDialect final : public SqlDialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::string ColumnTypeSql(ColumnType type) const override {
    switch (type) {
      case ColumnType::kText: return "TEXT";
      case ColumnType::kInteger: return "INTEGER";
      case ColumnType::kReal: return "REAL";
      case ColumnType::kBoolean: return "INTEGER";
    }
    return "TEXT";
  }
  // SQLite's LIKE is case-insensitive for ASCII, which is the contract.
  std::string CaseInsensitiveLike(std::string_view expr) const override {
    return fmt::format("{} LIKE ? ESCAPE '\\'", expr);
  }
  std::string ColumnsQuery() const override {
    return "SELECT name, lower(type) FROM pragma_table_info(?) ORDER BY cid";
  }
  // Every index's figures start with the table's rows (sqlite/statistics.cc keeps them).
  std::string EstimatedRowsQuery() const override {
    return "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = ? LIMIT 1";
  }
  // Both through functions of our own (sqlite/functions.cc).
  std::string DateBucket(std::string_view stored, bool datetime, DatePart part, int fiscal_start) const override {
    return fmt::format("rapport_date_bucket({}, '{}', {}, {})", stored, DatePartName(part), fiscal_start,
                       datetime ? "?" : "NULL");
  }
  std::string MiddleSum(std::string_view expr) const override { return fmt::format("rapport_middle_sum({})", expr); }
  // strftime rounds a fraction to milliseconds; the first 19 characters have none.
  std::string EpochSeconds(std::string_view stored) const override {
    return fmt::format("CAST(strftime('%s', substr({}, 1, 19)) AS INTEGER)", stored);
  }
  bool GroupsBySorting() const override { return true; }
  // The index SQLite makes for a rowid table's PRIMARY KEY, its first constraint.
  std::string TableByPrimaryKey(std::string_view table, std::string_view alias) const override {
    return fmt::format("{} {} INDEXED BY {}", QuoteIdentifier(table), alias,
                       QuoteIdentifier(fmt::format("sqlite_autoindex_{}_1", table)));
  }
  std::string_view TrueLiteral() const override { return "1"; }
  std::string_view FalseLiteral() const override { return "0"; }
};

const SqliteDialect& Dialect() {
  static const SqliteDialect dialect;
  return dialect;
}

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xFF;
  std::string internal = fmt::format("sqlite {} failed ({}): {}", what, rc, message);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Error(ErrorCode::kUnavailable, "The database is busy; retry the request.")
        .WithInternal(std::move(internal));
  }
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error(ErrorCode::kAlreadyExists, "A record with this value already exists.")
        .WithInternal(std::move(internal));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return Error(ErrorCode::kFailedPrecondition, "A referenced record does not exist.")
        .WithInternal(std::move(internal));
  }
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) {
    return Error(ErrorCode::kUnavailable, "The database is unavailable.")
        .WithInternal(std::move(internal));
  }
  return Error(ErrorCode::kInternal, "Database error.").WithInternal(std::move(internal));
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  sqlite3* handle() const { return db_; }

  // Takes over `fresh`'s handle, closing this one's: a reader reopened so that it
  // plans with new statistics (SQLite reads them with the schema, once).
  void Adopt(SqliteConnection& fresh) {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = std::exchange(fresh.db_, nullptr);
  }
  // The statistics generation this connection plans with (SqliteDatabase).
  uint64_t statistics_generation = 0;

  // Transaction control (BEGIN, COMMIT, SAVEPOINT...) through the statement cache:
  // sqlite3_exec would re-parse these on every request.
  // Opens a transaction (the shape internal::ReadTransaction expects of a connection).
  Status Begin(std::string_view sql) { return Control(sql); }

  Status Control(std::string_view sql) {
    RAPPORT_TRY(Execute(sql, {}));
    return Ok();
  }

  Result<QueryResult> Query(std::string_view sql, std::span<const Value> params) override {
    RAPPORT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    QueryResult result;
    int n = sqlite3_column_count(stmt);
    result.columns.reserve(n);
    for (int i = 0; i < n; ++i) result.columns.emplace_back(sqlite3_column_name(stmt, i));
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Fail(Finish(stmt, rc, "query"));
      auto& row = result.rows.emplace_back();
      row.reserve(n);
      for (int i = 0; i < n; ++i) row.push_back(Column(stmt, i));
    }
    sqlite3_reset(stmt);
    return result;
  }

  Status ForEach(std::string_view sql, std::span<const Value> params,
                 const std::function<bool(std::span<const Value>)>& on_row) override {
    RAPPORT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int n = sqlite3_column_count(stmt);
    std::vector<Value> row(n);
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Fail(Finish(stmt, rc, "query"));
      for (int i = 0; i < n; ++i) ReadColumn(stmt, i, row[i]);
      if (!on_row(row)) break;
    }
    sqlite3_reset(stmt);
    return Ok();
  }

  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    RAPPORT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return Fail(Finish(stmt, rc, "execute"));
    sqlite3_reset(stmt);
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Status ExecuteScript(std::string_view sql) override {
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string detail = message ? message : "";
      sqlite3_free(message);
      return Fail(SqliteError(db_, rc, "script").WithInternal(detail + " in: " + text.substr(0, 200)));
    }
    return Ok();
  }

  const SqlDialect& dialect() const override { return Dialect(); }

 private:
  // Prepared statements are cached by SQL text: every query the engine issues is
  // built from metadata, so the set of distinct texts is small and stable.
  Result<sqlite3_stmt*> Prepare(std::string_view sql, std::span<const Value> params) {
    std::string key(sql);
    sqlite3_stmt* stmt = nullptr;
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        return Fail(SqliteError(db_, rc, "prepare").WithInternal(fmt::format(
            "{} in: {}", sqlite3_errmsg(db_), key.substr(0, 300))));
      }
      if (cache_.size() > 512) {  // a bound on pathological query variety
        for (auto& [s, st] : cache_) sqlite3_finalize(st);
        cache_.clear();
      }
      cache_.emplace(std::move(key), stmt);
    }
    sqlite3_clear_bindings(stmt);
    int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return Fail(Error(ErrorCode::kInternal, "Database error.")
          .WithInternal(fmt::format("{} parameters bound, {} expected in: {}", params.size(),
                                    expected, std::string(sql).substr(0, 300))));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Null>) return sqlite3_bind_null(stmt, idx);
            if constexpr (std::is_same_v<T, int64_t>) return sqlite3_bind_int64(stmt, idx, v);
            if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, idx, v);
            if constexpr (std::is_same_v<T, std::string>) {
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return Fail(SqliteError(db_, rc, "bind"));
    }
    return stmt;
  }

  Error Finish(sqlite3_stmt* stmt, int rc, std::string_view what) {
    Error error = SqliteError(db_, rc, what);
    sqlite3_reset(stmt);
    return error;
  }

  static Value Column(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER: return static_cast<int64_t>(sqlite3_column_int64(stmt, i));
      case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
      case SQLITE_NULL: return Null{};
      default: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
      }
    }
  }

  // Column(), into the value the row held there before: text into the string already
  // there, its buffer kept (a scan's rows would otherwise allocate and free one for
  // every text of more than 15 bytes, such as an id).
  static void ReadColumn(sqlite3_stmt* stmt, int i, Value& into) {
    if (sqlite3_column_type(stmt, i) == SQLITE_TEXT) {
      if (auto* text = std::get_if<std::string>(&into)) {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        text->assign(data, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
        return;
      }
    }
    into = Column(stmt, i);
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Result<std::unique_ptr<SqliteConnection>> OpenConnection(const std::string& path, bool writer,
                                                         int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = Error(ErrorCode::kUnavailable, fmt::format("Cannot open database {}", path))
                      .WithInternal(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return Fail(std::move(error));
  }
  auto connection = std::make_unique<SqliteConnection>(db);
  if (int functions = RegisterFunctions(db); functions != SQLITE_OK) {
    return Fail(Error(ErrorCode::kInternal, "Cannot register SQL functions").WithInternal(sqlite3_errstr(functions)));
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  // WAL lets readers proceed while the writer commits. synchronous=NORMAL in WAL mode
  // never corrupts and keeps every commit across a process crash (kill -9); only an
  // OS crash or power loss can drop the last transactions before a checkpoint.
  std::string pragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;";
  // The writer touches every index of a table on each insert: a 64 MiB page cache keeps
  // their upper levels resident (2 MiB, the default, made bulk inserts I/O-bound).
  // Readers share the OS page cache and keep a smaller private one.
  if (writer) pragmas = "PRAGMA journal_mode=WAL; PRAGMA cache_size=-65536; " + pragmas;
  // 16 MiB per reader: a restricted list (a sharing rule admitting half the rows) walks
  // about twice the pages of an unrestricted one; at 4 MiB that walk no longer fit and
  // every request re-read its pages from the OS (docs/benchmarks.md).
  else pragmas += " PRAGMA cache_size=-16384;";
  // Reads map the file instead of copying its pages through read(2): a report's full
  // scan of a table larger than the page cache took half its time in the kernel
  // copying pages (docs/benchmarks.md). SQLite writes through its own I/O, never the
  // map; the size is capped by the library's own ceiling (2 GiB in Debian's build).
  pragmas += " PRAGMA mmap_size=2147418112;";
  RAPPORT_TRY(connection->ExecuteScript(pragmas));
  return connection;
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, int busy_timeout_ms, std::unique_ptr<SqliteConnection> writer,
                 std::vector<std::unique_ptr<SqliteConnection>> readers,
                 std::unique_ptr<SqliteConnection> checkpointer)
      : path_(std::move(path)),
        busy_timeout_ms_(busy_timeout_ms),
        writer_(std::move(writer)),
        readers_(std::move(readers)),
        reader_pool_(readers_),
        checkpointer_(std::move(checkpointer)) {
    // Checkpoints move WAL pages into the database file. SQLite runs them inside the
    // committing writer by default, which puts that I/O on a request's path; here a
    // background thread runs them (PASSIVE: never blocks readers or the writer) once
    // the WAL passes kCheckpointFrames.
    sqlite3_wal_autocheckpoint(writer_->handle(), 0);
    sqlite3_wal_hook(writer_->handle(), &SqliteDatabase::OnWalCommit, this);
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  }

  ~SqliteDatabase() override {
    {
      std::lock_guard lock(checkpoint_mu_);
      stopping_ = true;
    }
    checkpoint_cv_.notify_one();
    checkpoint_thread_.join();
    // A last checkpoint so a clean shutdown leaves a small WAL behind.
    sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }

  Status Read(const std::function<Status(Connection&)>& work) override {
    return reader_pool_.Read([&](SqliteConnection& connection) -> Status {
      const uint64_t generation = statistics_generation_.load(std::memory_order_acquire);
      if (connection.statistics_generation != generation) {
        RAPPORT_ASSIGN_OR_RETURN(auto fresh, OpenConnection(path_, false, busy_timeout_ms_));
        connection.Adopt(*fresh);
        connection.statistics_generation = generation;
      }
      // BEGIN makes every statement of `work` see one snapshot.
      return internal::ReadTransaction(connection, "BEGIN", work);
    });
  }

  // Group commit (storage/internal/group_commit.h): concurrent writers share commits.
  Status Write(const std::function<Status(Connection&)>& work) override { return group_commit_.Write(work); }

  const SqlDialect& dialect() const override { return Dialect(); }

  // Counted on a reader inside one read transaction, written in one short write;
  // readers reopen on their next read to plan with them.
  Status RefreshStatistics() override {
    std::lock_guard refreshing(statistics_mu_);
    std::vector<IndexStatistics> stale;
    RAPPORT_TRY(Read([&](Connection& c) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(stale, StaleStatistics(c));
      return Ok();
    }));
    if (stale.empty()) return Ok();
    RAPPORT_TRY(Write([&](Connection& c) { return RecordStatistics(c, stale); }));
    statistics_generation_.fetch_add(1, std::memory_order_acq_rel);
    return Ok();
  }

  DatabaseStats stats() const override { return internal::CollectStats(reader_pool_, group_commit_); }

  Status BackupTo(const std::string& dest_path) override {
    sqlite3* dest = nullptr;
    int rc = sqlite3_open_v2(dest_path.c_str(), &dest,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
      Error error = SqliteError(dest, rc, "open backup file");
      sqlite3_close_v2(dest);
      return Fail(std::move(error));
    }
    // Copy from a reader connection: the backup sees one consistent WAL snapshot
    // while the writer keeps committing.
    Status status = Read([&](Connection& c) -> Status {
      auto* source = static_cast<SqliteConnection&>(c).handle();
      sqlite3_backup* backup = sqlite3_backup_init(dest, "main", source, "main");
      if (!backup) return Fail(SqliteError(dest, sqlite3_errcode(dest), "backup init"));
      int step = sqlite3_backup_step(backup, -1);
      sqlite3_backup_finish(backup);
      if (step != SQLITE_DONE) return Fail(SqliteError(dest, step, "backup step"));
      return Ok();
    });
    sqlite3_close_v2(dest);
    return status;
  }

 private:
  static constexpr int kCheckpointFrames = 1000;
  // About 256 MiB of 4 KiB pages.
  static constexpr int kTruncateFrames = 65536;


  static int OnWalCommit(void* self, sqlite3*, const char*, int frames) {
    auto* db = static_cast<SqliteDatabase*>(self);
    if (frames >= kCheckpointFrames) {
      {
        std::lock_guard lock(db->checkpoint_mu_);
        db->checkpoint_wanted_ = true;
      }
      db->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  // The planner's statistics are looked at a while after opening and then every few
  // minutes (a table's are counted again once it has doubled or halved).
  static constexpr auto kFirstStatistics = std::chrono::seconds(10);
  static constexpr auto kStatisticsEvery = std::chrono::minutes(10);

  void CheckpointLoop() {
    std::unique_lock lock(checkpoint_mu_);
    auto next_statistics = std::chrono::steady_clock::now() + kFirstStatistics;
    while (!stopping_) {
      bool woken = checkpoint_cv_.wait_until(lock, next_statistics, [&] { return checkpoint_wanted_ || stopping_; });
      if (stopping_) break;
      if (!woken) {
        lock.unlock();
        (void)RefreshStatistics();  // failing now (a busy database) is tried again later
        lock.lock();
        next_statistics = std::chrono::steady_clock::now() + kStatisticsEvery;
        continue;
      }
      checkpoint_wanted_ = false;
      lock.unlock();
      int log_frames = 0, copied = 0;
      sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
      // A passive checkpoint never stops the writer, and the log only starts over once
      // a writer finds it wholly copied back and unread, so under sustained writes (an
      // import, a seed) it grew without bound (7.6 GB beside a 1.9 GB database while
      // seeding a million deals). Once a large log is all copied back, emptying it
      // only waits for the readers still on it: given 100 ms at most (writers wait
      // meanwhile), and not tried again for a few seconds if they are not done.
      const auto now = std::chrono::steady_clock::now();
      if (log_frames > kTruncateFrames && copied == log_frames && now >= next_truncate_) {
        sqlite3_busy_timeout(checkpointer_->handle(), 100);
        int rc = sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
        if (rc != SQLITE_OK) next_truncate_ = now + std::chrono::seconds(5);
      }
      lock.lock();
    }
  }

  std::string path_;
  const int busy_timeout_ms_;
  std::unique_ptr<SqliteConnection> writer_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  internal::ReaderPool<SqliteConnection> reader_pool_;

  internal::GroupCommit group_commit_{*writer_, [this] { return writer_->Control("BEGIN IMMEDIATE"); },
                                      [this](std::string_view sql) { return writer_->Control(sql); }};

  std::unique_ptr<SqliteConnection> checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  std::chrono::steady_clock::time_point next_truncate_{};
  bool stopping_ = false;
  std::mutex statistics_mu_;  // one refresh at a time
  std::atomic<uint64_t> statistics_generation_{0};
  std::thread checkpoint_thread_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const DatabaseOptions& options) {
  // SQLite counts its memory under a global mutex on every allocation by default; a
  // report's scan allocates per row, and the count is never read here. Only possible
  // before the library initialises (the first open), so done once, first.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  RAPPORT_ASSIGN_OR_RETURN(auto writer, OpenConnection(path, true, options.busy_timeout_ms));
  std::vector<std::unique_ptr<SqliteConnection>> readers;
  for (int i = 0; i < std::max(1, options.read_connections); ++i) {
    RAPPORT_ASSIGN_OR_RETURN(auto reader, OpenConnection(path, false, options.busy_timeout_ms));
    readers.push_back(std::move(reader));
  }
  RAPPORT_ASSIGN_OR_RETURN(auto checkpointer, OpenConnection(path, false, options.busy_timeout_ms));
  return std::unique_ptr<Database>(std::make_unique<SqliteDatabase>(path, options.busy_timeout_ms, std::move(writer), std::move(readers),
                                                                    std::move(checkpointer)));
}

}  // namespace rapport::storage::sqlite
