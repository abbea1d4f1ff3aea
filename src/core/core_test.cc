#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <thread>
#include <vector>

#include "core/decimal.h"
#include "core/error.h"
#include "core/histogram.h"
#include "core/id.h"
#include "core/strings.h"
#include "core/time.h"

namespace rapport {
namespace {

TEST(DecimalTest, ParsesAndFormatsExactly) {
  EXPECT_EQ(Decimal::Parse("1234.5")->units, 12345000);
  EXPECT_EQ(Decimal::Parse("-0.0001")->units, -1);
  EXPECT_EQ(Decimal::Parse("+7")->units, 70000);
  EXPECT_EQ(Decimal::Parse("1.50000")->units, 15000);  // trailing zeros beyond scale are fine
  EXPECT_FALSE(Decimal::Parse("1.00001"));             // precision we cannot store
  EXPECT_FALSE(Decimal::Parse("1e5"));
  EXPECT_FALSE(Decimal::Parse(""));
  EXPECT_FALSE(Decimal::Parse("-"));
  EXPECT_FALSE(Decimal::Parse("."));
  EXPECT_FALSE(Decimal::Parse("99999999999999999999"));
  EXPECT_EQ(Decimal::Parse("1234.5")->ToString(2), "1234.50");
  EXPECT_EQ(Decimal::Parse("-0.0001")->ToString(2), "-0.0001");
  EXPECT_EQ(Decimal::Parse("12")->ToString(), "12");
  EXPECT_EQ(Decimal::FromDouble(0.1)->units, 1000);
  EXPECT_FALSE(Decimal::FromDouble(0.00001));
}

TEST(TimeTest, RoundTripsDatetimes) {
  auto t = ParseDatetime("2026-01-15T09:30:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatDatetime(*t), "2026-01-15T09:30:00.000000Z");
  EXPECT_EQ(*ParseDatetime("2026-01-15T11:30:00+02:00"), *t);
  EXPECT_EQ(*ParseDatetime("2026-01-15T09:30:00.25Z") - *t, 250000);
  EXPECT_FALSE(ParseDatetime("2026-01-15T09:30:00"));  // no zone
  EXPECT_FALSE(ParseDatetime("2026-02-30T00:00:00Z"));
  EXPECT_EQ(FormatDatetime(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(TimeTest, ValidatesDates) {
  EXPECT_EQ(*ParseDateDays("1970-01-02"), 1);
  EXPECT_TRUE(ParseDateDays("2024-02-29"));
  EXPECT_FALSE(ParseDateDays("2023-02-29"));
  EXPECT_FALSE(ParseDateDays("2023-13-01"));
  EXPECT_FALSE(ParseDateDays("2023-1-01"));
  EXPECT_EQ(FormatDate(*ParseDateDays("2000-12-31")), "2000-12-31");
}

TEST(IdTest, IdsAreValidUniqueAndTimeOrdered) {
  ManualClock clock(1'700'000'000'000'000);
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 10000; ++i) {
    std::string id = NewId(clock);
    ASSERT_TRUE(IsValidId(id)) << id;
    EXPECT_EQ(id[14], '7');  // version nibble
    EXPECT_GT(id, previous);
    previous = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
  EXPECT_FALSE(IsValidId("not-an-id"));
  EXPECT_FALSE(IsValidId("0190b2c4-7d1e-7a00-8000-00000000000g"));
}

TEST(StringsTest, SuggestsCloseNames) {
  std::vector<std::string> names = {"email", "phone", "first_name"};
  EXPECT_EQ(DidYouMean("emial", names), " Did you mean `email`?");
  EXPECT_EQ(DidYouMean("zzzzzz", names), "");
  EXPECT_TRUE(IsIdentifier("tier_2"));
  EXPECT_FALSE(IsIdentifier("2tier"));
  EXPECT_FALSE(IsIdentifier("Tier"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
}

TEST(StringsTest, RepairsInvalidUtf8) {
  EXPECT_EQ(ToValidUtf8("plain ascii"), "plain ascii");
  EXPECT_EQ(ToValidUtf8("Gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80"), "Gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80");
  EXPECT_EQ(ToValidUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(ToValidUtf8("\xC3"), "\xEF\xBF\xBD");                      // truncated sequence
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");    // overlong
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80x"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");  // surrogate
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\x80\x80\xF4\x90\x80\x80")));
}

TEST(HistogramTest, BucketsAreCumulativeAndInclusive) {
  static constexpr std::array<double, 3> kBounds = {0.001, 0.01, 0.1};
  LatencyHistogram h(kBounds);
  h.Observe(0.0005);  // <= 0.001
  h.Observe(0.001);   // le is inclusive
  h.Observe(0.05);    // <= 0.1
  h.Observe(3);       // +Inf only
  h.Observe(-1);      // counts as 0
  h.Observe(std::nan(""));
  HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.bounds, std::vector<double>(kBounds.begin(), kBounds.end()));
  EXPECT_EQ(s.counts, (std::vector<uint64_t>{4, 4, 5, 6}));
  EXPECT_EQ(s.count(), 6u);
  EXPECT_DOUBLE_EQ(s.sum, 3.0515);
  EXPECT_EQ(LatencyHistogram().Snapshot().counts.size(), LatencyHistogram::kDefaultBounds.size() + 1);
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Observe(0.002);
    });
  }
  for (auto& thread : threads) thread.join();
  HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.count(), 40000u);
  EXPECT_NEAR(s.sum, 80.0, 1e-9);
}

TEST(ErrorTest, CarriesFieldErrors) {
  Error e = Error(ErrorCode::kValidationFailed, "1 field is invalid")
                .WithField("email", "invalid_format", "not an email");
  EXPECT_EQ(e.field_errors().size(), 1u);
  EXPECT_NE(e.ToString().find("email"), std::string::npos);
}

}  // namespace
}  // namespace rapport
