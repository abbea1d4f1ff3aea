#include "reports/report_json.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/calendar.h"
#include "core/json_members.h"

namespace rapport::reports {

namespace {

namespace json = boost::json;

Error BadMember(std::string_view member, std::string message) {
  return InvalidField(std::string(member), std::move(message), "invalid_type");
}

// "stage", "close_date:month" or {"field": "close_date", "bucket": "month"}.
Result<std::vector<records::Grouping>> Groupings(const json::object& o, std::string_view key) {
  std::vector<records::Grouping> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return Fail(BadMember(key, "Expected an array of groupings."));
  for (const auto& item : it->value().get_array()) {
    std::string spec;
    if (item.is_string()) {
      spec = item.get_string();
    } else if (item.is_object() && item.get_object().contains("field") && item.get_object().at("field").is_string()) {
      const json::object& g = item.get_object();
      RAPPORT_TRY(CheckMembers(g, {"field", "bucket"}));
      spec = g.at("field").get_string();
      if (auto bucket = g.find("bucket"); bucket != g.end() && !bucket->value().is_null()) {
        if (!bucket->value().is_string()) return Fail(BadMember(key, "A bucket is day, week, month, quarter or year."));
        spec += fmt::format(":{}", std::string_view(bucket->value().get_string()));
      }
    } else {
      return Fail(BadMember(key, "A grouping is a field name or {\"field\": ..., \"bucket\": ...}."));
    }
    auto grouping = records::ParseGrouping(spec);
    if (!grouping || grouping->field.empty()) {
      return Fail(InvalidField(std::string(key), fmt::format("`{}`: a bucket is day, week, month, quarter or year.", spec)));
    }
    out.push_back(std::move(*grouping));
  }
  return out;
}

json::object GroupingJson(const records::Grouping& g) {
  json::object out{{"field", g.field}};
  if (g.bucket) out["bucket"] = DatePartName(*g.bucket);
  return out;
}

}  // namespace

Result<ReportDefinition> DefinitionFromJson(const json::object& o) {
  RAPPORT_TRY(CheckMembers(o, {"type", "object", "filter", "columns", "group_by", "across", "aggregates", "sort", "limit",
                               "convert", "rate_date"}));
  ReportDefinition d;
  RAPPORT_ASSIGN_OR_RETURN(d.object, RequiredString(o, "object"));
  RAPPORT_ASSIGN_OR_RETURN(auto type, StringIfPresent(o, "type"));
  if (type) {
    auto parsed = ParseReportType(*type);
    if (!parsed) return Fail(InvalidField("type", "tabular, summary or matrix."));
    d.type = *parsed;
  }
  RAPPORT_ASSIGN_OR_RETURN(auto filter, StringIfPresent(o, "filter"));
  d.filter = filter.value_or("");
  RAPPORT_ASSIGN_OR_RETURN(auto sort, StringIfPresent(o, "sort"));
  d.sort = sort.value_or("");
  RAPPORT_ASSIGN_OR_RETURN(auto columns, OptionalStringArray(o, "columns", "Expected an array of field names."));
  d.columns = columns.value_or(std::vector<std::string>{});
  RAPPORT_ASSIGN_OR_RETURN(d.group_by, Groupings(o, "group_by"));
  RAPPORT_ASSIGN_OR_RETURN(d.across, Groupings(o, "across"));
  RAPPORT_ASSIGN_OR_RETURN(auto aggregates,
                           OptionalStringArray(o, "aggregates", "Expected an array such as [\"count\", \"sum(amount)\"]."));
  for (const auto& spec : aggregates.value_or(std::vector<std::string>{})) {
    auto measure = records::ParseMeasure(spec);
    if (!measure) {
      return Fail(InvalidField("aggregates", fmt::format("`{}`: count, count_distinct(f), sum(f), avg(f), "
                                                         "median(f), min(f) or max(f).",
                                                         spec)));
    }
    d.aggregates.push_back(std::move(*measure));
  }
  if (auto it = o.find("limit"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_int64()) return Fail(BadMember("limit", "Expected a whole number."));
    d.limit = static_cast<int>(std::clamp<int64_t>(it->value().get_int64(), -1, 1'000'000));
    if (d.limit < 1) return Fail(InvalidField("limit", "At least 1.", "out_of_range"));
  }
  RAPPORT_ASSIGN_OR_RETURN(auto rate_date, StringIfPresent(o, "rate_date"));
  if (auto it = o.find("convert"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_bool()) return Fail(BadMember("convert", "Expected true or false."));
    if (it->value().get_bool()) d.convert = records::AggregateQuery::Conversion{rate_date.value_or("")};
  }
  if (rate_date && !rate_date->empty() && !d.convert) {
    return Fail(InvalidField("rate_date", "The day of a record's exchange rate applies when converting: set `convert`."));
  }
  return d;
}

json::object DefinitionToJson(const ReportDefinition& d) {
  json::array group_by, across, aggregates, columns;
  for (const auto& g : d.group_by) group_by.push_back(GroupingJson(g));
  for (const auto& g : d.across) across.push_back(GroupingJson(g));
  for (const auto& m : d.aggregates) aggregates.emplace_back(AggregateName(m));
  for (const auto& c : d.columns) columns.emplace_back(c);
  json::object out{{"type", ReportTypeName(d.type)},
                   {"object", d.object},
                   {"filter", d.filter},
                   {"columns", std::move(columns)},
                   {"group_by", std::move(group_by)},
                   {"across", std::move(across)},
                   {"aggregates", std::move(aggregates)},
                   {"sort", d.sort}};
  // Zero: the engine's default, filled in when run.
  if (d.limit > 0) out["limit"] = d.limit;
  if (d.convert) {
    out["convert"] = true;
    out["rate_date"] = d.convert->rate_date;
  }
  return out;
}

namespace {

Result<int> GridMember(const json::object& o, std::string_view key, int fallback, std::string_view where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  if (!it->value().is_int64()) return Fail(BadMember(fmt::format("{}.{}", where, key), "Expected a whole number."));
  return static_cast<int>(std::clamp<int64_t>(it->value().get_int64(), -1, 1000));
}

}  // namespace

Result<std::vector<DashboardWidget>> WidgetsFromJson(const json::value& value) {
  if (!value.is_array()) return Fail(BadMember("widgets", "Expected an array of widgets."));
  std::vector<DashboardWidget> out;
  for (size_t i = 0; i < value.get_array().size(); ++i) {
    const json::value& item = value.get_array()[i];
    const std::string where = fmt::format("widgets[{}]", i);
    if (!item.is_object()) return Fail(BadMember(where, "A widget is an object: {\"report_id\", \"x\", \"y\", \"w\", \"h\"}."));
    const json::object& o = item.get_object();
    if (auto unknown = CheckMembers(o, {"id", "report_id", "kpi", "title", "chart", "x", "y", "w", "h", "date_field"});
        !unknown) {
      return Fail(NestedUnder(unknown.error(), where));
    }
    DashboardWidget w;
    // A saved report, or a KPI of the catalogue: one of the two.
    auto kpi = StringIfPresent(o, "kpi");
    if (!kpi) return Fail(NestedUnder(kpi.error(), where));
    w.kpi = kpi->value_or("");
    if (w.kpi.empty()) {
      auto report = RequiredString(o, "report_id");
      if (!report) return Fail(NestedUnder(report.error(), where));
      w.report_id = *report;
    } else if (auto report = StringIfPresent(o, "report_id"); report && report->value_or("") != "") {
      return Fail(InvalidField(where, "A widget shows a saved report or a KPI: give one of report_id and kpi."));
    }
    for (auto [key, into] : {std::pair{"id", &w.id}, {"title", &w.title}, {"date_field", &w.date_field}}) {
      auto member = StringIfPresent(o, key);
      if (!member) return Fail(NestedUnder(member.error(), where));
      *into = member->value_or("");
      if (into->size() > 200) return Fail(InvalidField(fmt::format("{}.{}", where, key), "At most 200 characters."));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto chart_name, StringIfPresent(o, "chart"));
    if (auto chart = chart_name) {
      w.chart = ParseChartType(*chart);
      if (!w.chart) return Fail(InvalidField(where + ".chart", "table, bar, stacked_bar, line, funnel, pie, donut or kpi."));
    }
    RAPPORT_ASSIGN_OR_RETURN(w.x, GridMember(o, "x", 0, where));
    RAPPORT_ASSIGN_OR_RETURN(w.y, GridMember(o, "y", 0, where));
    RAPPORT_ASSIGN_OR_RETURN(w.w, GridMember(o, "w", 6, where));
    RAPPORT_ASSIGN_OR_RETURN(w.h, GridMember(o, "h", 4, where));
    out.push_back(std::move(w));
  }
  return out;
}

json::array WidgetsToJson(const std::vector<DashboardWidget>& widgets) {
  json::array out;
  for (const auto& w : widgets) {
    json::object o{{"id", w.id},  {"report_id", w.report_id}, {"title", w.title}, {"x", w.x},
                   {"y", w.y},    {"w", w.w},                 {"h", w.h},         {"date_field", w.date_field}};
    o["kpi"] = w.kpi.empty() ? json::value(nullptr) : json::value(w.kpi);
    o["chart"] = w.chart ? json::value(ChartTypeName(*w.chart)) : json::value(nullptr);
    out.push_back(std::move(o));
  }
  return out;
}

Result<DashboardFilters> FiltersFromJson(const json::value& value) {
  if (value.is_null()) return DashboardFilters{};
  if (!value.is_object()) return Fail(BadMember("filters", "Expected {\"period\", \"owner\", \"team\"}."));
  const json::object& o = value.get_object();
  if (auto unknown = CheckMembers(o, {"period", "owner", "team"}); !unknown) return Fail(NestedUnder(unknown.error(), "filters"));
  DashboardFilters f;
  for (auto [key, into] : {std::pair{"period", &f.period}, {"owner", &f.owner}, {"team", &f.team}}) {
    auto member = StringIfPresent(o, key);
    if (!member) return Fail(NestedUnder(member.error(), "filters"));
    *into = member->value_or("");
    if (into->size() > 200) return Fail(InvalidField(fmt::format("filters.{}", key), "At most 200 characters."));
  }
  if (!f.period.empty() && !IsPeriod(f.period)) {
    return Fail(InvalidField("filters.period", "today, this_week, last_week, this_month, last_month, this_quarter, "
                                               "last_quarter, this_year, last_year or last_N_days (7, 30, 90, 365)."));
  }
  return f;
}

json::object FiltersToJson(const DashboardFilters& f) {
  return json::object{{"period", f.period}, {"owner", f.owner}, {"team", f.team}};
}

Error NestedUnder(const Error& error, std::string_view member) {
  std::vector<FieldError> fields = error.field_errors();
  for (FieldError& f : fields) f.field = fmt::format("{}.{}", member, f.field);
  if (fields.empty() && (error.code() == ErrorCode::kInvalidArgument || error.code() == ErrorCode::kValidationFailed)) {
    fields.push_back({std::string(member), "invalid_value", std::string(error.detail())});
  }
  return Error(error.code(), error.detail()).WithInternal(error.internal()).WithFieldErrors(std::move(fields));
}

}  // namespace rapport::reports
