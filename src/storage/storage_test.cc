#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

#include "core/calendar.h"
#include "core/time.h"
#include "storage/catalog.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/postgres/postgres_database.h"
#include "storage/table_versions.h"
#include "support/postgres_server.h"

namespace rapport::storage {
namespace {

// Opens a fresh, empty database of the backend named by the test parameter: a new
// SQLite file, or a new database on the test process's PostgreSQL cluster.
class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool postgres() const { return GetParam() == "postgres"; }

  void SetUp() override {
    // Parameterised test names ("Name/sqlite") contain a slash.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& ch : name) ch = ch == '/' ? '_' : ch;
    dir_ = std::filesystem::temp_directory_path() /
           ("rapport_storage_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto url = testing::FreshDatabase(GetParam(), (dir_ / "t.db").string());
    ASSERT_TRUE(url) << url.error();
    url_ = *url;
    auto db = Database::Open({.url = url_});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Write([](Connection& c) {
      return c.ExecuteScript("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)");
    }));
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  int64_t Count() {
    int64_t n = -1;
    EXPECT_TRUE(db_->Read([&](Connection& c) -> Status {
      auto r = c.Query("SELECT COUNT(*) FROM t");
      if (!r) return std::unexpected(r.error());
      n = std::get<int64_t>(r->rows[0][0]);
      return Ok();
    }));
    return n;
  }

  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(StorageTest, BindsAndReadsEveryValueType) {
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    std::vector<Value> p = {int64_t{1}, std::string("it's \"quoted\"")};
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (?, ?)", p));
    return Ok();
  }));
  ASSERT_TRUE(db_->Read([](Connection& c) -> Status {
    std::vector<Value> p = {int64_t{1}};
    RAPPORT_ASSIGN_OR_RETURN(auto r, c.Query("SELECT k, v, NULL, 1.5 FROM t WHERE k = ?", p));
    EXPECT_EQ(r.columns.size(), 4u);
    EXPECT_EQ(std::get<int64_t>(r.rows[0][0]), 1);
    EXPECT_EQ(std::get<std::string>(r.rows[0][1]), "it's \"quoted\"");
    EXPECT_TRUE(IsNull(r.rows[0][2]));
    EXPECT_DOUBLE_EQ(std::get<double>(r.rows[0][3]), 1.5);
    return Ok();
  }));
}

TEST_P(StorageTest, FailedWriteRollsBackEverything) {
  Status s = db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    return Fail(ErrorCode::kValidationFailed, "no");
  });
  EXPECT_FALSE(s);
  EXPECT_EQ(Count(), 0);
}

TEST_P(StorageTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    return Ok();
  }));
  Status s = db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (2, 'a')"));
    return Ok();
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
}

TEST_P(StorageTest, WrongParameterCountIsAnErrorNotACrash) {
  Status s = db_->Write([](Connection& c) -> Status {
    std::vector<Value> p = {int64_t{1}};
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (?, ?)", p));
    return Ok();
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kInternal);
}

// Concurrent writers share commits, yet one writer's failure undoes only its own work.
TEST_P(StorageTest, GroupCommitIsolatesFailures) {
  constexpr int kThreads = 8, kPerThread = 200;
  std::atomic<int> failures_seen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int64_t k = t * kPerThread + i;
        bool fail = k % 10 == 0;
        Status s = db_->Write([&](Connection& c) -> Status {
          std::vector<Value> p = {k, std::string("v") + std::to_string(k)};
          RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (?, ?)", p));
          if (fail) return Fail(ErrorCode::kValidationFailed, "planned");
          return Ok();
        });
        if (!s) failures_seen++;
        EXPECT_EQ(s.has_value(), !fail);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures_seen.load(), kThreads * kPerThread / 10);
  EXPECT_EQ(Count(), kThreads * kPerThread * 9 / 10);
  auto stats = db_->stats();
  EXPECT_LE(stats.commits, stats.transactions);
}

// The pool and latency statistics behind /metrics, the same on every backend.
TEST_P(StorageTest, StatsCountReadsWritesAndReadersInUse) {
  // Database::Open's default pool: DatabaseOptions::read_connections.
  DatabaseStats before = db_->stats();
  EXPECT_EQ(before.reader_pool_size, DatabaseOptions{}.read_connections);
  EXPECT_EQ(before.readers_in_use, 0);
  for (int i = 0; i < 3; ++i) Count();
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    return Ok();
  }));
  // Inside a read, its reader is in use; a nested read takes a second one.
  ASSERT_TRUE(db_->Read([&](Connection&) -> Status {
    EXPECT_EQ(db_->stats().readers_in_use, 1);
    return db_->Read([&](Connection&) -> Status {
      EXPECT_EQ(db_->stats().readers_in_use, 2);
      return Ok();
    });
  }));
  DatabaseStats after = db_->stats();
  EXPECT_EQ(after.readers_in_use, 0);
  EXPECT_EQ(after.reads - before.reads, 5);
  EXPECT_EQ(after.read_latency.count() - before.read_latency.count(), 5u);
  EXPECT_EQ(after.reader_wait.count() - before.reader_wait.count(), 5u);
  EXPECT_EQ(after.write_latency.count() - before.write_latency.count(), 1u);
  EXPECT_EQ(after.commit_latency.count() - before.commit_latency.count(), 1u);
  EXPECT_EQ(after.transactions - before.transactions, 1);
  EXPECT_GT(after.write_latency.sum, 0);
  EXPECT_GT(after.read_latency.sum, 0);
  // A failed write rolls back: no COMMIT to time, but the caller still waited.
  EXPECT_FALSE(db_->Write([](Connection&) -> Status { return Fail(ErrorCode::kValidationFailed, "no"); }));
  DatabaseStats failed = db_->stats();
  EXPECT_EQ(failed.commit_latency.count(), after.commit_latency.count());
  EXPECT_EQ(failed.write_latency.count(), after.write_latency.count() + 1);
}

TEST_P(StorageTest, ReadsSeeOneSnapshot) {
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    return Ok();
  }));
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto before, c.Query("SELECT COUNT(*) FROM t"));
    // A write committed by another connection during this read is not visible to it.
    std::thread writer([&] {
      EXPECT_TRUE(db_->Write([](Connection& w) -> Status {
        RAPPORT_TRY(w.Execute("INSERT INTO t (k, v) VALUES (2, 'b')"));
        return Ok();
      }));
    });
    writer.join();
    RAPPORT_ASSIGN_OR_RETURN(auto after, c.Query("SELECT COUNT(*) FROM t"));
    EXPECT_EQ(before.rows[0][0], after.rows[0][0]);
    return Ok();
  }));
  EXPECT_EQ(Count(), 2);
}

// PostgreSQL sessions compile no statement to machine code (JIT costs more than it
// saves on a report's seconds), and readers plan each statement for its parameters.
TEST_P(StorageTest, PostgresSessionsRunWithoutJitAndReadersPlanPerParameters) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL's session settings";
  auto setting = [](Connection& c, const char* name) -> Result<std::string> {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(std::string("SELECT current_setting('") + name + "')"));
    return TextOf(rows.rows.at(0).at(0));
  };
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(std::string jit, setting(c, "jit"));
    RAPPORT_ASSIGN_OR_RETURN(std::string plans, setting(c, "plan_cache_mode"));
    EXPECT_EQ(jit, "off");
    EXPECT_EQ(plans, "force_custom_plan");
    return Ok();
  }));
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(std::string jit, setting(c, "jit"));
    EXPECT_EQ(jit, "off");
    return Ok();
  }));
}

TEST_P(StorageTest, MigrationsApplyOnceAndFailAtomically) {
  static constexpr Migration kGood[] = {
      {1, "one", "CREATE TABLE m1 (x INTEGER)"},
      {2, "two", "CREATE TABLE m2 (x INTEGER); INSERT INTO m2 VALUES (1)"},
  };
  auto applied = Migrate(*db_, kGood);
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_EQ(*applied, 2);
  EXPECT_EQ(*Migrate(*db_, kGood), 0);
  EXPECT_EQ(*SchemaVersion(*db_), 2);

  static constexpr Migration kBad[] = {
      {1, "one", "CREATE TABLE m1 (x INTEGER)"},
      {2, "two", "CREATE TABLE m2 (x INTEGER); INSERT INTO m2 VALUES (1)"},
      {3, "three", "CREATE TABLE m3 (x INTEGER); INSERT INTO no_such_table VALUES (1)"},
  };
  EXPECT_FALSE(Migrate(*db_, kBad));
  EXPECT_EQ(*SchemaVersion(*db_), 2);
  Status m3_exists = db_->Read([](Connection& c) -> Status {
    RAPPORT_TRY(c.Query("SELECT * FROM m3"));
    return Ok();
  });
  EXPECT_FALSE(m3_exists);  // the failed migration's CREATE TABLE was rolled back

  static constexpr Migration kOlder[] = {{1, "one", "SELECT 1"}};
  auto older = Migrate(*db_, kOlder);
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_P(StorageTest, BackupIsConsistentCopy) {
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    return Ok();
  }));
  auto path = (dir_ / "backup.db").string();
  if (postgres()) {
    Status backup = db_->BackupTo(path);
    ASSERT_FALSE(backup);
    EXPECT_EQ(backup.error().code(), ErrorCode::kFailedPrecondition);  // an archive's job
    return;
  }
  ASSERT_TRUE(db_->BackupTo(path));
  auto copy = Database::Open({.url = path, .read_connections = 1});
  ASSERT_TRUE(copy);
  ASSERT_TRUE((*copy)->Read([](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto r, c.Query("SELECT v FROM t"));
    EXPECT_EQ(std::get<std::string>(r.rows.at(0).at(0)), "a");
    return Ok();
  }));
}

// SQLite plans a whole tenant's rows as a scan of the table once the statistics say
// the tenant is all of it (a workspace alone in its database), rather than a seek per row through a tenant_id index; and
// every reader plans with them on its next read.
TEST_P(StorageTest, PlannerStatisticsAreCountedAndEveryReaderUsesThem) {
  if (postgres()) GTEST_SKIP() << "PostgreSQL's autovacuum keeps its own";
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.ExecuteScript("CREATE TABLE deals (tenant_id TEXT, id TEXT, stage TEXT, amount INTEGER, PRIMARY KEY (tenant_id, id));"
                                "CREATE INDEX ix_deals_stage ON deals (tenant_id, stage, id);"
                                "CREATE TABLE few (tenant_id TEXT, id TEXT, PRIMARY KEY (tenant_id, id))"));
    for (int i = 0; i < 3000; ++i) {
      std::vector<Value> row = {std::string("one"), std::to_string(i), "s" + std::to_string(i % 6),
                                int64_t{i}};
      RAPPORT_TRY(c.Execute("INSERT INTO deals VALUES (?, ?, ?, ?)", row));
    }
    return Ok();
  }));
  // Every reader of the pool, each asked in turn while the others are held.
  auto plans = [&] {
    std::vector<std::string> seen;
    std::function<void(int)> hold = [&](int depth) {
      if (depth == 4) return;
      ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
        std::vector<Value> tenant = {std::string("one")};
        RAPPORT_ASSIGN_OR_RETURN(auto plan, c.Query("EXPLAIN QUERY PLAN SELECT stage, amount FROM deals WHERE tenant_id = ?", tenant));
        seen.push_back(TextOf(plan.rows.at(0).back()));
        hold(depth + 1);
        return Ok();
      }));
    };
    hold(0);
    return seen;
  };
  for (const std::string& plan : plans()) EXPECT_NE(plan.find("SEARCH deals USING INDEX"), std::string::npos) << plan;

  ASSERT_TRUE(db_->RefreshStatistics());
  for (const std::string& plan : plans()) EXPECT_EQ(plan, "SCAN deals");
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY idx"));
    EXPECT_EQ(rows.rows.size(), 2u);  // `few` has too few rows to matter; `t` none
    // 3000 entries; one tenant; 6 stages of 500; unique.
    EXPECT_EQ(TextOf(rows.rows.at(0).at(1)), "ix_deals_stage");
    EXPECT_EQ(TextOf(rows.rows.at(0).at(2)), "3000 3000 500 1");
    EXPECT_EQ(TextOf(rows.rows.at(1).at(2)), "3000 3000 1");
    return Ok();
  }));
  // Nothing has doubled or halved: nothing is counted or written again.
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("UPDATE sqlite_stat1 SET stat = '2000 2000 2000 1' WHERE idx = 'ix_deals_stage'"));
    return Ok();
  }));
  ASSERT_TRUE(db_->RefreshStatistics());
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_deals_stage'"));
    EXPECT_EQ(TextOf(rows.rows.at(0).at(0)), "2000 2000 2000 1");
    return Ok();
  }));
  // An index created since has no figures: the table is counted again, every index.
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    return c.ExecuteScript("CREATE INDEX ix_deals_amount ON deals (tenant_id, amount, id)");
  }));
  ASSERT_TRUE(db_->RefreshStatistics());
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'deals' ORDER BY idx"));
    EXPECT_EQ(rows.rows.size(), 3u);
    EXPECT_EQ(TextOf(rows.rows.at(0).at(0)), "ix_deals_amount");
    EXPECT_EQ(TextOf(rows.rows.at(0).at(1)), "3000 3000 1 1");
    EXPECT_EQ(TextOf(rows.rows.at(1).at(1)), "3000 3000 500 1");
    return Ok();
  }));
}

// The planner's count of a table's rows: none before it has counted them, then its
// figure (what the record engine orders a dashboard's scans by).
TEST_P(StorageTest, EstimatedRowsAreThePlannersCount) {
  auto estimate = [&](const char* table) {
    std::optional<int64_t> rows;
    EXPECT_TRUE(db_->Read([&](Connection& c) -> Status {
      rows = EstimatedRows(c, table);
      return Ok();
    }));
    return rows;
  };
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.ExecuteScript("CREATE TABLE deals (k INTEGER PRIMARY KEY, stage TEXT)"));
    RAPPORT_TRY(c.ExecuteScript("CREATE INDEX ix_deals_stage ON deals (stage)"));
    for (int i = 0; i < 2500; ++i) {
      RAPPORT_TRY(c.Execute("INSERT INTO deals VALUES (?, ?)", std::vector<Value>{int64_t{i}, "s" + std::to_string(i % 5)}));
    }
    return Ok();
  }));
  EXPECT_EQ(estimate("deals"), std::nullopt);
  EXPECT_EQ(estimate("no_such_table"), std::nullopt);
  if (postgres()) {
    ASSERT_TRUE(db_->Write([](Connection& c) { return c.ExecuteScript("ANALYZE deals"); }));
  } else {
    ASSERT_TRUE(db_->RefreshStatistics());
  }
  EXPECT_EQ(estimate("deals"), 2500);
  EXPECT_EQ(estimate("no_such_table"), std::nullopt);
}

// Each committed write raises the version of every table it changed, once per
// transaction, whichever way it changed it; a rolled-back write raises none, and a
// read raises nothing. Another connection pool on the same database (another
// process) sees the same versions.
TEST_P(StorageTest, WritesRaiseTheVersionsOfTheTablesTheyChange) {
  auto versions = [&](Database& db, const std::string& tenant = "a") {
    auto v = ReadTableVersions(db, tenant);
    EXPECT_TRUE(v) << v.error().ToString();
    return v ? *v : TableVersions{};
  };
  ASSERT_TRUE(db_->Write([](Connection& c) { return c.ExecuteScript("CREATE TABLE u (k INTEGER PRIMARY KEY)"); }));
  TableVersions start = versions(*db_);
  EXPECT_FALSE(start.contains(std::string(kTableVersions)));
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (2, 'b')"));
    RAPPORT_TRY(c.Query("SELECT k FROM u"));
    return Ok();
  }));
  TableVersions after_insert = versions(*db_);
  EXPECT_EQ(after_insert["t"].version, start["t"].version + 1);
  EXPECT_EQ(after_insert["u"].version, start["u"].version);
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("UPDATE \"t\" SET v = 'c' WHERE k = 1"));
    return Ok();
  }));
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("DELETE FROM u"));
    return Ok();
  }));
  TableVersions after_update = versions(*db_);
  EXPECT_EQ(after_update["t"].version, start["t"].version + 2);
  EXPECT_EQ(after_update["u"].version, start["u"].version + 1);
  // A write that says whose it is raises that tenant's versions alone.
  TableVersions b_before = versions(*db_, "b");
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    c.WritesFor("b");
    RAPPORT_TRY(c.Execute("UPDATE t SET v = 'e' WHERE k = 2"));
    return Ok();
  }));
  EXPECT_EQ(versions(*db_), after_update);
  EXPECT_EQ(versions(*db_, "b")["t"].version, b_before["t"].version + 1);
  EXPECT_FALSE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (3, 'd')"));
    return Fail(ErrorCode::kInvalidArgument, "changed my mind");
  }));
  EXPECT_EQ(versions(*db_), after_update);
  ASSERT_TRUE(db_->Read([](Connection& c) -> Status {
    RAPPORT_TRY(c.Query("SELECT * FROM t"));
    return Ok();
  }));
  EXPECT_EQ(versions(*db_), after_update);

  // A second pool, as another process would have, writes; the first sees it.
  auto other = Database::Open({.url = url_});
  ASSERT_TRUE(other) << other.error().ToString();
  ASSERT_TRUE((*other)->Write([](Connection& c) { return c.ExecuteScript("ALTER TABLE u ADD COLUMN w TEXT"); }));
  EXPECT_EQ(versions(*db_)["u"].version, after_update["u"].version + 1);
  EXPECT_EQ(versions(**other)["t"].version, after_update["t"].version);
}

// A tenant's write that only inserts rows it tells of (Connection::Appends), each
// above the table's highest id, leaves its rewrites as they were and raises the
// highest id; anything else is a rewrite, and a write that does not say whose it is
// moves the shared version, so that a table counts as only appended to
// (OnlyAppendedSince) exactly while appends alone happened.
TEST_P(StorageTest, AppendsAboveTheHighestIdAreToldApartFromRewrites) {
  ASSERT_TRUE(db_->Write([](Connection& c) {
    return c.ExecuteScript("CREATE TABLE r (tenant_id TEXT NOT NULL, id TEXT NOT NULL, v TEXT, PRIMARY KEY (tenant_id, id))");
  }));
  auto state = [&] {
    auto v = ReadTableVersions(*db_, "a");
    EXPECT_TRUE(v) << v.error().ToString();
    return v ? StateOf(*v, "r") : TableVersion{};
  };
  // Inserts rows of tenant a with these ids, told or not, in one transaction.
  auto insert = [&](std::vector<std::string> ids, bool told = true, std::string tenant = "a",
                    std::string sql = "INSERT INTO r (tenant_id, id, v) VALUES (?, ?, 'x')") {
    ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
      if (!tenant.empty()) c.WritesFor(tenant);
      for (const std::string& id : ids) {
        if (told) c.Appends("r", id);
        std::vector<Value> params = {tenant.empty() ? std::string("a") : tenant, id};
        RAPPORT_TRY(c.Execute(sql, params));
      }
      return Ok();
    }));
  };
  const TableVersion created = state();  // by the CREATE TABLE, every tenant's
  EXPECT_EQ(created.shared, 1);
  insert({"0001"});
  const TableVersion first = state();
  EXPECT_EQ(first.version, created.version + 1);
  EXPECT_EQ(first.rewrites, 1);  // what the table held before its first write is not known
  EXPECT_EQ(first.high_id, "0001");
  insert({"0003", "0002"});
  const TableVersion appended = state();
  EXPECT_EQ(appended.version, first.version + 1);
  EXPECT_EQ(appended.rewrites, 1);
  EXPECT_EQ(appended.high_id, "0003");
  EXPECT_TRUE(OnlyAppendedSince(first, appended));

  // Not appends: an id below the highest; an update; an insert not told of; an upsert.
  insert({"0002z"});
  const TableVersion below = state();
  EXPECT_EQ(below.rewrites, 2);
  EXPECT_EQ(below.high_id, "0003");
  EXPECT_FALSE(OnlyAppendedSince(appended, below));
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    c.WritesFor("a");
    RAPPORT_TRY(c.Execute("UPDATE r SET v = 'y' WHERE id = '0001'"));
    return Ok();
  }));
  EXPECT_EQ(state().rewrites, 3);
  insert({"0004"}, false);
  EXPECT_EQ(state().rewrites, 4);
  EXPECT_EQ(state().high_id, "0003");  // not told, not known
  insert({"0005"}, true, "a", "INSERT INTO r (tenant_id, id, v) VALUES (?, ?, 'x') ON CONFLICT (tenant_id, id) DO NOTHING");
  const TableVersion upserted = state();
  EXPECT_EQ(upserted.rewrites, 5);
  EXPECT_EQ(upserted.high_id, "0005");  // the highest id written yet, all the same

  // Appends again; then an insert that does not say whose it is: shared, every tenant's.
  insert({"0006"});
  const TableVersion again = state();
  EXPECT_TRUE(OnlyAppendedSince(upserted, again));
  insert({"0007"}, true, "");
  const TableVersion shared = state();
  EXPECT_EQ(shared.shared, again.shared + 1);
  EXPECT_EQ(shared.rewrites, again.rewrites);
  EXPECT_FALSE(OnlyAppendedSince(again, shared));
  // Another tenant's appends and a rolled-back one change nothing of a's.
  insert({"0008"}, true, "b");
  EXPECT_EQ(state(), shared);
  EXPECT_FALSE(db_->Write([](Connection& c) -> Status {
    c.WritesFor("a");
    c.Appends("r", "0009");
    RAPPORT_TRY(c.Execute("INSERT INTO r (tenant_id, id, v) VALUES ('a', '0009', 'x')"));
    return Fail(ErrorCode::kInvalidArgument, "changed my mind");
  }));
  EXPECT_EQ(state(), shared);
}

// Which tables a statement changes and which it names, read from its text.
TEST(TableVersionsTest, StatementsNameTheTablesTheyChangeAndRead) {
  EXPECT_TRUE(IsPlainInsert("INSERT INTO t (a, b) VALUES (?, ?)"));
  EXPECT_TRUE(IsPlainInsert("  insert into \"t\" (a) values ('select')"));
  EXPECT_FALSE(IsPlainInsert("INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO NOTHING"));
  EXPECT_FALSE(IsPlainInsert("INSERT INTO t (a) SELECT a FROM u"));
  EXPECT_FALSE(IsPlainInsert("INSERT OR REPLACE INTO t (a) VALUES (?)"));
  EXPECT_FALSE(IsPlainInsert("INSERT INTO t (a) VALUES (1); DELETE FROM t"));
  EXPECT_FALSE(IsPlainInsert("UPDATE t SET a = 1"));
  using V = std::vector<std::string>;
  EXPECT_EQ(TablesWrittenBy("INSERT INTO \"deals\" (a) VALUES (?)"), V{"deals"});
  EXPECT_EQ(TablesWrittenBy("insert or replace into x(a) select a from y"), V{"x"});
  EXPECT_EQ(TablesWrittenBy("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 2"), V{"t"});
  EXPECT_EQ(TablesWrittenBy("UPDATE \"a\"\"b\" SET x = 'FROM y'"), V{"a\"b"});
  EXPECT_EQ(TablesWrittenBy("DELETE FROM public.deals WHERE id IN (SELECT id FROM other)"), V{"deals"});
  EXPECT_EQ(TablesWrittenBy("ALTER TABLE IF EXISTS ONLY deals ADD COLUMN c TEXT"), V{"deals"});
  EXPECT_EQ(TablesWrittenBy("CREATE INDEX ix ON deals (a); CREATE TABLE IF NOT EXISTS n (a TEXT)"), V{"n"});
  EXPECT_EQ(TablesWrittenBy("DROP TABLE a, b; -- DELETE FROM c\nDROP INDEX ix"), (V{"a", "b"}));
  EXPECT_EQ(TablesWrittenBy("TRUNCATE TABLE a, b"), (V{"a", "b"}));
  EXPECT_EQ(TablesWrittenBy("SELECT * FROM deals FOR UPDATE"), V{});
  EXPECT_EQ(TablesWrittenBy("WITH x AS (SELECT 1) INSERT INTO deals SELECT * FROM x"), (V{"deals", "x"}));
  EXPECT_TRUE(IsSingleSelect("\n  select * from deals"));
  EXPECT_TRUE(IsSingleSelect("SELECT(1)"));
  EXPECT_FALSE(IsSingleSelect("SELECT 1; DELETE FROM c"));
  EXPECT_FALSE(IsSingleSelect("selection"));
  EXPECT_FALSE(IsSingleSelect("WITH x AS (SELECT 1) DELETE FROM c"));
  EXPECT_EQ(TablesNamedIn("SELECT * FROM (SELECT r.a FROM \"activities\" r LEFT JOIN companies c ON 1 = 1 "
                          "WHERE r.id IN (SELECT s.id FROM record_shares s) AND r.b = 'from x') t"),
            (V{"activities", "companies", "record_shares"}));
}

// Integers beyond 32 bits, doubles, NULLs and text survive a round trip through the
// dialect's column types, and aggregates come back with SQLite's types.
TEST_P(StorageTest, DialectColumnTypesRoundTrip) {
  const SqlDialect& d = db_->dialect();
  EXPECT_EQ(d.name(), postgres() ? "postgresql" : "sqlite");
  std::string ddl = "CREATE TABLE ty (i " + d.ColumnTypeSql(ColumnType::kInteger) + ", r " +
                    d.ColumnTypeSql(ColumnType::kReal) + ", s " + d.ColumnTypeSql(ColumnType::kText) +
                    ", b " + d.ColumnTypeSql(ColumnType::kBoolean) + ")";
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    RAPPORT_TRY(c.ExecuteScript(ddl));
    std::vector<Value> p = {int64_t{1} << 40, 0.1, std::string("B"), int64_t{1}};
    RAPPORT_TRY(c.Execute("INSERT INTO ty (i, r, s, b) VALUES (?, ?, ?, ?)", p));
    std::vector<Value> q = {int64_t{-5}, Null{}, std::string("a_%"), int64_t{0}};
    RAPPORT_TRY(c.Execute("INSERT INTO ty (i, r, s, b) VALUES (?, ?, ?, ?)", q));
    return Ok();
  }));
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto r, c.Query("SELECT i, r, s, b FROM ty ORDER BY s"));
    // Bytewise text order: "B" (0x42) before "a" (0x61).
    EXPECT_EQ(std::get<std::string>(r.rows.at(0).at(2)), "B");
    EXPECT_EQ(std::get<int64_t>(r.rows[0][0]), int64_t{1} << 40);
    EXPECT_DOUBLE_EQ(std::get<double>(r.rows[0][1]), 0.1);
    EXPECT_EQ(std::get<int64_t>(r.rows[0][3]), 1);
    EXPECT_TRUE(IsNull(r.rows[1][1]));
    RAPPORT_ASSIGN_OR_RETURN(auto sum, c.Query("SELECT SUM(i), COUNT(*) FROM ty WHERE b = ?",
                                               std::vector<Value>{int64_t{1}}));
    EXPECT_EQ(std::get<int64_t>(sum.rows.at(0).at(0)), int64_t{1} << 40);
    // Case-insensitive LIKE with an escaped pattern matches the literal text only.
    std::vector<Value> like = {"%" + SqlDialect::EscapeLike("A_%") + "%"};
    RAPPORT_ASSIGN_OR_RETURN(auto m, c.Query("SELECT s FROM ty WHERE " + d.CaseInsensitiveLike("s"), like));
    EXPECT_EQ(m.rows.size(), 1u);
    // A '?' inside a literal is text, not a placeholder.
    RAPPORT_ASSIGN_OR_RETURN(auto lit, c.Query("SELECT 'what?' FROM ty WHERE i = ?",
                                               std::vector<Value>{int64_t{-5}}));
    EXPECT_EQ(std::get<std::string>(lit.rows.at(0).at(0)), "what?");
    return Ok();
  }));
  int streamed = 0;
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    return c.ForEach("SELECT i FROM ty ORDER BY i", {}, [&](std::span<const Value> row) {
      EXPECT_EQ(std::get<int64_t>(row[0]), -5);
      ++streamed;
      return false;  // stop after the first row; the connection must stay usable
    });
  }));
  EXPECT_EQ(streamed, 1);
}

// Every row of one statement gets its own date's bucket, as BucketLabel names it:
// across more days than SQLite's per-statement memo of labels holds (days 4,096 apart
// share its slot), with two buckets of one column in one statement, a fiscal year, a
// NULL, a datetime in a time zone and text that is no date.
TEST_P(StorageTest, DateBucketsLabelEveryRowOfAStatement) {
  const SqlDialect& d = db_->dialect();
  std::vector<std::string> dates;
  for (int64_t day = DaysFromCivil(2000, 1, 1); day < DaysFromCivil(2026, 1, 1); day += 97) dates.push_back(FormatDate(day));
  dates.push_back(FormatDate(DaysFromCivil(2010, 6, 1)));
  dates.push_back(FormatDate(DaysFromCivil(2010, 6, 1) + 4096));  // the same slot
  dates.push_back(FormatDate(DaysFromCivil(2010, 6, 1)));          // and back
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    RAPPORT_TRY(c.ExecuteScript("CREATE TABLE days (n INTEGER PRIMARY KEY, d TEXT)"));
    for (size_t i = 0; i < dates.size(); ++i) {
      RAPPORT_TRY(c.Execute("INSERT INTO days (n, d) VALUES (?, ?)", std::vector<Value>{static_cast<int64_t>(i), dates[i]}));
    }
    RAPPORT_TRY(c.Execute("INSERT INTO days (n, d) VALUES (?, NULL)", std::vector<Value>{static_cast<int64_t>(dates.size())}));
    RAPPORT_TRY(c.ExecuteScript("CREATE TABLE stamps (t TEXT); INSERT INTO stamps (t) VALUES ('2026-03-31T23:30:00.000000Z')"));
    return Ok();
  }));
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    std::string sql = fmt::format("SELECT d, {}, {}, {} FROM days ORDER BY n", d.DateBucket("d", false, DatePart::kMonth, 1),
                                  d.DateBucket("d", false, DatePart::kQuarter, 4), d.DateBucket("d", false, DatePart::kWeek, 1));
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql));
    EXPECT_EQ(rows.rows.size(), dates.size() + 1);
    for (const auto& row : rows.rows) {
      if (IsNull(row[0])) {
        EXPECT_TRUE(IsNull(row[1]) && IsNull(row[2]) && IsNull(row[3]));
        continue;
      }
      const int64_t day = *ParseDateDays(std::get<std::string>(row[0]));
      EXPECT_EQ(TextOf(row[1]), BucketLabel(day, DatePart::kMonth, 1)) << TextOf(row[0]);
      EXPECT_EQ(TextOf(row[2]), BucketLabel(day, DatePart::kQuarter, 4)) << TextOf(row[0]);
      EXPECT_EQ(TextOf(row[3]), BucketLabel(day, DatePart::kWeek, 1)) << TextOf(row[0]);
    }
    // A datetime taken in a zone: 23:30 UTC on the last of March is April in Paris.
    std::string zoned = fmt::format("SELECT {} FROM stamps", d.DateBucket("t", true, DatePart::kMonth, 1));
    RAPPORT_ASSIGN_OR_RETURN(auto paris, c.Query(zoned, std::vector<Value>{std::string("Europe/Paris")}));
    EXPECT_EQ(TextOf(paris.rows.at(0).at(0)), "2026-04");
    return Ok();
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

TEST(PostgresPlaceholderTest, RewritesOnlyPlaceholdersOutsideQuotes) {
  int n = 0;
  EXPECT_EQ(postgres::RewritePlaceholders("SELECT '?', \"a?\", ? FROM t WHERE x = ? -- ?\n AND y = 'it''s?' OR z = ?", &n),
            "SELECT '?', \"a?\", $1 FROM t WHERE x = $2 -- ?\n AND y = 'it''s?' OR z = $3");
  EXPECT_EQ(n, 3);
}

// Two processes' writers (two Databases on one PostgreSQL database) lock the same two
// rows in opposite orders: PostgreSQL breaks the deadlock by failing one of them, and
// that write is rolled back and run again, so both succeed and neither is lost.
TEST(PostgresStorageTest, DeadlockedWriteIsRunAgain) {
  auto server = testing::PostgresServer::Instance();
  ASSERT_TRUE(server) << server.error();
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url) << url.error();
  auto first = Database::Open({.url = *url, .read_connections = 1});
  auto second = Database::Open({.url = *url, .read_connections = 1});
  ASSERT_TRUE(first && second);
  ASSERT_TRUE((*first)->Write([](Connection& c) {
    return c.ExecuteScript("CREATE TABLE d (k INTEGER PRIMARY KEY, v INTEGER NOT NULL); "
                           "INSERT INTO d VALUES (1, 0), (2, 0)");
  }));
  // Each holds its first row until the other holds its own: a certain deadlock.
  std::atomic<int> holding = 0;
  auto crossing = [&](Database& db, int64_t a, int64_t b) {
    std::atomic<int> runs = 0;
    Status status = db.Write([&](Connection& c) -> Status {
      bool first_run = runs++ == 0;
      RAPPORT_TRY(c.Execute("UPDATE d SET v = v + 1 WHERE k = ?", std::vector<Value>{a}));
      if (first_run) {
        ++holding;
        while (holding < 2) std::this_thread::yield();
      }
      RAPPORT_TRY(c.Execute("UPDATE d SET v = v + 1 WHERE k = ?", std::vector<Value>{b}));
      return Ok();
    });
    return std::pair{status, runs.load()};
  };
  std::pair<Status, int> one{Ok(), 0}, two{Ok(), 0};
  std::thread t1([&] { one = crossing(**first, 1, 2); });
  std::thread t2([&] { two = crossing(**second, 2, 1); });
  t1.join();
  t2.join();
  EXPECT_TRUE(one.first) << one.first.error().ToString();
  EXPECT_TRUE(two.first) << two.first.error().ToString();
  EXPECT_EQ(one.second + two.second, 3) << "exactly one of them ran twice";
  EXPECT_EQ((*first)->stats().write_retries + (*second)->stats().write_retries, 1);
  ASSERT_TRUE((*first)->Read([](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto r, c.Query("SELECT SUM(v) FROM d"));
    EXPECT_EQ(std::get<int64_t>(r.rows.at(0).at(0)), 4);  // both writes, each once
    return Ok();
  }));
}

// A statement while the server is down fails as kUnavailable (no crash), and the same
// Database works again once the server is back.
TEST(PostgresStorageTest, ServerRestartIsUnavailableThenRecovers) {
  auto server = testing::PostgresServer::Instance();
  ASSERT_TRUE(server) << server.error();
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url) << url.error();
  auto opened = Database::Open({.url = *url, .read_connections = 2});
  ASSERT_TRUE(opened) << opened.error().ToString();
  auto& db = **opened;
  auto write = [&](int64_t k) {
    return db.Write([&](Connection& c) -> Status {
      RAPPORT_TRY(c.ExecuteScript("CREATE TABLE IF NOT EXISTS r (k INTEGER)"));
      RAPPORT_TRY(c.Execute("INSERT INTO r (k) VALUES (?)", std::vector<Value>{k}));
      return Ok();
    });
  };
  auto count = [&]() -> Result<int64_t> {
    int64_t n = -1;
    RAPPORT_TRY(db.Read([&](Connection& c) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(auto r, c.Query("SELECT COUNT(*) FROM r"));
      n = std::get<int64_t>(r.rows.at(0).at(0));
      return Ok();
    }));
    return n;
  };
  ASSERT_TRUE(write(1));
  ASSERT_TRUE(count());

  ASSERT_TRUE((*server)->Stop());
  Status down_write = write(2);
  ASSERT_FALSE(down_write);
  EXPECT_EQ(down_write.error().code(), ErrorCode::kUnavailable) << down_write.error().ToString();
  auto down_read = count();
  ASSERT_FALSE(down_read);
  EXPECT_EQ(down_read.error().code(), ErrorCode::kUnavailable) << down_read.error().ToString();

  ASSERT_TRUE((*server)->Start());
  Status up_write = write(3);
  EXPECT_TRUE(up_write) << up_write.error().ToString();
  auto up_read = count();
  ASSERT_TRUE(up_read) << up_read.error().ToString();
  EXPECT_EQ(*up_read, 2);
}

TEST(StorageOpenTest, RejectsUnknownSchemes) {
  auto db = Database::Open({.url = ""});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code(), ErrorCode::kInvalidArgument);
}

TEST(StorageOpenTest, UnreachablePostgresIsUnavailable) {
  auto db = Database::Open({.url = "postgresql://nobody@127.0.0.1:1/none"});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace rapport::storage
