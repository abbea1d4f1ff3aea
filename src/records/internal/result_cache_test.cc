#include "records/internal/result_cache.h"

#include <gtest/gtest.h>

namespace rapport::records::internal {
namespace {

// A result of `rows` groups, each keyed by a text of `width` characters.
AggregateResult Result(int rows, size_t width = 8, int64_t count = 1) {
  AggregateResult r;
  for (int i = 0; i < rows; ++i) {
    r.rows.push_back({.keys = {std::string(width, static_cast<char>('a' + i % 26))}, .currency = "", .values = {count}});
  }
  return r;
}

int64_t CountOf(const std::optional<AggregateResult>& r) {
  return r && !r->rows.empty() ? std::get<int64_t>(r->rows[0].values[0]) : -1;
}

// A result is given while the versions of the tables it was kept with hold, whatever
// happens to other tables; and is not kept at all if one of them moved while it was
// computed.
TEST(ResultCacheTest, GivesAResultWhileItsTablesVersionsHold) {
  ResultCache cache(1 << 20);
  const storage::TableVersions v1 = {{"deals", {3}}, {"roles", {1}}};
  cache.Keep("k", {"deals", "roles", "shares"}, v1, v1, Result(2, 8, 42));
  EXPECT_EQ(CountOf(cache.Find("k", v1)), 42);
  EXPECT_EQ(cache.Find("other", v1), std::nullopt);
  storage::TableVersions unrelated = v1;
  unrelated["activities"] = {9};
  EXPECT_EQ(CountOf(cache.Find("k", unrelated)), 42);
  storage::TableVersions written = v1;
  written["deals"] = {4};
  EXPECT_EQ(cache.Find("k", written), std::nullopt);
  storage::TableVersions first_share = v1;
  first_share["shares"] = {1};  // a table without a version when kept counts as 0
  EXPECT_EQ(cache.Find("k", first_share), std::nullopt);
  EXPECT_EQ(cache.hits(), 2u);

  // Written while computed: not kept, and what was kept under the key stays as it was.
  cache.Keep("k", {"deals"}, v1, written, Result(2, 8, 7));
  EXPECT_EQ(CountOf(cache.Find("k", v1)), 42);
  cache.Keep("k2", {"deals"}, v1, written, Result(2));
  EXPECT_EQ(cache.Find("k2", v1), std::nullopt);
  EXPECT_EQ(cache.Find("k2", written), std::nullopt);
  // Kept again under newer versions: the newer result.
  cache.Keep("k", {"deals"}, written, written, Result(2, 8, 8));
  EXPECT_EQ(CountOf(cache.Find("k", written)), 8);
}

// Bounded by bytes: the least recently used goes first; a result of more than an
// eighth of the bound is never kept; a bound of 0 keeps nothing.
TEST(ResultCacheTest, KeepsTheMostRecentlyUsedWithinItsBound) {
  const storage::TableVersions v = {{"t", {1}}};
  ResultCache probe(1 << 30);
  probe.Keep("r0", {"t"}, v, v, Result(10, 1000));
  const size_t one = probe.bytes();
  ASSERT_GT(one, 10'000u);

  ResultCache cache(one * 8 + one / 2);  // room for eight
  for (int i = 0; i < 8; ++i) cache.Keep("r" + std::to_string(i), {"t"}, v, v, Result(10, 1000));
  EXPECT_EQ(cache.bytes(), 8 * one);
  EXPECT_TRUE(cache.Find("r0", v));  // now the most recently used
  cache.Keep("r8", {"t"}, v, v, Result(10, 1000));
  EXPECT_TRUE(cache.Find("r0", v));
  EXPECT_FALSE(cache.Find("r1", v));  // the least recently used, gone
  EXPECT_TRUE(cache.Find("r8", v));
  EXPECT_LE(cache.bytes(), cache.limit());

  cache.Keep("big", {"t"}, v, v, Result(12, 1000));  // over an eighth
  EXPECT_FALSE(cache.Find("big", v));

  cache.Limit(0);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_FALSE(cache.Find("r0", v));
  cache.Keep("r0", {"t"}, v, v, Result(1));
  EXPECT_FALSE(cache.Find("r0", v));
}

// Groups kept to grow are given, with the id above which rows are new, while their
// table only had rows appended (its rewrites and shared version as they were) and
// every other table is at its version; and kept to grow only from the table's highest
// id, since a row above it that no append gave would be counted twice.
TEST(ResultCacheTest, GivesGroupsToGrowWhileTheirTableWasOnlyAppendedTo) {
  using Groups = ResultCache::Groups;
  const Groups groups = {{std::string("won"), int64_t{3}}};
  auto growth = [&](std::string max_id) { return ResultCache::Growth{"deals", std::move(max_id), groups}; };
  ResultCache cache(1 << 20);
  const storage::TableVersions v1 = {{"deals", {.version = 5, .shared = 1, .rewrites = 2, .high_id = "0009"}},
                                     {"roles", {1}}};
  cache.Keep("k", {"deals", "roles"}, v1, v1, Result(1, 8, 3), growth("0009"));
  EXPECT_EQ(CountOf(cache.Find("k", v1)), 3);
  auto appended = v1;
  appended["deals"] = {.version = 7, .shared = 1, .rewrites = 2, .high_id = "0012"};
  EXPECT_EQ(cache.Find("k", appended), std::nullopt);
  auto growable = cache.FindGrowable("k", appended);
  ASSERT_TRUE(growable);
  EXPECT_EQ(growable->after_id, "0009");
  EXPECT_EQ(*growable->groups, groups);

  auto rewritten = appended;
  rewritten["deals"].rewrites = 3;
  EXPECT_FALSE(cache.FindGrowable("k", rewritten));
  auto shared = appended;
  shared["deals"].shared = 2;
  EXPECT_FALSE(cache.FindGrowable("k", shared));
  auto roles = appended;
  roles["roles"] = {2};
  EXPECT_FALSE(cache.FindGrowable("k", roles));
  EXPECT_FALSE(cache.FindGrowable("other", appended));

  // Computed up to an id that is not the table's highest appended: kept, not to grow.
  cache.Keep("k2", {"deals", "roles"}, v1, v1, Result(1), growth("0010"));
  EXPECT_TRUE(cache.Find("k2", v1));
  EXPECT_FALSE(cache.FindGrowable("k2", appended));
  // Without groups: the same.
  cache.Keep("k3", {"deals", "roles"}, v1, v1, Result(1));
  EXPECT_FALSE(cache.FindGrowable("k3", appended));
  // Kept again from the grown groups, with the versions after: grows from there.
  cache.Keep("k", {"deals", "roles"}, appended, appended, Result(1, 8, 4), growth("0012"));
  EXPECT_EQ(CountOf(cache.Find("k", appended)), 4);
  auto later = appended;
  later["deals"] = {.version = 8, .shared = 1, .rewrites = 2, .high_id = "0013"};
  ASSERT_TRUE(cache.FindGrowable("k", later));
  EXPECT_EQ(cache.FindGrowable("k", later)->after_id, "0012");
}

}  // namespace
}  // namespace rapport::records::internal
