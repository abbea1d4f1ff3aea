#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/database.h"
#include "storage/migrations.h"

namespace rapport::storage {
namespace {

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rapport_storage_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = Database::Open({.url = "sqlite:" + (dir_ / "t.db").string()});
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
  std::unique_ptr<Database> db_;
};

TEST_F(StorageTest, BindsAndReadsEveryValueType) {
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

TEST_F(StorageTest, FailedWriteRollsBackEverything) {
  Status s = db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    return Fail(ErrorCode::kValidationFailed, "no");
  });
  EXPECT_FALSE(s);
  EXPECT_EQ(Count(), 0);
}

TEST_F(StorageTest, UniqueViolationIsAlreadyExists) {
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

TEST_F(StorageTest, WrongParameterCountIsAnErrorNotACrash) {
  Status s = db_->Write([](Connection& c) -> Status {
    std::vector<Value> p = {int64_t{1}};
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (?, ?)", p));
    return Ok();
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kInternal);
}

// Concurrent writers share commits, yet one writer's failure undoes only its own work.
TEST_F(StorageTest, GroupCommitIsolatesFailures) {
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

TEST_F(StorageTest, ReadsSeeOneSnapshot) {
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

TEST_F(StorageTest, MigrationsApplyOnceAndFailAtomically) {
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

TEST_F(StorageTest, BackupIsConsistentCopy) {
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    RAPPORT_TRY(c.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
    return Ok();
  }));
  auto path = (dir_ / "backup.db").string();
  ASSERT_TRUE(db_->BackupTo(path));
  auto copy = Database::Open({.url = path, .read_connections = 1});
  ASSERT_TRUE(copy);
  ASSERT_TRUE((*copy)->Read([](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto r, c.Query("SELECT v FROM t"));
    EXPECT_EQ(std::get<std::string>(r.rows.at(0).at(0)), "a");
    return Ok();
  }));
}

TEST(StorageOpenTest, RejectsUnknownSchemes) {
  auto db = Database::Open({.url = ""});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rapport::storage
