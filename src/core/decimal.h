// Exact decimal numbers for decimal, percent and currency fields. A Decimal is an
// int64 count of ten-thousandths (scale 4), so sums are exact and SQL can add and
// compare the stored integers directly. Range: about ±922 trillion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rapport {

struct Decimal {
  static constexpr int kScale = 4;
  static constexpr int64_t kOne = 10000;

  int64_t units = 0;  // value × 10^kScale

  static Decimal FromInt(int64_t v) { return Decimal{v * kOne}; }
  // Parses "-12", "1234.5", "0.0001". Rejects more than kScale decimals, exponents,
  // and values out of range. Returns nullopt on any of those.
  static std::optional<Decimal> Parse(std::string_view text);
  // Converts a binary double only when it has at most kScale decimals exactly
  // representable after rounding (JSON numbers like 1234.5 are accepted).
  static std::optional<Decimal> FromDouble(double v);

  // Canonical text: at least `min_decimals` decimals, trailing zeros beyond trimmed.
  std::string ToString(int min_decimals = 0) const;
  double ToDouble() const { return static_cast<double>(units) / kOne; }

  auto operator<=>(const Decimal&) const = default;
};

// numerator ÷ denominator rounded half away from zero, exactly (the rounding of every
// average and ratio Rapport reports); nullopt for a zero denominator or a quotient
// beyond 64 bits. Callers scale the numerator first: sum × kOne ÷ count is an average
// in Decimal units.
inline std::optional<int64_t> RoundedQuotient(__int128 numerator, __int128 denominator) {
  if (denominator == 0) return std::nullopt;
  if (denominator < 0) numerator = -numerator, denominator = -denominator;
  __int128 quotient = numerator / denominator;
  __int128 remainder = numerator % denominator;
  if (2 * (remainder < 0 ? -remainder : remainder) >= denominator) quotient += numerator < 0 ? -1 : 1;
  if (quotient > INT64_MAX || quotient < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(quotient);
}

}  // namespace rapport
