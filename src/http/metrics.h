// Request metrics in Prometheus text format: request counts by route/method/status and
// latency histograms by route, plus gauges, counters and histograms that the app
// registers and that are read when /metrics is scraped (the database's, for one).
//
// Thread-safety: all methods are safe to call concurrently. Record() is the hot path:
// after a route's first request it takes a shared lock on the route table, bumps
// atomics, and takes one per-route mutex for the (method, status) counter.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.h"

namespace rapport::http {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds; +Inf is implicit.
  static constexpr std::array<double, 13> kBucketBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Records one finished request. `route` should be a bounded set (route patterns),
  // methods outside the standard set are counted as "OTHER" to bound cardinality.
  void Record(std::string_view route, std::string_view method, int status, double seconds);

  // Registers a series rendered as `name` with `help`, read by calling `read` at render
  // time (under an internal lock: keep it fast, and don't call back into Metrics), in
  // registration order after the request series. `name` must be a valid Prometheus
  // metric name and not registered before (checked).
  //
  // A gauge: a value that goes up and down (connections in use).
  void AddGauge(std::string name, std::string help, std::function<double()> read);
  // A counter: a total that only grows (name it `..._total`).
  void AddCounter(std::string name, std::string help, std::function<double()> read);
  // A histogram, typically a LatencyHistogram's Snapshot() (name it `..._seconds`);
  // rendered as `name_bucket{le=...}`, `name_sum` and `name_count`.
  void AddHistogram(std::string name, std::string help, std::function<HistogramSnapshot()> read);

  // The Prometheus text exposition format (version 0.0.4).
  std::string RenderPrometheus() const;

 private:
  struct RouteStats;
  enum class Kind { kGauge, kCounter, kHistogram };
  struct Family {
    Kind kind;
    std::string name;
    std::string help;
    std::function<double()> value;                 // gauges and counters
    std::function<HistogramSnapshot()> histogram;  // histograms
  };

  RouteStats& StatsFor(std::string_view route);
  void Add(Family family);

  mutable std::shared_mutex routes_mu_;
  std::map<std::string, std::unique_ptr<RouteStats>, std::less<>> routes_;
  mutable std::mutex families_mu_;
  std::vector<Family> families_;
};

// The content type for RenderPrometheus() output.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace rapport::http
