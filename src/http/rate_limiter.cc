#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace rapport::http {

namespace {
// Beyond this many tracked clients, full (idle) buckets are forgotten: a forgotten
// client starts with a full bucket, which is exactly what it would have had.
constexpr size_t kMaxBuckets = 100000;
}  // namespace

RateLimiter::RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(std::max(burst, 1.0)) {}

std::optional<int> RateLimiter::Take(std::string_view key, Micros now) {
  std::lock_guard lock(mu_);
  if (buckets_.size() > kMaxBuckets) {
    std::erase_if(buckets_, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens + per_second_ * static_cast<double>(now - b.updated) / kMicrosPerSecond >= burst_;
    });
  }
  auto [it, fresh] = buckets_.try_emplace(std::string(key), Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh && now > b.updated) {
    b.tokens = std::min(burst_, b.tokens + per_second_ * static_cast<double>(now - b.updated) / kMicrosPerSecond);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_second_)));
}

}  // namespace rapport::http
