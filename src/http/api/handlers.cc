#include "http/api/handlers.h"

#include <algorithm>

#include <fmt/format.h>

namespace rapport::http::api {

namespace json = boost::json;
using security::Principal;

Result<Principal> Authenticate(const Request& request, identity::Identity& identity) {
  auto header = request.Header("Authorization");
  if (!header) return Fail(ErrorCode::kUnauthenticated, "Send `Authorization: Bearer <token>`.");
  std::string_view value = *header;
  if (value.size() < 7 || !EqualsIgnoreCase(value.substr(0, 7), "Bearer ")) {
    return Fail(ErrorCode::kUnauthenticated, "Only Bearer tokens are accepted.");
  }
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return identity.Authenticate(value);
}

Response JsonReply(int status, const json::value& value) { return Response::Json(status, json::serialize(value)); }

Status CheckQueryParams(const Request& request, std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : request.query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("Unknown query parameter `{}`.", name))
                      .WithField(name, "unknown_parameter",
                                 list.empty() ? "This endpoint takes no query parameters."
                                              : fmt::format("Allowed: {}.", list)));
    }
  }
  return Ok();
}

Result<std::string> RequiredString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string() || it->value().get_string().empty()) {
    return Fail(Error(ErrorCode::kValidationFailed, fmt::format("`{}` is required.", key))
                    .WithField(std::string(key), "required", fmt::format("`{}` is required (a string).", key)));
  }
  return std::string(it->value().get_string());
}

std::optional<std::string> OptionalString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

}  // namespace rapport::http::api
