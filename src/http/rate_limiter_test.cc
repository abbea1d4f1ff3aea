#include "http/rate_limiter.h"

#include <gtest/gtest.h>

namespace rapport::http {
namespace {

TEST(RateLimiterTest, AllowsBurstsThenRefillsAtTheRate) {
  RateLimiter limiter(2, 4);  // 2 per second, bursts of 4
  Micros t = 1'000 * kMicrosPerSecond;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.Take("a", t)) << i;
  auto wait = limiter.Take("a", t);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_FALSE(limiter.Take("b", t));  // another client has its own bucket
  t += kMicrosPerSecond / 2;           // one token back
  EXPECT_FALSE(limiter.Take("a", t));
  EXPECT_TRUE(limiter.Take("a", t));
  t += 10 * kMicrosPerSecond;  // never more than the burst
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.Take("a", t)) << i;
  EXPECT_TRUE(limiter.Take("a", t));
}

TEST(RateLimiterTest, SlowRatesAskForLongerWaits) {
  RateLimiter limiter(0.1, 1);  // one request per 10 s
  EXPECT_FALSE(limiter.Take("a", 0));
  auto wait = limiter.Take("a", 0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 10);
}

}  // namespace
}  // namespace rapport::http
