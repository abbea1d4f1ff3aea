// HTTP request/response values exchanged between the server and route handlers.
// Plain data: no Beast/Asio types, so handlers and tests compile quickly.
// Thread-safety: none; a Request/Response belongs to the one request in flight.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace rapport::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // raw request-target, e.g. "/api/v1/x%20y?q=1"
  std::string path;    // percent-decoded path, e.g. "/api/v1/x y"
  // Percent-decoded path segments. The server fills it from the raw target so that an
  // encoded "/" (%2F) stays inside one segment; when empty, the router splits `path`.
  std::vector<std::string> segments;
  HeaderList query;    // decoded query parameters in order, duplicates kept
  HeaderList headers;  // names as sent; look up with Header()
  std::string body;
  std::string remote_address;  // "ip:port" of the peer
  HeaderList params;           // route parameters, set by the router
  std::string route_name;      // matched pattern, or "unmatched"; set by the router

  // Case-insensitive lookup of the first header named `name`.
  std::optional<std::string_view> Header(std::string_view name) const;
  // The route parameter `name` ("{name}" in the pattern); empty if the route has none.
  std::string_view Param(std::string_view name) const;
  // The first query parameter named `name` (case-sensitive), if present.
  std::optional<std::string_view> QueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  // Empty means "send no Content-Type" (used for 204).
  std::string content_type = "application/json; charset=utf-8";
  HeaderList headers;  // extra headers; must not contain CR/LF (dropped if they do)
  std::string body;
  // Set for a body produced piece by piece (an export): the server calls it until it
  // returns an empty piece, sending each piece as an HTTP/1.1 chunk (`body` is then
  // ignored). An error midway ends the connection without the closing chunk, so the
  // client sees a broken transfer, never a truncated file that looks complete.
  std::function<Result<std::string>()> body_source;

  static Response Json(int status, std::string body);
  static Response NoContent();
};

// ASCII case-insensitive equality, for header names and media types.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace rapport::http
