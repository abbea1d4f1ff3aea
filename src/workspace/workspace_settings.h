// A workspace's own settings: the calendar its reports count in (time zone, first
// month of the fiscal year) and the currency they convert money into. Everyone in the workspace reads them; administrators
// change them, and each change is in the audit log.
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "core/time.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::workspace {

struct WorkspaceSettings {
  std::string time_zone = "UTC";  // IANA name: where a datetime's day, week, month... is taken
  int fiscal_year_start = 1;      // month 1..12; fiscal years are named by the year they end in
  // ISO 4217: what exchange rates are into (workspace/exchange_rates.h), and so the
  // currency of a report's converted figures.
  std::string currency = "USD";
  std::string updated_at;         // empty while never changed
};

// What a PATCH may change; unset members stay as they are.
struct WorkspaceSettingsChanges {
  std::optional<std::string> time_zone;
  std::optional<int> fiscal_year_start;
  std::optional<std::string> currency;  // only while there are no exchange rates (they are into it)
};

// The settings inside the caller's transaction (the defaults until set).
Result<WorkspaceSettings> ReadWorkspaceSettings(storage::Connection& c, const std::string& tenant_id);

class WorkspaceSettingsStore {
 public:
  explicit WorkspaceSettingsStore(storage::Database& db, const Clock& clock = SystemClock::Instance());

  // The defaults until an administrator sets them.
  Result<WorkspaceSettings> Get(const std::string& tenant_id);
  // Administrators only (kPermissionDenied); an unknown zone or a month outside 1..12
  // is a field error and changes nothing.
  Result<WorkspaceSettings> Update(const security::Principal& principal, const WorkspaceSettingsChanges& changes);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace rapport::workspace
