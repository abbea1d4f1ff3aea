// What every REST handler needs: the caller, JSON replies and strict query
// parameters. Internal to http/api.
#pragma once

#include <initializer_list>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/error.h"
#include "core/json_members.h"
#include "http/request.h"
#include "http/router.h"
#include "http/api/api.h"
#include "identity/identity.h"
#include "security/principal.h"

namespace rapport::http::api {

// The web app's session cookie (HttpOnly) and its readable CSRF companion.
inline constexpr std::string_view kSessionCookie = "rapport_session";
inline constexpr std::string_view kCsrfCookie = "rapport_csrf";

// The caller: an `Authorization: Bearer <API token>`, or the web app's session cookie.
// A cookie-authenticated change (not GET/HEAD) must carry the session's X-CSRF-Token.
// Either way the tenant's IP allow-list applies. kUnauthenticated otherwise.
Result<security::Principal> Authenticate(const Request& request, const ApiServices& services);

// The client's address (without port) and user agent.
identity::ClientInfo Client(const Request& request);

// The value of cookie `name`, if the request carries it.
std::optional<std::string> Cookie(const Request& request, std::string_view name);

Response JsonReply(int status, const boost::json::value& value);

// Query parameters are checked against the route's list, so a typo is an error, not
// a silently ignored option.
Status CheckQueryParams(const Request& request, std::initializer_list<std::string_view> allowed);

// A query parameter's true / false (or 1 / 0); otherwise a 400 naming it.
Result<bool> ParseBool(std::string_view name, std::string_view text);

// The request's JSON object body; a key outside `allowed` is a kValidationFailed naming it.
// Its members are read with core/json_members.h (RequiredString, OptionalStringArray...).
Result<boost::json::object> BodyObject(const Request& request, std::initializer_list<std::string_view> allowed);

// Wraps a handler that needs the caller: authenticates first.
template <typename F>
Handler Authed(const ApiServices& services, F f) {
  return [services, f](Request& request) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(security::Principal principal, Authenticate(request, services));
    return f(request, principal);
  };
}

}  // namespace rapport::http::api
