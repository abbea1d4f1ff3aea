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

}  // namespace
}  // namespace rapport::records::internal
