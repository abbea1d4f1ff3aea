// The scale-out shape (docs/architecture.md): every tenant-owned table's primary key,
// every index and every foreign key leads with tenant_id, so a distributed engine can
// shard by tenant. Checked over the real SQLite catalog after the standard objects, a
// custom object and custom fields exist.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "app/app.h"
#include "metadata/system_schema.h"
#include "support/temp_dir.h"

namespace rapport {
namespace {

using storage::Connection;
using storage::TextOf;
using storage::Value;

// Global lookup tables (reference tables when sharded): not tenant-owned.
const std::set<std::string> kGlobalTables = {"tenants", "api_tokens", "schema_migrations", "schema_columns"};

TEST(TenantShapeTest, EveryKeyIndexAndForeignKeyLeadsWithTenantId) {
  testing::TempDir dir("rapport_shape");
  auto app = app::App::Open({.db_url = dir.File("rapport.db")});
  ASSERT_TRUE(app) << app.error().ToString();
  auto tenant = (*app)->identity().CreateTenant("Shape");
  ASSERT_TRUE(tenant);
  ASSERT_TRUE((*app)->metadata().Apply(
      tenant->id, metadata::CreateObject{.name = "projects", .label = "Project", .label_plural = "Projects",
                                         .fields = {{.name = "title", .type = "text", .unique = true},
                                                    {.name = "company_id", .type = "lookup", .target = "companies"}}}));
  ASSERT_TRUE((*app)->metadata().Apply(
      tenant->id, metadata::AddField{"people", {.name = "tier", .type = "picklist", .indexed = true,
                                                .options = {{"a", ""}, {"b", ""}}}}));

  int tables_checked = 0, indexes_checked = 0, foreign_keys_checked = 0;
  ASSERT_TRUE((*app)->db().Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto tables, c.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                                  "name NOT LIKE 'sqlite_%'"));
    for (const auto& row : tables.rows) {
      std::string table = TextOf(row[0]);
      if (kGlobalTables.contains(table)) continue;
      ++tables_checked;
      std::vector<Value> p = {table};
      // Primary key columns in key order.
      RAPPORT_ASSIGN_OR_RETURN(auto pk, c.Query("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", p));
      EXPECT_FALSE(pk.rows.empty()) << table << " has no primary key";
      if (!pk.rows.empty()) {
        EXPECT_EQ(TextOf(pk.rows[0][0]), "tenant_id") << "primary key of " << table;
      }
      RAPPORT_ASSIGN_OR_RETURN(auto indexes, c.Query("SELECT name FROM pragma_index_list(?)", p));
      for (const auto& index : indexes.rows) {
        ++indexes_checked;
        std::vector<Value> ip = {TextOf(index[0])};
        RAPPORT_ASSIGN_OR_RETURN(auto first, c.Query("SELECT name FROM pragma_index_info(?) WHERE seqno = 0", ip));
        EXPECT_EQ(first.rows.size(), 1u);
        if (!first.rows.empty()) {
          EXPECT_EQ(TextOf(first.rows[0][0]), "tenant_id") << "index " << TextOf(index[0]) << " on " << table;
        }
      }
      RAPPORT_ASSIGN_OR_RETURN(auto fks, c.Query("SELECT id, \"from\", \"to\" FROM pragma_foreign_key_list(?) "
                                                 "WHERE seq = 0",
                                                 p));
      for (const auto& fk : fks.rows) {
        ++foreign_keys_checked;
        EXPECT_EQ(TextOf(fk[1]), "tenant_id") << "foreign key of " << table;
        EXPECT_EQ(TextOf(fk[2]), "tenant_id") << "foreign key of " << table;
      }
    }
    return Ok();
  }));
  // The standard objects, the system tables and the custom object were all seen.
  EXPECT_GE(tables_checked, 16);
  EXPECT_GE(indexes_checked, 30);
  EXPECT_GE(foreign_keys_checked, 6);
}

// Tenant archives (transfer/archive.h) carry the tenant system tables and the object
// tables. A new table that is neither, nor declared global, would be silently left out
// of every export: this fails first.
TEST(TenantShapeTest, EveryTableIsGlobalOrCarriedByTenantArchives) {
  testing::TempDir dir("rapport_tables");
  auto app = app::App::Open({.db_url = dir.File("rapport.db")});
  ASSERT_TRUE(app) << app.error().ToString();
  auto tenant = (*app)->identity().CreateTenant("Tables");
  ASSERT_TRUE(tenant);
  ASSERT_TRUE((*app)->metadata().Apply(
      tenant->id, metadata::CreateObject{.name = "projects", .label = "Project", .label_plural = "Projects",
                                         .fields = {{.name = "title", .type = "text"}}}));
  std::set<std::string> accounted = {"schema_migrations"};  // storage's own
  for (auto table : metadata::GlobalSystemTables()) accounted.emplace(table);
  for (auto table : metadata::TenantSystemTables()) accounted.emplace(table);
  auto snapshot = (*app)->metadata().Current(tenant->id);
  ASSERT_TRUE(snapshot);
  for (const auto& object : (*snapshot)->objects()) accounted.insert(object.table);
  int seen = 0;
  ASSERT_TRUE((*app)->db().Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto tables, c.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                                  "name NOT LIKE 'sqlite_%'"));
    for (const auto& row : tables.rows) {
      ++seen;
      EXPECT_TRUE(accounted.contains(TextOf(row[0]))) << TextOf(row[0]) << " is in no archive and not global";
    }
    return Ok();
  }));
  EXPECT_GE(seen, 20);
}

}  // namespace
}  // namespace rapport
