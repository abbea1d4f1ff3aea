// The authorisation matrix, generated from metadata: for every object (standard and
// custom) × every combination of read / edit / delete scopes × every relation between
// the caller and a record (their own, a teammate's, a report's, someone else's,
// another tenant's), every engine operation answers exactly as the model says:
// allowed, 404 (the record is not there for them) or 403 (the object is closed).
// It runs on both backends. An independent oracle (Expect*) states the model; the
// engine compiles it to SQL. Zero leaks is the bar.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "app/app.h"
#include "records/record_service.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

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

class AccessMatrixTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = testing::FreshDatabase(GetParam(), dir_.File("rapport.db"));
    ASSERT_TRUE(url) << url.error();
    auto app = app::App::Open({.db_url = *url});
    ASSERT_TRUE(app) << app.error().ToString();
    app_ = std::move(*app);
    auto tenant = app_->identity().CreateTenant("Acme");
    auto other = app_->identity().CreateTenant("Other");
    ASSERT_TRUE(tenant && other);
    auto ada = app_->identity().CreateUser(*tenant, "Ada", "ada@example.com", "admin", "correct horse battery");
    auto olga = app_->identity().CreateUser(*other, "Olga", "olga@example.com", "admin", "correct horse battery");
    ASSERT_TRUE(ada && olga);
    admin_ = Principal{tenant->id, ada->id, true};
    other_admin_ = Principal{other->id, olga->id, true};
    std::string red = MustCreate(admin_, "teams", {{"name", V::String("Red")}}).id;
    std::string blue = MustCreate(admin_, "teams", {{"name", V::String("Blue")}}).id;
    me_ = MemberIn(*tenant, "Me", red);
    teammate_ = MemberIn(*tenant, "Teammate", red);
    other_ = MemberIn(*tenant, "Other", blue);
    report_ = MemberIn(*tenant, "Report", blue);
    auto managed = records().Update(admin_, {"users", report_, {{"manager_id", V::String(me_)}}});
    ASSERT_TRUE(managed) << managed.error().ToString();
    member_ = Principal{tenant->id, me_, false};
  }

  RecordService& records() { return app_->records(); }
  security::AccessStore& access() { return app_->access(); }

  Record MustCreate(const Principal& p, const std::string& object, InputObject values) {
    auto r = records().Create(p, {object, std::move(values)});
    EXPECT_TRUE(r) << object << ": " << r.error().ToString();
    return r ? *r : Record{};
  }

  std::string MemberIn(const identity::Tenant& tenant, const std::string& name, const std::string& team) {
    auto user = app_->identity().CreateUser(tenant, name, name + "@example.com", "member", "correct horse battery");
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

  testing::TempDir dir_;
  std::unique_ptr<app::App> app_;
  Principal admin_, other_admin_, member_;
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

INSTANTIATE_TEST_SUITE_P(Backends, AccessMatrixTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace rapport::records
