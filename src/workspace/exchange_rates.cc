#include "workspace/exchange_rates.h"

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "core/strings.h"
#include "workspace/workspace_settings.h"

namespace rapport::workspace {

namespace {

using storage::Connection;
using storage::Value;

Result<std::string> WorkspaceCurrency(Connection& c, const std::string& tenant_id) {
  RAPPORT_ASSIGN_OR_RETURN(WorkspaceSettings settings, ReadWorkspaceSettings(c, tenant_id));
  return settings.currency;
}

// The first day of the currency's next rate after `valid_from`; empty for its latest.
Result<std::string> NextStart(Connection& c, const std::string& tenant_id, const std::string& currency,
                              const std::string& valid_from) {
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT MIN(valid_from) FROM exchange_rates WHERE tenant_id = ? AND "
                                              "currency = ? AND valid_from > ?",
                                              std::vector<Value>{tenant_id, currency, valid_from}));
  return rows.rows.empty() || storage::IsNull(rows.rows[0][0]) ? std::string() : storage::TextOf(rows.rows[0][0]);
}

Status CheckAdmin(const security::Principal& p) {
  RAPPORT_TRY(security::CheckMayChangeSettings(p));
  if (!p.is_admin) return Fail(ErrorCode::kPermissionDenied, "Only administrators change exchange rates.");
  return Ok();
}

}  // namespace

std::optional<int64_t> ParseRate(std::string_view text) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto digits = [](std::string_view s) { return std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }); };
  if (whole.empty() || whole.size() > 10 || !digits(whole) || !digits(fraction) ||
      fraction.size() > static_cast<size_t>(kRateDecimals) || (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  int64_t rate = 0;
  for (char ch : whole) rate = rate * 10 + (ch - '0');
  for (int i = 0; i < kRateDecimals; ++i) rate = rate * 10 + (i < static_cast<int>(fraction.size()) ? fraction[i] - '0' : 0);
  if (rate <= 0 || rate > 1'000'000'000 * kRateOne) return std::nullopt;
  return rate;
}

std::string FormatRate(int64_t rate) {
  std::string out = fmt::format("{}.{:06}", rate / kRateOne, rate % kRateOne);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::optional<int64_t> RateBook::RateOn(std::string_view code, std::string_view day) const {
  if (code == currency) return kRateOne;
  auto it = rates.find(code);
  if (it == rates.end() || it->second.empty()) return std::nullopt;
  auto after = it->second.upper_bound(day);  // the first rate starting after `day`
  return after == it->second.begin() ? after->second : std::prev(after)->second;
}

std::optional<int64_t> RateBook::RateFrom(std::string_view code, std::string_view valid_from) const {
  auto it = rates.find(code);
  if (it == rates.end()) return std::nullopt;
  auto rate = it->second.find(valid_from);
  return rate == it->second.end() ? std::nullopt : std::optional<int64_t>(rate->second);
}

Result<RateBook> ReadRateBook(Connection& c, const std::string& tenant_id) {
  RateBook book;
  RAPPORT_ASSIGN_OR_RETURN(book.currency, WorkspaceCurrency(c, tenant_id));
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT currency, valid_from, rate FROM exchange_rates WHERE tenant_id = ?",
                                              std::vector<Value>{tenant_id}));
  for (const auto& row : rows.rows) {
    book.rates[storage::TextOf(row[0])][storage::TextOf(row[1])] = std::get<int64_t>(row[2]);
  }
  return book;
}

Result<bool> HasExchangeRates(Connection& c, const std::string& tenant_id) {
  RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT 1 FROM exchange_rates WHERE tenant_id = ? LIMIT 1",
                                              std::vector<Value>{tenant_id}));
  return !rows.rows.empty();
}

ExchangeRateStore::ExchangeRateStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<std::vector<ExchangeRate>> ExchangeRateStore::List(const std::string& tenant_id) {
  std::vector<ExchangeRate> rates;
  RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT currency, valid_from, rate, updated_at FROM exchange_rates "
                                                "WHERE tenant_id = ? ORDER BY currency, valid_from",
                                                std::vector<Value>{tenant_id}));
    for (const auto& row : rows.rows) {
      std::string currency = storage::TextOf(row[0]);
      // A rate runs until the next of its currency (the rows are in that order).
      if (!rates.empty() && rates.back().currency == currency) rates.back().valid_until = storage::TextOf(row[1]);
      rates.push_back({std::move(currency), storage::TextOf(row[1]), "", std::get<int64_t>(row[2]), storage::TextOf(row[3])});
    }
    return Ok();
  }));
  return rates;
}

Result<ExchangeRate> ExchangeRateStore::Set(const security::Principal& p, const std::string& currency,
                                            const std::string& valid_from, const std::string& rate_text) {
  RAPPORT_TRY(CheckAdmin(p));
  if (!IsCurrencyCode(currency)) {
    return Fail(InvalidField("currency", "The currency is an ISO 4217 code such as \"EUR\"."));
  }
  if (!ParseDateDays(valid_from)) {
    return Fail(InvalidField("valid_from", "The first day of the rate, as YYYY-MM-DD."));
  }
  std::optional<int64_t> rate = ParseRate(rate_text);
  if (!rate) {
    return Fail(InvalidField("rate", fmt::format("A positive number with at most {} decimals, such as \"1.0825\": "
                                                 "what one unit of the currency is worth in the workspace's.",
                                                 kRateDecimals)));
  }
  ExchangeRate saved{currency, valid_from, "", *rate, FormatDatetime(clock_.Now())};
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(std::string own, WorkspaceCurrency(c, p.tenant_id));
    if (currency == own) {
      return Fail(InvalidField("currency", fmt::format("{} is the workspace's own currency: its rate is always 1.", own)));
    }
    std::vector<Value> key = {p.tenant_id, currency, valid_from};
    RAPPORT_TRY(c.Execute("DELETE FROM exchange_rates WHERE tenant_id = ? AND currency = ? AND valid_from = ?", key));
    RAPPORT_TRY(c.Execute("INSERT INTO exchange_rates (tenant_id, currency, valid_from, rate, updated_at) "
                          "VALUES (?, ?, ?, ?, ?)",
                          std::vector<Value>{p.tenant_id, currency, valid_from, *rate, saved.updated_at}));
    RAPPORT_ASSIGN_OR_RETURN(saved.valid_until, NextStart(c, p.tenant_id, currency, valid_from));
    return audit::Append(c, p.tenant_id,
                         {.kind = "workspace.exchange_rate_set",
                          .actor_id = p.user_id,
                          .detail = audit::Detail({{"currency", currency}, {"valid_from", valid_from},
                                                   {"rate", FormatRate(*rate)}, {"in", own}})},
                         clock_);
  }));
  return saved;
}

Status ExchangeRateStore::Delete(const security::Principal& p, const std::string& currency, const std::string& valid_from) {
  RAPPORT_TRY(CheckAdmin(p));
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, currency, valid_from};
    RAPPORT_ASSIGN_OR_RETURN(auto found, c.Query("SELECT rate FROM exchange_rates WHERE tenant_id = ? AND currency = ? "
                                                 "AND valid_from = ?",
                                                 key));
    if (found.rows.empty()) {
      return Fail(ErrorCode::kNotFound, fmt::format("No rate of {} starts on {}.", currency, valid_from));
    }
    RAPPORT_TRY(c.Execute("DELETE FROM exchange_rates WHERE tenant_id = ? AND currency = ? AND valid_from = ?", key));
    return audit::Append(c, p.tenant_id,
                         {.kind = "workspace.exchange_rate_deleted",
                          .actor_id = p.user_id,
                          .detail = audit::Detail({{"currency", currency}, {"valid_from", valid_from},
                                                   {"rate", FormatRate(std::get<int64_t>(found.rows[0][0]))}})},
                         clock_);
  });
}

}  // namespace rapport::workspace
