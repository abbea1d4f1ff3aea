#include "reports/periods.h"

#include <array>

#include <fmt/format.h>

#include "query/expression.h"

namespace rapport::reports {

namespace {

// Periods named by the bucket they are (this one or the one before), and rolling ones.
struct PeriodKind {
  std::string_view name;
  std::optional<DatePart> bucket;
  bool last = false;  // the bucket before today's
  int days = 0;       // rolling: the last N days, today included
};
constexpr std::array<PeriodKind, 13> kPeriods = {{
    {"today", DatePart::kDay},
    {"this_week", DatePart::kWeek},
    {"last_week", DatePart::kWeek, true},
    {"this_month", DatePart::kMonth},
    {"last_month", DatePart::kMonth, true},
    {"this_quarter", DatePart::kQuarter},
    {"last_quarter", DatePart::kQuarter, true},
    {"this_year", DatePart::kYear},
    {"last_year", DatePart::kYear, true},
    {"last_7_days", std::nullopt, false, 7},
    {"last_30_days", std::nullopt, false, 30},
    {"last_90_days", std::nullopt, false, 90},
    {"last_365_days", std::nullopt, false, 365},
}};

const PeriodKind* FindPeriod(std::string_view name) {
  for (const auto& p : kPeriods) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// The bucket holding `day`. (Labels of years past 9999 do not parse back: such days
// fall in a one-day period.)
DayRange BucketOf(int64_t day, DatePart part, int fiscal_start) {
  return BucketDays(BucketLabel(day, part, fiscal_start), part, fiscal_start).value_or(DayRange{day, day + 1});
}


}  // namespace

bool IsPeriod(std::string_view period) { return FindPeriod(period) != nullptr; }

const std::vector<std::string_view>& PeriodNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& p : kPeriods) out.push_back(p.name);
    return out;
  }();
  return names;
}

Result<Period> Period::Resolve(std::string_view name, Micros now, const workspace::WorkspaceSettings& calendar) {
  const PeriodKind* kind = FindPeriod(name);
  if (!kind) return Fail(InvalidField("period", fmt::format("Unknown period `{}`.", name)));
  std::optional<int64_t> today = LocalDays(now, calendar.time_zone);
  if (!today) return Fail(InvalidField("time_zone", fmt::format("`{}` is not a time zone known here.", calendar.time_zone)));
  if (!kind->bucket) return Period(std::nullopt, calendar.fiscal_year_start, {*today - kind->days + 1, *today + 1});
  DayRange days = BucketOf(*today, *kind->bucket, calendar.fiscal_year_start);
  if (kind->last) days = BucketOf(days.first - 1, *kind->bucket, calendar.fiscal_year_start);
  return Period(kind->bucket, calendar.fiscal_year_start, days);
}

DayRange Period::Before(DayRange range) const {
  if (!bucket_) return {range.first - (days_.end - days_.first), range.first};
  return BucketOf(range.first - 1, *bucket_, fiscal_start_);
}

std::vector<std::string> OwnerConditions(std::string_view owner, std::string_view team) {
  std::vector<std::string> out;
  if (!owner.empty()) out.push_back(owner == "me" ? "owner_id = me()" : fmt::format("owner_id = {}", query::QuoteString(owner)));
  if (!team.empty()) out.push_back(fmt::format("owner.team_id = {}", query::QuoteString(team)));
  return out;
}

}  // namespace rapport::reports
