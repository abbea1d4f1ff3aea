#include "logging/logging.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace rapport::logging {
namespace {

namespace json = boost::json;

json::object Parse(const std::string& line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  EXPECT_FALSE(ec) << line;
  EXPECT_TRUE(v.is_object()) << line;
  return v.is_object() ? v.as_object() : json::object{};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(LoggingTest, ParsesFormats) {
  EXPECT_EQ(ParseFormat("text"), Format::kText);
  EXPECT_EQ(ParseFormat("json"), Format::kJson);
  EXPECT_FALSE(ParseFormat("JSON"));
  EXPECT_FALSE(ParseFormat(""));
}

TEST(LoggingTest, JsonLineHasTimestampLevelMessageAndTypedFields) {
  std::string line = JsonLine(1768469400'123456, spdlog::level::warn, "slow \"query\"\n\ttab",
                              {{"method", "GET"}, {"status", 200}, {"bytes", size_t{1234}},
                               {"ms", 1.25}, {"nan", std::nan("")}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  json::object o = Parse(line);
  EXPECT_EQ(o.at("ts").as_string(), "2026-01-15T09:30:00.123456Z");
  EXPECT_EQ(o.at("level").as_string(), "warning");
  EXPECT_EQ(o.at("msg").as_string(), "slow \"query\"\n\ttab");
  EXPECT_EQ(o.at("method").as_string(), "GET");
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_EQ(o.at("bytes").as_int64(), 1234);
  EXPECT_DOUBLE_EQ(o.at("ms").as_double(), 1.25);
  EXPECT_TRUE(o.at("nan").is_null());
  // ts, level, msg come first, in that order.
  EXPECT_TRUE(line.starts_with("{\"ts\":\"2026-01-15T09:30:00.123456Z\",\"level\":\"warning\",\"msg\":"));
}

TEST(LoggingTest, JsonLineRepairsInvalidUtf8AndKeepsReservedKeys) {
  json::object o = Parse(JsonLine(0, spdlog::level::info, "bad \xFF byte",
                                  {{"path", "/a\xC3("}, {"msg", "not me"}, {"level", 3}, {"ctl", "\x01"},
                                   Field::UnlessEmpty("id", ""), Field::UnlessEmpty("id2", "x")}));
  EXPECT_EQ(o.at("msg").as_string(), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(o.at("path").as_string(), "/a\xEF\xBF\xBD(");
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_EQ(o.at("ctl").as_string(), "\x01");
  EXPECT_FALSE(o.contains("id"));
  EXPECT_EQ(o.at("id2").as_string(), "x");
  EXPECT_EQ(o.size(), 6u);  // ts, level, msg, path, ctl, id2
}

// Through spdlog: plain spdlog calls and Log() both become JSON lines on stderr.
TEST(LoggingTest, JsonFormatWritesOneObjectPerLineToStderr) {
  Configure(Format::kJson);
  ::testing::internal::CaptureStderr();
  spdlog::info("plain {} with \"quotes\"", 42);
  Log(spdlog::level::info, "request", {{"method", "POST"}, {"status", 201}});
  spdlog::error("multi\nline");
  std::string captured = ::testing::internal::GetCapturedStderr();
  Configure(Format::kText);
  std::vector<std::string> lines = Lines(captured);
  ASSERT_EQ(lines.size(), 3u) << captured;
  json::object first = Parse(lines[0]);
  EXPECT_EQ(first.at("msg").as_string(), "plain 42 with \"quotes\"");
  EXPECT_EQ(first.at("level").as_string(), "info");
  EXPECT_FALSE(first.contains("method"));  // fields belong to their own line only
  json::object second = Parse(lines[1]);
  EXPECT_EQ(second.at("msg").as_string(), "request");
  EXPECT_EQ(second.at("method").as_string(), "POST");
  EXPECT_EQ(second.at("status").as_int64(), 201);
  EXPECT_EQ(Parse(lines[2]).at("msg").as_string(), "multi\nline");
  EXPECT_EQ(Parse(lines[2]).at("level").as_string(), "error");
}

TEST(LoggingTest, TextFormatAppendsKeyValues) {
  Configure(Format::kText);
  ::testing::internal::CaptureStderr();
  Log(spdlog::level::info, "request", {{"method", "GET"}, {"path", "/a b"}, {"status", 200}});
  std::string captured = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(captured.find("[info] request method=GET path=\"/a b\" status=200\n"), std::string::npos)
      << captured;
}

}  // namespace
}  // namespace rapport::logging
