// What every REST handler needs: the caller, JSON replies and strict query
// parameters. Internal to http/api.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/error.h"
#include "http/request.h"
#include "http/router.h"
#include "identity/identity.h"
#include "security/principal.h"

namespace rapport::http::api {

// The principal of a `Authorization: Bearer <token>` request (kUnauthenticated otherwise).
Result<security::Principal> Authenticate(const Request& request, identity::Identity& identity);

Response JsonReply(int status, const boost::json::value& value);

// Query parameters are checked against the route's list, so a typo is an error, not
// a silently ignored option.
Status CheckQueryParams(const Request& request, std::initializer_list<std::string_view> allowed);

// A non-empty string member (kValidationFailed naming `key` otherwise).
Result<std::string> RequiredString(const boost::json::object& o, std::string_view key);
std::optional<std::string> OptionalString(const boost::json::object& o, std::string_view key);

// Wraps a handler that needs the caller: authenticates first.
template <typename F>
Handler Authed(identity::Identity& identity, F f) {
  return [&identity, f](Request& request) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(security::Principal principal, Authenticate(request, identity));
    return f(request, principal);
  };
}

}  // namespace rapport::http::api
