// A report definition as JSON (docs/reports.md): what POST /api/v1/reports/run takes,
// what a saved report keeps, and what a result echoes back. One codec for all three,
// so a definition saved is exactly a definition run.
#pragma once

#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/error.h"
#include "reports/dashboards.h"
#include "reports/report.h"

namespace rapport::reports {

// Errors name the member at fault ("group_by", "aggregates"...); unknown members are
// refused.
Result<ReportDefinition> DefinitionFromJson(const boost::json::object& o);
boost::json::object DefinitionToJson(const ReportDefinition& definition);

// A dashboard's widgets and filters, as the API takes them and the store keeps them.
// Errors name the member ("widgets[2].report_id", "filters.period").
Result<std::vector<DashboardWidget>> WidgetsFromJson(const boost::json::value& widgets);
boost::json::array WidgetsToJson(const std::vector<DashboardWidget>& widgets);
Result<DashboardFilters> FiltersFromJson(const boost::json::value& filters);
boost::json::object FiltersToJson(const DashboardFilters& filters);

// A definition's errors name its own members ("group_by"); where it sits inside
// something else (a saved report's `definition`), they become "definition.group_by".
// An invalid definition whose error names no member gets one naming `member`.
Error NestedUnder(const Error& error, std::string_view member);

}  // namespace rapport::reports
