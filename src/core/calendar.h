// Calendars for grouping by date (reports, aggregates): the local date of an instant
// in a time zone, and the buckets dates fall into — ISO weeks, months, and quarters
// and years that follow the workspace's fiscal year.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace rapport {

enum class DatePart { kDay, kWeek, kMonth, kQuarter, kYear };

std::string_view DatePartName(DatePart part);  // "day", "week", "month", "quarter", "year"
std::optional<DatePart> ParseDatePart(std::string_view name);

// Whether `zone` is an IANA time zone this machine knows ("Europe/Paris", "UTC").
bool IsTimeZone(std::string_view zone);

// The day (DaysFromCivil) on which instant `t` falls in `zone`, daylight saving time
// included; nullopt for an unknown zone.
std::optional<int64_t> LocalDays(Micros t, std::string_view zone);

// The label of the bucket a day falls into: "2026-01-15" (day), "2026-W03" (ISO 8601
// week, numbered in its ISO year), "2026-01" (month), "2026-Q1" (quarter), "2026"
// (year). Quarters and years are fiscal: with a fiscal year starting in month
// `fiscal_start` (1..12), a fiscal year is named by the calendar year it ends in, so
// with April, FY2026 runs from April 2025 to March 2026 and its Q1 is April-June 2025.
// January (the default) makes them calendar quarters and years.
std::string BucketLabel(int64_t days, DatePart part, int fiscal_start = 1);

// The days a bucket label covers, [first, after last): what BucketLabel gives every
// day of. nullopt for a label that is not one of `part`'s.
struct DayRange {
  int64_t first = 0;
  int64_t end = 0;
};
std::optional<DayRange> BucketDays(std::string_view label, DatePart part, int fiscal_start = 1);

// The instant a local day starts in `zone` (its first moment, where daylight saving
// time skips midnight); nullopt for an unknown zone.
std::optional<Micros> LocalDayStart(int64_t days, std::string_view zone);
// The instant the clocks of `zone` show `seconds` past midnight on local day `days`:
// the earlier of two when a clock change repeats it, the moment the clocks resume
// when one skips it. nullopt for an unknown zone.
std::optional<Micros> LocalTime(int64_t days, int64_t seconds, std::string_view zone);

}  // namespace rapport
