// Maps (method, path) to handlers. Patterns are "/"-separated segments where "{name}"
// matches any one non-empty segment and binds it as a route parameter; anything else
// must match literally. When several patterns match, the one whose first differing
// segment is literal wins ("/objects/me" beats "/objects/{id}").
//
// Thread-safety: Add() and SetFallback() are for startup only; Dispatch() is const and
// safe to call from any number of threads once routes are added.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "http/request.h"

namespace rapport::http {

using Handler = std::function<Result<Response>(Request&)>;

inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class Router {
 public:
  // Registers `handler` for `method` (exact, case-sensitive, e.g. "GET") on `pattern`.
  // `route_name` labels the route in metrics/logs; empty means "use the pattern".
  void Add(std::string method, std::string pattern, std::string route_name, Handler handler);

  // Runs `handler` (labelled `route_name`) for a GET or HEAD whose path no route
  // matches, instead of answering 404: how the web app is served beside the API.
  void SetFallback(std::string route_name, Handler handler);

  // Finds the route, fills request.params and request.route_name, and runs the handler.
  // HEAD without a HEAD route runs the GET route (the server then sends headers only).
  // Never throws: no path match -> the fallback for GET/HEAD if set, else 404 problem
  // (route_name "unmatched"); path match without the method -> 405 problem with Allow;
  // a handler Error -> ProblemResponse; a handler exception -> logged, 500 problem.
  Response Dispatch(Request& request) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::string name;
    std::vector<Segment> segments;
    Handler handler;
  };

  static bool Matches(const Route& route, const std::vector<std::string_view>& path);
  // True if `a` is strictly more specific than `b` (both match the same path).
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
  std::string fallback_name_;
  Handler fallback_;  // empty: none
};

}  // namespace rapport::http
