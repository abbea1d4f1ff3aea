#include "http/server.h"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "http/json.h"
#include "support/http_client.h"

namespace rapport::http {
namespace {

using ::rapport::testing::HttpClient;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/healthz", "",
                [](Request&) -> Result<Response> { return Response::Json(200, R"({"ok":true})"); });
    router_.Add("POST", "/echo/{name}", "", [](Request& request) -> Result<Response> {
      RAPPORT_ASSIGN_OR_RETURN(boost::json::value body, ParseJsonBody(request));
      boost::json::object out;
      out["name"] = request.Param("name");
      out["body"] = body;
      out["q"] = request.QueryParam("q").value_or("-");
      Response response = Response::Json(201, SerializeJson(out));
      response.headers.emplace_back("X-Echo", "yes");
      return response;
    });
    router_.Add("GET", "/slow", "", [this](Request&) -> Result<Response> {
      slow_entered_ = true;
      std::this_thread::sleep_for(400ms);
      return Response::Json(200, R"({"slow":true})");
    });
    router_.Add("DELETE", "/things/{id}", "",
                [](Request&) -> Result<Response> { return Response::NoContent(); });
  }

  void Start(ServerOptions options = {}, bool stop_on_signals = false) {
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<Server>(options, router_, metrics_);
    Status listening = server_->Listen();
    ASSERT_TRUE(listening) << listening.error().ToString();
    ASSERT_NE(server_->port(), 0);
    if (stop_on_signals) server_->StopOnSignals();
    thread_ = std::thread([this] { server_->Run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  Router router_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<bool> slow_entered_{false};
};

TEST_F(ServerTest, GetAndPostRoundTrip) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  HttpClient::Reply get = client.Send("GET", "/healthz");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, R"({"ok":true})");
  EXPECT_EQ(get.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(get.Header("server"), "rapport");
  EXPECT_EQ(get.Header("content-length"), "11");

  HttpClient::Reply post = client.Send("POST", "/echo/a%20b?q=x%26y", R"({"n":1})");
  EXPECT_EQ(post.status, 201);
  EXPECT_EQ(post.Header("x-echo"), "yes");
  boost::json::value body = boost::json::parse(post.body);
  EXPECT_EQ(body.at("name").as_string(), "a b");
  EXPECT_EQ(body.at("q").as_string(), "x&y");
  EXPECT_EQ(body.at("body").at("n").as_int64(), 1);

  HttpClient::Reply deleted = client.Send("DELETE", "/things/1");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
}

TEST_F(ServerTest, HeadRunsGetRouteWithoutBody) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  HttpClient::Reply head = client.Send("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("content-length"), "11");
  // The connection stays usable (no stray body bytes).
  HttpClient::Reply get = client.Send("GET", "/healthz");
  EXPECT_EQ(get.body, R"({"ok":true})");
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client.Send("GET", "/healthz").status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  std::string raw = client.SendRaw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t first = raw.find("HTTP/1.1 200");
  size_t second = raw.find("HTTP/1.1 404");
  size_t third = raw.find("HTTP/1.1 200", second);
  ASSERT_NE(first, std::string::npos) << raw;
  ASSERT_NE(second, std::string::npos) << raw;
  ASSERT_NE(third, std::string::npos) << raw;
  EXPECT_LT(first, second);
}

TEST_F(ServerTest, UnsupportedMediaTypeAndMalformedJson) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  HttpClient::Reply wrong_type =
      client.Send("POST", "/echo/x", "a=1", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(wrong_type.Header("content-type"), "application/problem+json");
  HttpClient::Reply malformed = client.Send("POST", "/echo/x", "{\"a\":");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.body, HasSubstr("Malformed JSON"));
}

TEST_F(ServerTest, BodyOverLimitIs413) {
  ServerOptions options;
  options.body_limit = 1024;
  Start(options);
  HttpClient client("127.0.0.1", server_->port());
  HttpClient::Reply reply = client.Send("POST", "/echo/x", std::string(4096, ' '));
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
  EXPECT_EQ(boost::json::parse(reply.body).at("type").as_string(),
            "https://rapport.dev/errors/payload-too-large");
  // A declared Content-Length over the limit is refused before any body is sent.
  std::string raw = client.SendRaw(
      "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 999999999\r\n\r\n");
  EXPECT_THAT(raw, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(raw, HasSubstr("application/problem+json"));
  // The client reconnects and carries on.
  EXPECT_EQ(client.Send("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, MalformedRequestLineIs400) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  std::string raw = client.SendRaw("GARBAGE\r\n\r\n");
  EXPECT_THAT(raw, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(raw, HasSubstr("application/problem+json"));
  EXPECT_THAT(raw, HasSubstr("Connection: close"));
  std::string bad_target = client.SendRaw("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(bad_target, HasSubstr("HTTP/1.1 400"));
}

TEST_F(ServerTest, UnknownRouteIs404Problem) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  HttpClient::Reply reply = client.Send("GET", "/no/such/thing");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
  EXPECT_EQ(boost::json::parse(reply.body).at("status").as_int64(), 404);
  HttpClient::Reply wrong_method = client.Send("PUT", "/healthz");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.Header("allow"), "GET, HEAD");
}

TEST_F(ServerTest, StopLetsInFlightRequestFinish) {
  Start();
  HttpClient idle_client("127.0.0.1", server_->port());
  ASSERT_EQ(idle_client.Send("GET", "/healthz").status, 200);  // leaves an idle keep-alive

  HttpClient::Reply slow_reply;
  std::thread slow([&] {
    HttpClient client("127.0.0.1", server_->port());
    slow_reply = client.Send("GET", "/slow");
  });
  while (!slow_entered_) std::this_thread::sleep_for(1ms);
  auto stop_started = std::chrono::steady_clock::now();
  server_->Stop();
  slow.join();
  thread_.join();  // Run() returns once drained, well before the 10 s bound
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 5s);
  EXPECT_EQ(slow_reply.status, 200);
  EXPECT_EQ(slow_reply.body, R"({"slow":true})");
  EXPECT_EQ(slow_reply.Header("connection"), "close");
  // The server is gone: the idle connection was closed and nothing accepts.
  EXPECT_EQ(idle_client.Send("GET", "/healthz").status, 0);
}

TEST_F(ServerTest, IdleKeepAliveConnectionTimesOut) {
  ServerOptions options;
  options.idle_timeout_s = 1;
  Start(options);
  HttpClient client("127.0.0.1", server_->port());
  auto started = std::chrono::steady_clock::now();
  // Keep-alive request, then silence: the server answers, then closes after ~1 s idle.
  std::string raw = client.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                   /*half_close=*/false);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_THAT(raw, HasSubstr("HTTP/1.1 200"));
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(ServerTest, SlowHeaderTimesOut) {
  ServerOptions options;
  options.read_timeout_s = 1;
  Start(options);
  HttpClient client("127.0.0.1", server_->port());
  auto started = std::chrono::steady_clock::now();
  std::string raw = client.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n", /*half_close=*/false);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(raw, "");
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(ServerTest, ExpectContinueGetsBodyThrough) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  HttpClient::Reply reply =
      client.Send("POST", "/echo/c", R"({"big":true})", {{"Expect", "100-continue"}});
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("\"big\":true"));
}

TEST_F(ServerTest, SigtermStopsServer) {
  Start({}, /*stop_on_signals=*/true);
  HttpClient client("127.0.0.1", server_->port());
  ASSERT_EQ(client.Send("GET", "/healthz").status, 200);
  std::raise(SIGTERM);
  thread_.join();  // Run() returns
  EXPECT_EQ(client.Send("GET", "/healthz").status, 0);
}

TEST_F(ServerTest, PortInUseIsUnavailable) {
  Start();
  ServerOptions options;
  options.port = server_->port();
  Server second(options, router_, metrics_);
  Status status = second.Listen();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kUnavailable);
}

TEST_F(ServerTest, MetricsCountRequests) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client.Send("GET", "/healthz").status, 200);
  ASSERT_EQ(client.Send("GET", "/missing").status, 404);
  std::string text = metrics_.RenderPrometheus();
  EXPECT_THAT(
      text,
      HasSubstr(
          "rapport_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 3\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "rapport_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("rapport_http_request_duration_seconds_count{route=\"/healthz\"} 3\n"));
}

}  // namespace
}  // namespace rapport::http
