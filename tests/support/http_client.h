// A small synchronous HTTP/1.1 client for tests. Reuses one keep-alive connection and
// reconnects transparently when the server closed it. Not thread-safe: use one client
// per thread. Never throws; transport failures come back as status 0 with the reason
// in `body`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rapport::testing {

class HttpClient {
 public:
  struct Reply {
    int status = 0;  // 0: transport failure (see body)
    std::string body;
    std::map<std::string, std::string> headers;  // lowercased names; repeats joined by \n
    // The header's value, or "" when absent; `name` is matched case-insensitively.
    std::string Header(std::string name) const;
  };

  HttpClient(std::string host, uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on the shared connection. A non-empty body gets
  // "Content-Type: application/json" unless `headers` sets Content-Type.
  Reply Send(std::string method, std::string target, std::string body = "",
             std::vector<std::pair<std::string, std::string>> headers = {});

  // Writes `bytes` verbatim on a fresh connection and returns everything the server
  // sends until it closes the connection (for malformed-request and timeout tests).
  // With `half_close` the client shuts down its sending side after the bytes, so a
  // keep-alive server closes as soon as it has answered.
  std::string SendRaw(std::string bytes, bool half_close = true);

  // Number of TCP connections opened so far (to check keep-alive reuse).
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rapport::testing
