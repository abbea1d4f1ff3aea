// The system migrations and the metadata-driven DDL (standard objects, CreateObject,
// AddField) on PostgreSQL: the same portable SQL that runs on SQLite.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "metadata/metadata_store.h"
#include "metadata/object_builder.h"
#include "metadata/system_schema.h"
#include "storage/database.h"
#include "support/postgres_server.h"

namespace rapport::metadata {
namespace {

// `people` comes first and looks up `companies`, created after it: PostgreSQL checks
// a foreign key's target when the table is created, SQLite only when it is used.
std::vector<ObjectDef> StandardObjects() {
  return {ObjectBuilder("people", "Person", "People")
              .Field("email", "Email", FieldType::kEmail, {.indexed = true})
              .Lookup("company_id", "Company", "companies")
              .Build(),
          ObjectBuilder("companies", "Company", "Companies")
              .Title("name")
              .Field("name", "Name", FieldType::kText, {.required = true})
              .Field("domain", "Domain", FieldType::kText, {.unique = true})
              .Field("employees", "Employees", FieldType::kInteger)
              .Field("active", "Active", FieldType::kBoolean)
              .Build()};
}

class PostgresSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::PostgresServer::Instance();
    ASSERT_TRUE(server) << server.error();
    auto url = (*server)->CreateDatabase();
    ASSERT_TRUE(url) << url.error();
    auto db = storage::Database::Open({.url = *url, .read_connections = 2});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_EQ(db_->dialect().name(), "postgresql");
  }
  Status Exec(const std::string& sql) {
    return db_->Write([&](storage::Connection& c) { return c.ExecuteScript(sql); });
  }

  std::unique_ptr<storage::Database> db_;
};

TEST_F(PostgresSchemaTest, SystemMigrationsStandardSchemaAndEdits) {
  auto applied = storage::Migrate(*db_, SystemMigrations());
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_GT(*applied, 0);
  auto again = storage::Migrate(*db_, SystemMigrations());
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, 0);

  MetadataStore store(*db_, StandardObjects());
  Status ensured = store.EnsureStandardSchema();
  ASSERT_TRUE(ensured) << ensured.error().ToString();
  Status ensured_again = store.EnsureStandardSchema();
  ASSERT_TRUE(ensured_again) << ensured_again.error().ToString();

  // Indexes keep NULLs first, the engine's ascending order (owner_id, email, and the
  // company_id lookup).
  ASSERT_TRUE(db_->Read([](storage::Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto r, c.Query("SELECT COUNT(*) FROM pg_indexes WHERE tablename = ? AND "
                                             "indexdef LIKE '%NULLS FIRST%'",
                                             std::vector<storage::Value>{std::string("people")}));
    EXPECT_EQ(std::get<int64_t>(r.rows.at(0).at(0)), 3);
    return Ok();
  }));

  EXPECT_TRUE(Exec("INSERT INTO companies (tenant_id, id, version, created_at, updated_at, name, employees, active) "
                   "VALUES ('t', 'c1', 1, 'x', 'x', 'Acme', 5000000000, 1)"));
  EXPECT_TRUE(Exec("UPDATE companies SET domain = 'acme.com' WHERE id = 'c1'"));
  EXPECT_TRUE(Exec("INSERT INTO companies (tenant_id, id, version, created_at, updated_at, name, domain) "
                   "VALUES ('other', 'c2', 1, 'x', 'x', 'Acme', 'acme.com')"));
  Status dup = Exec("INSERT INTO companies (tenant_id, id, version, created_at, updated_at, name, domain) "
                    "VALUES ('t', 'c3', 1, 'x', 'x', 'Acme', 'acme.com')");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  Status dangling = Exec("INSERT INTO people (tenant_id, id, version, created_at, updated_at, company_id) "
                         "VALUES ('other', 'p1', 1, 'x', 'x', 'c1')");
  ASSERT_FALSE(dangling);
  EXPECT_EQ(dangling.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Exec("INSERT INTO people (tenant_id, id, version, created_at, updated_at, company_id) "
                   "VALUES ('t', 'p1', 1, 'x', 'x', 'c1')"));

  auto created = store.Apply("t", CreateObject{.name = "projects", .label = "Project",
                                               .label_plural = "Projects",
                                               .fields = {{.name = "title", .type = "text", .required = true},
                                                          {.name = "budget", .type = "currency"},
                                                          {.name = "company_id", .type = "lookup",
                                                           .target = "companies"}}});
  ASSERT_TRUE(created) << created.error().ToString();
  const ObjectDef* projects = (*created)->FindObject("projects");
  ASSERT_NE(projects, nullptr);
  auto added = store.Apply("t", AddField{"companies", {.name = "code", .type = "text", .unique = true}});
  ASSERT_TRUE(added) << added.error().ToString();
  auto indexed = store.Apply("t", AddField{"companies", {.name = "tier", .type = "picklist", .indexed = true,
                                                         .options = {{"gold", ""}, {"silver", ""}}}});
  ASSERT_TRUE(indexed) << indexed.error().ToString();
  EXPECT_EQ((*indexed)->version(), 3);

  // The new table and columns are usable at once, and the snapshot reloads from PG.
  const FieldDef* code = (*added)->FindObject("companies")->FindField("code");
  ASSERT_NE(code, nullptr);
  EXPECT_TRUE(Exec("UPDATE companies SET " + code->column + " = 'A1' WHERE id = 'c1'"));
  EXPECT_TRUE(Exec("INSERT INTO " + projects->table + " (tenant_id, id, version, created_at, updated_at, " +
                   projects->FindField("title")->column + ", " + projects->FindField("company_id")->column +
                   ") VALUES ('t', 'pr1', 1, 'x', 'x', 'Launch', 'c1')"));
  MetadataStore reloaded(*db_, StandardObjects());
  auto snapshot = reloaded.Current("t");
  ASSERT_TRUE(snapshot) << snapshot.error().ToString();
  EXPECT_EQ((*snapshot)->version(), 3);
  ASSERT_NE((*snapshot)->FindObject("projects"), nullptr);
  EXPECT_NE((*snapshot)->FindObject("companies")->FindField("tier"), nullptr);
}

}  // namespace
}  // namespace rapport::metadata
