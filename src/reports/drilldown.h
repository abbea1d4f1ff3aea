// Drilling into a report: the records behind one of its groups (a bar, a slice, a
// cell) as a filter over the report's object, which the list shows like any other
// (docs/reports.md). The filter is the report's own, and for each grouping given the
// group's key: `stage = "won"`, a date bucket as the range of its days in the
// workspace's calendar, an empty group as `is null`. Run by the viewer, the list then
// holds exactly the records the group counted for them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/calendar.h"
#include "core/error.h"
#include "metadata/snapshot.h"
#include "reports/report.h"
#include "workspace/workspace_settings.h"

namespace rapport::reports {

struct DrillDown {
  std::string object;
  std::string filter;  // the expression language
};

// `keys`: a grouping's key name in the report's rows (KeyName) and the group's value.
// A name that is not one of the report's groupings is a field error naming `keys`.
Result<DrillDown> DrillFilter(const metadata::MetadataSnapshot& snapshot, const ReportDefinition& definition,
                              const std::vector<std::pair<std::string, records::FieldValue>>& keys,
                              const workspace::WorkspaceSettings& calendar);

// The field a report names, the object's own or a related record's through a lookup
// ("company.industry"), as the snapshot's viewer sees it; null if unknown.
const metadata::FieldDef* ReportField(const metadata::MetadataSnapshot& snapshot, const metadata::ObjectDef& object,
                                      std::string_view path);

// `path` within the days [first, end): a date field compared with dates, a datetime
// field from the first local midnight in `zone` on. Fails for an unknown zone.
Result<std::string> DayRangeCondition(std::string_view path, bool datetime, DayRange days, std::string_view zone);
// One side of it: `path` before (op "<") or from (">=") the start of local `day`.
Result<std::string> DayBoundCondition(std::string_view path, bool datetime, std::string_view op, int64_t day,
                                      std::string_view zone);

}  // namespace rapport::reports
