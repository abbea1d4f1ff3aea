// Runs compiled SQL on a real SQLite database and checks that (1) the in-memory
// evaluator selects exactly the same rows for every expression, and (2) keyset
// pagination returns every row exactly once, in ORDER BY order.
#include <fmt/format.h>
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "query/expression.h"
#include "query/sort.h"
#include "query/test_schema.h"

namespace rapport::query {
namespace {

using storage::Null;
using storage::Value;

constexpr char kUser[] = "018f3c1e-0000-7000-8000-000000000001";
constexpr char kOtherUser[] = "018f3c1e-0000-7000-8000-000000000099";

std::string Uuid(int n) { return fmt::format("00000000-0000-7000-8000-{:012d}", n); }
std::string CompanyId(int n) { return fmt::format("00000000-0000-7000-9000-{:012d}", n); }

using Row = std::map<std::string, Value>;  // column → stored value

class Db {
 public:
  Db() { EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  ~Db() { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "") << "\n" << sql;
  }

  void Insert(const std::string& table, const Row& row) {
    std::string columns, marks;
    std::vector<Value> params;
    for (const auto& [column, value] : row) {
      columns += (columns.empty() ? "\"" : ", \"") + column + "\"";
      marks += marks.empty() ? "?" : ", ?";
      params.push_back(value);
    }
    Query(fmt::format("INSERT INTO {} ({}) VALUES ({})", table, columns, marks), params);
  }

  // All result rows; each row's cells as Values.
  std::vector<std::vector<Value>> Query(const std::string& sql, const std::vector<Value>& params) {
    std::vector<std::vector<Value>> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_) << "\n" << sql;
      return rows;
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const Value& v = params[i];
      if (const auto* n = std::get_if<int64_t>(&v)) {
        sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        sqlite3_bind_double(stmt, index, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(stmt, index);
      }
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<Value> row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: row.emplace_back(int64_t{sqlite3_column_int64(stmt, c)}); break;
          case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(stmt, c)); break;
          case SQLITE_NULL: row.emplace_back(Null{}); break;
          default:
            row.emplace_back(std::string(
                reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db_) << "\n" << sql;
    sqlite3_finalize(stmt);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Picks element `i * stride` (mod size): spreads values so columns vary independently.
template <typename T>
Value Pick(const std::vector<T>& values, int i, int stride) {
  return Value(values[static_cast<size_t>(i * stride) % values.size()]);
}

class QuerySqliteTest : public ::testing::Test {
 protected:
  QuerySqliteTest() : snapshot_(testing::MakeSnapshot()), deals_(*snapshot_.FindObject("deals")) {
    context_.user_id = kUser;
    context_.now = *ParseDatetime("2026-01-15T10:30:00Z");
    CreateSchema();
    InsertCompanies();
    InsertDeals();
  }

  void CreateSchema() {
    for (const metadata::ObjectDef& object : snapshot_.objects()) {
      std::string columns = "\"tenant_id\" TEXT NOT NULL, \"deleted_at\" TEXT";
      for (const metadata::FieldDef& f : object.fields) {
        columns += fmt::format(", \"{}\" {}", f.column,
                               dialect_.ColumnTypeSql(metadata::ColumnTypeFor(f.type)));
        if (f.type == metadata::FieldType::kId) columns += " PRIMARY KEY";
        if (f.type == metadata::FieldType::kCurrency) {
          columns += fmt::format(", \"{}\" TEXT", f.currency_column());
        }
      }
      db_.Exec(fmt::format("CREATE TABLE \"{}\" ({})", object.table, columns));
    }
  }

  void InsertCompanies() {
    struct C { int n; const char* tenant; Value industry; Value name; Value employees; Value founded; bool deleted; };
    const std::vector<C> companies = {
        {1, "t1", "Retail", "Acme Holdings", int64_t{500}, "1990-05-01", false},
        {2, "t1", "retail", "Beta", int64_t{50}, "2005-01-01", false},
        {3, "t1", "Tech", "alpha", int64_t{100}, Null{}, false},
        {4, "t1", Null{}, Null{}, Null{}, "1999-12-31", false},
        {5, "t1", "Retail", "Deleted Co", int64_t{1000}, "1980-01-01", true},
        {6, "t2", "Retail", "Other tenant", int64_t{7}, "2000-01-01", false},
    };
    for (const C& c : companies) {
      Row row = {{"id", CompanyId(c.n)}, {"tenant_id", c.tenant}, {"industry", c.industry},
                 {"name", c.name}, {"employees", c.employees}, {"founded", c.founded}};
      if (c.deleted) row["deleted_at"] = "2026-01-01T00:00:00.000000Z";
      db_.Insert("companies", row);
      companies_[CompanyId(c.n)] = row;
    }
  }

  void InsertDeals() {
    const std::vector<Value> names = {
        "Acme Corp", "acme", "ACME widgets", "Beta Inc.", Null{}, "beta", "50% off",
        "under_score", "back\\slash", "Zeta", "", "\xc3\xa9mile", "\xc3\x89mile", "M", "m",
        "a%b", "a_b", "Mixed CaSe", "quote\"d", "it's", "Acme%", "axb", Null{}};
    const std::vector<Value> notes = {Null{}, "100% sure", "under_score", "1000 sure",
                                      "back\\slash", "multi\nline", "URGENT: call"};
    const std::vector<Value> emails = {Null{}, "a@example.com", "b@EXAMPLE.COM",
                                       "c@example.org", "", "x@example.com.au"};
    const std::vector<Value> phones = {Null{}, "+1 555", "+44 20", "555"};
    const std::vector<Value> websites = {Null{}, "https://a.com", "http://b.com", "HTTPS://C.COM"};
    const std::vector<Value> amounts = {Null{}, int64_t{0}, int64_t{10000000}, int64_t{9999999},
                                        int64_t{10000001}, int64_t{-10000},
                                        int64_t{5000000000}, int64_t{10000}};
    const std::vector<Value> quantities = {Null{}, int64_t{0}, int64_t{1}, int64_t{-5},
                                           int64_t{100}, INT64_MAX, int64_t{2}};
    const std::vector<Value> discounts = {Null{}, int64_t{125000}, int64_t{0}, int64_t{1000000}};
    const std::vector<Value> scores = {Null{}, int64_t{-1}, int64_t{0}, int64_t{1},
                                       int64_t{50000}};
    const std::vector<Value> actives = {Null{}, int64_t{0}, int64_t{1}};
    const std::vector<Value> close_dates = {"2025-12-01", "2026-01-01", "2026-01-15",
                                            "2026-01-16", "2026-03-31", "2026-04-01",
                                            Null{}, "1999-12-31", "2026-01-08"};
    const std::vector<Value> closed_ats = {
        "2026-01-15T10:30:00.000000Z", "2026-01-14T23:59:59.999999Z",
        "2026-01-01T00:00:00.000000Z", "2025-12-16T10:30:00.000000Z",
        "2025-12-16T10:29:59.999999Z", Null{}, "2026-02-01T08:00:00.000000Z",
        "2026-01-15T00:00:00.000000Z"};
    const std::vector<Value> stages = {Null{}, "new", "negotiation", "won", "lost"};
    const std::vector<Value> tags = {Null{}, ";hot;", ";cold;hot;", ";vip;", ";a_b;",
                                     ";axb;", ";cold;", ";HOT;", ";hot;vip;"};
    const std::vector<Value> company_ids = {CompanyId(1), CompanyId(2), CompanyId(3),
                                            CompanyId(4), CompanyId(5), CompanyId(6),
                                            Null{}, CompanyId(77)};
    const std::vector<Value> owners = {std::string(kUser), std::string(kOtherUser), Null{}};
    for (int i = 0; i < 32; ++i) {
      Row row = {
          {"id", Uuid(i)},
          {"tenant_id", i % 8 == 5 ? "t2" : "t1"},
          {"name", Pick(names, i, 1)},
          {"notes", Pick(notes, i, 3)},
          {"email", Pick(emails, i, 5)},
          {"phone", Pick(phones, i, 3)},
          {"website", Pick(websites, i, 5)},
          {"amount", Pick(amounts, i, 3)},
          {"amount_currency", i % 2 ? "USD" : "EUR"},
          {"quantity", Pick(quantities, i, 5)},
          {"discount", Pick(discounts, i, 3)},
          {"score", Pick(scores, i, 7)},
          {"active", Pick(actives, i, 1)},
          {"close_date", Pick(close_dates, i, 5)},
          {"closed_at", Pick(closed_ats, i, 3)},
          {"stage", Pick(stages, i, 3)},
          {"tags", Pick(tags, i, 5)},
          {"company_id", Pick(company_ids, i, 1)},
          {"owner_id", Pick(owners, i, 1)},
      };
      db_.Insert("deals", row);
      deals_rows_.push_back(std::move(row));
    }
  }

  // What a record engine would hand the evaluator: stored values by field path, with
  // relation paths following the lookup within the tenant and skipping deleted rows.
  Value Read(const Row& row, std::string_view path) const {
    const size_t dot = path.find('.');
    if (dot == std::string_view::npos) {
      return row.at(deals_.FindField(path)->column);
    }
    const metadata::FieldDef* lookup = deals_.FindRelation(path.substr(0, dot));
    const Value& target_id = row.at(lookup->column);
    if (storage::IsNull(target_id)) return Null{};
    auto it = companies_.find(std::get<std::string>(target_id));
    if (it == companies_.end()) return Null{};
    const Row& target = it->second;
    if (target.count("deleted_at") || target.at("tenant_id") != row.at("tenant_id")) {
      return Null{};
    }
    const metadata::FieldDef* field =
        snapshot_.FindObject(lookup->target)->FindField(path.substr(dot + 1));
    return target.at(field->column);
  }

  std::set<std::string> SqlIds(const SqlFragment& where) {
    std::set<std::string> ids;
    for (const auto& row : db_.Query("SELECT r.\"id\" FROM \"deals\" r WHERE " + where.sql,
                                     where.params)) {
      ids.insert(std::get<std::string>(row[0]));
    }
    return ids;
  }

  metadata::MetadataSnapshot snapshot_;
  const metadata::ObjectDef& deals_;
  testing::SqliteTestDialect dialect_;
  CompileContext context_;
  Db db_;
  std::map<std::string, Row> companies_;
  std::vector<Row> deals_rows_;
};

const std::vector<std::string>& AgreementExpressions() {
  static const std::vector<std::string> expressions = {
      // Text, matching and escaping.
      "name ~ \"acme\"", "name ~ \"ACME\"", "name ~ \"%\"", "name ~ \"_\"", "name ~ \"\\\\\"",
      "name ~ \"\"", "name ~ \"a%\"", "name ~ \"a_b\"", "name starts_with \"a\"",
      "name ends_with \"INC.\"", "name ~ \"\xc3\xa9\"", "name ~ \"\xc3\x89mile\"",
      "name ~ \"quote\\\"\"", "name ~ \"it's\"",
      "name = \"Acme Corp\"", "name = \"acme corp\"", "name != \"acme\"", "name < \"M\"",
      "name >= \"m\"", "name between \"B\" and \"a\"", "name in (\"acme\", \"Beta Inc.\", \"\")",
      "name not in (\"acme\", \"beta\")", "name is null", "name is not null", "name = \"\"",
      "not name ~ \"a\"", "notes ~ \"100%\"", "notes ~ \"under_score\"", "notes ~ \"\\\\\"",
      "notes ~ \"urgent\"", "notes is null or notes ~ \"sure\"",
      "email ends_with \"@example.com\" or phone is null", "email ends_with \"example.com\"",
      "email = \"\"", "phone starts_with \"+\"", "website ~ \"https\"", "website !=\"http://b.com\"",
      // Numbers.
      "amount >= 1000", "amount > 1000", "amount = 999.9999", "amount between 0 and 1000",
      "amount < 0", "amount != 1000", "not amount > 1", "amount in (1, 0, -1)",
      "quantity = 9223372036854775807", "quantity <= 0", "quantity != -5",
      "quantity in (0, 1, 2) or quantity is null", "discount = 12.5", "discount >= 100",
      "score > -0.0001", "score between -1 and 1", "not (score < 5)",
      // Booleans.
      "active = true", "active = false", "active != true", "not active = false",
      "active is null",
      // Dates and datetimes.
      "close_date between 2026-01-01 and 2026-03-31", "close_date < today()",
      "close_date >= today() - 1w", "close_date = today()", "close_date > today() + 1d",
      "close_date != 2026-01-15", "close_date < 2000-01-01 or close_date is null",
      "closed_at > now() - 30d", "closed_at >= now() - 30d", "closed_at >= now()",
      "closed_at < today()", "closed_at >= 2026-01-15", "closed_at < 2026-01-15T00:00:00.000001Z",
      "closed_at between 2026-01-01 and now()", "closed_at > now() - 10h - 30m",
      "not closed_at < 2026-01-01",
      // Picklists.
      "stage in (\"won\", \"negotiation\")", "stage != \"won\"", "stage not in (\"won\", \"lost\")",
      "stage = \"won\" or stage is null", "stage > \"negotiation\"", "stage ~ \"o\"",
      "tags = \"hot\"", "tags in (\"hot\", \"vip\")", "tags != \"hot\"", "tags = \"a_b\"",
      "tags is null", "not tags in (\"cold\")", "tags = \"vip\" and tags = \"hot\"",
      // Lookups and ids.
      "company.industry = \"Retail\"", "company.industry != \"Retail\"",
      "company.industry ~ \"tail\"", "company.industry is null",
      "company.industry is not null", "company.employees > 100",
      "company.name starts_with \"a\"", "company.founded < 2000-01-01",
      "not company.industry = \"Retail\"", "company.employees not in (50, 500)",
      "owner_id = me()", "owner_id != me()", "company_id is null",
      "company_id = \"00000000-0000-7000-9000-000000000001\"",
      "id in (\"00000000-0000-7000-8000-000000000003\", \"00000000-0000-7000-8000-000000000004\")",
      "id > \"00000000-0000-7000-8000-000000000020\"",
      // Combinations.
      "amount >= 1000 and stage in (\"won\", \"negotiation\")",
      "owner_id = me() and not (stage = \"lost\")",
      "not (amount > 5 or name ~ \"a\")", "not (amount > 5 and (name ~ \"a\" or active = true))",
      "(stage = \"new\" or tags = \"hot\") and not company.industry ~ \"retail\"",
      "not (not (quantity = 1) or not (active = true))",
  };
  return expressions;
}

TEST_F(QuerySqliteTest, EvaluatorAgreesWithSqlite) {
  size_t nonempty = 0, partial = 0;
  for (const std::string& text : AgreementExpressions()) {
    SCOPED_TRACE(text);
    auto bound = ParseAndBind(text, deals_, snapshot_);
    ASSERT_TRUE(bound.has_value()) << bound.error().detail();
    auto sql = CompileToSql(*bound, dialect_, context_);
    ASSERT_TRUE(sql.has_value()) << sql.error().detail();
    const std::set<std::string> from_sql = SqlIds(*sql);
    std::set<std::string> from_eval;
    for (const Row& row : deals_rows_) {
      auto match = Evaluate(
          *bound, [&](std::string_view path) { return Read(row, path); }, context_);
      ASSERT_TRUE(match.has_value()) << match.error().detail();
      if (*match) from_eval.insert(std::get<std::string>(row.at("id")));
    }
    EXPECT_EQ(from_sql, from_eval) << sql->sql;
    nonempty += !from_sql.empty();
    partial += !from_sql.empty() && from_sql.size() < deals_rows_.size();
  }
  // Guard against a vacuous test: most expressions select some but not all rows.
  EXPECT_GT(partial, AgreementExpressions().size() * 3 / 4);
  EXPECT_GE(AgreementExpressions().size(), 80u);
}

// Pages through `deals` (optionally filtered) with keyset cursors and returns the ids
// in page order. `insert_after_page` inserts a fresh row once that page is read.
std::vector<std::string> Paginate(QuerySqliteTest* t, Db& db, const std::vector<SortKey>& keys,
                                  const storage::SqlDialect& dialect, const SqlFragment* filter,
                                  size_t limit, int insert_after_page = -1) {
  std::string select = "SELECT ";
  for (const std::string& column : SortColumns(keys)) {
    select += (select.size() > 7 ? ", r.\"" : "r.\"") + column + "\"";
  }
  // `id` is always the last sort column.
  select += " FROM \"deals\" r WHERE ";
  std::vector<std::string> ids;
  std::optional<std::string> cursor;
  for (int page = 0; page < 100; ++page) {
    std::string where = filter ? filter->sql : "1 = 1";
    std::vector<Value> params = filter ? filter->params : std::vector<Value>{};
    if (cursor) {
      auto values = DecodeCursor(*cursor, keys);
      EXPECT_TRUE(values.has_value());
      if (!values) return ids;
      SqlFragment after = KeysetPredicate(keys, *values, dialect, "r");
      where = "(" + where + ") AND " + after.sql;
      params.insert(params.end(), after.params.begin(), after.params.end());
    }
    auto rows = db.Query(fmt::format("{}{} ORDER BY {} LIMIT {}", select, where,
                                     OrderBySql(keys, dialect, "r"), limit),
                         params);
    for (const auto& row : rows) ids.push_back(std::get<std::string>(row.back()));
    if (page == insert_after_page) {
      // A concurrent insert that sorts anywhere must not shift later pages.
      static int inserted = 0;
      db.Insert("deals", {{"id", Uuid(900 + inserted++)}, {"tenant_id", "t1"}, {"name", "Aaa new"},
                          {"amount", int64_t{10000000}}});
    }
    if (rows.size() < limit) break;
    cursor = EncodeCursor(rows.back());
  }
  (void)t;
  return ids;
}

TEST_F(QuerySqliteTest, KeysetPaginationVisitsEveryRowOnceInOrder) {
  const std::vector<std::string> specs = {
      "",           "name",          "-name",          "-amount",       "-amount,name",
      "close_date,-quantity",        "stage,-closed_at", "-active,score,-discount",
      "company_id", "-email,phone",  "-id",            "website,-name,quantity"};
  const std::vector<std::string> filters = {"", "amount >= 0 or name ~ \"a\""};
  for (const std::string& spec : specs) {
    for (const std::string& filter_text : filters) {
      for (size_t limit : {1u, 3u, 7u}) {
        SCOPED_TRACE(fmt::format("sort={} filter={} limit={}", spec, filter_text, limit));
        auto keys = ParseSort(spec, deals_);
        ASSERT_TRUE(keys.has_value()) << keys.error().detail();
        std::optional<SqlFragment> filter;
        if (!filter_text.empty()) {
          auto bound = ParseAndBind(filter_text, deals_, snapshot_);
          ASSERT_TRUE(bound.has_value());
          filter = *CompileToSql(*bound, dialect_, context_);
        }
        std::vector<std::string> expected;
        for (const auto& row : db_.Query(
                 fmt::format("SELECT r.\"id\" FROM \"deals\" r WHERE {} ORDER BY {}",
                             filter ? filter->sql : "1 = 1", OrderBySql(*keys, dialect_, "r")),
                 filter ? filter->params : std::vector<Value>{})) {
          expected.push_back(std::get<std::string>(row[0]));
        }
        ASSERT_GT(expected.size(), 10u);
        EXPECT_EQ(Paginate(this, db_, *keys, dialect_, filter ? &*filter : nullptr, limit),
                  expected);
      }
    }
  }
}

TEST_F(QuerySqliteTest, KeysetPaginationIsStableUnderInserts) {
  for (const std::string spec : {"-amount,name", "name", "-name"}) {
    SCOPED_TRACE(spec);
    auto keys = ParseSort(spec, deals_);
    ASSERT_TRUE(keys.has_value());
    std::vector<std::string> before;
    for (const auto& row : db_.Query("SELECT r.\"id\" FROM \"deals\" r", {})) {
      before.push_back(std::get<std::string>(row[0]));
    }
    std::vector<std::string> seen = Paginate(this, db_, *keys, dialect_, nullptr, 3,
                                             /*insert_after_page=*/2);
    std::multiset<std::string> counts(seen.begin(), seen.end());
    for (const std::string& id : before) EXPECT_EQ(counts.count(id), 1u) << id;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  }
}

}  // namespace
}  // namespace rapport::query
