#include "http/api/handlers.h"

#include "http/json.h"

#include <algorithm>

#include <fmt/format.h>

namespace rapport::http::api {

namespace json = boost::json;
using security::Principal;

identity::ClientInfo Client(const Request& request) {
  identity::ClientInfo client;
  std::string_view remote = request.remote_address;
  // "ip:port", IPv6 addresses included ("::1:5000"): the port follows the last colon.
  if (auto colon = remote.rfind(':'); colon != std::string_view::npos) remote = remote.substr(0, colon);
  client.ip = std::string(remote);
  client.user_agent = std::string(request.Header("User-Agent").value_or(""));
  return client;
}

std::optional<std::string> Cookie(const Request& request, std::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (!EqualsIgnoreCase(header, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
        return std::string(pair.substr(name.size() + 1));
      }
    }
  }
  return std::nullopt;
}

Result<Principal> Authenticate(const Request& request, const ApiServices& services) {
  identity::ClientInfo client = Client(request);
  if (auto header = request.Header("Authorization")) {
    std::string_view value = *header;
    if (value.size() < 7 || !EqualsIgnoreCase(value.substr(0, 7), "Bearer ")) {
      return Fail(ErrorCode::kUnauthenticated, "Only Bearer tokens are accepted.");
    }
    value.remove_prefix(7);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    RAPPORT_ASSIGN_OR_RETURN(Principal principal, services.identity.Authenticate(value));
    RAPPORT_TRY(services.sign_in.CheckAllowed(principal.tenant_id, client.ip));
    return principal;
  }
  auto session = Cookie(request, kSessionCookie);
  if (!session) return Fail(ErrorCode::kUnauthenticated, "Sign in, or send `Authorization: Bearer <token>`.");
  RAPPORT_ASSIGN_OR_RETURN(Principal principal, services.sign_in.Authenticate(*session, client));
  if (request.method != "GET" && request.method != "HEAD") {
    RAPPORT_TRY(services.sign_in.CheckCsrf(*session, request.Header("X-CSRF-Token").value_or("")));
  }
  if (principal.must_enrol_mfa && !request.path.starts_with("/api/v1/auth/")) {
    return Fail(ErrorCode::kPermissionDenied, "Your role requires two-factor sign-in: set it up first (/api/v1/auth/mfa).");
  }
  return principal;
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

Result<bool> ParseBool(std::string_view name, std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("`{}` must be true or false.", name))
                  .WithField(std::string(name), "invalid_type", "Expected true or false."));
}

Result<boost::json::object> BodyObject(const Request& req, std::initializer_list<std::string_view> allowed) {
  RAPPORT_ASSIGN_OR_RETURN(boost::json::value body, ParseJsonBody(req));
  if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object.");
  RAPPORT_TRY(CheckMembers(body.get_object(), allowed));
  return std::move(body.get_object());
}

}  // namespace rapport::http::api
