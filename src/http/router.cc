#include "http/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "http/problem.h"

namespace rapport::http {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" is no segments. Empty segments ("/a//b",
// "/a/") are kept so that they never silently match a shorter pattern.
template <typename Out>
void SplitPath(std::string_view path, Out& out) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return;
  for (;;) {
    size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
}

// The one place exceptions are caught for handlers: a handler (or a library it calls)
// that throws is a bug, but it must not take the connection or server down.
Response Run(const Handler& handler, std::string_view label, Request& request) {
  try {
    Result<Response> result = handler(request);
    if (!result) return ProblemResponse(result.error());
    return std::move(*result);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", request.method, label, e.what());
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-std exception", request.method, label);
  }
  return ProblemResponse(Error(ErrorCode::kInternal, "Internal error"));
}

}  // namespace

void Router::Add(std::string method, std::string pattern, std::string route_name, Handler handler) {
  Route route;
  std::vector<std::string_view> parts;
  SplitPath(pattern, parts);
  for (std::string_view part : parts) {
    Segment segment;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      segment.is_param = true;
      segment.text = part.substr(1, part.size() - 2);
    } else {
      segment.text = part;
    }
    route.segments.push_back(std::move(segment));
  }
  route.method = std::move(method);
  route.name = route_name.empty() ? pattern : std::move(route_name);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

void Router::SetFallback(std::string route_name, Handler handler) {
  fallback_name_ = std::move(route_name);
  fallback_ = std::move(handler);
}

bool Router::Matches(const Route& route, const std::vector<std::string_view>& path) {
  if (route.segments.size() != path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    const Segment& segment = route.segments[i];
    if (segment.is_param ? path[i].empty() : segment.text != path[i]) return false;
  }
  return true;
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
  }
  return false;
}

Response Router::Dispatch(Request& request) const {
  std::vector<std::string_view> path;
  if (!request.segments.empty()) {
    path.assign(request.segments.begin(), request.segments.end());
  } else {
    SplitPath(request.path, path);
  }

  const Route* best = nullptr;
  const Route* best_get = nullptr;  // HEAD falls back to the GET route
  bool path_matched = false;
  std::vector<std::string_view> allowed;
  for (const Route& route : routes_) {
    if (!Matches(route, path)) continue;
    path_matched = true;
    if (route.method == request.method) {
      if (best == nullptr || MoreSpecific(route, *best)) best = &route;
      continue;
    }
    if (route.method == "GET" && (best_get == nullptr || MoreSpecific(route, *best_get))) {
      best_get = &route;
    }
    if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
      allowed.push_back(route.method);
    }
  }
  if (best == nullptr && request.method == "HEAD") best = best_get;

  if (best == nullptr) {
    if (!path_matched && fallback_ && (request.method == "GET" || request.method == "HEAD")) {
      request.route_name = fallback_name_;
      request.params.clear();
      return Run(fallback_, fallback_name_, request);
    }
    request.route_name = kUnmatchedRoute;
    if (!path_matched) {
      return ProblemResponse(Error(ErrorCode::kNotFound, "No route for " + request.path));
    }
    Response response = MakeProblem(405, "method-not-allowed", "Method not allowed",
                                    "Method " + request.method + " is not allowed here");
    if (best_get != nullptr) allowed.push_back("HEAD");
    std::string allow;
    for (std::string_view method : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += method;
    }
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
  }

  request.route_name = best->name;
  request.params.clear();
  for (size_t i = 0; i < path.size(); ++i) {
    if (best->segments[i].is_param) {
      request.params.emplace_back(best->segments[i].text, std::string(path[i]));
    }
  }
  return Run(best->handler, best->pattern, request);
}

}  // namespace rapport::http
