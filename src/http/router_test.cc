#include "http/router.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

namespace rapport::http {
namespace {

Request Make(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

Handler Reply(std::string body) {
  return [body](Request&) -> Result<Response> { return Response::Json(200, body); };
}

TEST(RouterTest, BindsParams) {
  Router router;
  router.Add("GET", "/api/v1/objects/{object}/{id}", "", [](Request& request) -> Result<Response> {
    return Response::Json(
        200, std::string(request.Param("object")) + "/" + std::string(request.Param("id")));
  });
  Request request = Make("GET", "/api/v1/objects/contact/42");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "contact/42");
  EXPECT_EQ(request.route_name, "/api/v1/objects/{object}/{id}");
  EXPECT_EQ(request.Param("missing"), "");
}

TEST(RouterTest, SegmentsWinOverPath) {
  // The server passes decoded segments so an encoded "/" stays inside one parameter.
  Router router;
  router.Add("GET", "/files/{name}", "files", [](Request& request) -> Result<Response> {
    return Response::Json(200, std::string(request.Param("name")));
  });
  Request request = Make("GET", "/files/a/b");
  request.segments = {"files", "a/b"};
  EXPECT_EQ(router.Dispatch(request).body, "a/b");
  EXPECT_EQ(request.route_name, "files");
}

TEST(RouterTest, LiteralBeatsParamRegardlessOfOrder) {
  Router router;
  router.Add("GET", "/users/{id}", "", Reply("param"));
  router.Add("GET", "/users/me", "", Reply("literal"));
  router.Add("GET", "/users/{id}/posts", "", Reply("posts"));
  router.Add("GET", "/{any}/me/posts", "", Reply("any"));
  Request me = Make("GET", "/users/me");
  EXPECT_EQ(router.Dispatch(me).body, "literal");
  Request other = Make("GET", "/users/7");
  EXPECT_EQ(router.Dispatch(other).body, "param");
  // Leftmost difference decides: "users" (literal) beats "{any}".
  Request posts = Make("GET", "/users/me/posts");
  EXPECT_EQ(router.Dispatch(posts).body, "posts");
}

TEST(RouterTest, RootAndEmptySegments) {
  Router router;
  router.Add("GET", "/", "", Reply("root"));
  router.Add("GET", "/a/{x}", "", Reply("a"));
  Request root = Make("GET", "/");
  EXPECT_EQ(router.Dispatch(root).body, "root");
  Request empty_param = Make("GET", "/a/");
  EXPECT_EQ(router.Dispatch(empty_param).status, 404);
  Request too_long = Make("GET", "/a/b/c");
  EXPECT_EQ(router.Dispatch(too_long).status, 404);
}

TEST(RouterTest, UnknownPathIs404Problem) {
  Router router;
  router.Add("GET", "/healthz", "", Reply("ok"));
  Request request = Make("GET", "/nope");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(request.route_name, "unmatched");
  EXPECT_EQ(boost::json::parse(response.body).at("status").as_int64(), 404);
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/things/{id}", "", Reply("get"));
  router.Add("DELETE", "/things/{id}", "", Reply("delete"));
  router.Add("PATCH", "/things/{id}", "", Reply("patch"));
  router.Add("GET", "/things/{id}", "dup", Reply("dup"));
  Request request = Make("POST", "/things/1");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.content_type, "application/problem+json");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, DELETE, PATCH, HEAD");
}

TEST(RouterTest, HeadFallsBackToGet) {
  Router router;
  router.Add("GET", "/things/{id}", "", Reply("get"));
  router.Add("DELETE", "/things/{id}", "", Reply("delete"));
  Request head = Make("HEAD", "/things/1");
  EXPECT_EQ(router.Dispatch(head).body, "get");
  EXPECT_EQ(head.route_name, "/things/{id}");
  Request put = Make("PUT", "/things/1");
  Response response = router.Dispatch(put);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers[0].second, "GET, DELETE, HEAD");
}

TEST(RouterTest, FallbackAnswersUnmatchedGetAndHeadOnly) {
  Router router;
  router.Add("GET", "/healthz", "", Reply("ok"));
  router.Add("POST", "/things", "", Reply("created"));
  router.SetFallback("static", [](Request& request) -> Result<Response> {
    return Response::Json(200, "fallback " + request.path);
  });
  Request get = Make("GET", "/objects/companies");
  EXPECT_EQ(router.Dispatch(get).body, "fallback /objects/companies");
  EXPECT_EQ(get.route_name, "static");
  Request head = Make("HEAD", "/");
  EXPECT_EQ(router.Dispatch(head).body, "fallback /");
  // Routes still win, and a path with a route keeps its 405.
  Request health = Make("GET", "/healthz");
  EXPECT_EQ(router.Dispatch(health).body, "ok");
  Request wrong_method = Make("GET", "/things");
  EXPECT_EQ(router.Dispatch(wrong_method).status, 405);
  // Other methods on unknown paths keep the 404 problem.
  Request post = Make("POST", "/objects/companies");
  Response response = router.Dispatch(post);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(post.route_name, "unmatched");
}

TEST(RouterTest, FallbackErrorsAndExceptionsBecomeProblems) {
  Router router;
  router.SetFallback("static", [](Request& request) -> Result<Response> {
    if (request.path == "/boom") throw std::runtime_error("secret detail");
    return Fail(ErrorCode::kNotFound, "No file at " + request.path);
  });
  Request missing = Make("GET", "/missing.js");
  Response response = router.Dispatch(missing);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  Request boom = Make("GET", "/boom");
  response = router.Dispatch(boom);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
}

TEST(RouterTest, HandlerErrorBecomesProblem) {
  Router router;
  router.Add("POST", "/contacts", "", [](Request&) -> Result<Response> {
    return Fail(Error(ErrorCode::kValidationFailed, "Invalid contact")
                    .WithField("email", "required", "Email is required"));
  });
  Request request = Make("POST", "/contacts");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  boost::json::value body = boost::json::parse(response.body);
  EXPECT_EQ(body.at("errors").as_array()[0].at("field").as_string(), "email");
}

TEST(RouterTest, ExceptionBecomes500) {
  Router router;
  router.Add("GET", "/boom", "",
             [](Request&) -> Result<Response> { throw std::runtime_error("secret detail"); });
  Request request = Make("GET", "/boom");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
}

TEST(RequestTest, HeaderLookupIsCaseInsensitive) {
  Request request;
  request.headers = {{"Content-Type", "application/json"}, {"X-Id", "1"}, {"x-id", "2"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-ID"), "1");
  EXPECT_FALSE(request.Header("accept"));
  request.query = {{"q", "a b"}, {"q", "c"}, {"flag", ""}};
  EXPECT_EQ(request.QueryParam("q"), "a b");
  EXPECT_EQ(request.QueryParam("flag"), "");
  EXPECT_FALSE(request.QueryParam("Q"));
}

}  // namespace
}  // namespace rapport::http
