#include "http/metrics.h"

#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <cstdint>

#include "core/error.h"

namespace rapport::http {

struct Metrics::RouteStats {
  struct Count {
    std::string method;
    int status;
    uint64_t n;
  };
  // Per-bucket (not cumulative) counts; the last slot is +Inf. Cumulated at render time
  // so that Record() touches a single bucket.
  std::array<std::atomic<uint64_t>, kBucketBounds.size() + 1> buckets{};
  std::atomic<uint64_t> sum_ns{0};
  std::mutex counts_mu;
  std::vector<Count> counts;  // few entries per route; linear scan beats a map here
};

namespace {

std::string_view NormalizeMethod(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",  "POST",    "PUT",     "PATCH", "DELETE",
                                                "HEAD", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::RouteStats& Metrics::StatsFor(std::string_view route) {
  {
    std::shared_lock lock(routes_mu_);
    auto it = routes_.find(route);
    if (it != routes_.end()) return *it->second;
  }
  std::unique_lock lock(routes_mu_);
  auto [it, inserted] = routes_.try_emplace(std::string(route));
  if (inserted) it->second = std::make_unique<RouteStats>();
  return *it->second;  // stable: entries are never removed
}

void Metrics::Record(std::string_view route, std::string_view method, int status, double seconds) {
  RouteStats& stats = StatsFor(route);
  if (!(seconds >= 0)) seconds = 0;  // also maps NaN to 0
  size_t bucket = 0;
  while (bucket < kBucketBounds.size() && seconds > kBucketBounds[bucket]) ++bucket;
  stats.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  stats.sum_ns.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e9)),
                         std::memory_order_relaxed);

  std::string_view normalized = NormalizeMethod(method);
  std::lock_guard lock(stats.counts_mu);
  for (RouteStats::Count& count : stats.counts) {
    if (count.status == status && count.method == normalized) {
      ++count.n;
      return;
    }
  }
  stats.counts.push_back({std::string(normalized), status, 1});
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  RAPPORT_CHECK(IsValidMetricName(name), "invalid Prometheus metric name");
  std::lock_guard lock(gauges_mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  auto sink = std::back_inserter(out);
  {
    std::shared_lock lock(routes_mu_);
    out += "# HELP rapport_http_requests_total HTTP requests by route, method and status.\n";
    out += "# TYPE rapport_http_requests_total counter\n";
    for (const auto& [route, stats] : routes_) {
      std::string label = EscapeLabel(route);
      std::lock_guard counts_lock(stats->counts_mu);
      for (const RouteStats::Count& count : stats->counts) {
        fmt::format_to(
            sink, "rapport_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
            label, count.method, count.status, count.n);
      }
    }
    out += "# HELP rapport_http_request_duration_seconds HTTP request latency by route.\n";
    out += "# TYPE rapport_http_request_duration_seconds histogram\n";
    for (const auto& [route, stats] : routes_) {
      std::string label = EscapeLabel(route);
      uint64_t cumulative = 0;
      for (size_t i = 0; i < stats->buckets.size(); ++i) {
        cumulative += stats->buckets[i].load(std::memory_order_relaxed);
        std::string le = i < kBucketBounds.size() ? FormatValue(kBucketBounds[i]) : "+Inf";
        fmt::format_to(
            sink, "rapport_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
            label, le, cumulative);
      }
      double sum = static_cast<double>(stats->sum_ns.load(std::memory_order_relaxed)) / 1e9;
      fmt::format_to(sink, "rapport_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label,
                     FormatValue(sum));
      // _count equals the +Inf bucket by definition; using it keeps them consistent
      // even while requests are being recorded concurrently.
      fmt::format_to(sink, "rapport_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                     label, cumulative);
    }
  }
  std::lock_guard lock(gauges_mu_);
  for (const Gauge& gauge : gauges_) {
    fmt::format_to(sink, "# HELP {} {}\n# TYPE {} gauge\n{} {}\n", gauge.name,
                   EscapeHelp(gauge.help), gauge.name, gauge.name, FormatValue(gauge.read()));
  }
  return out;
}

}  // namespace rapport::http
