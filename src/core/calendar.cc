#include "core/calendar.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>
#include <map>
#include <stdexcept>

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

std::string_view DatePartName(DatePart part) {
  for (const auto& [name, p] : kParts) {
    if (p == part) return name;
  }
  return "?";
}

std::optional<DatePart> ParseDatePart(std::string_view name) {
  for (const auto& [known, p] : kParts) {
    if (known == name) return p;
  }
  return std::nullopt;
}

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

}  // namespace rapport
