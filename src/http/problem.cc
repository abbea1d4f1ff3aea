#include "http/problem.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <string>

namespace rapport::http {

int HttpStatusFor(ErrorCode code) {
  // No default: -Werror=switch makes a new ErrorCode fail the build until mapped here.
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kValidationFailed: return 422;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kVersionMismatch: return 412;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;  // only reachable with an out-of-range enum value
}

std::string_view ProblemTitle(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "Invalid request";
    case ErrorCode::kValidationFailed: return "Validation failed";
    case ErrorCode::kUnauthenticated: return "Authentication required";
    case ErrorCode::kPermissionDenied: return "Permission denied";
    case ErrorCode::kNotFound: return "Not found";
    case ErrorCode::kAlreadyExists: return "Already exists";
    case ErrorCode::kVersionMismatch: return "Version mismatch";
    case ErrorCode::kFailedPrecondition: return "Failed precondition";
    case ErrorCode::kPayloadTooLarge: return "Payload too large";
    case ErrorCode::kUnsupportedMediaType: return "Unsupported media type";
    case ErrorCode::kResourceExhausted: return "Too many requests";
    case ErrorCode::kUnavailable: return "Service unavailable";
    case ErrorCode::kInternal: return "Internal error";
  }
  return "Error";
}

Response MakeProblem(int status, std::string_view type_slug, std::string_view title,
                     std::string_view detail, const std::vector<FieldError>& errors) {
  boost::json::object body;
  std::string type(kProblemTypeBase);
  type += type_slug;
  body["type"] = type;
  body["title"] = title;
  body["status"] = status;
  body["detail"] = detail;
  if (!errors.empty()) {
    boost::json::array list;
    list.reserve(errors.size());
    for (const FieldError& fe : errors) {
      list.push_back(
          boost::json::object{{"field", fe.field}, {"code", fe.code}, {"message", fe.message}});
    }
    body["errors"] = std::move(list);
  }
  Response response;
  response.status = status;
  response.content_type = kProblemContentType;
  response.body = boost::json::serialize(body);
  return response;
}

Response ProblemResponse(const Error& error) {
  const int status = HttpStatusFor(error.code());
  if (status >= 500) {
    // Server-side failures need their internal context in the log, never on the wire.
    spdlog::error("http {}: {}", status, error.ToString());
  }
  std::string slug(ErrorCodeName(error.code()));
  for (char& c : slug) {
    if (c == '_') c = '-';
  }
  Response response = MakeProblem(status, slug, ProblemTitle(error.code()), error.detail(), error.field_errors());
  if (error.retry_after_seconds() > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds()));
  }
  return response;
}

}  // namespace rapport::http
