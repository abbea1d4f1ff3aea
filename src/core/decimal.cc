#include "core/decimal.h"

#include <cmath>
#include <limits>

namespace rapport {

std::optional<Decimal> Decimal::Parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i >= text.size()) return std::nullopt;
  __int128 integer = 0;
  size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    integer = integer * 10 + (text[i] - '0');
    if (integer > std::numeric_limits<int64_t>::max()) return std::nullopt;
  }
  int64_t fraction = 0;
  int fraction_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (fraction_digits == kScale) {
        if (text[i] != '0') return std::nullopt;  // more precision than we store
        continue;
      }
      fraction = fraction * 10 + (text[i] - '0');
      ++fraction_digits;
      ++digits;
    }
  }
  if (i != text.size() || digits == 0) return std::nullopt;
  for (; fraction_digits < kScale; ++fraction_digits) fraction *= 10;
  __int128 total = integer * kOne + fraction;
  if (total > std::numeric_limits<int64_t>::max()) return std::nullopt;
  return Decimal{negative ? -static_cast<int64_t>(total) : static_cast<int64_t>(total)};
}

std::optional<Decimal> Decimal::FromDouble(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  double scaled = v * kOne;
  if (std::fabs(scaled) > 9.2e18) return std::nullopt;
  double rounded = std::nearbyint(scaled);
  // Accept only values that are (within binary noise) a whole number of units.
  if (std::fabs(rounded - scaled) > 1e-6 * std::max(1.0, std::fabs(scaled))) return std::nullopt;
  return Decimal{static_cast<int64_t>(rounded)};
}

std::string Decimal::ToString(int min_decimals) const {
  unsigned __int128 magnitude = units < 0 ? -static_cast<__int128>(units) : units;
  uint64_t whole = static_cast<uint64_t>(magnitude / kOne);
  uint64_t frac = static_cast<uint64_t>(magnitude % kOne);
  std::string out = units < 0 ? "-" : "";
  out += std::to_string(whole);
  char buf[kScale + 1];
  for (int d = kScale - 1; d >= 0; --d) {
    buf[d] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int keep = kScale;
  while (keep > min_decimals && buf[keep - 1] == '0') --keep;
  if (keep > 0) {
    out += '.';
    out.append(buf, keep);
  }
  return out;
}

}  // namespace rapport
