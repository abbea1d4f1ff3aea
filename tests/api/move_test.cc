// The paths data takes between databases, end to end with the real binary: a tenant
// moved from SQLite to a real PostgreSQL server with `export-tenant` / `import-tenant`,
// and `backup` / `restore` on both backends while a client keeps writing.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace rapport {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::RunRapport;
using testing::ServerProcess;
using testing::TempDir;

std::string NewPostgresDatabase() {
  auto database = testing::FreshDatabase("postgres", "");
  if (!database) throw std::runtime_error(database.error());
  return *database;
}

class Client {
 public:
  Client(uint16_t port, std::string token) : http_("127.0.0.1", port), token_(std::move(token)) {}
  HttpClient::Reply Call(const std::string& method, const std::string& target, const std::string& body = "") {
    return http_.Send(method, target, body,
                      {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}});
  }
  // The body of a successful GET, parsed.
  json::value Get(const std::string& target) {
    auto reply = Call("GET", target);
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    return json::parse(reply.body);
  }

 private:
  HttpClient http_;
  std::string token_;
};

// Everything a user sees of a workspace through the API (records, custom fields,
// history), to compare two servers.
std::vector<std::string> Snapshot(Client& client) {
  std::vector<std::string> out;
  out.push_back(json::serialize(client.Get("/api/v1/metadata/objects")));
  for (const char* object : {"companies", "people", "opportunities", "activities", "leads", "products", "users",
                             "vendors"}) {
    std::string cursor;
    do {
      json::value page = client.Get(fmt::format("/api/v1/objects/{}?limit=500&sort=id{}", object,
                                                cursor.empty() ? "" : "&cursor=" + cursor));
      out.push_back(json::serialize(page.at("data")));
      const json::value* next = page.as_object().if_contains("next_cursor");
      cursor = next && next->is_string() ? std::string(next->as_string()) : "";
    } while (!cursor.empty());
  }
  json::value first = client.Get("/api/v1/objects/companies?limit=1&sort=name");
  std::string id(first.at("data").as_array()[0].at("id").as_string());
  out.push_back(json::serialize(client.Get("/api/v1/objects/companies/" + id + "/history")));
  return out;
}

TEST(MoveTest, TenantMovesFromSqliteToPostgres) {
  TempDir dir("rapport_move");
  ServerProcess sqlite_server((dir.path() / "sqlite").string());
  std::string token = sqlite_server.Init("Acme");
  auto demo = RunRapport("demo --companies 30 " + sqlite_server.DatabaseArgs());
  ASSERT_EQ(demo.exit_status, 0) << demo.output;
  sqlite_server.Start();
  std::vector<std::string> before;
  {
    Client client(sqlite_server.port(), token);
    // A custom object and a custom field on a standard object, with data in both.
    auto object = client.Call("POST", "/api/v1/metadata/objects",
                              R"({"name":"vendors","label":"Vendor","label_plural":"Vendors",
                                  "fields":[{"name":"name","label":"Name","type":"text"},
                                            {"name":"rating","label":"Rating","type":"integer"}]})");
    ASSERT_EQ(object.status, 201) << object.body;
    auto field = client.Call("POST", "/api/v1/metadata/objects/companies/fields",
                             R"({"name":"tier","label":"Tier","type":"text"})");
    ASSERT_EQ(field.status, 201) << field.body;
    ASSERT_EQ(client.Call("POST", "/api/v1/objects/vendors", R"({"name":"Parts Inc","rating":4})").status, 201);
    json::value first = client.Get("/api/v1/objects/companies?limit=1&sort=name");
    std::string id(first.at("data").as_array()[0].at("id").as_string());
    ASSERT_EQ(client.Call("PATCH", "/api/v1/objects/companies/" + id, R"({"tier":"gold"})").status, 200);
    before = Snapshot(client);
  }
  std::string seen = fmt::format("{}", fmt::join(before, "\n"));
  ASSERT_NE(seen.find("Parts Inc"), std::string::npos);
  ASSERT_NE(seen.find(R"("tier":"gold")"), std::string::npos);
  ASSERT_GT(before.size(), 9u);
  sqlite_server.Stop();

  std::string archive = dir.File("acme.rapport");
  auto exported = RunRapport("export-tenant " + sqlite_server.DatabaseArgs() + " " + archive);
  ASSERT_EQ(exported.exit_status, 0) << exported.output;
  // The export is an audit event of the tenant it carried, and the chain still holds.
  sqlite_server.Start();
  {
    Client audit_client(sqlite_server.port(), token);
    auto events = audit_client.Call("GET", "/api/v1/audit?kind=tenant.exported");
    EXPECT_EQ(events.status, 200);
    EXPECT_NE(events.body.find("acme.rapport"), std::string::npos) << events.body;
  }
  sqlite_server.Stop();
  auto verified = RunRapport("audit verify " + sqlite_server.DatabaseArgs());
  EXPECT_EQ(verified.exit_status, 0) << verified.output;

  std::string url = NewPostgresDatabase();
  auto imported = RunRapport("import-tenant --db " + url + " " + archive);
  ASSERT_EQ(imported.exit_status, 0) << imported.output;
  auto twice = RunRapport("import-tenant --db " + url + " " + archive);
  EXPECT_NE(twice.exit_status, 0);
  EXPECT_NE(twice.output.find("already exists"), std::string::npos) << twice.output;

  // The same token logs in, and the workspace reads back exactly as it was.
  ServerProcess postgres_server((dir.path() / "postgres").string(), url);
  std::filesystem::create_directories(postgres_server.data_dir());
  postgres_server.Start();
  Client client(postgres_server.port(), token);
  EXPECT_EQ(Snapshot(client), before);
  // And it keeps working: writes on the moved data.
  EXPECT_EQ(client.Call("POST", "/api/v1/objects/vendors", R"({"name":"New Co","rating":5})").status, 201);
}

// `rapport backup` while a client writes: the backup is one snapshot (a prefix of the
// writes), and `restore` brings exactly that back, into a new database and over the
// old one (which is kept). On SQLite the backup is a database file; on PostgreSQL an
// archive.
class BackupWhileWritingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BackupWhileWritingTest, RestoresExactlyTheBackupPoint) {
  bool postgres = GetParam() == "postgres";
  TempDir dir("rapport_backup_" + GetParam());
  auto database_args = [&](const std::string& name) {
    return postgres ? "--db " + NewPostgresDatabase() : "--data " + (dir.path() / name).string();
  };
  std::string live = database_args("live");
  std::string live_url = postgres ? live.substr(5) : "";
  ServerProcess server((dir.path() / "live").string(), live_url);
  std::filesystem::create_directories(server.data_dir());
  std::string token = server.Init("Acme");
  server.Start();

  std::atomic<bool> stop = false;
  std::atomic<int> written = 0;
  std::thread writer([&] {
    Client client(server.port(), token);
    for (int i = 0; !stop; ++i) {
      auto reply = client.Call("POST", "/api/v1/objects/companies", fmt::format(R"({{"name":"C{:06}"}})", i));
      if (reply.status != 201) break;
      ++written;
    }
  });
  while (written < 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::string backup_file = dir.File("backup.rapport");
  auto backup = RunRapport("backup " + server.DatabaseArgs() + " " + backup_file);
  int after_backup = written;
  stop = true;
  writer.join();
  ASSERT_EQ(backup.exit_status, 0) << backup.output;

  auto names_in = [&](const std::string& args) {
    std::string db_url = args.starts_with("--db ") ? args.substr(5) : "";
    std::string data_dir = db_url.empty() ? args.substr(7) : (dir.path() / "check").string();
    ServerProcess restored(data_dir, db_url);
    std::filesystem::create_directories(restored.data_dir());
    restored.Start();
    Client client(restored.port(), token);
    std::set<std::string> names;
    std::string cursor;
    do {
      json::value page = client.Get("/api/v1/objects/companies?limit=500&fields=name" +
                                    (cursor.empty() ? "" : "&cursor=" + cursor));
      for (const auto& r : page.at("data").as_array()) names.emplace(r.at("name").as_string());
      const json::value* next = page.as_object().if_contains("next_cursor");
      cursor = next && next->is_string() ? std::string(next->as_string()) : "";
    } while (!cursor.empty());
    restored.Stop();
    return names;
  };

  // Into a new database: a gap-free prefix of the writes, taken while they ran.
  std::string fresh = database_args("fresh");
  auto restore = RunRapport("restore " + fresh + " " + backup_file);
  ASSERT_EQ(restore.exit_status, 0) << restore.output;
  std::set<std::string> names = names_in(fresh);
  ASSERT_GE(names.size(), 100u);
  ASSERT_LE(names.size(), static_cast<size_t>(after_backup) + 1);
  for (size_t i = 0; i < names.size(); ++i) EXPECT_TRUE(names.contains(fmt::format("C{:06}", i))) << i;

  // Over the live database (server stopped): refused without --force; with it, the
  // database is back at the backup point and what it held is kept.
  server.Stop();
  auto refused = RunRapport("restore " + server.DatabaseArgs() + " " + backup_file);
  EXPECT_NE(refused.exit_status, 0);
  auto forced = RunRapport("restore --force " + server.DatabaseArgs() + " " + backup_file);
  ASSERT_EQ(forced.exit_status, 0) << forced.output;
  if (postgres) {
    EXPECT_NE(forced.output.find("before-restore-"), std::string::npos) << forced.output;
  } else {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "live" / "rapport.db.before-restore"));
  }
  EXPECT_EQ(names_in(server.DatabaseArgs()), names);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackupWhileWritingTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

// PostgreSQL going away under a running server: requests get 503 problem+json (no
// crash, nothing half-written), and the same server recovers when PostgreSQL returns.
TEST(MoveTest, PostgresOutageIs503ThenRecovers) {
  TempDir dir("rapport_pg_outage");
  auto cluster = testing::PostgresServer::Instance();
  ASSERT_TRUE(cluster) << cluster.error();
  std::string url = NewPostgresDatabase();
  ServerProcess server(dir.path().string(), url);
  std::string token = server.Init("Acme");
  server.Start();
  Client client(server.port(), token);
  ASSERT_EQ(client.Call("POST", "/api/v1/objects/companies", R"({"name":"Before"})").status, 201);

  ASSERT_TRUE((*cluster)->Stop()) << "stopping PostgreSQL";
  for (const auto& [method, body] : {std::pair<std::string, std::string>{"GET", ""}, {"POST", R"({"name":"During"})"}}) {
    auto reply = client.Call(method, "/api/v1/objects/companies", body);
    EXPECT_EQ(reply.status, 503) << method << ": " << reply.body;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
  }
  auto started = (*cluster)->Start();
  ASSERT_TRUE(started) << started.error();

  // The first request after the restart may still meet a dead connection (503); the
  // server re-establishes its connections and answers within a few tries.
  int status = 0;
  for (int attempt = 0; attempt < 20 && status != 200; ++attempt) {
    status = client.Call("GET", "/api/v1/objects/companies?fields=name").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(status, 200);
  std::set<std::string> names;
  json::value listed = client.Get("/api/v1/objects/companies?fields=name");
  for (const auto& r : listed.at("data").as_array()) {
    names.emplace(r.at("name").as_string());
  }
  EXPECT_EQ(names, (std::set<std::string>{"Before"})) << "the write during the outage left nothing behind";
  EXPECT_EQ(client.Call("POST", "/api/v1/objects/companies", R"({"name":"After"})").status, 201);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace rapport
