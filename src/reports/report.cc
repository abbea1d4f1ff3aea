#include "reports/report.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/names.h"

namespace rapport::reports {

namespace {

constexpr std::pair<std::string_view, ReportType> kTypes[] = {
    {"tabular", ReportType::kTabular}, {"summary", ReportType::kSummary}, {"matrix", ReportType::kMatrix}};

}  // namespace

std::string_view ReportTypeName(ReportType type) { return NameOf(kTypes, type, "?"); }

std::optional<ReportType> ParseReportType(std::string_view name) { return ValueNamed(kTypes, name); }

std::string KeyName(const ReportDefinition& definition, const records::Grouping& grouping) {
  auto same_field = [&](const records::Grouping& g) { return g.field == grouping.field; };
  size_t uses = std::count_if(definition.group_by.begin(), definition.group_by.end(), same_field) +
                std::count_if(definition.across.begin(), definition.across.end(), same_field);
  return uses > 1 ? records::GroupingName(grouping) : grouping.field;
}

std::string AggregateName(const records::Measure& measure) { return records::MeasureName(measure); }

}  // namespace rapport::reports
