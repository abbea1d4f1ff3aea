#include "core/calendar.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>
#include <map>
#include <stdexcept>

#include "core/names.h"

namespace rapport {

namespace {

constexpr std::pair<std::string_view, DatePart> kParts[] = {{"day", DatePart::kDay},
                                                            {"week", DatePart::kWeek},
                                                            {"month", DatePart::kMonth},
                                                            {"quarter", DatePart::kQuarter},
                                                            {"year", DatePart::kYear}};

// Zones are looked up once per thread (the database is shared and immutable once
// loaded; the lookup itself is a search by name).
const date::time_zone* FindZone(std::string_view zone) {
  thread_local std::map<std::string, const date::time_zone*, std::less<>> found;
  if (auto it = found.find(zone); it != found.end()) return it->second;
  const date::time_zone* z = nullptr;
  try {
    z = date::locate_zone(std::string(zone));
  } catch (const std::exception&) {
    z = nullptr;  // unknown: remembered too
  }
  if (found.size() > 64) found.clear();
  found.emplace(std::string(zone), z);
  return z;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::string_view DatePartName(DatePart part) { return NameOf(kParts, part, "?"); }

std::optional<DatePart> ParseDatePart(std::string_view name) { return ValueNamed(kParts, name); }

bool IsTimeZone(std::string_view zone) { return zone == "UTC" || (!zone.empty() && FindZone(zone) != nullptr); }

std::optional<int64_t> LocalDays(Micros t, std::string_view zone) {
  if (zone == "UTC") return FloorDiv(t, kMicrosPerDay);
  const date::time_zone* z = FindZone(zone);
  if (!z) return std::nullopt;
  using namespace std::chrono;
  auto local = z->to_local(date::sys_time<microseconds>{microseconds{t}});
  return FloorDiv(local.time_since_epoch().count(), kMicrosPerDay);
}

std::string BucketLabel(int64_t days, DatePart part, int fiscal_start) {
  int y = 0;
  unsigned m = 0, d = 0;
  switch (part) {
    case DatePart::kDay: return FormatDate(days);
    case DatePart::kWeek: {
      // ISO 8601: a week belongs to the year of its Thursday (1970-01-01 was one).
      int64_t weekday = days + 3 - FloorDiv(days + 3, 7) * 7;  // Monday 0 .. Sunday 6
      int64_t thursday = days - weekday + 3;
      CivilFromDays(thursday, y, m, d);
      int64_t week = (thursday - DaysFromCivil(y, 1, 1)) / 7 + 1;
      return fmt::format("{:04}-W{:02}", y, week);
    }
    case DatePart::kMonth:
      CivilFromDays(days, y, m, d);
      return fmt::format("{:04}-{:02}", y, m);
    case DatePart::kQuarter:
    case DatePart::kYear: {
      CivilFromDays(days, y, m, d);
      // Shift the month so the fiscal year's first month becomes the first month of
      // the calendar year it ends in.
      int shift = (13 - fiscal_start) % 12;
      int month = static_cast<int>(m) - 1 + shift;  // 0-based, may pass December
      int year = y + month / 12;
      month %= 12;
      if (part == DatePart::kYear) return fmt::format("{:04}", year);
      return fmt::format("{:04}-Q{}", year, month / 3 + 1);
    }
  }
  return FormatDate(days);
}

namespace {

// "2026" or "2026-01"-like fixed-width numbers; nullopt unless all digits.
std::optional<int> Digits(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + (ch - '0');
  }
  return value;
}

// The first day of absolute month `index` (year * 12 + month - 1).
int64_t MonthStart(int64_t index) {
  int64_t year = FloorDiv(index, 12);
  return DaysFromCivil(static_cast<int>(year), static_cast<unsigned>(index - year * 12 + 1), 1);
}

}  // namespace

std::optional<DayRange> BucketDays(std::string_view label, DatePart part, int fiscal_start) {
  if (fiscal_start < 1 || fiscal_start > 12) return std::nullopt;
  const int shift = (13 - fiscal_start) % 12;
  std::optional<DayRange> range;
  switch (part) {
    case DatePart::kDay:
      if (auto days = ParseDateDays(label)) range = DayRange{*days, *days + 1};
      break;
    case DatePart::kWeek: {
      if (label.size() != 8 || label[4] != '-' || label[5] != 'W') break;
      auto year = Digits(label.substr(0, 4)), week = Digits(label.substr(6, 2));
      if (!year || !week || *week < 1 || *week > 53) break;
      // Week 1 is the one with the year's first Thursday, so it holds January 4th.
      int64_t jan4 = DaysFromCivil(*year, 1, 4);
      int64_t weekday = jan4 + 3 - FloorDiv(jan4 + 3, 7) * 7;  // Monday 0
      int64_t first = jan4 - weekday + 7 * (*week - 1);
      if (BucketLabel(first, DatePart::kWeek) != label) break;  // no week 53 that year
      range = DayRange{first, first + 7};
      break;
    }
    case DatePart::kMonth: {
      if (label.size() != 7 || label[4] != '-') break;
      auto year = Digits(label.substr(0, 4)), month = Digits(label.substr(5, 2));
      if (!year || !month || *month < 1 || *month > 12) break;
      int64_t index = int64_t{*year} * 12 + *month - 1;
      range = DayRange{MonthStart(index), MonthStart(index + 1)};
      break;
    }
    case DatePart::kQuarter: {
      if (label.size() != 7 || label.substr(4, 2) != "-Q") break;
      auto year = Digits(label.substr(0, 4)), quarter = Digits(label.substr(6, 1));
      if (!year || !quarter || *quarter < 1 || *quarter > 4) break;
      int64_t index = int64_t{*year} * 12 + (*quarter - 1) * 3 - shift;
      range = DayRange{MonthStart(index), MonthStart(index + 3)};
      break;
    }
    case DatePart::kYear: {
      auto year = label.size() == 4 ? Digits(label) : std::nullopt;
      if (!year) break;
      int64_t index = int64_t{*year} * 12 - shift;
      range = DayRange{MonthStart(index), MonthStart(index + 12)};
      break;
    }
  }
  return range;
}

std::optional<Micros> LocalDayStart(int64_t days, std::string_view zone) { return LocalTime(days, 0, zone); }

std::optional<Micros> LocalTime(int64_t days, int64_t seconds, std::string_view zone) {
  const Micros wall = days * kMicrosPerDay + seconds * kMicrosPerSecond;
  if (zone == "UTC") return wall;
  const date::time_zone* z = FindZone(zone);
  if (!z) return std::nullopt;
  using namespace std::chrono;
  date::local_time<microseconds> local{microseconds{wall}};
  // A time skipped by a clock change: the moment the clocks resume.
  auto info = z->get_info(local);
  date::sys_time<microseconds> start = info.result == date::local_info::nonexistent
                                     ? date::sys_time<microseconds>{info.first.end}
                                     : z->to_sys(local, date::choose::earliest);
  return start.time_since_epoch().count();
}

}  // namespace rapport
