// JSON helpers for the HTTP edge, over Boost.JSON. Thread-safe (no shared state).
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

#include "core/error.h"
#include "http/request.h"

namespace rapport::http {

inline constexpr int kMaxJsonDepth = 64;

// True if `content_type` is application/json, optionally with parameters; a charset
// parameter, if present, must be utf-8.
bool IsJsonContentType(std::string_view content_type);

// Parses a JSON text. Errors (kInvalidArgument) name the reason and the line/column:
// malformed syntax, invalid UTF-8, nesting deeper than kMaxJsonDepth, empty input.
Result<boost::json::value> ParseJson(std::string_view text);

// Checks Content-Type (kUnsupportedMediaType otherwise), then ParseJson(request.body).
Result<boost::json::value> ParseJsonBody(const Request& request);

// Serializes a value compactly (for Response bodies).
std::string SerializeJson(const boost::json::value& value);

}  // namespace rapport::http
