#include "http/json.h"

#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace rapport::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string ReasonFor(const boost::system::error_code& ec) {
  namespace bj = boost::json;
  if (ec == bj::error::too_deep) {
    return fmt::format("nesting deeper than {} levels", kMaxJsonDepth);
  }
  return ec.message();
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  std::string_view rest = content_type;
  size_t semi = rest.find(';');
  if (!EqualsIgnoreCase(Trim(rest.substr(0, semi)), "application/json")) return false;
  while (semi != std::string_view::npos) {
    rest.remove_prefix(semi + 1);
    semi = rest.find(';');
    std::string_view param = Trim(rest.substr(0, semi));
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(Trim(param.substr(0, eq)), "charset")) continue;
    std::string_view value = Trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!EqualsIgnoreCase(value, "utf-8") && !EqualsIgnoreCase(value, "utf8")) return false;
  }
  return true;
}

Result<boost::json::value> ParseJson(std::string_view text) {
  if (Trim(text).empty())
    return Fail(ErrorCode::kInvalidArgument, "Request body is empty; expected JSON");
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  // Defaults already reject comments, trailing commas and invalid UTF-8; kept explicit
  // because clients depend on this strictness.
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  // write() rejects anything but whitespace after the value (extra_data); on error it
  // returns how far it got, which is where the problem is.
  size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    size_t offset = std::min(consumed, text.size());
    size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
    size_t last_nl = text.substr(0, offset).rfind('\n');
    size_t column = last_nl == std::string_view::npos ? offset + 1 : offset - last_nl;
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Malformed JSON at line {}, column {} (byte {}): {}", line, column,
                            offset, ReasonFor(ec)));
  }
  return parser.release();
}

Result<boost::json::value> ParseJsonBody(const Request& request) {
  std::optional<std::string_view> content_type = request.Header("Content-Type");
  if (!content_type || !IsJsonContentType(*content_type)) {
    return Fail(ErrorCode::kUnsupportedMediaType, "Expected Content-Type application/json");
  }
  return ParseJson(request.body);
}

std::string SerializeJson(const boost::json::value& value) { return boost::json::serialize(value); }

}  // namespace rapport::http
