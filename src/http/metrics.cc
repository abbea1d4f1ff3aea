#include "http/metrics.h"

#include <fmt/format.h>

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
  LatencyHistogram latency{kBucketBounds};
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

// `name_bucket{labels,le="..."}`, `name_sum{labels}` and `name_count{labels}`; `labels`
// is empty or `key="value",` (already escaped).
void RenderHistogram(std::string& out, std::string_view name, std::string_view labels,
                     const HistogramSnapshot& histogram) {
  auto sink = std::back_inserter(out);
  for (size_t i = 0; i < histogram.counts.size(); ++i) {
    std::string le = i < histogram.bounds.size() ? FormatValue(histogram.bounds[i]) : "+Inf";
    fmt::format_to(sink, "{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, le, histogram.counts[i]);
  }
  std::string braced = labels.empty() ? "" : fmt::format("{{{}}}", labels.substr(0, labels.size() - 1));
  fmt::format_to(sink, "{}_sum{} {}\n", name, braced, FormatValue(histogram.sum));
  // _count equals the +Inf bucket by definition; using it keeps them consistent even
  // while samples are being recorded concurrently.
  fmt::format_to(sink, "{}_count{} {}\n", name, braced, histogram.count());
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
  stats.latency.Observe(seconds);

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
  Add({Kind::kGauge, std::move(name), std::move(help), std::move(read), nullptr});
}

void Metrics::AddCounter(std::string name, std::string help, std::function<double()> read) {
  Add({Kind::kCounter, std::move(name), std::move(help), std::move(read), nullptr});
}

void Metrics::AddHistogram(std::string name, std::string help,
                           std::function<HistogramSnapshot()> read) {
  Add({Kind::kHistogram, std::move(name), std::move(help), nullptr, std::move(read)});
}

void Metrics::Add(Family family) {
  RAPPORT_CHECK(IsValidMetricName(family.name), "invalid Prometheus metric name");
  RAPPORT_CHECK(!family.name.starts_with("rapport_http_request"), "reserved metric name");
  std::lock_guard lock(families_mu_);
  for (const Family& existing : families_) {
    RAPPORT_CHECK(existing.name != family.name, "metric registered twice");
  }
  families_.push_back(std::move(family));
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
      RenderHistogram(out, "rapport_http_request_duration_seconds",
                      fmt::format("route=\"{}\",", EscapeLabel(route)), stats->latency.Snapshot());
    }
  }
  std::lock_guard lock(families_mu_);
  for (const Family& family : families_) {
    std::string_view type = family.kind == Kind::kGauge     ? "gauge"
                            : family.kind == Kind::kCounter ? "counter"
                                                            : "histogram";
    fmt::format_to(sink, "# HELP {} {}\n# TYPE {} {}\n", family.name, EscapeHelp(family.help),
                   family.name, type);
    if (family.kind == Kind::kHistogram) {
      RenderHistogram(out, family.name, "", family.histogram());
    } else {
      fmt::format_to(sink, "{} {}\n", family.name, FormatValue(family.value()));
    }
  }
  return out;
}

}  // namespace rapport::http
