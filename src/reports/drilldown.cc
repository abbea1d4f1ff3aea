#include "reports/drilldown.h"

#include <fmt/format.h>

#include "core/calendar.h"
#include "metadata/field_type.h"
#include "query/expression.h"

namespace rapport::reports {

namespace {

using metadata::FieldDef;
using metadata::FieldType;
using records::FieldValue;

// An instant as the expression language writes it: "2026-03-01T00:00:00Z".
std::string DatetimeLiteral(Micros t) {
  std::string text = FormatDatetime(t);  // "...T00:00:00.000000Z"
  if (auto dot = text.find(".000000Z"); dot != std::string::npos) text = text.substr(0, dot) + "Z";
  return text;
}

Result<std::string> Condition(const FieldDef& field, const records::Grouping& g, const FieldValue& key,
                              const workspace::WorkspaceSettings& calendar) {
  const std::string& path = g.field;
  if (records::IsNull(key)) return fmt::format("{} is null", path);
  auto bad = [&](std::string why) {
    return Fail(InvalidField("keys", fmt::format("`{}`: {}", path, why)));
  };
  if (g.bucket) {
    const auto* label = std::get_if<std::string>(&key);
    auto days = label ? BucketDays(*label, *g.bucket, calendar.fiscal_year_start) : std::nullopt;
    if (!days) return bad(fmt::format("not a {} such as the report's rows name", DatePartName(*g.bucket)));
    return DayRangeCondition(path, field.type == FieldType::kDatetime, *days, calendar.time_zone);
  }
  return std::visit(
      [&](const auto& v) -> Result<std::string> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return fmt::format("{} = {}", path, v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return fmt::format("{} = {}", path, v);
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return fmt::format("{} = {}", path, v.ToString());
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (field.type == FieldType::kDate) {
            if (!ParseDateDays(v)) return bad("not a date");
            return fmt::format("{} = {}", path, v);
          }
          if (field.type == FieldType::kDatetime) {
            auto t = ParseDatetime(v);
            if (!t) return bad("not a datetime");
            return fmt::format("{} = {}", path, DatetimeLiteral(*t));
          }
          if (field.type == FieldType::kInteger || field.type == FieldType::kDecimal ||
              field.type == FieldType::kPercent || field.type == FieldType::kBoolean) {
            return bad(fmt::format("a {} is not text", metadata::FieldTypeName(field.type)));
          }
          return fmt::format("{} = {}", path, query::QuoteString(v));
        } else {
          return bad("a group's key is a single value");
        }
      },
      key);
}

}  // namespace

const FieldDef* ReportField(const metadata::MetadataSnapshot& snapshot, const metadata::ObjectDef& object,
                            std::string_view path) {
  size_t dot = path.find('.');
  if (dot == std::string_view::npos) return object.FindField(path);
  const FieldDef* lookup = object.FindRelation(path.substr(0, dot));
  const metadata::ObjectDef* related = lookup ? snapshot.FindObject(lookup->target) : nullptr;
  return related ? related->FindField(path.substr(dot + 1)) : nullptr;
}

Result<std::string> DayBoundCondition(std::string_view path, bool datetime, std::string_view op, int64_t day,
                                      std::string_view zone) {
  if (!datetime) return fmt::format("{} {} {}", path, op, FormatDate(day));
  auto start = LocalDayStart(day, zone);
  if (!start) return Fail(InvalidField("time_zone", fmt::format("`{}` is not a time zone known here.", zone)));
  return fmt::format("{} {} {}", path, op, DatetimeLiteral(*start));
}

Result<std::string> DayRangeCondition(std::string_view path, bool datetime, DayRange days, std::string_view zone) {
  RAPPORT_ASSIGN_OR_RETURN(std::string from, DayBoundCondition(path, datetime, ">=", days.first, zone));
  RAPPORT_ASSIGN_OR_RETURN(std::string to, DayBoundCondition(path, datetime, "<", days.end, zone));
  return from + " and " + to;
}

Result<DrillDown> DrillFilter(const metadata::MetadataSnapshot& snapshot, const ReportDefinition& d,
                              const std::vector<std::pair<std::string, FieldValue>>& keys,
                              const workspace::WorkspaceSettings& calendar) {
  RAPPORT_ASSIGN_OR_RETURN(const metadata::ObjectDef* object, snapshot.GetObject(d.object));
  std::vector<std::string> parts;
  if (!d.filter.empty()) parts.push_back(fmt::format("({})", d.filter));
  for (const auto& [name, key] : keys) {
    const records::Grouping* grouping = nullptr;
    for (const auto* groupings : {&d.group_by, &d.across}) {
      for (const auto& g : *groupings) {
        if (KeyName(d, g) == name) grouping = &g;
      }
    }
    if (!grouping) return Fail(InvalidField("keys", fmt::format("`{}` is not one of the report's groupings.", name)));
    const FieldDef* field = ReportField(snapshot, *object, grouping->field);
    if (!field) return Fail(InvalidField("keys", fmt::format("Unknown field `{}`.", grouping->field)));
    RAPPORT_ASSIGN_OR_RETURN(std::string condition, Condition(*field, *grouping, key, calendar));
    parts.push_back(std::move(condition));
  }
  std::string filter;
  for (const auto& part : parts) filter += (filter.empty() ? "" : " and ") + part;
  return DrillDown{d.object, std::move(filter)};
}

}  // namespace rapport::reports
