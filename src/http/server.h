// HTTP/1.1 server (Boost.Beast underneath, hidden behind a pimpl so that including this
// header stays cheap). Keep-alive and pipelining-safe: requests on one connection are
// answered strictly in order, one at a time.
//
// Handlers run on the server's I/O threads: a handler that blocks holds one of
// `threads` threads (and its connection) for that long.
//
// Thread-safety: Listen() then Run() from one thread; Stop() and port() from any
// thread. The Router and Metrics must outlive the Server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"
#include "http/metrics.h"
#include "http/router.h"

namespace rapport::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;         // 0 picks a free port; see Server::port()
  int threads = 2;              // I/O threads that Run() uses (including the caller's)
  size_t body_limit = 8 << 20;  // larger bodies get 413 before they are read
  int read_timeout_s = 30;      // to read one request's header and body once it starts
  int idle_timeout_s = 60;      // between requests on a keep-alive connection
  int shutdown_timeout_s = 10;  // Stop() waits this long for in-flight requests
  bool access_log = true;       // one spdlog info line per request
  // Requests that change data (POST, PATCH, PUT, DELETE) run on a pool of this many
  // threads instead of the I/O threads (0: on the I/O threads). Writes spend most of
  // their time waiting for a commit; with more of them in flight, concurrent writes
  // share commits (group commit) while reads keep the I/O threads to themselves.
  int write_threads = 0;
  // Sent with every response unless the handler set the same header (security
  // headers: CSP, X-Content-Type-Options, Referrer-Policy, frame-ancestors, HSTS).
  HeaderList default_headers;
  // Requests per second per client address, with bursts of rate_burst; over it, 429
  // with Retry-After before any handler runs. 0: no limit.
  double rate_limit = 0;
  double rate_burst = 0;
  // HTTPS when both are set (PEM files: the certificate chain and its private key).
  std::string tls_cert_file;
  std::string tls_key_file;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. kUnavailable if the address/port cannot be bound (e.g. taken),
  // kInvalidArgument for an unparsable address.
  Status Listen();

  // The bound port (useful with port 0); 0 before a successful Listen().
  uint16_t port() const;

  // Serves on `threads` threads (this one included) until Stop() has drained. Call once,
  // after a successful Listen().
  void Run();

  // Graceful stop, callable from any thread, idempotent: stops accepting, closes idle
  // keep-alive connections, lets in-flight requests finish (answered with
  // "Connection: close") for up to shutdown_timeout_s, then closes whatever is left.
  void Stop();

  // Calls Stop() on SIGINT or SIGTERM (via asio::signal_set, so no async-signal-safety
  // concerns for the app). Call once, after Listen() and before Run(), from the thread
  // that will call Run().
  void StopOnSignals();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rapport::http
