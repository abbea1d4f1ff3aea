// End-to-end tests of the public REST API: the real `rapport` binary on a real SQLite
// file, spoken to over real HTTP on loopback. Every error case also checks that
// nothing was written.
#include <gtest/gtest.h>

#include <regex>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <set>
#include <string>

#include "core/calendar.h"
#include "identity/sign_in.h"
#include "storage/database.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/server_process.h"
#include "support/smtp_server.h"
#include "support/temp_dir.h"
#include "support/xlsx_text.h"

namespace rapport {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::ServerProcess;
using testing::TempDir;
using Reply = HttpClient::Reply;

// RAPPORT_TEST_BACKEND=postgres: a fresh database on the private PostgreSQL server;
// otherwise "" (the server process uses a SQLite file in its data directory).
std::string BackendDatabaseUrl() {
  const char* backend = std::getenv("RAPPORT_TEST_BACKEND");
  if (!backend || std::string(backend) != "postgres") return "";
  auto database = testing::FreshDatabase(backend, "");
  if (!database) throw std::runtime_error(database.error());
  return *database;
}

class ApiTest : public ::testing::Test {
 protected:
  // RAPPORT_TEST_BACKEND=postgres runs the suite on a private PostgreSQL server
  // (ctest registers both runs).
  static void SetUpTestSuite() {
    dir_ = new TempDir("rapport_api");
    smtp_ = new testing::SmtpServer();
    server_ = new ServerProcess(dir_->path().string(), BackendDatabaseUrl());
    token_ = server_->Init("Acme");
    other_token_ = server_->Init("Other", "boss@other.example");
    // Scheduled reports are mailed to a real SMTP server, looked for every second.
    server_->Start({"--smtp-url", smtp_->url(), "--smtp-from", "crm@acme.example", "--schedule-interval", "1"});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete smtp_;
    delete dir_;
  }
  void SetUp() override { client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port()); }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             std::vector<std::pair<std::string, std::string>> headers = {}, const std::string& token = "") {
    headers.emplace_back("Authorization", "Bearer " + (token.empty() ? token_ : token));
    return client_->Send(method, target, body, headers);
  }
  static json::value Json(const Reply& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }
  // Asserts a problem+json answer with `status`, returning its body.
  json::object Problem(const Reply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << r.body;
    auto v = Json(r);
    EXPECT_TRUE(v.is_object());
    if (!v.is_object()) return {};
    EXPECT_EQ(v.at("status").as_int64(), status);
    EXPECT_TRUE(v.at("type").as_string().starts_with("https://rapport.dev/errors/"));
    return v.as_object();
  }
  int64_t Count(const std::string& object, const std::string& token = "") {
    auto r = Call("GET", "/api/v1/objects/" + object + "?count=true&limit=1", "", {}, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r).at("total").as_int64();
  }
  // Makes a scheduled job (a row of `table`) due, straight in the server's database, so
  // that the server's own job loop runs it within seconds.
  void MakeDue(std::string_view table, const std::string& id, std::string_view also_set = "") {
    std::string args = server_->DatabaseArgs();
    std::string url = args.starts_with("--db ") ? args.substr(5) : "sqlite:" + server_->data_dir() + "/rapport.db";
    auto db = storage::Database::Open({.url = url, .read_connections = 1});
    ASSERT_TRUE(db) << db.error().ToString();
    ASSERT_TRUE((*db)->Write([&](storage::Connection& c) -> Status {
      std::vector<storage::Value> params = {id};
      RAPPORT_TRY(c.Execute(fmt::format("UPDATE {} SET next_run_at = '2000-01-03T06:00:00.000000Z'{} WHERE id = ?", table,
                                        also_set),
                            params));
      return Ok();
    }));
  }

  json::object Create(const std::string& object, const std::string& body) {
    auto r = Call("POST", "/api/v1/objects/" + object, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).as_object();
  }

  static TempDir* dir_;
  static testing::SmtpServer* smtp_;
  static ServerProcess* server_;
  static std::string token_;
  static std::string other_token_;
  std::unique_ptr<HttpClient> client_;
};

TempDir* ApiTest::dir_ = nullptr;
ServerProcess* ApiTest::server_ = nullptr;
testing::SmtpServer* ApiTest::smtp_ = nullptr;
std::string ApiTest::token_;
std::string ApiTest::other_token_;

TEST_F(ApiTest, HealthAndMetricsNeedNoToken) {
  auto health = client_->Send("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(Json(health).at("status").as_string(), "ok");
  auto metrics = client_->Send("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("rapport_http_requests_total{route=\"/healthz\""), std::string::npos);
  EXPECT_NE(metrics.body.find("rapport_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("rapport_db_commits_total"), std::string::npos);
}

// The database pool and latency series (docs/operations.md), after reads and a write.
TEST_F(ApiTest, MetricsShowDatabasePoolAndLatency) {
  Create("companies", R"({"name": "Metrics Ltd"})");
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies?limit=1").status, 200);
  auto metrics = client_->Send("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  // The value of the sample line that starts with `series ` (-1 if there is none).
  auto value = [&](const std::string& series) -> double {
    size_t at = metrics.body.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(metrics.body.substr(at + series.size() + 2));
  };
  EXPECT_NE(metrics.body.find("# TYPE rapport_db_transactions_total counter\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE rapport_db_reader_pool_size gauge\n"), std::string::npos);
  EXPECT_EQ(value("rapport_db_reader_pool_size"), 4);  // --threads 2, plus 2
  EXPECT_GE(value("rapport_db_readers_in_use"), 0);
  EXPECT_LE(value("rapport_db_readers_in_use"), 4);
  for (std::string histogram : {"rapport_db_reader_wait_seconds", "rapport_db_read_duration_seconds",
                                "rapport_db_write_duration_seconds", "rapport_db_commit_duration_seconds"}) {
    SCOPED_TRACE(histogram);
    EXPECT_NE(metrics.body.find("# TYPE " + histogram + " histogram\n"), std::string::npos);
    EXPECT_NE(metrics.body.find(histogram + "_bucket{le=\"0.001\"} "), std::string::npos);
    EXPECT_GE(value(histogram + "_count"), 1);
    EXPECT_EQ(value(histogram + "_count"), value(histogram + "_bucket{le=\"+Inf\"}"));
    EXPECT_GT(value(histogram + "_sum"), 0);
  }
  EXPECT_GE(value("rapport_db_reads_total"), 1);
}

TEST_F(ApiTest, RequestsWithoutAValidTokenAre401) {
  Problem(client_->Send("GET", "/api/v1/objects/companies"), 401);
  Problem(client_->Send("GET", "/api/v1/objects/companies", "", {{"Authorization", "Basic abc"}}), 401);
  Problem(client_->Send("GET", "/api/v1/objects/companies", "",
                        {{"Authorization", "Bearer rpt_0000000000000000_" + std::string(48, '0')}}),
          401);
  std::string forged = token_;
  forged.back() = forged.back() == '0' ? '1' : '0';
  Problem(client_->Send("GET", "/api/v1/objects/companies", "", {{"Authorization", "Bearer " + forged}}), 401);
}

TEST_F(ApiTest, RecordLifecycle) {
  auto created = Call("POST", "/api/v1/objects/companies",
                      R"({"name": "Lifecycle Ltd", "employees": 12, "annual_revenue": {"amount": "1234.50", "currency": "EUR"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto company = Json(created).as_object();
  std::string id(company.at("id").as_string());
  EXPECT_EQ(created.Header("location"), "/api/v1/objects/companies/" + id);
  EXPECT_EQ(created.Header("etag"), "\"1\"");
  EXPECT_EQ(company.at("annual_revenue").at("amount").as_string(), "1234.50");
  EXPECT_EQ(company.at("version").as_int64(), 1);

  auto got = Call("GET", "/api/v1/objects/companies/" + id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(Json(got).at("name").as_string(), "Lifecycle Ltd");

  auto stale = Call("PATCH", "/api/v1/objects/companies/" + id, R"({"employees": 13})", {{"If-Match", "\"7\""}});
  Problem(stale, 412);
  auto patched = Call("PATCH", "/api/v1/objects/companies/" + id, R"({"employees": 13})", {{"If-Match", "\"1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched).at("employees").as_int64(), 13);
  EXPECT_EQ(patched.Header("etag"), "\"2\"");

  auto history = Call("GET", "/api/v1/objects/companies/" + id + "/history");
  ASSERT_EQ(history.status, 200);
  auto entries = Json(history).at("data").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("field").as_string(), "employees");
  EXPECT_EQ(entries[0].at("old").as_string(), "12");
  EXPECT_EQ(entries[0].at("new").as_string(), "13");
  EXPECT_EQ(entries[1].at("change").as_string(), "created");

  EXPECT_EQ(Call("DELETE", "/api/v1/objects/companies/" + id).status, 204);
  Problem(Call("GET", "/api/v1/objects/companies/" + id), 404);
  auto restored = Call("POST", "/api/v1/objects/companies/" + id + "/restore");
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(Json(restored).at("version").as_int64(), 4);
  EXPECT_EQ(Call("DELETE", "/api/v1/objects/companies/" + id).status, 204);
  EXPECT_EQ(Call("POST", "/api/v1/objects/companies/" + id + "/purge").status, 204);
  Problem(Call("POST", "/api/v1/objects/companies/" + id + "/restore"), 404);
}

TEST_F(ApiTest, BadInputIsAPrecise4xxAndWritesNothing) {
  int64_t before = Count("people");
  auto malformed = Problem(Call("POST", "/api/v1/objects/people", R"({"last_name": "x",)"), 400);
  EXPECT_FALSE(malformed.at("detail").as_string().empty());
  Problem(Call("POST", "/api/v1/objects/people", R"(["array"])"), 400);
  Problem(Call("POST", "/api/v1/objects/people", "last_name=x", {{"Content-Type", "application/x-www-form-urlencoded"}}), 415);
  auto unknown_object = Problem(Call("POST", "/api/v1/objects/peple", R"({"last_name": "x"})"), 404);
  EXPECT_NE(std::string(unknown_object.at("detail").as_string()).find("Did you mean `people`"), std::string::npos);

  auto invalid = Problem(Call("POST", "/api/v1/objects/people",
                              R"({"last_name": "x", "emial": "a@b.co", "phone": 5, "email": "nope", "birthdate": "2026-13-01"})"),
                         422);
  std::set<std::string> fields;
  for (const auto& e : invalid.at("errors").as_array()) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"emial", "phone", "email", "birthdate"}));

  Problem(Call("POST", "/api/v1/objects/people", R"({"last_name": "x", "id": "0190b2c4-7d1e-7a00-8000-000000000000"})"), 422);
  std::string huge = R"({"last_name": ")" + std::string(9 << 20, 'a') + "\"}";
  auto too_big = Call("POST", "/api/v1/objects/people", huge);
  EXPECT_EQ(too_big.status, 413);

  auto bad_filter = Problem(Call("GET", "/api/v1/objects/people?filter=last_name%20%3D%3D%20%22x%22"), 400);
  EXPECT_NE(std::string(bad_filter.at("detail").as_string()).find("position"), std::string::npos);
  auto unknown_filter_field = Problem(Call("GET", "/api/v1/objects/people?filter=emial%20%3D%20%22x%22"), 400);
  EXPECT_NE(std::string(unknown_filter_field.at("detail").as_string()).find("Did you mean `email`"), std::string::npos);
  EXPECT_EQ(unknown_filter_field.at("errors").as_array()[0].at("field").as_string(), "filter") << unknown_filter_field;
  Problem(Call("GET", "/api/v1/objects/people?limit=0"), 400);
  Problem(Call("GET", "/api/v1/objects/people?limit=abc"), 400);
  // Each names the part of the request at fault.
  for (auto [query, field] : {std::pair{"sort=-nope", "sort"}, {"cursor=%25%25garbage", "cursor"}, {"fields=last_name,nope", "fields"}}) {
    auto refused = Problem(Call("GET", std::string("/api/v1/objects/people?") + query), 400);
    ASSERT_FALSE(refused.at("errors").as_array().empty()) << refused;
    EXPECT_EQ(refused.at("errors").as_array()[0].at("field").as_string(), field) << refused;
  }
  Problem(Call("GET", "/api/v1/objects/people?filtr=x"), 400);
  Problem(Call("GET", "/api/v1/objects/people/0190b2c4-7d1e-7a00-8000-000000000000"), 404);
  Problem(Call("GET", "/api/v1/objects/people/not-an-id"), 404);
  Problem(Call("PATCH", "/api/v1/objects/people/0190b2c4-7d1e-7a00-8000-000000000000", R"({"last_name": "y"})"), 404);
  Problem(Call("PATCH", "/api/v1/objects/people/0190b2c4-7d1e-7a00-8000-000000000000", R"({"last_name": "y"})",
               {{"If-Match", "W/\"x\""}}),
          400);
  Problem(Call("PUT", "/api/v1/objects/people"), 405);
  Problem(Call("GET", "/api/v1/nowhere"), 404);
  EXPECT_EQ(Count("people"), before);
}

TEST_F(ApiTest, DuplicateUniqueValueIs409WithTheField) {
  Create("products", R"({"name": "Widget", "code": "API-W-1"})");
  auto dup = Problem(Call("POST", "/api/v1/objects/products", R"({"name": "Other", "code": "API-W-1"})"), 409);
  EXPECT_EQ(dup.at("errors").as_array().at(0).at("field").as_string(), "code");
}

TEST_F(ApiTest, ListFiltersSortsPagesIncludesAndCounts) {
  auto company = Create("companies", R"({"name": "Listing Corp", "industry": "energy"})");
  std::string company_id(company.at("id").as_string());
  for (int i = 0; i < 12; ++i) {
    Create("people", R"({"last_name": "Lister)" + std::to_string(100 + i) + R"(", "email": "l)" + std::to_string(i) +
                         R"(@listing.example", "company_id": ")" + company_id + "\"}");
  }
  std::string filter = "filter=company.industry%20%3D%20%22energy%22%20and%20email%20ends_with%20%22%40listing.example%22";
  auto counted = Call("GET", "/api/v1/objects/people?" + filter + "&count=true&limit=5&sort=-last_name&fields=last_name,company_id&include=company");
  ASSERT_EQ(counted.status, 200) << counted.body;
  auto page = Json(counted).as_object();
  EXPECT_EQ(page.at("total").as_int64(), 12);
  auto data = page.at("data").as_array();
  ASSERT_EQ(data.size(), 5u);
  EXPECT_EQ(data[0].at("last_name").as_string(), "Lister111");
  EXPECT_FALSE(data[0].as_object().contains("email"));
  EXPECT_EQ(data[0].at("company").at("name").as_string(), "Listing Corp");

  std::vector<std::string> names;
  std::string cursor;
  do {
    auto r = Call("GET", "/api/v1/objects/people?" + filter + "&limit=5&sort=-last_name" +
                             (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = Json(r).as_object();
    for (const auto& rec : body.at("data").as_array()) names.emplace_back(rec.at("last_name").as_string());
    cursor = body.at("next_cursor").is_null() ? "" : std::string(body.at("next_cursor").as_string());
  } while (!cursor.empty());
  ASSERT_EQ(names.size(), 12u);
  EXPECT_TRUE(std::is_sorted(names.rbegin(), names.rend()));
}

TEST_F(ApiTest, BatchReportsPerItemAndAtomicWritesNothing) {
  int64_t before = Count("leads");
  auto mixed = Call("POST", "/api/v1/objects/leads/batch",
                    R"({"records": [{"last_name": "B1"}, {"last_name": "B2", "score": 500}, {"last_name": "B3"}]})");
  ASSERT_EQ(mixed.status, 207) << mixed.body;
  auto results = Json(mixed).at("results").as_array();
  EXPECT_EQ(results[0].at("status").as_int64(), 201);
  EXPECT_EQ(results[1].at("status").as_int64(), 422);
  EXPECT_EQ(results[1].at("error").at("errors").as_array().at(0).at("field").as_string(), "score");
  EXPECT_EQ(results[2].at("status").as_int64(), 201);
  EXPECT_EQ(Count("leads"), before + 2);

  auto atomic = Call("POST", "/api/v1/objects/leads/batch",
                     R"({"atomic": true, "records": [{"last_name": "A1"}, {"last_name": "A2", "score": 500}]})");
  Problem(atomic, 422);
  EXPECT_EQ(Count("leads"), before + 2);

  std::string id(results[0].at("record").at("id").as_string());
  auto update = Call("POST", "/api/v1/objects/leads/batch",
                     R"({"operation": "update", "records": [{"id": ")" + id + R"(", "version": 1, "status": "qualified"}]})");
  ASSERT_EQ(update.status, 200) << update.body;
  EXPECT_EQ(Json(update).at("results").at(0).at("record").at("status").as_string(), "qualified");
  Problem(Call("POST", "/api/v1/objects/leads/batch", R"({"records": "nope"})"), 400);
}

TEST_F(ApiTest, IdempotencyKeyMakesRetriesSafe) {
  int64_t before = Count("companies");
  std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "retry-1"}};
  auto first = Call("POST", "/api/v1/objects/companies", R"({"name": "Retry AG"})", key);
  auto second = Call("POST", "/api/v1/objects/companies", R"({"name": "Retry AG"})", key);
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(Json(first).at("id"), Json(second).at("id"));
  EXPECT_EQ(Count("companies"), before + 1);
  Problem(Call("POST", "/api/v1/objects/companies", R"({"name": "Other AG"})", key), 409);
  EXPECT_EQ(Count("companies"), before + 1);
}

TEST_F(ApiTest, CustomObjectsAndFieldsWorkEverywhereAtOnce) {
  auto created = Call("POST", "/api/v1/metadata/objects",
                      R"({"name": "projects", "label": "Project", "label_plural": "Projects",
                          "fields": [{"name": "title", "type": "text", "required": true},
                                     {"name": "budget", "type": "currency"},
                                     {"name": "company_id", "type": "lookup", "target": "companies"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto field = Call("POST", "/api/v1/metadata/objects/projects/fields",
                    R"({"name": "phase", "type": "picklist", "options": ["plan", "build", "run"]})");
  ASSERT_EQ(field.status, 201) << field.body;
  auto bad_field = Problem(Call("POST", "/api/v1/metadata/objects/projects/fields", R"({"name": "Bad Name", "type": "txet"})"), 422);
  EXPECT_EQ(bad_field.at("errors").as_array().size(), 2u);

  auto company = Create("companies", R"({"name": "Project Owner"})");
  auto project = Create("projects", R"({"title": "Rollout", "phase": "build", "budget": {"amount": "5000", "currency": "EUR"},
                                        "company_id": ")" + std::string(company.at("id").as_string()) + "\"}");
  EXPECT_EQ(project.at("phase").as_string(), "build");
  Problem(Call("POST", "/api/v1/objects/projects", R"({"title": "X", "phase": "dream"})"), 422);
  auto listed = Call("GET", "/api/v1/objects/projects?filter=phase%20%3D%20%22build%22%20and%20company.name%20~%20%22owner%22&include=company&count=true");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Json(listed).at("total").as_int64(), 1);

  auto objects = Json(Call("GET", "/api/v1/metadata/objects")).at("data").as_array();
  bool found = false;
  for (const auto& o : objects) found |= o.at("name").as_string() == "projects";
  EXPECT_TRUE(found);
  auto openapi = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  auto doc = Json(openapi).as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  EXPECT_TRUE(doc.at("paths").as_object().contains("/api/v1/objects/projects"));
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().at("Projects").at("properties").as_object().contains("phase"));
  // The fixed endpoints too: sign-in is anonymous, tokens can be listed and created.
  const auto& paths = doc.at("paths").as_object();
  EXPECT_TRUE(paths.at("/api/v1/auth/login").at("post").at("security").as_array().empty());
  EXPECT_TRUE(paths.at("/api/v1/tokens").as_object().contains("get"));
  EXPECT_TRUE(paths.at("/api/v1/tokens").as_object().contains("post"));
  EXPECT_TRUE(paths.at("/api/v1/access/explain").as_object().contains("get"));
  EXPECT_TRUE(paths.at("/api/v1/views/{id}").as_object().contains("patch"));
  EXPECT_TRUE(paths.at("/api/v1/objects/projects/export").at("get").at("responses").as_object().contains("200"));
  EXPECT_TRUE(paths.at("/api/v1/objects/projects/aggregate").as_object().contains("get"));
  EXPECT_TRUE(doc.at("components").at("securitySchemes").as_object().contains("session"));

  // The other tenant sees none of it.
  Problem(Call("GET", "/api/v1/objects/projects", "", {}, other_token_), 404);
}

TEST_F(ApiTest, TenantsAreIsolated) {
  auto mine = Create("companies", R"({"name": "Secret Inc"})");
  std::string id(mine.at("id").as_string());
  Problem(Call("GET", "/api/v1/objects/companies/" + id, "", {}, other_token_), 404);
  Problem(Call("PATCH", "/api/v1/objects/companies/" + id, R"({"name": "Taken"})", {}, other_token_), 404);
  Problem(Call("DELETE", "/api/v1/objects/companies/" + id, "", {}, other_token_), 404);
  Problem(Call("GET", "/api/v1/objects/companies/" + id + "/history", "", {}, other_token_), 404);
  auto list = Call("GET", "/api/v1/objects/companies?filter=name%20%3D%20%22Secret%20Inc%22&count=true", "", {}, other_token_);
  EXPECT_EQ(Json(list).at("total").as_int64(), 0);
  auto cross = Call("POST", "/api/v1/objects/people", R"({"last_name": "Spy", "company_id": ")" + id + "\"}", {}, other_token_);
  Problem(cross, 422);
  EXPECT_EQ(Json(Call("GET", "/api/v1/objects/companies/" + id)).at("name").as_string(), "Secret Inc");
}

TEST_F(ApiTest, MembersGet403ForAdminOnlyChanges) {
  auto member = Call("POST", "/api/v1/objects/users",
                     R"({"name": "Mia Member", "email": "mia@acme.example", "role": "member"})");
  ASSERT_EQ(member.status, 201) << member.body;
  std::string member_id(Json(member).at("id").as_string());
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email mia@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  std::string member_token = token.output.substr(0, token.output.find('\n'));
  Problem(Call("PATCH", "/api/v1/objects/users/" + member_id, R"({"role": "admin"})", {}, member_token), 403);
  Problem(Call("POST", "/api/v1/metadata/objects", R"({"name": "sneaky", "label": "S", "label_plural": "S"})", {},
               member_token),
          403);
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, member_token).status, 200);
  EXPECT_EQ(Json(Call("GET", "/api/v1/objects/users/" + member_id)).at("role").as_string(), "member");
}

TEST_F(ApiTest, ReadOnlyTokensReadButNeverWrite) {
  auto created = Call("POST", "/api/v1/tokens", R"({"name": "dashboard", "read_only": true, "expires_in_days": 30})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string ro(Json(created).at("token").as_string());
  std::string ro_id(Json(created).at("id").as_string());
  EXPECT_TRUE(Json(created).at("read_only").as_bool());

  auto company = Create("companies", R"({"name": "Read Only Inc"})");
  std::string id(company.at("id").as_string());
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies/" + id, "", {}, ro).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, ro).status, 200);
  int64_t before = Count("companies");
  Problem(Call("POST", "/api/v1/objects/companies", R"({"name": "Sneaky"})", {}, ro), 403);
  Problem(Call("POST", "/api/v1/objects/companies/batch", R"({"records": [{"name": "Sneaky"}]})", {}, ro), 403);
  Problem(Call("PATCH", "/api/v1/objects/companies/" + id, R"({"name": "Renamed"})", {}, ro), 403);
  Problem(Call("DELETE", "/api/v1/objects/companies/" + id, "", {}, ro), 403);
  Problem(Call("POST", "/api/v1/metadata/objects/companies/fields", R"({"name": "x", "label": "X", "type": "text"})", {}, ro), 403);
  // It cannot mint a stronger token, nor revoke one.
  Problem(Call("POST", "/api/v1/tokens", R"({"name": "escalate"})", {}, ro), 403);
  Problem(Call("DELETE", "/api/v1/tokens/" + ro_id, "", {}, ro), 403);
  EXPECT_EQ(Count("companies"), before);
  EXPECT_EQ(Json(Call("GET", "/api/v1/objects/companies/" + id)).at("name").as_string(), "Read Only Inc");

  // Listed without secrets; revoked, it stops working.
  auto listed = Call("GET", "/api/v1/tokens");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find("rpt_"), std::string::npos) << "no secret in a listing";
  bool seen = false;
  json::value listing = Json(listed);
  for (const auto& t : listing.at("data").as_array()) {
    if (t.at("id").as_string() == ro_id) {
      seen = true;
      EXPECT_TRUE(t.at("read_only").as_bool());
      EXPECT_TRUE(t.at("expires_at").is_string());
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(Call("DELETE", "/api/v1/tokens/" + ro_id).status, 204);
  Problem(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, ro), 401);
  Problem(Call("DELETE", "/api/v1/tokens/" + ro_id), 404);  // already revoked

  // Bad requests say which field and why; another tenant's token is not ours to revoke.
  auto bad = Problem(Call("POST", "/api/v1/tokens", R"({"name": 5, "colour": "red"})"), 422);
  EXPECT_EQ(bad.at("errors").as_array().size(), 2u) << json::serialize(bad);
  Problem(Call("POST", "/api/v1/tokens", R"({"name": "long", "expires_in_days": 99999})"), 400);
  auto theirs = Json(Call("GET", "/api/v1/tokens", "", {}, other_token_)).at("data").as_array();
  ASSERT_FALSE(theirs.empty());
  Problem(Call("DELETE", "/api/v1/tokens/" + std::string(theirs[0].at("id").as_string())), 404);
  for (const auto& t : theirs) EXPECT_NE(t.at("id").as_string(), ro_id);

  // The audit log names who did it.
  auto revoked = Json(Call("GET", "/api/v1/audit?kind=token.revoked")).at("data").as_array();
  ASSERT_FALSE(revoked.empty());
  EXPECT_TRUE(revoked[0].at("actor_id").is_string());
}

// Roles, sharing and explanations over HTTP: what the web app's admin screens use.
TEST_F(ApiTest, RolesAndSharingOverTheApi) {
  auto member = Call("POST", "/api/v1/objects/users",
                     R"({"name": "Rex Rep", "email": "rex@acme.example", "role": "member"})");
  ASSERT_EQ(member.status, 201) << member.body;
  std::string member_id(Json(member).at("id").as_string());
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email rex@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  std::string rex = token.output.substr(0, token.output.find('\n'));

  // Bad roles name the key at fault and change nothing.
  auto bad = Problem(Call("POST", "/api/v1/roles", R"({"name": "Rep", "objects": {"opportunities": {"read": "own", "edit": "all"}}})"), 422);
  EXPECT_EQ(bad.at("errors").as_array()[0].at("field").as_string(), "objects.opportunities.edit");
  bad = Problem(Call("POST", "/api/v1/roles", R"({"name": "Rep", "objects": {"opportunities": {"read": "most"}}})"), 422);
  EXPECT_EQ(bad.at("errors").as_array()[0].at("field").as_string(), "objects.opportunities.read");
  Problem(Call("POST", "/api/v1/roles", R"({"name": "Rep", "fields": {"opportunities.nope": "hidden"}})"), 422);
  Problem(Call("POST", "/api/v1/roles", R"({"name": "Rep", "colour": "red"})"), 422);

  auto role = Call("POST", "/api/v1/roles", R"({"name": "Sales rep", "objects": {
      "*": {"create": "all", "read": "all", "edit": "all", "delete": "none"},
      "opportunities": {"create": "all", "read": "own", "edit": "own", "delete": "own"}},
      "fields": {"opportunities.probability": "hidden"}})");
  ASSERT_EQ(role.status, 201) << role.body;
  std::string role_id(Json(role).at("id").as_string());
  EXPECT_EQ(Json(role).at("objects").at("opportunities").at("read").as_string(), "own");
  // Only administrators and user managers manage access.
  Problem(Call("POST", "/api/v1/roles", R"({"name": "Escalate"})", {}, rex), 403);
  Problem(Call("PUT", "/api/v1/users/" + member_id + "/roles", R"({"roles": []})", {}, rex), 403);
  auto assigned = Call("PUT", "/api/v1/users/" + member_id + "/roles", R"({"roles": [")" + role_id + R"("]})");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(Json(Call("GET", "/api/v1/users/" + member_id + "/roles", "", {}, rex)).at("roles").as_array().size(), 1u);

  auto theirs = Create("opportunities", R"({"name": "Admin's deal", "probability": 40})");
  std::string theirs_id(theirs.at("id").as_string());
  auto mine = Call("POST", "/api/v1/objects/opportunities", R"({"name": "Rex's deal"})", {}, rex);
  ASSERT_EQ(mine.status, 201) << mine.body;
  EXPECT_FALSE(Json(mine).as_object().contains("probability"));
  Problem(Call("GET", "/api/v1/objects/opportunities/" + theirs_id, "", {}, rex), 404);
  EXPECT_EQ(Count("opportunities", rex), 1);
  Problem(Call("GET", "/api/v1/objects/opportunities?filter=probability%20%3E%2010", "", {}, rex), 400);
  Problem(Call("DELETE", "/api/v1/objects/companies/" + std::string(Create("companies", R"({"name": "Keep"})").at("id").as_string()), "", {}, rex), 403);

  // Shared by hand, then explained.
  auto share = Call("POST", "/api/v1/objects/opportunities/" + theirs_id + "/shares",
                    R"({"share_with": "user", "target_id": ")" + member_id + R"(", "level": "read"})");
  ASSERT_EQ(share.status, 201) << share.body;
  EXPECT_EQ(Call("GET", "/api/v1/objects/opportunities/" + theirs_id, "", {}, rex).status, 200);
  Problem(Call("PATCH", "/api/v1/objects/opportunities/" + theirs_id, R"({"name": "Mine now"})", {}, rex), 404);
  auto why = Call("GET", "/api/v1/access/explain?user=" + member_id + "&object=opportunities&id=" + theirs_id);
  ASSERT_EQ(why.status, 200) << why.body;
  json::value explained = Json(why);
  EXPECT_TRUE(explained.at("read").at("allowed").as_bool());
  EXPECT_EQ(explained.at("read").at("granted_by").as_array()[0].as_string(), "shared with you");
  EXPECT_FALSE(explained.at("edit").at("allowed").as_bool());
  EXPECT_EQ(explained.at("hidden_fields").as_array()[0].as_string(), "probability");
  Problem(Call("GET", "/api/v1/access/explain?user=" + member_id + "&object=opportunities", "", {}), 400);
  EXPECT_EQ(Call("DELETE", "/api/v1/objects/opportunities/" + theirs_id + "/shares/user/" + member_id).status, 204);
  Problem(Call("GET", "/api/v1/objects/opportunities/" + theirs_id, "", {}, rex), 404);

  // An organisation-wide default and a sharing rule.
  ASSERT_EQ(Call("PUT", "/api/v1/sharing/defaults/opportunities", R"({"access": "public_read"})").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/objects/opportunities/" + theirs_id, "", {}, rex).status, 200);
  EXPECT_EQ(Json(Call("GET", "/api/v1/sharing/defaults")).at("data").at("opportunities").as_string(), "public_read");
  ASSERT_EQ(Call("PUT", "/api/v1/sharing/defaults/opportunities", R"({"access": "private"})").status, 200);
  Problem(Call("POST", "/api/v1/sharing/rules", R"({"object": "opportunities", "name": "x", "criteria": "amount >", "share_with": "everyone"})"), 422);
  auto rule = Call("POST", "/api/v1/sharing/rules", R"({"object": "opportunities", "name": "Admin deals", "criteria": "name ~ \"admin\"", "share_with": "role", "target_id": ")" + role_id + R"(", "level": "edit"})");
  ASSERT_EQ(rule.status, 201) << rule.body;
  EXPECT_EQ(Call("PATCH", "/api/v1/objects/opportunities/" + theirs_id, R"({"name": "Admin's deal, edited"})", {}, rex).status, 200);
  EXPECT_EQ(Json(Call("GET", "/api/v1/sharing/rules")).at("data").as_array().size(), 1u);
  EXPECT_EQ(Call("DELETE", "/api/v1/sharing/rules/" + std::string(Json(rule).at("id").as_string())).status, 204);
  Problem(Call("GET", "/api/v1/objects/opportunities/" + theirs_id, "", {}, rex), 404);

  // Every change is in the audit log; deleting the role returns the member to the default.
  auto events = Json(Call("GET", "/api/v1/audit?kind=sharing.&limit=50")).at("data").as_array();
  EXPECT_GE(events.size(), 4u);
  EXPECT_EQ(Call("DELETE", "/api/v1/roles/" + role_id).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/objects/opportunities/" + theirs_id, "", {}, rex).status, 200);
  Problem(Call("GET", "/api/v1/roles/" + role_id), 404);
}

// The web app's path: a password sign-in sets an HttpOnly session cookie; reads work
// with the cookie alone, writes also need the CSRF token; sign-out ends it.
TEST_F(ApiTest, SessionCookiesSignInAndNeedCsrfForWrites) {
  std::vector<std::pair<std::string, std::string>> json = {{"Content-Type", "application/json"}};
  // A session id the client makes up (session fixation) is no session.
  auto forged = client_->Send("GET", "/api/v1/auth/session", "",
                              {{"Cookie", "rapport_session=rps_0123456789abcdef_" + std::string(48, 'a')}});
  Problem(forged, 401);
  auto bad = client_->Send("POST", "/api/v1/auth/login",
                           R"({"email": "admin@example.com", "password": "wrong password", "tenant": "Acme"})");
  EXPECT_EQ(Problem(bad, 401).at("detail").as_string(), "Wrong email or password.");
  auto login = client_->Send("POST", "/api/v1/auth/login",
                             R"({"email": "admin@example.com", "password": "correct horse battery staple", "tenant": "Acme"})",
                             {{"Cookie", "rapport_session=attacker-chosen"}});
  ASSERT_EQ(login.status, 200) << login.body;
  std::string cookies = login.Header("set-cookie");
  EXPECT_NE(cookies.find("HttpOnly"), std::string::npos) << cookies;
  EXPECT_NE(cookies.find("SameSite=Lax"), std::string::npos) << cookies;
  EXPECT_EQ(login.Header("cache-control"), "no-store");
  std::smatch m;
  std::regex session_cookie("rapport_session=(rps_[0-9a-f_]+)");
  ASSERT_TRUE(std::regex_search(cookies, m, session_cookie)) << cookies;
  std::string session = m[1];
  EXPECT_EQ(session.find("attacker"), std::string::npos);
  std::string csrf(Json(login).at("csrf_token").as_string());
  std::string cookie = "rapport_session=" + session;

  auto me = client_->Send("GET", "/api/v1/auth/session", "", {{"Cookie", cookie}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Json(me).at("via").as_string(), "session");
  EXPECT_EQ(client_->Send("GET", "/api/v1/objects/companies?limit=1", "", {{"Cookie", cookie}}).status, 200);
  // A write with the cookie but without the token (what a cross-site form would send).
  int64_t before = Count("companies");
  Problem(client_->Send("POST", "/api/v1/objects/companies", R"({"name": "CSRF Inc"})", {{"Cookie", cookie}}), 403);
  Problem(client_->Send("POST", "/api/v1/objects/companies", R"({"name": "CSRF Inc"})",
                        {{"Cookie", cookie}, {"X-CSRF-Token", std::string(64, '0')}}),
          403);
  EXPECT_EQ(Count("companies"), before);
  auto made = client_->Send("POST", "/api/v1/objects/companies", R"({"name": "Session Inc"})",
                            {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(made.status, 201) << made.body;

  auto history = Json(Call("GET", "/api/v1/auth/history?limit=5")).at("data").as_array();
  ASSERT_GE(history.size(), 2u);
  EXPECT_EQ(history[0].at("result").as_string(), "succeeded");
  EXPECT_EQ(history[1].at("result").as_string(), "failed");

  auto out = client_->Send("POST", "/api/v1/auth/logout", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  Problem(client_->Send("GET", "/api/v1/auth/session", "", {{"Cookie", cookie}}), 401);
}

// Saved views: checked by the record engine when saved, personal unless shared, and
// changed only by their author (or an administrator, when shared).
TEST_F(ApiTest, SavedViewsArePersonalOrSharedAndChecked) {
  auto member = Call("POST", "/api/v1/objects/users",
                     R"({"name": "Vera Views", "email": "vera@acme.example", "role": "member"})");
  ASSERT_EQ(member.status, 201) << member.body;
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email vera@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  std::string vera = token.output.substr(0, token.output.find('\n'));

  auto mine = Call("POST", "/api/v1/views",
                   R"({"object": "companies", "name": "Big retail", "filter": "industry = \"retail\" and employees > 100",
                       "sort": "-employees", "columns": ["name", "employees"]})");
  ASSERT_EQ(mine.status, 201) << mine.body;
  std::string mine_id(Json(mine).at("id").as_string());
  EXPECT_EQ(Json(mine).at("shared").as_bool(), false);
  EXPECT_EQ(Json(mine).at("columns").as_array().size(), 2u);
  auto shared = Call("POST", "/api/v1/views", R"({"object": "companies", "name": "All software", "filter": "industry = \"software\"", "shared": true})");
  ASSERT_EQ(shared.status, 201) << shared.body;
  std::string shared_id(Json(shared).at("id").as_string());

  // What the engine refuses, the view refuses, naming the part at fault; nothing is saved.
  auto bad_filter = Problem(Call("POST", "/api/v1/views", R"({"object": "companies", "name": "Bad", "filter": "industri = \"x\""})"), 400);
  EXPECT_EQ(bad_filter.at("errors").as_array()[0].at("field").as_string(), "filter");
  EXPECT_NE(std::string(bad_filter.at("detail").as_string()).find("industry"), std::string::npos) << bad_filter;
  auto bad_column = Call("POST", "/api/v1/views", R"({"object": "companies", "name": "Bad", "columns": ["name", "nope"]})");
  EXPECT_EQ(bad_column.status / 100, 4) << bad_column.body;
  EXPECT_EQ(Json(bad_column).at("errors").as_array()[0].at("field").as_string(), "columns") << bad_column.body;
  auto bad_sort = Problem(Call("POST", "/api/v1/views", R"({"object": "companies", "name": "Bad", "sort": "-nope"})"), 400);
  EXPECT_EQ(bad_sort.at("errors").as_array()[0].at("field").as_string(), "sort") << bad_sort;
  Problem(Call("POST", "/api/v1/views", R"({"object": "companies", "name": "  "})"), 422);
  Problem(Call("POST", "/api/v1/views", R"({"object": "nothing", "name": "Ghost"})"), 404);
  Problem(Call("POST", "/api/v1/views", R"({"object": "companies", "name": "X", "colour": "red"})"), 422);
  Problem(Call("GET", "/api/v1/views"), 400);

  // The author sees both; another user sees only the shared one, and cannot change it.
  EXPECT_EQ(Json(Call("GET", "/api/v1/views?object=companies")).at("data").as_array().size(), 2u);
  auto theirs = Json(Call("GET", "/api/v1/views?object=companies", "", {}, vera)).at("data").as_array();
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].at("name").as_string(), "All software");
  Problem(Call("GET", "/api/v1/views/" + mine_id, "", {}, vera), 404);
  Problem(Call("PATCH", "/api/v1/views/" + mine_id, R"({"name": "Taken over"})", {}, vera), 404);
  Problem(Call("PATCH", "/api/v1/views/" + shared_id, R"({"name": "Taken over"})", {}, vera), 403);
  Problem(Call("DELETE", "/api/v1/views/" + shared_id, "", {}, vera), 403);
  // Another tenant sees none of them.
  EXPECT_EQ(Json(Call("GET", "/api/v1/views?object=companies", "", {}, other_token_)).at("data").as_array().size(), 0u);
  Problem(Call("GET", "/api/v1/views/" + shared_id, "", {}, other_token_), 404);

  // The member's own view, then changed by them; the administrator changes the shared one.
  auto hers = Call("POST", "/api/v1/views", R"({"object": "companies", "name": "Mine", "sort": "name"})", {}, vera);
  ASSERT_EQ(hers.status, 201) << hers.body;
  std::string hers_id(Json(hers).at("id").as_string());
  auto renamed = Call("PATCH", "/api/v1/views/" + hers_id, R"({"name": "Mine, renamed", "filter": "city = \"Paris\""})", {}, vera);
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Json(renamed).at("filter").as_string(), "city = \"Paris\"");
  Problem(Call("PATCH", "/api/v1/views/" + hers_id, R"({"filter": "city ~"})", {}, vera), 400);
  EXPECT_EQ(Json(Call("GET", "/api/v1/views/" + hers_id, "", {}, vera)).at("filter").as_string(), "city = \"Paris\"");
  EXPECT_EQ(Call("PATCH", "/api/v1/views/" + shared_id, R"({"name": "Software companies"})").status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/views/" + hers_id, "", {}, vera).status, 204);
  Problem(Call("GET", "/api/v1/views/" + hers_id, "", {}, vera), 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/views/" + mine_id).status, 204);
  EXPECT_EQ(Call("DELETE", "/api/v1/views/" + shared_id).status, 204);
  EXPECT_EQ(Json(Call("GET", "/api/v1/views?object=companies")).at("data").as_array().size(), 0u);

  // A view's filter is as private as the records: a shared view of deals is invisible to
  // a role that cannot read deals, and to a token limited to companies.
  auto deals = Call("POST", "/api/v1/views", R"({"object": "opportunities", "name": "Secret pipeline", "filter": "amount > 1000000", "shared": true})");
  ASSERT_EQ(deals.status, 201) << deals.body;
  std::string deals_id(Json(deals).at("id").as_string());
  EXPECT_EQ(Json(Call("GET", "/api/v1/views?object=opportunities", "", {}, vera)).at("data").as_array().size(), 1u);
  auto role = Call("POST", "/api/v1/roles", R"({"name": "No deals", "objects": {
      "*": {"create": "all", "read": "all", "edit": "all", "delete": "none"},
      "opportunities": {"create": "none", "read": "none", "edit": "none", "delete": "none"}}})");
  ASSERT_EQ(role.status, 201) << role.body;
  auto assigned = Call("PUT", "/api/v1/users/" + std::string(Json(member).at("id").as_string()) + "/roles",
                       R"({"roles": [")" + std::string(Json(role).at("id").as_string()) + R"("]})");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  Problem(Call("GET", "/api/v1/views?object=opportunities", "", {}, vera), 404);
  Problem(Call("GET", "/api/v1/views/" + deals_id, "", {}, vera), 404);
  EXPECT_EQ(Json(Call("GET", "/api/v1/views?object=companies", "", {}, vera)).at("data").as_array().size(), 0u);
  auto limited = Call("POST", "/api/v1/tokens", R"({"name": "companies only", "objects": ["companies"]})");
  ASSERT_EQ(limited.status, 201) << limited.body;
  std::string companies_only(Json(limited).at("token").as_string());
  Problem(Call("GET", "/api/v1/views?object=opportunities", "", {}, companies_only), 404);
  Problem(Call("GET", "/api/v1/views/" + deals_id, "", {}, companies_only), 404);
  EXPECT_EQ(Call("GET", "/api/v1/views?object=companies", "", {}, companies_only).status, 200);
  // The administrator still sees and removes it.
  EXPECT_EQ(Json(Call("GET", "/api/v1/views/" + deals_id)).at("name").as_string(), "Secret pipeline");
  EXPECT_EQ(Call("DELETE", "/api/v1/views/" + deals_id).status, 204);
}

TEST_F(ApiTest, BruteForceGets429WithRetryAfter) {
  std::string body = R"({"email": "target@example.com", "password": "guess", "tenant": "Acme"})";
  for (int i = 0; i < identity::kFreeFailures; ++i) Problem(client_->Send("POST", "/api/v1/auth/login", body), 401);
  auto throttled = client_->Send("POST", "/api/v1/auth/login", body);
  Problem(throttled, 429);
  EXPECT_FALSE(throttled.Header("retry-after").empty());
  // Invitations and the IP allow-list are administrators' business.
  auto invite = Call("POST", "/api/v1/invitations", R"({"name": "Ivy", "email": "ivy@acme.example"})");
  ASSERT_EQ(invite.status, 201) << invite.body;
  auto accepted = client_->Send("POST", "/api/v1/auth/accept",
                                R"({"token": ")" + std::string(Json(invite).at("token").as_string()) +
                                    R"(", "password": "ivy's long passphrase"})");
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  auto allow = Call("PUT", "/api/v1/security/ip-allowlist", R"({"cidrs": ["203.0.113.0/24"]})");
  EXPECT_EQ(Problem(allow, 422).at("errors").as_array()[0].at("code").as_string(), "locks_you_out");
  EXPECT_EQ(Call("PUT", "/api/v1/security/ip-allowlist", R"({"cidrs": ["127.0.0.0/8", "::1"]})").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies?limit=1").status, 200);
  EXPECT_EQ(Call("PUT", "/api/v1/security/ip-allowlist", R"({"cidrs": []})").status, 200);
}

// Attacks through every place a client's text reaches SQL: values are bound
// parameters, names are checked against the metadata, so each is a clean 4xx or an
// honest empty answer, and the data is untouched.
TEST_F(ApiTest, SqlInjectionGoesNowhere) {
  Create("companies", R"({"name": "Injection Target"})");
  int64_t companies = Count("companies");
  auto enc = [](std::string s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c)) out += static_cast<char>(c);
      else out += fmt::format("%{:02X}", c);
    }
    return out;
  };
  // A value that looks like SQL is only a value.
  auto quoted = Call("GET", "/api/v1/objects/companies?count=true&filter=" + enc(R"(name = "x\" OR 1=1 --")"));
  ASSERT_EQ(quoted.status, 200) << quoted.body;
  EXPECT_EQ(Json(quoted).at("total").as_int64(), 0);
  auto like = Call("GET", "/api/v1/objects/companies?count=true&filter=" + enc(R"(name ~ "%' OR '1'='1")"));
  ASSERT_EQ(like.status, 200) << like.body;
  EXPECT_EQ(Json(like).at("total").as_int64(), 0);
  // Names that are not fields, relations or objects are refused before any SQL.
  for (std::string target : {
           "/api/v1/objects/companies?filter=" + enc("name = \"a\") OR (1=1"),
           "/api/v1/objects/companies?filter=" + enc("1=1; DROP TABLE companies"),
           "/api/v1/objects/companies?sort=" + enc("name; DROP TABLE companies"),
           "/api/v1/objects/companies?sort=" + enc("(SELECT 1)"),
           "/api/v1/objects/companies?fields=" + enc("name,(SELECT secret_hash FROM api_tokens)"),
           "/api/v1/objects/companies?include=" + enc("parent_company) --"),
           "/api/v1/objects/companies?cursor=" + enc("' OR 1=1 --"),
       }) {
    auto r = Call("GET", target);
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
  }
  EXPECT_EQ(Call("GET", "/api/v1/objects/" + enc("companies; DROP TABLE companies")).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies/" + enc("' OR '1'='1")).status, 404);
  auto field = Call("POST", "/api/v1/metadata/objects/companies/fields",
                    R"({"name": "x\"; DROP TABLE companies; --", "label": "X", "type": "text"})");
  EXPECT_EQ(field.status, 422) << field.body;
  auto write = Call("POST", "/api/v1/objects/companies", R"({"name": "Robert'); DROP TABLE companies;--"})");
  EXPECT_EQ(write.status, 201) << write.body;
  EXPECT_EQ(Count("companies"), companies + 1);
  // And API tokens cannot be forged or tampered with.
  std::string tampered = token_;
  tampered[tampered.size() - 1] = tampered.back() == 'a' ? 'b' : 'a';
  Problem(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, tampered), 401);
  Problem(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, "rpt_" + token_.substr(4, 16) + "_" + std::string(48, '0')), 401);
}

TEST_F(ApiTest, TokensScopedToObjectsReachNothingElse) {
  auto created = Call("POST", "/api/v1/tokens", R"({"name": "sync", "objects": ["companies"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string scoped(Json(created).at("token").as_string());
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, scoped).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/objects/companies", R"({"name": "Scoped Ltd"})", {}, scoped).status, 201);
  Problem(Call("GET", "/api/v1/objects/people?limit=1", "", {}, scoped), 403);
  Problem(Call("POST", "/api/v1/objects/opportunities", R"({"name": "No"})", {}, scoped), 403);
  // It cannot mint a wider token, and an unknown object is refused.
  Problem(Call("POST", "/api/v1/tokens", R"({"name": "wider"})", {}, scoped), 403);
  Problem(Call("POST", "/api/v1/tokens", R"({"name": "x", "objects": ["people"]})", {}, scoped), 422);
  Problem(Call("POST", "/api/v1/tokens", R"({"name": "x", "objects": ["nope"]})"), 422);
  // Nor revoke tokens (its own included), nor change saved views: settings, not records.
  std::string scoped_id(Json(created).at("id").as_string());
  Problem(Call("DELETE", "/api/v1/tokens/" + scoped_id, "", {}, scoped), 403);
  Problem(Call("POST", "/api/v1/views", R"({"object": "companies", "name": "Scoped view"})", {}, scoped), 403);
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, scoped).status, 200);
  auto listing = Json(Call("GET", "/api/v1/tokens"));
  bool seen = false;
  for (const auto& t : listing.at("data").as_array()) {
    if (t.at("name").as_string() != "sync") continue;
    seen = true;
    EXPECT_EQ(t.at("objects").as_array().size(), 1u);
    EXPECT_TRUE(t.at("last_used_at").is_string());  // used above
  }
  EXPECT_TRUE(seen);
  auto used = Json(Call("GET", "/api/v1/audit?kind=token.used&limit=50")).at("data").as_array();
  EXPECT_FALSE(used.empty());
}

TEST_F(ApiTest, AuditLogRecordsSecurityEventsForAdminsOnly) {
  auto field = Call("POST", "/api/v1/metadata/objects/companies/fields",
                    R"({"name": "audited_tier", "label": "Audited tier", "type": "text"})");
  ASSERT_EQ(field.status, 201) << field.body;
  auto reply = Call("GET", "/api/v1/audit?kind=metadata.changed&limit=50");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto entries = Json(reply).at("data").as_array();
  bool found = false;
  for (const auto& e : entries) {
    if (e.at("object").is_string() && e.at("object").as_string() == "companies" &&
        std::string(e.at("detail").at("steps").as_string()).find("audited_tier") != std::string::npos) {
      found = true;
      EXPECT_TRUE(e.at("actor_id").is_string()) << "the admin who changed it";
      EXPECT_EQ(e.at("hash").as_string().size(), 64u);
    }
  }
  EXPECT_TRUE(found) << reply.body;
  // The token `init` issued is there too; families filter with a trailing dot.
  auto tokens = Json(Call("GET", "/api/v1/audit?kind=token.")).at("data").as_array();
  EXPECT_FALSE(tokens.empty());
  for (const auto& e : tokens) EXPECT_TRUE(e.at("kind").as_string().starts_with("token."));
  // Paging: one entry per page, each page older than the one before.
  auto first = Json(Call("GET", "/api/v1/audit?limit=1"));
  ASSERT_TRUE(first.at("next_cursor").is_string());
  auto second = Json(Call("GET", "/api/v1/audit?limit=1&cursor=" + std::string(first.at("next_cursor").as_string())));
  EXPECT_LT(second.at("data").as_array()[0].at("seq").as_int64(), first.at("data").as_array()[0].at("seq").as_int64());
  Problem(Call("GET", "/api/v1/audit?limit=0"), 400);
  Problem(Call("GET", "/api/v1/audit?colour=blue"), 400);

  // Another tenant's admin sees only its own log.
  auto theirs = Json(Call("GET", "/api/v1/audit?limit=500", "", {}, other_token_)).at("data").as_array();
  for (const auto& e : theirs) {
    EXPECT_EQ(std::string(json::serialize(e)).find("audited_tier"), std::string::npos);
  }
  // Members may not read it.
  auto member = Call("POST", "/api/v1/objects/users",
                     R"({"name": "Aud Member", "email": "aud@acme.example", "role": "member"})");
  ASSERT_EQ(member.status, 201) << member.body;
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email aud@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  Problem(Call("GET", "/api/v1/audit", "", {}, token.output.substr(0, token.output.find('\n'))), 403);
  // Changes to users are security events: who added the member, and its role.
  std::string member_id(Json(member).at("id").as_string());
  ASSERT_EQ(Call("PATCH", "/api/v1/objects/users/" + member_id, R"({"role": "admin"})").status, 200);
  auto user_events = Json(Call("GET", "/api/v1/audit?kind=users.")).at("data").as_array();
  ASSERT_GE(user_events.size(), 2u);
  EXPECT_EQ(user_events[0].at("kind").as_string(), "users.updated");
  EXPECT_EQ(user_events[0].at("record_id").as_string(), member_id);
  EXPECT_EQ(user_events[0].at("detail").at("fields").as_string(), "role");
  EXPECT_TRUE(user_events[0].at("actor_id").is_string());
  EXPECT_EQ(user_events[1].at("kind").as_string(), "users.created");

  // The chain verifies from the command line.
  auto verify = testing::RunRapport("audit verify " + server_->DatabaseArgs() + " --tenant Acme");
  EXPECT_EQ(verify.exit_status, 0) << verify.output;
  EXPECT_NE(verify.output.find("intact"), std::string::npos) << verify.output;
}

// A write acknowledged to the client survives kill -9 of the server.
TEST(ApiDurabilityTest, AcknowledgedWritesSurviveKill9) {
  TempDir dir("rapport_kill9");
  ServerProcess server(dir.path().string(), BackendDatabaseUrl());
  std::string token = server.Init("Durable");
  server.Start();
  std::vector<std::string> ids;
  {
    HttpClient client("127.0.0.1", server.port());
    for (int i = 0; i < 200; ++i) {
      auto r = client.Send("POST", "/api/v1/objects/companies", R"({"name": "Durable )" + std::to_string(i) + "\"}",
                           {{"Authorization", "Bearer " + token}});
      ASSERT_EQ(r.status, 201) << r.body;
      ids.emplace_back(json::parse(r.body).at("id").as_string());
    }
  }
  EXPECT_EQ(server.Stop(SIGKILL), -SIGKILL);
  server.Start();
  HttpClient client("127.0.0.1", server.port());
  for (const auto& id : ids) {
    auto r = client.Send("GET", "/api/v1/objects/companies/" + id, "", {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(r.status, 200) << id;
  }
  // SIGTERM stops cleanly with status 0.
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

TEST(ApiCliTest, CommandsFailWithOneLineReasons) {
  TempDir dir("rapport_cli");
  std::string url = BackendDatabaseUrl();
  std::string db = url.empty() ? "--data " + dir.path().string() : "--db " + url;
  auto missing = testing::RunRapport("token create " + db + " --email a@b.co");
  EXPECT_NE(missing.exit_status, 0);
  EXPECT_NE(missing.output.find("rapport init"), std::string::npos) << missing.output;
  auto init = testing::RunRapport("init " + db + " --admin-email a@b.co --tenant T");
  EXPECT_EQ(init.exit_status, 0) << init.output;
  auto again = testing::RunRapport("init " + db + " --admin-email a@b.co --tenant T");
  EXPECT_NE(again.exit_status, 0);
  EXPECT_NE(again.output.find("already exists"), std::string::npos);
  auto token = testing::RunRapport("token create " + db + " --email a@b.co");
  EXPECT_EQ(token.exit_status, 0);
  EXPECT_TRUE(token.output.starts_with("rpt_"));
  auto unknown = testing::RunRapport("token create " + db + " --email nobody@b.co");
  EXPECT_NE(unknown.exit_status, 0);
  auto demo = testing::RunRapport("demo " + db);
  EXPECT_EQ(demo.exit_status, 0) << demo.output;
  auto migrate = testing::RunRapport("migrate " + db);
  EXPECT_EQ(migrate.exit_status, 0) << migrate.output;
  auto backup = testing::RunRapport("backup " + db + " " + dir.File("b.backup"));
  EXPECT_EQ(backup.exit_status, 0) << backup.output;
  auto exists = testing::RunRapport("backup " + db + " " + dir.File("b.backup"));
  EXPECT_NE(exists.exit_status, 0);  // never overwrites
  auto restore = testing::RunRapport("restore " + db + " " + dir.File("b.backup"));
  EXPECT_NE(restore.exit_status, 0);  // refuses to replace without --force
  auto forced = testing::RunRapport("restore --force " + db + " " + dir.File("b.backup"));
  EXPECT_EQ(forced.exit_status, 0) << forced.output;
  auto after = testing::RunRapport("token create " + db + " --email a@b.co");
  EXPECT_EQ(after.exit_status, 0) << after.output;  // the restored workspace works
  auto not_archive = testing::RunRapport("import-tenant " + db + " " + dir.File("nothing"));
  EXPECT_NE(not_archive.exit_status, 0);
  EXPECT_NE(not_archive.output.find("Cannot read"), std::string::npos) << not_archive.output;
  auto bad = testing::RunRapport("frobnicate");
  EXPECT_NE(bad.exit_status, 0);
}

// Export: a list's records as a CSV file, streamed a page at a time, through the list's
// own permission checks plus the role's export permission.
TEST_F(ApiTest, ExportStreamsCsvUnderTheListsPermissions) {
  auto company = Create("companies", R"({"name": "Export \"Quoted\", Ltd"})");
  std::string company_id(company.at("id").as_string());
  Create("opportunities", R"({"name": "=SUM(1,2) deal", "amount": {"amount": "1234.5", "currency": "EUR"},
                              "company_id": ")" + company_id + R"("})");
  const std::string deal_filter = "/api/v1/objects/opportunities/export?filter=name%20%3D%20%22%3DSUM(1%2C2)%20deal%22";

  // Currency gives amount and code; a lookup gives the id and the related title; text a
  // spreadsheet would run is defused; cells with commas and quotes are quoted.
  auto csv = Call("GET", deal_filter + "&fields=name,amount,company_id");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.Header("transfer-encoding"), "chunked");
  EXPECT_NE(csv.Header("content-disposition").find("attachment; filename=\"opportunities-"), std::string::npos);
  EXPECT_EQ(csv.body, "name,amount,amount_currency,company_id,company_name\r\n"
                      "\"'=SUM(1,2) deal\",1234.50,EUR," + company_id + ",\"Export \"\"Quoted\"\", Ltd\"\r\n");
  // For people: labels and a byte order mark so spreadsheets read UTF-8.
  auto labelled = Call("GET", deal_filter + "&fields=name,amount,company_id&header=labels");
  ASSERT_EQ(labelled.status, 200) << labelled.body;
  EXPECT_TRUE(labelled.body.starts_with("\xEF\xBB\xBFName,Amount,Amount currency,Company ID,Company name\r\n")) << labelled.body;
  // Without fields=, every field the caller can see, system fields first.
  auto all = Call("GET", deal_filter);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_TRUE(all.body.starts_with("id,version,created_at,updated_at,")) << all.body;

  // Many pages arrive whole and in order.
  std::string records = R"({"atomic": true, "records": [)";
  for (int i = 0; i < 1100; ++i) {
    if (i == 1000) records = R"({"atomic": true, "records": [)";
    records += fmt::format(R"({}{{"name": "Bulk export {:04}"}})", i % 1000 == 0 ? "" : ",", i);
    if (i == 999 || i == 1099) {
      auto created = Call("POST", "/api/v1/objects/companies/batch", records + "]}");
      ASSERT_EQ(created.status / 100, 2) << created.body.substr(0, 300);
    }
  }
  auto bulk = Call("GET", "/api/v1/objects/companies/export?filter=name%20~%20%22Bulk%20export%22&fields=name&sort=-name");
  ASSERT_EQ(bulk.status, 200) << bulk.body.substr(0, 300);
  std::vector<std::string> lines;
  for (size_t at = 0, end; (end = bulk.body.find("\r\n", at)) != std::string::npos; at = end + 2) {
    lines.push_back(bulk.body.substr(at, end - at));
  }
  ASSERT_EQ(lines.size(), 1101u);
  EXPECT_EQ(lines[1], "Bulk export 1099");
  EXPECT_EQ(lines[1100], "Bulk export 0000");

  // Refused before the first byte, as problem+json: a bad request, or no permission.
  Problem(Call("GET", "/api/v1/objects/companies/export?format=xlsx"), 400);
  Problem(Call("GET", "/api/v1/objects/companies/export?header=fancy"), 400);
  Problem(Call("GET", "/api/v1/objects/companies/export?filter=name%20~"), 400);
  Problem(Call("GET", "/api/v1/objects/companies/export?fields=name,nope"), 400);
  Problem(Call("GET", "/api/v1/objects/nothing/export"), 404);

  auto member = Call("POST", "/api/v1/objects/users", R"({"name": "Ezra Export", "email": "ezra@acme.example", "role": "member"})");
  ASSERT_EQ(member.status, 201) << member.body;
  std::string member_id(Json(member).at("id").as_string());
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email ezra@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  std::string ezra = token.output.substr(0, token.output.find('\n'));
  auto reader = Call("POST", "/api/v1/roles", R"({"name": "Reader", "objects": {
      "*": {"create": "none", "read": "all", "edit": "none", "delete": "none"}}})");
  ASSERT_EQ(reader.status, 201) << reader.body;
  std::string reader_id(Json(reader).at("id").as_string());
  ASSERT_EQ(Call("PUT", "/api/v1/users/" + member_id + "/roles", R"({"roles": [")" + reader_id + R"("]})").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies?limit=1", "", {}, ezra).status, 200);
  auto refused = Problem(Call("GET", "/api/v1/objects/companies/export", "", {}, ezra), 403);
  EXPECT_NE(std::string(refused.at("detail").as_string()).find("export"), std::string::npos) << refused;
  ASSERT_EQ(Call("PUT", "/api/v1/roles/" + reader_id, R"({"name": "Reader", "objects": {
      "*": {"create": "none", "read": "all", "edit": "none", "delete": "none"},
      "companies": {"create": "none", "read": "all", "edit": "none", "delete": "none", "export": true}}})").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies/export?fields=name", "", {}, ezra).status, 200);
  Problem(Call("GET", "/api/v1/objects/opportunities/export", "", {}, ezra), 403);
  // A field hidden from the role is not in the file, and cannot be asked for.
  ASSERT_EQ(Call("PUT", "/api/v1/roles/" + reader_id, R"({"name": "Reader", "objects": {
      "*": {"create": "none", "read": "all", "edit": "none", "delete": "none"},
      "companies": {"create": "none", "read": "all", "edit": "none", "delete": "none", "export": true}},
      "fields": {"companies.industry": "hidden"}})").status, 200);
  auto masked = Call("GET", "/api/v1/objects/companies/export?filter=name%20%3D%20%22Bulk%20export%200001%22", "", {}, ezra);
  ASSERT_EQ(masked.status, 200) << masked.body;
  EXPECT_EQ(masked.body.find("industry"), std::string::npos) << masked.body;
  EXPECT_NE(masked.body.find(",name,"), std::string::npos) << masked.body;
  Problem(Call("GET", "/api/v1/objects/companies/export?fields=name,industry", "", {}, ezra), 400);
  // The metadata says so, for the app to offer only what works.
  auto perms = Json(Call("GET", "/api/v1/metadata/objects/companies", "", {}, ezra)).at("permissions");
  EXPECT_EQ(perms.at("export").as_bool(), true);
  EXPECT_EQ(perms.at("read").as_string(), "all");
  EXPECT_EQ(perms.at("create").as_string(), "none");
  auto objects = Json(Call("GET", "/api/v1/metadata/objects", "", {}, ezra));
  for (const auto& object : objects.at("data").as_array()) {
    if (object.at("name").as_string() == "opportunities") {
      EXPECT_EQ(object.at("permissions").at("export").as_bool(), false);
    }
  }
  // A read-only token may export what its user may; an object-limited one nothing else.
  auto read_only = Call("POST", "/api/v1/tokens", R"({"name": "exports", "read_only": true, "objects": ["companies"]})");
  ASSERT_EQ(read_only.status, 201) << read_only.body;
  std::string ro(Json(read_only).at("token").as_string());
  EXPECT_EQ(Call("GET", "/api/v1/objects/companies/export?fields=name", "", {}, ro).status, 200);
  Problem(Call("GET", "/api/v1/objects/opportunities/export", "", {}, ro), 403);

  // An HTTP/1.0 client, which has no chunks, gets the file streamed as it is, ended by
  // the server closing the connection; a HEAD request gets the header alone.
  std::string raw = client_->SendRaw("GET /api/v1/objects/companies/export?fields=name&filter=name%20~%20%22Bulk%20export%22&sort=name HTTP/1.0\r\n"
                                     "Host: x\r\nAuthorization: Bearer " + token_ + "\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.0 200")) << raw.substr(0, 300);
  EXPECT_EQ(raw.find("Content-Length"), std::string::npos) << raw.substr(0, 300);
  EXPECT_EQ(raw.find("chunked"), std::string::npos) << raw.substr(0, 300);
  EXPECT_NE(raw.find("\r\n\r\nname\r\nBulk export 0000\r\nBulk export 0001\r\n"), std::string::npos) << raw.substr(0, 300);
  EXPECT_TRUE(raw.ends_with("Bulk export 1099\r\n")) << raw.substr(raw.size() - 100);
  auto head = Call("HEAD", "/api/v1/objects/companies/export?fields=name");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

// Aggregates: exact sums per currency, averages rounded once, the viewer's rows only.
TEST_F(ApiTest, AggregatesAreExactPerCurrencyAndOnlyOverReadableRecords) {
  auto deal = [&](const std::string& name, const std::string& stage, const std::string& amount, const std::string& currency,
                  const std::string& probability, const std::string& token = "") {
    std::string body = R"({"name": ")" + name + R"(", "stage": ")" + stage + R"(", "probability": )" + probability;
    if (!amount.empty()) body += R"(, "amount": {"amount": ")" + amount + R"(", "currency": ")" + currency + R"("})";
    body += ", \"close_date\": \"2027-0" + std::to_string(1 + name.size() % 9) + "-15\"}";
    auto r = Call("POST", "/api/v1/objects/opportunities", body, {}, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r;
  };
  deal("Agg one", "proposal", "100.10", "EUR", "10");
  deal("Agg two", "proposal", "200.25", "EUR", "20");
  deal("Agg three", "proposal", "50.05", "USD", "30");
  deal("Agg four", "won", "0.01", "EUR", "100");
  deal("Agg five", "won", "", "", "95");
  const std::string base = "/api/v1/objects/opportunities/aggregate?filter=name%20~%20%22Agg%20%22";

  // Count of everything, and an exact average of a percent (10+20+30+100+95)/5 = 51.
  auto total = Json(Call("GET", base + "&measures=count,avg:probability,min:close_date,max:close_date"));
  ASSERT_EQ(total.at("data").as_array().size(), 1u) << total;
  const auto& all = total.at("data").as_array()[0].at("values");
  EXPECT_EQ(all.at("count").as_int64(), 5);
  EXPECT_DOUBLE_EQ(all.at("avg:probability").to_number<double>(), 51.0);
  EXPECT_EQ(all.at("min:close_date").as_string(), "2027-01-15");  // month: 1 + length of the name % 9
  EXPECT_EQ(all.at("max:close_date").as_string(), "2027-09-15");

  // By stage, money apart per currency; a deal without an amount is its own group.
  auto by_stage = Call("GET", base + "&group_by=stage&measures=count,sum:amount,avg:amount,max:amount");
  ASSERT_EQ(by_stage.status, 200) << by_stage.body;
  std::map<std::string, json::value> groups;
  auto grouped = Json(by_stage);
  for (const auto& row : grouped.at("data").as_array()) {
    std::string key(row.at("keys").at("stage").as_string());
    key += "/" + std::string(row.as_object().contains("currency") ? row.at("currency").as_string() : "");
    groups[key] = row.at("values");
  }
  ASSERT_EQ(groups.size(), 4u) << by_stage.body;
  EXPECT_EQ(groups["proposal/EUR"].at("count").as_int64(), 2);
  EXPECT_EQ(groups["proposal/EUR"].at("sum:amount").at("amount").as_string(), "300.35");
  EXPECT_EQ(groups["proposal/EUR"].at("sum:amount").at("currency").as_string(), "EUR");
  EXPECT_EQ(groups["proposal/EUR"].at("avg:amount").at("amount").as_string(), "150.175");  // exact to the stored 4 decimals
  EXPECT_EQ(groups["proposal/EUR"].at("max:amount").at("amount").as_string(), "200.25");
  EXPECT_EQ(groups["proposal/USD"].at("sum:amount").at("amount").as_string(), "50.05");
  EXPECT_EQ(groups["won/EUR"].at("sum:amount").at("amount").as_string(), "0.01");
  EXPECT_TRUE(groups["won/"].at("sum:amount").is_null());
  EXPECT_EQ(groups["won/"].at("count").as_int64(), 1);

  EXPECT_EQ(groups["proposal/EUR"].as_object().size(), 4u);
  auto medians = Json(Call("GET", "/api/v1/objects/opportunities/aggregate?filter=name%20~%20%22Agg%20%22%20and%20"
                                  "stage%20%3D%20%22proposal%22&group_by=stage&measures=median:amount"));
  EXPECT_NE(json::serialize(medians).find(R"("median:amount":{"amount":"150.175","currency":"EUR"})"), std::string::npos) << medians;

  // Close dates by quarter: January (Agg three), then August and September. With a
  // fiscal year from April they are Q4 of FY2027 and Q2 of FY2028.
  auto quarters = [&] {
    std::map<std::string, int64_t> out;
    auto r = Json(Call("GET", base + "&group_by=close_date:quarter"));
    for (const auto& row : r.at("data").as_array()) {
      out[std::string(row.at("keys").at("close_date:quarter").as_string())] = row.at("values").at("count").as_int64();
    }
    return out;
  };
  EXPECT_EQ(quarters(), (std::map<std::string, int64_t>{{"2027-Q1", 1}, {"2027-Q3", 4}}));
  ASSERT_EQ(Call("PATCH", "/api/v1/settings/workspace", R"({"fiscal_year_start": 4})").status, 200);
  EXPECT_EQ(quarters(), (std::map<std::string, int64_t>{{"2027-Q4", 1}, {"2028-Q2", 4}}));
  ASSERT_EQ(Call("PATCH", "/api/v1/settings/workspace", R"({"fiscal_year_start": 1})").status, 200);

  // Integers average exactly too: lead scores 1, 2 and 2 average 1.6667.
  for (int score : {1, 2, 2}) Create("leads", R"({"last_name": "Aggregate", "score": )" + std::to_string(score) + "}");
  auto scores = Json(Call("GET", "/api/v1/objects/leads/aggregate?filter=last_name%20%3D%20%22Aggregate%22&measures=avg:score,sum:score,count_distinct:score"));
  EXPECT_DOUBLE_EQ(scores.at("data").as_array()[0].at("values").at("avg:score").to_number<double>(), 1.6667);
  EXPECT_EQ(scores.at("data").as_array()[0].at("values").at("sum:score").as_int64(), 5);
  EXPECT_EQ(scores.at("data").as_array()[0].at("values").at("count_distinct:score").as_int64(), 2);

  // Bad requests name what is wrong.
  Problem(Call("GET", base + "&measures=sum:name"), 400);
  Problem(Call("GET", base + "&measures=mode:amount"), 400);
  Problem(Call("GET", base + "&group_by=stage:month"), 400);         // not a date
  Problem(Call("GET", base + "&group_by=close_date:fortnight"), 400);
  Problem(Call("GET", base + "&measures=sum:nope"), 400);
  Problem(Call("GET", base + "&group_by=amount"), 400);
  Problem(Call("GET", base + "&group_by=stage,pipeline,name,close_date"), 400);
  Problem(Call("GET", "/api/v1/objects/opportunities/aggregate?filter=name%20~"), 400);
  auto truncated = Json(Call("GET", base + "&group_by=name&limit=2"));
  EXPECT_EQ(truncated.at("data").as_array().size(), 2u);
  EXPECT_TRUE(truncated.at("truncated").as_bool());

  // A rep whose role reads only their own deals gets totals of their own deals; with
  // the amount hidden from them, they cannot sum it at all.
  auto member = Call("POST", "/api/v1/objects/users", R"({"name": "Olga Own", "email": "olga@acme.example", "role": "member"})");
  ASSERT_EQ(member.status, 201) << member.body;
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email olga@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  std::string olga = token.output.substr(0, token.output.find('\n'));
  auto role = Call("POST", "/api/v1/roles", R"({"name": "Own deals", "objects": {
      "opportunities": {"create": "all", "read": "own", "edit": "own", "delete": "none"}}})");
  ASSERT_EQ(role.status, 201) << role.body;
  std::string role_id(Json(role).at("id").as_string());
  ASSERT_EQ(Call("PUT", "/api/v1/users/" + std::string(Json(member).at("id").as_string()) + "/roles", R"({"roles": [")" + role_id + R"("]})").status, 200);
  deal("Agg olga", "proposal", "7.00", "EUR", "50", olga);
  auto mine = Json(Call("GET", base + "&group_by=stage&measures=count,sum:amount", "", {}, olga));
  ASSERT_EQ(mine.at("data").as_array().size(), 1u) << mine;
  EXPECT_EQ(mine.at("data").as_array()[0].at("values").at("sum:amount").at("amount").as_string(), "7.00");
  EXPECT_EQ(Json(Call("GET", base + "&measures=count")).at("data").as_array()[0].at("values").at("count").as_int64(), 6);
  ASSERT_EQ(Call("PUT", "/api/v1/roles/" + role_id, R"({"name": "Own deals", "objects": {
      "opportunities": {"create": "all", "read": "own", "edit": "own", "delete": "none"}},
      "fields": {"opportunities.amount": "hidden"}})").status, 200);
  Problem(Call("GET", base + "&measures=sum:amount", "", {}, olga), 400);
  EXPECT_EQ(Call("GET", base + "&measures=count", "", {}, olga).status, 200);
}

// Reports: a summary with subtotals as JSON and CSV, a bad definition named, and the
// workspace calendar that date buckets follow (administrators change it).
TEST_F(ApiTest, ReportsRunAsJsonAndCsvInTheWorkspaceCalendar) {
  for (auto [name, stage, amount, date] : {std::tuple{"Rep one", "won", "10.00", "2026-01-10"},
                                           {"Rep two", "won", "20.50", "2026-02-10"},
                                           {"Rep three", "lost", "5.25", "2026-02-11"}}) {
    Create("opportunities", fmt::format(R"({{"name": "{}", "stage": "{}", "close_date": "{}",
        "amount": {{"amount": "{}", "currency": "EUR"}}}})", name, stage, date, amount));
  }
  const std::string definition = R"js({"object": "opportunities", "filter": "name ~ \"Rep \"",
      "group_by": ["stage", {"field": "close_date", "bucket": "month"}],
      "aggregates": ["count", "sum(amount)"]})js";
  auto run = Call("POST", "/api/v1/reports/run", definition);
  ASSERT_EQ(run.status, 200) << run.body;
  auto report = Json(run);
  EXPECT_EQ(report.at("definition").at("type").as_string(), "summary");
  EXPECT_EQ(report.at("columns").as_array().size(), 4u);
  EXPECT_EQ(report.at("columns").as_array()[3].at("label").as_string(), "Sum of Amount");
  const auto& rows = report.at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u) << report;
  EXPECT_EQ(rows[0].at("stage").as_string(), "lost");
  EXPECT_EQ(rows[0].at("close_date").as_string(), "2026-02");
  EXPECT_EQ(rows[2].at("sum(amount)").at("amount").as_string(), "20.50");
  const auto& subtotals = report.at("subtotals").as_array();
  ASSERT_EQ(subtotals.size(), 2u) << report;
  EXPECT_EQ(subtotals[1].at("stage").as_string(), "won");
  EXPECT_EQ(subtotals[1].at("sum(amount)").at("amount").as_string(), "30.50");
  EXPECT_EQ(report.at("totals").as_array()[0].at("count").as_int64(), 3);
  EXPECT_EQ(report.at("totals").as_array()[0].at("sum(amount)").at("amount").as_string(), "35.75");

  auto csv = Call("POST", "/api/v1/reports/run?format=csv", definition);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_TRUE(csv.Header("content-type").starts_with("text/csv")) << csv.Header("content-type");
  EXPECT_EQ(csv.body, "stage,close_date,count,sum(amount),currency\r\nlost,2026-02,1,5.25,EUR\r\n"
                      "won,2026-01,1,10.00,EUR\r\nwon,2026-02,1,20.50,EUR\r\n");

  // A tabular report's file has every record (not one page), money as amount and currency.
  auto tabular = Call("POST", "/api/v1/reports/run?format=csv", R"js({"type": "tabular", "object": "opportunities",
      "filter": "name ~ \"Rep \"", "columns": ["name", "amount"], "sort": "name", "limit": 1})js");
  ASSERT_EQ(tabular.status, 200) << tabular.body;
  EXPECT_EQ(tabular.body, "name,amount,amount_currency\r\nRep one,10.00,EUR\r\nRep three,5.25,EUR\r\n"
                          "Rep two,20.50,EUR\r\n");
  auto page = Json(Call("POST", "/api/v1/reports/run", R"js({"type": "tabular", "object": "opportunities",
      "filter": "name ~ \"Rep \"", "columns": ["name", "amount"], "sort": "name", "limit": 1})js"));
  EXPECT_EQ(page.at("rows").as_array().size(), 1u);
  EXPECT_TRUE(page.at("next_cursor").is_string());

  // Bad definitions are 400s naming the member.
  // A malformed member is a 400, a definition that does not hold together a 422.
  auto field_of = [&](const Reply& r) {
    return std::string(Problem(r, r.status == 422 ? 422 : 400).at("errors").as_array()[0].at("field").as_string());
  };
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports/run", R"({"object": "opportunities", "type": "pie"})")), "type");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports/run", R"js({"object": "opportunities", "aggregates": ["mode(amount)"], "group_by": ["stage"]})js")), "aggregates");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports/run", R"({"object": "opportunities", "group_by": ["nope"]})")), "group_by");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports/run", R"({"object": "opportunities", "type": "matrix", "group_by": ["stage"]})")), "across");
  // A summary without groupings is its grand total (a KPI's figure).
  auto kpi = Call("POST", "/api/v1/reports/run", R"js({"object": "opportunities", "filter": "name ~ \"Rep \"", "aggregates": ["sum(amount)"]})js");
  ASSERT_EQ(kpi.status, 200) << kpi.body;
  EXPECT_EQ(Json(kpi).at("rows").as_array()[0].at("sum(amount)").at("amount").as_string(), "35.75");
  auto sorted_kpi = Call("POST", "/api/v1/reports/run", R"({"object": "opportunities", "aggregates": ["count"], "sort": "count"})");
  EXPECT_EQ(sorted_kpi.status, 200) << sorted_kpi.body;
  Problem(Call("POST", "/api/v1/reports/run", R"({"object": "opportunities", "group_by": ["stage"], "colour": "red"})"), 422);
  Problem(Call("POST", "/api/v1/reports/run", R"({"object": "nope", "group_by": ["stage"]})"), 404);

  // The calendar: UTC and January until an administrator sets it; a bad zone is named.
  auto settings = Json(Call("GET", "/api/v1/settings/workspace"));
  EXPECT_EQ(settings.at("time_zone").as_string(), "UTC");
  EXPECT_EQ(settings.at("fiscal_year_start").as_int64(), 1);
  EXPECT_EQ(Problem(Call("PATCH", "/api/v1/settings/workspace", R"({"time_zone": "Europe/Pariss"})"), 422)
                .at("errors").as_array()[0].at("field").as_string(), "time_zone");
  Problem(Call("PATCH", "/api/v1/settings/workspace", R"({"fiscal_year_start": 13})"), 422);
  auto changed = Call("PATCH", "/api/v1/settings/workspace", R"({"time_zone": "Europe/Paris"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Json(changed).at("time_zone").as_string(), "Europe/Paris");
  EXPECT_EQ(Json(Call("GET", "/api/v1/settings/workspace")).at("time_zone").as_string(), "Europe/Paris");
  auto readonly = Call("POST", "/api/v1/tokens", R"({"name": "calendar reader", "read_only": true})");
  ASSERT_EQ(readonly.status, 201) << readonly.body;
  std::string ro(Json(readonly).at("token").as_string());
  EXPECT_EQ(Call("GET", "/api/v1/settings/workspace", "", {}, ro).status, 200);
  Problem(Call("PATCH", "/api/v1/settings/workspace", R"({"time_zone": "UTC"})", {}, ro), 403);
  ASSERT_EQ(Call("PATCH", "/api/v1/settings/workspace", R"({"time_zone": "UTC"})").status, 200);
  // Another workspace keeps its own.
  EXPECT_EQ(Json(Call("GET", "/api/v1/settings/workspace", "", {}, other_token_)).at("time_zone").as_string(), "UTC");
}

// An amount given without its currency is in the workspace's: USD until an
// administrator sets another, then that one, on create, update and batch alike.
TEST_F(ApiTest, AmountsWithoutACurrencyAreInTheWorkspacesCurrency) {
  auto amount_of = [&](const Reply& r) {
    const auto body = Json(r);
    const auto& money = body.at("amount");
    return std::string(money.at("amount").as_string()) + " " + std::string(money.at("currency").as_string());
  };
  auto before = Call("POST", "/api/v1/objects/opportunities", R"({"name": "Dollars", "amount": 10})");
  ASSERT_EQ(before.status, 201) << before.body;
  EXPECT_EQ(amount_of(before), "10.00 USD");
  ASSERT_EQ(Call("PATCH", "/api/v1/settings/workspace", R"({"currency": "EUR"})").status, 200);
  auto created = Call("POST", "/api/v1/objects/opportunities", R"({"name": "Euros", "amount": "12.5"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(amount_of(created), "12.50 EUR");
  // A currency given is kept.
  auto pounds = Call("POST", "/api/v1/objects/opportunities", R"({"name": "Pounds", "amount": {"amount": "3", "currency": "GBP"}})");
  ASSERT_EQ(pounds.status, 201) << pounds.body;
  EXPECT_EQ(amount_of(pounds), "3.00 GBP");
  std::string id(Json(before).at("id").as_string());
  auto updated = Call("PATCH", "/api/v1/objects/opportunities/" + id, R"({"amount": 20})", {{"If-Match", "\"1\""}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(amount_of(updated), "20.00 EUR");
  auto batch = Call("POST", "/api/v1/objects/opportunities/batch", R"({"records": [{"name": "B", "amount": 7}]})");
  ASSERT_LT(batch.status, 300) << batch.body;
  const auto batch_body = Json(batch);
  const auto& item = batch_body.at("results").as_array().at(0);
  EXPECT_EQ(item.at("status").as_int64(), 201) << batch.body;
  EXPECT_EQ(item.at("record").at("amount").at("currency").as_string(), "EUR") << batch.body;
}

TEST_F(ApiTest, ReportsConvertMoneyAtTheWorkspacesDatedRates) {
  auto currency = Call("PATCH", "/api/v1/settings/workspace", R"({"currency": "EUR"})");
  ASSERT_EQ(currency.status, 200) << currency.body;
  EXPECT_EQ(Json(currency).at("currency").as_string(), "EUR");
  auto set = Call("PUT", "/api/v1/settings/exchange-rates/USD/2026-01-01", R"({"rate": "0.5"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Json(set).at("rate").as_string(), "0.5");
  EXPECT_TRUE(Json(set).at("valid_until").is_null());
  ASSERT_EQ(Call("PUT", "/api/v1/settings/exchange-rates/USD/2026-03-01", R"({"rate": "0.800000"})").status, 200);
  // Bad rates are named and change nothing; members read the rates but do not set them.
  auto field_of = [&](const Reply& r, int status) {
    return std::string(Problem(r, status).at("errors").as_array()[0].at("field").as_string());
  };
  EXPECT_EQ(field_of(Call("PUT", "/api/v1/settings/exchange-rates/USD/2026-02-01", R"({"rate": "-1"})"), 422), "rate");
  EXPECT_EQ(field_of(Call("PUT", "/api/v1/settings/exchange-rates/EUR/2026-02-01", R"({"rate": "1"})"), 422), "currency");
  EXPECT_EQ(field_of(Call("PUT", "/api/v1/settings/exchange-rates/usd/2026-02-01", R"({"rate": "1"})"), 422), "currency");
  EXPECT_EQ(field_of(Call("PUT", "/api/v1/settings/exchange-rates/USD/2026-13-01", R"({"rate": "1"})"), 422), "valid_from");
  EXPECT_EQ(field_of(Call("PUT", "/api/v1/settings/exchange-rates/USD/2026-02-01", R"({"rate": 1.5})"), 422), "rate");
  auto readonly = Call("POST", "/api/v1/tokens", R"({"name": "rates reader", "read_only": true})");
  ASSERT_EQ(readonly.status, 201) << readonly.body;
  std::string ro(Json(readonly).at("token").as_string());
  Problem(Call("PUT", "/api/v1/settings/exchange-rates/USD/2026-02-01", R"({"rate": "1"})", {}, ro), 403);
  auto listed = Json(Call("GET", "/api/v1/settings/exchange-rates", "", {}, ro));
  EXPECT_EQ(listed.at("currency").as_string(), "EUR");
  const auto& rates = listed.at("data").as_array();
  ASSERT_EQ(rates.size(), 2u) << listed;
  EXPECT_EQ(rates[0].at("valid_until").as_string(), "2026-03-01");
  EXPECT_EQ(rates[1].at("rate").as_string(), "0.8");
  // The rates are into EUR: the workspace's currency stays while they exist.
  EXPECT_EQ(field_of(Call("PATCH", "/api/v1/settings/workspace", R"({"currency": "USD"})"), 409), "currency");

  for (auto [name, amount, currency_code, date] : {std::tuple{"Conv A", "10.00", "EUR", "2026-02-01"},
                                                   {"Conv B", "30.00", "USD", "2026-03-01"},
                                                   {"Conv C", "3.00", "USD", "2025-06-01"}}) {
    Create("opportunities", fmt::format(R"({{"name": "{}", "stage": "won", "close_date": "{}",
        "amount": {{"amount": "{}", "currency": "{}"}}}})", name, date, amount, currency_code));
  }
  // At each deal's close date: 10 + 30 × 0.8 + 3 × 0.5 (before the first rate, the first).
  auto run = Call("POST", "/api/v1/reports/run", R"js({"object": "opportunities", "filter": "name ~ \"Conv \"",
      "aggregates": ["count", "sum(amount)"], "convert": true, "rate_date": "close_date"})js");
  ASSERT_EQ(run.status, 200) << run.body;
  auto report = Json(run);
  EXPECT_TRUE(report.at("definition").at("convert").as_bool());
  EXPECT_EQ(report.at("definition").at("rate_date").as_string(), "close_date");
  const auto& totals = report.at("totals").as_array();
  ASSERT_EQ(totals.size(), 1u) << report;
  EXPECT_EQ(totals[0].at("count").as_int64(), 3);
  EXPECT_EQ(totals[0].at("sum(amount)").at("amount").as_string(), "35.50");
  EXPECT_EQ(totals[0].at("currency").as_string(), "EUR");
  // Unconverted, the same deals are two currencies apart.
  auto apart = Json(Call("POST", "/api/v1/reports/run", R"js({"object": "opportunities", "filter": "name ~ \"Conv \"",
      "aggregates": ["sum(amount)"]})js"));
  EXPECT_EQ(apart.at("totals").as_array().size(), 2u) << apart;
  // The aggregate API converts too; without a rate date, at today's rate.
  auto aggregate = Call("GET", "/api/v1/objects/opportunities/aggregate?measures=sum:amount&convert=true&filter=" +
                                   std::string("name%20~%20%22Conv%20%22"));
  ASSERT_EQ(aggregate.status, 200) << aggregate.body;
  EXPECT_EQ(Json(aggregate).at("data").as_array()[0].at("values").at("sum:amount").at("amount").as_string(), "36.40");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports/run", R"js({"object": "opportunities", "aggregates": ["median(amount)"],
      "convert": true})js"), 422), "convert");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports/run", R"js({"object": "opportunities", "aggregates": ["sum(amount)"],
      "rate_date": "close_date"})js"), 422), "rate_date");

  // KPIs too: one figure in the workspace's currency.
  auto kpi = Call("GET", "/api/v1/kpis/average_deal_size?period=last_365_days&convert=true");
  ASSERT_EQ(kpi.status, 200) << kpi.body;
  const auto figures = Json(kpi).at("value").at("figures").as_array();
  ASSERT_FALSE(figures.empty()) << kpi.body;
  for (const auto& figure : figures) {
    EXPECT_EQ(figure.at("currency").as_string(), "EUR") << kpi.body;
  }
  EXPECT_EQ(field_of(Call("GET", "/api/v1/kpis/average_deal_size?convert=maybe"), 400), "convert");

  ASSERT_EQ(Call("DELETE", "/api/v1/settings/exchange-rates/USD/2026-03-01").status, 204);
  Problem(Call("DELETE", "/api/v1/settings/exchange-rates/USD/2026-03-01"), 404);
  EXPECT_EQ(Json(Call("GET", "/api/v1/settings/exchange-rates")).at("data").as_array()[0].at("valid_until").is_null(), true);
}

TEST_F(ApiTest, SavedReportsAreKeptSharedAndRunAsJsonCsvAndXlsx) {
  for (auto [name, stage, amount] : {std::tuple{"Saved one", "won", "10.00"}, {"Saved two", "won", "20.50"},
                                     {"Saved three", "lost", "5.25"}}) {
    Create("opportunities", fmt::format(R"({{"name": "{}", "stage": "{}", "close_date": "2026-03-01",
        "amount": {{"amount": "{}", "currency": "EUR"}}}})", name, stage, amount));
  }
  const std::string definition = R"js({"object": "opportunities", "filter": "name ~ \"Saved \"",
      "group_by": ["stage"], "aggregates": ["count", "sum(amount)"], "sort": "-sum(amount)"})js";
  // A workspace starts with the reports of its Sales dashboard.
  auto count_reports = [&](const std::string& token) {
    return Json(Call("GET", "/api/v1/reports", "", {}, token)).at("data").as_array().size();
  };
  const size_t defaults = count_reports(token_);
  EXPECT_EQ(defaults, 8u);
  auto created = Call("POST", "/api/v1/reports", fmt::format(R"({{"name": "Won and lost", "description": "By stage",
      "chart": "bar", "shared": true, "definition": {}}})", definition));
  ASSERT_EQ(created.status, 201) << created.body;
  auto report = Json(created);
  std::string id(report.at("id").as_string());
  EXPECT_EQ(created.Header("location"), "/api/v1/reports/" + id);
  EXPECT_EQ(report.at("chart").as_string(), "bar");
  EXPECT_EQ(report.at("definition").at("group_by").as_array()[0].at("field").as_string(), "stage");
  EXPECT_EQ(report.at("definition").at("sort").as_string(), "-sum(amount)");

  auto results = Call("GET", "/api/v1/reports/" + id + "/results");
  ASSERT_EQ(results.status, 200) << results.body;
  auto run = Json(results);
  const auto& rows = run.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u) << results.body;
  EXPECT_EQ(rows[0].at("stage").as_string(), "won");  // the larger sum first
  EXPECT_EQ(rows[0].at("sum(amount)").at("amount").as_string(), "30.50");
  auto csv = Call("GET", "/api/v1/reports/" + id + "/results?format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body, "stage,count,sum(amount),currency\r\nwon,2,30.50,EUR\r\nlost,1,5.25,EUR\r\n");
  auto xlsx = Call("GET", "/api/v1/reports/" + id + "/results?format=xlsx");
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_EQ(xlsx.Header("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_NE(xlsx.Header("content-disposition").find("opportunities-report.xlsx"), std::string::npos);
  std::string sheet = testing::XlsxSheetXml(xlsx.body);
  EXPECT_NE(sheet.find("<t>Sum of Amount</t>"), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("<v>30.5</v>"), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("<t>EUR</t>"), std::string::npos) << sheet;
  // The ad hoc run speaks XLSX too; a format it does not is named.
  auto adhoc = Call("POST", "/api/v1/reports/run?format=xlsx", definition);
  ASSERT_EQ(adhoc.status, 200) << adhoc.body;
  EXPECT_TRUE(adhoc.body.starts_with("PK"));
  EXPECT_EQ(Problem(Call("POST", "/api/v1/reports/run?format=pdf", definition), 422).at("errors").as_array()[0]
                .at("field").as_string(), "format");

  // Drilling into a group gives the list filter of exactly its records.
  auto drill = Call("POST", "/api/v1/reports/" + id + "/drilldown", R"({"keys": {"stage": "won"}})");
  ASSERT_EQ(drill.status, 200) << drill.body;
  std::string drill_filter(Json(drill).at("filter").as_string());
  EXPECT_EQ(drill_filter, "(name ~ \"Saved \") and stage = \"won\"");
  std::string encoded;
  for (unsigned char ch : drill_filter) {
    encoded += std::isalnum(ch) ? std::string(1, static_cast<char>(ch)) : fmt::format("%{:02X}", ch);
  }
  EXPECT_EQ(Json(Call("GET", "/api/v1/objects/opportunities?count=true&filter=" + encoded)).at("total").as_int64(), 2);
  auto adhoc_drill = Call("POST", "/api/v1/reports/drilldown", fmt::format(R"({{"definition": {}, "keys": {{"stage": null}}}})", definition));
  ASSERT_EQ(adhoc_drill.status, 200) << adhoc_drill.body;
  EXPECT_EQ(Json(adhoc_drill).at("filter").as_string(), "(name ~ \"Saved \") and stage is null");
  EXPECT_EQ(Problem(Call("POST", "/api/v1/reports/" + id + "/drilldown", R"({"keys": {"owner": "x"}})"), 422)
                .at("errors").as_array()[0].at("field").as_string(), "keys");

  // Bad saves name the member at fault (inside the definition too) and save nothing.
  auto field_of = [&](const Reply& r) {
    EXPECT_EQ(r.status / 100, 4) << r.body;
    return std::string(Json(r).at("errors").as_array()[0].at("field").as_string());
  };
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports", R"({"name": "x"})")), "definition");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports", fmt::format(R"({{"name": "x", "chart": "radar", "definition": {}}})", definition))), "chart");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports", R"({"name": "x", "definition": {"object": "opportunities", "group_by": ["nope"]}})")),
            "definition.group_by");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports", R"({"name": "x", "definition": {"object": "opportunities", "colour": 1}})")),
            "definition.colour");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/reports", fmt::format(R"({{"name": "", "definition": {}}})", definition))), "name");
  EXPECT_EQ(count_reports(token_), defaults + 1);

  // A member sees the shared report, runs it as themselves, and cannot change it;
  // their own stays theirs. Another workspace sees nothing.
  ASSERT_EQ(Call("POST", "/api/v1/objects/users", R"({"name": "Rita Reports", "email": "rita@acme.example", "role": "member"})").status, 201);
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email rita@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  std::string rita = token.output.substr(0, token.output.find('\n'));
  EXPECT_EQ(count_reports(rita), defaults + 1);
  EXPECT_EQ(Call("GET", "/api/v1/reports/" + id + "/results", "", {}, rita).status, 200);
  Problem(Call("PATCH", "/api/v1/reports/" + id, R"({"name": "Mine now"})", {}, rita), 403);
  Problem(Call("DELETE", "/api/v1/reports/" + id, "", {}, rita), 403);
  auto hers = Call("POST", "/api/v1/reports", fmt::format(R"({{"name": "Rita's", "definition": {}}})", definition), {}, rita);
  ASSERT_EQ(hers.status, 201) << hers.body;
  std::string hers_id(Json(hers).at("id").as_string());
  Problem(Call("GET", "/api/v1/reports/" + hers_id), 404);
  EXPECT_EQ(count_reports(other_token_), defaults);  // its own defaults only
  Problem(Call("GET", "/api/v1/reports/" + id + "/results", "", {}, other_token_), 404);

  auto changed = Call("PATCH", "/api/v1/reports/" + id, R"({"name": "By stage", "chart": "donut", "shared": false})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Json(changed).at("chart").as_string(), "donut");
  Problem(Call("GET", "/api/v1/reports/" + id, "", {}, rita), 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/reports/" + id).status, 204);
  Problem(Call("GET", "/api/v1/reports/" + id), 404);
}

TEST_F(ApiTest, DashboardsRunTheirWidgetsAsTheViewerUnderTheirFilters) {
  // Every workspace starts with a shared Sales dashboard of eight widgets.
  auto list = Json(Call("GET", "/api/v1/dashboards")).at("data").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("name").as_string(), "Sales");
  EXPECT_EQ(list[0].at("widgets").as_array().size(), 8u);
  EXPECT_EQ(list[0].at("filters").at("period").as_string(), "this_quarter");
  std::string sales(list[0].at("id").as_string());
  auto run = Call("GET", "/api/v1/dashboards/" + sales + "/results");
  ASSERT_EQ(run.status, 200) << run.body;
  auto sales_run = Json(run);
  EXPECT_TRUE(sales_run.at("period").at("from").is_string()) << sales_run.at("period");
  for (const auto& w : sales_run.at("widgets").as_array()) {
    EXPECT_TRUE(w.at("error").is_null()) << w;
    EXPECT_TRUE(w.at("result").is_object()) << w;
  }

  // Deals this month and last, and a KPI of the won amount this month against last.
  const std::string today = FormatDate(*LocalDays(SystemClock::Instance().Now(), "UTC"));
  int64_t first = BucketDays(today.substr(0, 7), DatePart::kMonth)->first;
  std::string this_month = FormatDate(first), last_month = FormatDate(first - 1);
  for (auto [name, date, amount] : {std::tuple{"Dash one", this_month, "100.00"}, {"Dash two", this_month, "50.00"},
                                    {"Dash three", last_month, "30.00"}}) {
    Create("opportunities", fmt::format(R"({{"name": "{}", "stage": "won", "close_date": "{}",
        "amount": {{"amount": "{}", "currency": "EUR"}}}})", name, date, amount));
  }
  auto report = Call("POST", "/api/v1/reports", R"js({"name": "Won (dash)", "chart": "kpi", "shared": true,
      "definition": {"object": "opportunities", "filter": "name ~ \"Dash \"", "aggregates": ["sum(amount)"]}})js");
  ASSERT_EQ(report.status, 201) << report.body;
  std::string report_id(Json(report).at("id").as_string());
  auto created = Call("POST", "/api/v1/dashboards", fmt::format(R"({{"name": "Mine", "shared": true,
      "filters": {{"period": "this_month"}},
      "widgets": [{{"report_id": "{}", "x": 0, "y": 0, "w": 4, "h": 2, "date_field": "close_date"}}]}})", report_id));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id(Json(created).at("id").as_string());
  EXPECT_FALSE(Json(created).at("widgets").as_array()[0].at("id").as_string().empty());
  auto mine = Json(Call("GET", "/api/v1/dashboards/" + id + "/results"));
  const auto& tile = mine.at("widgets").as_array()[0];
  EXPECT_EQ(tile.at("widget").at("title").as_string(), "Won (dash)");
  EXPECT_EQ(tile.at("widget").at("chart").as_string(), "kpi");
  EXPECT_EQ(tile.at("result").at("rows").as_array()[0].at("sum(amount)").at("amount").as_string(), "150.00") << tile;
  EXPECT_EQ(tile.at("previous").at("rows").as_array()[0].at("sum(amount)").at("amount").as_string(), "30.00") << tile;
  EXPECT_EQ(mine.at("period").at("from").as_string(), this_month);
  // Filters asked for replace the dashboard's: last month, then only what I own.
  auto last = Json(Call("GET", "/api/v1/dashboards/" + id + "/results?period=last_month"));
  EXPECT_EQ(last.at("widgets").as_array()[0].at("result").at("rows").as_array()[0].at("sum(amount)").at("amount").as_string(), "30.00");
  auto all_time_mine = Json(Call("GET", "/api/v1/dashboards/" + id + "/results?owner=me"));
  EXPECT_EQ(all_time_mine.at("widgets").as_array()[0].at("result").at("rows").as_array()[0].at("sum(amount)").at("amount").as_string(), "180.00");
  EXPECT_NE(all_time_mine.at("widgets").as_array()[0].at("filter").as_string().find("owner_id = me()"), std::string::npos);
  Problem(Call("GET", "/api/v1/dashboards/" + id + "/results?period=fortnight"), 422);

  // Bad dashboards name the member at fault and save nothing.
  auto field_of = [&](const Reply& r) {
    EXPECT_EQ(r.status / 100, 4) << r.body;
    return std::string(Json(r).at("errors").as_array()[0].at("field").as_string());
  };
  EXPECT_EQ(field_of(Call("POST", "/api/v1/dashboards", R"({"name": "X", "widgets": [{"report_id": "nope"}]})")), "widgets[0].report_id");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/dashboards", fmt::format(R"({{"name": "X", "widgets": [{{"report_id": "{}", "x": 10, "w": 4}}]}})", report_id))), "widgets[0]");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/dashboards", fmt::format(R"({{"name": "X", "widgets": [{{"report_id": "{}", "date_field": "name"}}]}})", report_id))), "widgets[0].date_field");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/dashboards", R"({"name": "X", "filters": {"period": "someday"}})")), "filters.period");
  EXPECT_EQ(field_of(Call("POST", "/api/v1/dashboards", R"({"name": ""})")), "name");
  EXPECT_EQ(Json(Call("GET", "/api/v1/dashboards")).at("data").as_array().size(), 2u);

  // Another user sees the shared dashboards, runs them as themselves, changes neither;
  // a widget whose report they may not open shows why, the others still run.
  ASSERT_EQ(Call("POST", "/api/v1/objects/users", R"({"name": "Dana Dash", "email": "dana@acme.example", "role": "member"})").status, 201);
  auto token = testing::RunRapport("token create " + server_->DatabaseArgs() + " --tenant Acme --email dana@acme.example");
  ASSERT_EQ(token.exit_status, 0) << token.output;
  std::string dana = token.output.substr(0, token.output.find('\n'));
  EXPECT_EQ(Json(Call("GET", "/api/v1/dashboards", "", {}, dana)).at("data").as_array().size(), 2u);
  Problem(Call("PATCH", "/api/v1/dashboards/" + id, R"({"name": "Taken"})", {}, dana), 403);
  ASSERT_EQ(Call("PATCH", "/api/v1/reports/" + report_id, R"({"shared": false})").status, 200);
  auto hers = Json(Call("GET", "/api/v1/dashboards/" + id + "/results", "", {}, dana));
  EXPECT_EQ(hers.at("widgets").as_array()[0].at("error").at("status").as_int64(), 404);
  EXPECT_EQ(Json(Call("GET", "/api/v1/dashboards", "", {}, other_token_)).at("data").as_array().size(), 1u);
  Problem(Call("GET", "/api/v1/dashboards/" + id, "", {}, other_token_), 404);

  auto changed = Call("PATCH", "/api/v1/dashboards/" + id, R"({"name": "Renamed", "filters": {"period": "last_30_days"}})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Json(changed).at("filters").at("period").as_string(), "last_30_days");
  EXPECT_EQ(Call("DELETE", "/api/v1/dashboards/" + id).status, 204);
  Problem(Call("GET", "/api/v1/dashboards/" + id), 404);
}


TEST_F(ApiTest, KpisAreListedWithTheirFormulasAndComputedAsTheCaller) {
  auto catalogue = Json(Call("GET", "/api/v1/kpis"));
  std::set<std::string> keys;
  for (const auto& k : catalogue.at("data").as_array()) {
    keys.insert(std::string(k.at("key").as_string()));
    EXPECT_FALSE(k.at("formula").as_string().empty()) << k;
  }
  for (const char* key : {"win_rate", "average_deal_size", "sales_cycle_length", "pipeline_velocity", "opportunity_to_win",
                          "lead_to_opportunity", "revenue_per_salesperson", "activity_volume", "new_customers",
                          "retention_rate", "churn_rate", "customer_lifetime_value", "customer_acquisition_cost",
                          "forecast_accuracy", "stage_conversion"}) {
    EXPECT_TRUE(keys.contains(key)) << key;
  }

  // Two won and one lost this quarter, in the renewals pipeline: 66.6667 % won.
  const std::string today = FormatDate(*LocalDays(SystemClock::Instance().Now(), "UTC"));
  for (auto [name, stage, amount] : {std::tuple{"KPI one", "won", "100.00"}, {"KPI two", "won", "51.00"},
                                     {"KPI three", "lost", "10.00"}}) {
    Create("opportunities", fmt::format(R"({{"name": "{}", "stage": "{}", "close_date": "{}", "pipeline": "renewals",
        "amount": {{"amount": "{}", "currency": "EUR"}}}})", name, stage, today, amount));
  }
  auto win = Call("GET", "/api/v1/kpis/win_rate?period=this_quarter&pipeline=renewals&by=owner");
  ASSERT_EQ(win.status, 200) << win.body;
  auto body = Json(win);
  EXPECT_EQ(body.at("unit").as_string(), "percent");
  EXPECT_EQ(body.at("value").at("figures").as_array()[0].at("value").as_string(), "66.6667") << body;
  EXPECT_EQ(body.at("value").at("inputs").at("won").as_array()[0].at("value").as_string(), "2");
  EXPECT_TRUE(body.at("previous").at("figures").as_array()[0].at("value").is_null()) << body;  // nothing closed before
  ASSERT_EQ(body.at("by_owner").as_array().size(), 1u);
  auto size = Json(Call("GET", "/api/v1/kpis/average_deal_size?pipeline=renewals"));
  EXPECT_EQ(size.at("value").at("figures").as_array()[0].at("currency").as_string(), "EUR");
  EXPECT_EQ(size.at("value").at("figures").as_array()[0].at("value").as_string(), "75.5");
  EXPECT_TRUE(Json(Call("GET", "/api/v1/kpis/pipeline_velocity")).at("previous").is_null());

  // Another workspace's user counts none of these deals.
  auto theirs = Json(Call("GET", "/api/v1/kpis/win_rate?pipeline=renewals", "", {}, other_token_));
  EXPECT_TRUE(theirs.at("value").at("figures").as_array()[0].at("value").is_null()) << theirs;

  Problem(Call("GET", "/api/v1/kpis/happiness"), 404);
  Problem(Call("GET", "/api/v1/kpis/win_rate?period=fortnight"), 422);
  Problem(Call("GET", "/api/v1/kpis/win_rate?by=team"), 422);
  Problem(Call("GET", "/api/v1/kpis/win_rate?colour=red"), 400);
  Problem(Call("GET", "/api/v1/kpis/customer_acquisition_cost"), 409);  // no campaigns object
  Problem(Call("GET", "/api/v1/kpis/forecast_accuracy"), 409);          // no opportunities_snapshots object

  // A dashboard widget can be a KPI, under the dashboard's filters.
  auto board = Call("POST", "/api/v1/dashboards", R"({"name": "KPI board", "filters": {"period": "this_quarter"},
      "widgets": [{"kpi": "average_deal_size", "x": 0, "y": 0, "w": 3, "h": 2}]})");
  ASSERT_EQ(board.status, 201) << board.body;
  std::string board_id(Json(board).at("id").as_string());
  auto tiles = Json(Call("GET", "/api/v1/dashboards/" + board_id + "/results?period=this_quarter&owner=me"));
  const auto& tile = tiles.at("widgets").as_array()[0];
  EXPECT_EQ(tile.at("widget").at("title").as_string(), "Average deal size") << tile;
  EXPECT_EQ(tile.at("widget").at("chart").as_string(), "kpi");
  EXPECT_EQ(tile.at("kpi").at("key").as_string(), "average_deal_size") << tile;
  EXPECT_TRUE(tile.at("kpi").at("value").at("figures").is_array()) << tile;
  auto widget_field = [&](const std::string& dashboard) {
    auto r = Call("POST", "/api/v1/dashboards", dashboard);
    EXPECT_EQ(r.status, 422) << r.body;
    return std::string(Json(r).at("errors").as_array()[0].at("field").as_string());
  };
  EXPECT_EQ(widget_field(R"({"name": "X", "widgets": [{"kpi": "happiness"}]})"), "widgets[0].kpi");
  EXPECT_EQ(widget_field(R"({"name": "X", "widgets": [{"kpi": "win_rate", "report_id": "x"}]})"), "widgets[0]");
  EXPECT_EQ(Call("DELETE", "/api/v1/dashboards/" + board_id).status, 204);
}


TEST_F(ApiTest, SchedulesMailTheReportOnTimeAndOnDemand) {
  EXPECT_TRUE(Json(Call("GET", "/api/v1/schedules")).at("mail_configured").as_bool());
  for (const char* name : {"Sched one", "Sched two"}) Create("opportunities", fmt::format(R"({{"name": "{}"}})", name));
  auto report = Call("POST", "/api/v1/reports", R"js({"name": "Scheduled (api)", "shared": true,
      "definition": {"object": "opportunities", "filter": "name ~ \"Sched \"", "aggregates": ["count"]}})js");
  ASSERT_EQ(report.status, 201) << report.body;
  std::string report_id(Json(report).at("id").as_string());
  auto field_of = [&](const std::string& body) {
    auto r = Call("POST", "/api/v1/schedules", body);
    EXPECT_EQ(r.status, 422) << r.body;
    return std::string(Json(r).at("errors").as_array()[0].at("field").as_string());
  };
  EXPECT_EQ(field_of(fmt::format(R"({{"report_id": "{}", "hour": 25}})", report_id)), "hour");
  EXPECT_EQ(field_of(fmt::format(R"({{"report_id": "{}", "frequency": "hourly"}})", report_id)), "frequency");
  EXPECT_EQ(field_of(fmt::format(R"({{"report_id": "{}", "recipients": ["nope"]}})", report_id)), "recipients[0]");
  EXPECT_EQ(field_of(R"({"report_id": "0190a0c4-0000-7000-8000-000000000000"})"), "report_id");

  auto created = Call("POST", "/api/v1/schedules", fmt::format(R"({{"report_id": "{}", "format": "csv",
      "frequency": "weekly", "weekday": 3, "hour": 7}})", report_id));
  ASSERT_EQ(created.status, 201) << created.body;
  auto schedule = Json(created);
  std::string id(schedule.at("id").as_string());
  EXPECT_EQ(schedule.at("recipients").as_array().size(), 1u);  // the author, by default
  EXPECT_TRUE(schedule.at("next_run_at").is_string()) << schedule;
  Problem(Call("GET", "/api/v1/schedules/" + id, "", {}, other_token_), 404);

  // On demand: one mail, the figures in its text and the file attached.
  size_t before = smtp_->Received().size();
  auto sent = Call("POST", "/api/v1/schedules/" + id + "/send");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(Json(sent).at("sent").as_int64(), 1);
  auto mails = smtp_->Received();
  ASSERT_EQ(mails.size(), before + 1);
  EXPECT_TRUE(mails.back().subject.starts_with("Scheduled (api) — ")) << mails.back().subject;
  EXPECT_EQ(mails.back().from, "crm@acme.example");
  EXPECT_NE(mails.back().text.find("Count: 2"), std::string::npos) << mails.back().text;
  ASSERT_EQ(mails.back().attachments.size(), 1u);
  EXPECT_EQ(mails.back().attachments[0].content_type, "text/csv");

  // On time: made due in the database, the server's own loop sends it within seconds
  // and sets the next run a week on.
  MakeDue("report_schedules", id);
  for (int i = 0; i < 100 && smtp_->Received().size() < before + 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(smtp_->Received().size(), before + 2) << server_->Log();
  auto ran = Json(Call("GET", "/api/v1/schedules/" + id));
  EXPECT_EQ(ran.at("last_status").as_string(), "Sent to 1 of 1 recipient.") << ran;
  EXPECT_GT(ran.at("next_run_at").as_string(), "2026-01-01") << ran;

  auto paused = Call("PATCH", "/api/v1/schedules/" + id, R"({"active": false})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_TRUE(Json(paused).at("next_run_at").is_null());
  EXPECT_EQ(Call("DELETE", "/api/v1/schedules/" + id).status, 204);
  Problem(Call("GET", "/api/v1/schedules/" + id), 404);
}

TEST_F(ApiTest, SnapshotsCopyTheDaysRecordsIntoAnObjectReportsRead) {
  for (const char* name : {"Snap one", "Snap two", "Snap three"}) {
    Create("opportunities", fmt::format(R"({{"name": "{}", "stage": "proposal", "amount": {{"amount": "100.50", "currency": "EUR"}}}})", name));
  }
  auto field_of = [&](const std::string& body) {
    auto r = Call("POST", "/api/v1/snapshots", body);
    EXPECT_EQ(r.status, 422) << r.body;
    return std::string(Json(r).at("errors").as_array()[0].at("field").as_string());
  };
  EXPECT_EQ(field_of(R"({"name": "S", "object": "opportunities", "fields": ["nope"]})"), "fields[0]");
  EXPECT_EQ(field_of(R"({"name": "S", "object": "opportunities", "fields": ["stage"], "filter": "amount >"})"), "filter");
  EXPECT_EQ(field_of(R"({"name": "S", "object": "opportunities", "fields": ["stage"], "hour": 24})"), "hour");
  EXPECT_EQ(field_of(R"({"name": "S", "object": "opportunities"})"), "fields");

  auto created = Call("POST", "/api/v1/snapshots", R"({"name": "Snap pipeline", "object": "opportunities",
      "filter": "name ~ \"Snap \"", "fields": ["stage", "amount"], "target": "snap_history", "hour": 6})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id(Json(created).at("id").as_string());
  EXPECT_EQ(Json(created).at("target").as_string(), "snap_history");
  Problem(Call("GET", "/api/v1/snapshots/" + id, "", {}, other_token_), 404);
  Problem(Call("PATCH", "/api/v1/snapshots/" + id, R"({"fields": ["name"]})"), 422);

  auto run = Call("POST", "/api/v1/snapshots/" + id + "/run");
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(Json(run).at("rows").as_int64(), 3);
  std::string date(Json(run).at("date").as_string());
  // The copies are records like any other: listed, filtered, reported on.
  auto listed = Json(Call("GET", "/api/v1/objects/snap_history?filter=snapshot_date%20%3D%20" + date + "&count=true"));
  EXPECT_EQ(listed.at("data").as_array().size(), 3u) << listed;
  auto report = Call("POST", "/api/v1/reports/run", fmt::format(R"js({{"object": "snap_history",
      "filter": "snapshot_date = {}", "group_by": ["stage"], "aggregates": ["sum(amount)"]}})js", date));
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(Json(report).at("rows").as_array()[0].at("sum(amount)").at("amount").as_string(), "301.50") << report.body;

  // On time: made due in the database, the server's own loop takes it (a day's copies
  // brought up to date, not doubled) and sets the next run.
  MakeDue("record_snapshots", id, ", last_status = ''");
  json::value taken;
  for (int i = 0; i < 100; ++i) {
    taken = Json(Call("GET", "/api/v1/snapshots/" + id));
    if (taken.at("last_status").as_string().starts_with("Copied")) break;  // not "Started and not finished"
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(taken.at("last_status").as_string(), fmt::format("Copied 3 records for {}.", date)) << server_->Log();
  EXPECT_GT(taken.at("next_run_at").as_string(), "2026-01-01") << taken;
  auto again = Json(Call("GET", "/api/v1/objects/snap_history?filter=snapshot_date%20%3D%20" + date));
  EXPECT_EQ(again.at("data").as_array().size(), 3u);

  EXPECT_EQ(Call("DELETE", "/api/v1/snapshots/" + id).status, 204);
  Problem(Call("GET", "/api/v1/snapshots/" + id), 404);
}

}  // namespace
}  // namespace rapport
