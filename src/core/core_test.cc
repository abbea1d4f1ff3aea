#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <thread>
#include <vector>

#include "core/calendar.h"
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


// Days for a date written out, so the expectations below read as a calendar.
int64_t Day(std::string_view text) { return *ParseDateDays(text); }

TEST(CalendarTest, IsoWeeksBelongToTheYearOfTheirThursday) {
  EXPECT_EQ(BucketLabel(Day("2026-01-15"), DatePart::kWeek), "2026-W03");
  // 2024-12-30 is a Monday whose Thursday is 2025-01-02: week 1 of 2025.
  EXPECT_EQ(BucketLabel(Day("2024-12-30"), DatePart::kWeek), "2025-W01");
  // 2021-01-03 is a Sunday whose Thursday is 2020-12-31: week 53 of 2020.
  EXPECT_EQ(BucketLabel(Day("2021-01-03"), DatePart::kWeek), "2020-W53");
  EXPECT_EQ(BucketLabel(Day("2021-01-04"), DatePart::kWeek), "2021-W01");
  EXPECT_EQ(BucketLabel(Day("1969-12-29"), DatePart::kWeek), "1970-W01");  // before the epoch
  EXPECT_EQ(BucketLabel(Day("2026-12-31"), DatePart::kWeek), "2026-W53");
}

TEST(CalendarTest, MonthsQuartersAndFiscalYears) {
  EXPECT_EQ(BucketLabel(Day("2026-01-15"), DatePart::kDay), "2026-01-15");
  EXPECT_EQ(BucketLabel(Day("2026-01-15"), DatePart::kMonth), "2026-01");
  EXPECT_EQ(BucketLabel(Day("2026-03-31"), DatePart::kQuarter), "2026-Q1");
  EXPECT_EQ(BucketLabel(Day("2026-04-01"), DatePart::kQuarter), "2026-Q2");
  EXPECT_EQ(BucketLabel(Day("2026-12-31"), DatePart::kYear), "2026");
  // A fiscal year from April, named by the year it ends in.
  EXPECT_EQ(BucketLabel(Day("2025-03-31"), DatePart::kYear, 4), "2025");
  EXPECT_EQ(BucketLabel(Day("2025-04-01"), DatePart::kYear, 4), "2026");
  EXPECT_EQ(BucketLabel(Day("2025-04-01"), DatePart::kQuarter, 4), "2026-Q1");
  EXPECT_EQ(BucketLabel(Day("2025-12-31"), DatePart::kQuarter, 4), "2026-Q3");
  EXPECT_EQ(BucketLabel(Day("2026-03-31"), DatePart::kQuarter, 4), "2026-Q4");
  // From October (a US federal year) and from December (one month early).
  EXPECT_EQ(BucketLabel(Day("2025-10-01"), DatePart::kQuarter, 10), "2026-Q1");
  EXPECT_EQ(BucketLabel(Day("2025-09-30"), DatePart::kQuarter, 10), "2025-Q4");
  EXPECT_EQ(BucketLabel(Day("2025-12-01"), DatePart::kYear, 12), "2026");
  EXPECT_EQ(BucketLabel(Day("2025-11-30"), DatePart::kQuarter, 12), "2025-Q4");
  // Months stay calendar months whatever the fiscal year.
  EXPECT_EQ(BucketLabel(Day("2025-04-01"), DatePart::kMonth, 4), "2025-04");
}

TEST(CalendarTest, LocalDaysFollowTheZoneAndItsDaylightSavingTime) {
  auto at = [](std::string_view text) { return *ParseDatetime(text); };
  EXPECT_EQ(LocalDays(at("2026-01-15T23:30:00Z"), "UTC"), Day("2026-01-15"));
  // Paris is UTC+1 in winter and UTC+2 in summer (since 2026-03-29 01:00 UTC).
  EXPECT_EQ(LocalDays(at("2026-01-15T23:30:00Z"), "Europe/Paris"), Day("2026-01-16"));
  EXPECT_EQ(LocalDays(at("2026-06-30T21:59:59Z"), "Europe/Paris"), Day("2026-06-30"));
  EXPECT_EQ(LocalDays(at("2026-06-30T22:00:00Z"), "Europe/Paris"), Day("2026-07-01"));
  // West of Greenwich the day starts later: New York is UTC-5 in January.
  EXPECT_EQ(LocalDays(at("2026-01-01T04:59:59Z"), "America/New_York"), Day("2025-12-31"));
  // Half-hour zones: Kolkata is UTC+5:30.
  EXPECT_EQ(LocalDays(at("2026-01-15T18:29:59Z"), "Asia/Kolkata"), Day("2026-01-15"));
  EXPECT_EQ(LocalDays(at("2026-01-15T18:30:00Z"), "Asia/Kolkata"), Day("2026-01-16"));
  EXPECT_EQ(LocalDays(at("1969-12-31T23:59:59Z"), "UTC"), Day("1969-12-31"));
  EXPECT_FALSE(LocalDays(0, "Mars/Olympus_Mons"));
  EXPECT_TRUE(IsTimeZone("Europe/Paris"));
  EXPECT_FALSE(IsTimeZone("Europe/Pariss"));
  EXPECT_FALSE(IsTimeZone(""));
}

TEST(CalendarTest, DatePartsHaveNames) {
  for (DatePart part : {DatePart::kDay, DatePart::kWeek, DatePart::kMonth, DatePart::kQuarter, DatePart::kYear}) {
    EXPECT_EQ(ParseDatePart(DatePartName(part)), part);
  }
  EXPECT_FALSE(ParseDatePart("fortnight"));
}

}  // namespace
}  // namespace rapport
