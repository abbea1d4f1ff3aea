// The CRM's KPIs: win rate, sales cycle, pipeline velocity, retention... each a
// formula over a few aggregates that the record engine computes as the viewer, so a
// rep's win rate counts their deals and a manager's their team's (docs/reports.md
// lists every formula). Each is read over a named period (reports/periods.h) next to
// the period before it, narrowed to an owner, a team or a pipeline, and optionally
// per owner. Money figures stay apart per currency, never added across currencies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/decimal.h"
#include "core/error.h"
#include "core/time.h"
#include "records/record_service.h"
#include "security/principal.h"
#include "workspace/workspace_settings.h"

namespace rapport::reports {

enum class KpiUnit {
  kPercent,      // 0 to 100
  kMoney,        // per currency
  kDays,
  kCount,
  kMoneyPerDay,  // per currency
};
std::string_view KpiUnitName(KpiUnit unit);

struct KpiInfo {
  std::string_view key;          // "win_rate"
  std::string_view label;        // "Win rate"
  KpiUnit unit;
  std::string_view formula;      // how it is computed, in words and symbols
  std::string_view object;       // the records it is mostly about ("opportunities")
  bool higher_is_better = true;  // for a trend's colour
};
// Every KPI, in the order a catalogue shows them.
const std::vector<KpiInfo>& KpiCatalogue();
const KpiInfo* FindKpi(std::string_view key);

struct KpiParameters {
  std::string period = "this_quarter";  // reports/periods.h
  std::string owner;                    // "me" or a user's id
  std::string team;                     // a team's id
  std::string pipeline;                 // a value of the deals' pipeline picklist
  bool by_owner = false;                // also the figure of each owner
  // Money in the workspace's currency (one figure instead of one per currency), each
  // record at the rate of the day that places it in the period (records::
  // AggregateQuery::convert); what stands now, at today's rate.
  bool convert = false;
};

// One figure: money KPIs give one per currency, the others one with no currency.
struct KpiFigure {
  std::string currency;
  std::optional<Decimal> value;  // nothing: undefined (nothing closed, a zero divisor)
  std::string step;              // a KPI with a figure per stage step: "proposal → negotiation"
  bool operator==(const KpiFigure&) const = default;
};
// The figures in words, for a mail: "66.67 %", "1200.00 EUR, 80.00 USD", "–".
std::string KpiFiguresText(KpiUnit unit, const std::vector<KpiFigure>& figures);

// A KPI over one period, with the aggregates it was computed from, by name.
struct KpiValue {
  std::vector<KpiFigure> figures;
  std::vector<std::pair<std::string, std::vector<KpiFigure>>> inputs;
};

struct KpiOwnerValue {
  std::string owner_id;  // empty: records with no owner
  KpiValue value;
};

struct KpiResult {
  const KpiInfo* info = nullptr;
  DayRange period;
  DayRange previous_period;
  KpiValue value;
  KpiValue previous;
  std::vector<KpiOwnerValue> by_owner;  // over the period, when asked
};

class Kpis {
 public:
  Kpis(records::RecordService& records, workspace::WorkspaceSettingsStore& settings,
       const Clock& clock = SystemClock::Instance());

  // Fails for an unknown KPI (kNotFound) or parameter (a field error naming it), and
  // as the record engine does when the viewer may not read what the KPI counts.
  Result<KpiResult> Compute(const security::Principal& principal, std::string_view key, const KpiParameters& parameters);

 private:
  records::RecordService& records_;
  workspace::WorkspaceSettingsStore& settings_;
  const Clock& clock_;
};

}  // namespace rapport::reports
