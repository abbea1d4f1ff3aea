#include "reports/report_engine.h"

#include <fmt/format.h>

#include "metadata/field_type.h"

namespace rapport::reports {

namespace {

using records::AggregateQuery;
using records::Grouping;

constexpr int kDefaultTabularRows = 100;
constexpr int kDefaultGroups = 1000;

// "-sum(amount)" -> ("sum(amount)", descending).
std::pair<std::string, bool> SortKey(std::string_view sort) {
  bool descending = sort.starts_with('-');
  if (descending || sort.starts_with('+')) sort.remove_prefix(1);
  return {std::string(sort), descending};
}

Status CheckShape(const ReportDefinition& d) {
  switch (d.type) {
    case ReportType::kTabular:
      if (d.columns.empty()) return Fail(InvalidField("columns", "A tabular report needs at least one column."));
      if (!d.group_by.empty() || !d.across.empty()) {
        return Fail(InvalidField("group_by", "A tabular report lists records; use a summary or a matrix to group them."));
      }
      if (d.limit < 1 || d.limit > kMaxTabularRows) {
        return Fail(InvalidField("limit", fmt::format("1 to {} rows per page.", kMaxTabularRows), "out_of_range"));
      }
      if (d.convert) return Fail(InvalidField("convert", "A tabular report shows each record's own amount; summaries and matrices convert."));
      break;
    case ReportType::kSummary:
      // Without groupings a summary is its grand total: a KPI's figure.
      if (!d.across.empty()) return Fail(InvalidField("across", "Only a matrix has groupings across."));
      break;
    case ReportType::kMatrix:
      if (d.group_by.empty() || d.across.empty()) {
        return Fail(InvalidField(d.group_by.empty() ? "group_by" : "across",
                                 "A matrix groups by at least one field down (group_by) and one across."));
      }
      if (d.across.size() > kMaxMatrixAcross || d.group_by.size() + d.across.size() > records::kMaxGroupings) {
        return Fail(InvalidField("across", fmt::format("A matrix has at most {} groupings in all, {} of them across.",
                                                       records::kMaxGroupings, kMaxMatrixAcross)));
      }
      break;
  }
  std::vector<Grouping> all = d.group_by;
  all.insert(all.end(), d.across.begin(), d.across.end());
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (all[i] == all[j]) {
        return Fail(InvalidField(i < d.group_by.size() ? "group_by" : "across",
                                 fmt::format("`{}` is grouped by twice.", records::GroupingName(all[i]))));
      }
    }
  }
  if (d.type != ReportType::kTabular && (d.limit < 1 || d.limit > records::kMaxGroups)) {
    return Fail(InvalidField("limit", fmt::format("1 to {} groups.", records::kMaxGroups), "out_of_range"));
  }
  return Ok();
}

// The record engine names the members of its own query ("measures[1]"); a report's
// user wrote a definition, where the measures are `aggregates`. (A matrix's bad
// grouping stays `group_by` whether it is down or across; the message names it.)
Error InReportTerms(const Error& error) {
  std::vector<FieldError> fields = error.field_errors();
  for (FieldError& f : fields) {
    if (f.field.starts_with("measures")) f.field = "aggregates" + f.field.substr(8);
    if (f.field == "convert.rate_date") f.field = "rate_date";
  }
  return Error(error.code(), error.detail()).WithInternal(error.internal()).WithFieldErrors(std::move(fields));
}

std::string BucketLabel(const Grouping& g) {
  return g.bucket ? fmt::format(" ({})", DatePartName(*g.bucket)) : std::string();
}

std::string AggregateLabel(const records::Measure& m, const metadata::FieldDef* f, const std::string& label) {
  if (!f) return "Count";
  switch (m.fn) {
    case records::AggregateFn::kCount: return fmt::format("Count of {}", label);
    case records::AggregateFn::kCountDistinct: return fmt::format("Distinct {}", label);
    case records::AggregateFn::kSum: return fmt::format("Sum of {}", label);
    case records::AggregateFn::kAvg: return fmt::format("Average {}", label);
    case records::AggregateFn::kMedian: return fmt::format("Median {}", label);
    case records::AggregateFn::kMin: return fmt::format("Lowest {}", label);
    case records::AggregateFn::kMax: return fmt::format("Highest {}", label);
  }
  return AggregateName(m);
}

std::string AggregateType(const records::Measure& m, const metadata::FieldDef* f) {
  if (!f || m.fn == records::AggregateFn::kCount || m.fn == records::AggregateFn::kCountDistinct) return "integer";
  if (!m.since.empty()) return "decimal";  // days
  bool halves = m.fn == records::AggregateFn::kAvg || m.fn == records::AggregateFn::kMedian;
  if (halves && f->type == metadata::FieldType::kInteger) return "decimal";
  return std::string(metadata::FieldTypeName(f->type));
}

}  // namespace

ReportEngine::ReportEngine(records::RecordService& records, workspace::WorkspaceSettingsStore& settings)
    : records_(records), settings_(settings) {}

Result<std::vector<ReportColumn>> ReportEngine::Columns(const security::Principal& p, const ReportDefinition& d) {
  RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records_.Metadata(p));
  RAPPORT_ASSIGN_OR_RETURN(const metadata::ObjectDef* object, snapshot->GetObject(d.object));
  // Unknown fields are the record engine's to refuse (with a suggestion); here a
  // column just falls back to its name. A related record's field ("company.industry")
  // is labelled with its lookup: "Company: Industry".
  auto field = [&](const std::string& name) { return object->FindField(name); };
  auto label_of = [&](const std::string& name) -> std::pair<std::string, const metadata::FieldDef*> {
    size_t dot = name.find('.');
    if (dot == std::string::npos) {
      const metadata::FieldDef* f = field(name);
      return {f ? f->label : name, f};
    }
    const metadata::FieldDef* lookup = object->FindRelation(name.substr(0, dot));
    const metadata::ObjectDef* related = lookup ? snapshot->FindObject(lookup->target) : nullptr;
    const metadata::FieldDef* f = related ? related->FindField(name.substr(dot + 1)) : nullptr;
    if (!f) return {name, nullptr};
    return {fmt::format("{}: {}", lookup->label, f->label), f};
  };
  std::vector<ReportColumn> columns;
  if (d.type == ReportType::kTabular) {
    for (const auto& name : d.columns) {
      auto [label, f] = label_of(name);
      columns.push_back({ReportColumn::Kind::kField, name, label, f ? std::string(metadata::FieldTypeName(f->type)) : "text"});
    }
    return columns;
  }
  for (const auto* groupings : {&d.group_by, &d.across}) {
    for (const Grouping& g : *groupings) {
      auto [label, f] = label_of(g.field);
      columns.push_back({ReportColumn::Kind::kGroup, KeyName(d, g), label + BucketLabel(g),
                         g.bucket || !f ? "text" : std::string(metadata::FieldTypeName(f->type))});
    }
  }
  for (const auto& m : d.aggregates) {
    auto [label, f] = m.field.empty() ? std::pair<std::string, const metadata::FieldDef*>{"", nullptr} : label_of(m.field);
    if (!m.since.empty()) label = fmt::format("{} − {} (days)", label, label_of(m.since).first);
    columns.push_back({ReportColumn::Kind::kAggregate, AggregateName(m), AggregateLabel(m, f, label), AggregateType(m, f)});
  }
  return columns;
}

Result<std::optional<AggregateQuery>> ReportEngine::Prepare(const security::Principal& p, ReportDefinition& d,
                                                            const RunOptions& options, ReportResult& result) {
  if (d.limit == 0) d.limit = d.type == ReportType::kTabular ? kDefaultTabularRows : kDefaultGroups;
  if (d.type != ReportType::kTabular && d.aggregates.empty()) d.aggregates.push_back({records::AggregateFn::kCount, ""});
  RAPPORT_TRY(CheckShape(d));
  RAPPORT_ASSIGN_OR_RETURN(result.columns, Columns(p, d));

  if (d.type == ReportType::kTabular) {
    records::ListQuery list{.object = d.object, .filter = d.filter, .sort = d.sort,
                            .limit = options.check_only ? 1 : d.limit,
                            .cursor = options.cursor, .for_export = options.for_export};
    list.read.fields = d.columns;
    RAPPORT_ASSIGN_OR_RETURN(auto page, records_.List(p, list));
    result.records = std::move(page.records);
    result.next_cursor = std::move(page.next_cursor);
    return std::nullopt;
  }

  // Grouped: which aggregate (if any) orders the groups.
  std::optional<size_t> order_by;
  bool descending = false;
  if (!d.sort.empty()) {
    auto [key, desc] = SortKey(d.sort);
    for (size_t i = 0; i < d.aggregates.size(); ++i) {
      if (AggregateName(d.aggregates[i]) == key) order_by = i;
    }
    // Key order is the groups' own: sorting by the first grouping, ascending, is it.
    bool key_order = !desc && !d.group_by.empty() && KeyName(d, d.group_by.front()) == key;
    if (!order_by && !key_order) {
      return Fail(InvalidField("sort", fmt::format("`{}`: sort by one of the report's aggregates (\"-sum(amount)\" for "
                                                   "the largest first); groups otherwise come in key order.",
                                                   d.sort)));
    }
    descending = desc;
  }

  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings settings, settings_.Get(p.tenant_id));
  // One aggregate of every grouping; the subtotals, margins and the grand total are its
  // rollups (one scan when the aggregates add up; docs/reports.md).
  std::vector<Grouping> keys = d.group_by;
  keys.insert(keys.end(), d.across.begin(), d.across.end());
  AggregateQuery q{.object = d.object, .filter = d.filter, .group_by = keys, .measures = d.aggregates};
  q.for_export = options.for_export;
  q.time_zone = settings.time_zone;
  q.fiscal_year_start = settings.fiscal_year_start;
  q.convert = d.convert;
  // The sort and the top N apply to the report's own rows; subtotals and totals
  // always cover every record the filter admits.
  q.limit = d.limit;
  q.order_by = order_by;
  q.descending = descending;
  auto indexes = [](size_t from, size_t to) {
    std::vector<size_t> out;
    for (size_t i = from; i < to; ++i) out.push_back(i);
    return out;
  };
  if (d.type == ReportType::kSummary) {
    for (size_t level = d.group_by.size(); level-- > 0;) q.rollups.push_back(indexes(0, level));
  } else {
    q.rollups = {indexes(0, d.group_by.size()), indexes(d.group_by.size(), keys.size()), {}};
  }
  return q;
}

namespace {

// Run's second half: the sections of a grouped report from its aggregate.
Result<ReportResult> Assemble(ReportResult result, ReportDefinition d, const AggregateQuery& q,
                              Result<records::AggregateResult> aggregated) {
  if (!aggregated) return Fail(InReportTerms(aggregated.error()));
  result.sections.push_back({q.group_by, std::move(aggregated->rows), aggregated->truncated});
  for (size_t i = 0; i < q.rollups.size(); ++i) {
    std::vector<Grouping> kept;
    for (size_t k : q.rollups[i]) kept.push_back(q.group_by[k]);
    result.sections.push_back({std::move(kept), std::move(aggregated->rollups[i]), aggregated->rollups_truncated[i]});
  }
  result.definition = std::move(d);
  return result;
}

}  // namespace

Result<ReportResult> ReportEngine::Run(const security::Principal& p, ReportDefinition d, const RunOptions& options) {
  ReportResult result;
  RAPPORT_ASSIGN_OR_RETURN(std::optional<AggregateQuery> q, Prepare(p, d, options, result));
  if (!q || options.check_only) {
    if (Status checked = q ? records_.CheckAggregate(p, *q) : Ok(); !checked) return Fail(InReportTerms(checked.error()));
    result.definition = std::move(d);
    return result;
  }
  return Assemble(std::move(result), std::move(d), *q, records_.Aggregate(p, *q));
}

std::vector<Result<ReportResult>> ReportEngine::RunMany(const security::Principal& p,
                                                        std::vector<ReportDefinition> definitions) {
  std::vector<Result<ReportResult>> out(definitions.size(), Fail(ErrorCode::kInternal, "Not run."));
  std::vector<ReportResult> partial(definitions.size());
  std::vector<AggregateQuery> queries;
  std::vector<size_t> grouped;  // the definitions whose figures are queries[k]
  for (size_t i = 0; i < definitions.size(); ++i) {
    auto q = Prepare(p, definitions[i], {}, partial[i]);
    if (!q) {
      out[i] = Fail(q.error());
    } else if (!*q) {
      partial[i].definition = std::move(definitions[i]);
      out[i] = std::move(partial[i]);
    } else {
      queries.push_back(std::move(**q));
      grouped.push_back(i);
    }
  }
  std::vector<Result<records::AggregateResult>> aggregated = records_.AggregateMany(p, queries);
  for (size_t k = 0; k < grouped.size(); ++k) {
    const size_t i = grouped[k];
    out[i] = Assemble(std::move(partial[i]), std::move(definitions[i]), queries[k], std::move(aggregated[k]));
  }
  return out;
}

Result<DrillDown> ReportEngine::Drill(const security::Principal& p, const ReportDefinition& d,
                                      const std::vector<std::pair<std::string, records::FieldValue>>& keys) {
  // The report must hold for the viewer (object, fields, filter) before its groups mean
  // anything to them.
  RAPPORT_TRY(Run(p, d, {.check_only = true}));
  RAPPORT_ASSIGN_OR_RETURN(auto snapshot, records_.Metadata(p));
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings settings, settings_.Get(p.tenant_id));
  return DrillFilter(*snapshot, d, keys, settings);
}

}  // namespace rapport::reports
