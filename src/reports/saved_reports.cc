#include "reports/saved_reports.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/id.h"
#include "core/strings.h"
#include "core/names.h"
#include "reports/report_json.h"
#include "storage/owned_rows.h"

namespace rapport::reports {

namespace {

namespace json = boost::json;
using storage::Connection;
using storage::IntOf;
using storage::TextOf;
using storage::Value;

constexpr size_t kMaxName = 100;
constexpr size_t kMaxDescription = 1000;
constexpr size_t kMaxFilter = 4000;
constexpr std::string_view kColumns =
    "id, name, description, definition, chart, shared, owner_id, created_at, updated_at";

constexpr std::pair<std::string_view, ChartType> kCharts[] = {
    {"table", ChartType::kTable},
    {"bar", ChartType::kBar},
    {"stacked_bar", ChartType::kStackedBar},
    {"line", ChartType::kLine},
    {"funnel", ChartType::kFunnel},
    {"pie", ChartType::kPie},
    {"donut", ChartType::kDonut},
    {"kpi", ChartType::kKpi},
};

Error NotFound(std::string_view id) { return Error(ErrorCode::kNotFound, fmt::format("No report with id `{}`.", id)); }

// An update or delete is authorised against the row as read, then writes only if the
// row is still that one (see saved views).
Error Changed() {
  return Error(ErrorCode::kFailedPrecondition, "The report changed while you were saving; load it again and retry.");
}

std::string DefinitionText(const ReportDefinition& d) { return json::serialize(DefinitionToJson(d)); }

Result<SavedReport> FromRow(const std::vector<Value>& row) {
  SavedReport r;
  r.id = TextOf(row[0]);
  r.name = TextOf(row[1]);
  r.description = TextOf(row[2]);
  boost::system::error_code ec;
  json::value definition = json::parse(TextOf(row[3]), ec);
  if (ec || !definition.is_object()) {
    return Fail(Error(ErrorCode::kInternal, "A saved report's definition is unreadable.")
                    .WithInternal(fmt::format("saved_reports {}: {}", r.id, ec.message())));
  }
  RAPPORT_ASSIGN_OR_RETURN(r.definition, DefinitionFromJson(definition.get_object()));
  r.chart = ParseChartType(TextOf(row[4])).value_or(ChartType::kTable);
  r.shared = IntOf(row[5]) != 0;
  r.owner_id = TextOf(row[6]);
  r.created_at = TextOf(row[7]);
  r.updated_at = TextOf(row[8]);
  return r;
}

}  // namespace

std::string_view ChartTypeName(ChartType type) { return NameOf(kCharts, type, "table"); }

std::optional<ChartType> ParseChartType(std::string_view name) { return ValueNamed(kCharts, name); }

SavedReports::SavedReports(storage::Database& db, ReportEngine& engine, records::RecordService& records,
                           const Clock& clock)
    : db_(db), engine_(engine), records_(records), clock_(clock) {}

Result<std::vector<SavedReport>> SavedReports::List(const security::Principal& p, const std::string& object) {
  storage::OwnedRowsQuery query{.table = "saved_reports", .columns = kColumns};
  if (!object.empty()) query.where = "object_name = ?", query.params = {object};
  RAPPORT_ASSIGN_OR_RETURN(std::vector<SavedReport> found, storage::SelectOwnedRows(db_, storage::OwnedRowsReader{p.tenant_id, p.user_id}, query, FromRow));
  // A report speaks of its object's records, so it is as private as they are.
  std::map<std::string, bool, std::less<>> readable;
  std::vector<SavedReport> out;
  for (auto& r : found) {
    auto it = readable.find(r.definition.object);
    if (it == readable.end()) {
      RAPPORT_ASSIGN_OR_RETURN(bool may, records_.MayReadSome(p, r.definition.object));
      it = readable.emplace(r.definition.object, may).first;
    }
    if (it->second) out.push_back(std::move(r));
  }
  return out;
}

Result<SavedReport> SavedReports::Find(const security::Principal& p, const std::string& id) {
  RAPPORT_ASSIGN_OR_RETURN(std::optional<SavedReport> found,
                           storage::FindOwnedRow(db_, storage::OwnedRowsReader{p.tenant_id, p.user_id}, "saved_reports", kColumns, id, FromRow));
  if (!found) return Fail(NotFound(id));
  return std::move(*found);
}

Result<SavedReport> SavedReports::Get(const security::Principal& p, const std::string& id) {
  RAPPORT_ASSIGN_OR_RETURN(SavedReport found, Find(p, id));
  // A shared report of an object the caller cannot read does not exist for them.
  RAPPORT_ASSIGN_OR_RETURN(bool may, records_.MayReadSome(p, found.definition.object));
  if (!may) return Fail(NotFound(id));
  return found;
}

Status SavedReports::Check(const security::Principal& p, const SavedReport& report) {
  if (IsBlank(report.name) || report.name.size() > kMaxName) {
    return Fail(InvalidField("name", fmt::format("Give the report a name (at most {} characters).", kMaxName)));
  }
  if (report.description.size() > kMaxDescription) {
    return Fail(InvalidField("description", fmt::format("At most {} characters.", kMaxDescription)));
  }
  if (report.definition.filter.size() > kMaxFilter) {
    return Fail(InvalidField("definition.filter", fmt::format("At most {} characters.", kMaxFilter)));
  }
  auto checked = engine_.Run(p, report.definition, {.check_only = true});
  if (!checked) return Fail(NestedUnder(checked.error(), "definition"));
  return Ok();
}

Result<SavedReport> SavedReports::Create(const security::Principal& p, SavedReport report) {
  RAPPORT_TRY(security::CheckMayChangeSettings(p));
  RAPPORT_TRY(Check(p, report));
  report.id = NewId(clock_);
  report.owner_id = p.user_id;
  report.created_at = report.updated_at = FormatDatetime(clock_.Now());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id,
                                 report.id,
                                 report.name,
                                 report.description,
                                 report.definition.object,
                                 DefinitionText(report.definition),
                                 std::string(ChartTypeName(report.chart)),
                                 int64_t{report.shared},
                                 report.owner_id,
                                 report.created_at,
                                 report.updated_at};
    RAPPORT_TRY(c.Execute("INSERT INTO saved_reports (tenant_id, id, name, description, object_name, definition, chart, "
                          "shared, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          params));
    return Ok();
  }));
  return report;
}

Result<SavedReport> SavedReports::Update(const security::Principal& p, const std::string& id,
                                         const SavedReportChanges& changes) {
  RAPPORT_ASSIGN_OR_RETURN(SavedReport report, Get(p, id));
  RAPPORT_TRY(security::CheckMayChangeOwned(p, report.owner_id, report.shared, "report"));
  const bool was_shared = report.shared;
  if (changes.name) report.name = *changes.name;
  if (changes.description) report.description = *changes.description;
  if (changes.definition) report.definition = *changes.definition;
  if (changes.chart) report.chart = *changes.chart;
  if (changes.shared) report.shared = *changes.shared;
  RAPPORT_TRY(Check(p, report));
  const std::string read_at = report.updated_at;
  report.updated_at = FormatDatetime(clock_.Now());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {report.name,
                                 report.description,
                                 report.definition.object,
                                 DefinitionText(report.definition),
                                 std::string(ChartTypeName(report.chart)),
                                 int64_t{report.shared},
                                 report.updated_at,
                                 p.tenant_id,
                                 report.id,
                                 read_at,
                                 int64_t{was_shared}};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n,
                             c.Execute("UPDATE saved_reports SET name = ?, description = ?, object_name = ?, "
                                       "definition = ?, chart = ?, shared = ?, updated_at = ? WHERE tenant_id = ? "
                                       "AND id = ? AND updated_at = ? AND shared = ?",
                                       params));
    if (n != 1) return Fail(Changed());
    return Ok();
  }));
  return report;
}

Status SavedReports::Delete(const security::Principal& p, const std::string& id) {
  // A report of an object since removed from the schema can still be deleted.
  RAPPORT_ASSIGN_OR_RETURN(SavedReport report, Find(p, id));
  auto permissions = records_.Permissions(p, report.definition.object);
  if (!permissions && permissions.error().code() != ErrorCode::kNotFound) return Fail(permissions.error());
  if (permissions && permissions->read == security::Scope::kNone) return Fail(NotFound(id));
  RAPPORT_TRY(security::CheckMayChangeOwned(p, report.owner_id, report.shared, "report"));
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id, id, report.updated_at, int64_t{report.shared}};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM saved_reports WHERE tenant_id = ? AND id = ? "
                                                  "AND updated_at = ? AND shared = ?",
                                                  params));
    if (n != 1) return Fail(Changed());
    return Ok();
  });
}

}  // namespace rapport::reports
