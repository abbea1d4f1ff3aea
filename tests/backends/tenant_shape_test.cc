// The scale-out shape (docs/architecture.md): every tenant-owned table's primary key,
// every index and every foreign key leads with tenant_id, so a distributed engine can
// shard by tenant. Checked over the real SQLite and PostgreSQL catalogs after the
// standard objects, a custom object and custom fields exist.
#include <gtest/gtest.h>

#include <mutex>
#include <regex>
#include <set>
#include <string>

#include "app/app.h"
#include "metadata/system_schema.h"
#include "storage/table_versions.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace rapport {
namespace {

using storage::Connection;
using storage::TextOf;
using storage::Value;

// Global lookup tables (reference tables when sharded): not tenant-owned.
const std::set<std::string> kGlobalTables = {"tenants",  "api_tokens",    "sessions",      "invitations",
                                             "schema_migrations", "schema_columns", "login_throttle"};

// What the shape checks need from a catalog, asked of SQLite's or PostgreSQL's own.
struct Catalog {
  std::string tables;       // -> (name)
  std::string primary_key;  // ? table -> (first key column)
  std::string indexes;      // ? table -> (index name, first key column; NULL for an expression)
  std::string foreign_keys; // ? table -> (first referencing column, first referenced column)
};

const Catalog kSqliteCatalog = {
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    "SELECT name FROM pragma_table_info(?) WHERE pk = 1",
    "SELECT l.name, (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 0) FROM pragma_index_list(?) l",
    "SELECT \"from\", \"to\" FROM pragma_foreign_key_list(?) WHERE seq = 0",
};

const Catalog kPostgresCatalog = {
    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
    "SELECT a.attname::text FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
    "WHERE t.relname = ? AND t.relnamespace = current_schema()::regnamespace AND i.indisprimary",
    "SELECT ic.relname::text, a.attname::text FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
    "JOIN pg_class ic ON ic.oid = i.indexrelid LEFT JOIN pg_attribute a ON a.attrelid = t.oid "
    "AND a.attnum = i.indkey[0] WHERE t.relname = ? AND t.relnamespace = current_schema()::regnamespace",
    "SELECT a.attname::text, fa.attname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
    "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1] "
    "WHERE c.contype = 'f' AND t.relname = ? AND t.relnamespace = current_schema()::regnamespace",
};

// Each check runs on both backends' real catalogs.
class TenantShapeTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<app::App> Open(storage::StatementObserver observe = nullptr) {
    auto url = testing::FreshDatabase(GetParam(), dir_.File("rapport.db"));
    EXPECT_TRUE(url) << url.error();
    if (!url) return nullptr;
    auto app = app::App::Open({.db_url = *url, .observe_statement = std::move(observe)});
    EXPECT_TRUE(app) << app.error().ToString();
    return app ? std::move(*app) : nullptr;
  }
  const Catalog& catalog() const { return GetParam() == "postgres" ? kPostgresCatalog : kSqliteCatalog; }

  testing::TempDir dir_{"rapport_shape"};
};

TEST_P(TenantShapeTest, EveryKeyIndexAndForeignKeyLeadsWithTenantId) {
  auto app = Open();
  ASSERT_TRUE(app);
  auto tenant = app->identity().CreateTenant("Shape");
  ASSERT_TRUE(tenant);
  ASSERT_TRUE(app->metadata().Apply(
      tenant->id, metadata::CreateObject{.name = "projects", .label = "Project", .label_plural = "Projects",
                                         .fields = {{.name = "title", .type = "text", .unique = true},
                                                    {.name = "company_id", .type = "lookup", .target = "companies"}}}));
  ASSERT_TRUE(app->metadata().Apply(
      tenant->id, metadata::AddField{"people", {.name = "tier", .type = "picklist", .indexed = true,
                                                .options = {{"a", ""}, {"b", ""}}}}));

  int tables_checked = 0, indexes_checked = 0, foreign_keys_checked = 0;
  ASSERT_TRUE(app->db().Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto tables, c.Query(catalog().tables));
    for (const auto& row : tables.rows) {
      std::string table = TextOf(row[0]);
      if (kGlobalTables.contains(table)) continue;
      ++tables_checked;
      std::vector<Value> p = {table};
      RAPPORT_ASSIGN_OR_RETURN(auto pk, c.Query(catalog().primary_key, p));
      EXPECT_EQ(pk.rows.size(), 1u) << table << " has no primary key";
      if (!pk.rows.empty()) {
        EXPECT_EQ(TextOf(pk.rows[0][0]), "tenant_id") << "primary key of " << table;
      }
      RAPPORT_ASSIGN_OR_RETURN(auto indexes, c.Query(catalog().indexes, p));
      for (const auto& index : indexes.rows) {
        ++indexes_checked;
        EXPECT_EQ(TextOf(index[1]), "tenant_id") << "index " << TextOf(index[0]) << " on " << table;
      }
      RAPPORT_ASSIGN_OR_RETURN(auto fks, c.Query(catalog().foreign_keys, p));
      for (const auto& fk : fks.rows) {
        ++foreign_keys_checked;
        EXPECT_EQ(TextOf(fk[0]), "tenant_id") << "foreign key of " << table;
        EXPECT_EQ(TextOf(fk[1]), "tenant_id") << "foreign key of " << table;
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
TEST_P(TenantShapeTest, EveryTableIsGlobalOrCarriedByTenantArchives) {
  auto app = Open();
  ASSERT_TRUE(app);
  auto tenant = app->identity().CreateTenant("Tables");
  ASSERT_TRUE(tenant);
  ASSERT_TRUE(app->metadata().Apply(
      tenant->id, metadata::CreateObject{.name = "projects", .label = "Project", .label_plural = "Projects",
                                         .fields = {{.name = "title", .type = "text"}}}));
  std::set<std::string> accounted = {"schema_migrations", std::string(storage::kTableVersions)};  // storage's own
  for (auto table : metadata::GlobalSystemTables()) accounted.emplace(table);
  for (auto table : metadata::TenantSystemTables()) accounted.emplace(table);
  auto snapshot = app->metadata().Current(tenant->id);
  ASSERT_TRUE(snapshot);
  for (const auto& object : (*snapshot)->objects()) accounted.insert(object.table);
  int seen = 0;
  ASSERT_TRUE(app->db().Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto tables, c.Query(catalog().tables));
    for (const auto& row : tables.rows) {
      ++seen;
      EXPECT_TRUE(accounted.contains(TextOf(row[0]))) << TextOf(row[0]) << " is in no archive and not global";
    }
    return Ok();
  }));
  EXPECT_GE(seen, 20);
}

// The other half of the shape: no statement the engine runs may reach past one
// tenant. Every distinct statement emitted during a workload over every engine path is
// captured; each reference to a tenant-owned table must come with a tenant_id
// predicate (or, for an INSERT, a tenant_id value), which a distributed engine routes
// to a single shard.
TEST_P(TenantShapeTest, EveryStatementTheEngineEmitsIsTenantScoped) {
  std::mutex mu;
  std::set<std::string> statements;
  auto app = Open([&](std::string_view sql) {
    std::lock_guard lock(mu);
    statements.emplace(sql);
  });
  ASSERT_TRUE(app);
  auto& identity = app->identity();
  auto& records = app->records();
  auto tenant = identity.CreateTenant("Scoped");
  ASSERT_TRUE(tenant);
  auto user = identity.CreateUser(*tenant, "Ada", "ada@example.com", "admin", "correct horse battery");
  ASSERT_TRUE(user) << user.error().ToString();
  auto token = identity.CreateToken(*tenant, user->id, "t", 0);
  ASSERT_TRUE(token);
  auto principal = identity.Authenticate(token->token);
  ASSERT_TRUE(principal) << principal.error().ToString();
  using V = records::InputValue;
  ASSERT_TRUE(records.ApplyMetadata(
      *principal, metadata::CreateObject{.name = "projects", .label = "Project", .label_plural = "Projects",
                                         .fields = {{.name = "title", .type = "text", .unique = true},
                                                    {.name = "company_id", .type = "lookup", .target = "companies"}}}));
  ASSERT_TRUE(records.ApplyMetadata(*principal, metadata::AddField{"people", {.name = "tier", .type = "text"}}));
  auto company = records.Create(*principal, {"companies", {{"name", V::String("Acme")}}, "idem-1"});
  ASSERT_TRUE(company);
  auto person = records.Create(*principal, {"people", {{"first_name", V::String("A")}, {"last_name", V::String("B")},
                                                        {"company_id", V::String(company->id)}}});
  ASSERT_TRUE(person) << person.error().ToString();
  ASSERT_TRUE(records.Create(*principal, {"projects", {{"title", V::String("P")}, {"company_id", V::String(company->id)}}}));
  ASSERT_TRUE(records.Get(*principal, "people", person->id, {.include = {"company"}}));
  ASSERT_TRUE(records.Update(*principal, {"people", person->id, {{"tier", V::String("gold")}}, 1}));
  auto listed = records.List(*principal, {.object = "people", .filter = "company.name = \"Acme\" and tier != \"x\"",
                                          .sort = "-last_name", .limit = 1, .read = {.include = {"company"}},
                                          .count = true});
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_TRUE(records.History(*principal, "people", person->id));
  records::BatchCommand batch{"companies", {}, false};
  batch.items.push_back({.values = {{"name", V::String("Beta")}}});
  ASSERT_TRUE(records.Batch(*principal, batch));
  ASSERT_TRUE(records.Delete(*principal, "people", person->id));
  ASSERT_TRUE(records.Restore(*principal, "people", person->id));
  ASSERT_TRUE(records.Delete(*principal, "companies", company->id));
  auto purged = records.Purge(*principal, "companies", company->id);
  ASSERT_TRUE(purged) << purged.error().ToString();
  ASSERT_TRUE(records.Metadata(*principal));

  // The access model's paths: a member under a role with own scopes and a read-only
  // field, an organisation-wide default, a team sharing rule and a manual share.
  using security::Scope;
  auto member = identity.CreateUser(*tenant, "Mo", "mo@example.com", "member", "correct horse battery");
  ASSERT_TRUE(member);
  auto team = records.Create(*principal, {"teams", {{"name", V::String("Red")}}});
  ASSERT_TRUE(team);
  ASSERT_TRUE(records.Update(*principal, {"users", member->id, {{"team_id", V::String(team->id)},
                                                                {"manager_id", V::String(user->id)}}}));
  security::Role role{.name = "Rep"};
  role.objects["*"] = {Scope::kAll, Scope::kTeam, Scope::kOwn, Scope::kOwn, false};
  role.fields["people.tier"] = security::FieldAccess::kReadOnly;
  auto& access = app->access();
  auto created_role = access.CreateRole(*principal, role);
  ASSERT_TRUE(created_role) << created_role.error().ToString();
  ASSERT_TRUE(access.SetUserRoles(*principal, member->id, {created_role->id}));
  ASSERT_TRUE(access.SetDefault(*principal, "companies", security::DefaultSharing::kPublicRead));
  auto rule = access.CreateRule(*principal, {.object = "people", .name = "Gold", .criteria = "tier = \"gold\"",
                                             .target = {security::ShareTarget::Kind::kTeam, team->id}});
  ASSERT_TRUE(rule) << rule.error().ToString();
  security::ShareTarget mo_target{security::ShareTarget::Kind::kUser, member->id};
  ASSERT_TRUE(records.Share(*principal, "people", person->id, mo_target, security::ShareLevel::kEdit));
  security::Principal mo{tenant->id, member->id, false};
  auto seen = records.List(mo, {.object = "people", .filter = "company.name = \"Acme\" and tier != \"x\"",
                                .limit = 5, .read = {.include = {"company"}}, .count = true});
  ASSERT_TRUE(seen) << seen.error().ToString();
  ASSERT_TRUE(records.Get(mo, "people", person->id, {.include = {"company"}}));
  ASSERT_TRUE(records.Update(mo, {"people", person->id, {{"last_name", V::String("C")}}}));
  ASSERT_TRUE(records.History(mo, "people", person->id));
  auto own = records.Create(mo, {"people", {{"last_name", V::String("Own")}, {"company_id", V::String(company->id)}}});
  ASSERT_FALSE(own);  // the company was purged: not found, whoever asks
  own = records.Create(mo, {"people", {{"last_name", V::String("Own")}}});
  ASSERT_TRUE(own) << own.error().ToString();
  ASSERT_TRUE(records.Delete(mo, "people", own->id));
  ASSERT_TRUE(records.Restore(mo, "people", own->id));
  ASSERT_TRUE(records.Shares(*principal, "people", person->id));
  ASSERT_TRUE(records.Explain(*principal, member->id, "people", person->id));
  ASSERT_TRUE(records.Unshare(*principal, "people", person->id, mo_target));
  ASSERT_TRUE(access.ListRoles(*principal));
  ASSERT_TRUE(access.Defaults(*principal));
  ASSERT_TRUE(access.ListRules(*principal));
  ASSERT_TRUE(access.DeleteRule(*principal, rule->id));
  ASSERT_TRUE(access.DeleteRole(*principal, created_role->id));

  // Signing in: throttles, history, sessions, a password change, a reset link.
  auto& sign_in = app->sign_in();
  EXPECT_FALSE(sign_in.Login("", "mo@example.com", "wrong password", {"192.0.2.1", "t"}));
  auto session = sign_in.Login("", "mo@example.com", "correct horse battery", {"192.0.2.1", "t"});
  ASSERT_TRUE(session) << session.error().ToString();
  auto by_session = sign_in.Authenticate(session->token, {"192.0.2.1", "t"});
  ASSERT_TRUE(by_session);
  ASSERT_TRUE(sign_in.ChangePassword(*by_session, "correct horse battery", "another long passphrase"));
  ASSERT_TRUE(sign_in.History(*principal, member->id));
  ASSERT_TRUE(sign_in.SetAllowList(*principal, {"192.0.2.0/24"}, {"192.0.2.1", "t"}));
  ASSERT_TRUE(sign_in.Logout(session->token));
  auto link = sign_in.ResetPassword(*principal, member->id);
  ASSERT_TRUE(link);
  ASSERT_TRUE(sign_in.Accept(link->token, "a third long passphrase", {"192.0.2.1", "t"}));

  std::set<std::string> tenant_tables;
  for (auto table : metadata::TenantSystemTables()) tenant_tables.emplace(table);
  auto snapshot = app->metadata().Current(tenant->id);
  ASSERT_TRUE(snapshot);
  for (const auto& object : (*snapshot)->objects()) tenant_tables.insert(object.table);
  // Reference tables (a token, session or link found by its id names the tenant) are
  // looked up by id; their rows still carry tenant_id (checked on INSERT below).
  for (const auto& table : {"api_tokens", "sessions", "invitations"}) tenant_tables.erase(table);

  static const std::regex kSkip(R"(^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|CREATE|ALTER|DROP))",
                                std::regex::icase);
  static const std::regex kReference(R"re(\b(FROM|JOIN|INTO|UPDATE)\s+"?([a-z_0-9]+)"?)re", std::regex::icase);
  static const std::regex kScoped(R"re("?tenant_id"?\s*=)re", std::regex::icase);
  // The one lookup that cannot know its tenant yet: a bearer token found by its id,
  // which then names the tenant (api_tokens is a reference table when sharded).
  auto is_token_lookup = [](const std::string& sql) {
    return sql.starts_with("SELECT tenant_id, user_id, secret_hash, expires_at, read_only FROM api_tokens WHERE id = ?");
  };
  int checked = 0;
  for (const std::string& sql : statements) {
    if (std::regex_search(sql, kSkip) || is_token_lookup(sql)) continue;
    int references = 0;
    for (std::sregex_iterator it(sql.begin(), sql.end(), kReference), end; it != end; ++it) {
      if (tenant_tables.contains((*it)[2].str())) ++references;
    }
    if (references == 0) continue;
    ++checked;
    if (sql.find("INSERT") == 0) {
      std::string columns = sql.substr(0, sql.find(')'));
      EXPECT_NE(columns.find("tenant_id"), std::string::npos) << "INSERT without tenant_id: " << sql;
      continue;
    }
    auto scoped = std::distance(std::sregex_iterator(sql.begin(), sql.end(), kScoped), std::sregex_iterator());
    EXPECT_GE(scoped, references) << "a tenant table without a tenant_id predicate: " << sql;
  }
  EXPECT_GE(checked, 25) << "the workload should reach every engine path";
}

INSTANTIATE_TEST_SUITE_P(Backends, TenantShapeTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace rapport
