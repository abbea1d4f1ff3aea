// Per-client request rate limiting: a token bucket per key (an API token's id, a
// session, or the client address). A refused request is answered 429 with
// Retry-After by the server, before any handler or database work.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"

namespace rapport::http {

class RateLimiter {
 public:
  // `per_second` requests sustained, up to `burst` at once.
  RateLimiter(double per_second, double burst);

  // nullopt: allowed (one token taken); otherwise the whole seconds to wait.
  std::optional<int> Take(std::string_view key, Micros now);

 private:
  struct Bucket {
    double tokens;
    Micros updated;
  };
  double per_second_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace rapport::http
