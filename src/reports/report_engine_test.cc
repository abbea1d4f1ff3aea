// Reports against an independent computation: a generated set of deals is summed,
// averaged and counted here in plain C++ and compared with what the engine returns,
// to the cent, on both backends; then the same report as two users who see different
// deals, a matrix, a top N, a tabular page, CSV, and a report on a custom object.
#include "reports/report_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/decimal.h"
#include "core/id.h"
#include "reports/kpis.h"
#include "reports/record_snapshots.h"
#include "reports/schedules.h"
#include "reports/report_files.h"
#include "reports/saved_reports.h"
#include "support/engine_test.h"
#include "support/smtp_server.h"
#include "support/xlsx_text.h"

namespace rapport::reports {
namespace {

using records::AggregateFn;
using records::InputValue;
using security::Principal;
using V = InputValue;

struct Deal {
  std::string stage;
  std::string currency;
  int64_t cents = 0;
  std::string close_date;
  bool mine = false;  // owned by the member
};

const std::vector<std::string> kStages = {"prospecting", "qualification", "proposal", "negotiation", "won", "lost"};

// What the engine must say, computed without it. Amounts in Decimal units (1e-4).
struct Expected {
  int64_t count = 0;
  __int128 sum = 0;
  std::vector<int64_t> values;
  int64_t min = INT64_MAX, max = INT64_MIN;

  void Add(int64_t units) {
    ++count;
    sum += units;
    values.push_back(units);
    min = std::min(min, units);
    max = std::max(max, units);
  }
  static int64_t RoundHalfAway(__int128 numerator, int64_t denominator) {
    __int128 q = numerator / denominator, r = numerator % denominator;
    if (2 * (r < 0 ? -r : r) >= denominator) q += numerator < 0 ? -1 : 1;
    return static_cast<int64_t>(q);
  }
  std::string Sum() const { return Decimal{static_cast<int64_t>(sum)}.ToString(); }
  std::string Avg() const { return Decimal{RoundHalfAway(sum, count)}.ToString(); }
  std::string Median() const {
    std::vector<int64_t> v = values;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    __int128 middle = static_cast<__int128>(v[(n - 1) / 2]) + v[n / 2];
    return Decimal{RoundHalfAway(middle, 2)}.ToString();
  }
};

class ReportEngineTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    auto rep = app_->identity().CreateUser(tenant_, "Rex", "rex@example.com", "member", kPassword);
    ASSERT_TRUE(rep);
    rep_ = Principal{tenant_.id, rep->id, false};
    // The rep reads (and may export) only the deals they own.
    security::Role role;
    role.name = "Own deals";
    role.objects["opportunities"] = {security::Scope::kOwn, security::Scope::kOwn, security::Scope::kOwn,
                                     security::Scope::kNone, false};
    auto created = app_->access().CreateRole(admin_, role);
    ASSERT_TRUE(created) << created.error().ToString();
    ASSERT_TRUE(app_->access().SetUserRoles(admin_, rep_.user_id, {created->id}));

    // 240 deals from a fixed pseudo-random sequence: amounts up to 99,999.99 in two
    // currencies, close dates over 2024-2026, a third of them the rep's.
    uint64_t seed = 20261126;
    auto next = [&] { return seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, seed >> 33; };
    std::vector<records::BatchItem> items;
    for (int i = 0; i < 240; ++i) {
      Deal deal{kStages[next() % kStages.size()], next() % 3 == 0 ? "USD" : "EUR", static_cast<int64_t>(next() % 10'000'000),
                FormatDate(DaysFromCivil(2024, 1, 1) + static_cast<int64_t>(next() % 1000)), i % 3 == 0};
      V amount;
      amount.kind = V::Kind::kObject;
      amount.members = {{"amount", V::String(fmt::format("{}.{:02}", deal.cents / 100, deal.cents % 100))},
                        {"currency", V::String(deal.currency)}};
      records::InputObject values = {{"name", V::String(fmt::format("Deal {}", i))},
                                     {"stage", V::String(deal.stage)},
                                     {"amount", amount},
                                     {"close_date", V::String(deal.close_date)}};
      if (deal.mine) values.emplace_back("owner_id", V::String(rep_.user_id));
      items.push_back({.op = records::BatchOp::kCreate, .values = std::move(values)});
      deals_.push_back(deal);
    }
    auto batch = app_->records().Batch(admin_, {.object = "opportunities", .items = std::move(items), .atomic = true});
    ASSERT_TRUE(batch) << batch.error().ToString();
    for (const auto& item : *batch) ASSERT_TRUE(item.outcome) << item.outcome.error().ToString();
  }

  Result<ReportResult> Run(const Principal& p, ReportDefinition d, bool for_export = false) {
    return app_->reports().Run(p, std::move(d), {.for_export = for_export});
  }

  // "key|key|currency" -> the row, for comparing without caring about order.
  static std::map<std::string, const records::AggregateRow*> ByKey(const ReportSection& s) {
    std::map<std::string, const records::AggregateRow*> out;
    for (const auto& row : s.rows) {
      std::string key;
      for (const auto& k : row.keys) key += (records::IsNull(k) ? "-" : std::get<std::string>(k)) + "|";
      out[key + row.currency] = &row;
    }
    return out;
  }
  static std::string Amount(const records::FieldValue& v) { return std::get<records::Money>(v).amount.ToString(); }

  Principal rep_;
  std::vector<Deal> deals_;
};

TEST_P(ReportEngineTest, EveryAggregateMatchesAnIndependentComputationToTheCent) {
  ReportDefinition d{.type = ReportType::kSummary, .object = "opportunities",
                     .group_by = {{"stage", std::nullopt}, {"close_date", DatePart::kYear}}};
  for (AggregateFn fn : {AggregateFn::kSum, AggregateFn::kAvg, AggregateFn::kMedian, AggregateFn::kMin, AggregateFn::kMax}) {
    d.aggregates.push_back({fn, "amount"});
  }
  d.aggregates.insert(d.aggregates.begin(), {AggregateFn::kCount, ""});
  auto result = Run(admin_, d);
  ASSERT_TRUE(result) << result.error().ToString();
  ASSERT_EQ(result->sections.size(), 3u);  // stage+year, stage, total

  std::map<std::string, Expected> rows, by_stage, total;
  for (const Deal& deal : deals_) {
    int64_t units = deal.cents * 100;
    rows[deal.stage + "|" + deal.close_date.substr(0, 4) + "|" + deal.currency].Add(units);
    by_stage[deal.stage + "|" + deal.currency].Add(units);
    total[deal.currency].Add(units);
  }
  auto check = [&](const ReportSection& section, const std::map<std::string, Expected>& expected) {
    auto got = ByKey(section);
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [key, e] : expected) {
      ASSERT_TRUE(got.contains(key)) << key;
      const auto& values = got[key]->values;
      EXPECT_EQ(std::get<int64_t>(values[0]), e.count) << key;
      EXPECT_EQ(Amount(values[1]), e.Sum()) << key;
      EXPECT_EQ(Amount(values[2]), e.Avg()) << key;
      EXPECT_EQ(Amount(values[3]), e.Median()) << key;
      EXPECT_EQ(Amount(values[4]), Decimal{e.min}.ToString()) << key;
      EXPECT_EQ(Amount(values[5]), Decimal{e.max}.ToString()) << key;
    }
  };
  check(result->sections[0], rows);
  check(result->sections[1], by_stage);
  check(result->sections[2], total);

  // Without the median every aggregate adds up, so the subtotals and the total are
  // rolled up from the groups of one statement: the same figures.
  ReportDefinition adds_up = d;
  adds_up.aggregates.erase(adds_up.aggregates.begin() + 3);
  auto rolled = Run(admin_, adds_up);
  ASSERT_TRUE(rolled) << rolled.error().ToString();
  auto check_rolled = [&](const ReportSection& section, const std::map<std::string, Expected>& expected) {
    auto got = ByKey(section);
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [key, e] : expected) {
      ASSERT_TRUE(got.contains(key)) << key;
      const auto& values = got[key]->values;
      EXPECT_EQ(std::get<int64_t>(values[0]), e.count) << key;
      EXPECT_EQ(Amount(values[1]), e.Sum()) << key;
      EXPECT_EQ(Amount(values[2]), e.Avg()) << key;
      EXPECT_EQ(Amount(values[3]), Decimal{e.min}.ToString()) << key;
      EXPECT_EQ(Amount(values[4]), Decimal{e.max}.ToString()) << key;
    }
  };
  check_rolled(rolled->sections[0], rows);
  check_rolled(rolled->sections[1], by_stage);
  check_rolled(rolled->sections[2], total);
  // Subtotals come in key order: stage, then currency.
  const auto& stages = rolled->sections[1].rows;
  for (size_t i = 1; i < stages.size(); ++i) {
    auto key = [](const records::AggregateRow& r) { return std::get<std::string>(r.keys[0]) + "|" + r.currency; };
    EXPECT_LT(key(stages[i - 1]), key(stages[i]));
  }

  // A top 4 by the average, largest first, ties by key: the rows ordered after the
  // statement, as the statement would have.
  adds_up.sort = "-avg(amount)";
  adds_up.limit = 4;
  auto top = Run(admin_, adds_up);
  ASSERT_TRUE(top) << top.error().ToString();
  std::vector<std::tuple<__int128, __int128, std::string>> averages;
  for (const auto& [key, e] : rows) averages.emplace_back(e.sum, e.count, key);
  std::stable_sort(averages.begin(), averages.end(), [](const auto& a, const auto& b) {
    return std::get<0>(a) * std::get<1>(b) > std::get<0>(b) * std::get<1>(a);
  });
  ASSERT_EQ(top->sections[0].rows.size(), 4u);
  EXPECT_TRUE(top->sections[0].truncated);
  for (size_t i = 0; i < 4; ++i) {
    const auto& row = top->sections[0].rows[i];
    std::string key = std::get<std::string>(row.keys[0]) + "|" + std::get<std::string>(row.keys[1]) + "|" + row.currency;
    EXPECT_EQ(key, std::get<2>(averages[i])) << i;
  }
  EXPECT_EQ(top->sections.back().rows.size(), total.size());  // the totals cover everything
  EXPECT_EQ(result->columns.size(), 8u);
  EXPECT_EQ(result->columns[1].label, "Close date (year)");
  EXPECT_EQ(result->columns[3].label, "Sum of Amount");
  EXPECT_EQ(result->columns[3].type, "currency");
}

TEST_P(ReportEngineTest, MoneyConvertsAtEachRecordsDatedRateExactly) {
  // The workspace counts in EUR; USD has three dated rates; three GBP deals have none.
  ASSERT_TRUE(app_->workspace().Update(admin_, {.currency = "EUR"}));
  auto& rates = app_->exchange_rates();
  const std::vector<std::pair<std::string, int64_t>> usd = {{"2024-06-01", 912345}, {"2025-03-15", 876543}, {"2026-01-01", 950000}};
  for (const auto& [from, rate] : usd) {
    auto set = rates.Set(admin_, "USD", from, workspace::FormatRate(rate));
    ASSERT_TRUE(set) << set.error().ToString();
  }
  // A rate set twice for a day is replaced; one set by mistake is deleted.
  ASSERT_TRUE(rates.Set(admin_, "USD", "2025-03-15", "0.9"));
  ASSERT_TRUE(rates.Set(admin_, "USD", "2025-03-15", "0.876543"));
  ASSERT_TRUE(rates.Set(admin_, "USD", "2025-09-01", "2"));
  ASSERT_TRUE(rates.Delete(admin_, "USD", "2025-09-01"));
  auto listed = rates.List(tenant_.id);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[1].valid_until, "2026-01-01");
  EXPECT_EQ((*listed)[2].valid_until, "");
  for (int i = 0; i < 3; ++i) {
    V amount;
    amount.kind = V::Kind::kObject;
    amount.members = {{"amount", V::String(fmt::format("{}.50", 100 * (i + 1)))}, {"currency", V::String("GBP")}};
    ASSERT_TRUE(app_->records().Create(admin_, {.object = "opportunities",
                                                .values = {{"name", V::String("pounds")}, {"stage", V::String("won")},
                                                           {"amount", amount}, {"close_date", V::String("2025-05-05")}}}));
  }
  auto rate_on = [&](const std::string& day) {
    int64_t rate = usd[0].second;  // before the first rate, the first applies
    for (const auto& [from, r] : usd) if (from <= day) rate = r;
    return rate;
  };

  // Independently: each deal's units times its rate, added up exactly per group.
  struct Converted {
    int64_t count = 0;
    __int128 sum = 0, min = 0, max = 0;
    void Add(__int128 v) {
      if (count++ == 0) min = max = v;
      sum += v;
      min = std::min(min, v);
      max = std::max(max, v);
    }
  };
  auto check = [&](const ReportSection& section, const std::map<std::string, Converted>& expected, int64_t gbp_won) {
    auto got = ByKey(section);
    for (const auto& [key, e] : expected) {
      ASSERT_TRUE(got.contains(key + "EUR")) << key;
      const auto& values = got[key + "EUR"]->values;
      EXPECT_EQ(std::get<int64_t>(values[0]), e.count) << key;
      EXPECT_EQ(Amount(values[1]), Decimal{Expected::RoundHalfAway(e.sum, 1'000'000)}.ToString()) << key;
      EXPECT_EQ(std::get<records::Money>(values[1]).currency, "EUR");
      EXPECT_EQ(Amount(values[2]), Decimal{Expected::RoundHalfAway(e.sum, 1'000'000 * e.count)}.ToString()) << key;
      EXPECT_EQ(Amount(values[3]), Decimal{Expected::RoundHalfAway(e.min, 1'000'000)}.ToString()) << key;
      EXPECT_EQ(Amount(values[4]), Decimal{Expected::RoundHalfAway(e.max, 1'000'000)}.ToString()) << key;
    }
    // GBP has no rate: its deals stay apart, in pounds.
    size_t gbp_rows = 0;
    for (const auto& [key, row] : got) {
      if (row->currency != "GBP") continue;
      ++gbp_rows;
      EXPECT_EQ(std::get<int64_t>(row->values[0]), gbp_won);
      EXPECT_EQ(Amount(row->values[1]), "601.5");
    }
    EXPECT_EQ(gbp_rows, 1u);
    EXPECT_EQ(got.size(), expected.size() + 1);
  };
  ReportDefinition d{.type = ReportType::kSummary, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
                     .aggregates = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}, {AggregateFn::kAvg, "amount"},
                                    {AggregateFn::kMin, "amount"}, {AggregateFn::kMax, "amount"}},
                     .convert = records::AggregateQuery::Conversion{"close_date"}};
  std::map<std::string, Converted> by_stage, total, today;
  for (const Deal& deal : deals_) {
    __int128 units = deal.cents * 100;
    __int128 dated = units * (deal.currency == "EUR" ? 1'000'000 : rate_on(deal.close_date));
    by_stage[deal.stage + "|"].Add(dated);
    total[""].Add(dated);
    today[deal.stage + "|"].Add(units * (deal.currency == "EUR" ? 1'000'000 : usd.back().second));
  }
  auto dated = Run(admin_, d);
  ASSERT_TRUE(dated) << dated.error().ToString();
  ASSERT_EQ(dated->sections.size(), 2u);
  check(dated->sections[0], by_stage, 3);
  check(dated->sections[1], total, 3);

  // Without a rate date, every amount at today's rate.
  d.convert->rate_date.clear();
  auto current = Run(admin_, d);
  ASSERT_TRUE(current) << current.error().ToString();
  check(current->sections[0], today, 3);
  // A datetime's day in the workspace's time zone picks the rate: every deal was
  // created today, so at today's rate too.
  d.convert->rate_date = "created_at";
  auto created = Run(admin_, d);
  ASSERT_TRUE(created) << created.error().ToString();
  check(created->sections[0], today, 3);

  // The top two stages by converted sum, largest first.
  d.convert->rate_date = "close_date";
  d.sort = "-sum(amount)";
  d.limit = 2;
  auto top = Run(admin_, d);
  ASSERT_TRUE(top) << top.error().ToString();
  std::vector<std::pair<__int128, std::string>> ranked;
  for (const auto& [key, e] : by_stage) ranked.push_back({-e.sum, key.substr(0, key.size() - 1)});
  std::sort(ranked.begin(), ranked.end());
  ASSERT_EQ(top->sections[0].rows.size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(std::get<std::string>(top->sections[0].rows[i].keys[0]), ranked[i].second);

  // A money KPI converts too: the average deal won in 2025, each at its close date's
  // rate, one figure in EUR (and the pounds, which have no rate, apart).
  ManualClock january(*ParseDatetime("2026-01-15T12:00:00Z"));
  Kpis kpis(app_->records(), app_->workspace(), january);
  auto average = kpis.Compute(admin_, "average_deal_size", {.period = "last_year", .convert = true});
  ASSERT_TRUE(average) << average.error().ToString();
  Converted won;
  for (const Deal& deal : deals_) {
    if (deal.stage != "won" || !deal.close_date.starts_with("2025")) continue;
    won.Add(static_cast<__int128>(deal.cents * 100) * (deal.currency == "EUR" ? 1'000'000 : rate_on(deal.close_date)));
  }
  ASSERT_GT(won.count, 0);
  std::vector<KpiFigure> expected = {
      {"EUR", Decimal{Expected::RoundHalfAway(Expected::RoundHalfAway(won.sum, 1'000'000), won.count)}},
      {"GBP", *Decimal::Parse("200.5")}};
  std::sort(average->value.figures.begin(), average->value.figures.end(),
            [](const KpiFigure& a, const KpiFigure& b) { return a.currency < b.currency; });
  EXPECT_EQ(average->value.figures, expected);

  // What cannot convert says so, and the rates and the currency guard themselves.
  d.aggregates.push_back({AggregateFn::kMedian, "amount"});
  EXPECT_EQ(Run(admin_, d).error().field_errors().at(0).field, "convert");
  d.aggregates.pop_back();
  d.convert->rate_date = "stage";
  EXPECT_EQ(Run(admin_, d).error().field_errors().at(0).field, "rate_date");
  EXPECT_EQ(rates.Set(admin_, "EUR", "2025-01-01", "1").error().field_errors().at(0).field, "currency");
  EXPECT_EQ(rates.Set(admin_, "USD", "2025-02-30", "1").error().field_errors().at(0).field, "valid_from");
  for (const char* bad : {"0", "-1", "1.1234567", "abc", ""}) {
    EXPECT_EQ(rates.Set(admin_, "USD", "2025-01-01", bad).error().field_errors().at(0).field, "rate") << bad;
  }
  EXPECT_EQ(rates.Set(rep_, "USD", "2025-01-01", "1").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(app_->workspace().Update(admin_, {.currency = "USD"}).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(rates.Delete(admin_, "USD", "2020-01-01").error().code(), ErrorCode::kNotFound);
}

TEST_P(ReportEngineTest, TwoUsersSeeTheTotalsOfTheDealsTheyMayRead) {
  ReportDefinition d{.type = ReportType::kSummary, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
                     .aggregates = {{AggregateFn::kCount, ""}}};
  auto all = Run(admin_, d);
  auto mine = Run(rep_, d);
  ASSERT_TRUE(all && mine) << (all ? mine.error() : all.error()).ToString();
  int64_t rep_count = std::count_if(deals_.begin(), deals_.end(), [](const Deal& deal) { return deal.mine; });
  EXPECT_EQ(std::get<int64_t>(all->sections.back().rows[0].values[0]), static_cast<int64_t>(deals_.size()));
  EXPECT_EQ(std::get<int64_t>(mine->sections.back().rows[0].values[0]), rep_count);
  // The file needs the export permission, which the rep's role does not give.
  EXPECT_TRUE(Run(admin_, d, true));
  auto refused = Run(rep_, d, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied);
}

TEST_P(ReportEngineTest, MatrixHasCellsAndBothMarginsAndTopNSortsByAnAggregate) {
  ReportDefinition matrix{.type = ReportType::kMatrix, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
                          .across = {{"close_date", DatePart::kYear}}, .aggregates = {{AggregateFn::kCount, ""}}};
  auto m = Run(admin_, matrix);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->sections.size(), 4u);
  std::map<std::string, int64_t> cells, stages, years;
  for (const Deal& deal : deals_) {
    cells[deal.stage + "|" + deal.close_date.substr(0, 4) + "|"]++;
    stages[deal.stage + "|"]++;
    years[deal.close_date.substr(0, 4) + "|"]++;
  }
  auto counts = [](const ReportSection& s) {
    std::map<std::string, int64_t> out;
    for (const auto& [key, row] : ByKey(s)) out[key] = std::get<int64_t>(row->values[0]);
    return out;
  };
  EXPECT_EQ(counts(m->sections[0]), cells);
  EXPECT_EQ(counts(m->sections[1]), stages);
  EXPECT_EQ(counts(m->sections[2]), years);
  EXPECT_EQ(std::get<int64_t>(m->sections[3].rows[0].values[0]), static_cast<int64_t>(deals_.size()));

  // The top three stages by count (ties by name), with the total over all of them.
  ReportDefinition top{.type = ReportType::kSummary, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
                       .aggregates = {{AggregateFn::kCount, ""}}, .sort = "-count", .limit = 3};
  auto t = Run(admin_, top);
  ASSERT_TRUE(t) << t.error().ToString();
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (const auto& [stage, n] : stages) ranked.push_back({-n, stage.substr(0, stage.size() - 1)});
  std::sort(ranked.begin(), ranked.end());
  ASSERT_EQ(t->sections[0].rows.size(), 3u);
  EXPECT_TRUE(t->sections[0].truncated);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(std::get<std::string>(t->sections[0].rows[i].keys[0]), ranked[i].second);
  EXPECT_EQ(std::get<int64_t>(t->sections.back().rows[0].values[0]), static_cast<int64_t>(deals_.size()));

  // Bad definitions name their member.
  top.sort = "-median(amount)";
  EXPECT_EQ(Run(admin_, top).error().field_errors().at(0).field, "sort");
  top.sort = "-stage";  // groups come in key order, ascending
  EXPECT_EQ(Run(admin_, top).error().field_errors().at(0).field, "sort");
  top.sort = "stage";
  EXPECT_TRUE(Run(admin_, top));
  top.group_by = {{"stage", std::nullopt}, {"stage", std::nullopt}};
  EXPECT_EQ(Run(admin_, top).error().field_errors().at(0).field, "group_by");
  matrix.across.clear();
  EXPECT_EQ(Run(admin_, matrix).error().field_errors().at(0).field, "across");
}

TEST_P(ReportEngineTest, TabularPagesRecordsAndCsvWritesTheRows) {
  ReportDefinition d{.type = ReportType::kTabular, .object = "opportunities", .filter = "stage = \"won\"",
                     .columns = {"name", "amount", "close_date"}, .sort = "close_date,name", .limit = 5};
  auto page = Run(admin_, d);
  ASSERT_TRUE(page) << page.error().ToString();
  std::vector<const Deal*> won;
  for (const Deal& deal : deals_) {
    if (deal.stage == "won") won.push_back(&deal);
  }
  ASSERT_GT(won.size(), 5u);
  EXPECT_EQ(page->records.size(), 5u);
  EXPECT_TRUE(page->next_cursor);
  std::vector<std::string> dates;
  for (const Deal* deal : won) dates.push_back(deal->close_date);
  std::sort(dates.begin(), dates.end());
  EXPECT_EQ(std::get<std::string>(*page->records[0].Find("close_date")), dates[0]);

  ReportDefinition summary{.type = ReportType::kSummary, .object = "opportunities", .filter = "stage = \"won\"",
                           .group_by = {{"stage", std::nullopt}},
                           .aggregates = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}}};
  auto grouped = Run(admin_, summary, true);
  ASSERT_TRUE(grouped) << grouped.error().ToString();
  std::string csv = ReportCsv(*grouped, false);
  EXPECT_TRUE(csv.starts_with("stage,count,sum(amount),currency\r\n")) << csv;
  std::map<std::string, Expected> by_currency;
  for (const Deal* deal : won) by_currency[deal->currency].Add(deal->cents * 100);
  for (const auto& [currency, e] : by_currency) {
    std::string line = fmt::format("won,{},{},{}\r\n", e.count, Decimal{static_cast<int64_t>(e.sum)}.ToString(2), currency);
    EXPECT_NE(csv.find(line), std::string::npos) << line << csv;
  }
}

TEST_P(ReportEngineTest, CustomObjectsAreReportedLikeStandardOnes) {
  ASSERT_TRUE(app_->metadata().Apply(
      admin_.tenant_id,
      metadata::CreateObject{.name = "projects", .label = "Project", .label_plural = "Projects",
                             .fields = {{.name = "name", .type = "text", .required = true},
                                        {.name = "status", .type = "picklist", .options = {{"open", ""}, {"done", ""}}},
                                        {.name = "hours", .type = "integer"}}}));
  for (auto [status, hours] : {std::pair{"open", 3}, {"open", 4}, {"done", 10}}) {
    auto created = app_->records().Create(
        admin_, {"projects", {{"name", V::String(status)}, {"status", V::String(status)}, {"hours", V::Int(hours)}}});
    ASSERT_TRUE(created) << created.error().ToString();
  }
  ReportDefinition d{.type = ReportType::kSummary, .object = "projects", .group_by = {{"status", std::nullopt}},
                     .aggregates = {{AggregateFn::kSum, "hours"}, {AggregateFn::kAvg, "hours"}}};
  auto result = Run(admin_, d);
  ASSERT_TRUE(result) << result.error().ToString();
  auto rows = ByKey(result->sections[0]);
  EXPECT_EQ(std::get<int64_t>(rows["done|"]->values[0]), 10);
  EXPECT_EQ(std::get<int64_t>(rows["open|"]->values[0]), 7);
  EXPECT_EQ(std::get<Decimal>(rows["open|"]->values[1]).ToString(), "3.5");
  EXPECT_EQ(result->columns[2].type, "decimal");  // an average of whole numbers
}

TEST_P(ReportEngineTest, SavedReportsAreCheckedSharedAndRunAsTheirViewer) {
  SavedReports& saved = app_->saved_reports();
  ReportDefinition by_stage{.type = ReportType::kSummary, .object = "opportunities",
                            .group_by = {{"stage", std::nullopt}},
                            .aggregates = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}},
                            .sort = "-count"};
  auto created = saved.Create(admin_, {.name = "Pipeline by stage", .definition = by_stage, .chart = ChartType::kBar,
                                       .shared = true});
  ASSERT_TRUE(created) << created.error().ToString();
  auto private_one = saved.Create(admin_, {.name = "Mine", .definition = by_stage});
  ASSERT_TRUE(private_one) << private_one.error().ToString();

  // Kept as given, definition and all.
  auto read = saved.Get(admin_, created->id);
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->chart, ChartType::kBar);
  EXPECT_EQ(read->definition.group_by, by_stage.group_by);
  EXPECT_EQ(read->definition.sort, "-count");
  EXPECT_EQ(read->definition.aggregates.size(), 2u);

  // The rep sees the shared report only, and running it gives their own totals.
  auto theirs = saved.List(rep_);
  ASSERT_TRUE(theirs) << theirs.error().ToString();
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ((*theirs)[0].name, "Pipeline by stage");
  EXPECT_EQ(saved.Get(rep_, private_one->id).error().code(), ErrorCode::kNotFound);
  auto as_rep = Run(rep_, (*theirs)[0].definition);
  ASSERT_TRUE(as_rep) << as_rep.error().ToString();
  // (The grand total has a row per currency, the sum being kept apart per currency.)
  int64_t counted = 0;
  for (const auto& row : as_rep->sections.back().rows) counted += std::get<int64_t>(row.values[0]);
  EXPECT_EQ(counted, std::count_if(deals_.begin(), deals_.end(), [](const Deal& d) { return d.mine; }));
  // They may not change it; the administrator may.
  EXPECT_EQ(saved.Update(rep_, created->id, {.name = "Taken"}).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(saved.Delete(rep_, created->id).error().code(), ErrorCode::kPermissionDenied);

  // What the engine refuses is refused when saving, named under `definition`, and
  // nothing changes.
  ReportDefinition bad = by_stage;
  bad.group_by = {{"stagee", std::nullopt}};
  auto refused = saved.Update(admin_, created->id, {.definition = bad});
  ASSERT_FALSE(refused);
  ASSERT_FALSE(refused.error().field_errors().empty()) << refused.error().ToString();
  EXPECT_TRUE(refused.error().field_errors()[0].field.starts_with("definition.")) << refused.error().ToString();
  bad = by_stage;
  bad.filter = "amount >";
  EXPECT_FALSE(saved.Create(admin_, {.name = "Bad filter", .definition = bad}));
  EXPECT_EQ(saved.Create(admin_, {.name = " ", .definition = by_stage}).error().field_errors()[0].field, "name");
  EXPECT_EQ(saved.Get(admin_, created->id)->definition.group_by, by_stage.group_by);
  EXPECT_EQ(saved.List(admin_)->size(), 2u);

  auto renamed = saved.Update(admin_, created->id, {.name = "Deals by stage", .chart = ChartType::kFunnel});
  ASSERT_TRUE(renamed) << renamed.error().ToString();
  EXPECT_EQ(saved.Get(rep_, created->id)->name, "Deals by stage");
  ASSERT_TRUE(saved.Delete(admin_, created->id));
  EXPECT_EQ(saved.Get(admin_, created->id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(saved.List(rep_)->size(), 0u);
}

// Saving a report and drilling into one check its definition as running it would, and
// read no deal: on a million deals, running the report would take seconds.
TEST_P(ReportEngineTest, SavingAndDrillingCheckTheDefinitionWithoutReadingRecords) {
  Observed observed(url_);
  ASSERT_TRUE(observed) << observed.error();
  // Statements that read deals (the aggregate's, or a page of them).
  auto reads = [&] {
    return observed.Count([](const std::string& sql) {
      return sql.starts_with("SELECT") && sql.find("FROM \"opportunities\"") != std::string::npos;
    });
  };
  ReportDefinition d{.type = ReportType::kSummary, .object = "opportunities", .filter = "amount > 100",
                     .group_by = {{"stage", std::nullopt}, {"company.industry", std::nullopt}},
                     .aggregates = {{AggregateFn::kSum, "amount"}, {AggregateFn::kMedian, "amount"}},
                     .sort = "-sum(amount)", .limit = 3};
  ASSERT_TRUE(Run(admin_, d));  // (through the first App: reads the deals, which this counts not)
  auto saved = observed->saved_reports().Create(admin_, {.name = "Top stages", .definition = d});
  ASSERT_TRUE(saved) << saved.error().ToString();
  auto drill = observed->reports().Drill(admin_, d, {{"stage", records::FieldValue{std::string("won")}}});
  ASSERT_TRUE(drill) << drill.error().ToString();
  EXPECT_EQ(reads(), 0);
  // What running refuses, checking refuses, naming the member at fault: an unknown
  // field, a bad filter, the median of a text field, a limit past the largest.
  auto refused = [&](ReportDefinition bad) -> std::string {
    auto ran = Run(admin_, bad);
    auto save = observed->saved_reports().Create(admin_, {.name = "Bad", .definition = bad});
    auto drilled = observed->reports().Drill(admin_, bad, {});
    EXPECT_FALSE(ran);
    EXPECT_FALSE(save);
    EXPECT_FALSE(drilled);
    if (ran || save || drilled) return "accepted";
    EXPECT_EQ(ran.error().field_errors().empty() ? "" : ran.error().field_errors()[0].field,
              drilled.error().field_errors().empty() ? "" : drilled.error().field_errors()[0].field);
    return save.error().field_errors().empty() ? save.error().ToString() : save.error().field_errors()[0].field;
  };
  ReportDefinition bad = d;
  bad.group_by[1].field = "company.industryy";
  EXPECT_EQ(refused(bad), "definition.group_by");
  bad = d;
  bad.filter = "amount >";
  EXPECT_EQ(refused(bad), "definition.filter");
  bad = d;
  bad.aggregates[1].field = "name";
  EXPECT_EQ(refused(bad), "definition.aggregates[1]");
  bad = d;
  bad.limit = 1'000'000;
  EXPECT_EQ(refused(bad), "definition.limit");
  // A field the rep may not read is refused to them as it is when run. (The role
  // changes through the App that checks: another one would see it within
  // AccessStore::kMaxAge.)
  security::AccessStore& access = observed->access();
  auto held = access.UserRoles(admin_, rep_.user_id);
  ASSERT_TRUE(held && held->size() == 1);
  auto role = access.GetRole(admin_, held->front());
  ASSERT_TRUE(role) << role.error().ToString();
  role->fields["opportunities.amount"] = security::FieldAccess::kHidden;
  ASSERT_TRUE(access.ReplaceRole(admin_, *role));
  auto hidden = observed->reports().Run(rep_, d, {});
  ASSERT_FALSE(hidden);
  auto drilled = observed->reports().Drill(rep_, d, {});
  ASSERT_FALSE(drilled);
  EXPECT_EQ(drilled.error().ToString(), hidden.error().ToString());
  EXPECT_EQ(reads(), 0);
}

TEST_P(ReportEngineTest, GroupsAndMeasuresReachRelatedRecordsThroughLookups) {
  // Deals of companies in two industries, and one without a company.
  std::map<std::string, std::string> company_of;  // industry -> id
  for (const char* industry : {"software", "retail"}) {
    auto company = app_->records().Create(
        admin_, {"companies", {{"name", V::String(std::string("Linked ") + industry)}, {"industry", V::String(industry)}}});
    ASSERT_TRUE(company) << company.error().ToString();
    company_of[industry] = company->id;
  }
  std::map<std::string, std::pair<int64_t, int64_t>> expected;  // industry -> (count, cents)
  int n = 0;
  for (auto [industry, cents] : {std::pair{"software", 1050}, {"software", 2000}, {"retail", 999}, {"", 5000}}) {
    records::InputObject values = {{"name", V::String(fmt::format("Linked deal {}", n++))},
                                   {"stage", V::String("proposal")},
                                   {"amount", V::String(fmt::format("{}.{:02}", cents / 100, cents % 100))}};
    if (*industry) values.emplace_back("company_id", V::String(company_of[industry]));
    auto deal = app_->records().Create(admin_, {"opportunities", std::move(values)});
    ASSERT_TRUE(deal) << deal.error().ToString();
    expected[industry].first += 1;
    expected[industry].second += cents;
  }
  ReportDefinition d{.type = ReportType::kSummary, .object = "opportunities", .filter = "name ~ \"Linked deal\"",
                     .group_by = {{"company.industry", std::nullopt}},
                     .aggregates = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"},
                                    {AggregateFn::kCountDistinct, "company.name"}}};
  auto result = Run(admin_, d);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->columns[0].label, "Company: Industry");
  EXPECT_EQ(result->columns[0].type, "picklist");
  EXPECT_EQ(result->columns[3].label, "Distinct Company: Name");
  auto rows = ByKey(result->sections[0]);
  ASSERT_EQ(rows.size(), expected.size());
  for (const auto& [industry, figures] : expected) {
    std::string key = (industry.empty() ? std::string("-") : industry) + "|USD";  // the default currency
    ASSERT_TRUE(rows.contains(key)) << key;
    EXPECT_EQ(std::get<int64_t>(rows[key]->values[0]), figures.first) << key;
    EXPECT_EQ(std::get<records::Money>(rows[key]->values[1]).amount.ToString(2),
              fmt::format("{}.{:02}", figures.second / 100, figures.second % 100)) << key;
    EXPECT_EQ(std::get<int64_t>(rows[key]->values[2]), industry.empty() ? 0 : 1) << key;
  }
  // A related field both grouped by and measured (its value read, not only its code).
  ReportDefinition by_name{.type = ReportType::kSummary, .object = "opportunities", .filter = d.filter,
                           .group_by = {{"company.name", std::nullopt}},
                           .aggregates = {{AggregateFn::kCountDistinct, "company.name"}, {AggregateFn::kCount, ""}}};
  auto named = Run(admin_, by_name);
  ASSERT_TRUE(named) << named.error().ToString();
  auto by_company = ByKey(named->sections[0]);
  ASSERT_EQ(by_company.size(), 3u);
  for (auto [name, distinct, count] : {std::tuple{"Linked software", 1, 2}, {"Linked retail", 1, 1}, {"-", 0, 1}}) {
    std::string key = std::string(name) + "|";  // (no currency: no money measured)
    ASSERT_TRUE(by_company.contains(key)) << key;
    EXPECT_EQ(std::get<int64_t>(by_company[key]->values[0]), distinct) << key;
    EXPECT_EQ(std::get<int64_t>(by_company[key]->values[1]), count) << key;
  }
  // A related field in the filter and in the grouping agree.
  d.filter += " and company.industry = \"software\"";
  auto software = Run(admin_, d);
  ASSERT_TRUE(software) << software.error().ToString();
  ASSERT_EQ(software->sections[0].rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(software->sections[0].rows[0].values[0]), 2);

  // An unknown relation is named.
  d.group_by = {{"compny.industry", std::nullopt}};
  auto unknown = Run(admin_, d);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field_errors()[0].field, "group_by");
  EXPECT_NE(unknown.error().detail().find("company"), std::string_view::npos) << unknown.error().ToString();

  // Someone who reads every deal but only their own companies: a deal of a company
  // they may not read falls in the empty group, as if it had none.
  auto cora = app_->identity().CreateUser(tenant_, "Cora", "cora@example.com", "member", kPassword);
  ASSERT_TRUE(cora);
  security::Role role;
  role.name = "All deals, own companies";
  role.objects["opportunities"] = {security::Scope::kNone, security::Scope::kAll, security::Scope::kNone,
                                   security::Scope::kNone, true};
  role.objects["companies"] = {security::Scope::kNone, security::Scope::kOwn, security::Scope::kNone,
                               security::Scope::kNone, false};
  auto created = app_->access().CreateRole(admin_, role);
  ASSERT_TRUE(created) << created.error().ToString();
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, cora->id, {created->id}));
  auto moved = app_->records().Update(admin_, {"companies", company_of["software"], {{"owner_id", V::String(cora->id)}}});
  ASSERT_TRUE(moved) << moved.error().ToString();
  d.filter = "name ~ \"Linked deal\"";
  d.group_by = {{"company.industry", std::nullopt}};
  auto theirs = Run(Principal{tenant_.id, cora->id, false}, d);
  ASSERT_TRUE(theirs) << theirs.error().ToString();
  auto seen = ByKey(theirs->sections[0]);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(seen["software|USD"]->values[0]), 2);
  EXPECT_EQ(std::get<int64_t>(seen["-|USD"]->values[0]), 2);  // the retail deal and the one without a company
  EXPECT_EQ(std::get<int64_t>(seen["-|USD"]->values[2]), 0);  // no company name shows
  // Cora may export deals but not companies: a file of deals by their company's
  // industry would carry company data out, so it is refused; one by stage is not.
  const Principal as_cora{tenant_.id, cora->id, false};
  EXPECT_EQ(Run(as_cora, d, true).error().code(), ErrorCode::kPermissionDenied);
  ReportDefinition by_stage = d;
  by_stage.group_by = {{"stage", std::nullopt}};
  by_stage.aggregates = {{AggregateFn::kCount, ""}};
  EXPECT_TRUE(Run(as_cora, by_stage, true));
}

TEST_P(ReportEngineTest, DrillingIntoAGroupListsExactlyItsRecords) {
  // Quarters of a fiscal year starting in April, as a rep and as an administrator.
  ASSERT_TRUE(app_->workspace().Update(admin_, {.fiscal_year_start = 4}));
  ReportDefinition d{.type = ReportType::kSummary, .object = "opportunities", .filter = "amount > 20000",
                     .group_by = {{"stage", std::nullopt}, {"close_date", DatePart::kQuarter}, {"company.industry", std::nullopt}},
                     .aggregates = {{AggregateFn::kCount, ""}}};
  auto listed = [&](const Principal& p, const DrillDown& drill) -> int64_t {
    auto list = app_->records().List(p, {.object = drill.object, .filter = drill.filter, .limit = 1, .count = true});
    EXPECT_TRUE(list) << drill.filter << ": " << list.error().ToString();
    return list && list->total ? *list->total : -1;
  };
  for (const Principal* p : {&admin_, &rep_}) {
    auto result = Run(*p, d);
    ASSERT_TRUE(result) << result.error().ToString();
    ASSERT_GT(result->sections[0].rows.size(), 6u);
    for (const auto& row : result->sections[0].rows) {
      auto drill = app_->reports().Drill(*p, d, {{"stage", row.keys[0]}, {"close_date", row.keys[1]},
                                                 {"company.industry", row.keys[2]}});
      ASSERT_TRUE(drill) << drill.error().ToString();
      EXPECT_EQ(listed(*p, *drill), std::get<int64_t>(row.values[0])) << drill->filter;
    }
    // A subtotal's group: fewer keys.
    for (const auto& row : result->sections[1].rows) {
      auto drill = app_->reports().Drill(*p, d, {{"stage", row.keys[0]}, {"close_date", row.keys[1]}});
      ASSERT_TRUE(drill) << drill.error().ToString();
      EXPECT_EQ(listed(*p, *drill), std::get<int64_t>(row.values[0])) << drill->filter;
    }
  }
  auto sample = app_->reports().Drill(admin_, d, {{"stage", records::FieldValue{std::string("won")}},
                                                  {"close_date", records::FieldValue{std::string("2026-Q1")}},
                                                  {"company.industry", records::FieldValue{}}});
  ASSERT_TRUE(sample) << sample.error().ToString();
  EXPECT_EQ(sample->filter, "(amount > 20000) and stage = \"won\" and close_date >= 2025-04-01 and "
                            "close_date < 2025-07-01 and company.industry is null");
  EXPECT_EQ(app_->reports().Drill(admin_, d, {{"owner", records::FieldValue{}}}).error().field_errors()[0].field, "keys");
  EXPECT_FALSE(app_->reports().Drill(admin_, d, {{"close_date", records::FieldValue{std::string("2026-13")}}}));

  // A datetime's month in the workspace's time zone: 22:30 UTC on March 31st is
  // already April in Paris.
  ASSERT_TRUE(app_->workspace().Update(admin_, {.time_zone = "Europe/Paris"}));
  for (const char* at : {"2026-03-31T21:30:00Z", "2026-03-31T22:30:00Z", "2026-04-30T22:30:00Z"}) {
    auto created = app_->records().Create(
        admin_, {"activities", {{"type", V::String("call")}, {"subject", V::String("Edge")}, {"due_at", V::String(at)}}});
    ASSERT_TRUE(created) << created.error().ToString();
  }
  ReportDefinition months{.type = ReportType::kSummary, .object = "activities", .filter = "subject = \"Edge\"",
                          .group_by = {{"due_at", DatePart::kMonth}}, .aggregates = {{AggregateFn::kCount, ""}}};
  auto by_month = Run(admin_, months);
  ASSERT_TRUE(by_month) << by_month.error().ToString();
  ASSERT_EQ(by_month->sections[0].rows.size(), 3u);
  for (const auto& row : by_month->sections[0].rows) {
    auto drill = app_->reports().Drill(admin_, months, {{"due_at", row.keys[0]}});
    ASSERT_TRUE(drill) << drill.error().ToString();
    EXPECT_EQ(listed(admin_, *drill), 1) << drill->filter;
  }
  auto april = app_->reports().Drill(admin_, months, {{"due_at", records::FieldValue{std::string("2026-04")}}});
  ASSERT_TRUE(april);
  EXPECT_EQ(april->filter, "(subject = \"Edge\") and due_at >= 2026-03-31T22:00:00Z and due_at < 2026-04-30T22:00:00Z");
}

TEST_P(ReportEngineTest, AWorkbookHoldsTheWholeReport) {
  // A tabular report's workbook has every record, past the page size.
  ReportDefinition all{.type = ReportType::kTabular, .object = "opportunities", .columns = {"name", "amount", "close_date"},
                       .sort = "close_date"};
  auto book = ReportXlsx(app_->reports(), admin_, all, true, 50);
  ASSERT_TRUE(book) << book.error().ToString();
  std::string xml = testing::XlsxSheetXml(book->bytes);
  EXPECT_NE(xml.find("<t>Amount currency</t>"), std::string::npos) << xml.substr(0, 2000);
  size_t rows = 0;
  for (size_t at = xml.find("<row "); at != std::string::npos; at = xml.find("<row ", at + 1)) ++rows;
  EXPECT_EQ(rows, deals_.size() + 1);
  // The rep's role does not let them export.
  EXPECT_EQ(ReportXlsx(app_->reports(), rep_, all, true).error().code(), ErrorCode::kPermissionDenied);
}


// KPIs against the same deals counted here: the period is 2026's second quarter (the
// clock stands on 15 June), the period before the first. As the rep, a KPI counts only
// their deals, which is also their line of the per-owner breakdown.
TEST_P(ReportEngineTest, KpisMatchAnIndependentComputation) {
  ManualClock clock(*ParseDatetime("2026-06-15T12:00:00Z"));
  Kpis kpis(app_->records(), app_->workspace(), clock);
  const int64_t q2 = DaysFromCivil(2026, 4, 1), q3 = DaysFromCivil(2026, 7, 1);
  auto in_q2 = [&](const Deal& d) {
    int64_t day = *ParseDateDays(d.close_date);
    return day >= q2 && day < q3;
  };
  auto percent = [](int64_t a, int64_t b) { return Decimal{Expected::RoundHalfAway(static_cast<__int128>(a) * 1'000'000, b)}.ToString(); };
  auto figures = [](const KpiValue& v) {
    std::map<std::string, std::string> out;
    for (const KpiFigure& f : v.figures) out[f.currency] = f.value ? f.value->ToString() : "null";
    return out;
  };
  // created_at, read back, for the sales cycle.
  auto listed = app_->records().List(admin_, {.object = "opportunities", .limit = 500});
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->records.size(), deals_.size());
  std::map<std::string, int64_t> created_seconds;  // by name
  for (const auto& r : listed->records) {
    Micros t = *ParseDatetime(std::get<std::string>(*r.Find("created_at")));
    created_seconds[std::get<std::string>(*r.Find("name"))] = t / kMicrosPerSecond;
  }

  for (const Principal* viewer : {&admin_, &rep_}) {
    SCOPED_TRACE(viewer == &admin_ ? "admin" : "rep");
    int64_t won = 0, lost = 0;
    __int128 cycle_seconds = 0;
    std::map<std::string, Expected> won_by_currency;
    std::map<std::string, int64_t> open_by_currency;
    std::set<bool> owners;
    for (size_t i = 0; i < deals_.size(); ++i) {
      const Deal& d = deals_[i];
      if (viewer == &rep_ && !d.mine) continue;
      if (d.stage != "won" && d.stage != "lost") ++open_by_currency[d.currency];
      if (!in_q2(d)) continue;
      if (d.stage == "won" || d.stage == "lost") owners.insert(d.mine);
      if (d.stage == "lost") ++lost;
      if (d.stage != "won") continue;
      ++won;
      won_by_currency[d.currency].Add(d.cents * 100);
      cycle_seconds += *ParseDateDays(d.close_date) * 86'400 - created_seconds[fmt::format("Deal {}", i)];
    }
    ASSERT_GT(won, 0);
    auto get = [&](std::string_view key) {
      auto r = kpis.Compute(*viewer, key, {.period = "this_quarter"});
      EXPECT_TRUE(r) << key << ": " << r.error().ToString();
      return r ? *r : KpiResult{};
    };
    KpiResult win_rate = get("win_rate");
    EXPECT_EQ(win_rate.period.first, q2);
    EXPECT_EQ(win_rate.previous_period.end, q2);
    EXPECT_EQ(figures(win_rate.value)[""], percent(won, won + lost));

    std::map<std::string, std::string> sizes;
    for (const auto& [currency, e] : won_by_currency) sizes[currency] = e.Avg();
    EXPECT_EQ(figures(get("average_deal_size").value), sizes);

    Decimal cycle{Expected::RoundHalfAway(cycle_seconds * Decimal::kOne, won * 86'400)};
    EXPECT_EQ(figures(get("sales_cycle_length").value)[""], cycle.ToString());

    // Velocity from the figures above: open × won ÷ closed × average ÷ cycle. These
    // deals were created after they closed (created now, closing in the past), so the
    // cycle is negative and the velocity undefined; the next test has a real one.
    std::map<std::string, std::string> velocity;
    for (const auto& [currency, open] : open_by_currency) {
      if (!won_by_currency.contains(currency) || cycle.units <= 0) {  // no average, or no cycle
        velocity[currency] = "null";
        continue;
      }
      int64_t average = Expected::RoundHalfAway(won_by_currency[currency].sum, won_by_currency[currency].count);
      velocity[currency] = Decimal{Expected::RoundHalfAway(static_cast<__int128>(open) * won * average * Decimal::kOne,
                                                           (won + lost) * cycle.units)}.ToString();
    }
    KpiResult speed = get("pipeline_velocity");
    EXPECT_EQ(figures(speed.value), velocity);
    EXPECT_TRUE(speed.previous.figures.empty());  // the open pipeline of the past is unknown

    std::map<std::string, std::string> per_head;
    for (const auto& [currency, e] : won_by_currency) {
      per_head[currency] = Decimal{Expected::RoundHalfAway(e.sum, static_cast<int64_t>(owners.size()))}.ToString();
    }
    EXPECT_EQ(figures(get("revenue_per_salesperson").value), per_head);

    // The rep's own win rate is their line of the administrator's breakdown.
    if (viewer == &rep_) {
      auto by_owner = kpis.Compute(admin_, "win_rate", {.period = "this_quarter", .by_owner = true});
      ASSERT_TRUE(by_owner) << by_owner.error().ToString();
      bool found = false;
      for (const KpiOwnerValue& line : by_owner->by_owner) {
        if (line.owner_id != rep_.user_id) continue;
        found = true;
        EXPECT_EQ(figures(line.value)[""], percent(won, won + lost));
      }
      EXPECT_TRUE(found);
      auto mine = kpis.Compute(admin_, "win_rate", {.period = "this_quarter", .owner = rep_.user_id});
      ASSERT_TRUE(mine) << mine.error().ToString();
      EXPECT_EQ(figures(mine->value)[""], percent(won, won + lost));
    }
  }

  // The previous period's win rate, for the trend: the first quarter's deals.
  int64_t won = 0, closed = 0;
  for (const Deal& d : deals_) {
    int64_t day = *ParseDateDays(d.close_date);
    if (day < DaysFromCivil(2026, 1, 1) || day >= q2) continue;
    won += d.stage == "won";
    closed += d.stage == "won" || d.stage == "lost";
  }
  auto trend = kpis.Compute(admin_, "win_rate", {.period = "this_quarter"});
  ASSERT_TRUE(trend);
  EXPECT_EQ(figures(trend->previous)[""], closed ? percent(won, closed) : "null");

  // Refused: an unknown KPI, period or owner.
  EXPECT_EQ(kpis.Compute(admin_, "happiness", {}).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(kpis.Compute(admin_, "win_rate", {.period = "fortnight"}).error().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(kpis.Compute(admin_, "win_rate", {.owner = "Robert'); drop"}).error().code(), ErrorCode::kValidationFailed);
}

// Customers: companies with won deals in the renewals pipeline (apart from the other
// deals). Q1: Initech and Globex; Q2: Initech again and Hooli, new; Initech bought in
// 2025 too. So half the first quarter's customers stayed, and one is new.
TEST_P(ReportEngineTest, CustomerKpisCountCompaniesAcrossPeriods) {
  ManualClock clock(*ParseDatetime("2026-06-15T12:00:00Z"));
  Kpis kpis(app_->records(), app_->workspace(), clock);
  std::map<std::string, std::string> company;
  for (const char* name : {"Initech", "Globex", "Hooli"}) {
    auto c = app_->records().Create(admin_, {"companies", {{"name", V::String(name)}}});
    ASSERT_TRUE(c) << c.error().ToString();
    company[name] = c->id;
  }
  struct Sale {
    const char* company;
    const char* close_date;
    const char* amount;
  };
  for (Sale sale : {Sale{"Initech", "2025-05-01", "100.00"}, Sale{"Initech", "2026-02-01", "200.00"},
                    Sale{"Globex", "2026-03-31", "300.00"}, Sale{"Initech", "2026-04-01", "1000.00"},
                    Sale{"Hooli", "2026-06-30", "500.00"}}) {
    V amount;
    amount.kind = V::Kind::kObject;
    amount.members = {{"amount", V::String(sale.amount)}, {"currency", V::String("EUR")}};
    auto created = app_->records().Create(
        admin_, {"opportunities", {{"name", V::String(sale.company)}, {"stage", V::String("won")},
                                   {"pipeline", V::String("renewals")}, {"company_id", V::String(company[sale.company])},
                                   {"close_date", V::String(sale.close_date)}, {"amount", amount}}});
    ASSERT_TRUE(created) << created.error().ToString();
  }
  auto figure = [&](std::string_view key) -> std::string {
    auto r = kpis.Compute(admin_, key, {.period = "this_quarter", .pipeline = "renewals"});
    EXPECT_TRUE(r) << key << ": " << r.error().ToString();
    if (!r || r->value.figures.empty()) return "none";
    const KpiFigure& f = r->value.figures[0];
    return f.currency + (f.currency.empty() ? "" : " ") + (f.value ? f.value->ToString() : "null");
  };
  EXPECT_EQ(figure("retention_rate"), "50");
  EXPECT_EQ(figure("churn_rate"), "50");
  EXPECT_EQ(figure("new_customers"), "1");
  // (1,500 ÷ 2 paying) ÷ 50 % churn.
  EXPECT_EQ(figure("customer_lifetime_value"), "EUR 1500");

  // Acquisition cost needs campaigns with a cost: refused until they exist.
  auto without = kpis.Compute(admin_, "customer_acquisition_cost", {.period = "this_quarter"});
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(without.error().ToString().find("no `campaigns` object"), std::string::npos) << without.error().ToString();
  ASSERT_TRUE(app_->metadata().Apply(
      admin_.tenant_id,
      metadata::CreateObject{.name = "campaigns", .label = "Campaign", .label_plural = "Campaigns",
                             .fields = {{.name = "name", .type = "text", .required = true},
                                        {.name = "cost", .type = "currency"},
                                        {.name = "start_date", .type = "date"}}}));
  for (auto [start, cost] : {std::pair{"2026-05-01", "240.00"}, {"2026-03-01", "999.00"}}) {
    V money;
    money.kind = V::Kind::kObject;
    money.members = {{"amount", V::String(cost)}, {"currency", V::String("EUR")}};
    auto created = app_->records().Create(
        admin_, {"campaigns", {{"name", V::String(start)}, {"cost", money}, {"start_date", V::String(start)}}});
    ASSERT_TRUE(created) << created.error().ToString();
  }
  EXPECT_EQ(figure("customer_acquisition_cost"), "EUR 240");  // 240 ÷ 1 new customer
}

// Deals closing after they were created (in 2027, the clock on 15 June 2027): the sales
// cycle and the pipeline velocity, worked out from each deal's created_at read back.
TEST_P(ReportEngineTest, PipelineVelocityFollowsItsFormula) {
  ManualClock clock(*ParseDatetime("2027-06-15T12:00:00Z"));
  Kpis kpis(app_->records(), app_->workspace(), clock);
  struct Sale {
    const char* stage;
    const char* close_date;
    const char* amount;
  };
  __int128 cycle_seconds = 0;
  for (Sale sale : {Sale{"won", "2027-05-01", "1000.00"}, Sale{"won", "2027-06-01", "3000.01"},
                    Sale{"lost", "2027-04-15", "50.00"}, Sale{"proposal", "2027-09-01", "10.00"},
                    Sale{"negotiation", "2027-09-01", "20.00"}, Sale{"prospecting", "2027-10-01", "30.00"}}) {
    V amount;
    amount.kind = V::Kind::kObject;
    amount.members = {{"amount", V::String(sale.amount)}, {"currency", V::String("EUR")}};
    auto created = app_->records().Create(
        admin_, {"opportunities", {{"name", V::String(sale.close_date)}, {"stage", V::String(sale.stage)},
                                   {"pipeline", V::String("partners")}, {"close_date", V::String(sale.close_date)},
                                   {"amount", amount}}});
    ASSERT_TRUE(created) << created.error().ToString();
    if (std::string_view(sale.stage) != "won") continue;
    Micros at = *ParseDatetime(std::get<std::string>(*created->Find("created_at")));
    cycle_seconds += *ParseDateDays(sale.close_date) * 86'400 - at / kMicrosPerSecond;
  }
  const KpiParameters partners{.period = "this_quarter", .pipeline = "partners"};
  auto cycle = kpis.Compute(admin_, "sales_cycle_length", partners);
  ASSERT_TRUE(cycle) << cycle.error().ToString();
  const int64_t days = Expected::RoundHalfAway(cycle_seconds * Decimal::kOne, 2 * 86'400);
  EXPECT_EQ(cycle->value.figures.at(0).value->units, days);
  auto velocity = kpis.Compute(admin_, "pipeline_velocity", partners);
  ASSERT_TRUE(velocity) << velocity.error().ToString();
  ASSERT_EQ(velocity->value.figures.size(), 1u);
  EXPECT_EQ(velocity->value.figures[0].currency, "EUR");
  // 3 open × (2 won ÷ 3 closed) × 2,000.005 average ÷ the cycle's days, per day.
  const int64_t average = Expected::RoundHalfAway(static_cast<__int128>(40'000'100), 2);
  EXPECT_EQ(velocity->value.figures[0].value->units,
            Expected::RoundHalfAway(static_cast<__int128>(3) * 2 * average * Decimal::kOne, 3 * days));
  EXPECT_TRUE(velocity->previous.figures.empty());
}

// When a schedule falls due, in the workspace's time zone: across the spring clock
// change in Paris (29 March 2026: 02:00 becomes 03:00, UTC+1 becomes UTC+2).
TEST(ScheduleTest, NextRunFollowsTheWorkspaceClock) {
  auto at = [](const char* t) { return *ParseDatetime(t); };
  auto next = [](const ReportSchedule& s, Micros after, const char* zone) {
    auto n = NextRun(s, after, zone);
    return n ? FormatDatetime(*n) : std::string("none");
  };
  ReportSchedule daily{.frequency = Frequency::kDaily, .hour = 8};
  EXPECT_EQ(next(daily, at("2026-03-28T06:00:00Z"), "Europe/Paris"), "2026-03-28T07:00:00.000000Z");
  EXPECT_EQ(next(daily, at("2026-03-28T12:00:00Z"), "Europe/Paris"), "2026-03-29T06:00:00.000000Z");
  EXPECT_EQ(next(daily, at("2026-03-28T07:00:00Z"), "Europe/Paris"), "2026-03-29T06:00:00.000000Z");  // strictly after
  ReportSchedule skipped{.frequency = Frequency::kDaily, .hour = 2};  // 02:00 does not happen on the 29th
  EXPECT_EQ(next(skipped, at("2026-03-28T12:00:00Z"), "Europe/Paris"), "2026-03-29T01:00:00.000000Z");
  ReportSchedule monday{.frequency = Frequency::kWeekly, .hour = 9, .weekday = 1};
  EXPECT_EQ(next(monday, at("2026-11-26T10:00:00Z"), "UTC"), "2026-11-30T09:00:00.000000Z");  // a Thursday
  ReportSchedule monthly{.frequency = Frequency::kMonthly, .hour = 0, .day_of_month = 28};
  EXPECT_EQ(next(monthly, at("2026-02-28T00:00:00Z"), "UTC"), "2026-03-28T00:00:00.000000Z");
  EXPECT_EQ(next(monthly, at("2026-12-30T00:00:00Z"), "America/New_York"), "2027-01-28T05:00:00.000000Z");
  EXPECT_EQ(next(daily, 0, "Mars/Olympus_Mons"), "none");
}

// A schedule mails each recipient the report run as them, as a real SMTP server
// receives it: the administrator every deal's figures, the rep their own; someone who
// may not open or export it gets nothing, and the schedule's status says so.
TEST_P(ReportEngineTest, SchedulesMailEachRecipientTheirOwnFigures) {
  testing::SmtpServer smtp;
  ASSERT_TRUE(smtp.ready());
  auto mailer = mail::SmtpMailer({.url = smtp.url(), .from = {"reports@acme.example", "Rapport"}});
  ASSERT_TRUE(mailer) << mailer.error().ToString();
  ManualClock clock(*ParseDatetime("2026-11-26T07:00:00Z"));
  ReportSchedules schedules(app_->db(), app_->reports(), app_->saved_reports(), app_->records(), app_->workspace(),
                            app_->dashboards(), clock);
  auto report = app_->saved_reports().Create(
      admin_, {.name = "Won by currency", .definition = {.type = ReportType::kSummary, .object = "opportunities",
                                                         .filter = "stage = \"won\"",
                                                         .aggregates = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}}},
               .shared = true});
  ASSERT_TRUE(report) << report.error().ToString();

  // Refused, and nothing saved: an hour past 23, someone not in the workspace, a report
  // the author may not open.
  auto field_of = [](const auto& r) { return r ? std::string("saved") : r.error().field_errors().at(0).field; };
  EXPECT_EQ(field_of(schedules.Create(admin_, {.report_id = report->id, .recipients = {admin_.user_id}, .hour = 24})), "hour");
  EXPECT_EQ(field_of(schedules.Create(admin_, {.report_id = report->id, .recipients = {NewId()}})), "recipients[0]");
  EXPECT_EQ(field_of(schedules.Create(admin_, {.report_id = NewId(), .recipients = {admin_.user_id}})), "report_id");
  EXPECT_TRUE(schedules.List(admin_)->empty());

  auto created = schedules.Create(admin_, {.report_id = report->id, .format = "csv",
                                           .recipients = {admin_.user_id, rep_.user_id},
                                           .frequency = Frequency::kDaily, .hour = 8});
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(created->next_run_at, "2026-11-26T08:00:00.000000Z");
  EXPECT_TRUE(schedules.List(rep_)->empty());  // not theirs
  EXPECT_EQ(*schedules.RunDue(**mailer), 0);    // not due yet

  // Due: the administrator gets it; the rep may not export deals, so gets nothing.
  clock.Set(*ParseDatetime("2026-11-26T08:00:30Z"));
  EXPECT_EQ(*schedules.RunDue(**mailer), 1);
  EXPECT_EQ(*schedules.RunDue(**mailer), 0);  // once
  auto after = schedules.Get(admin_, created->id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->next_run_at, "2026-11-27T08:00:00.000000Z");
  EXPECT_EQ(after->last_status, "Sent to 1 of 2 recipients. Rex: may not export opportunities.") << after->last_status;
  auto mails = smtp.Received();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, std::vector<std::string>{"ada@example.com"});
  EXPECT_EQ(mails[0].subject, "Won by currency — 2026-11-26");

  // Each one's totals, computed here: every won deal for her, his own for him.
  std::map<std::string, Expected> all, his;
  for (const Deal& d : deals_) {
    if (d.stage != "won") continue;
    all[d.currency].Add(d.cents * 100);
    if (d.mine) his[d.currency].Add(d.cents * 100);
  }
  auto check_csv = [](const std::string& csv, const std::map<std::string, Expected>& expected) {
    for (const auto& [currency, e] : expected) {
      std::string line = fmt::format("{},{},{}\r\n", e.count, Decimal{static_cast<int64_t>(e.sum)}.ToString(2), currency);
      EXPECT_NE(csv.find(line), std::string::npos) << line << csv;
    }
  };
  ASSERT_EQ(mails[0].attachments.size(), 1u);
  EXPECT_EQ(mails[0].attachments[0].filename, "Won by currency 2026-11-26.csv");
  check_csv(mails[0].attachments[0].bytes, all);
  EXPECT_NE(mails[0].text.find("Total: Count: "), std::string::npos) << mails[0].text;

  // Allowed to export their own deals, the rep gets exactly those; as a workbook too.
  security::Role exporter;
  exporter.name = "Export own deals";
  exporter.objects["opportunities"] = {security::Scope::kOwn, security::Scope::kOwn, security::Scope::kOwn,
                                       security::Scope::kNone, true};
  auto role = app_->access().CreateRole(admin_, exporter);
  ASSERT_TRUE(role) << role.error().ToString();
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, rep_.user_id, {role->id}));
  auto sent = schedules.SendNow(admin_, created->id, **mailer);
  ASSERT_TRUE(sent) << sent.error().ToString();
  EXPECT_EQ(sent->status, "Sent to 2 of 2 recipients.");
  mails = smtp.Received();
  ASSERT_EQ(mails.size(), 3u);
  for (size_t i = 1; i < 3; ++i) check_csv(mails[i].attachments.at(0).bytes, mails[i].to.at(0) == "rex@example.com" ? his : all);
  ASSERT_TRUE(schedules.Update(admin_, created->id, {.format = "xlsx"}));
  ASSERT_TRUE(schedules.SendNow(admin_, created->id, **mailer));
  mails = smtp.Received();
  ASSERT_EQ(mails.size(), 5u);
  EXPECT_EQ(mails[4].attachments.at(0).filename, "Won by currency 2026-11-26.xlsx");
  EXPECT_NE(testing::XlsxSheetXml(mails[4].attachments[0].bytes).find("<sheetData>"), std::string::npos);

  // A report no longer shared with the rep: he gets nothing.
  ASSERT_TRUE(app_->saved_reports().Update(admin_, report->id, {.shared = false}));
  sent = schedules.SendNow(admin_, created->id, **mailer);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->status, "Sent to 1 of 2 recipients. Rex: may not open the report.");
  // Only its author or an administrator changes it.
  EXPECT_FALSE(schedules.Delete(rep_, created->id));
  EXPECT_TRUE(schedules.Delete(admin_, created->id));
  EXPECT_TRUE(schedules.List(admin_)->empty());

  // A dashboard: each widget's figures in the text, each widget's report attached.
  ASSERT_TRUE(app_->saved_reports().Update(admin_, report->id, {.shared = true}));
  auto by_stage = app_->saved_reports().Create(
      admin_, {.name = "Deals by stage", .definition = {.type = ReportType::kSummary, .object = "opportunities",
                                                        .group_by = {{"stage", std::nullopt}}},
               .chart = ChartType::kBar, .shared = true});
  ASSERT_TRUE(by_stage) << by_stage.error().ToString();
  auto dashboard = app_->dashboards().Create(
      admin_, {.name = "Weekly",
               .widgets = {{.report_id = report->id, .w = 4, .h = 2},
                           {.report_id = by_stage->id, .y = 2},
                           {.kpi = "win_rate", .x = 4, .w = 4, .h = 2}},
               .shared = true});
  ASSERT_TRUE(dashboard) << dashboard.error().ToString();
  EXPECT_EQ(field_of(schedules.Create(admin_, {.report_id = report->id, .dashboard_id = dashboard->id,
                                               .recipients = {admin_.user_id}})), "dashboard_id");
  auto weekly = schedules.Create(admin_, {.dashboard_id = dashboard->id, .format = "csv", .recipients = {rep_.user_id}});
  ASSERT_TRUE(weekly) << weekly.error().ToString();
  sent = schedules.SendNow(admin_, weekly->id, **mailer);
  ASSERT_TRUE(sent) << sent.error().ToString();
  EXPECT_EQ(sent->status, "Sent to 1 of 1 recipient.");
  mails = smtp.Received();
  ASSERT_EQ(mails.size(), 7u);
  EXPECT_EQ(mails[6].subject, "Weekly — 2026-11-26");
  EXPECT_NE(mails[6].text.find("Won by currency\nTotal: Count: "), std::string::npos) << mails[6].text;
  EXPECT_NE(mails[6].text.find("Deals by stage\n"), std::string::npos) << mails[6].text;
  EXPECT_NE(mails[6].text.find("Win rate\n"), std::string::npos) << mails[6].text;  // a KPI widget: its figure
  ASSERT_EQ(mails[6].attachments.size(), 2u);
  check_csv(mails[6].attachments[0].bytes, his);  // the rep's own deals, as in his own mail
}

TEST_P(ReportEngineTest, SnapshotsKeepEachDaysRecordsUnderTheirOwnersPermissions) {
  ManualClock clock(*ParseDatetime("2026-10-31T22:00:00Z"));
  RecordSnapshots snapshots(app_->db(), app_->records(), app_->workspace(), clock);
  const std::string open = "stage != \"won\" and stage != \"lost\"";
  // A custom picklist is copied with its values (and follows them: below).
  auto category = app_->records().ApplyMetadata(
      admin_, metadata::AddField{"opportunities", {.name = "category", .label = "Forecast category", .type = "picklist",
                                                   .options = {{"pipeline", "Pipeline"}, {"commit", "Commit"}}}});
  ASSERT_TRUE(category) << category.error().ToString();
  SnapshotDefinition pipeline{.name = "Open pipeline", .source = "opportunities", .filter = open,
                              .fields = {"stage", "amount", "close_date", "category"}};

  // Refused, and nothing made: a rep, a field the object lacks, a broken filter, the
  // owner (every copy keeps it anyway), no such object.
  auto field_of = [](const auto& r) { return r ? std::string("saved") : r.error().field_errors().at(0).field; };
  auto by_rep = snapshots.Create(rep_, pipeline);
  ASSERT_FALSE(by_rep);
  EXPECT_EQ(by_rep.error().code(), ErrorCode::kPermissionDenied);
  auto wrong = pipeline;
  wrong.fields = {"stage", "colour"};
  EXPECT_EQ(field_of(snapshots.Create(admin_, wrong)), "fields[1]");
  wrong = pipeline;
  wrong.fields = {"owner_id"};
  EXPECT_EQ(field_of(snapshots.Create(admin_, wrong)), "fields[0]");
  wrong = pipeline;
  wrong.filter = "stage = ";
  EXPECT_EQ(field_of(snapshots.Create(admin_, wrong)), "filter");
  wrong = pipeline;
  wrong.source = "unicorns";
  EXPECT_EQ(field_of(snapshots.Create(admin_, wrong)), "source");
  EXPECT_TRUE(snapshots.List(admin_)->empty());
  EXPECT_EQ((*app_->records().Metadata(admin_))->FindObject("opportunities_snapshots"), nullptr);

  auto created = snapshots.Create(admin_, pipeline);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(created->target, "opportunities_snapshots");
  EXPECT_EQ(created->next_run_at, "2026-10-31T23:00:00.000000Z");
  EXPECT_EQ(*snapshots.RunDue(), 0);  // not due yet
  // Reached after midnight (a busy job loop): still 31 October's snapshot.
  clock.Set(*ParseDatetime("2026-11-01T00:10:00Z"));
  EXPECT_EQ(*snapshots.RunDue(), 1);
  EXPECT_EQ(*snapshots.RunDue(), 0);  // once
  auto after = snapshots.Get(admin_, created->id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->next_run_at, "2026-11-01T23:00:00.000000Z");

  // The pipeline as of 31 October, by stage: each open deal, as counted here.
  std::map<std::string, Expected> all, his;
  for (const Deal& d : deals_) {
    if (d.stage == "won" || d.stage == "lost") continue;
    all[d.stage + "|" + d.currency].Add(d.cents * 100);
    if (d.mine) his[d.stage + "|" + d.currency].Add(d.cents * 100);
  }
  int64_t open_deals = 0;
  for (const auto& [key, e] : all) open_deals += e.count;
  EXPECT_EQ(after->last_status, fmt::format("Copied {} records for 2026-10-31.", open_deals));
  ReportDefinition as_of{.type = ReportType::kSummary, .object = "opportunities_snapshots",
                         .filter = "snapshot_date = 2026-10-31", .group_by = {{"stage", std::nullopt}},
                         .aggregates = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}}};
  auto check = [&](const Principal& p, const std::map<std::string, Expected>& expected) {
    auto result = Run(p, as_of);
    ASSERT_TRUE(result) << result.error().ToString();
    auto got = ByKey(result->sections.front());
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [key, e] : expected) {
      ASSERT_TRUE(got.contains(key)) << key;
      EXPECT_EQ(std::get<int64_t>(got[key]->values[0]), e.count) << key;
      EXPECT_EQ(Amount(got[key]->values[1]), e.Sum()) << key;
    }
  };
  check(admin_, all);
  // The rep sees the copies of his own deals only, as on the live object, and may not
  // export them, write history, or change it.
  check(rep_, his);
  EXPECT_EQ(Run(rep_, as_of, true).error().code(), ErrorCode::kPermissionDenied);
  auto forged = app_->records().Create(rep_, {.object = "opportunities_snapshots",
                                              .values = {{"snapshot_date", V::String("2026-10-30")},
                                                         {"snapshot_key", V::String("forged")}}});
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code(), ErrorCode::kPermissionDenied);

  // The history follows the source's permissions as they are now, not as they were
  // when the snapshot was made: a deal shared with the rep by hand brings its copies...
  auto not_his = app_->records().List(admin_, {.object = "opportunities", .filter = open + " and owner_id = me()",
                                               .limit = 1});
  ASSERT_TRUE(not_his && !not_his->records.empty());
  const records::Record& shared = not_his->records[0];
  ASSERT_TRUE(app_->records().Share(admin_, "opportunities", shared.id, {security::ShareTarget::Kind::kUser, rep_.user_id},
                                    security::ShareLevel::kRead));
  auto his_and_shared = his;
  const auto& shared_amount = std::get<records::Money>(*shared.Find("amount"));
  his_and_shared[std::get<std::string>(*shared.Find("stage")) + "|" + shared_amount.currency].Add(shared_amount.amount.units);
  check(rep_, his_and_shared);
  ASSERT_TRUE(app_->records().Unshare(admin_, "opportunities", shared.id, {security::ShareTarget::Kind::kUser, rep_.user_id}));
  // ...his role widened to every deal widens his history, and a role made since (which
  // gives no access to deals) closes it, rather than the new object's defaults.
  auto roles = app_->access().ListRoles(admin_);
  ASSERT_TRUE(roles);
  security::Role own = roles->front();
  for (const auto& r : *roles) if (r.name == "Own deals") own = r;
  security::Role wide = own;
  wide.objects["opportunities"].read = security::Scope::kAll;
  ASSERT_TRUE(app_->access().ReplaceRole(admin_, wide));
  check(rep_, all);
  ASSERT_TRUE(app_->access().ReplaceRole(admin_, own));
  check(rep_, his);
  security::Role closed;
  closed.name = "No deals";
  closed.objects["opportunities"] = {security::Scope::kNone, security::Scope::kNone, security::Scope::kNone,
                                     security::Scope::kNone, false};
  auto made = app_->access().CreateRole(admin_, closed);
  ASSERT_TRUE(made) << made.error().ToString();
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, rep_.user_id, {made->id}));
  EXPECT_EQ(Run(rep_, as_of).error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, rep_.user_id, {own.id}));
  check(rep_, his);
  // A sharing rule of the source applies to the copies by their own (copied) values.
  auto rule = app_->access().CreateRule(admin_, {.object = "opportunities", .name = "Proposals for all",
                                                 .criteria = "stage = \"proposal\""});
  ASSERT_TRUE(rule) << rule.error().ToString();
  auto his_and_proposals = his;
  for (const auto& [key, e] : all) {
    if (key.starts_with("proposal|")) his_and_proposals[key] = e;
  }
  check(rep_, his_and_proposals);
  ASSERT_TRUE(app_->access().DeleteRule(admin_, rule->id));
  check(rep_, his);

  // A day later one open deal is won: the next day's copy has one record fewer, and 31
  // October's copies are as they were.
  auto some_open = app_->records().List(admin_, {.object = "opportunities", .filter = open, .limit = 1});
  ASSERT_TRUE(some_open && !some_open->records.empty());
  ASSERT_TRUE(app_->records().Update(admin_, {.object = "opportunities", .id = some_open->records[0].id,
                                              .changes = {{"stage", V::String("won")}}}));
  clock.Set(*ParseDatetime("2026-11-01T23:00:10Z"));
  EXPECT_EQ(*snapshots.RunDue(), 1);
  auto count_of = [&](std::string_view date) {
    ReportDefinition d{.type = ReportType::kSummary, .object = "opportunities_snapshots",
                       .filter = fmt::format("snapshot_date = {}", date), .aggregates = {{AggregateFn::kCount, ""}}};
    auto r = Run(admin_, d);
    return r ? std::get<int64_t>(r->sections.back().rows[0].values[0]) : -1;
  };
  EXPECT_EQ(count_of("2026-10-31"), open_deals);
  EXPECT_EQ(count_of("2026-11-01"), open_deals - 1);
  // Taken again the same day (by hand, or after a crash half-way): brought up to date, not doubled.
  auto again = snapshots.RunNow(admin_, created->id);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->date, "2026-11-01");
  EXPECT_EQ(again->rows, open_deals - 1);
  EXPECT_EQ(count_of("2026-11-01"), open_deals - 1);

  // A picklist value added since the snapshot object was made is added to it too, not refused.
  auto added = app_->records().ApplyMetadata(
      admin_, metadata::UpdateField{.object = "opportunities", .field = "category",
                                    .options = std::vector<metadata::PicklistOption>{
                                        {"pipeline", "Pipeline"}, {"commit", "Commit"}, {"best_case", "Best case"}}});
  ASSERT_TRUE(added) << added.error().ToString();
  auto held = app_->records().List(admin_, {.object = "opportunities", .filter = open, .limit = 1});
  ASSERT_TRUE(held && !held->records.empty());
  ASSERT_TRUE(app_->records().Update(admin_, {.object = "opportunities", .id = held->records[0].id,
                                              .changes = {{"category", V::String("best_case")}}}));
  clock.Set(*ParseDatetime("2026-11-02T23:00:10Z"));
  EXPECT_EQ(*snapshots.RunDue(), 1);
  EXPECT_EQ(snapshots.Get(admin_, created->id)->last_status,
            fmt::format("Copied {} records for 2026-11-02.", open_deals - 1));
  auto best = Run(admin_, {.type = ReportType::kSummary, .object = "opportunities_snapshots",
                           .filter = "snapshot_date = 2026-11-02 and category = \"best_case\"",
                           .aggregates = {{AggregateFn::kCount, ""}}});
  ASSERT_TRUE(best) << best.error().ToString();
  EXPECT_EQ(std::get<int64_t>(best->sections.back().rows[0].values[0]), 1);

  // Deleting the definition keeps the history.
  ASSERT_TRUE(snapshots.Delete(admin_, created->id));
  EXPECT_TRUE(snapshots.List(admin_)->empty());
  EXPECT_EQ(count_of("2026-10-31"), open_deals);
}

TEST_P(ReportEngineTest, ForecastAccuracyComparesTheEvesSnapshotWithWhatWasWon) {
  ManualClock clock(*ParseDatetime("2025-12-31T23:30:00Z"));
  Kpis kpis(app_->records(), app_->workspace(), clock);
  auto none = kpis.Compute(admin_, "forecast_accuracy", {.period = "this_year"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kFailedPrecondition);  // no snapshots yet

  RecordSnapshots snapshots(app_->db(), app_->records(), app_->workspace(), clock);
  auto pipeline = snapshots.Create(admin_, {.name = "Pipeline", .source = "opportunities",
                                            .filter = "stage not in (\"won\", \"lost\")",
                                            .fields = {"stage", "amount", "close_date"}});
  ASSERT_TRUE(pipeline) << pipeline.error().ToString();
  auto taken = snapshots.RunNow(admin_, pipeline->id);
  ASSERT_TRUE(taken) << taken.error().ToString();
  EXPECT_EQ(taken->date, "2025-12-31");

  // In 2026, as counted here: the forecast is what was open on 31 December with a close
  // date in 2026; won is what is won with one, now.
  clock.Set(*ParseDatetime("2026-06-15T12:00:00Z"));
  std::map<std::string, int64_t> forecast, won;
  for (const Deal& d : deals_) {
    if (!d.close_date.starts_with("2026")) continue;
    if (d.stage != "won" && d.stage != "lost") forecast[d.currency] += d.cents * 100;
    if (d.stage == "won") won[d.currency] += d.cents * 100;
  }
  auto result = kpis.Compute(admin_, "forecast_accuracy", {.period = "this_year"});
  ASSERT_TRUE(result) << result.error().ToString();
  ASSERT_EQ(result->value.figures.size(), forecast.size());
  for (const KpiFigure& f : result->value.figures) {
    ASSERT_TRUE(forecast.contains(f.currency)) << f.currency;
    const int64_t miss = std::abs(won[f.currency] - forecast[f.currency]);
    const int64_t expected = 100 * Decimal::kOne - Expected::RoundHalfAway(static_cast<__int128>(miss) * 100 * Decimal::kOne,
                                                                            forecast[f.currency]);
    ASSERT_TRUE(f.value) << f.currency;
    EXPECT_EQ(f.value->ToString(), Decimal{expected}.ToString()) << f.currency;
  }
  // 2025 had no snapshot on its eve: no forecast, so no figure for the trend.
  EXPECT_TRUE(result->previous.figures.empty());
}

TEST_P(ReportEngineTest, StageConversionFollowsEachDealsHistory) {
  // Five deals that were prospecting went to proposal and were then lost: they reached
  // proposal, which their stage no longer says, their history does.
  auto prospects = app_->records().List(admin_, {.object = "opportunities", .filter = "stage = \"prospecting\"",
                                                 .sort = "id", .limit = 5});
  ASSERT_TRUE(prospects && prospects->records.size() == 5u);
  for (const auto& r : prospects->records) {
    for (const char* stage : {"proposal", "lost"}) {
      ASSERT_TRUE(app_->records().Update(admin_, {.object = "opportunities", .id = r.id, .changes = {{"stage", V::String(stage)}}}));
    }
  }
  // Counted here: a deal reached step i when its furthest stage is i or later.
  const std::vector<std::string> steps = {"prospecting", "qualification", "proposal", "negotiation", "won"};
  std::vector<int64_t> reached(steps.size(), 0);
  for (const Deal& d : deals_) {
    auto at = std::find(steps.begin(), steps.end(), d.stage);
    for (size_t i = 0; at != steps.end() && i <= static_cast<size_t>(at - steps.begin()); ++i) ++reached[i];
  }
  std::vector<std::string> labels;
  const auto* stage = (*app_->records().Metadata(admin_))->FindObject("opportunities")->FindField("stage");
  for (const auto& s : steps) {
    for (const auto& option : stage->options) {
      if (option.value == s) labels.push_back(option.label);
    }
  }
  ASSERT_EQ(labels.size(), steps.size());
  reached[1] += 5;  // the five went from prospecting (counted at 0) to proposal (2)
  reached[2] += 5;

  auto result = app_->kpis().Compute(admin_, "stage_conversion", {.period = "this_year"});
  ASSERT_TRUE(result) << result.error().ToString();
  ASSERT_EQ(result->value.figures.size(), steps.size() - 1);
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    const KpiFigure& f = result->value.figures[i];
    EXPECT_EQ(f.step, labels[i] + " → " + labels[i + 1]);
    ASSERT_TRUE(f.value) << f.step;
    EXPECT_EQ(f.value->ToString(), Decimal{Expected::RoundHalfAway(static_cast<__int128>(reached[i + 1]) * 1'000'000, reached[i])}.ToString())
        << f.step;
  }
  EXPECT_TRUE(KpiFiguresText(KpiUnit::kPercent, {result->value.figures[0]}).starts_with(labels[0] + " → " + labels[1] + ": "));
}

TEST_P(ReportEngineTest, TabularColumnsReachRelatedRecordsThroughLookups) {
  auto acme = app_->records().Create(admin_, {.object = "companies", .values = {{"name", V::String("Acme")},
                                                                                {"industry", V::String("retail")}}});
  ASSERT_TRUE(acme) << acme.error().ToString();
  ASSERT_TRUE(app_->records().Create(admin_, {.object = "opportunities", .values = {{"name", V::String("Linked deal")},
                                                                                    {"company_id", V::String(acme->id)}}}));
  ReportDefinition d{.type = ReportType::kTabular, .object = "opportunities", .filter = "name = \"Linked deal\"",
                     .columns = {"name", "company.name", "company.industry"}};
  auto result = Run(admin_, d);
  ASSERT_TRUE(result) << result.error().ToString();
  ASSERT_EQ(result->columns.size(), 3u);
  EXPECT_EQ(result->columns[2].label, "Company: Industry");
  EXPECT_EQ(result->columns[2].type, "picklist");
  ASSERT_EQ(result->records.size(), 1u);
  EXPECT_EQ(std::get<std::string>(*result->records[0].Find("company.industry")), "retail");
  const std::string csv = ReportCsv(*result, /*labels=*/true);
  EXPECT_NE(csv.find("Company: Industry"), std::string::npos) << csv;
  EXPECT_NE(csv.find("retail"), std::string::npos) << csv;
  // A field the related object lacks is refused, naming the columns.
  d.columns = {"name", "company.colour"};
  auto refused = Run(admin_, d);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
}

// A dashboard's reports run together (RunMany): on SQLite those over the same deals
// under the same filter share one scan. Every figure must be what the report gives
// alone, for a user who sees every deal and for one who sees a third of them, and a
// report that cannot run fails alone.
TEST_P(ReportEngineTest, ReportsRunTogetherGiveWhatEachGivesAlone) {
  // Each way of computing a result is compared with another: none is to come from the
  // results kept of an earlier run.
  app_->records().KeepResults(0);
  std::vector<std::string> companies;
  for (const char* industry : {"software", "retail"}) {
    auto company = app_->records().Create(
        admin_, {"companies", {{"name", V::String(std::string("Shared ") + industry)}, {"industry", V::String(industry)}}});
    ASSERT_TRUE(company) << company.error().ToString();
    companies.push_back(company->id);
  }
  // A few deals of each company, some of them the rep's.
  for (int i = 0; i < 9; ++i) {
    records::InputObject values = {{"name", V::String(fmt::format("Shared deal {}", i))},
                                   {"stage", V::String(kStages[i % kStages.size()])},
                                   {"amount", V::String(fmt::format("{}.{:02}", 100 + i * 37, i * 11 % 100))},
                                   {"close_date", V::String(fmt::format("2025-0{}-15", 1 + i % 9))},
                                   {"company_id", V::String(companies[i % 2])}};
    if (i % 3 == 0) values.emplace_back("owner_id", V::String(rep_.user_id));
    ASSERT_TRUE(app_->records().Create(admin_, {"opportunities", std::move(values)}));
  }
  using records::Measure;
  const Measure count{AggregateFn::kCount, ""}, sum{AggregateFn::kSum, "amount"};
  std::vector<ReportDefinition> definitions = {
      {.type = ReportType::kSummary, .object = "opportunities",
       .group_by = {{"stage", std::nullopt}, {"close_date", DatePart::kYear}},
       .aggregates = {count, sum, {AggregateFn::kAvg, "amount"}, {AggregateFn::kMin, "amount"},
                      {AggregateFn::kMax, "close_date"}}},
      {.type = ReportType::kSummary, .object = "opportunities", .group_by = {{"company.industry", std::nullopt}},
       .aggregates = {sum, {AggregateFn::kCountDistinct, "company.name"}}},
      {.type = ReportType::kMatrix, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
       .across = {{"company.industry", std::nullopt}}, .aggregates = {count, sum}},
      {.type = ReportType::kSummary, .object = "opportunities", .group_by = {{"stage", std::nullopt}},
       .aggregates = {sum, {AggregateFn::kMedian, "amount"}}, .sort = "-sum(amount)", .limit = 2},
      {.type = ReportType::kSummary, .object = "opportunities", .filter = "stage = \"won\"",
       .group_by = {{"close_date", DatePart::kMonth}}, .aggregates = {count, sum}},
      {.type = ReportType::kSummary, .object = "opportunities", .group_by = {{"colour", std::nullopt}},
       .aggregates = {count}},
      {.type = ReportType::kTabular, .object = "opportunities", .filter = "name ~ \"Shared deal\"",
       .columns = {"name", "amount", "company.name"}, .sort = "name"},
  };
  auto same_rows = [](const std::vector<records::AggregateRow>& a, const std::vector<records::AggregateRow>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].keys != b[i].keys || a[i].currency != b[i].currency || a[i].values != b[i].values) return false;
    }
    return true;
  };
  for (const Principal& viewer : {admin_, rep_}) {
    std::vector<Result<ReportResult>> together = app_->reports().RunMany(viewer, definitions);
    ASSERT_EQ(together.size(), definitions.size());
    size_t compared_rows = 0;
    for (size_t i = 0; i < definitions.size(); ++i) {
      auto alone = Run(viewer, definitions[i]);
      ASSERT_EQ(together[i].has_value(), alone.has_value()) << i;
      if (!alone) {
        EXPECT_EQ(together[i].error().ToString(), alone.error().ToString());
        continue;
      }
      const ReportResult& got = *together[i];
      EXPECT_EQ(got.definition.sort, alone->definition.sort);
      ASSERT_EQ(got.sections.size(), alone->sections.size()) << i;
      for (size_t k = 0; k < got.sections.size(); ++k) {
        EXPECT_TRUE(same_rows(got.sections[k].rows, alone->sections[k].rows)) << "report " << i << " section " << k;
        EXPECT_EQ(got.sections[k].truncated, alone->sections[k].truncated);
        compared_rows += got.sections[k].rows.size();
      }
      ASSERT_EQ(got.records.size(), alone->records.size());
      for (size_t k = 0; k < got.records.size(); ++k) EXPECT_EQ(got.records[k].id, alone->records[k].id);
    }
    EXPECT_GT(compared_rows, 40u);
    EXPECT_FALSE(together[5]);  // no field `colour`
  }
  // The figures differ between the two viewers (the rep's are a third of the deals).
  auto admin_total = app_->reports().RunMany(admin_, {definitions[0]}).at(0);
  auto rep_total = app_->reports().RunMany(rep_, {definitions[0]}).at(0);
  ASSERT_TRUE(admin_total && rep_total);
  EXPECT_NE(std::get<int64_t>(admin_total->sections.back().rows.at(0).values[0]),
            std::get<int64_t>(rep_total->sections.back().rows.at(0).values[0]));

  // Aggregates over the deals share reads. On SQLite the engine groups their rows
  // itself, one read per filter (four: none, won, software, over 300). On PostgreSQL
  // two reads serve them all whatever their filters, each query seeing only the rows
  // its own filter admits: one statement groups those whose groups add up from finer
  // ones and stay few (the first, third and seventh: by stage and year, by stage and
  // industry, the count of won deals), the engine groups the rest from one stream. One
  // alone is grouped by PostgreSQL's statement, so there the comparison is between the
  // ways of grouping.
  std::vector<records::AggregateQuery> queries;
  for (const ReportDefinition& d : {definitions[0], definitions[1], definitions[2], definitions[3], definitions[4]}) {
    records::AggregateQuery q{.object = d.object, .filter = d.filter, .group_by = d.group_by, .measures = d.aggregates};
    q.group_by.insert(q.group_by.end(), d.across.begin(), d.across.end());
    queries.push_back(std::move(q));
  }
  queries.push_back({.object = "opportunities", .filter = "company.industry = \"software\"",
                     .group_by = {{"stage", std::nullopt}}, .measures = {sum, {AggregateFn::kMedian, "amount"}}});
  queries.push_back({.object = "opportunities", .filter = "stage = \"won\"", .measures = {count}});
  queries.push_back({.object = "opportunities", .filter = "amount > 300", .group_by = {{"company.name", std::nullopt}},
                     .measures = {count, {AggregateFn::kMax, "amount"}}});
  const int64_t reads = app_->db().stats().reads;
  auto aggregated = app_->records().AggregateMany(admin_, queries);
  const int64_t shared_reads = app_->db().stats().reads - reads;
  for (size_t i = 0; i < queries.size(); ++i) {
    ASSERT_TRUE(aggregated[i]) << aggregated[i].error().ToString();
    auto alone = app_->records().Aggregate(admin_, queries[i]);
    ASSERT_TRUE(alone);
    EXPECT_TRUE(same_rows(aggregated[i]->rows, alone->rows)) << i;
    EXPECT_FALSE(alone->rows.empty()) << i;
  }
  EXPECT_EQ(shared_reads, app_->db().dialect().GroupsBySorting() ? 4 : 2);
  // Filtered apart from the rest: each query's figures are of its own rows.
  EXPECT_NE(aggregated[4]->rows.size(), aggregated[0]->rows.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, ReportEngineTest, testing::kBackends, testing::BackendName);

}  // namespace
}  // namespace rapport::reports
