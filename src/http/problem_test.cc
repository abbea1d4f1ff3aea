#include "http/problem.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <utility>

namespace rapport::http {
namespace {

TEST(ProblemTest, EveryCodeMapsToItsStatus) {
  const std::pair<ErrorCode, int> kExpected[] = {
      {ErrorCode::kInvalidArgument, 400},
      {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403},
      {ErrorCode::kNotFound, 404},
      {ErrorCode::kAlreadyExists, 409},
      {ErrorCode::kFailedPrecondition, 409},
      {ErrorCode::kVersionMismatch, 412},
      {ErrorCode::kPayloadTooLarge, 413},
      {ErrorCode::kUnsupportedMediaType, 415},
      {ErrorCode::kValidationFailed, 422},
      {ErrorCode::kResourceExhausted, 429},
      {ErrorCode::kUnavailable, 503},
      {ErrorCode::kInternal, 500},
  };
  // One entry per enumerator: kInternal is the last one.
  EXPECT_EQ(std::size(kExpected), static_cast<size_t>(ErrorCode::kInternal) + 1);
  for (const auto& [code, status] : kExpected) {
    EXPECT_EQ(HttpStatusFor(code), status) << ErrorCodeName(code);
    Response response = ProblemResponse(Error(code, "d"));
    EXPECT_EQ(response.status, status);
    EXPECT_EQ(response.content_type, "application/problem+json");
  }
}

TEST(ProblemTest, BodyShape) {
  Response response = ProblemResponse(Error(ErrorCode::kVersionMismatch, "Record changed"));
  boost::json::object body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "https://rapport.dev/errors/version-mismatch");
  EXPECT_EQ(body.at("title").as_string(), "Version mismatch");
  EXPECT_EQ(body.at("status").as_int64(), 412);
  EXPECT_EQ(body.at("detail").as_string(), "Record changed");
  EXPECT_FALSE(body.contains("errors"));
}

TEST(ProblemTest, FieldErrorsAreListed) {
  Response response = ProblemResponse(Error(ErrorCode::kValidationFailed, "Invalid contact")
                                          .WithField("email", "invalid_format", "Not an email")
                                          .WithField("name", "required", "Required"));
  boost::json::object body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("status").as_int64(), 422);
  const boost::json::array& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("field").as_string(), "email");
  EXPECT_EQ(errors[0].at("code").as_string(), "invalid_format");
  EXPECT_EQ(errors[0].at("message").as_string(), "Not an email");
  EXPECT_EQ(errors[1].at("field").as_string(), "name");
}

TEST(ProblemTest, InternalMessageNeverInBody) {
  Response response = ProblemResponse(
      Error(ErrorCode::kInternal, "Something went wrong").WithInternal("SECRET sql: select 1"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("SECRET"), std::string::npos);
  Response client_error = ProblemResponse(
      Error(ErrorCode::kNotFound, "No such record").WithInternal("SECRET table users"));
  EXPECT_EQ(client_error.body.find("SECRET"), std::string::npos);
}

TEST(ProblemTest, DetailIsEscaped) {
  Response response = ProblemResponse(Error(ErrorCode::kInvalidArgument, "bad \"quote\"\n"));
  boost::json::object body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("detail").as_string(), "bad \"quote\"\n");
}

}  // namespace
}  // namespace rapport::http
