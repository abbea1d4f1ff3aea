// The periods dashboards and KPIs are read over, by name ("this_quarter",
// "last_30_days"), and the owner and team they can be narrowed to. A period is days
// in the workspace's calendar: its time zone says what today is, its fiscal year
// where quarters and years start.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/error.h"
#include "core/time.h"
#include "workspace/workspace_settings.h"

namespace rapport::reports {

// "today", "this_week", "last_week", "this_month", "last_month", "this_quarter",
// "last_quarter", "this_year", "last_year" (quarters and years fiscal), or
// "last_7_days", "last_30_days", "last_90_days", "last_365_days".
bool IsPeriod(std::string_view period);
const std::vector<std::string_view>& PeriodNames();

// A named period as of `now`, and how to step back from it: the period before a
// quarter is the quarter before, before the last 30 days the 30 days before those.
class Period {
 public:
  // Fails (a field error) for an unknown name or time zone.
  static Result<Period> Resolve(std::string_view name, Micros now, const workspace::WorkspaceSettings& calendar);

  DayRange days() const { return days_; }
  // The period just before `range`, one of this period's kind.
  DayRange Before(DayRange range) const;

 private:
  Period(std::optional<DatePart> bucket, int fiscal_start, DayRange days)
      : bucket_(bucket), fiscal_start_(fiscal_start), days_(days) {}
  std::optional<DatePart> bucket_;  // none: rolling, as many days as days_ holds
  int fiscal_start_ = 1;
  DayRange days_;
};

// Filter conditions (the expression language) for records owned by `owner` ("me" or a
// user's id) and by members of `team` (a team's id); none for empty ones.
std::vector<std::string> OwnerConditions(std::string_view owner, std::string_view team);

}  // namespace rapport::reports
