// The record engine on a real SQLite file, through the same App wiring the server uses.
#include "records/record_service.h"

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/id.h"
#include "support/engine_test.h"

namespace rapport::records {
namespace {

using security::Principal;
using V = InputValue;

// Numbers below `n` for generated test data, the same sequence on every run.
class Numbers {
 public:
  explicit Numbers(uint32_t seed) : seed_(seed) {}
  uint32_t operator()(uint32_t n) {
    seed_ = seed_ * 1103515245u + 12345u;
    return (seed_ >> 8) % n;
  }

 private:
  uint32_t seed_;
};

// Every case runs on both backends: a SQLite file and a private PostgreSQL cluster.
class RecordServiceTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    auto other = app_->identity().CreateTenant("Other");
    ASSERT_TRUE(other);
    stranger_ = Principal{other->id, "", false};
  }

  RecordService& records() { return app_->records(); }

  Record MustCreate(const std::string& object, InputObject values) {
    auto r = records().Create(admin_, {object, std::move(values)});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : Record{};
  }

  int64_t Count(const std::string& object, const std::string& filter = "") {
    auto r = records().List(admin_, {.object = object, .filter = filter, .limit = 500, .count = true});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r->total : -1;
  }

  Principal stranger_;
};

TEST_P(RecordServiceTest, CreateGetRoundTripsEveryType) {
  Record company = MustCreate("companies", {{"name", V::String("Acme")},
                                            {"employees", V::Int(120)},
                                            {"industry", V::String("retail")},
                                            {"website", V::String("acme.example")},
                                            {"annual_revenue", [] {
                                               V money;
                                               money.kind = V::Kind::kObject;
                                               money.members = {{"amount", V::String("1234.50")},
                                                                {"currency", V::String("EUR")}};
                                               return money;
                                             }()}});
  EXPECT_TRUE(IsValidId(company.id));
  EXPECT_EQ(company.version, 1);
  auto got = records().Get(admin_, "companies", company.id);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(std::get<std::string>(*got->Find("name")), "Acme");
  EXPECT_EQ(std::get<int64_t>(*got->Find("employees")), 120);
  EXPECT_EQ(std::get<std::string>(*got->Find("website")), "https://acme.example");
  Money revenue = std::get<Money>(*got->Find("annual_revenue"));
  EXPECT_EQ(revenue.amount.ToString(2), "1234.50");
  EXPECT_EQ(revenue.currency, "EUR");
  EXPECT_EQ(std::get<std::string>(*got->Find("owner_id")), admin_.user_id);
  EXPECT_EQ(std::get<std::string>(*got->Find("created_by")), admin_.user_id);
}

TEST_P(RecordServiceTest, ValidationCollectsEveryErrorAndWritesNothing) {
  auto r = records().Create(admin_, {"people",
                                     {{"email", V::String("not-an-email")},
                                      {"phone", V::String("12")},
                                      {"birthdate", V::String("2023-02-30")},
                                      {"emial", V::String("x")},
                                      {"company_id", V::String("0190b2c4-7d1e-7a00-8000-000000000000")},
                                      {"version", V::Int(3)}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kValidationFailed);
  std::set<std::string> fields;
  for (const auto& fe : r.error().field_errors()) fields.insert(fe.field);
  EXPECT_EQ(fields, (std::set<std::string>{"email", "phone", "birthdate", "emial", "version"}));
  bool suggested = false;
  for (const auto& fe : r.error().field_errors()) suggested |= fe.message.find("Did you mean `email`") != std::string::npos;
  EXPECT_TRUE(suggested);
  EXPECT_EQ(Count("people"), 0);

  // Domain rule: a person needs a first or last name.
  auto nameless = records().Create(admin_, {"people", {{"email", V::String("a@b.co")}}});
  ASSERT_FALSE(nameless);
  EXPECT_EQ(nameless.error().field_errors().at(0).field, "last_name");
  // A lookup to a missing record is a field error too.
  auto dangling = records().Create(admin_, {"people", {{"last_name", V::String("X")},
                                                       {"company_id", V::String(NewId())}}});
  ASSERT_FALSE(dangling);
  EXPECT_EQ(dangling.error().field_errors().at(0).field, "company_id");
  EXPECT_EQ(Count("people"), 0);
}

TEST_P(RecordServiceTest, UpdateIsOptimisticAndRecordsHistory) {
  Record deal = MustCreate("opportunities", {{"name", V::String("Big deal")}, {"amount", V::String("100")},
                                             {"stage", V::String("prospecting")}});
  auto stale = records().Update(admin_, {"opportunities", deal.id, {{"amount", V::Int(5)}}, 0});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch);

  auto updated = records().Update(admin_, {"opportunities", deal.id,
                                           {{"amount", V::Int(250)}, {"stage", V::String("proposal")},
                                            {"name", V::String("Big deal")}},
                                           1});
  ASSERT_TRUE(updated) << updated.error().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(std::get<Money>(*updated->Find("amount")).amount.ToString(2), "250.00");

  // Unchanged values make no new version.
  auto same = records().Update(admin_, {"opportunities", deal.id, {{"stage", V::String("proposal")}}});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->version, 2);

  auto history = records().History(admin_, "opportunities", deal.id);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);  // amount, stage, created
  std::set<std::string> changed = {(*history)[0].field, (*history)[1].field};
  EXPECT_EQ(changed, (std::set<std::string>{"amount", "stage"}));
  EXPECT_EQ(history->back().change, "created");
  for (const auto& e : *history) {
    if (e.field == "stage") {
      EXPECT_EQ(e.old_value, "prospecting");
      EXPECT_EQ(e.new_value, "proposal");
    }
  }
}

TEST_P(RecordServiceTest, WasFindsRecordsByAnyValueTheirHistoryHolds) {
  // One deal went prospecting → proposal → won; one stayed in prospecting; one went
  // straight to negotiation; one lost without a stage change.
  Record climbed = MustCreate("opportunities", {{"name", V::String("Climbed")}, {"stage", V::String("prospecting")}});
  Record stayed = MustCreate("opportunities", {{"name", V::String("Stayed")}, {"stage", V::String("prospecting")}});
  Record jumped = MustCreate("opportunities", {{"name", V::String("Jumped")}, {"stage", V::String("prospecting")}});
  Record lost = MustCreate("opportunities", {{"name", V::String("Lost")}, {"stage", V::String("lost")}});
  for (const char* stage : {"proposal", "won"}) {
    ASSERT_TRUE(records().Update(admin_, {"opportunities", climbed.id, {{"stage", V::String(stage)}}}));
  }
  ASSERT_TRUE(records().Update(admin_, {"opportunities", jumped.id, {{"stage", V::String("negotiation")}}}));
  (void)lost;

  auto names = [&](const std::string& filter) {
    auto list = records().List(admin_, {.object = "opportunities", .filter = filter, .sort = "name"});
    EXPECT_TRUE(list) << filter << ": " << list.error().ToString();
    std::vector<std::string> out;
    if (list) {
      for (const auto& r : list->records) out.push_back(std::get<std::string>(*r.Find("name")));
    }
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names("stage was \"proposal\""), (Names{"Climbed"}));  // passed through
  EXPECT_EQ(names("stage was \"prospecting\""), (Names{"Climbed", "Jumped", "Stayed"}));  // before, or now
  EXPECT_EQ(names("stage was \"won\""), (Names{"Climbed"}));  // now
  EXPECT_EQ(names("stage was in (\"proposal\", \"negotiation\")"), (Names{"Climbed", "Jumped"}));
  EXPECT_EQ(names("not (stage was \"prospecting\")"), (Names{"Lost"}));  // the exact complement
  EXPECT_EQ(names("stage was \"proposal\" and stage = \"won\""), (Names{"Climbed"}));
  // Counted by the engine's aggregates too: the reports' path.
  auto reached = records().Aggregate(admin_, {.object = "opportunities", .filter = "stage was \"prospecting\"",
                                              .measures = {{records::AggregateFn::kCount, ""}}});
  ASSERT_TRUE(reached) << reached.error().ToString();
  EXPECT_EQ(std::get<int64_t>(reached->rows.at(0).values.at(0)), 3);

  // Only a field with a history of text: not a number, not through a lookup.
  for (const char* bad : {"amount was 5", "company.name was \"x\""}) {
    auto refused = records().List(admin_, {.object = "opportunities", .filter = bad});
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_P(RecordServiceTest, ListReadsFieldsOfRelatedRecordsThroughTheirLookups) {
  Record acme = MustCreate("companies", {{"name", V::String("Acme")}, {"industry", V::String("retail")}});
  MustCreate("people", {{"last_name", V::String("Ames")}, {"company_id", V::String(acme.id)}});
  MustCreate("people", {{"last_name", V::String("Zorn")}});  // no company: empty cells

  auto list = records().List(admin_, {.object = "people", .sort = "last_name",
                                      .read = {.fields = {"last_name", "company.name", "company.industry"}}});
  ASSERT_TRUE(list) << list.error().ToString();
  ASSERT_EQ(list->records.size(), 2u);
  const Record& ames = list->records[0];
  EXPECT_EQ(std::get<std::string>(*ames.Find("company.name")), "Acme");
  EXPECT_EQ(std::get<std::string>(*ames.Find("company.industry")), "retail");
  // Only what was asked for: the lookup followed and the embedded company are not kept.
  EXPECT_EQ(ames.Find("company_id"), nullptr);
  EXPECT_TRUE(ames.included.empty());
  EXPECT_TRUE(IsNull(*list->records[1].Find("company.name")));

  // Asked for alongside: kept.
  auto both = records().List(admin_, {.object = "people", .sort = "last_name",
                                      .read = {.fields = {"company_id", "company.name"}, .include = {"company"}}});
  ASSERT_TRUE(both) << both.error().ToString();
  EXPECT_NE(both->records[0].Find("company_id"), nullptr);
  EXPECT_EQ(both->records[0].included.count("company"), 1u);

  for (const char* bad : {"employer.name", "company.colour"}) {
    auto refused = records().List(admin_, {.object = "people", .read = {.fields = {"last_name", bad}}});
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(refused.error().field_errors().at(0).field, "fields") << bad;
  }
}

TEST_P(RecordServiceTest, SoftDeleteRestoreAndPurgeClearsLookups) {
  Record company = MustCreate("companies", {{"name", V::String("Gone Inc")}});
  Record person = MustCreate("people", {{"last_name", V::String("Smith")}, {"company_id", V::String(company.id)}});
  ASSERT_TRUE(records().Delete(admin_, "companies", company.id));
  EXPECT_EQ(records().Get(admin_, "companies", company.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(records().Delete(admin_, "companies", company.id).error().code(), ErrorCode::kNotFound);
  // A lookup to a recycled record keeps its id but embeds nothing.
  auto with_company = records().Get(admin_, "people", person.id, {.include = {"company"}});
  ASSERT_TRUE(with_company);
  EXPECT_TRUE(with_company->included.empty());
  EXPECT_EQ(std::get<std::string>(*with_company->Find("company_id")), company.id);
  // New lookups to it are refused.
  auto refused = records().Create(admin_, {"people", {{"last_name", V::String("New")},
                                                      {"company_id", V::String(company.id)}}});
  EXPECT_FALSE(refused);

  auto restored = records().Restore(admin_, "companies", company.id);
  ASSERT_TRUE(restored) << restored.error().ToString();
  EXPECT_EQ(restored->version, 3);
  EXPECT_EQ(records().Purge(admin_, "companies", company.id).error().code(), ErrorCode::kFailedPrecondition);

  ASSERT_TRUE(records().Delete(admin_, "companies", company.id));
  ASSERT_TRUE(records().Purge(admin_, "companies", company.id));
  auto orphan = records().Get(admin_, "people", person.id);
  ASSERT_TRUE(orphan);
  EXPECT_TRUE(IsNull(*orphan->Find("company_id")));
  EXPECT_EQ(records().Restore(admin_, "companies", company.id).error().code(), ErrorCode::kNotFound);
}

TEST_P(RecordServiceTest, UniqueValuesAreEnforcedPerTenantWithTheField) {
  MustCreate("products", {{"name", V::String("Widget")}, {"code", V::String("W-1")}});
  auto dup = records().Create(admin_, {"products", {{"name", V::String("Other")}, {"code", V::String("W-1")}}});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(dup.error().field_errors().at(0).field, "code");
  // Another tenant may use the same code.
  auto elsewhere = records().Create(stranger_, {"products", {{"name", V::String("W")}, {"code", V::String("W-1")}}});
  EXPECT_TRUE(elsewhere) << elsewhere.error().ToString();
}

TEST_P(RecordServiceTest, TenantsAreIsolated) {
  Record company = MustCreate("companies", {{"name", V::String("Private")}});
  EXPECT_EQ(records().Get(stranger_, "companies", company.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(records().Update(stranger_, {"companies", company.id, {{"name", V::String("Mine")}}}).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(records().Delete(stranger_, "companies", company.id).error().code(), ErrorCode::kNotFound);
  auto list = records().List(stranger_, {.object = "companies", .count = true});
  ASSERT_TRUE(list);
  EXPECT_EQ(*list->total, 0);
  // A lookup may not point into another tenant.
  auto cross = records().Create(stranger_, {"people", {{"last_name", V::String("Spy")},
                                                       {"company_id", V::String(company.id)}}});
  EXPECT_FALSE(cross);
}

TEST_P(RecordServiceTest, ListFiltersSortsPagesAndIncludes) {
  Record acme = MustCreate("companies", {{"name", V::String("Acme")}, {"industry", V::String("retail")}});
  Record globex = MustCreate("companies", {{"name", V::String("Globex")}, {"industry", V::String("software")}});
  for (int i = 0; i < 25; ++i) {
    MustCreate("people", {{"last_name", V::String("P" + std::to_string(100 + i))},
                          {"email", V::String("p" + std::to_string(i) + (i % 2 ? "@acme.com" : "@globex.com"))},
                          {"company_id", V::String(i % 2 ? acme.id : globex.id)}});
  }
  EXPECT_EQ(Count("people", "email ends_with \"@acme.com\""), 12);
  EXPECT_EQ(Count("people", "company.industry = \"retail\""), 12);
  EXPECT_EQ(Count("people", "company.name ~ \"glob\""), 13);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = records().List(admin_, {.object = "people", .sort = "-last_name", .limit = 7, .cursor = cursor,
                                        .read = {.fields = {"last_name"}, .include = {"company"}}});
    ASSERT_TRUE(page) << page.error().ToString();
    for (const auto& r : page->records) {
      seen.push_back(std::get<std::string>(*r.Find("last_name")));
      EXPECT_EQ(r.Find("email"), nullptr);  // fields= limits the output
      ASSERT_EQ(r.included.count("company"), 0u);  // company_id not requested: nothing to embed
    }
    cursor = page->next_cursor.value_or("");
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));

  auto included = records().List(admin_, {.object = "people", .limit = 3, .read = {.include = {"company"}}});
  ASSERT_TRUE(included);
  for (const auto& r : included->records) {
    ASSERT_EQ(r.included.count("company"), 1u);
    EXPECT_EQ(r.included.at("company").id, std::get<std::string>(*r.Find("company_id")));
  }

  auto bad_filter = records().List(admin_, {.object = "people", .filter = "emial = \"x\""});
  ASSERT_FALSE(bad_filter);
  EXPECT_EQ(bad_filter.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_filter.error().detail().find("email"), std::string::npos);
  EXPECT_FALSE(records().List(admin_, {.object = "people", .sort = "nope"}));
  EXPECT_FALSE(records().List(admin_, {.object = "people", .limit = 501}));
  EXPECT_FALSE(records().List(admin_, {.object = "people", .cursor = "garbage!"}));
  EXPECT_FALSE(records().List(admin_, {.object = "people", .read = {.include = {"compnay"}}}));
}

TEST_P(RecordServiceTest, BatchIsPerItemOrAtomic) {
  BatchCommand mixed{"companies", {}, false};
  mixed.items.push_back({.values = {{"name", V::String("One")}}});
  mixed.items.push_back({.values = {{"employees", V::String("many")}}});
  mixed.items.push_back({.values = {{"name", V::String("Three")}}});
  auto results = records().Batch(admin_, mixed);
  ASSERT_TRUE(results);
  EXPECT_TRUE((*results)[0].outcome);
  EXPECT_FALSE((*results)[1].outcome);
  EXPECT_TRUE((*results)[2].outcome);
  EXPECT_EQ(Count("companies"), 2);

  BatchCommand atomic = mixed;
  atomic.atomic = true;
  auto failed = records().Batch(admin_, atomic);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().detail().find("Item 1"), std::string::npos);
  EXPECT_EQ(Count("companies"), 2);

  // Upsert by a unique field updates the existing record, creates the missing one.
  BatchCommand upsert{"products", {}, true};
  upsert.items.push_back({.op = BatchOp::kUpsert, .values = {{"name", V::String("A")}, {"code", V::String("A1")}},
                          .match_field = "code"});
  ASSERT_TRUE(records().Batch(admin_, upsert));
  upsert.items[0].values[0].second = V::String("A renamed");
  upsert.items.push_back({.op = BatchOp::kUpsert, .values = {{"name", V::String("B")}, {"code", V::String("B1")}},
                          .match_field = "code"});
  auto upserted = records().Batch(admin_, upsert);
  ASSERT_TRUE(upserted) << upserted.error().ToString();
  EXPECT_FALSE((*upserted)[0].created);
  EXPECT_TRUE((*upserted)[1].created);
  EXPECT_EQ(Count("products"), 2);
  EXPECT_EQ(Count("products", "name = \"A renamed\""), 1);

  BatchCommand too_big{"companies", std::vector<BatchItem>(1001), false};
  EXPECT_EQ(records().Batch(admin_, too_big).error().code(), ErrorCode::kPayloadTooLarge);
}

TEST_P(RecordServiceTest, IdempotencyKeyReplaysTheFirstCreate) {
  CreateCommand command{"companies", {{"name", V::String("Once")}}, "key-1"};
  auto first = records().Create(admin_, command);
  auto second = records().Create(admin_, command);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(Count("companies"), 1);
  command.values[0].second = V::String("Different");
  auto reused = records().Create(admin_, command);
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Count("companies"), 1);
}

TEST_P(RecordServiceTest, CustomFieldsAreUsableImmediately) {
  ASSERT_TRUE(app_->metadata().Apply(admin_.tenant_id,
                                     metadata::AddField{"companies", {.name = "tier", .type = "picklist",
                                                                      .options = {{"gold", ""}, {"silver", ""}}}}));
  Record gold = MustCreate("companies", {{"name", V::String("G")}, {"tier", V::String("gold")}});
  EXPECT_EQ(std::get<std::string>(*gold.Find("tier")), "gold");
  EXPECT_FALSE(records().Create(admin_, {"companies", {{"name", V::String("B")}, {"tier", V::String("bronze")}}}));
  EXPECT_EQ(Count("companies", "tier = \"gold\""), 1);
  // The other tenant has no such field.
  EXPECT_FALSE(records().Create(stranger_, {"companies", {{"name", V::String("S")}, {"tier", V::String("gold")}}}));
}

TEST_P(RecordServiceTest, MembersCannotChangeTheOrganisationOrTheSchema) {
  Record member_user = MustCreate("users", {{"name", V::String("Bob")}, {"email", V::String("bob@example.com")},
                                            {"role", V::String("member")}});
  Principal member{admin_.tenant_id, member_user.id, false};
  auto promote = records().Update(member, {"users", member_user.id, {{"role", V::String("admin")}}});
  ASSERT_FALSE(promote);
  EXPECT_EQ(promote.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(records().Create(member, {"teams", {{"name", V::String("Mine")}}}).error().code(),
            ErrorCode::kPermissionDenied);
  auto schema = records().ApplyMetadata(member, metadata::AddField{"companies", {.name = "x", .type = "text"}});
  ASSERT_FALSE(schema);
  EXPECT_EQ(schema.error().code(), ErrorCode::kPermissionDenied);
  // Members still read users and work with customer data.
  EXPECT_TRUE(records().Get(member, "users", member_user.id));
  auto company = records().Create(member, {"companies", {{"name", V::String("Member Co")}}});
  ASSERT_TRUE(company);
  EXPECT_EQ(std::get<std::string>(*company->Find("owner_id")), member_user.id);
  EXPECT_EQ(std::get<std::string>(*records().Get(admin_, "users", member_user.id)->Find("role")), "member");
}

// Date buckets and medians, the same on both backends (SQLite computes them in
// functions of ours, PostgreSQL in its own calendar): against expectations worked out
// by hand, across a daylight-saving change, a year end and a fiscal year from April.
// More groups than one answer holds (kMaxGroups): the top N and the totals over every
// group still come out exact, from one statement, and a rollup with more groups than
// that is cut to its first kMaxGroups in key order and says so.
TEST_P(RecordServiceTest, TopAndTotalsOfMoreGroupsThanOneAnswerHolds) {
  const int deals = kMaxGroups + 25;
  const std::vector<std::string> stages = {"won", "lost", "proposal"};
  struct Total {
    int64_t count = 0;
    int64_t cents = 0;
  };
  std::map<std::string, Total> by_stage;
  Total all;
  std::vector<std::pair<int64_t, std::string>> by_name;  // (cents, name): each name its own group
  std::vector<BatchCommand> batches;
  for (int i = 0; i < deals; ++i) {
    if (i % 1000 == 0) batches.push_back({"opportunities", {}, true});  // at most 1000 a batch
    BatchCommand& batch = batches.back();
    const std::string name = fmt::format("Deal {:05}", i);
    const std::string& stage = stages[static_cast<size_t>(i) % stages.size()];
    const int64_t cents = (static_cast<int64_t>(i) * 7919) % 100'000 + 1;
    batch.items.push_back({.values = {{"name", V::String(name)}, {"stage", V::String(stage)},
                                      {"amount", V::String(fmt::format("{}.{:02}", cents / 100, cents % 100))}}});
    by_stage[stage].count++;
    by_stage[stage].cents += cents;
    all.count++;
    all.cents += cents;
    by_name.emplace_back(cents, name);
  }
  for (const BatchCommand& batch : batches) {
    auto batched = records().Batch(admin_, batch);
    ASSERT_TRUE(batched) << batched.error().ToString();
  }
  auto cents_of = [](const AggregateRow& row, size_t at) { return std::get<Money>(row.values[at]).amount.units / 100; };

  // The five largest deals by name, with the stage subtotals and the grand total.
  AggregateQuery top{.object = "opportunities", .group_by = {{"stage", std::nullopt}, {"name", std::nullopt}},
                     .measures = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}},
                     .limit = 5, .order_by = 1, .descending = true, .rollups = {{0}, {}}};
  Observed observed(url_);
  ASSERT_TRUE(observed) << observed.error();
  auto result = observed->records().Aggregate(admin_, top);
  ASSERT_TRUE(result) << result.error().ToString();
  // One statement over the deals, for the rows and the rollups (every group grouped
  // here on SQLite, or by the statement on PostgreSQL, and rolled up here).
  EXPECT_EQ(observed.Count([](const std::string& sql) {
    return sql.starts_with("SELECT") && sql.find("FROM \"opportunities\"") != std::string::npos;
  }), 1);
  std::sort(by_name.begin(), by_name.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  ASSERT_EQ(result->rows.size(), 5u);
  EXPECT_TRUE(result->truncated);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(std::get<std::string>(result->rows[i].keys[1]), by_name[i].second) << i;
    EXPECT_EQ(cents_of(result->rows[i], 1), by_name[i].first) << i;
  }
  ASSERT_EQ(result->rollups.size(), 2u);
  ASSERT_EQ(result->rollups[0].size(), stages.size());
  for (const AggregateRow& row : result->rollups[0]) {
    const Total& expected = by_stage[std::get<std::string>(row.keys[0])];
    EXPECT_EQ(std::get<int64_t>(row.values[0]), expected.count);
    EXPECT_EQ(cents_of(row, 1), expected.cents);
  }
  ASSERT_EQ(result->rollups[1].size(), 1u);
  EXPECT_EQ(std::get<int64_t>(result->rollups[1][0].values[0]), all.count);
  EXPECT_EQ(cents_of(result->rollups[1][0], 1), all.cents);
  EXPECT_FALSE(result->rollups_truncated[0]);
  EXPECT_FALSE(result->rollups_truncated[1]);

  // By name then stage, with the names' subtotals: more than kMaxGroups of them, so the
  // first kMaxGroups in key order, cut.
  AggregateQuery names{.object = "opportunities", .group_by = {{"name", std::nullopt}, {"stage", std::nullopt}},
                       .measures = {{AggregateFn::kCount, ""}}, .limit = 3, .rollups = {{0}}};
  auto named = records().Aggregate(admin_, names);
  ASSERT_TRUE(named) << named.error().ToString();
  ASSERT_EQ(named->rows.size(), 3u);
  EXPECT_EQ(std::get<std::string>(named->rows[0].keys[0]), "Deal 00000");
  ASSERT_EQ(named->rollups.size(), 1u);
  EXPECT_TRUE(named->rollups_truncated[0]);
  ASSERT_EQ(named->rollups[0].size(), static_cast<size_t>(kMaxGroups));
  EXPECT_EQ(std::get<std::string>(named->rollups[0].front().keys[0]), "Deal 00000");
  EXPECT_EQ(std::get<std::string>(named->rollups[0].back().keys[0]), fmt::format("Deal {:05}", kMaxGroups - 1));
}

TEST_P(RecordServiceTest, AggregatesGroupByDateBucketsAndTakeExactMedians) {
  auto money = [](const char* amount, const char* currency) {
    V m;
    m.kind = V::Kind::kObject;
    m.members = {{"amount", V::String(amount)}, {"currency", V::String(currency)}};
    return m;
  };
  struct Deal {
    const char* close_date;
    const char* amount;
  };
  for (Deal deal : {Deal{"2025-03-31", "10.00"}, Deal{"2025-04-01", "20.00"}, Deal{"2025-06-30", "30.01"},
                    Deal{"2025-12-29", "40.00"}, Deal{"2026-01-02", "50.00"}}) {
    MustCreate("opportunities", {{"name", V::String(deal.close_date)}, {"close_date", V::String(deal.close_date)},
                                 {"amount", money(deal.amount, "EUR")}});
  }
  MustCreate("opportunities", {{"name", V::String("undated")}, {"amount", money("7.00", "EUR")}});

  auto run = [&](AggregateQuery q) {
    auto result = records().Aggregate(admin_, q);
    EXPECT_TRUE(result) << result.error().ToString();
    std::vector<std::string> out;
    if (!result) return out;
    for (const auto& row : result->rows) {
      std::string key = row.keys.empty() ? "(all)" : IsNull(row.keys[0]) ? "(none)" : std::get<std::string>(row.keys[0]);
      std::string value;
      if (const auto* n = std::get_if<int64_t>(&row.values[0])) value = std::to_string(*n);
      else if (const auto* m = std::get_if<Money>(&row.values[0])) value = m->amount.ToString();
      out.push_back(key + "=" + value);
    }
    return out;
  };
  AggregateQuery q{.object = "opportunities", .measures = {{AggregateFn::kCount, ""}}};
  q.group_by = {{"close_date", DatePart::kQuarter}};
  EXPECT_EQ(run(q), (std::vector<std::string>{"2025-Q1=1", "2025-Q2=2", "2025-Q4=1", "2026-Q1=1", "(none)=1"}));
  q.fiscal_year_start = 4;  // FY2026 = April 2025 .. March 2026
  EXPECT_EQ(run(q), (std::vector<std::string>{"2025-Q4=1", "2026-Q1=2", "2026-Q3=1", "2026-Q4=1", "(none)=1"}));
  q.group_by = {{"close_date", DatePart::kYear}};
  EXPECT_EQ(run(q), (std::vector<std::string>{"2025=1", "2026=4", "(none)=1"}));
  q.fiscal_year_start = 1;
  q.group_by = {{"close_date", DatePart::kWeek}};  // 2025-12-29 and 2026-01-02: ISO week 1 of 2026
  EXPECT_EQ(run(q), (std::vector<std::string>{"2025-W14=2", "2025-W27=1", "2026-W01=2", "(none)=1"}));
  q.group_by = {{"close_date", DatePart::kMonth}};
  q.measures = {{AggregateFn::kMedian, "amount"}};
  EXPECT_EQ(run(q), (std::vector<std::string>{"2025-03=10", "2025-04=20", "2025-06=30.01", "2025-12=40", "2026-01=50", "(none)=7"}));
  // The top two months by their median, then the bottom one (the undated group last).
  q.order_by = 0;
  q.descending = true;
  q.limit = 2;
  EXPECT_EQ(run(q), (std::vector<std::string>{"2026-01=50", "2025-12=40"}));
  q.descending = false;
  q.limit = 1;
  EXPECT_EQ(run(q), (std::vector<std::string>{"(none)=7"}));
  q.order_by.reset();
  q.limit = 1000;
  // Over all six: the middle two are 20.00 and 30.01, so the median is 25.005 exactly.
  q.group_by = {};
  EXPECT_EQ(run(q).size(), 1u);
  auto all = records().Aggregate(admin_, q);
  ASSERT_TRUE(all);
  EXPECT_EQ(std::get<Money>(all->rows[0].values[0]).amount.ToString(), "25.005");

  // Datetimes fall on their day in the workspace's time zone: 22:30 UTC on 30 June is
  // already 1 July in Paris (summer time, UTC+2), still 30 June in New York.
  for (const char* due : {"2026-06-30T22:30:00Z", "2026-06-30T21:30:00Z", "2026-01-31T23:30:00Z"}) {
    MustCreate("activities", {{"type", V::String("task")}, {"subject", V::String(due)}, {"due_at", V::String(due)}});
  }
  AggregateQuery by_day{.object = "activities", .group_by = {{"due_at", DatePart::kDay}},
                        .measures = {{AggregateFn::kCount, ""}}};
  EXPECT_EQ(run(by_day), (std::vector<std::string>{"2026-01-31=1", "2026-06-30=2"}));
  by_day.time_zone = "Europe/Paris";
  EXPECT_EQ(run(by_day), (std::vector<std::string>{"2026-02-01=1", "2026-06-30=1", "2026-07-01=1"}));
  by_day.time_zone = "America/New_York";
  by_day.group_by = {{"due_at", DatePart::kMonth}};
  EXPECT_EQ(run(by_day), (std::vector<std::string>{"2026-01=1", "2026-06=2"}));
  // In UTC a datetime's day is that of its stored text: each bucket, and fiscal ones.
  by_day.time_zone = "UTC";
  by_day.group_by = {{"due_at", DatePart::kWeek}};
  EXPECT_EQ(run(by_day), (std::vector<std::string>{"2026-W05=1", "2026-W27=2"}));
  by_day.group_by = {{"due_at", DatePart::kMonth}};
  EXPECT_EQ(run(by_day), (std::vector<std::string>{"2026-01=1", "2026-06=2"}));
  by_day.fiscal_year_start = 4;
  by_day.group_by = {{"due_at", DatePart::kQuarter}};
  EXPECT_EQ(run(by_day), (std::vector<std::string>{"2026-Q4=1", "2027-Q1=2"}));
  by_day.group_by = {{"due_at", DatePart::kYear}};
  EXPECT_EQ(run(by_day), (std::vector<std::string>{"2026=1", "2027=2"}));
  by_day.fiscal_year_start = 1;

  // Refused: a bucket of a field that is not a date, an unknown zone, a median of text.
  by_day.group_by = {{"subject", DatePart::kMonth}};
  EXPECT_EQ(records().Aggregate(admin_, by_day).error().code(), ErrorCode::kInvalidArgument);
  by_day.group_by = {{"due_at", DatePart::kMonth}};
  by_day.time_zone = "Mars/Olympus_Mons";
  EXPECT_EQ(records().Aggregate(admin_, by_day).error().code(), ErrorCode::kValidationFailed);
  by_day.time_zone = "UTC";
  by_day.measures = {{AggregateFn::kMedian, "subject"}};
  EXPECT_EQ(records().Aggregate(admin_, by_day).error().code(), ErrorCode::kInvalidArgument);
}

// Grouping by a date bucket of an indexed field goes a bucket's range at a time on
// SQLite (RecordService's ByBucketRanges): every bucket, fiscal year and measure
// against a grouping worked out here, over activities scattered across two years with
// gaps, some without a date, some deleted, under a filter on another indexed field.
// A result is kept and given again while nothing it was computed from has changed,
// and computed afresh once something has: a record written here or by another
// process over the same database, a record shared with the viewer. Each viewer and
// each workspace has its own; another workspace's writes leave it be.
TEST_P(RecordServiceTest, AggregatesAreKeptUntilWhatTheyReadChanges) {
  auto rep = app_->identity().CreateUser(tenant_, "Rex", "rex@example.com", "member", kPassword);
  ASSERT_TRUE(rep);
  const Principal rep_p{tenant_.id, rep->id, false};
  std::vector<std::string> deals;
  for (int i = 0; i < 4; ++i) {
    deals.push_back(MustCreate("opportunities", {{"name", V::String(fmt::format("Kept {}", i))},
                                                 {"stage", V::String(i % 2 ? "won" : "qualification")},
                                                 {"amount", V::String(fmt::format("{}.50", 100 * (i + 1)))}})
                        .id);
  }
  const AggregateQuery by_stage{.object = "opportunities", .group_by = {{"stage", std::nullopt}},
                                .measures = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"}}};
  // The number of reads a run takes, and its figures as "stage count sum; ...".
  using Run = std::pair<int64_t, std::string>;
  auto run = [&](const Principal& who) {
    const int64_t before = app_->db().stats().reads;
    auto r = records().Aggregate(who, by_stage);
    EXPECT_TRUE(r) << r.error().ToString();
    std::string figures;
    for (const auto& row : r ? r->rows : std::vector<AggregateRow>{}) {
      figures += fmt::format("{} {} {}; ", std::get<std::string>(row.keys[0]), std::get<int64_t>(row.values[0]),
                             std::get<Money>(row.values[1]).amount.ToString(2));
    }
    return Run(app_->db().stats().reads - before, figures);
  };
  const std::string first = "qualification 2 401.00; won 2 601.00; ";
  // Computed: the versions read, the aggregate, the table's highest id (its groups are
  // kept to grow: KeptAggregatesGrowWithRecordsAddedSince), the versions again; then
  // the versions alone.
  EXPECT_EQ(run(admin_), Run(4, first));
  EXPECT_EQ(run(admin_), Run(1, first));

  // Another workspace's records change: the result is still good.
  auto other = app_->identity().CreateUser(identity::Tenant{stranger_.tenant_id, "Other"}, "Olga", "olga@example.com", "admin",
                                           kPassword);
  ASSERT_TRUE(other) << other.error().ToString();
  const Principal olga{stranger_.tenant_id, other->id, true};
  ASSERT_TRUE(records().Create(olga, {"opportunities", {{"name", V::String("Theirs")}, {"stage", V::String("won")},
                                                        {"amount", V::String("7")}}}));
  EXPECT_EQ(run(admin_), Run(1, first));
  auto theirs = records().Aggregate(olga, by_stage);
  ASSERT_TRUE(theirs);
  ASSERT_EQ(theirs->rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(theirs->rows[0].values[0]), 1);

  // A deal added here.
  MustCreate("opportunities", {{"name", V::String("Kept 4")}, {"stage", V::String("won")}, {"amount", V::String("1")}});
  EXPECT_EQ(run(admin_), Run(4, "qualification 2 401.00; won 3 602.00; "));

  // A deal changed by another process over the same database.
  {
    auto elsewhere = app::App::Open({.db_url = url_});
    ASSERT_TRUE(elsewhere) << elsewhere.error().ToString();
    ASSERT_TRUE((*elsewhere)->records().Update(admin_, {"opportunities", deals[0], {{"stage", V::String("won")}}, std::nullopt}));
  }
  EXPECT_EQ(run(admin_), Run(4, "qualification 1 300.50; won 4 702.50; "));
  EXPECT_EQ(run(admin_), Run(1, "qualification 1 300.50; won 4 702.50; "));

  // A member reads every deal, as the administrator does: the same rows, so the same
  // result, kept once. Given a role that reads only their own, the rep reads none,
  // then one shared with them.
  const std::string now = "qualification 1 300.50; won 4 702.50; ";
  EXPECT_EQ(run(rep_p), Run(1, now));
  security::Role own;
  own.name = "Own deals";
  own.objects["opportunities"] = {security::Scope::kOwn, security::Scope::kOwn, security::Scope::kOwn,
                                  security::Scope::kNone, false};
  auto role = app_->access().CreateRole(admin_, own);
  ASSERT_TRUE(role) << role.error().ToString();
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, rep->id, {role->id}));
  EXPECT_EQ(run(rep_p).second, "");
  EXPECT_EQ(run(rep_p), Run(1, ""));
  ASSERT_TRUE(records().Share(admin_, "opportunities", deals[1],
                              {security::ShareTarget::Kind::kUser, rep->id}, security::ShareLevel::kRead));
  EXPECT_EQ(run(rep_p).second, "won 1 200.50; ");
  EXPECT_EQ(run(admin_).second, now);
  // Another rep of the same role: the same statement, but their own rows.
  auto rita = app_->identity().CreateUser(tenant_, "Rita", "rita@example.com", "member", kPassword);
  ASSERT_TRUE(rita);
  ASSERT_TRUE(app_->access().SetUserRoles(admin_, rita->id, {role->id}));
  EXPECT_EQ(run(rep_p).second, "won 1 200.50; ");
  EXPECT_EQ(run(Principal{tenant_.id, rita->id, false}).second, "");

  // Deleted: gone from the figures at once.
  ASSERT_TRUE(records().Delete(admin_, "opportunities", deals[1]));
  EXPECT_EQ(run(rep_p).second, "");
  EXPECT_EQ(run(admin_).second, "qualification 1 300.50; won 3 502.00; ");

  // Nothing kept: every run is the aggregate alone.
  EXPECT_EQ(run(admin_), Run(1, "qualification 1 300.50; won 3 502.00; "));
  records().KeepResults(0);
  ASSERT_TRUE(records().Delete(admin_, "opportunities", deals[3]));
  EXPECT_EQ(run(admin_), Run(1, "qualification 1 300.50; won 2 101.50; "));
  EXPECT_EQ(run(admin_), Run(1, "qualification 1 300.50; won 2 101.50; "));
}

// A kept result whose object's table only had records added since (by this process
// or another) is brought up to date from those records alone: the same figures,
// rollups and order as computed afresh. Any other change (an update, a delete) has it
// computed again, as do figures that do not add up (a median) and a top N cut short.
TEST_P(RecordServiceTest, KeptAggregatesGrowWithRecordsAddedSince) {
  Observed observed(url_);
  ASSERT_TRUE(observed) << observed.error();
  RecordService& kept = observed->records();
  records().KeepResults(0);  // this app computes every result afresh: what the kept ones must equal
  // The statements that read only the rows above an id (the records added since).
  auto grown = [&] {
    return observed.Count([](const std::string& sql) { return sql.find("r.id > ?") != std::string::npos; });
  };
  auto text = [](const FieldValue& v) -> std::string {
    if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    if (const auto* m = std::get_if<Money>(&v)) return m->amount.ToString(2) + m->currency;
    if (const auto* t = std::get_if<std::string>(&v)) return *t;
    return IsNull(v) ? "-" : "?";
  };
  auto figures = [&](RecordService& engine, const AggregateQuery& q) {
    auto r = engine.Aggregate(admin_, q);
    EXPECT_TRUE(r) << r.error().ToString();
    std::string out;
    auto rows = [&](const std::vector<AggregateRow>& list) {
      for (const AggregateRow& row : list) {
        for (const FieldValue& k : row.keys) out += text(k) + " ";
        for (const FieldValue& v : row.values) out += text(v) + " ";
        out += "; ";
      }
    };
    if (r) {
      rows(r->rows);
      out += r->truncated ? "(cut) | " : "| ";
      for (const auto& rollup : r->rollups) rows(rollup);
    }
    return out;
  };
  auto add = [&](std::string stage, std::string amount) {
    std::vector<std::pair<std::string, V>> fields = {{"name", V::String("Deal")}, {"stage", V::String(stage)}};
    if (!amount.empty()) fields.emplace_back("amount", V::String(amount));
    return MustCreate("opportunities", fields).id;
  };
  const AggregateQuery by_stage{.object = "opportunities", .group_by = {{"stage", std::nullopt}},
                                .measures = {{AggregateFn::kCount, ""}, {AggregateFn::kSum, "amount"},
                                             {AggregateFn::kAvg, "amount"}, {AggregateFn::kMin, "amount"},
                                             {AggregateFn::kMax, "amount"}},
                                .order_by = 0, .descending = true, .rollups = {{}}};
  AggregateQuery top = by_stage;
  top.rollups.clear();
  top.limit = 1;
  AggregateQuery median = top;
  median.limit = 100;
  median.measures = {{AggregateFn::kMedian, "amount"}};
  const std::vector<const AggregateQuery*> queries = {&by_stage, &top, &median};
  auto agree = [&](const char* when) {
    for (const AggregateQuery* q : queries) EXPECT_EQ(figures(kept, *q), figures(records(), *q)) << when;
  };
  // Statements that read every deal (not only those above an id).
  auto scans = [&] {
    return observed.Count([](const std::string& sql) {
      return sql.find("GROUP BY") != std::string::npos && sql.find("opportunities") != std::string::npos &&
             sql.find("r.id > ?") == std::string::npos;
    });
  };
  // The summary brought up to date without reading every deal again, and right.
  auto grows = [&](const char* when) {
    const auto before = scans();
    EXPECT_EQ(figures(kept, by_stage), figures(records(), by_stage)) << when;
    EXPECT_EQ(scans(), before) << when;
  };
  std::vector<std::string> ids = {add("qualification", "100.25"), add("won", "40"), add("won", "")};
  agree("computed");
  EXPECT_EQ(grown(), 0);
  // Added here (another App over the same database: as another process would).
  add("negotiation", "7.10");
  add("negotiation", "9000");
  add("negotiation", "1.01");  // now the largest group, first by count
  grows("added");
  agree("added");
  EXPECT_EQ(grown(), 1);  // the summary alone: the top one was cut short, the median does not add up
  agree("nothing since");
  EXPECT_EQ(grown(), 1);
  // Added in a batch, with an amount below every one before (a new minimum).
  BatchCommand batch{"opportunities", {}, true};
  for (const char* amount : {"0.01", "55"}) {
    batch.items.push_back({.values = {{"name", V::String("Batch")}, {"stage", V::String("lost")},
                                      {"amount", V::String(amount)}}});
  }
  ASSERT_TRUE(records().Batch(admin_, batch));
  grows("added in a batch");
  agree("added in a batch");
  EXPECT_EQ(grown(), 2);
  // Changed, then deleted: computed again; then added to again.
  ASSERT_TRUE(records().Update(admin_, {"opportunities", ids[0], {{"amount", V::String("3")}}, std::nullopt}));
  agree("updated");
  EXPECT_EQ(grown(), 2);
  add("qualification", "2");
  grows("added after an update");
  agree("added after an update");
  EXPECT_EQ(grown(), 3);
  ASSERT_TRUE(records().Delete(admin_, "opportunities", ids[1]));
  agree("deleted");
  EXPECT_EQ(grown(), 3);
}

TEST_P(RecordServiceTest, AggregatesByDateBucketAgreeWithAGroupingByHand) {
  struct Activity {
    std::string due;  // empty: none
    std::string type;
    bool done;
    int64_t minutes;  // between starts_at and ends_at
    bool deleted;
  };
  std::vector<Activity> activities;
  Numbers next(7);
  const int64_t first_day = *ParseDateDays("2024-12-20");
  for (int i = 0; i < 90; ++i) {
    // Two clusters with a gap between them, times on either side of midnight UTC.
    int64_t day = first_day + (i < 60 ? next(60) : 300 + next(120));
    std::string due = i % 17 == 0 ? "" : fmt::format("{}T{:02}:{:02}:00Z", FormatDate(day), next(2) ? 0 : 23, next(60));
    const char* types[] = {"call", "email", "task"};
    activities.push_back({due, types[next(3)], next(2) == 1, 15 + static_cast<int64_t>(next(100)), i % 13 == 5});
  }
  for (const Activity& a : activities) {
    const std::string start = "2026-03-01T09:00:00Z";
    Record r = MustCreate("activities", {{"type", V::String(a.type)}, {"subject", V::String("s")},
                                         {"due_at", a.due.empty() ? V::Null() : V::String(a.due)},
                                         {"done", V::Bool(a.done)},
                                         {"starts_at", V::String(start)},
                                         {"ends_at", V::String(FormatDatetime(*ParseDatetime(start) + a.minutes * 60'000'000))}});
    if (a.deleted) {
      ASSERT_TRUE(records().Delete(admin_, "activities", r.id));
    }
  }
  struct Expected {
    int64_t count = 0;
    std::set<std::string> types;
    std::vector<int64_t> minutes;
  };
  auto by_hand = [&](DatePart part, int fiscal_start, bool done_only) {
    std::map<std::string, Expected> groups;  // "~" sorts after every label: no date
    for (const Activity& a : activities) {
      if (a.deleted || (done_only && !a.done)) continue;
      std::string key = a.due.empty() ? "~" : BucketLabel(*ParseDateDays(a.due.substr(0, 10)), part, fiscal_start);
      Expected& e = groups[key];
      ++e.count;
      e.types.insert(a.type);
      e.minutes.push_back(a.minutes);
    }
    std::vector<std::string> out;
    for (auto& [key, e] : groups) {
      std::sort(e.minutes.begin(), e.minutes.end());
      size_t n = e.minutes.size();
      // The median duration in days, to 1e-6 as Decimal prints it: minutes / 1440.
      int64_t twice = e.minutes[(n - 1) / 2] + e.minutes[n / 2];
      std::string median = Decimal{static_cast<int64_t>((static_cast<__int128>(twice) * Decimal::kOne * 60 + 86400) / (2 * 86400))}.ToString();
      out.push_back(fmt::format("{}: {} {} {}", key == "~" ? "(none)" : key, e.count, e.types.size(), median));
    }
    return out;
  };
  auto run = [&](AggregateQuery q) {
    auto result = records().Aggregate(admin_, q);
    EXPECT_TRUE(result) << result.error().ToString();
    std::vector<std::string> out;
    if (!result) return out;
    for (const auto& row : result->rows) {
      std::string key = IsNull(row.keys[0]) ? "(none)" : std::get<std::string>(row.keys[0]);
      out.push_back(fmt::format("{}: {} {} {}", key, std::get<int64_t>(row.values[0]), std::get<int64_t>(row.values[1]),
                                std::get<Decimal>(row.values[2]).ToString()));
    }
    return out;
  };
  for (DatePart part : {DatePart::kDay, DatePart::kWeek, DatePart::kMonth, DatePart::kQuarter, DatePart::kYear}) {
    for (int fiscal_start : {1, 4}) {
      for (bool done_only : {false, true}) {
        AggregateQuery q{.object = "activities", .filter = done_only ? "done = true" : "",
                         .group_by = {{"due_at", part}},
                         .measures = {{AggregateFn::kCount, ""}, {AggregateFn::kCountDistinct, "type"},
                                      {AggregateFn::kMedian, "ends_at", "starts_at"}},
                         .fiscal_year_start = fiscal_start};
        std::vector<std::string> expected = by_hand(part, fiscal_start, done_only);
        EXPECT_EQ(run(q), expected) << DatePartName(part) << ", fiscal year from month " << fiscal_start
                                    << (done_only ? ", done" : "");
        // The same through a time zone of UTC under another name, which takes each
        // row's day by zone arithmetic instead of from its text.
        q.time_zone = "Etc/UTC";
        EXPECT_EQ(run(q), expected) << DatePartName(part) << " in Etc/UTC";
      }
    }
  }
  // Ordered by a measure and cut to a limit, the empty group taking its place.
  AggregateQuery top{.object = "activities", .group_by = {{"due_at", DatePart::kMonth}},
                     .measures = {{AggregateFn::kCount, ""}, {AggregateFn::kCountDistinct, "type"},
                                  {AggregateFn::kMedian, "ends_at", "starts_at"}},
                     .limit = 3, .order_by = 0, .descending = true};
  std::vector<std::string> months = by_hand(DatePart::kMonth, 1, false);
  std::stable_sort(months.begin(), months.end(), [](const std::string& a, const std::string& b) {
    auto count = [](const std::string& s) { return std::stoll(s.substr(s.find(": ") + 2)); };
    return count(a) > count(b);
  });
  months.resize(3);
  auto limited = records().Aggregate(admin_, top);
  ASSERT_TRUE(limited) << limited.error().ToString();
  EXPECT_TRUE(limited->truncated);
  EXPECT_EQ(run(top), months);
  // No activity at all in another workspace: no groups.
  auto none = records().Aggregate(stranger_, top);
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->rows.empty());
}

// Grouping by an indexed field of a few values goes a value's range at a time on
// SQLite (RecordService's ByKeyValues): every measure, with and without a filter,
// against a grouping worked out here, over companies some without an industry or a
// head count, some deleted. Ordered by a measure and cut to a limit too.
TEST_P(RecordServiceTest, AggregatesByAFieldOfFewValuesAgreeWithAGroupingByHand) {
  struct Company {
    std::string industry;       // empty: none
    std::optional<int64_t> employees;
    std::string name;
    bool deleted;
  };
  std::vector<Company> companies;
  Numbers next(11);
  const char* industries[] = {"", "software", "retail", "finance", "energy"};
  for (int i = 0; i < 80; ++i) {
    std::optional<int64_t> employees;
    if (next(6) != 0) employees = static_cast<int64_t>(next(500));
    companies.push_back({industries[next(5)], employees, fmt::format("Co {}", next(30)), i % 11 == 3});
  }
  for (const Company& c : companies) {
    Record r = MustCreate("companies", {{"name", V::String(c.name)},
                                        {"industry", c.industry.empty() ? V::Null() : V::String(c.industry)},
                                        {"employees", c.employees ? V::Int(*c.employees) : V::Null()}});
    if (c.deleted) ASSERT_TRUE(records().Delete(admin_, "companies", r.id));
  }
  // "industry: count distinct-names sum median min max", in key order (no industry last).
  auto by_hand = [&](bool larger_only) {
    std::map<std::string, std::pair<std::set<std::string>, std::vector<int64_t>>> groups;  // "~": none
    std::map<std::string, int64_t> counts;
    for (const Company& c : companies) {
      if (c.deleted || (larger_only && !(c.employees && *c.employees > 100))) continue;
      const std::string key = c.industry.empty() ? "~" : c.industry;
      ++counts[key];
      groups[key].first.insert(c.name);
      if (c.employees) groups[key].second.push_back(*c.employees);
    }
    std::vector<std::string> out;
    for (auto& [key, group] : groups) {
      std::vector<int64_t>& v = group.second;
      std::sort(v.begin(), v.end());
      std::string figures = "- - - -";
      if (!v.empty()) {
        const int64_t twice = v[(v.size() - 1) / 2] + v[v.size() / 2];
        figures = fmt::format("{} {} {} {}", std::accumulate(v.begin(), v.end(), int64_t{0}),
                              Decimal{twice * Decimal::kOne / 2}.ToString(), v.front(), v.back());
      }
      out.push_back(fmt::format("{}: {} {} {}", key == "~" ? "(none)" : key, counts[key], group.first.size(), figures));
    }
    return out;
  };
  auto figure = [](const FieldValue& v) -> std::string {
    if (IsNull(v)) return "-";
    if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    return std::get<Decimal>(v).ToString();
  };
  Observed observed(url_);
  ASSERT_TRUE(observed) << observed.error();
  auto run = [&](const AggregateQuery& q) {
    auto result = observed->records().Aggregate(admin_, q);
    EXPECT_TRUE(result) << result.error().ToString();
    std::vector<std::string> out;
    for (const auto& row : result ? result->rows : std::vector<AggregateRow>{}) {
      std::string key = IsNull(row.keys[0]) ? "(none)" : std::get<std::string>(row.keys[0]);
      std::string line = key + ":";
      for (const FieldValue& v : row.values) line += " " + figure(v);
      out.push_back(line);
    }
    return out;
  };
  AggregateQuery q{.object = "companies", .group_by = {{"industry", std::nullopt}},
                   .measures = {{AggregateFn::kCount, ""}, {AggregateFn::kCountDistinct, "name"},
                                {AggregateFn::kSum, "employees"}, {AggregateFn::kMedian, "employees"},
                                {AggregateFn::kMin, "employees"}, {AggregateFn::kMax, "employees"}}};
  EXPECT_EQ(run(q), by_hand(false));
  q.filter = "employees > 100";
  EXPECT_EQ(run(q), by_hand(true));
  // On SQLite a value at a time: one statement per value for its figures.
  if (GetParam() == "sqlite") {
    EXPECT_GE(observed.Count([](const std::string& sql) { return sql.find("r.\"industry\" = ?") != std::string::npos; }), 4);
  }
  // The two largest by head count, the empty group in its place by its figure.
  q.filter.clear();
  q.order_by = 2;
  q.descending = true;
  q.limit = 2;
  std::vector<std::string> largest = by_hand(false);
  std::stable_sort(largest.begin(), largest.end(), [](const std::string& a, const std::string& b) {
    auto sum = [](const std::string& s) {
      std::istringstream in(s.substr(s.find(": ") + 2));
      int64_t count, distinct, total;
      in >> count >> distinct >> total;
      return total;
    };
    return sum(a) > sum(b);
  });
  largest.resize(2);
  EXPECT_EQ(run(q), largest);
}

// Checking a list (what saving a view does) reads no record, at any size of table, and
// refuses what listing refuses, naming the same part of the query.
TEST_P(RecordServiceTest, CheckingAListReadsNoRecordAndRefusesWhatListingRefuses) {
  MustCreate("companies", {{"name", V::String("Acme")}});
  Observed observed(url_);
  ASSERT_TRUE(observed) << observed.error();
  RecordService& checking = observed->records();
  ListQuery good{.object = "companies", .filter = "industry = \"retail\"", .sort = "-employees", .limit = 1};
  good.read.fields = {"name", "employees"};
  EXPECT_TRUE(checking.CheckList(admin_, good));
  auto field_of = [](const Error& e) { return e.field_errors().empty() ? std::string("(none)") : e.field_errors()[0].field; };
  std::vector<std::pair<ListQuery, std::string>> bad;
  ListQuery q = good;
  q.filter = "industri = \"x\"";
  bad.emplace_back(q, "filter");
  q = good;
  q.sort = "-nope";
  bad.emplace_back(q, "sort");
  q = good;
  q.read.fields = {"name", "nope"};
  bad.emplace_back(q, "fields");
  q = good;
  q.read.fields = {"compny.name"};
  bad.emplace_back(q, "fields");
  q = good;
  q.cursor = "%%garbage";
  bad.emplace_back(q, "cursor");
  q = good;
  q.limit = 0;
  bad.emplace_back(q, "limit");
  for (const auto& [query, field] : bad) {
    Status checked = checking.CheckList(admin_, query);
    auto listed = checking.List(admin_, query);
    ASSERT_FALSE(checked) << field;
    ASSERT_FALSE(listed) << field;
    EXPECT_EQ(field_of(checked.error()), field) << checked.error().ToString();
    EXPECT_EQ(field_of(listed.error()), field) << listed.error().ToString();
  }
  EXPECT_EQ(checking.CheckList(admin_, {.object = "nothing"}).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(observed.Count([](const std::string& sql) { return sql.find("FROM \"companies\"") != std::string::npos; }), 0);
}

// Durations between two fields, in days counted in whole seconds: worked out by hand
// between datetimes, and between a date and each deal's own created_at as read back.
TEST_P(RecordServiceTest, AggregatesMeasureDurationsBetweenTwoFields) {
  auto decimal_of = [](const FieldValue& v) { return IsNull(v) ? std::string("null") : std::get<Decimal>(v).ToString(); };
  // 1 h 30 (the start's fraction of a second is dropped), 2 days, and one never ended.
  MustCreate("activities", {{"type", V::String("meeting")}, {"starts_at", V::String("2026-03-01T09:00:00.900Z")},
                            {"ends_at", V::String("2026-03-01T10:30:00Z")}});
  MustCreate("activities", {{"type", V::String("meeting")}, {"starts_at", V::String("2026-03-02T09:00:00+01:00")},
                            {"ends_at", V::String("2026-03-04T09:00:00+01:00")}});
  MustCreate("activities", {{"type", V::String("meeting")}, {"starts_at", V::String("2026-03-05T09:00:00Z")}});
  AggregateQuery q{.object = "activities"};
  for (auto fn : {AggregateFn::kAvg, AggregateFn::kSum, AggregateFn::kMedian, AggregateFn::kMin, AggregateFn::kMax}) {
    q.measures.push_back({fn, "ends_at", "starts_at"});
  }
  auto r = records().Aggregate(admin_, q);
  ASSERT_TRUE(r) << r.error().ToString();
  std::vector<std::string> got;
  for (const auto& v : r->rows.at(0).values) got.push_back(decimal_of(v));
  // (5,400 s + 172,800 s) / 2 = 1.03125 days, rounded half away from zero.
  EXPECT_EQ(got, (std::vector<std::string>{"1.0313", "2.0625", "1.0313", "0.0625", "2"}));

  // Grouped and rolled up in memory: the same averages from the groups' sums and counts.
  q.measures.resize(1);  // an average adds up, so the grand total comes from the groups
  q.group_by = {{"starts_at", DatePart::kDay}};
  q.rollups = {{}};
  r = records().Aggregate(admin_, q);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(decimal_of(r->rows[1].values[0]), "2");
  EXPECT_EQ(decimal_of(r->rows[2].values[0]), "null");
  EXPECT_EQ(decimal_of(r->rollups.at(0).at(0).values[0]), "1.0313");

  // A date against a datetime: close_date (its midnight UTC) since each deal's created_at.
  int64_t total_seconds = 0;
  for (const char* close : {"2027-01-31", "2027-06-15"}) {
    Record deal = MustCreate("opportunities", {{"name", V::String(close)}, {"close_date", V::String(close)}});
    Micros created = *ParseDatetime(std::get<std::string>(*deal.Find("created_at")));
    Micros seconds = (created >= 0 ? created : created - kMicrosPerSecond + 1) / kMicrosPerSecond;
    total_seconds += *ParseDateDays(close) * 86'400 - seconds;
  }
  AggregateQuery cycle{.object = "opportunities", .measures = {{AggregateFn::kSum, "close_date", "created_at"}}};
  r = records().Aggregate(admin_, cycle);
  ASSERT_TRUE(r) << r.error().ToString();
  __int128 units = static_cast<__int128>(total_seconds) * Decimal::kOne;
  int64_t rounded = static_cast<int64_t>((units + 86'400 / 2) / 86'400);  // positive: half up
  EXPECT_EQ(std::get<Decimal>(r->rows.at(0).values[0]).units, rounded);

  // Refused: a count of a duration, a duration from a field that is not a date.
  cycle.measures = {{AggregateFn::kCount, "close_date", "created_at"}};
  EXPECT_EQ(records().Aggregate(admin_, cycle).error().code(), ErrorCode::kInvalidArgument);
  cycle.measures = {{AggregateFn::kAvg, "close_date", "amount"}};
  auto refused = records().Aggregate(admin_, cycle);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().ToString().find("`amount` is currency"), std::string::npos) << refused.error().ToString();
}

TEST(AggregateSyntaxTest, MeasuresAndGroupingsAreWrittenTwoWays) {
  EXPECT_EQ(ParseMeasure("count")->fn, AggregateFn::kCount);
  EXPECT_EQ(ParseMeasure("sum:amount")->field, "amount");
  EXPECT_EQ(ParseMeasure("median(amount)")->fn, AggregateFn::kMedian);
  EXPECT_EQ(ParseMeasure("median(amount)")->field, "amount");
  EXPECT_FALSE(ParseMeasure("mode:amount"));
  EXPECT_EQ(*ParseMeasure("avg(close_date - created_at)"), (Measure{AggregateFn::kAvg, "close_date", "created_at"}));
  EXPECT_EQ(MeasureName(*ParseMeasure("avg( close_date-created_at )")), "avg(close_date - created_at)");
  EXPECT_FALSE(ParseMeasure("avg(close_date - )"));
  EXPECT_EQ(ParseGrouping("close_date:quarter"), (Grouping{"close_date", DatePart::kQuarter}));
  EXPECT_EQ(ParseGrouping("stage"), (Grouping{"stage", std::nullopt}));
  EXPECT_FALSE(ParseGrouping("close_date:fortnight"));
  EXPECT_EQ(GroupingName({"close_date", DatePart::kWeek}), "close_date:week");
}

TEST_P(RecordServiceTest, ConcurrentCreatesAllLand) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) MustCreate("companies", {{"name", V::String(fmt::format("C{}-{}", t, i))}});
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Count("companies"), 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, RecordServiceTest, testing::kBackends, testing::BackendName);

}  // namespace
}  // namespace rapport::records
