#include "reports/kpis.h"

#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "core/id.h"
#include "query/expression.h"
#include "reports/drilldown.h"
#include "reports/periods.h"

namespace rapport::reports {

namespace {

using records::AggregateFn;
using records::FieldValue;
using records::Measure;

// Which days an input counts, relative to the period a value is computed for.
enum class Window {
  kPeriod,       // the period
  kPrevious,     // the period before it
  kThrough,      // both: from the previous period's first day to the period's end
  kUntilEnd,     // everything before the period's end
  kBeforeStart,  // everything before the period's start
  kNow,          // no date condition: as things stand now (the open pipeline)
};

// One aggregate a KPI is computed from: over `object`'s records matching `filter`
// whose `date_field` falls in `window`.
struct Input {
  std::string name;
  std::string object;
  std::string filter;
  std::string date_field;
  Window window = Window::kPeriod;
  Measure measure;
  // A currency field: the figure is kept per currency of it (a count of deals per
  // currency of their amount), as money measures always are.
  std::string per_currency_of;
  // Several inputs in one statement: the records whose `split_by` field has one of
  // `split_values`, one figure per value, each named by its value (the won and the
  // lost deals in one scan).
  std::string split_by;
  std::vector<std::string> split_values;
  // A snapshot object's date field (docs/reports.md, "Historical snapshots"): only the
  // copies taken the day before the period began, the records as they stood then.
  std::string as_of_field;
  // A field `filter` reads that an object made by an admin may lack (checked to exist,
  // so that its absence is a 409 naming it, not a filter error).
  std::string filter_field;
};

// The inputs' figures, by name, for one value.
class Inputs {
 public:
  explicit Inputs(std::map<std::string, std::vector<KpiFigure>, std::less<>> figures) : figures_(std::move(figures)) {}

  const std::vector<KpiFigure>& Of(std::string_view name) const {
    static const std::vector<KpiFigure> none;
    auto it = figures_.find(name);
    return it == figures_.end() ? none : it->second;
  }
  // A count, whatever currencies it was kept per: the total.
  int64_t Count(std::string_view name) const {
    int64_t total = 0;
    for (const KpiFigure& f : Of(name)) total += f.value ? f.value->units / Decimal::kOne : 0;
    return total;
  }
  // A figure kept per currency: the one of `currency`.
  std::optional<Decimal> In(std::string_view name, std::string_view currency) const {
    for (const KpiFigure& f : Of(name)) {
      if (f.currency == currency) return f.value;
    }
    return std::nullopt;
  }
  // A figure with no currency.
  std::optional<Decimal> One(std::string_view name) const { return In(name, ""); }

 private:
  std::map<std::string, std::vector<KpiFigure>, std::less<>> figures_;
};

// n / d in Decimal units, rounded as the record engine rounds an average.
std::optional<Decimal> Quotient(__int128 n, __int128 d) {
  auto units = RoundedQuotient(n, d);
  return units ? std::optional<Decimal>{Decimal{*units}} : std::nullopt;
}

// a out of b, in percent.
std::optional<Decimal> Percent(int64_t a, int64_t b) { return Quotient(static_cast<__int128>(a) * 100 * Decimal::kOne, b); }

std::vector<KpiFigure> Single(std::optional<Decimal> value) { return {KpiFigure{"", value}}; }

// One figure per currency `name` has an amount in, computed from that amount.
std::vector<KpiFigure> PerCurrency(const Inputs& in, std::string_view name,
                                   const std::function<std::optional<Decimal>(const std::string&, Decimal)>& of) {
  std::vector<KpiFigure> out;
  for (const KpiFigure& f : in.Of(name)) {
    if (f.currency.empty()) continue;  // records with no amount
    out.push_back({f.currency, f.value ? of(f.currency, *f.value) : std::nullopt});
  }
  return out;
}

constexpr char kWon[] = "stage = \"won\"";
constexpr char kClosed[] = "stage in (\"won\", \"lost\")";
constexpr char kOpen[] = "stage not in (\"won\", \"lost\")";

using Formula = std::function<std::vector<KpiFigure>(const Inputs&)>;

// The inputs and formula of a KPI whose inputs depend on the workspace's schema (one
// per stage of the deals' stage picklist).
struct Expanded {
  std::vector<Input> inputs;
  Formula compute;
};

struct Kpi {
  KpiInfo info;
  std::vector<Input> inputs;
  Formula compute;
  // Set instead of `inputs` and `compute` for a KPI shaped by the schema.
  std::function<Result<Expanded>(const metadata::MetadataSnapshot&)> expand;
};

const std::vector<Kpi>& Definitions() {
  static const std::vector<Kpi> kpis = [] {
    const Measure count{AggregateFn::kCount, ""};
    const Measure won_amount{AggregateFn::kSum, "amount"};
    const Measure customers{AggregateFn::kCountDistinct, "company_id"};
    const Measure cycle{AggregateFn::kAvg, "close_date", "created_at"};
    std::vector<Kpi> out;
    out.push_back({{"win_rate", "Win rate", KpiUnit::kPercent,
                    "won ÷ (won + lost) × 100, of the deals whose close date is in the period", "opportunities"},
                   {{"closed", "opportunities", "", "close_date", Window::kPeriod, count, "", "stage", {"won", "lost"}}},
                   [](const Inputs& in) { return Single(Percent(in.Count("won"), in.Count("won") + in.Count("lost"))); }});
    out.push_back({{"average_deal_size", "Average deal size", KpiUnit::kMoney,
                    "won amount ÷ won deals, per currency, of the deals won with a close date in the period",
                    "opportunities"},
                   {{"won_amount", "opportunities", kWon, "close_date", Window::kPeriod, won_amount},
                    {"won", "opportunities", kWon, "close_date", Window::kPeriod, count, "amount"}},
                   [](const Inputs& in) {
                     return PerCurrency(in, "won_amount", [&](const std::string& currency, Decimal amount) {
                       auto deals = in.In("won", currency);
                       return Quotient(amount.units, deals ? deals->units / Decimal::kOne : 0);
                     });
                   }});
    out.push_back({{"sales_cycle_length", "Sales cycle length", KpiUnit::kDays,
                    "average of (close date − created at), in days, of the deals won with a close date in the period",
                    "opportunities", false},
                   {{"cycle", "opportunities", kWon, "close_date", Window::kPeriod, cycle}},
                   [](const Inputs& in) { return Single(in.One("cycle")); }});
    out.push_back(
        {{"pipeline_velocity", "Pipeline velocity", KpiUnit::kMoneyPerDay,
          "open deals × win rate × average deal size ÷ sales cycle length, per currency: open deals as they stand now "
          "(in that currency), the others of the period",
          "opportunities"},
         {{"open", "opportunities", kOpen, "", Window::kNow, count, "amount"},
          {"closed", "opportunities", "", "close_date", Window::kPeriod, count, "amount", "stage", {"won", "lost"}},
          {"won_amount", "opportunities", kWon, "close_date", Window::kPeriod, won_amount},
          {"cycle", "opportunities", kWon, "close_date", Window::kPeriod, cycle}},
         [](const Inputs& in) {
           const int64_t won = in.Count("won"), closed = won + in.Count("lost");
           const std::optional<Decimal> days = in.One("cycle");
           return PerCurrency(in, "open", [&](const std::string& currency, Decimal open) -> std::optional<Decimal> {
             auto amount = in.In("won_amount", currency);
             auto won_in = in.In("won", currency);
             if (!amount || !won_in || !days || days->units <= 0) return std::nullopt;
             auto average = Quotient(amount->units, won_in->units / Decimal::kOne);
             if (!average) return std::nullopt;
             // Exact to the last step: open × won × average ÷ (closed × days), in units.
             return Quotient(static_cast<__int128>(open.units / Decimal::kOne) * won * average->units * Decimal::kOne,
                             static_cast<__int128>(closed) * days->units);
           });
         }});
    out.push_back({{"opportunity_to_win", "Opportunity-to-win rate", KpiUnit::kPercent,
                    "won ÷ created × 100, of the deals created in the period", "opportunities"},
                   {{"created", "opportunities", "", "created_at", Window::kPeriod, count},
                    {"won", "opportunities", kWon, "created_at", Window::kPeriod, count}},
                   [](const Inputs& in) { return Single(Percent(in.Count("won"), in.Count("created"))); }});
    out.push_back({{"lead_to_opportunity", "Lead-to-opportunity rate", KpiUnit::kPercent,
                    "converted ÷ created × 100, of the leads created in the period (converted: status converted)",
                    "leads"},
                   {{"created", "leads", "", "created_at", Window::kPeriod, count},
                    {"converted", "leads", "status = \"converted\"", "created_at", Window::kPeriod, count}},
                   [](const Inputs& in) { return Single(Percent(in.Count("converted"), in.Count("created"))); }});
    out.push_back({{"revenue_per_salesperson", "Revenue per salesperson", KpiUnit::kMoney,
                    "won amount ÷ salespeople, per currency, of the deals with a close date in the period "
                    "(salespeople: the distinct owners of the deals won or lost then)",
                    "opportunities"},
                   {{"won_amount", "opportunities", kWon, "close_date", Window::kPeriod, won_amount},
                    {"salespeople", "opportunities", kClosed, "close_date", Window::kPeriod,
                     {AggregateFn::kCountDistinct, "owner_id"}}},
                   [](const Inputs& in) {
                     return PerCurrency(in, "won_amount", [&](const std::string&, Decimal amount) {
                       return Quotient(amount.units, in.Count("salespeople"));
                     });
                   }});
    out.push_back({{"activity_volume", "Activity volume", KpiUnit::kCount,
                    "activities created in the period (per owner: each rep's)", "activities"},
                   {{"activities", "activities", "", "created_at", Window::kPeriod, count}},
                   [](const Inputs& in) { return Single(Decimal::FromInt(in.Count("activities"))); }});
    out.push_back({{"new_customers", "New customers", KpiUnit::kCount,
                    "companies whose first won deal has a close date in the period: companies with a won deal "
                    "closing before the period's end − those with one closing before its start",
                    "opportunities"},
                   {{"customers_by_end", "opportunities", kWon, "close_date", Window::kUntilEnd, customers},
                    {"customers_before", "opportunities", kWon, "close_date", Window::kBeforeStart, customers}},
                   [](const Inputs& in) {
                     return Single(Decimal::FromInt(in.Count("customers_by_end") - in.Count("customers_before")));
                   }});
    // Retention: of the customers of the period before (A: companies with a won deal
    // closing then), those who bought again in the period (B): |A ∩ B| = |A| + |B| − |A ∪ B|,
    // three distinct counts.
    const std::vector<Input> retention = {
        {"customers_before", "opportunities", kWon, "close_date", Window::kPrevious, customers},
        {"customers", "opportunities", kWon, "close_date", Window::kPeriod, customers},
        {"customers_either", "opportunities", kWon, "close_date", Window::kThrough, customers}};
    auto retained = [](const Inputs& in) {
      return in.Count("customers_before") + in.Count("customers") - in.Count("customers_either");
    };
    out.push_back({{"retention_rate", "Customer retention rate", KpiUnit::kPercent,
                    "of the companies with a won deal closing in the period before, the share with one closing in the "
                    "period too, × 100",
                    "opportunities"},
                   retention,
                   [retained](const Inputs& in) { return Single(Percent(retained(in), in.Count("customers_before"))); }});
    out.push_back({{"churn_rate", "Customer churn rate", KpiUnit::kPercent,
                    "100 − retention rate: of the companies with a won deal closing in the period before, the share "
                    "with none closing in the period",
                    "opportunities", false},
                   retention,
                   [retained](const Inputs& in) {
                     int64_t before = in.Count("customers_before");
                     return Single(Percent(before - retained(in), before));
                   }});
    std::vector<Input> lifetime = retention;
    lifetime.push_back({"won_amount", "opportunities", kWon, "close_date", Window::kPeriod, won_amount});
    lifetime.push_back({"paying", "opportunities", kWon, "close_date", Window::kPeriod, customers, "amount"});
    out.push_back({{"customer_lifetime_value", "Customer lifetime value", KpiUnit::kMoney,
                    "revenue per customer in the period ÷ churn rate, per currency: won amount ÷ companies that paid "
                    "in that currency, over the share of customers lost per period",
                    "opportunities"},
                   lifetime,
                   [retained](const Inputs& in) {
                     const int64_t before = in.Count("customers_before"), lost = before - retained(in);
                     return PerCurrency(in, "won_amount", [&](const std::string& currency, Decimal amount) {
                       auto paying = in.In("paying", currency);
                       // (amount ÷ paying) ÷ (lost ÷ before)
                       return Quotient(static_cast<__int128>(amount.units) * before,
                                       static_cast<__int128>(paying ? paying->units / Decimal::kOne : 0) * lost);
                     });
                   }});
    out.push_back({{"customer_acquisition_cost", "Customer acquisition cost", KpiUnit::kMoney,
                    "campaign cost ÷ new customers, per currency: the cost of the campaigns starting in the period "
                    "(a `campaigns` object with a currency field `cost` and a date field `start_date`) over the "
                    "period's new customers",
                    "campaigns", false},
                   {{"cost", "campaigns", "", "start_date", Window::kPeriod, {AggregateFn::kSum, "cost"}},
                    {"customers_by_end", "opportunities", kWon, "close_date", Window::kUntilEnd, customers},
                    {"customers_before", "opportunities", kWon, "close_date", Window::kBeforeStart, customers}},
                   [](const Inputs& in) {
                     int64_t fresh = in.Count("customers_by_end") - in.Count("customers_before");
                     return PerCurrency(in, "cost", [&](const std::string&, Decimal cost) { return Quotient(cost.units, fresh); });
                   }});
    // Of the deals created in the period, how many reached each stage (were in it or a
    // later one, now or in their history; `was in` reads the history) and so the share
    // that went on from each stage to the next: one figure per step of the picklist.
    out.push_back({.info = {"stage_conversion", "Conversion rate by stage", KpiUnit::kPercent,
                            "of the deals created in the period that reached a stage (were in it or a later one, "
                            "now or before), the share that reached the next, × 100: one figure per step of the "
                            "stage picklist, won last, lost left out",
                            "opportunities"},
                   .expand = [](const metadata::MetadataSnapshot& schema) -> Result<Expanded> {
                     const metadata::ObjectDef* deals = schema.FindObject("opportunities");
                     const metadata::FieldDef* stage = deals ? deals->FindField("stage") : nullptr;
                     if (!stage || stage->options.empty()) {
                       return Fail(ErrorCode::kFailedPrecondition, "Conversion by stage needs the deals' stage picklist.");
                     }
                     std::vector<metadata::PicklistOption> steps;
                     for (const auto& option : stage->options) {
                       if (option.value != "won" && option.value != "lost") steps.push_back(option);
                     }
                     for (const auto& option : stage->options) {
                       if (option.value == "won") steps.push_back(option);
                     }
                     Expanded expanded;
                     for (size_t i = 0; i < steps.size(); ++i) {
                       std::string later;
                       for (size_t j = i; j < steps.size(); ++j) {
                         later += (later.empty() ? "" : ", ") + query::QuoteString(steps[j].value);
                       }
                       expanded.inputs.push_back({"reached " + steps[i].value, "opportunities",
                                             fmt::format("stage was in ({})", later), "created_at", Window::kPeriod,
                                             {AggregateFn::kCount, ""}});
                     }
                     // Each step named by the stages' labels, as people read them.
                     expanded.compute = [steps](const Inputs& in) {
                       std::vector<KpiFigure> figures;
                       for (size_t i = 0; i + 1 < steps.size(); ++i) {
                         figures.push_back({.value = Percent(in.Count("reached " + steps[i + 1].value),
                                                             in.Count("reached " + steps[i].value)),
                                            .step = fmt::format("{} → {}", steps[i].label, steps[i + 1].label)});
                       }
                       return figures;
                     };
                     return expanded;
                   }});
    out.push_back({{"forecast_accuracy", "Forecast accuracy", KpiUnit::kPercent,
                    "100 − |won − forecast| ÷ forecast × 100, per currency: the forecast is the amount of the deals that "
                    "were open on the day before the period began with a close date in the period, as that day's "
                    "snapshot recorded them (an `opportunities_snapshots` object copying stage, amount and close date); "
                    "won is the amount won with a close date in the period (below 0 when more than twice the "
                    "forecast was won)",
                    "opportunities"},
                   {{"forecast", "opportunities_snapshots", kOpen, "close_date", Window::kPeriod, won_amount, "", "", {},
                     "snapshot_date", "stage"},
                    {"won_amount", "opportunities", kWon, "close_date", Window::kPeriod, won_amount}},
                   [](const Inputs& in) {
                     return PerCurrency(in, "forecast", [&](const std::string& currency, Decimal forecast) -> std::optional<Decimal> {
                       if (forecast.units <= 0) return std::nullopt;
                       const __int128 won = in.In("won_amount", currency).value_or(Decimal{}).units;
                       const __int128 miss = won > forecast.units ? won - forecast.units : forecast.units - won;
                       auto error = Quotient(miss * 100 * Decimal::kOne, forecast.units);
                       if (!error) return std::nullopt;
                       return Decimal{100 * Decimal::kOne - error->units};
                     });
                   }});
    return out;
  }();
  return kpis;
}

const Kpi* Find(std::string_view key) {
  for (const Kpi& k : Definitions()) {
    if (k.info.key == key) return &k;
  }
  return nullptr;
}

// `field` within `window` of the period `days` (`before`: the period before it).
Result<std::string> WindowCondition(std::string_view field, bool datetime, Window window, DayRange days, DayRange before,
                                    std::string_view zone) {
  switch (window) {
    case Window::kPeriod: return DayRangeCondition(field, datetime, days, zone);
    case Window::kPrevious: return DayRangeCondition(field, datetime, before, zone);
    case Window::kThrough: return DayRangeCondition(field, datetime, {before.first, days.end}, zone);
    case Window::kUntilEnd: return DayBoundCondition(field, datetime, "<", days.end, zone);
    case Window::kBeforeStart: return DayBoundCondition(field, datetime, "<", days.first, zone);
    case Window::kNow: break;
  }
  return std::string();
}

std::optional<Decimal> DecimalOf(const FieldValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return Decimal::FromInt(*i);
  if (const auto* d = std::get_if<Decimal>(&v)) return *d;
  if (const auto* m = std::get_if<records::Money>(&v)) return m->amount;
  return std::nullopt;
}

}  // namespace

std::string_view KpiUnitName(KpiUnit unit) {
  switch (unit) {
    case KpiUnit::kPercent: return "percent";
    case KpiUnit::kMoney: return "money";
    case KpiUnit::kDays: return "days";
    case KpiUnit::kCount: return "count";
    case KpiUnit::kMoneyPerDay: return "money_per_day";
  }
  return "?";
}

std::string KpiFiguresText(KpiUnit unit, const std::vector<KpiFigure>& figures) {
  std::string out;
  for (const KpiFigure& f : figures) {
    std::string text = "–";
    if (f.value) {
      switch (unit) {
        case KpiUnit::kPercent: text = f.value->ToString() + " %"; break;
        case KpiUnit::kDays: text = f.value->ToString() + " days"; break;
        case KpiUnit::kCount: text = f.value->ToString(); break;
        case KpiUnit::kMoney: text = fmt::format("{} {}", f.value->ToString(2), f.currency); break;
        case KpiUnit::kMoneyPerDay: text = fmt::format("{} {} per day", f.value->ToString(2), f.currency); break;
      }
    }
    if (!f.step.empty()) text = f.step + ": " + text;
    out += (out.empty() ? "" : ", ") + text;
  }
  return out.empty() ? "–" : out;
}

const std::vector<KpiInfo>& KpiCatalogue() {
  static const std::vector<KpiInfo> infos = [] {
    std::vector<KpiInfo> out;
    for (const Kpi& k : Definitions()) out.push_back(k.info);
    return out;
  }();
  return infos;
}

const KpiInfo* FindKpi(std::string_view key) {
  const Kpi* kpi = Find(key);
  return kpi ? &kpi->info : nullptr;
}

Kpis::Kpis(records::RecordService& records, workspace::WorkspaceSettingsStore& settings, const Clock& clock)
    : records_(records), settings_(settings), clock_(clock) {}

Result<KpiResult> Kpis::Compute(const security::Principal& p, std::string_view key, const KpiParameters& parameters) {
  const Kpi* kpi = Find(key);
  if (!kpi) return Fail(ErrorCode::kNotFound, fmt::format("No KPI `{}`.", key));
  const KpiInfo* info = &kpi->info;
  for (auto [name, id] : {std::pair{"owner", &parameters.owner}, std::pair{"team", &parameters.team}}) {
    if (!id->empty() && !(*id == "me" && std::string_view(name) == "owner") && !IsValidId(*id)) {
      return Fail(InvalidField(name, fmt::format("`{}` is not {}.", *id, std::string_view(name) == "owner" ? "me or a user's id" : "a team's id")));
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(p.tenant_id));
  RAPPORT_ASSIGN_OR_RETURN(Period period, Period::Resolve(parameters.period, clock_.Now(), calendar));
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr snapshot, records_.Metadata(p));
  std::vector<Input> inputs = kpi->inputs;
  Formula compute = kpi->compute;
  if (kpi->expand) {
    RAPPORT_ASSIGN_OR_RETURN(Expanded expanded, kpi->expand(*snapshot));
    inputs = std::move(expanded.inputs);
    compute = std::move(expanded.compute);
  }

  // What the KPI counts must exist here (a campaigns object for the acquisition cost).
  for (const Input& input : inputs) {
    const metadata::ObjectDef* object = snapshot->FindObject(input.object);
    std::vector<std::string_view> fields;
    for (const Input& other : inputs) {
      if (other.object != input.object) continue;
      for (std::string_view f : {std::string_view(other.date_field), std::string_view(other.measure.field),
                                 std::string_view(other.per_currency_of), std::string_view(other.split_by),
                                 std::string_view(other.as_of_field), std::string_view(other.filter_field)}) {
        if (!f.empty() && std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
      }
    }
    for (std::string_view field : fields) {
      if (object && object->FindField(field)) continue;
      std::string needed;
      for (std::string_view f : fields) needed += fmt::format("{}`{}`", needed.empty() ? "" : ", ", f);
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("{} needs a `{}` object with the fields {}; this workspace has no {}.", info->label,
                              input.object, needed,
                              object ? fmt::format("`{}` field there", field) : fmt::format("`{}` object", input.object)));
    }
  }

  std::vector<std::string> scope = OwnerConditions(parameters.owner, parameters.team);
  // The figures of every input over the period `days`: one set, or one per owner.
  using Figures = std::map<std::string, std::vector<KpiFigure>, std::less<>>;
  auto gather = [&](DayRange days, bool per_owner) -> Result<std::map<std::string, Figures>> {
    std::map<std::string, Figures> out;
    for (const Input& input : inputs) {
      const metadata::ObjectDef* object = snapshot->FindObject(input.object);
      std::vector<std::string> parts;
      if (!input.filter.empty()) parts.emplace_back(input.filter);
      parts.insert(parts.end(), scope.begin(), scope.end());
      if (!parameters.pipeline.empty() && object->FindField("pipeline")) {
        parts.push_back(fmt::format("pipeline = {}", query::QuoteString(parameters.pipeline)));
      }
      if (input.window != Window::kNow) {
        const bool datetime = object->FindField(input.date_field)->type == metadata::FieldType::kDatetime;
        RAPPORT_ASSIGN_OR_RETURN(std::string condition, WindowCondition(input.date_field, datetime, input.window, days,
                                                                        period.Before(days), calendar.time_zone));
        parts.push_back(std::move(condition));
      }
      if (!input.as_of_field.empty()) parts.push_back(fmt::format("{} = {}", input.as_of_field, FormatDate(days.first - 1)));
      records::AggregateQuery q{.object = std::string(input.object), .measures = {input.measure},
                                .limit = records::kMaxGroups, .time_zone = calendar.time_zone,
                                .fiscal_year_start = calendar.fiscal_year_start};
      for (const auto& part : parts) q.filter += (q.filter.empty() ? "(" : " and (") + part + ")";
      if (parameters.convert) {
        q.convert = records::AggregateQuery::Conversion{input.window == Window::kNow ? "" : std::string(input.date_field)};
      }
      if (!input.per_currency_of.empty()) q.measures.push_back({AggregateFn::kSum, std::string(input.per_currency_of)});
      if (per_owner) q.group_by = {{"owner_id", std::nullopt}};
      if (!input.split_by.empty()) {
        std::string values;
        for (std::string_view v : input.split_values) values += (values.empty() ? "" : ", ") + query::QuoteString(v);
        q.filter += fmt::format("{}({} in ({}))", q.filter.empty() ? "" : " and ", input.split_by, values);
        q.group_by.push_back({std::string(input.split_by), std::nullopt});
      }
      RAPPORT_ASSIGN_OR_RETURN(records::AggregateResult result, records_.Aggregate(p, q));
      if (result.truncated) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("More than {} owners: narrow the KPI to a team.", records::kMaxGroups));
      }
      for (const records::AggregateRow& row : result.rows) {
        std::string owner;
        if (per_owner && !row.keys.empty()) {
          if (const auto* id = std::get_if<std::string>(&row.keys[0])) owner = *id;
        }
        std::string name(input.name);
        if (!input.split_by.empty()) {
          const auto* value = std::get_if<std::string>(&row.keys.back());
          if (!value) continue;
          name = *value;
        }
        out[owner][name].push_back({row.currency, DecimalOf(row.values[0])});
      }
    }
    return out;
  };
  auto value_of = [&](const Figures& figures) {
    KpiValue value;
    Inputs in(figures);
    value.figures = compute(in);
    for (const Input& input : inputs) {
      std::vector<std::string> names = input.split_values;
      if (input.split_by.empty()) names = {input.name};
      for (const std::string& name : names) value.inputs.emplace_back(name, in.Of(name));
    }
    return value;
  };

  KpiResult out{.info = info, .period = period.days(), .previous_period = period.Before(period.days())};
  RAPPORT_ASSIGN_OR_RETURN(auto now, gather(out.period, false));
  out.value = value_of(now[""]);
  // What stands now (the open pipeline) was not recorded for the period before: no trend.
  bool as_of_now = std::any_of(inputs.begin(), inputs.end(), [](const Input& i) { return i.window == Window::kNow; });
  if (!as_of_now) {
    RAPPORT_ASSIGN_OR_RETURN(auto before, gather(out.previous_period, false));
    out.previous = value_of(before[""]);
  }
  if (parameters.by_owner) {
    RAPPORT_ASSIGN_OR_RETURN(auto owners, gather(out.period, true));
    for (const auto& [owner, figures] : owners) out.by_owner.push_back({owner, value_of(figures)});
  }
  return out;
}

}  // namespace rapport::reports
