// Dated exchange rates into the workspace's own currency (WorkspaceSettings::currency).
// A rate says what one unit of a currency is worth in the workspace's currency, from
// its day on until that currency's next rate; before a currency's first rate, the
// first one applies. Reports convert money with them when asked (docs/reports.md):
// each amount at the rate of its own day, or at today's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::workspace {

// Rates carry six decimals (as most CRMs' do): an int64 count of millionths.
inline constexpr int kRateDecimals = 6;
inline constexpr int64_t kRateOne = 1'000'000;
// "1.0825" -> 1082500; nothing for a rate that is not positive, has more than six
// decimals, or is above a billion.
std::optional<int64_t> ParseRate(std::string_view text);
std::string FormatRate(int64_t rate);  // "1.0825"

struct ExchangeRate {
  std::string currency;    // ISO 4217, never the workspace's own
  std::string valid_from;  // "YYYY-MM-DD"
  std::string valid_until;  // the currency's next rate's valid_from; empty for its latest
  int64_t rate = 0;        // units of kRateOne: one unit of `currency` in the workspace's
  std::string updated_at;
};

// Every rate of a workspace at one moment, for converting a report's figures.
struct RateBook {
  std::string currency;  // the workspace's own: its rate is always kRateOne
  std::map<std::string, std::map<std::string, int64_t, std::less<>>, std::less<>> rates;  // currency -> valid_from -> rate

  // The rate of `currency` on `day` ("YYYY-MM-DD"; before its first rate, or "", the
  // first); nothing when it has no rate at all.
  std::optional<int64_t> RateOn(std::string_view currency, std::string_view day) const;
  // The rate that starts on `valid_from` (as a report's statement names it).
  std::optional<int64_t> RateFrom(std::string_view currency, std::string_view valid_from) const;
};
// Read inside the caller's transaction, so that a report converts with the rates of
// the same snapshot its figures come from.
Result<RateBook> ReadRateBook(storage::Connection& c, const std::string& tenant_id);
// Whether the workspace has any rate (its currency cannot change then).
Result<bool> HasExchangeRates(storage::Connection& c, const std::string& tenant_id);

class ExchangeRateStore {
 public:
  explicit ExchangeRateStore(storage::Database& db, const Clock& clock = SystemClock::Instance());

  // Everyone in the workspace reads the rates (reports convert with them); ordered by
  // currency, then day.
  Result<std::vector<ExchangeRate>> List(const std::string& tenant_id);
  // Administrators only. Sets the rate of `currency` from `valid_from` on (replacing the
  // one of that day, if any); field errors name what is wrong and change nothing.
  Result<ExchangeRate> Set(const security::Principal& principal, const std::string& currency,
                           const std::string& valid_from, const std::string& rate);
  // Administrators only; kNotFound when there is no such rate.
  Status Delete(const security::Principal& principal, const std::string& currency, const std::string& valid_from);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace rapport::workspace
