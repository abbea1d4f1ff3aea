#include "http/static_site.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "http/router.h"
#include "support/temp_dir.h"

namespace rapport::http {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void Write(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Text that compresses well and is over the gzip threshold.
std::string LargeScript() {
  std::string script;
  for (int i = 0; i < 200; ++i) script += "export const value" + std::to_string(i) + " = " + std::to_string(i) + ";\n";
  return script;
}

const std::string kIndexHtml = "<!doctype html><title>Rapport</title><div id=root></div>";

// A site like Vite's output, in `dir`/dist (so that tests can put files beside it).
void WriteSite(const fs::path& dist) {
  Write(dist / "index.html", kIndexHtml);
  Write(dist / "assets/index-1a2b3c.js", LargeScript());
  Write(dist / "assets/index-1a2b3c.js.map", "{}");
  Write(dist / "assets/module-4d5e.mjs", "export {};");
  Write(dist / "assets/index-9f8e.css", "body{margin:0}");
  Write(dist / "assets/font-77aa.woff2", "wOF2");
  Write(dist / "sw.js", "self.addEventListener('fetch', () => {});");
  Write(dist / "manifest.webmanifest", R"({"name": "Rapport"})");
  Write(dist / "icon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
  Write(dist / "icon-192.png", std::string(2048, '\x89'));
  Write(dist / "favicon.ico", "ico");
  Write(dist / "data.json", "[]");
  Write(dist / "robots.txt", "User-agent: *");
  Write(dist / "LICENSE.blob", "bytes");
}

Request Get(std::string path, HeaderList headers = {}) {
  Request request;
  request.method = "GET";
  request.path = std::move(path);
  request.headers = std::move(headers);
  return request;
}

std::string Header(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

std::string Gunzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 16 + 15), Z_OK);  // gzip wrapper only
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteSite(dist_);
    auto site = StaticSite::Load(dist_);
    ASSERT_TRUE(site) << site.error().detail();
    site_ = std::move(*site);
  }

  // The response for a request the site answers; fails the test for an error.
  Response Serve(const Request& request) {
    Result<Response> response = site_.Serve(request);
    EXPECT_TRUE(response) << request.path << ": " << response.error().detail();
    return response ? std::move(*response) : Response{};
  }
  Response Serve(std::string path, HeaderList headers = {}) { return Serve(Get(std::move(path), std::move(headers))); }

  // True if the site refuses `request` with kNotFound.
  bool NotFound(const Request& request) {
    Result<Response> response = site_.Serve(request);
    return !response && response.error().code() == ErrorCode::kNotFound;
  }

  TempDir dir_{"rapport_static_site"};
  fs::path dist_ = dir_.path() / "dist";
  StaticSite site_;
};

TEST_F(StaticSiteTest, ContentTypeFollowsTheExtension) {
  EXPECT_EQ(site_.file_count(), 14u);
  const std::pair<std::string, std::string> expected[] = {
      {"/index.html", "text/html; charset=utf-8"},
      {"/assets/index-1a2b3c.js", "text/javascript; charset=utf-8"},
      {"/assets/module-4d5e.mjs", "text/javascript; charset=utf-8"},
      {"/assets/index-9f8e.css", "text/css; charset=utf-8"},
      {"/assets/index-1a2b3c.js.map", "application/json"},
      {"/assets/font-77aa.woff2", "font/woff2"},
      {"/manifest.webmanifest", "application/manifest+json"},
      {"/icon.svg", "image/svg+xml"},
      {"/icon-192.png", "image/png"},
      {"/favicon.ico", "image/x-icon"},
      {"/data.json", "application/json"},
      {"/robots.txt", "text/plain; charset=utf-8"},
      {"/LICENSE.blob", "application/octet-stream"},
  };
  for (const auto& [path, content_type] : expected) {
    Response response = Serve(path);
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.content_type, content_type) << path;
  }
  EXPECT_EQ(Serve("/icon.svg").body, "<svg xmlns='http://www.w3.org/2000/svg'/>");
}

TEST_F(StaticSiteTest, RootAndAppRoutesGetIndexHtml) {
  for (std::string path : {"/", "/objects/companies", "/objects/companies/0191d3c2-7b1a-7c3e-9d2f-1a2b3c4d5e6f",
                           "/settings/", "/assets"}) {
    Response response = Serve(path);
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.body, kIndexHtml) << path;
    EXPECT_EQ(response.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(Header(response, "Cache-Control"), "no-cache") << path;
  }
  Request head = Get("/objects/people");
  head.method = "HEAD";
  EXPECT_EQ(Serve(head).body, kIndexHtml);  // the server sends its headers only
}

TEST_F(StaticSiteTest, MissingFileWithADotIs404) {
  EXPECT_TRUE(NotFound(Get("/assets/index-000000.js")));
  EXPECT_TRUE(NotFound(Get("/favicon.png")));
  EXPECT_TRUE(NotFound(Get("/objects/report.csv")));
}

TEST_F(StaticSiteTest, ApiPathsAreNeverAnswered) {
  for (std::string path : {"/api/v1/nope", "/api/v1/objects/companies/x", "/api", "/api/", "/api/index.html"}) {
    EXPECT_TRUE(NotFound(Get(path))) << path;
  }
  // Through the router, as serve wires it: still the API's 404 problem.
  Router router;
  router.Add("GET", "/healthz", "", [](Request&) -> Result<Response> { return Response::Json(200, "{}"); });
  router.SetFallback("static", [this](Request& request) { return site_.Serve(request); });
  Request api = Get("/api/v1/nope");
  Response response = router.Dispatch(api);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_NE(response.body.find("No route for /api/v1/nope"), std::string::npos) << response.body;
  Request app = Get("/objects/companies");
  EXPECT_EQ(router.Dispatch(app).body, kIndexHtml);
}

TEST_F(StaticSiteTest, TraversalIsRefused) {
  Write(dir_.path() / "secret.txt", "secret");
  // As the server builds them: `path` and `segments` decoded ("%2e%2e" is "..", and an
  // encoded "/" stays inside its segment).
  auto decoded = [](std::string path, std::vector<std::string> segments) {
    Request request = Get(std::move(path));
    request.segments = std::move(segments);
    return request;
  };
  EXPECT_TRUE(NotFound(Get("/../secret.txt")));
  EXPECT_TRUE(NotFound(Get("/assets/../../secret.txt")));
  EXPECT_TRUE(NotFound(Get("/assets/../index.html")));
  EXPECT_TRUE(NotFound(Get("/./index.html")));
  EXPECT_TRUE(NotFound(decoded("/../secret.txt", {"..", "secret.txt"})));  // /%2e%2e/secret.txt
  EXPECT_TRUE(NotFound(decoded("/../objects", {"..", "objects"})));        // not the app either
  EXPECT_TRUE(NotFound(decoded("/assets/index-1a2b3c.js", {"assets/index-1a2b3c.js"})));  // %2F
  EXPECT_TRUE(NotFound(Get("/..\\secret.txt")));
  EXPECT_TRUE(NotFound(Get("/assets\\index-1a2b3c.js")));
  EXPECT_TRUE(NotFound(Get(std::string("/index.html\0.png", 16))));
  EXPECT_TRUE(NotFound(Get(std::string("/objects\0", 9))));
}

TEST_F(StaticSiteTest, CacheControlIsImmutableOnlyForHashedAssets) {
  EXPECT_EQ(Header(Serve("/assets/index-9f8e.css"), "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Header(Serve("/assets/index-1a2b3c.js"), "Cache-Control"), "public, max-age=31536000, immutable");
  for (std::string path : {"/", "/index.html", "/sw.js", "/manifest.webmanifest", "/icon.svg"}) {
    EXPECT_EQ(Header(Serve(path), "Cache-Control"), "no-cache") << path;
  }
}

TEST_F(StaticSiteTest, StrongETagAndNotModified) {
  Response css = Serve("/assets/index-9f8e.css");
  const std::string etag = Header(css, "ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // 32 hex digits, quoted
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_NE(Header(Serve("/sw.js"), "ETag"), etag);
  EXPECT_EQ(Header(Serve("/index.html"), "ETag"), Header(Serve("/objects/x"), "ETag"));

  const std::vector<std::string> matching = {etag, "W/" + etag, "\"other\", " + etag, "*"};
  for (const std::string& if_none_match : matching) {
    Response response = Serve("/assets/index-9f8e.css", {{"If-None-Match", if_none_match}});
    EXPECT_EQ(response.status, 304) << if_none_match;
    EXPECT_TRUE(response.body.empty());
    EXPECT_EQ(Header(response, "ETag"), etag);
    EXPECT_EQ(Header(response, "Cache-Control"), "public, max-age=31536000, immutable");
  }
  Response changed = Serve("/assets/index-9f8e.css", {{"if-none-match", "\"0123\""}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, "body{margin:0}");

  // A new build with other content has another tag.
  Write(dist_ / "assets/index-9f8e.css", "body{margin:1px}");
  auto rebuilt = StaticSite::Load(dist_);
  ASSERT_TRUE(rebuilt);
  Response fresh = rebuilt->Serve(Get("/assets/index-9f8e.css", {{"If-None-Match", etag}})).value();
  EXPECT_EQ(fresh.status, 200);
  EXPECT_NE(Header(fresh, "ETag"), etag);
}

TEST_F(StaticSiteTest, GzipWhenTheClientAcceptsIt) {
  const std::string script = LargeScript();
  Response plain = Serve("/assets/index-1a2b3c.js");
  EXPECT_EQ(plain.body, script);
  EXPECT_EQ(Header(plain, "Content-Encoding"), "");
  EXPECT_EQ(Header(plain, "Vary"), "Accept-Encoding");

  Response gzipped = Serve("/assets/index-1a2b3c.js", {{"Accept-Encoding", "br, gzip;q=0.8, deflate"}});
  EXPECT_EQ(Header(gzipped, "Content-Encoding"), "gzip");
  EXPECT_EQ(Header(gzipped, "Vary"), "Accept-Encoding");
  EXPECT_EQ(gzipped.content_type, "text/javascript; charset=utf-8");
  EXPECT_LT(gzipped.body.size(), script.size() / 2);
  EXPECT_EQ(Gunzip(gzipped.body), script);
  // Another representation, another strong tag; each revalidates on its own.
  const std::string gzip_etag = Header(gzipped, "ETag");
  EXPECT_NE(gzip_etag, Header(plain, "ETag"));
  EXPECT_EQ(Serve("/assets/index-1a2b3c.js", {{"Accept-Encoding", "gzip"}, {"If-None-Match", gzip_etag}}).status,
            304);
  EXPECT_EQ(Serve("/assets/index-1a2b3c.js", {{"If-None-Match", gzip_etag}}).status, 200);

  EXPECT_EQ(Header(Serve("/assets/index-1a2b3c.js", {{"Accept-Encoding", "*"}}), "Content-Encoding"), "gzip");
  EXPECT_EQ(Header(Serve("/assets/index-1a2b3c.js", {{"Accept-Encoding", "GZIP"}}), "Content-Encoding"), "gzip");
  for (std::string refused : {"gzip;q=0", "gzip; q=0.000, br", "*;q=0", "identity", "br, *;q=1, gzip;q=0"}) {
    Response response = Serve("/assets/index-1a2b3c.js", {{"Accept-Encoding", refused}});
    EXPECT_EQ(Header(response, "Content-Encoding"), "") << refused;
    EXPECT_EQ(response.body, script) << refused;
  }
  // Small text and binary formats are sent as they are, with nothing to vary on.
  for (std::string path : {"/assets/index-9f8e.css", "/icon-192.png"}) {
    Response response = Serve(path, {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(Header(response, "Content-Encoding"), "") << path;
    EXPECT_EQ(Header(response, "Vary"), "") << path;
  }
}

TEST(StaticSiteLoadTest, SymlinksMustStayInside) {
  TempDir dir("rapport_static_links");
  WriteSite(dir.path() / "dist");
  Write(dir.path() / "secret.txt", "secret");
  fs::create_symlink(dir.path() / "dist/icon.svg", dir.path() / "dist/logo.svg");
  auto site = StaticSite::Load(dir.path() / "dist");
  ASSERT_TRUE(site) << site.error().detail();
  EXPECT_EQ(site->Serve(Get("/logo.svg"))->body, "<svg xmlns='http://www.w3.org/2000/svg'/>");

  fs::create_symlink("../../secret.txt", dir.path() / "dist/assets/secret.txt");
  site = StaticSite::Load(dir.path() / "dist");
  ASSERT_FALSE(site);
  EXPECT_EQ(site.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(site.error().detail().find("symlink"), std::string::npos) << site.error().detail();
  EXPECT_NE(site.error().detail().find("assets/secret.txt"), std::string::npos) << site.error().detail();

  fs::remove(dir.path() / "dist/assets/secret.txt");
  fs::create_directory_symlink(dir.path(), dir.path() / "dist/up");
  EXPECT_FALSE(StaticSite::Load(dir.path() / "dist"));
}

TEST(StaticSiteLoadTest, SizeLimitIndexAndDirectoryAreChecked) {
  TempDir dir("rapport_static_limits");
  WriteSite(dir.path() / "dist");
  EXPECT_TRUE(StaticSite::Load(dir.path() / "dist", 1 << 20));
  Write(dir.path() / "dist/assets/huge-0000.js", std::string(1 << 20, 'x'));
  auto over = StaticSite::Load(dir.path() / "dist", 1 << 20);
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().detail().find("holds more than 1 MiB"), std::string::npos) << over.error().detail();

  Write(dir.path() / "src/main.tsx", "export {};");
  auto source = StaticSite::Load(dir.path() / "src");
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().detail().find("has no index.html"), std::string::npos) << source.error().detail();

  EXPECT_FALSE(StaticSite::Load(dir.path() / "missing"));
  EXPECT_FALSE(StaticSite::Load(dir.path() / "src/main.tsx"));
}

}  // namespace
}  // namespace rapport::http
