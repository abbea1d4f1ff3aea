// Maps Rapport errors to HTTP: status codes and RFC 9457 problem+json bodies.
// Pure functions; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/error.h"
#include "http/request.h"

namespace rapport::http {

inline constexpr std::string_view kProblemContentType = "application/problem+json";
inline constexpr std::string_view kProblemTypeBase = "https://rapport.dev/errors/";

// The HTTP status for an error code. Exhaustive over ErrorCode.
int HttpStatusFor(ErrorCode code);

// A short, stable, human-readable title for the code ("Not found").
std::string_view ProblemTitle(ErrorCode code);

// An application/problem+json response for `error`:
//   {"type": "https://rapport.dev/errors/<code-name>", "title", "status", "detail",
//    "errors": [{"field","code","message"}]}   ("errors" only when there are any).
// error.internal() never reaches the body; for 5xx it is logged instead.
Response ProblemResponse(const Error& error);

// A problem response for statuses that have no ErrorCode (405, 431, ...).
// `type_slug` is appended to kProblemTypeBase.
Response MakeProblem(int status, std::string_view type_slug, std::string_view title,
                     std::string_view detail, const std::vector<FieldError>& errors = {});

}  // namespace rapport::http
