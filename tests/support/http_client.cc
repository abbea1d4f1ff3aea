#include "support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cctype>
#include <limits>
#include <optional>

namespace rapport::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  asio::io_context ioc;
  std::optional<tcp::socket> socket;
  beast::flat_buffer buffer;
  int connections_opened = 0;

  boost::system::error_code Connect(tcp::socket& s) {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return ec;
    asio::connect(s, endpoints, ec);
    if (ec) return ec;
    s.set_option(tcp::no_delay(true), ec);
    ++connections_opened;
    return ec;
  }
};

std::string HttpClient::Reply::Header(std::string name) const {
  auto it = headers.find(Lower(std::move(name)));
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() = default;

int HttpClient::connections_opened() const { return impl_->connections_opened; }

HttpClient::Reply HttpClient::Send(std::string method, std::string target, std::string body,
                                   std::vector<std::pair<std::string, std::string>> headers) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, impl_->host);
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    if (Lower(name) == "content-type") has_content_type = true;
    request.insert(name, value);
  }
  if (!body.empty() && !has_content_type)
    request.set(bhttp::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();

  Reply reply;
  // Two attempts: the first may hit a keep-alive connection the server already closed.
  for (int attempt = 0; attempt < 2; ++attempt) {
    boost::system::error_code ec;
    const bool reused = impl_->socket.has_value();
    if (!reused) {
      impl_->socket.emplace(impl_->ioc);
      impl_->buffer.clear();
      ec = impl_->Connect(*impl_->socket);
      if (ec) {
        impl_->socket.reset();
        reply.body = "connect: " + ec.message();
        return reply;
      }
    }
    bhttp::write(*impl_->socket, request, ec);
    // Even if the write failed (server closed early, e.g. 413), a response may be there.
    boost::system::error_code write_ec = ec;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser_slot;
    // Interim 1xx responses (e.g. "100 Continue") precede the real one: skip them.
    do {
      parser_slot.emplace();
      parser_slot->body_limit(std::numeric_limits<std::uint64_t>::max());
      if (method == "HEAD") parser_slot->skip(true);  // a HEAD response has no body
      bhttp::read(*impl_->socket, impl_->buffer, *parser_slot, ec);
    } while (!ec && parser_slot->get().result_int() >= 100 &&
             parser_slot->get().result_int() < 200);
    auto& parser = *parser_slot;
    if (ec) {
      impl_->socket.reset();
      if (reused) continue;  // stale keep-alive connection: retry on a fresh one
      reply.body = "request failed: " + (write_ec ? write_ec : ec).message();
      return reply;
    }
    auto& response = parser.get();
    reply.status = static_cast<int>(response.result_int());
    reply.body = std::move(response.body());
    for (const auto& field : response) {
      // A repeated header (Set-Cookie) keeps every value, one per line.
      std::string& value = reply.headers[Lower(std::string(field.name_string()))];
      value += (value.empty() ? "" : "\n") + std::string(field.value());
    }
    if (!response.keep_alive()) impl_->socket.reset();
    return reply;
  }
  return reply;
}

std::string HttpClient::SendRaw(std::string bytes, bool half_close) {
  tcp::socket socket(impl_->ioc);
  boost::system::error_code ec = impl_->Connect(socket);
  if (ec) return "connect: " + ec.message();
  if (!bytes.empty()) asio::write(socket, asio::buffer(bytes), ec);
  if (half_close) socket.shutdown(tcp::socket::shutdown_send, ec);
  std::string out;
  char chunk[4096];
  for (;;) {
    size_t n = socket.read_some(asio::buffer(chunk), ec);
    out.append(chunk, n);
    if (ec) break;
  }
  return out;
}

}  // namespace rapport::testing
