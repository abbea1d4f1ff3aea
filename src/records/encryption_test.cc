// Encrypted fields end to end on both backends: stored sealed (values and history),
// read back plain, equality-filtered when deterministic, refused where ciphertext
// cannot answer, tamper-evident, and readable after a master key rotation.
#include <gtest/gtest.h>

#include <sodium.h>

#include "app/app.h"
#include "records/record_service.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace rapport::records {
namespace {

using security::Principal;
using V = InputValue;

security::MasterKey Key(std::string id, char fill) { return {std::move(id), std::string(32, fill)}; }

class EncryptionTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = testing::FreshDatabase(GetParam(), dir_.File("rapport.db"));
    ASSERT_TRUE(url) << url.error();
    url_ = *url;
    Open({Key("k1", 'a')});
    auto tenant = app_->identity().CreateTenant("Acme");
    ASSERT_TRUE(tenant);
    auto user = app_->identity().CreateUser(*tenant, "Ada", "ada@example.com", "admin", "correct horse battery");
    ASSERT_TRUE(user);
    admin_ = Principal{tenant->id, user->id, true};
    for (auto [name, type, mode] : {std::tuple{"tax_id", "text", "deterministic"},
                                    std::tuple{"secret_notes", "long_text", "randomized"}}) {
      auto added = app_->records().ApplyMetadata(
          admin_, metadata::AddField{"companies", {.name = name, .type = type, .encryption = mode}});
      ASSERT_TRUE(added) << added.error().ToString();
    }
  }

  void Open(std::vector<security::MasterKey> keys) {
    app_.reset();
    auto app = app::App::Open({.db_url = url_, .master_keys = std::move(keys)});
    ASSERT_TRUE(app) << app.error().ToString();
    app_ = std::move(*app);
  }

  // The stored text of a column, straight from the database.
  std::string Raw(const std::string& sql, const std::string& id) {
    std::string out;
    EXPECT_TRUE(app_->db().Read([&](storage::Connection& c) -> Status {
      std::vector<storage::Value> p = {id};
      RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, p));
      if (!rows.rows.empty()) out = storage::TextOf(rows.rows[0][0]);
      return Ok();
    }));
    return out;
  }

  std::string Column(const std::string& field) {
    auto snapshot = app_->records().metadata().Current(admin_.tenant_id);
    return (*snapshot)->FindObject("companies")->FindField(field)->column;
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<app::App> app_;
  Principal admin_;
};

TEST_P(EncryptionTest, ValuesAndHistoryAreSealedAndReadBackPlain) {
  auto& records = app_->records();
  auto made = records.Create(admin_, {"companies", {{"name", V::String("Acme")},
                                                    {"tax_id", V::String("DE123456789")},
                                                    {"secret_notes", V::String("pays late")}}});
  ASSERT_TRUE(made) << made.error().ToString();
  std::string stored = Raw("SELECT \"" + Column("tax_id") + "\" FROM companies WHERE id = ?", made->id);
  EXPECT_TRUE(stored.starts_with("e1.")) << stored;
  EXPECT_EQ(stored.find("DE123"), std::string::npos);
  std::string notes = Raw("SELECT \"" + Column("secret_notes") + "\" FROM companies WHERE id = ?", made->id);
  EXPECT_TRUE(notes.starts_with("e1."));
  EXPECT_EQ(notes.find("late"), std::string::npos);

  auto got = records.Get(admin_, "companies", made->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::get<std::string>(*got->Find("tax_id")), "DE123456789");
  EXPECT_EQ(std::get<std::string>(*got->Find("secret_notes")), "pays late");

  // Deterministic: equality works; randomized: only `is null`; neither sorts or matches.
  auto count = [&](const std::string& filter) -> Result<int64_t> {
    RAPPORT_ASSIGN_OR_RETURN(auto r, records.List(admin_, {.object = "companies", .filter = filter, .count = true}));
    return *r.total;
  };
  EXPECT_EQ(*count("tax_id = \"DE123456789\""), 1);
  EXPECT_EQ(*count("tax_id in (\"X\", \"DE123456789\")"), 1);
  EXPECT_EQ(*count("tax_id != \"DE123456789\""), 0);
  EXPECT_EQ(*count("tax_id = \"DE000\""), 0);
  EXPECT_EQ(*count("secret_notes is not null"), 1);
  for (std::string bad : {"tax_id ~ \"DE\"", "tax_id > \"A\"", "secret_notes = \"pays late\""}) {
    auto r = count(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(records.List(admin_, {.object = "companies", .sort = "tax_id"}));

  // A second record with the same deterministic value seals identically; randomized never.
  auto twin = records.Create(admin_, {"companies", {{"name", V::String("Twin")},
                                                    {"tax_id", V::String("DE123456789")},
                                                    {"secret_notes", V::String("pays late")}}});
  ASSERT_TRUE(twin);
  EXPECT_EQ(Raw("SELECT \"" + Column("tax_id") + "\" FROM companies WHERE id = ?", twin->id), stored);
  EXPECT_NE(Raw("SELECT \"" + Column("secret_notes") + "\" FROM companies WHERE id = ?", twin->id), notes);

  // History keeps the old and new values sealed, and shows them plain.
  ASSERT_TRUE(records.Update(admin_, {"companies", made->id, {{"secret_notes", V::String("pays on time now")}}}));
  std::string history_row = Raw("SELECT new_value FROM record_history WHERE record_id = ? AND field = 'secret_notes'",
                                made->id);
  EXPECT_TRUE(history_row.starts_with("e1.")) << history_row;
  auto history = records.History(admin_, "companies", made->id);
  ASSERT_TRUE(history);
  ASSERT_EQ((*history)[0].field, "secret_notes");
  EXPECT_EQ((*history)[0].old_value, "pays late");
  EXPECT_EQ((*history)[0].new_value, "pays on time now");
}

TEST_P(EncryptionTest, TamperingShowsAndRotationKeepsEverythingReadable) {
  auto& records = app_->records();
  auto made = records.Create(admin_, {"companies", {{"name", V::String("Acme")}, {"tax_id", V::String("GB999")}}});
  ASSERT_TRUE(made);
  // Swapping a sealed value into another field, or altering it, does not open.
  std::string sealed = Raw("SELECT \"" + Column("tax_id") + "\" FROM companies WHERE id = ?", made->id);
  ASSERT_TRUE(app_->db().Write([&](storage::Connection& c) -> Status {
    std::vector<storage::Value> p = {sealed, made->id};
    return c.Execute("UPDATE companies SET \"" + Column("secret_notes") + "\" = ? WHERE id = ?", p)
               ? Ok()
               : Fail(ErrorCode::kInternal, "update");
  }));
  auto got = records.Get(admin_, "companies", made->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::get<std::string>(*got->Find("tax_id")), "GB999");
  EXPECT_TRUE(IsNull(*got->Find("secret_notes")));

  // Rotate: add k2, re-wrap, drop k1: still readable. With k1 alone: refused.
  Open({Key("k1", 'a'), Key("k2", 'b')});
  auto rewrapped = app_->keys().Rewrap();
  ASSERT_TRUE(rewrapped) << rewrapped.error().ToString();
  EXPECT_EQ(*rewrapped, 1);
  EXPECT_EQ(*app_->keys().Rewrap(), 0);  // nothing left under an old key
  Open({Key("k2", 'b')});
  got = app_->records().Get(admin_, "companies", made->id);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(std::get<std::string>(*got->Find("tax_id")), "GB999");
  Open({Key("k1", 'a')});
  EXPECT_EQ(app_->records().Get(admin_, "companies", made->id).error().code(), ErrorCode::kInternal);
  // Without any master key, encrypted objects are refused with a clear reason.
  Open({});
  auto none = app_->records().Get(admin_, "companies", made->id);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kFailedPrecondition);
  // Objects without encrypted fields are unaffected.
  EXPECT_TRUE(app_->records().List(admin_, {.object = "people"}));
}

TEST(FieldCipherTest, SealsBindToTheFieldAndKey) {
  security::TenantCipher cipher(1, {{1, std::string(32, 'k')}});
  std::string sealed = cipher.Seal("ssn", "123-45-6789", false);
  EXPECT_EQ(*cipher.Open("ssn", sealed), "123-45-6789");
  EXPECT_FALSE(cipher.Open("tax_id", sealed));  // another field
  std::string altered = sealed;
  altered[altered.size() - 2] = altered[altered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(cipher.Open("ssn", altered));
  security::TenantCipher other(1, {{1, std::string(32, 'x')}});
  EXPECT_FALSE(other.Open("ssn", sealed));
  EXPECT_EQ(cipher.Seal("ssn", "a", true), cipher.Seal("ssn", "a", true));
  EXPECT_NE(cipher.Seal("ssn", "a", true), cipher.Seal("ssn", "b", true));
  EXPECT_NE(cipher.Seal("ssn", "a", true), cipher.Seal("other", "a", true));
  EXPECT_NE(cipher.Seal("ssn", "a", false), cipher.Seal("ssn", "a", false));
  EXPECT_FALSE(security::ParseMasterKey("c2hvcnQ="));  // not 32 bytes
}

INSTANTIATE_TEST_SUITE_P(Backends, EncryptionTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace rapport::records
