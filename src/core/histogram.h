// A latency histogram with fixed buckets, cheap enough for every request and every
// database transaction: Observe() is two relaxed atomic additions, no lock. Lower
// layers keep one (storage/ does, for its transactions) and http/metrics renders its
// Snapshot() in Prometheus format; core/ owns it because storage/ cannot see http/.
//
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace rapport {

// A consistent-enough copy of a histogram (each field is read atomically, not the
// whole at once; a scrape racing with Observe() may be off by the racing samples).
struct HistogramSnapshot {
  std::vector<double> bounds;    // upper bounds of the buckets, ascending; +Inf implicit
  std::vector<uint64_t> counts;  // cumulative, bounds.size() + 1 entries (the last is +Inf)
  double sum = 0;                // of every observed value

  uint64_t count() const { return counts.empty() ? 0 : counts.back(); }
};

class LatencyHistogram {
 public:
  // Seconds: 100 µs (a cached read) to 5 s (a request timing out somewhere).
  static constexpr std::array<double, 15> kDefaultBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};

  // `bounds` must be ascending and outlive the histogram (a static array).
  explicit LatencyHistogram(std::span<const double> bounds = kDefaultBounds);

  // Records one duration in seconds (negative and NaN count as 0). `le` buckets: a
  // value equal to a bound falls into that bound's bucket.
  void Observe(double seconds);
  void ObserveSince(std::chrono::steady_clock::time_point start) {
    Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  HistogramSnapshot Snapshot() const;

 private:
  std::span<const double> bounds_;
  // Per-bucket (not cumulative) counts, cumulated in Snapshot() so that Observe()
  // touches one bucket. The sum is kept in integer nanoseconds: exact, and an integer
  // atomic add is lock-free everywhere.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace rapport
