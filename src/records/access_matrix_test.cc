// The authorisation matrix, generated from metadata: for every object (standard and
// custom) × every combination of read / edit / delete scopes × every relation between
// the caller and a record (their own, a teammate's, a report's, someone else's,
// another tenant's), every engine operation answers exactly as the model says:
// allowed, 404 (the record is not there for them) or 403 (the object is closed).
// It runs on both backends. An independent oracle (Expect*) states the model; the
// engine compiles it to SQL. Zero leaks is the bar.
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include "records/record_service.h"
#include "support/engine_test.h"

namespace rapport::records {
namespace {

using security::Principal;
using security::Scope;
using V = InputValue;

enum class Relation { kOwn, kTeammate, kReport, kOther, kOtherTenant };
constexpr Relation kRelations[] = {Relation::kOwn, Relation::kTeammate, Relation::kReport, Relation::kOther,
                                   Relation::kOtherTenant};

std::string_view Name(Relation r) {
  switch (r) {
    case Relation::kOwn: return "own";
    case Relation::kTeammate: return "teammate's";
    case Relation::kReport: return "report's";
    case Relation::kOther: return "other's";
    case Relation::kOtherTenant: return "other tenant's";
  }
  return "?";
}

// The oracle: does `scope` reach a record in `relation` to the caller?
bool Reaches(Scope scope, Relation relation) {
  if (relation == Relation::kOtherTenant) return false;
  switch (scope) {
    case Scope::kNone: return false;
    case Scope::kOwn: return relation == Relation::kOwn || relation == Relation::kReport;
    case Scope::kTeam: return relation != Relation::kOther;
    case Scope::kAll: return true;
  }
  return false;
}

// A valid value for a field, by type (enough to create a record of any object).
std::optional<V> SampleValue(const metadata::FieldDef& f, int n) {
  using metadata::FieldType;
  switch (f.type) {
    case FieldType::kText:
    case FieldType::kLongText: return V::String(fmt::format("sample {}", n));
    case FieldType::kEmail: return V::String(fmt::format("sample{}@example.com", n));
    case FieldType::kPhone: return V::String("+44 20 7946 0000");
    case FieldType::kUrl: return V::String("https://example.com");
    case FieldType::kInteger: return V::Int(1);
    case FieldType::kDecimal:
    case FieldType::kPercent: return V::String("1");
    case FieldType::kBoolean: return V::Bool(true);
    case FieldType::kDate: return V::String("2026-01-31");
    case FieldType::kDatetime: return V::String("2026-01-31T09:30:00Z");
    case FieldType::kPicklist: return V::String(f.options.front().value);
    default: return std::nullopt;
  }
}

class AccessMatrixTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    auto other = app_->identity().CreateTenant("Other");
    ASSERT_TRUE(other);
    auto olga = app_->identity().CreateUser(*other, "Olga", "olga@example.com", "admin", kPassword);
    ASSERT_TRUE(olga);
    other_admin_ = Principal{other->id, olga->id, true};
    std::string red = MustCreate(admin_, "teams", {{"name", V::String("Red")}}).id;
    std::string blue = MustCreate(admin_, "teams", {{"name", V::String("Blue")}}).id;
    me_ = MemberIn(tenant_, "Me", red);
    teammate_ = MemberIn(tenant_, "Teammate", red);
    other_ = MemberIn(tenant_, "Other", blue);
    report_ = MemberIn(tenant_, "Report", blue);
    auto managed = records().Update(admin_, {"users", report_, {{"manager_id", V::String(me_)}}});
    ASSERT_TRUE(managed) << managed.error().ToString();
    member_ = Principal{tenant_.id, me_, false};
  }

  RecordService& records() { return app_->records(); }
  security::AccessStore& access() { return app_->access(); }

  Record MustCreate(const Principal& p, const std::string& object, InputObject values) {
    auto r = records().Create(p, {object, std::move(values)});
    EXPECT_TRUE(r) << object << ": " << r.error().ToString();
    return r ? *r : Record{};
  }

  std::string MemberIn(const identity::Tenant& tenant, const std::string& name, const std::string& team) {
    auto user = app_->identity().CreateUser(tenant, name, name + "@example.com", "member", kPassword);
    EXPECT_TRUE(user);
    auto placed = records().Update(admin_, {"users", user->id, {{"team_id", V::String(team)}}});
    EXPECT_TRUE(placed) << placed.error().ToString();
    return user->id;
  }

  // A record of `object` for every relation, the other tenant's made by its admin.
  std::map<Relation, std::string> RecordsOf(const metadata::ObjectDef& object) {
    std::map<Relation, std::string> ids;
    int n = 0;
    for (Relation r : kRelations) {
      InputObject values;
      // Required fields and the title: what a record needs to pass validation.
      for (const auto& f : object.fields) {
        if (f.system || f.unique || f.name == "owner_id") continue;
        if (!f.required && f.name != object.title_field) continue;
        if (auto v = SampleValue(f, ++n)) values.emplace_back(f.name, *v);
      }
      std::string owner = r == Relation::kOwn ? me_ : r == Relation::kTeammate ? teammate_
                          : r == Relation::kReport ? report_ : r == Relation::kOther ? other_ : "";
      if (!owner.empty()) values.emplace_back("owner_id", V::String(owner));
      ids[r] = MustCreate(r == Relation::kOtherTenant ? other_admin_ : admin_, object.name, values).id;
    }
    return ids;
  }

  // A text field to change in updates.
  static std::string EditableText(const metadata::ObjectDef& object) {
    for (const auto& f : object.fields) {
      if (!f.system && !f.unique && (f.type == metadata::FieldType::kText)) return f.name;
    }
    return "";
  }

  void Assign(const security::ObjectPermissions& perms) {
    security::Role role;
    role.name = fmt::format("r{}", ++roles_);
    role.objects["*"] = perms;
    auto created = access().CreateRole(admin_, role);
    ASSERT_TRUE(created) << created.error().ToString();
    auto held = access().SetUserRoles(admin_, me_, {created->id});
    ASSERT_TRUE(held) << held.error().ToString();
  }

  Principal other_admin_, member_;
  std::string me_, teammate_, other_, report_;
  int roles_ = 0;
  int checks_ = 0;
};

// "allowed", "404", "403" or "error: ..." for an outcome.
template <typename T>
std::string Outcome(const Result<T>& r) {
  if (r) return "allowed";
  if (r.error().code() == ErrorCode::kNotFound) return "404";
  if (r.error().code() == ErrorCode::kPermissionDenied) return "403";
  return "error: " + r.error().ToString();
}

std::string Expected(Scope scope, Relation relation) {
  if (scope == Scope::kNone) return "403";
  return Reaches(scope, relation) ? "allowed" : "404";
}

TEST_P(AccessMatrixTest, EveryOperationOnEveryObjectMatchesTheModel) {
  // A custom object gets the model for free.
  for (const Principal* admin : {&admin_, &other_admin_}) {
    auto applied = records().ApplyMetadata(
        *admin, metadata::CreateObject{.name = "contracts", .label = "Contract", .label_plural = "Contracts",
                                       .fields = {{.name = "title", .type = "text"}}});
    ASSERT_TRUE(applied) << applied.error().ToString();
  }

  auto snapshot = records().metadata().Current(admin_.tenant_id);
  ASSERT_TRUE(snapshot);
  std::vector<const metadata::ObjectDef*> objects;
  for (const auto& object : (*snapshot)->objects()) {
    if (object.name != "users" && object.name != "teams") objects.push_back(&object);
  }
  ASSERT_GE(objects.size(), 7u);
  std::map<std::string, std::map<Relation, std::string>> ids;
  for (const auto* object : objects) ids[object->name] = RecordsOf(*object);

  const Scope kScopes[] = {Scope::kNone, Scope::kOwn, Scope::kTeam, Scope::kAll};
  for (Scope read : kScopes) {
    for (Scope edit_scope : kScopes) {
      if (edit_scope > read) continue;
      for (Scope del : kScopes) {
        if (del > read) continue;
        Assign({Scope::kAll, read, edit_scope, del, false});
        for (const auto* object : objects) {
          std::string text = EditableText(*object);
          for (Relation relation : kRelations) {
            const std::string& id = ids[object->name][relation];
            SCOPED_TRACE(fmt::format("{} record of {}; read {}, edit {}, delete {}", Name(relation), object->name,
                                     security::Name(read), security::Name(edit_scope), security::Name(del)));
            std::string expect_read = Expected(read, relation);
            EXPECT_EQ(Outcome(records().Get(member_, object->name, id)), expect_read);
            EXPECT_EQ(Outcome(records().History(member_, object->name, id)), expect_read);
            // list, count and a filter naming the id: present exactly when readable
            auto listed = records().List(member_, {.object = object->name,
                                                   .filter = fmt::format("id = \"{}\"", id),
                                                   .limit = 10,
                                                   .count = true});
            if (read == Scope::kNone) {
              EXPECT_EQ(Outcome(listed), "403");
            } else {
              ASSERT_TRUE(listed) << listed.error().ToString();
              EXPECT_EQ(listed->records.size(), Reaches(read, relation) ? 1u : 0u);
              EXPECT_EQ(*listed->total, Reaches(read, relation) ? 1 : 0);
            }
            if (!text.empty()) {
              std::string expect_edit = read == Scope::kNone ? "403" : Expected(edit_scope, relation);
              EXPECT_EQ(Outcome(records().Update(member_, {object->name, id, {{text, V::String("changed")}}})),
                        expect_edit);
              BatchCommand batch{object->name, {}, true};
              batch.items.push_back({.op = BatchOp::kUpdate, .values = {{text, V::String("batched")}}, .id = id});
              auto batched = records().Batch(member_, batch);
              if (expect_edit == "403") {
                EXPECT_EQ(Outcome(batched), "403");
              } else {
                EXPECT_EQ(Outcome(batched), expect_edit);
              }
            }
            std::string expect_delete = Expected(del, relation);
            auto deleted = records().Delete(member_, object->name, id);
            EXPECT_EQ(Outcome(deleted), expect_delete);
            if (deleted) {
              // The member may also restore what they may delete.
              EXPECT_EQ(Outcome(records().Restore(member_, object->name, id)), "allowed");
            }
            checks_ += 7;
          }
        }
      }
    }
  }
  RecordProperty("checks", checks_);
  std::printf("authorisation matrix: %d checks over %zu objects\n", checks_, objects.size());
}

// Grants beyond the role's scope: organisation-wide defaults, criteria sharing rules
// and manual shares open exactly what they say, and /access/explain names them.
TEST_P(AccessMatrixTest, DefaultsRulesAndSharesGrantExactlyWhatTheySay) {
  Assign({Scope::kAll, Scope::kOwn, Scope::kOwn, Scope::kOwn, false});
  const Principal other{admin_.tenant_id, other_, false};
  auto deal = [&](const std::string& name) {
    return MustCreate(admin_, "opportunities", {{"name", V::String(name)}, {"owner_id", V::String(other_)}}).id;
  };
  std::string small = deal("Small renewal");
  std::string big = deal("Big platform deal");
  auto can_read = [&](const std::string& id) { return Outcome(records().Get(member_, "opportunities", id)); };
  auto can_edit = [&](const std::string& id) {
    return Outcome(records().Update(member_, {"opportunities", id, {{"name", V::String("Edited")}}}));
  };
  auto count = [&] {
    auto listed = records().List(member_, {.object = "opportunities", .count = true});
    EXPECT_TRUE(listed);
    return listed ? *listed->total : -1;
  };
  EXPECT_EQ(can_read(small), "404");
  EXPECT_EQ(count(), 0);

  // Organisation-wide defaults.
  ASSERT_TRUE(access().SetDefault(admin_, "opportunities", security::DefaultSharing::kPublicRead));
  EXPECT_EQ(can_read(small), "allowed");
  EXPECT_EQ(can_edit(small), "404");
  EXPECT_EQ(count(), 2);
  ASSERT_TRUE(access().SetDefault(admin_, "opportunities", security::DefaultSharing::kPublicReadWrite));
  EXPECT_EQ(can_edit(small), "allowed");
  EXPECT_EQ(Outcome(records().Delete(member_, "opportunities", small)), "404");  // sharing never grants delete
  ASSERT_TRUE(access().SetDefault(admin_, "opportunities", security::DefaultSharing::kPrivate));
  EXPECT_EQ(count(), 0);

  // A criteria rule for the member's team, read only; then one at edit level.
  auto teams = records().List(admin_, {.object = "teams", .filter = "name = \"Red\""});
  ASSERT_TRUE(teams && teams->records.size() == 1);
  security::SharingRule rule{.object = "opportunities", .name = "Big deals", .criteria = "name ~ \"big\"",
                             .target = {security::ShareTarget::Kind::kTeam, teams->records[0].id}};
  auto created = access().CreateRule(admin_, rule);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(can_read(big), "allowed");
  EXPECT_EQ(can_read(small), "404");
  EXPECT_EQ(can_edit(big), "404");
  auto why = records().Explain(admin_, me_, "opportunities", big);
  ASSERT_TRUE(why) << why.error().ToString();
  EXPECT_EQ(why->read, std::vector<std::string>{"sharing rule `Big deals`"});
  EXPECT_TRUE(why->edit.empty());
  ASSERT_TRUE(access().DeleteRule(admin_, created->id));
  EXPECT_EQ(can_read(big), "404");
  rule.level = security::ShareLevel::kEdit;
  rule.target = {security::ShareTarget::Kind::kEveryone, ""};
  ASSERT_TRUE(access().CreateRule(admin_, rule));
  EXPECT_EQ(can_edit(big), "allowed");
  // A rule whose criteria do not bind is refused.
  rule.criteria = "no_such_field = 1";
  EXPECT_EQ(access().CreateRule(admin_, rule).error().code(), ErrorCode::kValidationFailed);

  // Manual shares: only the owner (or their managers, or an administrator) may share.
  security::ShareTarget me{security::ShareTarget::Kind::kUser, me_};
  auto not_mine = records().Share(member_, "opportunities", small, me, security::ShareLevel::kRead);
  ASSERT_FALSE(not_mine);
  EXPECT_EQ(not_mine.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(records().Share(other, "opportunities", small, me, security::ShareLevel::kRead));
  EXPECT_EQ(can_read(small), "allowed");
  EXPECT_EQ(can_edit(small), "404");
  why = records().Explain(member_, me_, "opportunities", small);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->read, std::vector<std::string>{"shared with you"});
  ASSERT_TRUE(records().Share(other, "opportunities", small, me, security::ShareLevel::kEdit));
  EXPECT_EQ(can_edit(small), "allowed");
  auto shares = records().Shares(other, "opportunities", small);
  ASSERT_TRUE(shares);
  ASSERT_EQ(shares->size(), 1u);
  EXPECT_EQ((*shares)[0].level, security::ShareLevel::kEdit);
  ASSERT_TRUE(records().Unshare(other, "opportunities", small, me));
  EXPECT_EQ(can_read(small), "404");
  // Shared with the member's team.
  ASSERT_TRUE(records().Share(other, "opportunities", small, {security::ShareTarget::Kind::kTeam, teams->records[0].id},
                              security::ShareLevel::kRead));
  EXPECT_EQ(can_read(small), "allowed");
  // About oneself, a record one may not read is not there (no probing through explain).
  EXPECT_EQ(records().Explain(member_, me_, "opportunities", big).error().code(), ErrorCode::kNotFound);
  // Someone else may not ask why the member sees it; the member may.
  EXPECT_EQ(records().Explain(other, me_, "opportunities", small).error().code(), ErrorCode::kPermissionDenied);
}

// A hidden field does not exist for the member: not read, written, filtered, sorted,
// selected, included or shown in history; a read-only one is read but never written.
TEST_P(AccessMatrixTest, HiddenFieldsCannotBeReadWrittenOrProbed) {
  security::Role role;
  role.name = "Restricted";
  role.objects["*"] = {Scope::kAll, Scope::kAll, Scope::kAll, Scope::kAll, false};
  role.fields = {{"opportunities.amount", security::FieldAccess::kHidden},
                 {"opportunities.stage", security::FieldAccess::kReadOnly},
                 {"companies.industry", security::FieldAccess::kHidden}};
  auto created = access().CreateRole(admin_, role);
  ASSERT_TRUE(created) << created.error().ToString();
  ASSERT_TRUE(access().SetUserRoles(admin_, me_, {created->id}));
  std::string company =
      MustCreate(admin_, "companies", {{"name", V::String("Acme")}, {"industry", V::String("retail")}}).id;
  V amount;
  amount.kind = V::Kind::kObject;
  amount.members = {{"amount", V::String("5000")}, {"currency", V::String("EUR")}};
  std::string deal = MustCreate(admin_, "opportunities", {{"name", V::String("Deal")},
                                                          {"amount", amount},
                                                          {"stage", V::String("proposal")},
                                                          {"company_id", V::String(company)}})
                         .id;
  auto got = records().Get(member_, "opportunities", deal, {.include = {"company"}});
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->Find("amount"), nullptr);
  EXPECT_NE(got->Find("stage"), nullptr);
  ASSERT_TRUE(got->included.contains("company"));
  EXPECT_EQ(got->included.at("company").Find("industry"), nullptr);
  EXPECT_NE(got->included.at("company").Find("name"), nullptr);
  // A related record's hidden field cannot be read as a column either: refused as unknown.
  auto related = records().List(member_, {.object = "opportunities", .read = {.fields = {"name", "company.industry"}}});
  ASSERT_FALSE(related);
  EXPECT_EQ(related.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(records().List(member_, {.object = "opportunities", .read = {.fields = {"name", "company.name"}}}));

  auto bad = [&](ListQuery q) {
    q.object = "opportunities";
    return Outcome(records().List(member_, q)).substr(0, 22);
  };
  const std::string kInvalid = "error: invalid_argumen";
  EXPECT_EQ(bad({.filter = "amount > 1000"}), kInvalid);  // as if there were no such field: not a probe
  EXPECT_EQ(bad({.filter = "company.industry = \"retail\""}), kInvalid);
  EXPECT_EQ(bad({.sort = "-amount"}), kInvalid);
  EXPECT_EQ(bad({.read = {.fields = {"amount"}}}), kInvalid);
  EXPECT_EQ(bad({.filter = "stage = \"proposal\""}), "allowed");  // read-only is readable

  auto write = [&](InputObject changes) {
    auto r = records().Update(member_, {"opportunities", deal, std::move(changes)});
    return r ? std::string("ok") : r.error().field_errors().empty() ? r.error().ToString()
                                                                    : r.error().field_errors()[0].code;
  };
  EXPECT_EQ(write({{"amount", amount}}), "unknown_field");
  EXPECT_EQ(write({{"stage", V::String("won")}}), "read_only");
  EXPECT_EQ(write({{"name", V::String("Renamed")}}), "ok");

  amount.members[0].second = V::String("9000");
  ASSERT_TRUE(records().Update(admin_, {"opportunities", deal, {{"amount", amount}}}));
  auto history = records().History(member_, "opportunities", deal);
  ASSERT_TRUE(history);
  for (const auto& entry : *history) EXPECT_NE(entry.field, "amount");
  auto admin_history = records().History(admin_, "opportunities", deal);
  ASSERT_TRUE(admin_history);
  EXPECT_TRUE(std::any_of(admin_history->begin(), admin_history->end(),
                          [](const HistoryEntry& e) { return e.field == "amount"; }));

  auto schema = records().Metadata(member_);
  ASSERT_TRUE(schema);
  EXPECT_EQ((*schema)->FindObject("opportunities")->FindField("amount"), nullptr);
  EXPECT_TRUE((*schema)->FindObject("opportunities")->FindField("stage")->read_only);
  auto why = records().Explain(admin_, me_, "opportunities", deal);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->hidden_fields, std::vector<std::string>{"amount"});
  EXPECT_EQ(why->read_only_fields, std::vector<std::string>{"stage"});
}

// Records the member may not read cannot be reached sideways: not through a filter on
// a relation, an include, or by pointing a lookup at them.
TEST_P(AccessMatrixTest, InvisibleRecordsCannotBeProbedThroughRelations) {
  Assign({Scope::kAll, Scope::kOwn, Scope::kOwn, Scope::kOwn, false});
  std::string secret =
      MustCreate(admin_, "companies", {{"name", V::String("Secret Corp")}, {"owner_id", V::String(other_)}}).id;
  std::string mine =
      MustCreate(admin_, "companies", {{"name", V::String("Mine Ltd")}, {"owner_id", V::String(me_)}}).id;
  std::string deal = MustCreate(admin_, "opportunities", {{"name", V::String("Deal")},
                                                          {"owner_id", V::String(me_)},
                                                          {"company_id", V::String(secret)}})
                         .id;
  auto matches = [&](const std::string& filter) {
    auto r = records().List(member_, {.object = "opportunities", .filter = filter, .count = true});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r->total : -1;
  };
  EXPECT_EQ(matches("company.name = \"Secret Corp\""), 0);
  EXPECT_EQ(matches("company.name != \"Secret Corp\""), 1);
  auto got = records().Get(member_, "opportunities", deal, {.include = {"company"}});
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->included.contains("company"));
  // Nor as a related column: the cell of a company they may not read is empty.
  auto columns = records().List(member_, {.object = "opportunities", .read = {.fields = {"name", "company.name"}}});
  ASSERT_TRUE(columns) << columns.error().ToString();
  ASSERT_EQ(columns->records.size(), 1u);
  EXPECT_TRUE(IsNull(*columns->records[0].Find("company.name")));
  // Nor as a group of an aggregate (the company looked up in memory on SQLite): their
  // deal counts in the empty group, where the admin's counts under the company's name.
  const AggregateQuery by_company{.object = "opportunities", .group_by = {{"company.name", std::nullopt}},
                                  .measures = {{AggregateFn::kCount, ""}}};
  for (const auto& [viewer, name] : {std::pair{member_, std::string()}, std::pair{admin_, std::string("Secret Corp")}}) {
    auto grouped = records().Aggregate(viewer, by_company);
    ASSERT_TRUE(grouped) << grouped.error().ToString();
    ASSERT_EQ(grouped->rows.size(), 1u);
    if (name.empty()) EXPECT_TRUE(IsNull(grouped->rows[0].keys[0]));
    else EXPECT_EQ(std::get<std::string>(grouped->rows[0].keys[0]), name);
    EXPECT_EQ(std::get<int64_t>(grouped->rows[0].values[0]), 1);
  }
  auto pointed = records().Update(member_, {"opportunities", deal, {{"company_id", V::String(secret)}}});
  EXPECT_TRUE(pointed);  // unchanged value: nothing to check
  auto other_deal = MustCreate(member_, "opportunities", {{"name", V::String("Mine")}}).id;
  auto probe = records().Update(member_, {"opportunities", other_deal, {{"company_id", V::String(secret)}}});
  ASSERT_FALSE(probe);
  EXPECT_EQ(probe.error().code(), ErrorCode::kValidationFailed);
  EXPECT_TRUE(records().Update(member_, {"opportunities", other_deal, {{"company_id", V::String(mine)}}}));
  // The directory: members read users and teams but cannot change them.
  EXPECT_TRUE(records().Get(member_, "users", other_));
  EXPECT_EQ(Outcome(records().Update(member_, {"users", me_, {{"job_title", V::String("CEO")}}})), "403");
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessMatrixTest, testing::kBackends, testing::BackendName);

}  // namespace
}  // namespace rapport::records
