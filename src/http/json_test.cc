#include "http/json.h"

#include <gtest/gtest.h>

#include <string>

namespace rapport::http {
namespace {

Request JsonRequest(std::string body, std::string content_type = "application/json") {
  Request request;
  request.method = "POST";
  request.headers.emplace_back("content-type", std::move(content_type));
  request.body = std::move(body);
  return request;
}

TEST(JsonTest, ParsesObject) {
  Result<boost::json::value> value = ParseJsonBody(JsonRequest(R"({"a": [1, 2, "x"]})"));
  ASSERT_TRUE(value) << value.error().ToString();
  EXPECT_EQ(value->at("a").as_array().size(), 3u);
}

TEST(JsonTest, AcceptsCharsetAndCase) {
  EXPECT_TRUE(ParseJsonBody(JsonRequest("{}", "application/json; charset=utf-8")));
  EXPECT_TRUE(ParseJsonBody(JsonRequest("{}", "Application/JSON;charset=\"UTF-8\"")));
  EXPECT_FALSE(IsJsonContentType("application/json; charset=latin1"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
}

TEST(JsonTest, WrongOrMissingContentTypeIs415) {
  for (Request request : {JsonRequest("{}", "text/plain"), JsonRequest("{}", "application/xml")}) {
    Result<boost::json::value> value = ParseJsonBody(request);
    ASSERT_FALSE(value);
    EXPECT_EQ(value.error().code(), ErrorCode::kUnsupportedMediaType);
    EXPECT_EQ(value.error().detail(), "Expected Content-Type application/json");
  }
  Request no_header;
  no_header.body = "{}";
  ASSERT_FALSE(ParseJsonBody(no_header));
  EXPECT_EQ(ParseJsonBody(no_header).error().code(), ErrorCode::kUnsupportedMediaType);
}

TEST(JsonTest, MalformedNamesPosition) {
  Result<boost::json::value> value = ParseJsonBody(JsonRequest("{\n  \"a\": tru }"));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(value.error().detail().find("line 2"), std::string::npos) << value.error().detail();
  EXPECT_NE(value.error().detail().find("Malformed JSON"), std::string::npos);
}

TEST(JsonTest, TrailingGarbageAndEmptyRejected) {
  EXPECT_FALSE(ParseJsonBody(JsonRequest("{} x")));
  EXPECT_TRUE(ParseJsonBody(JsonRequest("{}  \n")));
  Result<boost::json::value> empty = ParseJsonBody(JsonRequest(""));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseJsonBody(JsonRequest("{\"a\":1,}")));         // no trailing commas
  EXPECT_FALSE(ParseJsonBody(JsonRequest("{\"a\":1 /* c */}")));  // no comments
}

TEST(JsonTest, DeepNestingRejected) {
  std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJsonBody(JsonRequest(ok)));
  std::string deep(100000, '[');
  Result<boost::json::value> value = ParseJsonBody(JsonRequest(deep + std::string(100000, ']')));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(value.error().detail().find("nesting"), std::string::npos) << value.error().detail();
}

TEST(JsonTest, InvalidUtf8Rejected) {
  Result<boost::json::value> value = ParseJsonBody(JsonRequest("{\"a\": \"\xC3\x28\"}"));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(ParseJsonBody(JsonRequest("{\"a\": \"caf\xC3\xA9\"}")));
}

}  // namespace
}  // namespace rapport::http
