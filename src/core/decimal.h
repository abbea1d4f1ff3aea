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

}  // namespace rapport
