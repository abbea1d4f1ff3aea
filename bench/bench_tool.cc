// Benchmark helper for bench/run.sh:
//   bench_tool seed DBURL IDS PEOPLE  generate companies + people through the engine's
//                                batch path; writes IDS (a sample of person ids) and
//                                prints "key value" result lines
//   bench_tool raw DIR           the same reads straight through the SQLite C API (the
//                                storage ceiling), plus a raw prepared-insert loop
//   bench_tool raw-pg URL IDS    the same through libpq (the PostgreSQL ceiling)
//   bench_tool access DBURL      a member whose people are private but for a team
//                                sharing rule opening half of them; prints their token
//   bench_tool reports DBURL OPPORTUNITIES ACTIVITIES
//                                seeds deals (of the seeded companies) and activities
//                                (on those deals), then times reports through the
//                                report engine against the same hand-written SQL, and
//                                a dashboard of 8 reports. BENCH_PROFILE=N runs only
//                                the summary (with BENCH_PROFILE_DASHBOARD=1, the
//                                dashboard; =sales, the Sales dashboard) N times, each
//                                timed, for a profiler. With 0 deals, the activities
//                                go on the deals seeded before
// Never run by ctest: benchmarks report, tests verify.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "app/app.h"
#include "app/sample_data.h"
#include "core/id.h"
#include "mail/mail.h"
#include "reports/report_engine.h"
#include "reports/report_files.h"
#include "storage/database.h"

namespace {

using Clock = std::chrono::steady_clock;
using rapport::records::InputValue;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

int Seed(const std::string& db_url, const std::string& ids_file, int people) {
  auto app = rapport::app::App::Open({.db_url = db_url});
  if (!app) {
    std::fprintf(stderr, "%s\n", app.error().ToString().c_str());
    return 1;
  }
  auto tenant = (*app)->identity().ResolveTenant("");
  if (!tenant) return 1;
  auto admin = (*app)->identity().FindUserByEmail(*tenant, "admin@example.com");
  if (!admin) return 1;
  rapport::security::Principal principal{tenant->id, admin->id, true};
  auto& records = (*app)->records();
  rapport::app::SampleData data(7);

  int companies = std::max(1, people / 10);
  std::vector<std::string> company_ids;
  std::vector<std::string> domains;
  auto start = Clock::now();
  for (int done = 0; done < companies;) {
    rapport::records::BatchCommand batch{"companies", {}, true};
    std::vector<std::string> batch_domains;
    for (int i = 0; i < 1000 && done < companies; ++i, ++done) {
      batch.items.push_back({.values = data.Company(done + 1)});
      batch_domains.push_back(data.last_domain());
    }
    auto results = records.Batch(principal, batch);
    if (!results) {
      std::fprintf(stderr, "%s\n", results.error().ToString().c_str());
      return 1;
    }
    for (size_t i = 0; i < results->size(); ++i) {
      company_ids.push_back((*results)[i].outcome->id);
      domains.push_back(batch_domains[i]);
    }
  }
  double company_seconds = Seconds(start);

  std::mt19937_64 rng(11);
  std::vector<std::string> sample;
  start = Clock::now();
  for (int done = 0; done < people;) {
    rapport::records::BatchCommand batch{"people", {}, true};
    for (int i = 0; i < 1000 && done < people; ++i, ++done) {
      size_t c = rng() % company_ids.size();
      batch.items.push_back({.values = data.Person(done + 1, company_ids[c], domains[c])});
    }
    auto results = records.Batch(principal, batch);
    if (!results) {
      std::fprintf(stderr, "%s\n", results.error().ToString().c_str());
      return 1;
    }
    for (auto& r : *results) {
      if (rng() % 100 == 0 || sample.size() < 1000) sample.push_back(r.outcome->id);
    }
  }
  double people_seconds = Seconds(start);
  std::ofstream ids(ids_file);
  std::shuffle(sample.begin(), sample.end(), rng);
  if (sample.size() > 20000) sample.resize(20000);
  for (const auto& id : sample) ids << id << "\n";
  // The planner's statistics, as a server takes them a few seconds after it starts:
  // benchmarks that follow run on the plans a running server would have.
  start = Clock::now();
  if (auto refreshed = (*app)->db().RefreshStatistics(); !refreshed) {
    std::fprintf(stderr, "%s\n", refreshed.error().ToString().c_str());
    return 1;
  }
  std::printf("seed_companies %d\nseed_companies_per_s %.0f\nseed_people %d\nseed_people_seconds %.1f\n"
              "batch_create_per_s %.0f\nseed_statistics_seconds %.1f\n",
              companies, companies / company_seconds, people, people_seconds, people / people_seconds, Seconds(start));
  return 0;
}

// The sharing-rules case: the member owns nothing and reads people through a role
// (read own), the manager hierarchy, manual shares and a criteria rule for their team
// that opens the people of 9 of the 18 sample countries (half, uncorrelated with the
// list's filter and sort).
int Access(const std::string& db_url) {
  auto app = rapport::app::App::Open({.db_url = db_url});
  if (!app) return 1;
  auto& identity = (*app)->identity();
  auto tenant = identity.ResolveTenant("");
  if (!tenant) return 1;
  auto admin = identity.FindUserByEmail(*tenant, "admin@example.com");
  if (!admin) return 1;
  rapport::security::Principal principal{tenant->id, admin->id, true};
  auto& records = (*app)->records();
  auto fail = [](const rapport::Error& e) {
    std::fprintf(stderr, "%s\n", e.ToString().c_str());
    return 1;
  };
  auto team = records.Create(principal, {"teams", {{"name", InputValue::String("Field sales")}}});
  if (!team) return fail(team.error());
  auto rep = identity.CreateUser(*tenant, "Rep", "rep@example.com", "member", identity.GeneratePassword());
  if (!rep) return fail(rep.error());
  if (auto placed = records.Update(principal, {"users", rep->id, {{"team_id", InputValue::String(team->id)}}}); !placed) {
    return fail(placed.error());
  }
  using rapport::security::Scope;
  rapport::security::Role role{.name = "Field rep"};
  role.objects["*"] = {Scope::kAll, Scope::kAll, Scope::kAll, Scope::kAll, false};
  role.objects["people"] = {Scope::kAll, Scope::kOwn, Scope::kOwn, Scope::kOwn, false};
  auto& access = (*app)->access();
  auto created = access.CreateRole(principal, role);
  if (!created) return fail(created.error());
  if (auto held = access.SetUserRoles(principal, rep->id, {created->id}); !held) return fail(held.error());
  auto rule = access.CreateRule(principal, {.object = "people",
                                            .name = "Europe west",
                                            .criteria = "country in (\"DE\", \"FR\", \"GB\", \"ES\", \"PT\", "
                                                        "\"NL\", \"AT\", \"CH\", \"DK\")",
                                            .target = {rapport::security::ShareTarget::Kind::kTeam, team->id}});
  if (!rule) return fail(rule.error());
  auto token = identity.CreateToken(*tenant, rep->id, "bench", 0);
  if (!token) return fail(token.error());
  std::printf("%s\n", token->token.c_str());
  return 0;
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

int Raw(const std::string& dir) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((dir + "/rapport.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return 1;
  // The same settings as the server's reader connections (storage/sqlite).
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-4096;", nullptr, nullptr,
               nullptr);
  std::vector<std::string> ids;
  {
    std::ifstream in(dir + "/ids.txt");
    for (std::string line; std::getline(in, line);) ids.push_back(line);
  }
  std::string tenant;
  {
    Stmt t;
    sqlite3_prepare_v2(db, "SELECT id FROM tenants LIMIT 1", -1, &t.s, nullptr);
    if (sqlite3_step(t.s) == SQLITE_ROW) tenant = reinterpret_cast<const char*>(sqlite3_column_text(t.s, 0));
  }
  Stmt begin, commit;
  sqlite3_prepare_v2(db, "BEGIN", -1, &begin.s, nullptr);
  sqlite3_prepare_v2(db, "COMMIT", -1, &commit.s, nullptr);
  // GET by id: the same row, all columns, by primary key.
  {
    Stmt get;
    sqlite3_prepare_v2(db, "SELECT * FROM people WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL", -1, &get.s,
                       nullptr);
    auto start = Clock::now();
    int n = 0;
    while (Seconds(start) < 3) {
      for (int k = 0; k < 1000; ++k, ++n) {
        // One read transaction per lookup, as the engine runs each request.
        sqlite3_step(begin.s);
        sqlite3_reset(begin.s);
        const std::string& id = ids[static_cast<size_t>(n) % ids.size()];
        sqlite3_bind_text(get.s, 1, tenant.data(), static_cast<int>(tenant.size()), SQLITE_STATIC);
        sqlite3_bind_text(get.s, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        while (sqlite3_step(get.s) == SQLITE_ROW) {
          for (int c = 0; c < sqlite3_column_count(get.s); ++c) (void)sqlite3_column_text(get.s, c);
        }
        sqlite3_reset(get.s);
        sqlite3_step(commit.s);
        sqlite3_reset(commit.s);
      }
    }
    std::printf("raw_get_by_id_per_s %.0f\n", n / Seconds(start));
  }
  // The list query the API runs for filter=job_title = "CTO"&sort=last_name&limit=50.
  {
    Stmt list;
    sqlite3_prepare_v2(db,
                       "SELECT * FROM people r WHERE r.tenant_id = ? AND r.deleted_at IS NULL AND "
                       "(r.job_title = ?) ORDER BY r.last_name ASC NULLS FIRST, r.id ASC LIMIT 51",
                       -1, &list.s, nullptr);
    std::vector<double> latencies;
    auto start = Clock::now();
    while (Seconds(start) < 3) {
      auto t0 = Clock::now();
      sqlite3_step(begin.s);
      sqlite3_reset(begin.s);
      sqlite3_bind_text(list.s, 1, tenant.data(), static_cast<int>(tenant.size()), SQLITE_STATIC);
      sqlite3_bind_text(list.s, 2, "CTO", 3, SQLITE_STATIC);
      while (sqlite3_step(list.s) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(list.s); ++c) (void)sqlite3_column_text(list.s, c);
      }
      sqlite3_reset(list.s);
      sqlite3_step(commit.s);
      sqlite3_reset(commit.s);
      latencies.push_back(Seconds(t0) * 1000);
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("raw_list_per_s %.0f\nraw_list_p99_ms %.2f\n", latencies.size() / Seconds(start),
                latencies[latencies.size() * 99 / 100]);
  }
  // The aggregate the API runs for group_by=job_title&measures=count.
  {
    Stmt aggregate;
    sqlite3_prepare_v2(db,
                       "SELECT r.job_title, COUNT(*) FROM people r WHERE r.tenant_id = ? AND r.deleted_at IS NULL "
                       "GROUP BY r.job_title ORDER BY r.job_title IS NULL, r.job_title LIMIT 1001",
                       -1, &aggregate.s, nullptr);
    std::vector<double> latencies;
    auto start = Clock::now();
    while (Seconds(start) < 3 || latencies.size() < 5) {
      auto t0 = Clock::now();
      sqlite3_step(begin.s);
      sqlite3_reset(begin.s);
      sqlite3_bind_text(aggregate.s, 1, tenant.data(), static_cast<int>(tenant.size()), SQLITE_STATIC);
      while (sqlite3_step(aggregate.s) == SQLITE_ROW) (void)sqlite3_column_int64(aggregate.s, 1);
      sqlite3_reset(aggregate.s);
      sqlite3_step(commit.s);
      sqlite3_reset(commit.s);
      latencies.push_back(Seconds(t0) * 1000);
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("raw_aggregate_p50_ms %.2f\n", latencies[latencies.size() / 2]);
  }
  // A raw prepared-insert loop into a copy of the people table's shape, one
  // transaction, same indexes: the ceiling for batch creates.
  {
    sqlite3_exec(db, "DROP TABLE IF EXISTS bench_people; CREATE TABLE bench_people AS SELECT * FROM people WHERE 0;"
                     "CREATE INDEX bench_ix1 ON bench_people (tenant_id, last_name, id);"
                     "CREATE INDEX bench_ix2 ON bench_people (tenant_id, email, id);"
                     "CREATE INDEX bench_ix3 ON bench_people (tenant_id, company_id, id);"
                     "CREATE INDEX bench_ix7 ON bench_people (tenant_id, owner_id, id);"
                     "CREATE INDEX bench_ix8 ON bench_people (tenant_id, updated_at, id);",
                 nullptr, nullptr, nullptr);
    Stmt insert;
    sqlite3_prepare_v2(db,
                       "INSERT INTO bench_people (tenant_id, id, version, created_at, updated_at, created_by, owner_id, "
                       "first_name, last_name, email, phone, job_title, city, country, company_id) "
                       "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &insert.s, nullptr);
    const int n = 100000;
    std::vector<std::string> values;
    auto start = Clock::now();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < n; ++i) {
      std::string id = rapport::NewId();
      std::string now = "2026-11-25T10:00:00.000000Z";
      std::string email = fmt::format("raw{}@bench.example", i);
      std::string last = fmt::format("Raw{}", i % 5000);
      const char* texts[] = {tenant.c_str(), id.c_str(), now.c_str(), now.c_str(), "u", "u", "Ada", last.c_str(),
                             email.c_str(), "+1 555 0100", "CTO", "Berlin", "DE", ids[0].c_str()};
      for (int k = 0; k < 14; ++k) sqlite3_bind_text(insert.s, k + 1, texts[k], -1, SQLITE_TRANSIENT);
      sqlite3_step(insert.s);
      sqlite3_reset(insert.s);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    std::printf("raw_insert_per_s %.0f\n", n / Seconds(start));
    sqlite3_exec(db, "DROP TABLE bench_people", nullptr, nullptr, nullptr);
  }
  sqlite3_close(db);
  return 0;
}


// Runs one statement; the result is discarded after its cells are read (as the API
// reads every cell it returns).
bool Exec(PGconn* pg, const char* name, std::vector<const char*> params = {}) {
  PGresult* r = name ? PQexecPrepared(pg, name, static_cast<int>(params.size()), params.data(), nullptr, nullptr, 0)
                     : PQexec(pg, params.empty() ? "" : params[0]);
  ExecStatusType status = PQresultStatus(r);
  for (int row = 0; row < PQntuples(r); ++row) {
    for (int c = 0; c < PQnfields(r); ++c) (void)PQgetvalue(r, row, c);
  }
  bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (!ok) std::fprintf(stderr, "%s", PQerrorMessage(pg));
  PQclear(r);
  return ok;
}

bool Prepare(PGconn* pg, const char* name, const char* sql) {
  PGresult* r = PQprepare(pg, name, sql, 0, nullptr);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) std::fprintf(stderr, "%s", PQerrorMessage(pg));
  PQclear(r);
  return ok;
}

// The same reads and insert loop as Raw(), through libpq: one connection, prepared
// statements, and the transaction shape the server uses (a REPEATABLE READ READ ONLY
// transaction per read).
int RawPostgres(const std::string& url, const std::string& ids_file) {
  PGconn* pg = PQconnectdb(url.c_str());
  if (PQstatus(pg) != CONNECTION_OK) {
    std::fprintf(stderr, "%s", PQerrorMessage(pg));
    return 1;
  }
  std::vector<std::string> ids;
  {
    std::ifstream in(ids_file);
    for (std::string line; std::getline(in, line);) ids.push_back(line);
  }
  PGresult* t = PQexec(pg, "SELECT id FROM tenants LIMIT 1");
  std::string tenant = PQgetvalue(t, 0, 0);
  PQclear(t);
  bool ok = Prepare(pg, "begin", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") &&
            Prepare(pg, "commit", "COMMIT") &&
            Prepare(pg, "get", "SELECT * FROM people WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL") &&
            Prepare(pg, "list",
                    "SELECT * FROM people r WHERE r.tenant_id = $1 AND r.deleted_at IS NULL AND (r.job_title = $2) "
                    "ORDER BY r.last_name ASC NULLS FIRST, r.id ASC LIMIT 51") &&
            Prepare(pg, "aggregate",
                    "SELECT r.job_title, COUNT(*) FROM people r WHERE r.tenant_id = $1 AND r.deleted_at IS NULL "
                    "GROUP BY r.job_title ORDER BY r.job_title IS NULL, r.job_title LIMIT 1001");
  if (!ok) return 1;
  {
    auto start = Clock::now();
    int n = 0;
    while (Seconds(start) < 3) {
      for (int k = 0; k < 200; ++k, ++n) {
        Exec(pg, "begin");
        Exec(pg, "get", {tenant.c_str(), ids[static_cast<size_t>(n) % ids.size()].c_str()});
        Exec(pg, "commit");
      }
    }
    std::printf("raw_get_by_id_per_s %.0f\n", n / Seconds(start));
  }
  {
    std::vector<double> latencies;
    auto start = Clock::now();
    while (Seconds(start) < 3) {
      auto t0 = Clock::now();
      Exec(pg, "begin");
      Exec(pg, "list", {tenant.c_str(), "CTO"});
      Exec(pg, "commit");
      latencies.push_back(Seconds(t0) * 1000);
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("raw_list_per_s %.0f\nraw_list_p99_ms %.2f\n", latencies.size() / Seconds(start),
                latencies[latencies.size() * 99 / 100]);
  }
  {
    std::vector<double> latencies;
    auto start = Clock::now();
    while (Seconds(start) < 3 || latencies.size() < 5) {
      auto t0 = Clock::now();
      Exec(pg, "begin");
      Exec(pg, "aggregate", {tenant.c_str()});
      Exec(pg, "commit");
      latencies.push_back(Seconds(t0) * 1000);
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("raw_aggregate_p50_ms %.2f\n", latencies[latencies.size() / 2]);
  }
  {
    Exec(pg, nullptr, {"DROP TABLE IF EXISTS bench_people"});
    Exec(pg, nullptr, {"CREATE TABLE bench_people (LIKE people INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"});
    Exec(pg, nullptr, {"CREATE INDEX bench_ix1 ON bench_people (tenant_id, last_name NULLS FIRST, id)"});
    Exec(pg, nullptr, {"CREATE INDEX bench_ix2 ON bench_people (tenant_id, email NULLS FIRST, id)"});
    Exec(pg, nullptr, {"CREATE INDEX bench_ix3 ON bench_people (tenant_id, company_id NULLS FIRST, id)"});
    Exec(pg, nullptr, {"CREATE INDEX bench_ix7 ON bench_people (tenant_id, owner_id NULLS FIRST, id)"});
    Exec(pg, nullptr, {"CREATE INDEX bench_ix8 ON bench_people (tenant_id, updated_at, id)"});
    Exec(pg, nullptr, {"ALTER TABLE bench_people ADD PRIMARY KEY (tenant_id, id)"});
    if (!Prepare(pg, "insert",
                 "INSERT INTO bench_people (tenant_id, id, version, created_at, updated_at, created_by, owner_id, "
                 "first_name, last_name, email, phone, job_title, city, country, company_id) "
                 "VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")) {
      return 1;
    }
    const int n = 100000;
    auto start = Clock::now();
    Exec(pg, nullptr, {"BEGIN"});
    for (int i = 0; i < n; ++i) {
      std::string id = rapport::NewId();
      std::string now = "2026-11-25T10:00:00.000000Z";
      std::string email = fmt::format("raw{}@bench.example", i);
      std::string last = fmt::format("Raw{}", i % 5000);
      Exec(pg, "insert", {tenant.c_str(), id.c_str(), now.c_str(), now.c_str(), "u", "u", "Ada", last.c_str(),
                          email.c_str(), "+1 555 0100", "CTO", "Berlin", "DE", ids[0].c_str()});
    }
    Exec(pg, nullptr, {"COMMIT"});
    std::printf("raw_insert_per_s %.0f\n", n / Seconds(start));
    Exec(pg, nullptr, {"DROP TABLE bench_people"});
  }
  PQfinish(pg);
  return 0;
}

// The median of `runs` timed calls of `work` (after one untimed warm-up), in ms.
template <typename F>
double MedianMs(int runs, F work) {
  work();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    work();
    ms.push_back(Seconds(start) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

int Reports(const std::string& db_url, int opportunities, int activities) {
  namespace reports = rapport::reports;
  using rapport::records::AggregateFn;
  using rapport::records::Grouping;
  auto app = rapport::app::App::Open({.db_url = db_url});
  if (!app) return 1;
  auto tenant = (*app)->identity().ResolveTenant("");
  if (!tenant) return 1;
  auto admin = (*app)->identity().FindUserByEmail(*tenant, "admin@example.com");
  if (!admin) return 1;
  rapport::security::Principal principal{tenant->id, admin->id, true};
  auto& records = (*app)->records();
  auto& db = (*app)->db();
  auto fail = [](const rapport::Error& e) {
    std::fprintf(stderr, "%s\n", e.ToString().c_str());
    return 1;
  };
  auto snapshot = records.Metadata(principal);
  if (!snapshot) return fail(snapshot.error());
  const auto* deals = (*snapshot)->FindObject("opportunities");
  const auto* companies = (*snapshot)->FindObject("companies");
  auto col = [](const rapport::metadata::ObjectDef* o, const char* field) { return o->FindField(field)->column; };

  std::vector<std::string> company_ids;
  auto read = db.Read([&](rapport::storage::Connection& c) -> rapport::Status {
    std::vector<rapport::storage::Value> params = {principal.tenant_id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(fmt::format("SELECT id FROM {} WHERE tenant_id = ?", companies->table),
                                                params));
    for (const auto& row : rows.rows) company_ids.push_back(rapport::storage::TextOf(row[0]));
    return rapport::Ok();
  });
  if (!read) return fail(read.error());
  if (company_ids.empty()) company_ids.push_back("");

  rapport::app::SampleData data(23);
  std::mt19937_64 rng(29);
  std::vector<std::string> deal_ids;
  auto start = Clock::now();
  for (int done = 0; done < opportunities;) {
    rapport::records::BatchCommand batch{"opportunities", {}, true};
    for (int i = 0; i < 1000 && done < opportunities; ++i, ++done) {
      batch.items.push_back({.values = data.Opportunity(done + 1, company_ids[rng() % company_ids.size()], "")});
    }
    auto results = records.Batch(principal, batch);
    if (!results) return fail(results.error());
    for (auto& r : *results) deal_ids.push_back(r.outcome->id);
  }
  double deal_seconds = Seconds(start);
  // Activities added to a database seeded before go on its deals.
  if (deal_ids.empty() && activities > 0) {
    auto existing = db.Read([&](rapport::storage::Connection& c) -> rapport::Status {
      std::vector<rapport::storage::Value> params = {principal.tenant_id};
      return c.ForEach(fmt::format("SELECT id FROM {} WHERE tenant_id = ?", deals->table), params,
                       [&](std::span<const rapport::storage::Value> row) {
                         deal_ids.push_back(rapport::storage::TextOf(row[0]));
                         return true;
                       });
    });
    if (!existing) return fail(existing.error());
    if (deal_ids.empty()) return fail(rapport::Error(rapport::ErrorCode::kFailedPrecondition, "no deals to add activities to"));
  }
  start = Clock::now();
  for (int done = 0; done < activities;) {
    rapport::records::BatchCommand batch{"activities", {}, true};
    for (int i = 0; i < 1000 && done < activities; ++i, ++done) {
      batch.items.push_back({.values = data.Activity(done + 1, "opportunities", deal_ids[rng() % deal_ids.size()])});
    }
    auto results = records.Batch(principal, batch);
    if (!results) return fail(results.error());
  }
  double activity_seconds = Seconds(start);
  // The planner's statistics, as the server's maintenance takes them once a table has
  // doubled (storage/sqlite/statistics.h): the reports below run on its plans.
  start = Clock::now();
  if (auto refreshed = db.RefreshStatistics(); !refreshed) return fail(refreshed.error());
  // On PostgreSQL, autovacuum's part: a freshly loaded table has no visibility map and
  // no statistics for a while, and the first reads set every row's hint bits.
  if (db.dialect().name() == "postgresql") {
    PGconn* conn = PQconnectdb(db_url.c_str());
    PGresult* vacuum = PQexec(conn, "VACUUM (ANALYZE)");
    const bool vacuumed = PQresultStatus(vacuum) == PGRES_COMMAND_OK;
    PQclear(vacuum);
    PQfinish(conn);
    if (!vacuumed) return 1;
  }
  std::printf("report_statistics_ms %.0f\n", Seconds(start) * 1000);

  reports::ReportEngine& engine = (*app)->reports();
  // Every figure below is of results computed, but those said to be kept (at the end
  // of the dashboards): repeated runs would otherwise time the results kept of the first.
  (*app)->records().KeepResults(0);
  auto run = [&](const reports::ReportDefinition& d) {
    auto result = engine.Run(principal, d, {});
    if (!result) {
      std::fprintf(stderr, "%s\n", result.error().ToString().c_str());
      std::exit(1);
    }
  };
  auto raw = [&](const std::vector<std::string>& statements) {
    auto done = db.Read([&](rapport::storage::Connection& c) -> rapport::Status {
      for (const auto& sql : statements) {
        std::vector<rapport::storage::Value> params = {principal.tenant_id};
        RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
        if (rows.rows.empty()) return rapport::Fail(rapport::ErrorCode::kInternal, "no rows: " + sql);
      }
      return rapport::Ok();
    });
    if (!done) {
      std::fprintf(stderr, "%s\n", done.error().ToString().c_str());
      std::exit(1);
    }
  };
  const bool pg = db.dialect().name() == "postgresql";
  const std::string t = deals->table, stage = col(deals, "stage"), amount = col(deals, "amount"),
                    currency = deals->FindField("amount")->currency_column(), close = col(deals, "close_date");
  const std::string quarter =
      pg ? fmt::format("to_char({}::date, 'YYYY-\"Q\"Q')", close)
         : fmt::format("substr({0}, 1, 4) || '-Q' || ((CAST(substr({0}, 6, 2) AS INTEGER) + 2) / 3)", close);
  const std::string live = "tenant_id = ? AND deleted_at IS NULL";

  // A summary: deals by stage and quarter, with the stage subtotals and the total.
  reports::ReportDefinition summary{.type = reports::ReportType::kSummary, .object = "opportunities",
                                    .group_by = {{"stage", std::nullopt}, {"close_date", rapport::DatePart::kQuarter}},
                                    .aggregates = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}}};
  // Through a lookup: deals' amounts by their company's industry.
  reports::ReportDefinition related{.type = reports::ReportType::kSummary, .object = "opportunities",
                                    .group_by = {{"company.industry", std::nullopt}},
                                    .aggregates = {{AggregateFn::kSum, "amount"}}};
  // A dashboard: eight widgets, timed one by one and one after the other below, then
  // saved as a dashboard and run as the API runs one.
  std::vector<reports::ReportDefinition> widgets = {
      summary,
      {.type = reports::ReportType::kSummary, .object = "opportunities", .filter = "stage = \"won\"",
       .group_by = {{"close_date", rapport::DatePart::kMonth}}, .aggregates = {{AggregateFn::kSum, "amount"}}},
      {.type = reports::ReportType::kSummary, .object = "opportunities", .group_by = {{"company.name", std::nullopt}},
       .aggregates = {{AggregateFn::kSum, "amount"}}, .sort = "-sum(amount)", .limit = 10},
      {.type = reports::ReportType::kSummary, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
       .aggregates = {{AggregateFn::kAvg, "amount"}, {AggregateFn::kMedian, "amount"}}},
      {.type = reports::ReportType::kMatrix, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
       .across = {{"pipeline", std::nullopt}}, .aggregates = {{AggregateFn::kCount, ""}}},
      related,
      {.type = reports::ReportType::kSummary, .object = "activities", .group_by = {{"type", std::nullopt}},
       .aggregates = {{AggregateFn::kCount, ""}}},
      {.type = reports::ReportType::kSummary, .object = "activities", .filter = "done = true",
       .group_by = {{"due_at", rapport::DatePart::kMonth}}, .aggregates = {{AggregateFn::kCount, ""}}},
  };
  // The same eight as a dashboard, run as the API runs one (its widgets side by side).
  rapport::reports::Dashboard board{.name = "Bench"};
  for (size_t i = 0; i < widgets.size(); ++i) {
    auto saved = (*app)->saved_reports().Create(principal, {.name = fmt::format("Widget {}", i + 1), .definition = widgets[i]});
    if (!saved) return fail(saved.error());
    board.widgets.push_back({.report_id = saved->id, .x = 0, .y = static_cast<int>(i) * 4});
  }
  auto created_board = (*app)->dashboards().Create(principal, board);
  if (!created_board) return fail(created_board.error());
  // Runs a dashboard as the API runs one; any widget's error ends the bench.
  auto run_dashboard = [&](const std::string& id) {
    auto ran = (*app)->dashboards().Run(principal, id, std::nullopt);
    if (!ran) {
      std::fprintf(stderr, "%s\n", ran.error().ToString().c_str());
      std::exit(1);
    }
    for (const auto& w : ran->widgets) {
      if (w.error) {
        std::fprintf(stderr, "%s\n", w.error->ToString().c_str());
        std::exit(1);
      }
    }
  };
  std::function<void()> run_board = [&, id = created_board->id] { run_dashboard(id); };
  // The workspace's own Sales dashboard (every new workspace has it): eight widgets over
  // this quarter, its four KPI tiles each with the quarter before for their trend.
  auto boards = (*app)->dashboards().List(principal);
  if (!boards) return fail(boards.error());
  auto sales = std::find_if(boards->begin(), boards->end(), [](const auto& b) { return b.name == "Sales"; });
  if (sales == boards->end()) return fail(rapport::Error(rapport::ErrorCode::kNotFound, "no Sales dashboard"));
  auto run_sales = [&, id = sales->id] { run_dashboard(id); };
  // BENCH_PROFILE=N: only the summary (BENCH_PROFILE_DASHBOARD=1: the dashboard above;
  // =sales: the Sales dashboard; =1,3,4: a dashboard of those of its widgets;
  // BENCH_PROFILE_WIDGET=K: its widget K alone), N times (for a profiler), then stop.
  if (const char* profile = std::getenv("BENCH_PROFILE")) {
    const char* board_choice = std::getenv("BENCH_PROFILE_DASHBOARD");
    if (board_choice && std::string_view(board_choice).find(',') != std::string_view::npos) {
      rapport::reports::Dashboard some{.name = fmt::format("Widgets {}", board_choice)};
      for (std::string_view rest = board_choice; !rest.empty();) {
        size_t comma = std::min(rest.find(','), rest.size());
        size_t k = static_cast<size_t>(std::atoi(std::string(rest.substr(0, comma)).c_str()));
        if (k < 1 || k > widgets.size()) {
          return fail(rapport::Error(rapport::ErrorCode::kInvalidArgument, "BENCH_PROFILE_DASHBOARD: widgets 1 to 8"));
        }
        some.widgets.push_back(board.widgets[k - 1]);
        rest.remove_prefix(std::min(comma + 1, rest.size()));
      }
      auto made = (*app)->dashboards().Create(principal, some);
      if (!made) return fail(made.error());
      run_board = [&, id = made->id] { run_dashboard(id); };
    }
    const char* widget_choice = std::getenv("BENCH_PROFILE_WIDGET");
    const size_t widget = widget_choice ? static_cast<size_t>(std::atoi(widget_choice)) : 0;
    if (widget_choice && (widget < 1 || widget > widgets.size())) {
      return fail(rapport::Error(rapport::ErrorCode::kInvalidArgument, "BENCH_PROFILE_WIDGET: 1 to 8"));
    }
    const bool dashboard = board_choice != nullptr;
    const bool sales_board = dashboard && std::string_view(board_choice) == "sales";
    for (int i = 0, n = std::atoi(profile); i < n; ++i) {
      auto began = Clock::now();
      if (widget > 0) run(widgets[widget - 1]);
      else if (sales_board) run_sales();
      else if (dashboard) run_board();
      else run(summary);
      std::fprintf(stderr, "run %d: %.0f ms\n", i + 1, Seconds(began) * 1000);
    }
    return 0;
  }
  double summary_ms = MedianMs(5, [&] { run(summary); });
  // The hand-written SQL: the statement of the report's rows alone (its subtotals and
  // total are extra work the engine does and this does not).
  double summary_raw_ms = MedianMs(5, [&] {
    raw({fmt::format("SELECT {0}, {1}, {2}, COUNT(*), SUM({3}) FROM {4} WHERE {5} GROUP BY {0}, {1}, {2}", stage,
                     quarter, currency, amount, t, live)});
  });
  // The same summary in the workspace's currency (USD): every deal's EUR amount at the
  // rate of its close date's month (a rate a month over five years), then at today's.
  for (int month = 0; month < 60; ++month) {
    auto set = (*app)->exchange_rates().Set(principal, "EUR", fmt::format("{}-{:02}-01", 2023 + month / 12, month % 12 + 1),
                                            fmt::format("1.{:06}", 50'000 + month * 1'234));
    if (!set) return fail(set.error());
  }
  reports::ReportDefinition converted = summary;
  converted.convert = rapport::records::AggregateQuery::Conversion{"close_date"};
  double converted_ms = MedianMs(5, [&] { run(converted); });
  converted.convert->rate_date.clear();
  double converted_today_ms = MedianMs(5, [&] { run(converted); });
  double related_ms = MedianMs(5, [&] { run(related); });
  const std::string industry = col(companies, "industry");
  double related_raw_ms = MedianMs(5, [&] {
    std::string join = fmt::format("{0} d LEFT JOIN {1} c ON c.tenant_id = d.tenant_id AND c.id = d.{2} AND "
                                   "c.deleted_at IS NULL WHERE d.tenant_id = ? AND d.deleted_at IS NULL",
                                   t, companies->table, col(deals, "company_id"));
    raw({fmt::format("SELECT c.{0}, d.{1}, SUM(d.{2}) FROM {3} GROUP BY c.{0}, d.{1}", industry, currency, amount, join)});
  });

  for (size_t i = 0; i < widgets.size(); ++i) {
    std::printf("report_widget%zu_ms %.0f\n", i + 1, MedianMs(3, [&] { run(widgets[i]); }));
  }
  double dashboard_ms = MedianMs(3, [&] {
    for (const auto& w : widgets) run(w);
  });
  double dashboard_api_ms = MedianMs(3, run_board);
  double sales_dashboard_ms = MedianMs(3, run_sales);
  std::printf("report_dashboard_api_ms %.0f\nreport_sales_dashboard_ms %.0f\n", dashboard_api_ms, sales_dashboard_ms);
  // With results kept until their data changes (as `rapport serve` runs by default):
  // both dashboards viewed again with nothing changed; then the dashboard of eight
  // after one activity is logged, each time (its two activity charts grown by the new
  // activity alone, its six over deals kept).
  (*app)->records().KeepResults(64u << 20);
  run_board();
  run_sales();
  double kept_ms = MedianMs(3, run_board);
  double kept_sales_ms = MedianMs(3, run_sales);
  std::vector<double> after_write;
  for (int i = 0; i < 3; ++i) {
    auto logged = (*app)->records().Create(
        principal, {"activities", {{"subject", InputValue::String("Bench call")}, {"type", InputValue::String("call")}}});
    if (!logged) return fail(logged.error());
    auto began = Clock::now();
    run_board();
    after_write.push_back(Seconds(began) * 1000);
  }
  std::sort(after_write.begin(), after_write.end());
  // Then after a deal's stage changes, each time: the six charts over deals computed
  // again (not an append), the two over activities kept.
  std::string changed_deal = deal_ids.empty() ? std::string() : deal_ids.front();
  if (changed_deal.empty()) {
    auto one = db.Read([&](rapport::storage::Connection& c) -> rapport::Status {
      std::vector<rapport::storage::Value> params = {principal.tenant_id};
      RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(fmt::format("SELECT MIN(id) FROM {} WHERE tenant_id = ?", t), params));
      changed_deal = rapport::storage::TextOf(rows.rows.at(0).at(0));
      return rapport::Ok();
    });
    if (!one) return fail(one.error());
  }
  std::vector<double> after_update;
  for (int i = 0; i < 3; ++i) {
    auto changed = (*app)->records().Update(
        principal, {"opportunities", changed_deal, {{"stage", InputValue::String(i % 2 ? "won" : "negotiation")}}, std::nullopt});
    if (!changed) return fail(changed.error());
    auto began = Clock::now();
    run_board();
    after_update.push_back(Seconds(began) * 1000);
  }
  std::sort(after_update.begin(), after_update.end());
  (*app)->records().KeepResults(0);
  std::printf("report_dashboard_kept_ms %.1f\nreport_sales_dashboard_kept_ms %.1f\nreport_dashboard_after_activity_ms %.0f\n"
              "report_dashboard_after_deal_update_ms %.0f\n",
              kept_ms, kept_sales_ms, after_write[1], after_update[1]);
  std::fflush(stdout);
  std::fprintf(stderr, "summary %.0f ms (raw %.0f), converted %.0f / %.0f, related %.0f (raw %.0f), dashboard %.0f ms "
               "(as the API runs it %.0f ms)\n", summary_ms, summary_raw_ms, converted_ms, converted_today_ms, related_ms,
               related_raw_ms, dashboard_ms, dashboard_api_ms);

  // KPIs over this year (and the year before, for the trend): the win rate against the
  // same two counts by hand, then the whole catalogue one KPI after the other.
  rapport::reports::Kpis& kpis = (*app)->kpis();
  auto kpi = [&](std::string_view key) {
    auto result = kpis.Compute(principal, key, {.period = "this_year"});
    if (!result) {
      std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(key.size()), key.data(), result.error().ToString().c_str());
      std::exit(1);
    }
    return *result;
  };
  const rapport::reports::KpiResult year = kpi("win_rate");
  double kpi_win_ms = MedianMs(5, [&] { kpi("win_rate"); });
  double kpi_win_raw_ms = MedianMs(5, [&] {
    std::vector<std::string> statements;
    for (rapport::DayRange days : {year.period, year.previous_period}) {
      statements.push_back(fmt::format("SELECT {0}, COUNT(*) FROM {1} WHERE {2} AND {0} IN ('won', 'lost') AND "
                                       "{3} >= '{4}' AND {3} < '{5}' GROUP BY {0} UNION ALL SELECT '', 0",
                                       stage, t, live, close, rapport::FormatDate(days.first),
                                       rapport::FormatDate(days.end)));
    }
    raw(statements);
  });
  size_t kpi_count = 0;
  double kpis_ms = MedianMs(3, [&] {
    kpi_count = 0;
    for (const auto& info : rapport::reports::KpiCatalogue()) {
      if (info.object != "opportunities" && info.object != "leads" && info.object != "activities") continue;
      if (info.key == "forecast_accuracy") continue;  // reads snapshots, taken below
      kpi(info.key);
      ++kpi_count;
    }
  });
  std::printf("report_kpi_win_rate_ms %.0f\nreport_kpi_win_rate_raw_ms %.0f\nreport_kpis_ms %.0f\nreport_kpis %zu\n",
              kpi_win_ms, kpi_win_raw_ms, kpis_ms, kpi_count);

  // A scheduled report's mail for one recipient, short of the SMTP round trip: the
  // summary run as them, as a workbook, in a MIME message.
  double mail_ms = MedianMs(3, [&] {
    auto file = rapport::reports::ReportXlsx(engine, principal, summary, true);
    if (!file) {
      std::fprintf(stderr, "%s\n", file.error().ToString().c_str());
      std::exit(1);
    }
    auto message = rapport::mail::Render({.from = {"reports@bench.example", ""}, .to = {{"ada@bench.example", "Ada"}},
                                          .subject = "Deals by stage", .text = "Totals",
                                          .attachments = {{"deals.xlsx", "application/octet-stream", file->bytes}}},
                                         0);
    if (!message) std::exit(1);
  });
  std::printf("report_mail_ms %.0f\n", mail_ms);

  // Saving the top 10 accounts (a report over every deal) and drilling into one of its
  // groups: each checks the definition as running it would, without running it.
  std::vector<std::string> saved_ids;
  double save_ms = MedianMs(3, [&] {
    auto saved = (*app)->saved_reports().Create(principal, {.name = "Top accounts", .definition = widgets[2]});
    if (!saved) {
      std::fprintf(stderr, "%s\n", saved.error().ToString().c_str());
      std::exit(1);
    }
    saved_ids.push_back(saved->id);
  });
  for (const auto& id : saved_ids) {
    if (auto deleted = (*app)->saved_reports().Delete(principal, id); !deleted) return fail(deleted.error());
  }
  double drill_ms = MedianMs(3, [&] {
    auto drill = engine.Drill(principal, widgets[2], {{"company.name", rapport::records::FieldValue{std::string("Bench")}}});
    if (!drill) {
      std::fprintf(stderr, "%s\n", drill.error().ToString().c_str());
      std::exit(1);
    }
  });
  std::printf("report_save_ms %.1f\nreport_drill_ms %.1f\n", save_ms, drill_ms);

  // A day's snapshot of the open pipeline (stage, amount, close date) through the
  // record engine, as the job takes it; then the same day again (every copy an upsert
  // that finds its row).
  auto& snapshots = (*app)->snapshots();
  // A database the bench ran on before has the definition already: it is taken again.
  auto existing = snapshots.List(principal);
  if (!existing) return fail(existing.error());
  auto found = std::find_if(existing->begin(), existing->end(), [](const auto& s) { return s.name == "Open pipeline"; });
  auto pipeline = found != existing->end()
                      ? rapport::Result<rapport::reports::SnapshotDefinition>(*found)
                      : snapshots.Create(principal, {.name = "Open pipeline", .source = "opportunities",
                                                     .filter = "stage not in (\"won\", \"lost\")",
                                                     .fields = {"stage", "amount", "close_date"}});
  if (!pipeline) {
    std::fprintf(stderr, "snapshot: %s\n", pipeline.error().ToString().c_str());
    std::exit(1);
  }
  int64_t snapshot_rows = 0;
  auto take = [&] {
    auto taken = snapshots.RunNow(principal, pipeline->id);
    if (!taken) {
      std::fprintf(stderr, "snapshot: %s\n", taken.error().ToString().c_str());
      std::exit(1);
    }
    snapshot_rows = taken->rows;
  };
  double snapshot_ms = MedianMs(1, take);
  double snapshot_again_ms = MedianMs(1, take);
  std::printf("report_snapshot_rows %lld\nreport_snapshot_ms %.0f\nreport_snapshot_again_ms %.0f\n",
              static_cast<long long>(snapshot_rows), snapshot_ms, snapshot_again_ms);
  // The tables' sizes, seeded now or before.
  int64_t deal_count = 0, activity_count = 0;
  auto counted = db.Read([&](rapport::storage::Connection& c) -> rapport::Status {
    for (auto [table, into] : {std::pair{deals->table, &deal_count},
                               std::pair{(*snapshot)->FindObject("activities")->table, &activity_count}}) {
      std::vector<rapport::storage::Value> params = {principal.tenant_id};
      RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", table, live), params));
      *into = rapport::storage::IntOf(rows.rows.at(0).at(0));
    }
    return rapport::Ok();
  });
  if (!counted) return fail(counted.error());
  std::printf("report_deals %lld\nreport_activities %lld\nreport_seed_deals_per_s %.0f\nreport_seed_activities_per_s %.0f\n"
              "report_summary_ms %.0f\nreport_summary_raw_ms %.0f\nreport_related_ms %.0f\nreport_related_raw_ms %.0f\n"
              "report_dashboard_ms %.0f\nreport_converted_ms %.0f\nreport_converted_today_ms %.0f\n",
              static_cast<long long>(deal_count), static_cast<long long>(activity_count),
              opportunities > 0 ? opportunities / deal_seconds : 0.0,
              activities > 0 ? activities / activity_seconds : 0.0, summary_ms, summary_raw_ms, related_ms,
              related_raw_ms, dashboard_ms, converted_ms, converted_today_ms);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "seed") return Seed(argv[2], argv[3], std::stoi(argv[4]));
  if (argc >= 4 && std::string(argv[1]) == "raw-pg") return RawPostgres(argv[2], argv[3]);
  if (argc >= 3 && std::string(argv[1]) == "raw") return Raw(argv[2]);
  if (argc >= 3 && std::string(argv[1]) == "access") return Access(argv[2]);
  if (argc >= 5 && std::string(argv[1]) == "reports") return Reports(argv[2], std::stoi(argv[3]), std::stoi(argv[4]));
  std::fprintf(stderr, "usage: bench_tool seed DIR PEOPLE | raw DIR\n");
  return 2;
}
