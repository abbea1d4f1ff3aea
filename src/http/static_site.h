// The built web app (a single-page app: index.html, content-hashed files under
// /assets/, the manifest, the service worker, icons), read into memory once at startup
// and served from there, beside the API on the same origin.
//
// Requests are answered by a map lookup, so no request reaches the file system. Paths
// under /api/ are never answered (they keep the API's 404 problem), and a path that
// names no file but looks like an app route (no dot in its last segment) gets
// index.html, so that deep links load the app.
//
// Thread-safety: Load() at startup; Serve() is const and safe from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "core/error.h"
#include "http/request.h"

namespace rapport::http {

class StaticSite {
 public:
  static constexpr size_t kDefaultSizeLimit = 64 << 20;

  // Reads every regular file under `directory`. kInvalidArgument if it holds more than
  // `size_limit` bytes, has no index.html, or has a symlink that leads outside it (or to
  // anything but a file); kUnavailable if a file cannot be read.
  static Result<StaticSite> Load(const std::filesystem::path& directory, size_t size_limit = kDefaultSizeLimit);

  // Answers a GET or HEAD (the router's fallback). A path that is refused (under /api/,
  // with "..", "." or a backslash, NUL or encoded "/" in a segment) or names a missing
  // file is kNotFound.
  Result<Response> Serve(const Request& request) const;

  size_t file_count() const { return files_.size(); }
  size_t total_bytes() const { return total_bytes_; }

 private:
  struct File {
    std::string content_type;
    std::string cache_control;
    std::string body;
    std::string etag;  // quoted, strong
    // Set for text files worth compressing: the gzip representation and its own ETag.
    std::string gzip_body;
    std::string gzip_etag;
  };

  std::unordered_map<std::string, File> files_;  // by URL path, e.g. "/assets/app-1a2b.js"
  size_t total_bytes_ = 0;
};

}  // namespace rapport::http
