// The only translation unit of rapport_http that includes Beast/Asio (they are slow
// to compile); everything Beast-shaped is converted to Request/Response here.
#include "http/server.h"
#include "http/rate_limiter.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "http/problem.h"
#include "logging/logging.h"

namespace rapport::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// Errors come back as values (no exceptions on the I/O path).
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
// A lingering close reads (and drops) at most this much, for at most this long, so the
// peer sees our error response instead of a reset.
constexpr size_t kLingerBytes = 1 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);

using TlsStream = beast::ssl_stream<beast::tcp_stream&>;

struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;  // timeouts and the socket, with or without TLS on top
  std::unique_ptr<TlsStream> tls;  // set when serving HTTPS, after the handshake
  bool idle = false;  // waiting for a new request; only touched on the connection's strand
};

// TLS 1.2 and 1.3 only, with forward-secret AEAD suites for 1.2 (Mozilla's
// "intermediate" profile); TLS 1.3 suites are OpenSSL's defaults, all modern.
Result<std::unique_ptr<asio::ssl::context>> MakeTlsContext(const std::string& cert_file, const std::string& key_file) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                       ec);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(context->native_handle(),
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_options(context->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (context->use_certificate_chain_file(cert_file, ec)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("Cannot load the TLS certificate {}: {}", cert_file, ec.message()));
  }
  if (context->use_private_key_file(key_file, asio::ssl::context::pem, ec)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("Cannot load the TLS key {}: {}", key_file, ec.message()));
  }
  return context;
}

// Minimal facts about a request for the access log and metrics, available even when
// the request could not be fully parsed.
struct RequestInfo {
  std::string method = "-";
  std::string log_path = "-";  // raw (still encoded) path without the query
  std::string route = "invalid";
  std::string remote;      // peer address, for the access log
  std::string request_id;  // the client's X-Request-Id, if it sent a loggable one
};

// A client-chosen X-Request-Id goes into the access log only if it is short printable
// ASCII: it is the client's text in our log, so it must not forge or bloat lines.
std::string LoggableRequestId(std::string_view id) {
  if (id.size() > 128) return {};
  for (char c : id) {
    if (c < 0x21 || c > 0x7E) return {};
  }
  return std::string(id);
}

void LogCoroutineException(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("http: connection task failed: {}", e.what());
  } catch (...) {
    spdlog::error("http: connection task failed with a non-std exception");
  }
}

bool IsSafeHeaderText(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Headers the server computes itself; a handler setting them would corrupt framing.
bool IsReservedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Content-Type");
}

// A response whose body is streamed (`body_source`) goes out with chunked transfer
// encoding; ToBeast then sets no Content-Length.
BeastResponse ToBeast(Response&& response, unsigned version, bool keep_alive, const HeaderList& defaults = {}) {
  BeastResponse out;
  out.version(version);
  int status = response.status;
  if (status < 100 || status > 999) status = 500;
  out.result(static_cast<unsigned>(status));
  out.set(bhttp::field::server, "rapport");
  const bool no_body = status < 200 || status == 204 || status == 304;
  if (!response.content_type.empty() && !no_body && IsSafeHeaderText(response.content_type)) {
    out.set(bhttp::field::content_type, response.content_type);
  }
  for (auto& [name, value] : response.headers) {
    if (name.empty() || !IsSafeHeaderText(name) || !IsSafeHeaderText(value) ||
        IsReservedHeader(name)) {
      spdlog::warn("http: dropping unsafe or reserved response header '{}'", name);
      continue;
    }
    out.insert(name, value);
  }
  for (const auto& [name, value] : defaults) {
    if (out.find(name) == out.end()) out.set(name, value);
  }
  if (!no_body && response.body_source) {
    if (version >= 11) out.chunked(true);  // HTTP/1.0: the body ends when the connection does
  } else if (!no_body) {
    out.content_length(response.body.size());
    out.body() = std::move(response.body);
  }
  out.keep_alive(keep_alive);
  return out;
}

// Converts a parsed Beast request; a malformed target is kInvalidArgument.
Result<Request> BuildRequest(BeastRequest&& message, const std::string& remote) {
  Request request;
  request.method = message.method_string();
  request.target = message.target();
  boost::system::result<boost::urls::url_view> parsed =
      boost::urls::parse_origin_form(request.target);
  if (!parsed) {
    return Fail(ErrorCode::kInvalidArgument, "Malformed request target");
  }
  const boost::urls::url_view& url = *parsed;
  request.path = url.path();
  for (std::string segment : url.segments()) request.segments.push_back(std::move(segment));
  for (auto param : url.params()) {
    request.query.emplace_back(std::move(param.key),
                               param.has_value ? std::move(param.value) : std::string());
  }
  request.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.emplace_back(field.name_string(), field.value());
  }
  request.body = std::move(message.body());
  request.remote_address = remote;
  return request;
}

std::string_view RawPath(std::string_view target) { return target.substr(0, target.find('?')); }

bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions server_options, const Router& server_router, Metrics& server_metrics)
      : options(std::move(server_options)),
        router(server_router),
        metrics(server_metrics),
        ioc(std::max(1, options.threads)),
        acceptor(asio::make_strand(ioc)),
        control(asio::make_strand(ioc)),
        shutdown_timer(control),
        signals(control) {
    if (options.write_threads > 0) {
      write_pool = std::make_unique<asio::thread_pool>(static_cast<size_t>(options.write_threads));
    }
    if (options.rate_limit > 0) {
      limiter = std::make_unique<RateLimiter>(options.rate_limit, std::max(options.rate_burst, options.rate_limit));
    }
  }

  // Whose bucket a request draws from: its address. (Not a credential named in the
  // request: that is checked only later, so a made-up token id would get a fresh
  // bucket per request, and a known one could drain its owner's.)
  static std::string RateKey(const Request& request) {
    std::string_view remote = request.remote_address;
    return std::string(remote.substr(0, remote.rfind(':')));
  }

  static bool IsWrite(std::string_view method) {
    return method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE";
  }

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(std::shared_ptr<Connection> connection);
  // The request loop over plain TCP or TLS.
  template <class Stream>
  asio::awaitable<void> ServeOn(std::shared_ptr<Connection> connection, Stream& io);
  // Writes one response; returns false if the connection is broken.
  // With `head_only` (HEAD requests) only the header goes out, Content-Length included.
  template <class Stream>
  asio::awaitable<bool> Send(Connection& connection, Stream& io, Response response, unsigned version,
                             bool keep_alive, bool head_only, const RequestInfo& info,
                             Clock::time_point start);
  // The header, then each piece of `source` as a chunk (a streamed body).
  template <class Stream>
  asio::awaitable<bool> SendChunks(Connection& connection, Stream& io, BeastResponse& message, bool head_only,
                                   bool chunked, const std::function<Result<std::string>()>& source,
                                   size_t& sent);
  // One access log line (when enabled): method, path, status, body bytes, duration.
  void LogAccess(const RequestInfo& info, int status, size_t bytes, double seconds);
  asio::awaitable<void> LingeringClose(Connection& connection);
  void Unregister(const std::shared_ptr<Connection>& connection);
  void BeginShutdown();  // on `control`

  ServerOptions options;
  const Router& router;
  Metrics& metrics;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::strand<asio::io_context::executor_type> control;  // shutdown state + signals
  asio::steady_timer shutdown_timer;
  asio::signal_set signals;
  std::atomic<bool> stopping{false};
  std::atomic<uint16_t> bound_port{0};
  std::unique_ptr<asio::thread_pool> write_pool;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<asio::ssl::context> tls_context;  // set by Listen() when serving HTTPS

  std::mutex connections_mu;
  std::unordered_set<std::shared_ptr<Connection>> connections;
};

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kNoThrow);
    if (stopping.load()) {
      boost::system::error_code ignored;
      socket.close(ignored);
      co_return;
    }
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
      // Transient (e.g. EMFILE): keep serving the connections we have, retry shortly.
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer backoff(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    auto connection = std::make_shared<Connection>(std::move(socket));
    {
      std::lock_guard lock(connections_mu);
      connections.insert(connection);
    }
    asio::co_spawn(connection->stream.get_executor(), Serve(connection), LogCoroutineException);
  }
}

void Server::Impl::Unregister(const std::shared_ptr<Connection>& connection) {
  bool last = false;
  {
    std::lock_guard lock(connections_mu);
    connections.erase(connection);
    last = connections.empty();
  }
  if (last && stopping.load()) {
    asio::post(control, [this] { shutdown_timer.cancel(); });
  }
}

asio::awaitable<void> Server::Impl::LingeringClose(Connection& connection) {
  beast::tcp_stream& stream = connection.stream;
  boost::system::error_code ignored;
  if (connection.tls) {
    // TLS says goodbye with close_notify before the socket goes.
    stream.expires_after(kLingerTime);
    auto [shutdown_ec] = co_await connection.tls->async_shutdown(kNoThrow);
    (void)shutdown_ec;
    stream.socket().close(ignored);
    co_return;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTime);
  std::vector<char> discard(kReadChunk);
  size_t total = 0;
  while (total < kLingerBytes) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(discard), kNoThrow);
    if (ec) break;
    total += n;
  }
  stream.socket().close(ignored);
}

template <class Stream>
asio::awaitable<bool> Server::Impl::Send(Connection& connection, Stream& io, Response response,
                                         unsigned version, bool keep_alive, bool head_only,
                                         const RequestInfo& info, Clock::time_point start) {
  // A streamed body: chunks on HTTP/1.1; on HTTP/1.0, which has none, the raw bytes
  // with the end of the body marked by closing the connection. Either way memory stays
  // flat. A HEAD request gets the header only, without running the source.
  std::function<Result<std::string>()> source;
  if (response.body_source && response.status >= 200 && response.status < 300 && response.status != 204) {
    source = std::move(response.body_source);
    if (version < 11) keep_alive = false;
  }
  response.body_source = nullptr;
  if (source) response.body_source = source;  // marks the message as streamed for ToBeast
  BeastResponse message;
  try {
    message = ToBeast(std::move(response), version, keep_alive, options.default_headers);
  } catch (const std::exception& e) {
    // Beast rejects oversized header names/values by throwing; answer 500 instead.
    spdlog::error("http: cannot serialise response: {}", e.what());
    message = ToBeast(ProblemResponse(Error(ErrorCode::kInternal, "Internal error")), version,
                      keep_alive);
  }
  const int status = static_cast<int>(message.result_int());
  // Recorded before the write so that a client that has seen the response also sees it
  // counted; the duration covers reading the body and handling, not the final write.
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  metrics.Record(info.route, info.method, status, seconds);
  const bool streamed = source && status >= 200 && status < 300;
  // A streamed body's size is known only at its end, so its line is logged then (with
  // the time the whole transfer took).
  if (!streamed) LogAccess(info, status, head_only ? 0 : message.body().size(), seconds);
  connection.stream.expires_after(std::chrono::seconds(options.read_timeout_s));
  if (streamed) {
    size_t sent = 0;
    bool ok = co_await SendChunks(connection, io, message, head_only, version >= 11, source, sent);
    LogAccess(info, status, sent, std::chrono::duration<double>(Clock::now() - start).count());
    co_return ok;
  }
  if (head_only) {
    bhttp::response_serializer<bhttp::string_body> serializer(message);
    auto [ec, written] =
        co_await bhttp::async_write_header(io, serializer, kNoThrow);
    (void)written;
    co_return !ec;
  }
  auto [ec, written] = co_await bhttp::async_write(io, message, kNoThrow);
  (void)written;
  co_return !ec;
}

template <class Stream>
asio::awaitable<bool> Server::Impl::SendChunks(Connection& connection, Stream& io, BeastResponse& message,
                                               bool head_only, bool chunked,
                                               const std::function<Result<std::string>()>& source,
                                               size_t& sent) {
  bhttp::response_serializer<bhttp::string_body> serializer(message);
  auto [ec, written] = co_await bhttp::async_write_header(io, serializer, kNoThrow);
  (void)written;
  if (ec || head_only) co_return !ec;
  for (;;) {
    Result<std::string> piece = Fail(ErrorCode::kInternal, "no piece");
    try {
      piece = source();
    } catch (const std::exception& e) {
      piece = Fail(Error(ErrorCode::kInternal, "Internal error").WithInternal(e.what()));
    }
    if (!piece) {
      // The status is already sent: all that is left is to not end the body properly.
      spdlog::error("http: streamed body failed midway: {}", piece.error().ToString());
      co_return false;
    }
    connection.stream.expires_after(std::chrono::seconds(options.read_timeout_s));
    if (piece->empty()) {
      if (!chunked) co_return false;  // HTTP/1.0: closing the connection ends the body
      auto [last_ec, n] = co_await asio::async_write(io, bhttp::make_chunk_last(), kNoThrow);
      (void)n;
      co_return !last_ec;
    }
    auto [chunk_ec, n] = chunked ? co_await asio::async_write(io, bhttp::make_chunk(asio::buffer(*piece)), kNoThrow)
                                 : co_await asio::async_write(io, asio::buffer(*piece), kNoThrow);
    (void)n;
    if (chunk_ec) co_return false;
    sent += piece->size();
  }
}

void Server::Impl::LogAccess(const RequestInfo& info, int status, size_t bytes, double seconds) {
  if (!options.access_log) return;
  if (logging::CurrentFormat() == logging::Format::kJson) {
    // Fields rather than one formatted message, so collectors need no parsing.
    const double ms = std::round(seconds * 1e6) / 1e3;
    logging::Log(spdlog::level::info, "request",
                 {{"method", info.method}, {"path", info.log_path}, {"route", info.route},
                  {"status", status}, {"bytes", bytes}, {"ms", ms}, {"remote", info.remote},
                  logging::Field::UnlessEmpty("request_id", info.request_id)});
  } else {
    // The established text line: method path status bytes ms remote.
    spdlog::info("{} {} {} {} {:.3f} {}", info.method, info.log_path, status, bytes, seconds * 1e3, info.remote);
  }
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Connection> connection) {
  // Unregisters even if something below throws (the frame is destroyed either way), so
  // that a drained shutdown never waits for a connection that is already gone.
  struct UnregisterOnExit {
    Impl* impl;
    const std::shared_ptr<Connection>& connection;
    ~UnregisterOnExit() { impl->Unregister(connection); }
  } unregister_on_exit{this, connection};
  if (!tls_context) {
    co_await ServeOn(connection, connection->stream);
    co_return;
  }
  connection->tls = std::make_unique<TlsStream>(connection->stream, *tls_context);
  connection->stream.expires_after(std::chrono::seconds(options.read_timeout_s));
  auto [handshake_ec] = co_await connection->tls->async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (handshake_ec) {
    // Plain HTTP, an old protocol version, or no shared cipher: nothing to answer.
    boost::system::error_code ignored;
    connection->stream.socket().close(ignored);
    co_return;
  }
  co_await ServeOn(connection, *connection->tls);
}

template <class Stream>
asio::awaitable<void> Server::Impl::ServeOn(std::shared_ptr<Connection> connection, Stream& io) {
  beast::tcp_stream& stream = connection->stream;
  boost::system::error_code ec;
  stream.socket().set_option(tcp::no_delay(true), ec);
  tcp::endpoint peer = stream.socket().remote_endpoint(ec);
  const std::string remote =
      ec ? std::string("-") : fmt::format("{}:{}", peer.address().to_string(), peer.port());
  beast::flat_buffer buffer;
  bool linger = false;

  for (;;) {
    // Between requests: wait for the first byte under the idle timeout. Stop() cancels
    // this wait (and only this one) to close idle keep-alive connections.
    if (buffer.size() == 0) {
      if (stopping.load()) break;
      connection->idle = true;
      stream.expires_after(std::chrono::seconds(options.idle_timeout_s));
      auto [read_ec, n] = co_await io.async_read_some(buffer.prepare(kReadChunk), kNoThrow);
      connection->idle = false;
      if (read_ec) break;  // peer closed, idle timeout, or Stop()
      buffer.commit(n);
    }

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.body_limit);
    stream.expires_after(std::chrono::seconds(options.read_timeout_s));
    auto [header_ec, header_bytes] =
        co_await bhttp::async_read_header(io, buffer, parser, kNoThrow);
    (void)header_bytes;
    Clock::time_point start = Clock::now();
    RequestInfo info;
    info.remote = remote;
    ec = header_ec;
    if (!ec) {
      info.method = parser.get().method_string();
      info.log_path = RawPath(parser.get().target());
      info.request_id = LoggableRequestId(parser.get()["X-Request-Id"]);
      if (EqualsIgnoreCase(parser.get()[bhttp::field::expect], "100-continue") &&
          !parser.is_done()) {
        // The body is within limits (checked with the header); tell the client to send it.
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [write_ec, w] = co_await asio::async_write(io, asio::buffer(kContinue), kNoThrow);
        (void)w;
        if (write_ec) break;
      }
      auto [body_ec, body_bytes] = co_await bhttp::async_read(io, buffer, parser, kNoThrow);
      (void)body_bytes;
      ec = body_ec;
    }
    if (ec) {
      // The connection cannot be resynchronised after a bad or oversized message:
      // answer if it is the client's fault, then close.
      std::optional<Response> problem;
      if (ec == bhttp::error::body_limit) {
        problem = ProblemResponse(
            Error(ErrorCode::kPayloadTooLarge,
                  fmt::format("Request body exceeds the limit of {} bytes", options.body_limit)));
      } else if (ec == bhttp::error::header_limit) {
        problem = MakeProblem(431, "header-too-large", "Request header fields too large",
                              "Request header exceeds the size limit");
      } else if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
                 ec != bhttp::error::partial_message) {
        problem = ProblemResponse(Error(ErrorCode::kInvalidArgument,
                                        fmt::format("Malformed HTTP request: {}", ec.message())));
      }
      if (problem) {
        co_await Send(*connection, io, std::move(*problem), 11, false, false, info, start);
        linger = true;
      }
      break;
    }

    BeastRequest message = parser.release();
    const unsigned version = message.version();
    bool keep_alive = message.keep_alive();
    const bool head_only = message.method() == bhttp::verb::head;
    Response response;
    Result<Request> request = BuildRequest(std::move(message), remote);
    std::optional<int> wait;
    if (request && limiter && request->path.starts_with("/api/")) {
      wait = limiter->Take(RateKey(*request), SystemClock::Instance().Now());
    }
    if (!request) {
      response = ProblemResponse(request.error());
    } else if (wait) {
      response = ProblemResponse(Error(ErrorCode::kResourceExhausted, "Too many requests; slow down.")
                                     .WithRetryAfter(*wait));
      info.route = "rate_limited";
    } else {
      if (write_pool && IsWrite(request->method)) {
        // Hop to the write pool and back: the coroutine resumes on its own strand.
        Request& req = *request;
        response = co_await asio::co_spawn(
            write_pool->get_executor(),
            [this, &req]() -> asio::awaitable<Response> { co_return router.Dispatch(req); },
            asio::use_awaitable);
      } else {
        response = router.Dispatch(*request);
      }
      info.route = request->route_name;
    }
    // Checked after the handler so that a request in flight during Stop() is answered
    // with "Connection: close".
    if (stopping.load()) keep_alive = false;
    if (!co_await Send(*connection, io, std::move(response), version, keep_alive, head_only, info,
                       start)) {
      break;
    }
    if (!keep_alive) {
      linger = true;
      break;
    }
  }

  if (linger) {
    co_await LingeringClose(*connection);
  } else {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }
}

void Server::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  spdlog::info("http: stopping; draining in-flight requests");
  asio::post(acceptor.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor.close(ignored);
  });
  boost::system::error_code ignored;
  signals.cancel(ignored);

  std::vector<std::shared_ptr<Connection>> snapshot;
  {
    std::lock_guard lock(connections_mu);
    snapshot.assign(connections.begin(), connections.end());
  }
  if (snapshot.empty()) return;
  for (const auto& connection : snapshot) {
    asio::post(connection->stream.get_executor(), [connection] {
      if (connection->idle) connection->stream.cancel();
    });
  }
  // Unregister() cancels this timer when the last connection is gone; if it fires,
  // whatever is still open is closed so that Run() can return.
  shutdown_timer.expires_after(std::chrono::seconds(options.shutdown_timeout_s));
  shutdown_timer.async_wait([this](boost::system::error_code wait_ec) {
    if (wait_ec) return;
    std::vector<std::shared_ptr<Connection>> remaining;
    {
      std::lock_guard lock(connections_mu);
      remaining.assign(connections.begin(), connections.end());
    }
    spdlog::warn("http: shutdown timeout; closing {} connection(s)", remaining.size());
    for (const auto& connection : remaining) {
      asio::post(connection->stream.get_executor(), [connection] {
        boost::system::error_code close_ec;
        connection->stream.socket().close(close_ec);
      });
    }
  });
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() = default;

Status Server::Listen() {
  if (!impl_->options.tls_cert_file.empty() || !impl_->options.tls_key_file.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(impl_->tls_context,
                             MakeTlsContext(impl_->options.tls_cert_file, impl_->options.tls_key_file));
  }
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Invalid listen address '{}'", impl_->options.address));
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  auto fail = [&](std::string_view step) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Fail(ErrorCode::kUnavailable,
                fmt::format("Cannot {} {}:{}: {}", step, impl_->options.address,
                            impl_->options.port, ec.message()));
  };
  if (acceptor.open(endpoint.protocol(), ec)) return fail("open socket for");
  // Lets a restarted server rebind while old connections sit in TIME_WAIT; on Linux it
  // does not allow two listeners on one port, so a taken port still fails below.
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec)) return fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen on");
  impl_->bound_port = acceptor.local_endpoint(ec).port();
  return Ok();
}

uint16_t Server::port() const { return impl_->bound_port.load(); }

void Server::Run() {
  RAPPORT_CHECK(impl_->acceptor.is_open() || impl_->stopping.load(), "Run() before Listen()");
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->AcceptLoop(), LogCoroutineException);
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.threads; ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (std::thread& thread : threads) thread.join();
  if (impl_->write_pool) impl_->write_pool->join();
}

void Server::Stop() {
  asio::post(impl_->control, [impl = impl_.get()] { impl->BeginShutdown(); });
}

void Server::StopOnSignals() {
  // Armed synchronously so that a signal arriving right after this call is ours (not the
  // default action). Runs before Run(), so nothing else touches `signals` yet; a Stop()
  // posted earlier still cancels it once Run() starts.
  boost::system::error_code ec;
  impl_->signals.add(SIGINT, ec);
  impl_->signals.add(SIGTERM, ec);
  if (ec) spdlog::warn("http: cannot install signal handlers: {}", ec.message());
  impl_->signals.async_wait(
      [impl = impl_.get()](boost::system::error_code wait_ec, int signal_number) {
        if (wait_ec) return;
        spdlog::info("http: received signal {}", signal_number);
        impl->BeginShutdown();
      });
}

}  // namespace rapport::http
