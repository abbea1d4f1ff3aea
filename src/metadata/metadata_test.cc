#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "metadata/metadata_store.h"
#include "metadata/object_builder.h"
#include "metadata/system_schema.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace rapport::metadata {
namespace {

std::vector<ObjectDef> TestObjects() {
  return {ObjectBuilder("companies", "Company", "Companies")
              .Title("name")
              .Field("name", "Name", FieldType::kText, {.required = true})
              .Field("domain", "Domain", FieldType::kText, {.unique = true})
              .Build(),
          ObjectBuilder("people", "Person", "People")
              .Field("email", "Email", FieldType::kEmail)
              .Lookup("company_id", "Company", "companies")
              .Index({"email", "company_id"})
              .Build()};
}

// Every case runs on both backends: a SQLite file and a private PostgreSQL cluster.
class MetadataStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = testing::FreshDatabase(GetParam(), dir_.File("m.db"));
    ASSERT_TRUE(url) << url.error();
    auto db = storage::Database::Open({.url = *url});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_, SystemMigrations()));
    store_ = std::make_unique<MetadataStore>(*db_, TestObjects());
    ASSERT_TRUE(store_->EnsureStandardSchema());
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
  }
  Status Exec(const std::string& sql) {
    return db_->Write([&](storage::Connection& c) { return c.ExecuteScript(sql); });
  }

  testing::TempDir dir_{"rapport_meta"};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataStoreTest, StandardSchemaIsIdempotentAndTenantLed) {
  ASSERT_TRUE(store_->EnsureStandardSchema());
  EXPECT_TRUE(Exec("INSERT INTO companies (tenant_id, id, version, created_at, updated_at, name) "
                   "VALUES ('t', 'c1', 1, 'x', 'x', 'Acme')"));
  // Unique fields are unique per tenant, among live records.
  EXPECT_TRUE(Exec("UPDATE companies SET domain = 'acme.com' WHERE id = 'c1'"));
  EXPECT_TRUE(Exec("INSERT INTO companies (tenant_id, id, version, created_at, updated_at, name, domain) "
                   "VALUES ('other', 'c2', 1, 'x', 'x', 'Acme', 'acme.com')"));
  EXPECT_FALSE(Exec("INSERT INTO companies (tenant_id, id, version, created_at, updated_at, name, domain) "
                    "VALUES ('t', 'c3', 1, 'x', 'x', 'Acme', 'acme.com')"));
  // Lookups are real foreign keys, scoped by tenant.
  EXPECT_FALSE(Exec("INSERT INTO people (tenant_id, id, version, created_at, updated_at, company_id) "
                    "VALUES ('other', 'p1', 1, 'x', 'x', 'c1')"));
  EXPECT_TRUE(Exec("INSERT INTO people (tenant_id, id, version, created_at, updated_at, company_id) "
                   "VALUES ('t', 'p1', 1, 'x', 'x', 'c1')"));
}

TEST_P(MetadataStoreTest, CustomObjectAndFieldsAreUsableAtOnce) {
  auto snap = store_->Apply("t", CreateObject{.name = "projects", .label = "Project",
                                              .label_plural = "Projects",
                                              .fields = {{.name = "title", .type = "text", .required = true},
                                                         {.name = "budget", .type = "currency"},
                                                         {.name = "company_id", .type = "lookup",
                                                          .target = "companies"}}});
  ASSERT_TRUE(snap) << snap.error().ToString();
  const ObjectDef* projects = (*snap)->FindObject("projects");
  ASSERT_NE(projects, nullptr);
  EXPECT_TRUE(projects->custom);
  EXPECT_EQ(projects->title_field, "title");
  ASSERT_NE(projects->FindField("budget"), nullptr);
  const FieldDef* budget = projects->FindField("budget");
  ASSERT_NE(budget, nullptr);
  EXPECT_TRUE(Exec(fmt::format("INSERT INTO \"{}\" (tenant_id, id, version, created_at, updated_at, "
                               "\"{}\", \"{}\") VALUES ('t', 'p', 1, 'x', 'x', 5, 'EUR')",
                               projects->table, budget->column, budget->currency_column())));

  auto added = store_->Apply("t", AddField{"companies", {.name = "tier", .type = "picklist",
                                                          .options = {{"gold", ""}, {"silver", ""}}}});
  ASSERT_TRUE(added) << added.error().ToString();
  const FieldDef* tier = (*added)->FindObject("companies")->FindField("tier");
  ASSERT_NE(tier, nullptr);
  EXPECT_EQ(tier->options[0].label, "gold");
  // Another tenant's snapshot does not see it.
  EXPECT_EQ((*store_->Current("other"))->FindObject("companies")->FindField("tier"), nullptr);
  EXPECT_EQ((*store_->Current("other"))->FindObject("projects"), nullptr);

  // A fresh store (a restarted server) loads the same definitions from the database.
  MetadataStore reloaded(*db_, TestObjects());
  auto again = reloaded.Current("t");
  ASSERT_TRUE(again);
  EXPECT_NE((*again)->FindObject("companies")->FindField("tier"), nullptr);
  EXPECT_EQ((*again)->version(), 2);
}

TEST_P(MetadataStoreTest, InvalidEditsCollectEveryProblemAndChangeNothing) {
  auto result = store_->Apply("t", CreateObject{.name = "Bad Name", .label = "",
                                                .label_plural = "X",
                                                .fields = {{.name = "id", .type = "text"},
                                                           {.name = "x", .type = "txet"},
                                                           {.name = "p", .type = "picklist"}}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kValidationFailed);
  std::set<std::string> fields;
  for (const auto& fe : result.error().field_errors()) fields.insert(fe.field);
  EXPECT_EQ(fields, (std::set<std::string>{"name", "label", "fields[0].name", "fields[1].type",
                                           "fields[2].options"}));
  bool suggested = false;
  for (const auto& fe : result.error().field_errors()) {
    if (fe.message.find("Did you mean `text`") != std::string::npos) suggested = true;
  }
  EXPECT_TRUE(suggested);

  auto dup = store_->Apply("t", AddField{"companies", {.name = "name", .type = "text"}});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kValidationFailed);
  auto lookup = store_->Apply("t", AddField{"people", {.name = "boss", .type = "lookup", .target = "peple"}});
  ASSERT_FALSE(lookup);
  EXPECT_EQ(lookup.error().field_errors().size(), 2u);  // name without _id, unknown target
  auto unknown = store_->Apply("t", AddField{"compnies", {.name = "x", .type = "text"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().detail().find("Did you mean `companies`"), std::string::npos);
  EXPECT_EQ((*store_->Current("t"))->version(), 0);
}

TEST_P(MetadataStoreTest, PlanListsStepsWithoutApplyingThem) {
  auto plan = store_->Plan("t", AddField{"companies", {.name = "code", .type = "text", .unique = true}});
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->steps.size(), 3u);  // metadata row, column, unique index
  EXPECT_NE(plan->steps[1].sql.find("ALTER TABLE \"companies\" ADD COLUMN"), std::string::npos);
  EXPECT_NE(plan->steps[2].sql.find("CREATE UNIQUE INDEX"), std::string::npos);
  EXPECT_NE(plan->steps[2].sql.find("(tenant_id, "), std::string::npos);
  EXPECT_EQ((*store_->Current("t"))->FindObject("companies")->FindField("code"), nullptr);
}

TEST_P(MetadataStoreTest, RemovedFieldKeepsItsData) {
  ASSERT_TRUE(store_->Apply("t", AddField{"companies", {.name = "notes", .type = "long_text"}}));
  auto column = (*store_->Current("t"))->FindObject("companies")->FindField("notes")->column;
  ASSERT_TRUE(Exec(fmt::format("INSERT INTO companies (tenant_id, id, version, created_at, updated_at, "
                               "name, \"{}\") VALUES ('t', 'a', 1, 'x', 'x', 'A', 'keep me')", column)));
  auto removed = store_->Apply("t", DeleteField{"companies", "notes"});
  ASSERT_TRUE(removed);
  EXPECT_EQ((*removed)->FindObject("companies")->FindField("notes"), nullptr);
  EXPECT_TRUE(Exec(fmt::format("SELECT \"{}\" FROM companies", column)));
  auto standard = store_->Apply("t", DeleteField{"companies", "name"});
  ASSERT_FALSE(standard);
  EXPECT_EQ(standard.error().code(), ErrorCode::kFailedPrecondition);
}

// Every index of a record table carries deleted_at, so that a count over the live rows
// reads the index alone; a database whose indexes an earlier version made without it
// (named "ix_") has them replaced at start-up, the tenants' own objects' and fields' too.
TEST_P(MetadataStoreTest, RecordIndexesCoverTheLiveRowsAndOldOnesAreReplaced) {
  ASSERT_TRUE(Exec("INSERT INTO tenants (id, name, created_at) VALUES ('t', 'T', 'x')"));
  auto snap = store_->Apply("t", CreateObject{.name = "projects", .label = "Project", .label_plural = "Projects",
                                              .fields = {{.name = "title", .type = "text", .required = true},
                                                         {.name = "code", .type = "text", .indexed = true}}});
  ASSERT_TRUE(snap) << snap.error().ToString();
  ASSERT_TRUE(store_->Apply("t", AddField{"companies", {.name = "tier", .type = "text", .indexed = true}}));
  const std::string projects = (*store_->Current("t"))->FindObject("projects")->table;
  const std::string code = (*store_->Current("t"))->FindObject("projects")->FindField("code")->column;
  const std::string tier = (*store_->Current("t"))->FindObject("companies")->FindField("tier")->column;
  const bool postgres = GetParam() == "postgres";
  auto indexes = [&](const std::string& table) {
    std::set<std::string> names;
    EXPECT_TRUE(db_->Read([&](storage::Connection& c) -> Status {
      std::vector<storage::Value> p = {table};
      RAPPORT_ASSIGN_OR_RETURN(
          auto rows, c.Query(postgres ? "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname NOT LIKE '%_pkey'"
                                      : "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                             p));
      for (const auto& row : rows.rows) names.insert(storage::TextOf(row[0]));
      return Ok();
    }));
    return names;
  };
  const std::set<std::string> people_indexes = {"ix_people_updated_at", "lx_people_owner_id", "lx_people_company_id",
                                                "lx_people_email_company_id"};
  EXPECT_EQ(indexes("people"), people_indexes);
  // The keys an earlier version made, without deleted_at, under their old names.
  struct Legacy {
    std::string table, column;
  };
  const std::vector<Legacy> legacy = {{"people", "owner_id"}, {"people", "company_id"}, {"companies", tier},
                                      {projects, "owner_id"}, {projects, code}};
  for (const auto& [table, column] : legacy) {
    ASSERT_TRUE(Exec(fmt::format("DROP INDEX \"lx_{0}_{1}\"; CREATE INDEX \"ix_{0}_{1}\" ON \"{0}\" (tenant_id, \"{1}\", id)",
                                 table, column)));
  }
  EXPECT_TRUE(indexes("people").contains("ix_people_company_id"));

  MetadataStore restarted(*db_, TestObjects());
  ASSERT_TRUE(restarted.EnsureStandardSchema());
  for (const auto& [table, column] : legacy) {
    auto names = indexes(table);
    EXPECT_TRUE(names.contains(fmt::format("lx_{}_{}", table, column))) << table << "." << column;
    EXPECT_FALSE(names.contains(fmt::format("ix_{}_{}", table, column))) << table << "." << column;
  }
  EXPECT_EQ(indexes("people"), people_indexes);
  ASSERT_TRUE(restarted.EnsureStandardSchema());  // again: nothing left to do
  EXPECT_EQ(indexes("people"), people_indexes);

  if (postgres) return;  // SQLite's plan says so in words
  ASSERT_TRUE(db_->Read([&](storage::Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto plan, c.Query("EXPLAIN QUERY PLAN SELECT company_id, COUNT(*) FROM people "
                                                "WHERE tenant_id = 't' AND deleted_at IS NULL GROUP BY company_id"));
    EXPECT_NE(storage::TextOf(plan.rows.at(0).back()).find("COVERING INDEX lx_people_company_id"), std::string::npos)
        << storage::TextOf(plan.rows.at(0).back());
    // The index over two fields: people of one email, counted by company.
    RAPPORT_ASSIGN_OR_RETURN(plan, c.Query("EXPLAIN QUERY PLAN SELECT company_id, COUNT(*) FROM people WHERE tenant_id = 't' "
                                           "AND deleted_at IS NULL AND email = 'a@b.c' GROUP BY company_id"));
    EXPECT_NE(storage::TextOf(plan.rows.at(0).back()).find("COVERING INDEX lx_people_email_company_id"), std::string::npos)
        << storage::TextOf(plan.rows.at(0).back());
    return Ok();
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, MetadataStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace rapport::metadata
