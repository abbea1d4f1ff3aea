#include "workspace/workspace_settings.h"

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "core/calendar.h"
#include "core/strings.h"
#include "storage/value.h"
#include "workspace/exchange_rates.h"

namespace rapport::workspace {

using storage::Connection;
using storage::Value;

Result<WorkspaceSettings> ReadWorkspaceSettings(Connection& c, const std::string& tenant_id) {
  std::vector<Value> key = {tenant_id};
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT time_zone, fiscal_year_start, updated_at, currency FROM workspace_settings "
                                               "WHERE tenant_id = ?",
                                               key));
  WorkspaceSettings settings;
  if (rows.rows.empty()) return settings;
  settings.time_zone = storage::TextOf(rows.rows[0][0]);
  settings.fiscal_year_start = static_cast<int>(std::get<int64_t>(rows.rows[0][1]));
  settings.updated_at = storage::TextOf(rows.rows[0][2]);
  settings.currency = storage::TextOf(rows.rows[0][3]);
  return settings;
}

WorkspaceSettingsStore::WorkspaceSettingsStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<WorkspaceSettings> WorkspaceSettingsStore::Get(const std::string& tenant_id) {
  WorkspaceSettings settings;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(settings, ReadWorkspaceSettings(c, tenant_id));
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
  if (changes.currency && !IsCurrencyCode(*changes.currency)) {
    return Fail(InvalidField("currency", "The currency is an ISO 4217 code such as \"EUR\"."));
  }
  WorkspaceSettings settings;
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(settings, ReadWorkspaceSettings(c, p.tenant_id));
    if (changes.currency && *changes.currency != settings.currency) {
      // Every rate says what a unit is worth in the old currency: changing it would
      // silently change every converted figure.
      RAPPORT_ASSIGN_OR_RETURN(bool has_rates, HasExchangeRates(c, p.tenant_id));
      if (has_rates) {
        std::string message = fmt::format("The exchange rates are into {}: delete them before changing the "
                                          "workspace's currency.", settings.currency);
        return Fail(Error(ErrorCode::kFailedPrecondition, message).WithField("currency", "has_rates", message));
      }
      settings.currency = *changes.currency;
    }
    if (changes.time_zone) settings.time_zone = *changes.time_zone;
    if (changes.fiscal_year_start) settings.fiscal_year_start = *changes.fiscal_year_start;
    settings.updated_at = FormatDatetime(clock_.Now());
    std::vector<Value> row = {p.tenant_id, settings.time_zone, int64_t{settings.fiscal_year_start}, settings.updated_at,
                              settings.currency};
    RAPPORT_TRY(c.Execute("DELETE FROM workspace_settings WHERE tenant_id = ?", std::vector<Value>{p.tenant_id}));
    RAPPORT_TRY(c.Execute("INSERT INTO workspace_settings (tenant_id, time_zone, fiscal_year_start, updated_at, currency) "
                          "VALUES (?, ?, ?, ?, ?)",
                          row));
    return audit::Append(c, p.tenant_id,
                         {.kind = "workspace.settings_changed",
                          .actor_id = p.user_id,
                          .detail = audit::Detail({{"time_zone", settings.time_zone},
                                                   {"fiscal_year_start", std::to_string(settings.fiscal_year_start)},
                                                   {"currency", settings.currency}})},
                         clock_);
  }));
  return settings;
}

}  // namespace rapport::workspace
