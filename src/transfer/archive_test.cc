// Tenant archives between real databases: a SQLite source exported and imported into
// a fresh SQLite file and into a real PostgreSQL database, then compared row by row.
#include "transfer/archive.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "app/app.h"
#include "audit/audit_log.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace rapport::transfer {
namespace {

namespace json = boost::json;
using records::InputObject;
using security::Principal;
using V = records::InputValue;

V Money(const std::string& amount, const std::string& currency) {
  V money;
  money.kind = V::Kind::kObject;
  money.members = {{"amount", V::String(amount)}, {"currency", V::String(currency)}};
  return money;
}

// An archive's content without its header (which names the backend and the time):
// table -> rows, each row as its column -> value object, sorted. Column order may
// differ between databases (columns added at different times); content may not.
std::map<std::string, std::vector<std::string>> Content(const std::string& archive) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream in(archive);
  std::string line;
  std::string table;
  std::vector<std::string> columns;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    json::value v = json::parse(line);
    if (v.is_object() && v.as_object().contains("table")) {
      table = std::string(v.as_object().at("table").as_string());
      columns.clear();
      for (const auto& c : v.as_object().at("columns").as_array()) {
        columns.emplace_back(c.as_array()[0].as_string());
      }
      out[table];
    } else if (v.is_array()) {
      json::object row;
      for (size_t i = 0; i < columns.size(); ++i) row[columns[i]] = v.as_array()[i];
      std::map<std::string, std::string> sorted;
      for (const auto& [k, value] : row) sorted[std::string(k)] = json::serialize(value);
      std::string text;
      for (const auto& [k, value] : sorted) text += k + "=" + value + ";";
      out[table].push_back(text);
    } else if (v.is_object() && v.as_object().contains("tenant")) {
      out["(tenant)"].push_back(json::serialize(v));
    }
  }
  for (auto& [name, rows] : out) std::sort(rows.begin(), rows.end());
  return out;
}

// Content() without what an import adds: its own audit entry ("tenant.imported") and
// the audit head that moved with it.
std::map<std::string, std::vector<std::string>> WithoutImportRecord(std::map<std::string, std::vector<std::string>> content) {
  content.erase("audit_heads");
  std::erase_if(content["audit_log"],
                [](const std::string& row) { return row.find("kind=\"tenant.imported\"") != std::string::npos; });
  return content;
}

class ArchiveTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto source = app::App::Open({.db_url = dir_.File("source.db")});
    ASSERT_TRUE(source) << source.error().ToString();
    source_ = std::move(*source);
    auto tenant = source_->identity().CreateTenant("Acme");
    ASSERT_TRUE(tenant);
    tenant_ = *tenant;
    auto other = source_->identity().CreateTenant("Other");
    ASSERT_TRUE(other);
    other_ = *other;
    auto user = source_->identity().CreateUser(tenant_, "Ada", "ada@example.com", "admin", "correct horse battery");
    ASSERT_TRUE(user) << user.error().ToString();
    admin_ = Principal{tenant_.id, user->id, true};
    auto token = source_->identity().CreateToken(tenant_, user->id, "laptop", 0);
    ASSERT_TRUE(token);
    token_ = token->token;
  }

  // A fresh, empty database of the kind under test.
  std::unique_ptr<app::App> Destination(const std::string& name = "destination") {
    auto url = testing::FreshDatabase(GetParam(), dir_.File(name + ".db"));
    EXPECT_TRUE(url) << url.error();
    if (!url) return nullptr;
    auto app = app::App::Open({.db_url = *url});
    EXPECT_TRUE(app) << app.error().ToString();
    return app ? std::move(*app) : nullptr;
  }

  records::Record Create(const std::string& object, InputObject values) {
    auto r = source_->records().Create(admin_, {object, std::move(values)});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : records::Record{};
  }

  void Apply(const metadata::MetadataEdit& edit) {
    auto applied = source_->records().ApplyMetadata(admin_, edit);
    ASSERT_TRUE(applied) << applied.error().ToString();
  }

  static std::string Export(app::App& app, const std::vector<std::string>& tenants) {
    std::ostringstream out;
    auto summary = ExportArchive(app.db(), app.metadata(), tenants, out);
    EXPECT_TRUE(summary) << summary.error().ToString();
    return out.str();
  }

  static Result<ArchiveSummary> Import(app::App& app, const std::string& archive,
                                       ImportMode mode = ImportMode::kAddTenants) {
    std::istringstream in(archive);
    return ImportArchive(app.db(), app.metadata(), in, mode);
  }

  // A workspace using every feature an archive must carry.
  void Populate() {
    using metadata::FieldSpec;
    Apply(metadata::CreateObject{
        "projects", "Project", "Projects",
        {FieldSpec{.name = "title", .label = "Title", .type = "text", .required = true},
         FieldSpec{.name = "parent_id", .label = "Parent", .type = "lookup", .target = "projects"},
         FieldSpec{.name = "company_id", .label = "Company", .type = "lookup", .target = "companies"},
         FieldSpec{.name = "budget", .label = "Budget", .type = "currency"},
         FieldSpec{.name = "stage", .label = "Stage", .type = "picklist",
                   .options = {{"plan", "Plan"}, {"build", "Build"}}}}});
    Apply(metadata::AddField{"people", {.name = "nickname", .label = "Nickname", .type = "text", .indexed = true}});
    Apply(metadata::AddField{"people", {.name = "deal_size", .label = "Deal size", .type = "currency"}});
    Apply(metadata::AddField{"people", {.name = "legacy", .label = "Legacy", .type = "text"}});
    Apply(metadata::CreateObject{"old_things", "Old thing", "Old things",
                                 {FieldSpec{.name = "label", .label = "Label", .type = "text"}}});

    // A child created long before its parent: the self-lookup must be loaded afterwards.
    auto child = Create("companies", {{"name", V::String("Child Ltd")}});
    // Enough rows between them that they land in different INSERT statements.
    records::BatchCommand filler{"companies", {}, true};
    for (int i = 0; i < 600; ++i) filler.items.push_back({.values = {{"name", V::String(fmt::format("Filler {}", i))}}});
    ASSERT_TRUE(source_->records().Batch(admin_, filler));
    auto parent = Create("companies", {{"name", V::String("Parent Group")}, {"annual_revenue", Money("1000000.25", "EUR")}});
    auto updated = source_->records().Update(admin_, {"companies", child.id, {{"parent_company_id", V::String(parent.id)}}});
    ASSERT_TRUE(updated) << updated.error().ToString();
    for (int i = 0; i < 30; ++i) {
      Create("people", {{"first_name", V::String("P" + std::to_string(i))},
                        {"last_name", V::String("Ünïcødé \"quoted\"\nnewline")},
                        {"company_id", V::String(i % 2 ? child.id : parent.id)},
                        {"nickname", V::String("nick" + std::to_string(i))},
                        {"deal_size", Money(std::to_string(i) + ".5", "USD")},
                        {"legacy", V::String("kept " + std::to_string(i))}});
    }
    auto sub = Create("projects", {{"title", V::String("Sub")}, {"stage", V::String("build")}});
    auto top = Create("projects", {{"title", V::String("Top")}, {"company_id", V::String(parent.id)},
                                   {"budget", Money("12.3456", "GBP")}});
    ASSERT_TRUE(source_->records().Update(admin_, {"projects", sub.id, {{"parent_id", V::String(top.id)}}}));
    auto gone = Create("people", {{"first_name", V::String("Gone")}, {"last_name", V::String("Away")}});
    ASSERT_TRUE(source_->records().Delete(admin_, "people", gone.id));
    Create("old_things", {{"label", V::String("still here")}});
    // Removed field and object: hidden from the API, their data kept in the database.
    Apply(metadata::DeleteField{"people", "legacy"});
    Apply(metadata::DeleteObject{"old_things"});
    // Another tenant's rows must stay out of Acme's archive.
    Principal stranger{other_.id, "", true};
    ASSERT_TRUE(source_->records().Create(stranger, {"companies", {{"name", V::String("Not Acme")}}}));
  }

  testing::TempDir dir_;
  std::unique_ptr<app::App> source_;
  identity::Tenant tenant_, other_;
  Principal admin_;
  std::string token_;
};

TEST_P(ArchiveTest, MovesATenantLosslessly) {
  Populate();
  std::string archive = Export(*source_, {tenant_.id});
  EXPECT_EQ(archive.find("Not Acme"), std::string::npos);
  EXPECT_NE(archive.find("kept 7"), std::string::npos) << "removed field's data is carried";
  EXPECT_NE(archive.find("still here"), std::string::npos) << "removed object's data is carried";

  auto destination = Destination();
  ASSERT_TRUE(destination);
  auto imported = Import(*destination, archive);
  ASSERT_TRUE(imported) << imported.error().ToString();
  EXPECT_EQ(imported->tenants, 1);
  EXPECT_GT(imported->rows, 60);

  // Every row of every table, as the destination now holds it.
  std::string again = Export(*destination, {tenant_.id});
  EXPECT_EQ(WithoutImportRecord(Content(archive)), WithoutImportRecord(Content(again)));
  // The audit chain moved intact and goes on with the import itself.
  auto source_chain = audit::Verify(source_->db(), tenant_.id);
  auto moved_chain = audit::Verify(destination->db(), tenant_.id);
  ASSERT_TRUE(source_chain && moved_chain);
  EXPECT_FALSE(moved_chain->broken_at) << moved_chain->problem;
  EXPECT_GE(source_chain->entries, 5) << "metadata changes and the token are audited";
  EXPECT_EQ(moved_chain->entries, source_chain->entries + 1);

  // And the engine works on what was moved: the same records, metadata, history, login.
  auto principal = destination->identity().Authenticate(token_);
  ASSERT_TRUE(principal) << principal.error().ToString();
  EXPECT_EQ(principal->tenant_id, tenant_.id);
  auto people = destination->records().List(*principal, {.object = "people", .filter = "nickname = \"nick7\"",
                                                           .read = {.include = {"company"}}, .count = true});
  ASSERT_TRUE(people) << people.error().ToString();
  ASSERT_EQ(*people->total, 1);
  auto projects = destination->records().List(*principal, {.object = "projects", .filter = "parent.title = \"Top\""});
  ASSERT_TRUE(projects) << projects.error().ToString();
  ASSERT_EQ(projects->records.size(), 1u);
  auto history = destination->records().History(*principal, "projects", projects->records[0].id);
  ASSERT_TRUE(history) << history.error().ToString();
  EXPECT_GE(history->size(), 2u);
  // The schema keeps working: a new field on a moved custom object.
  auto added = destination->records().ApplyMetadata(
      *principal, metadata::AddField{"projects", {.name = "notes", .label = "Notes", .type = "text"}});
  ASSERT_TRUE(added) << added.error().ToString();
}

TEST_P(ArchiveTest, RefusesAnExistingTenantUnlessReplacing) {
  Populate();
  std::string archive = Export(*source_, {tenant_.id});
  auto destination = Destination();
  ASSERT_TRUE(destination);
  ASSERT_TRUE(Import(*destination, archive));
  auto again = Import(*destination, archive);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);

  // Replacing: the tenant's data is exactly the archive's again, after local changes.
  auto principal = destination->identity().Authenticate(token_);
  ASSERT_TRUE(principal);
  ASSERT_TRUE(destination->records().Create(*principal, {"companies", {{"name", V::String("Local only")}}}));
  auto replaced = Import(*destination, archive, ImportMode::kReplaceTenants);
  ASSERT_TRUE(replaced) << replaced.error().ToString();
  EXPECT_EQ(WithoutImportRecord(Content(archive)), WithoutImportRecord(Content(Export(*destination, {tenant_.id}))));
}

TEST_P(ArchiveTest, BadArchivesChangeNothing) {
  Populate();
  std::string archive = Export(*source_, {tenant_.id});
  auto destination = Destination();
  ASSERT_TRUE(destination);
  std::string empty = Export(*destination, {});

  // Truncated mid-way: rejected, and not one row of it stays.
  auto truncated = Import(*destination, archive.substr(0, archive.size() * 2 / 3));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(truncated.error().detail().find("truncated"), std::string::npos) << truncated.error().detail();
  EXPECT_EQ(Content(empty), Content(Export(*destination, {})));

  // A row claiming another tenant is refused (an archive cannot write into a tenant
  // it does not declare).
  std::string forged = archive;
  size_t at = forged.find("[\"" + tenant_.id + "\"", forged.find("{\"table\":\"companies\""));
  ASSERT_NE(at, std::string::npos);
  forged.replace(at + 2, tenant_.id.size(), other_.id);
  auto refused = Import(*destination, forged);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail().find("another tenant"), std::string::npos) << refused.error().detail();

  // An unknown table is refused, not created.
  std::string unknown = archive;
  size_t table = unknown.find("{\"table\":\"companies\"");
  unknown.replace(table, std::string("{\"table\":\"companies\"").size(), "{\"table\":\"evil\"");
  auto rejected = Import(*destination, unknown);
  ASSERT_FALSE(rejected);
  EXPECT_NE(rejected.error().detail().find("unknown table"), std::string::npos) << rejected.error().detail();
  EXPECT_EQ(Content(empty), Content(Export(*destination, {})));

  // Not an archive at all.
  auto garbage = Import(*destination, "SQLite format 3\n");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code(), ErrorCode::kInvalidArgument);
}

// The export is one read transaction: while a writer keeps creating records (each
// with its change event, written in the same transaction), the archive
// holds exactly a prefix of them, each with its event, never a record without it.
// Runs with the database under test as the source.
TEST_P(ArchiveTest, ExportIsConsistentWhileWriting) {
  auto db = Destination("live");
  ASSERT_TRUE(db);
  auto tenant = db->identity().CreateTenant("Live");
  ASSERT_TRUE(tenant);
  Principal system = Principal::System(tenant->id);
  std::atomic<bool> stop = false;
  std::atomic<int> written = 0;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      if (!db->records().Create(system, {"companies", {{"name", V::String(fmt::format("C{:06}", i))}}})) break;
      ++written;
    }
  });
  while (written < 50) std::this_thread::yield();
  std::string archive = Export(*db, {tenant->id});
  int before_stop = written;
  stop = true;
  writer.join();
  ASSERT_GT(written, 0);
  auto content = Content(archive);
  const auto& companies = content["companies"];
  size_t events = 0;
  for (const auto& row : content["change_events"]) events += row.find("object_name=\"companies\"") != std::string::npos;
  EXPECT_GE(companies.size(), 50u);
  EXPECT_LE(companies.size(), static_cast<size_t>(before_stop) + 1);
  EXPECT_EQ(events, companies.size());
  // A prefix: C000000 .. C(n-1), no gaps.
  for (size_t i = 0; i < companies.size(); ++i) {
    EXPECT_NE(archive.find(fmt::format("\"C{:06}\"", i)), std::string::npos) << i;
  }
  EXPECT_EQ(archive.find(fmt::format("\"C{:06}\"", companies.size())), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ArchiveTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace rapport::transfer
