#include "http/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace rapport::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, CountsByRouteMethodStatus) {
  Metrics metrics;
  metrics.Record("/a/{id}", "GET", 200, 0.001);
  metrics.Record("/a/{id}", "GET", 200, 0.002);
  metrics.Record("/a/{id}", "GET", 404, 0.002);
  metrics.Record("/a/{id}", "BREW", 200, 0.002);
  std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("# HELP rapport_http_requests_total "));
  EXPECT_THAT(text, HasSubstr("# TYPE rapport_http_requests_total counter\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "rapport_http_requests_total{route=\"/a/{id}\",method=\"GET\",status=\"200\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "rapport_http_requests_total{route=\"/a/{id}\",method=\"GET\",status=\"404\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "rapport_http_requests_total{route=\"/a/{id}\",method=\"OTHER\",status=\"200\"} 1\n"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics metrics;
  metrics.Record("r", "GET", 200, 0.0004);  // <= 0.0005
  metrics.Record("r", "GET", 200, 0.003);   // <= 0.005
  metrics.Record("r", "GET", 200, 0.005);   // le is inclusive
  metrics.Record("r", "GET", 200, 7.0);     // +Inf only
  std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("# TYPE rapport_http_request_duration_seconds histogram\n"));
  const std::string prefix = "rapport_http_request_duration_seconds_bucket{route=\"r\",le=";
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.0005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.005\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"5\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("rapport_http_request_duration_seconds_count{route=\"r\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("rapport_http_request_duration_seconds_sum{route=\"r\"} 7.0084\n"));
}

TEST(MetricsTest, EscapesLabelsAndRendersGauges) {
  Metrics metrics;
  metrics.Record("a\"b\\c\nd", "GET", 200, 0.1);
  metrics.AddGauge("rapport_open_things", "Things currently open.", [] { return 3.5; });
  std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("route=\"a\\\"b\\\\c\\nd\""));
  EXPECT_THAT(text, HasSubstr("# HELP rapport_open_things Things currently open.\n"
                              "# TYPE rapport_open_things gauge\n"
                              "rapport_open_things 3.5\n"));
  EXPECT_THAT(text, Not(HasSubstr("\nd\"")));
}

TEST(MetricsTest, RendersCountersAndHistogramsInRegistrationOrder) {
  Metrics metrics;
  LatencyHistogram waits;
  waits.Observe(0.0002);
  waits.Observe(0.003);
  int64_t reads = 41;
  metrics.AddCounter("rapport_things_total", "Things done.", [&reads] { return static_cast<double>(++reads); });
  metrics.AddHistogram("rapport_wait_seconds", "Time spent waiting.", [&waits] { return waits.Snapshot(); });
  metrics.AddGauge("rapport_in_use", "Things in use.", [] { return 2; });
  std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("# HELP rapport_things_total Things done.\n"
                              "# TYPE rapport_things_total counter\n"
                              "rapport_things_total 42\n"
                              "# HELP rapport_wait_seconds Time spent waiting.\n"
                              "# TYPE rapport_wait_seconds histogram\n"
                              "rapport_wait_seconds_bucket{le=\"0.0001\"} 0\n"
                              "rapport_wait_seconds_bucket{le=\"0.00025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rapport_wait_seconds_bucket{le=\"0.0025\"} 1\n"
                              "rapport_wait_seconds_bucket{le=\"0.005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("rapport_wait_seconds_bucket{le=\"5\"} 2\n"
                              "rapport_wait_seconds_bucket{le=\"+Inf\"} 2\n"
                              "rapport_wait_seconds_sum 0.0032\n"
                              "rapport_wait_seconds_count 2\n"
                              "# HELP rapport_in_use Things in use.\n"
                              "# TYPE rapport_in_use gauge\n"
                              "rapport_in_use 2\n"));
  // Read at every scrape, not at registration.
  EXPECT_THAT(metrics.RenderPrometheus(), HasSubstr("rapport_things_total 43\n"));
}

TEST(MetricsDeathTest, RefusesDuplicateAndReservedNames) {
  Metrics metrics;
  metrics.AddCounter("rapport_x_total", "x", [] { return 0; });
  EXPECT_DEATH(metrics.AddGauge("rapport_x_total", "again", [] { return 0; }), "registered twice");
  EXPECT_DEATH(metrics.AddCounter("rapport_http_requests_total", "clash", [] { return 0; }), "reserved");
  EXPECT_DEATH(metrics.AddHistogram("bad name", "x", [] { return HistogramSnapshot{}; }), "metric name");
}

TEST(MetricsTest, EveryLineIsCommentOrSample) {
  Metrics metrics;
  metrics.Record("x", "POST", 201, 0.01);
  LatencyHistogram histogram;
  histogram.Observe(0.5);
  metrics.AddHistogram("rapport_h_seconds", "h", [&histogram] { return histogram.Snapshot(); });
  metrics.AddCounter("rapport_c_total", "c", [] { return 1; });
  std::string text = metrics.RenderPrometheus();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    // name{labels} value
    size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_TRUE(line.starts_with("rapport_")) << line;
    EXPECT_NE(line.substr(space + 1), "") << line;
  }
}

TEST(MetricsTest, ConcurrentRecording) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 10000; ++i) {
        metrics.Record(t % 2 ? "odd" : "even", "GET", 200, 0.0001);
        if (i % 1000 == 0) (void)metrics.RenderPrometheus();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::string text = metrics.RenderPrometheus();
  EXPECT_THAT(
      text,
      HasSubstr(
          "rapport_http_requests_total{route=\"even\",method=\"GET\",status=\"200\"} 20000\n"));
  EXPECT_THAT(text,
              HasSubstr("rapport_http_request_duration_seconds_count{route=\"odd\"} 20000\n"));
}

}  // namespace
}  // namespace rapport::http
