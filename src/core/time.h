// Time: UTC everywhere inside. Instants are microseconds since the Unix epoch.
// Datetime fields are stored as fixed-width RFC 3339 text ("2026-01-15T09:30:00.000000Z")
// and dates as "YYYY-MM-DD", so text order is time order on every backend.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rapport {

using Micros = int64_t;  // microseconds since 1970-01-01T00:00:00Z

// Injected wherever "now" matters, so tests run on a manual clock and never sleep.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Micros Now() const override;
  static const SystemClock& Instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start) : now_(start) {}
  Micros Now() const override { return now_.load(); }
  void Advance(Micros delta) { now_ += delta; }
  void Set(Micros t) { now_ = t; }

 private:
  std::atomic<Micros> now_;
};

inline constexpr Micros kMicrosPerSecond = 1'000'000;
inline constexpr Micros kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int& y, unsigned& m, unsigned& d);

// Canonical storage text for an instant: "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::string FormatDatetime(Micros t);
// Accepts RFC 3339 ("2026-01-15T09:30:00Z", fractional seconds, "+02:00" offsets)
// and a bare date (midnight UTC). Returns nullopt if malformed or out of range.
std::optional<Micros> ParseDatetime(std::string_view text);

// "YYYY-MM-DD" only, validated (no 2026-02-30).
std::optional<int64_t> ParseDateDays(std::string_view text);
std::string FormatDate(int64_t days);

}  // namespace rapport
