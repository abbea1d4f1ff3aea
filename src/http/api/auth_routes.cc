// Signing in and out, the session, passwords, invitations, login history and the IP
// allow-list over REST (docs/api.md, "Sign-in"). Thin: identity::SignIn does the work.
#include <charconv>

#include <fmt/format.h>

#include "http/api/api.h"
#include "http/api/handlers.h"
#include "http/json.h"

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using security::Principal;

// The session cookie (HttpOnly: scripts never see it) and the CSRF cookie the web app
// reads to echo as X-CSRF-Token. SameSite=Lax keeps both off cross-site writes.
void SetSessionCookies(Response& r, const identity::NewSession& s, bool secure, Micros max_age) {
  std::string attributes = fmt::format("; Path=/; SameSite=Lax; Max-Age={}{}", max_age / kMicrosPerSecond,
                                       secure ? "; Secure" : "");
  r.headers.emplace_back("Set-Cookie", fmt::format("{}={}; HttpOnly{}", kSessionCookie, s.token, attributes));
  r.headers.emplace_back("Set-Cookie", fmt::format("{}={}{}", kCsrfCookie, s.csrf_token, attributes));
}

void ClearSessionCookies(Response& r, bool secure) {
  std::string attributes = fmt::format("; Path=/; SameSite=Lax; Max-Age=0{}", secure ? "; Secure" : "");
  r.headers.emplace_back("Set-Cookie", fmt::format("{}=; HttpOnly{}", kSessionCookie, attributes));
  r.headers.emplace_back("Set-Cookie", fmt::format("{}={}", kCsrfCookie, attributes));
}

Response SessionReply(const identity::NewSession& s, bool secure) {
  Response r = JsonReply(200, json::object{{"user_id", s.principal.user_id},
                                           {"tenant_id", s.principal.tenant_id},
                                           {"is_admin", s.principal.is_admin},
                                           {"must_enrol_mfa", s.principal.must_enrol_mfa},
                                           {"csrf_token", s.csrf_token},
                                           {"expires_at", s.expires_at}});
  SetSessionCookies(r, s, secure, identity::SessionLimits{}.absolute);
  // Credentials in, a session out: never cache this answer.
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response LinkReply(const identity::Invitation& link) {
  Response r = JsonReply(201, json::object{{"user_id", link.user_id},
                                           {"token", link.token},
                                           {"accept_path", "/accept?token=" + link.token},
                                           {"expires_at", link.expires_at}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

void AddAuthRoutes(Router& router, const ApiServices& services) {
  identity::SignIn& sign_in = services.sign_in;
  const bool secure = services.secure_cookies;

  router.Add("POST", "/api/v1/auth/login", "", [&sign_in, secure](Request& req) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"email", "password", "tenant", "code"}));
    RAPPORT_ASSIGN_OR_RETURN(std::string email, RequiredString(o, "email"));
    RAPPORT_ASSIGN_OR_RETURN(std::string password, RequiredString(o, "password"));
    RAPPORT_ASSIGN_OR_RETURN(auto session, sign_in.Login(OptionalString(o, "tenant").value_or(""), email, password,
                                                         Client(req), OptionalString(o, "code").value_or("")));
    return SessionReply(session, secure);
  });
  router.Add("POST", "/api/v1/auth/accept", "", [&sign_in, secure](Request& req) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"token", "password", "code"}));
    RAPPORT_ASSIGN_OR_RETURN(std::string token, RequiredString(o, "token"));
    RAPPORT_ASSIGN_OR_RETURN(std::string password, RequiredString(o, "password"));
    RAPPORT_ASSIGN_OR_RETURN(auto session,
                             sign_in.Accept(token, password, Client(req), OptionalString(o, "code").value_or("")));
    return SessionReply(session, secure);
  });
  router.Add("POST", "/api/v1/auth/logout", "", Authed(services, [&sign_in, secure](Request& req, const Principal& p) -> Result<Response> {
    if (p.session_id.empty()) return Fail(ErrorCode::kInvalidArgument, "Sign out ends a session; revoke API tokens instead.");
    RAPPORT_TRY(sign_in.Logout(Cookie(req, kSessionCookie).value_or("")));
    Response r = Response::NoContent();
    ClearSessionCookies(r, secure);
    return r;
  }));
  router.Add("GET", "/api/v1/auth/session", "", Authed(services, [](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    return JsonReply(200, json::object{{"user_id", p.user_id},
                                       {"tenant_id", p.tenant_id},
                                       {"is_admin", p.is_admin},
                                       {"read_only", p.read_only},
                                       {"must_enrol_mfa", p.must_enrol_mfa},
                                       {"via", p.session_id.empty() ? "token" : "session"}});
  }));
  router.Add("POST", "/api/v1/auth/mfa/enrol", "", Authed(services, [&sign_in](Request&, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(auto enrolment, sign_in.EnrolMfa(p));
    Response r = JsonReply(200, json::object{{"secret", enrolment.secret},
                                             {"otpauth_uri", enrolment.otpauth_uri},
                                             {"qr_svg", enrolment.qr_svg}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }));
  router.Add("POST", "/api/v1/auth/mfa/confirm", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"code"}));
    RAPPORT_ASSIGN_OR_RETURN(std::string code, RequiredString(o, "code"));
    RAPPORT_ASSIGN_OR_RETURN(auto codes, sign_in.mfa().Confirm(p, code));
    json::array list;
    for (const auto& c : codes) list.emplace_back(c);
    Response r = JsonReply(200, json::object{{"recovery_codes", std::move(list)}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }));
  router.Add("POST", "/api/v1/auth/mfa/disable", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"code"}));
    RAPPORT_ASSIGN_OR_RETURN(std::string code, RequiredString(o, "code"));
    RAPPORT_TRY(sign_in.mfa().Disable(p, code));
    return Response::NoContent();
  }));
  router.Add("POST", "/api/v1/auth/password", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"current_password", "new_password"}));
    RAPPORT_ASSIGN_OR_RETURN(std::string current, RequiredString(o, "current_password"));
    RAPPORT_ASSIGN_OR_RETURN(std::string next, RequiredString(o, "new_password"));
    RAPPORT_TRY(sign_in.ChangePassword(p, current, next));
    return Response::NoContent();
  }));
  router.Add("POST", "/api/v1/users/{id}/password-reset", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(auto link, sign_in.ResetPassword(p, std::string(req.Param("id"))));
    return LinkReply(link);
  }));
  router.Add("POST", "/api/v1/invitations", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"name", "email", "role"}));
    RAPPORT_ASSIGN_OR_RETURN(std::string name, RequiredString(o, "name"));
    RAPPORT_ASSIGN_OR_RETURN(std::string email, RequiredString(o, "email"));
    RAPPORT_ASSIGN_OR_RETURN(auto link, sign_in.Invite(p, name, email, OptionalString(o, "role").value_or("member")));
    return LinkReply(link);
  }));
  router.Add("GET", "/api/v1/auth/history", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"user", "limit"}));
    int limit = 100;
    if (auto text = req.QueryParam("limit")) {
      auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
      if (ec != std::errc() || ptr != text->data() + text->size() || limit < 1 || limit > 500) {
        return Fail(Error(ErrorCode::kInvalidArgument, "limit must be between 1 and 500.")
                        .WithField("limit", "out_of_range", "1 to 500"));
      }
    }
    RAPPORT_ASSIGN_OR_RETURN(auto events, sign_in.History(p, std::string(req.QueryParam("user").value_or("")), limit));
    json::array data;
    for (const auto& e : events) {
      data.push_back(json::object{{"id", e.id},
                                  {"user_id", e.user_id.empty() ? json::value(nullptr) : json::value(e.user_id)},
                                  {"email", e.email},
                                  {"ip", e.ip},
                                  {"user_agent", e.user_agent},
                                  {"occurred_at", e.occurred_at},
                                  {"result", e.result}});
    }
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("GET", "/api/v1/security/ip-allowlist", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto cidrs, sign_in.AllowList(p));
    json::array data;
    for (const auto& c : cidrs) data.emplace_back(c);
    return JsonReply(200, json::object{{"cidrs", std::move(data)}});
  }));
  router.Add("PUT", "/api/v1/security/ip-allowlist", "", Authed(services, [&sign_in](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"cidrs"}));
    auto it = o.find("cidrs");
    if (it == o.end() || !it->value().is_array()) {
      return Fail(Error(ErrorCode::kValidationFailed, "`cidrs` is required.")
                      .WithField("cidrs", "required", "An array of CIDR blocks (empty: any address)."));
    }
    std::vector<std::string> cidrs;
    for (const auto& c : it->value().get_array()) {
      if (!c.is_string()) {
        return Fail(Error(ErrorCode::kValidationFailed, "`cidrs` holds strings.")
                        .WithField("cidrs", "invalid_type", "An array of CIDR blocks."));
      }
      cidrs.emplace_back(c.get_string());
    }
    RAPPORT_ASSIGN_OR_RETURN(auto saved, sign_in.SetAllowList(p, std::move(cidrs), Client(req)));
    json::array data;
    for (const auto& c : saved) data.emplace_back(c);
    return JsonReply(200, json::object{{"cidrs", std::move(data)}});
  }));
}

}  // namespace rapport::http::api
