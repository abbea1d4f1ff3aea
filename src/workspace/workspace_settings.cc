#include "workspace/workspace_settings.h"

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "core/calendar.h"

namespace rapport::workspace {

namespace {

using storage::Connection;
using storage::Value;

Result<WorkspaceSettings> Read(Connection& c, const std::string& tenant_id) {
  std::vector<Value> key = {tenant_id};
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT time_zone, fiscal_year_start, updated_at FROM workspace_settings "
                                               "WHERE tenant_id = ?",
                                               key));
  WorkspaceSettings settings;
  if (rows.rows.empty()) return settings;
  settings.time_zone = storage::TextOf(rows.rows[0][0]);
  settings.fiscal_year_start = static_cast<int>(std::get<int64_t>(rows.rows[0][1]));
  settings.updated_at = storage::TextOf(rows.rows[0][2]);
  return settings;
}

}  // namespace

WorkspaceSettingsStore::WorkspaceSettingsStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<WorkspaceSettings> WorkspaceSettingsStore::Get(const std::string& tenant_id) {
  WorkspaceSettings settings;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(settings, Read(c, tenant_id));
    return Ok();
  }));
  return settings;
}

Result<WorkspaceSettings> WorkspaceSettingsStore::Update(const security::Principal& p,
                                                         const WorkspaceSettingsChanges& changes) {
  RAPPORT_TRY(security::CheckMayChangeSettings(p));
  if (!p.is_admin) return Fail(ErrorCode::kPermissionDenied, "Only administrators change the workspace's settings.");
  if (changes.time_zone && !IsTimeZone(*changes.time_zone)) {
    return Fail(InvalidField("time_zone", fmt::format("`{}` is not a time zone: use an IANA name such as "
                                                      "Europe/Paris or America/New_York.",
                                                      *changes.time_zone)));
  }
  if (changes.fiscal_year_start && (*changes.fiscal_year_start < 1 || *changes.fiscal_year_start > 12)) {
    return Fail(InvalidField("fiscal_year_start", "The month the fiscal year starts in, 1 (January) to 12."));
  }
  WorkspaceSettings settings;
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(settings, Read(c, p.tenant_id));
    if (changes.time_zone) settings.time_zone = *changes.time_zone;
    if (changes.fiscal_year_start) settings.fiscal_year_start = *changes.fiscal_year_start;
    settings.updated_at = FormatDatetime(clock_.Now());
    std::vector<Value> row = {p.tenant_id, settings.time_zone, int64_t{settings.fiscal_year_start}, settings.updated_at};
    RAPPORT_TRY(c.Execute("DELETE FROM workspace_settings WHERE tenant_id = ?", std::vector<Value>{p.tenant_id}));
    RAPPORT_TRY(c.Execute("INSERT INTO workspace_settings (tenant_id, time_zone, fiscal_year_start, updated_at) "
                          "VALUES (?, ?, ?, ?)",
                          row));
    return audit::Append(c, p.tenant_id,
                         {.kind = "workspace.settings_changed",
                          .actor_id = p.user_id,
                          .detail = audit::Detail({{"time_zone", settings.time_zone},
                                                   {"fiscal_year_start", std::to_string(settings.fiscal_year_start)}})},
                         clock_);
  }));
  return settings;
}

}  // namespace rapport::workspace
