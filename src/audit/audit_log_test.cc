// The audit chain on both backends: appends link up, and every kind of tampering
// (an edited entry, a deleted one, deleted newest entries) is found.
#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "metadata/system_schema.h"
#include "storage/migrations.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace rapport::audit {
namespace {

using storage::Connection;
using storage::Value;

class AuditLogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = testing::FreshDatabase(GetParam(), dir_.File("audit.db"));
    ASSERT_TRUE(url) << url.error();
    auto db = storage::Database::Open({.url = *url});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_, metadata::SystemMigrations()));
  }

  void AppendN(const std::string& tenant, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(db_->Write([&](Connection& c) {
        return Append(c, tenant, {.kind = i % 2 ? "token.created" : "metadata.changed", .actor_id = "u1",
                                  .detail = fmt::format(R"({{"n":{}}})", i)});
      }));
    }
  }
  Status Exec(const std::string& sql) {
    return db_->Write([&](Connection& c) { return c.ExecuteScript(sql); });
  }
  Verification MustVerify(const std::string& tenant) {
    auto v = Verify(*db_, tenant);
    EXPECT_TRUE(v) << v.error().ToString();
    return v ? *v : Verification{};
  }

  testing::TempDir dir_{"rapport_audit"};
  std::unique_ptr<storage::Database> db_;
};

TEST_P(AuditLogTest, AppendsFormAChainPerTenant) {
  AppendN("t1", 5);
  AppendN("t2", 2);
  Verification v = MustVerify("t1");
  EXPECT_EQ(v.entries, 5);
  EXPECT_FALSE(v.broken_at) << v.problem;
  EXPECT_EQ(v.head_hash.size(), 64u);
  EXPECT_EQ(MustVerify("t2").entries, 2);
  EXPECT_EQ(MustVerify("nobody").entries, 0);

  auto all = List(*db_, "t1", {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].seq, 5);  // newest first
  EXPECT_EQ((*all)[4].prev_hash, std::string(64, '0'));
  EXPECT_EQ((*all)[0].prev_hash, (*all)[1].hash);
  EXPECT_EQ(EntryHash((*all)[2]), (*all)[2].hash);
  auto tokens = List(*db_, "t1", {.kind = "token."});
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->size(), 2u);
  auto page = List(*db_, "t1", {.before_seq = 3, .limit = 10});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 2);
}

TEST_P(AuditLogTest, AnEditedEntryIsFound) {
  AppendN("t1", 5);
  ASSERT_TRUE(Exec("UPDATE audit_log SET detail = '{\"n\":99}' WHERE tenant_id = 't1' AND seq = 3"));
  Verification v = MustVerify("t1");
  ASSERT_TRUE(v.broken_at);
  EXPECT_EQ(*v.broken_at, 3);
  EXPECT_NE(v.problem.find("edited"), std::string::npos) << v.problem;
  EXPECT_FALSE(MustVerify("t2").broken_at);
}

TEST_P(AuditLogTest, AnEditedEntryWithARecomputedHashBreaksTheNextLink) {
  AppendN("t1", 5);
  auto all = List(*db_, "t1", {});
  ASSERT_TRUE(all);
  Entry forged = (*all)[2];  // seq 3
  forged.event.detail = R"({"n":99})";
  std::string hash = EntryHash(forged);
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    std::vector<Value> p = {forged.event.detail, hash};
    RAPPORT_TRY(c.Execute("UPDATE audit_log SET detail = ?, hash = ? WHERE tenant_id = 't1' AND seq = 3", p));
    return Ok();
  }));
  Verification v = MustVerify("t1");
  ASSERT_TRUE(v.broken_at);
  EXPECT_EQ(*v.broken_at, 4);
}

TEST_P(AuditLogTest, DeletedEntriesAreFound) {
  AppendN("t1", 5);
  ASSERT_TRUE(Exec("DELETE FROM audit_log WHERE tenant_id = 't1' AND seq = 2"));
  Verification middle = MustVerify("t1");
  ASSERT_TRUE(middle.broken_at);
  EXPECT_EQ(*middle.broken_at, 2);
  EXPECT_NE(middle.problem.find("missing"), std::string::npos);

  AppendN("t3", 4);
  ASSERT_TRUE(Exec("DELETE FROM audit_log WHERE tenant_id = 't3' AND seq = 4"));
  Verification last = MustVerify("t3");
  ASSERT_TRUE(last.broken_at);
  EXPECT_EQ(*last.broken_at, 4);
  EXPECT_NE(last.problem.find("deleted at the end"), std::string::npos) << last.problem;
}

TEST_P(AuditLogTest, AnEventRollsBackWithItsTransaction) {
  AppendN("t1", 1);
  Status failed = db_->Write([&](Connection& c) -> Status {
    RAPPORT_TRY(Append(c, "t1", {.kind = "record.purged"}));
    return Fail(ErrorCode::kFailedPrecondition, "the change it records failed");
  });
  EXPECT_FALSE(failed);
  Verification v = MustVerify("t1");
  EXPECT_EQ(v.entries, 1);
  EXPECT_FALSE(v.broken_at) << v.problem;
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditLogTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace rapport::audit
