#include "http/static_site.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "core/strings.h"

namespace rapport::http {
namespace {

namespace fs = std::filesystem;

struct MediaType {
  std::string_view extension;
  std::string_view content_type;
  bool compressible;  // text: worth a gzip copy
};

constexpr MediaType kMediaTypes[] = {
    {"html", "text/html; charset=utf-8", true},
    {"js", "text/javascript; charset=utf-8", true},
    {"mjs", "text/javascript; charset=utf-8", true},
    {"css", "text/css; charset=utf-8", true},
    {"svg", "image/svg+xml", true},
    {"webmanifest", "application/manifest+json", true},
    {"json", "application/json", true},
    {"map", "application/json", true},
    {"txt", "text/plain; charset=utf-8", true},
    {"png", "image/png", false},
    {"ico", "image/x-icon", false},
    {"woff2", "font/woff2", false},
};
constexpr MediaType kUnknownMediaType = {"", "application/octet-stream", false};

// Smaller text is not worth the gzip header and the client's inflate.
constexpr size_t kGzipMinBytes = 1024;

// Vite names everything under /assets/ after a hash of its content, so a name never
// changes meaning; the rest (index.html, sw.js, the manifest) must be revalidated so
// that a new release is picked up.
constexpr std::string_view kImmutablePrefix = "/assets/";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";
constexpr std::string_view kIndex = "/index.html";

const MediaType& MediaTypeFor(std::string_view url_path) {
  std::string_view name = url_path.substr(url_path.rfind('/') + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return kUnknownMediaType;
  std::string extension = AsciiLower(name.substr(dot + 1));
  for (const MediaType& type : kMediaTypes) {
    if (type.extension == extension) return type;
  }
  return kUnknownMediaType;
}

// For strong validators: the first 128 bits of the content's SHA-256, in hex.
std::string ContentHash(std::string_view content) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hash;
  for (unsigned int i = 0; i < std::min(length, 16u); ++i) hash += fmt::format("{:02x}", digest[i]);
  return hash;
}

Result<std::string> Gzip(std::string_view data) {
  z_stream stream{};
  // 15 + 16 window bits: the gzip wrapper (what Content-Encoding: gzip means), not zlib's.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Fail(ErrorCode::kInternal, "Cannot start gzip compression");
  }
  // One call over the whole input: a file is at most the size limit, far below the 4 GiB
  // that zlib takes at once.
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) return Fail(ErrorCode::kInternal, "gzip compression failed");
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> SplitList(std::string_view text, char separator) {
  std::vector<std::string_view> items;
  for (;;) {
    size_t at = text.find(separator);
    items.push_back(Trim(text.substr(0, at)));
    if (at == std::string_view::npos) return items;
    text.remove_prefix(at + 1);
  }
}

// Accept-Encoding (RFC 9110 12.5.3): gzip, or "*" when gzip is not named, with a
// q-value that is not zero.
bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<bool> gzip, any;
  for (std::string_view item : SplitList(accept_encoding, ',')) {
    std::vector<std::string_view> parts = SplitList(item, ';');
    bool accepted = true;
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].size() < 2 || (parts[i][0] != 'q' && parts[i][0] != 'Q') || parts[i][1] != '=') continue;
      std::string_view q = parts[i].substr(2);
      accepted = q.find_first_not_of("0.") != std::string_view::npos;
    }
    if (EqualsIgnoreCase(parts[0], "gzip") || EqualsIgnoreCase(parts[0], "x-gzip")) gzip = accepted;
    if (parts[0] == "*") any = accepted;
  }
  return gzip.value_or(any.value_or(false));
}

// If-None-Match uses the weak comparison: W/"x" matches "x".
bool MatchesAnyTag(std::string_view if_none_match, std::string_view etag) {
  for (std::string_view tag : SplitList(if_none_match, ',')) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

// The request's decoded segments, as the router sees them.
std::vector<std::string_view> PathSegments(const Request& request) {
  if (!request.segments.empty()) return {request.segments.begin(), request.segments.end()};
  std::string_view path = request.path;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.empty()) return {};
  return SplitList(path, '/');
}

// The map lookup cannot escape the directory anyway; these are refused so that a
// probe for one is answered 404 rather than with the app.
bool IsRefusedSegment(std::string_view segment) {
  static constexpr std::string_view kRefusedCharacters("/\\\0", 3);
  return segment == "." || segment == ".." || segment.find_first_of(kRefusedCharacters) != std::string_view::npos;
}

bool IsInside(const fs::path& path, const fs::path& directory) {
  auto [in_directory, in_path] = std::mismatch(directory.begin(), directory.end(), path.begin(), path.end());
  return in_directory == directory.end() && in_path != path.end();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.is_open() || in.bad()) return Fail(ErrorCode::kUnavailable, fmt::format("Cannot read {}", path.string()));
  return content;
}

}  // namespace

Result<StaticSite> StaticSite::Load(const fs::path& directory, size_t size_limit) {
  std::error_code ec;
  const fs::path root = fs::canonical(directory, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The web app directory {} cannot be read: {}", directory.string(),
                            ec ? ec.message() : "not a directory"));
  }
  StaticSite site;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    fs::path source = it->path();
    const bool is_symlink = it->is_symlink(ec);
    const bool is_file = !ec && it->is_regular_file(ec);
    if (ec) break;
    if (is_symlink) {
      // Followed only to a file of the app itself: a link must not publish, say, /etc
      // or the data directory.
      fs::path target = fs::canonical(source, ec);
      if (ec || !IsInside(target, root) || !fs::is_regular_file(target, ec)) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("The web app directory {} has a symlink, {}, that does not lead to a file inside it",
                                directory.string(), source.string()));
      }
      source = std::move(target);
    } else if (!is_file) {
      continue;  // directories (iterated into), sockets, FIFOs
    }
    const std::string url_path = "/" + it->path().lexically_relative(root).generic_string();
    const uintmax_t size = fs::file_size(source, ec);
    if (ec) break;
    if (site.total_bytes_ + size > size_limit) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The web app directory {} holds more than {} MiB; is it the built web app?",
                              directory.string(), size_limit >> 20));
    }
    RAPPORT_ASSIGN_OR_RETURN(std::string body, ReadFile(source));
    site.total_bytes_ += body.size();

    const MediaType& type = MediaTypeFor(url_path);
    const std::string hash = ContentHash(body);
    File file;
    file.content_type = type.content_type;
    file.cache_control = url_path.starts_with(kImmutablePrefix) ? kImmutable : kRevalidate;
    file.etag = fmt::format("\"{}\"", hash);
    if (type.compressible && body.size() >= kGzipMinBytes) {
      RAPPORT_ASSIGN_OR_RETURN(std::string gzipped, Gzip(body));
      if (gzipped.size() < body.size()) {
        file.gzip_body = std::move(gzipped);
        // Its own strong validator: these bytes differ from the identity ones.
        file.gzip_etag = fmt::format("\"{}-gzip\"", hash);
      }
    }
    file.body = std::move(body);
    site.files_.emplace(url_path, std::move(file));
  }
  if (ec) {
    return Fail(ErrorCode::kUnavailable,
                fmt::format("Cannot read the web app directory {}: {}", directory.string(), ec.message()));
  }
  if (!site.files_.contains(std::string(kIndex))) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The web app directory {} has no index.html; is it the built web app?",
                            directory.string()));
  }
  return site;
}

Result<Response> StaticSite::Serve(const Request& request) const {
  const std::vector<std::string_view> segments = PathSegments(request);
  // The API's namespace: an unknown API path must stay a 404 problem, never the app.
  if (!segments.empty() && segments.front() == "api") {
    return Fail(ErrorCode::kNotFound, "No route for " + request.path);
  }
  std::string url_path;
  for (std::string_view segment : segments) {
    if (IsRefusedSegment(segment)) return Fail(ErrorCode::kNotFound, "No file at " + request.path);
    url_path += '/';
    url_path += segment;
  }
  auto it = files_.find(url_path.empty() ? std::string(kIndex) : url_path);
  if (it == files_.end()) {
    // A missing file (a dot in the name, like /assets/app-old.js) is 404; anything else
    // is a route of the app (/objects/companies), which index.html handles.
    if (!segments.empty() && segments.back().find('.') != std::string_view::npos) {
      return Fail(ErrorCode::kNotFound, "No file at " + request.path);
    }
    it = files_.find(std::string(kIndex));
  }
  const File& file = it->second;

  const bool gzip = !file.gzip_body.empty() && AcceptsGzip(request.Header("Accept-Encoding").value_or(""));
  const std::string& etag = gzip ? file.gzip_etag : file.etag;
  Response response;
  response.content_type = file.content_type;
  response.headers = {{"ETag", etag}, {"Cache-Control", file.cache_control}};
  if (!file.gzip_body.empty()) response.headers.emplace_back("Vary", "Accept-Encoding");
  if (auto tags = request.Header("If-None-Match"); tags && MatchesAnyTag(*tags, etag)) {
    response.status = 304;
    return response;
  }
  if (gzip) response.headers.emplace_back("Content-Encoding", "gzip");
  response.body = gzip ? file.gzip_body : file.body;
  return response;
}

}  // namespace rapport::http
