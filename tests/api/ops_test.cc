// Operations, end to end with the real binary (docs/operations.md): where option values
// come from, JSON log lines, security headers and limits, HTTPS, and the web app.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace rapport {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::RunCommand;
using testing::RunRapport;
using testing::ServerProcess;
using testing::TempDir;

// Three initialised data directories whose admins differ: `token create --email X`
// succeeds only against the directory that has X, which shows which layer won.
TEST(OpsConfigTest, FlagsWinOverEnvironmentWhichWinsOverTheConfigFile) {
  TempDir dir("rapport_ops_config");
  for (std::string layer : {"file", "env", "flag"}) {
    auto init = RunRapport("init --data " + dir.File(layer) + " --admin-email " + layer + "@example.com");
    ASSERT_EQ(init.exit_status, 0) << init.output;
  }
  std::string config = dir.File("rapport.toml");
  std::ofstream(config) << "# test config\ndata = \"" << dir.File("file") << "\"\n[token.create]\nname = \"from-file\"\n";
  auto token = [&](const std::string& email, const std::string& flags, const std::string& env) {
    return RunRapport("token create --config " + config + " --email " + email + " " + flags, env);
  };
  const std::string env = "RAPPORT_DATA=" + dir.File("env");

  // The file alone.
  EXPECT_EQ(token("file@example.com", "", "").exit_status, 0);
  EXPECT_NE(token("env@example.com", "", "").exit_status, 0);
  // RAPPORT_CONFIG names the file when --config does not.
  auto via_env = RunRapport("token create --email file@example.com", "RAPPORT_CONFIG=" + config);
  EXPECT_EQ(via_env.exit_status, 0) << via_env.output;
  // The environment over the file.
  EXPECT_EQ(token("env@example.com", "", env).exit_status, 0);
  EXPECT_NE(token("file@example.com", "", env).exit_status, 0);
  // The flag over both.
  EXPECT_EQ(token("flag@example.com", "--data " + dir.File("flag"), env).exit_status, 0);
  EXPECT_NE(token("env@example.com", "--data " + dir.File("flag"), env).exit_status, 0);
}

TEST(OpsConfigTest, UnknownConfigKeyIsAClearError) {
  TempDir dir("rapport_ops_badkey");
  std::string config = dir.File("rapport.toml");
  std::ofstream(config) << "[serve]\nwrite_thread = 4\n";
  auto result = RunRapport("serve --config " + config + " --data " + dir.File("data"));
  EXPECT_NE(result.exit_status, 0);
  EXPECT_NE(result.output.find("config file " + config + ": unknown key `write_thread` in [serve]. Did you mean "
                               "`write_threads`?"),
            std::string::npos)
      << result.output;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

TEST(OpsLoggingTest, JsonLogLinesAreObjectsWithStructuredAccessLog) {
  TempDir dir("rapport_ops_json");
  ServerProcess server(dir.path().string());
  std::string token = server.Init("Logs");
  server.Start({"--log-format", "json"});
  size_t export_bytes = 0;
  {
    HttpClient client("127.0.0.1", server.port());
    EXPECT_EQ(client.Send("GET", "/healthz", "", {{"X-Request-Id", "req-42"}}).status, 200);
    EXPECT_EQ(client.Send("POST", "/api/v1/objects/companies", R"({"name": "Log \"Quote\" Ltd"})",
                          {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}})
                  .status,
              201);
    EXPECT_EQ(client.Send("GET", "/api/v1/objects/companies?limit=1&filter=name%20%3D%20%22x%22", "",
                          {{"Authorization", "Bearer " + token}, {"X-Request-Id", "bad id with spaces"}})
                  .status,
              200);
    EXPECT_EQ(client.Send("GET", "/nope").status, 404);
    // A streamed body is logged once it has all gone out, with its real size.
    auto exported = client.Send("GET", "/api/v1/objects/companies/export", "", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(exported.status, 200);
    export_bytes = exported.body.size();
  }
  EXPECT_EQ(server.Stop(SIGTERM), 0);

  static const std::regex kRfc3339Utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  std::vector<json::object> requests;
  bool saw_serving = false, saw_stopped = false;
  std::vector<std::string> lines = Lines(server.Log());
  ASSERT_GE(lines.size(), 6u) << server.Log();
  for (const std::string& line : lines) {
    boost::system::error_code ec;
    json::value value = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(value.is_object()) << line;
    const json::object& o = value.as_object();
    ASSERT_TRUE(o.contains("ts") && o.at("ts").is_string()) << line;
    EXPECT_TRUE(std::regex_match(std::string(o.at("ts").as_string()), kRfc3339Utc)) << line;
    ASSERT_TRUE(o.contains("level") && o.at("level").is_string()) << line;
    ASSERT_TRUE(o.contains("msg") && o.at("msg").is_string()) << line;
    std::string msg(o.at("msg").as_string());
    saw_serving = saw_serving || msg.starts_with("rapport serving http://127.0.0.1:");
    saw_stopped = saw_stopped || msg == "rapport stopped";
    if (msg == "request") requests.push_back(o);
  }
  EXPECT_TRUE(saw_serving);
  EXPECT_TRUE(saw_stopped);
  ASSERT_EQ(requests.size(), 5u);
  for (const json::object& r : requests) {
    EXPECT_EQ(r.at("level").as_string(), "info");
    EXPECT_TRUE(r.at("status").is_int64());
    EXPECT_TRUE(r.at("bytes").is_int64());
    EXPECT_TRUE(r.at("ms").is_number());
    EXPECT_GE(r.at("ms").to_number<double>(), 0);
    EXPECT_TRUE(r.at("remote").as_string().starts_with("127.0.0.1:"));
  }
  EXPECT_EQ(requests[0].at("method").as_string(), "GET");
  EXPECT_EQ(requests[0].at("path").as_string(), "/healthz");
  EXPECT_EQ(requests[0].at("route").as_string(), "/healthz");
  EXPECT_EQ(requests[0].at("status").as_int64(), 200);
  EXPECT_GT(requests[0].at("bytes").as_int64(), 0);
  EXPECT_EQ(requests[0].at("request_id").as_string(), "req-42");
  EXPECT_EQ(requests[1].at("method").as_string(), "POST");
  EXPECT_EQ(requests[1].at("status").as_int64(), 201);
  EXPECT_FALSE(requests[1].contains("request_id"));
  EXPECT_EQ(requests[2].at("path").as_string(), "/api/v1/objects/companies");  // without the query
  EXPECT_FALSE(requests[2].contains("request_id"));                           // not loggable: left out
  EXPECT_EQ(requests[3].at("status").as_int64(), 404);
  EXPECT_EQ(requests[4].at("route").as_string(), "/api/v1/objects/{object}/export");
  EXPECT_GT(export_bytes, 0u);
  EXPECT_EQ(requests[4].at("bytes").as_int64(), static_cast<int64_t>(export_bytes));
}

// Failures before the server starts are JSON lines too.
TEST(OpsLoggingTest, JsonFailureIsALogLine) {
  TempDir dir("rapport_ops_json_fail");
  auto result = RunRapport("token create --log-format json --email a@b.co --data " + dir.File("none"));
  EXPECT_NE(result.exit_status, 0);
  json::value line = json::parse(result.output);
  EXPECT_EQ(line.at("level").as_string(), "error");
  EXPECT_NE(line.at("msg").as_string().find("rapport init"), json::string::npos);
}

}  // namespace
// Every answer carries the security headers; a client over --rate-limit gets 429 with
// Retry-After before any work is done, and other clients are not affected.
TEST(OpsSecurityTest, SecurityHeadersAndRateLimits) {
  TempDir dir("rapport_ops_limits");
  ServerProcess server(dir.path().string());
  std::string token = server.Init("Limits");
  server.Start({"--rate-limit", "2", "--rate-burst", "5", "--hsts"});
  HttpClient client("127.0.0.1", server.port());
  auto health = client.Send("GET", "/healthz");
  EXPECT_EQ(health.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(health.Header("referrer-policy"), "no-referrer");
  EXPECT_NE(health.Header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(health.Header("x-frame-options"), "DENY");
  EXPECT_NE(health.Header("strict-transport-security").find("max-age="), std::string::npos);

  std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer " + token}};
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 12; ++i) {
    auto r = client.Send("GET", "/api/v1/objects/companies?limit=1", "", auth);
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      retry_after = r.Header("retry-after");
      EXPECT_EQ(r.Header("content-type"), "application/problem+json");
    }
  }
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 7);  // the burst, plus what refilled meanwhile
  EXPECT_GE(limited, 5);
  EXPECT_EQ(retry_after, "1");
  // The bucket is the address's: a made-up token gets no fresh one. /healthz is never limited.
  EXPECT_EQ(client.Send("GET", "/api/v1/objects/companies?limit=1", "",
                        {{"Authorization", "Bearer rpt_0123456789abcdef_" + std::string(48, 'a')}})
                .status,
            429);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(client.Send("GET", "/healthz").status, 200);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

// HTTPS: TLS 1.2+ only, modern suites, Secure cookies; plain HTTP and TLS 1.1 are refused.
TEST(OpsSecurityTest, ServesHttpsWithModernTlsOnly) {
  TempDir dir("rapport_ops_tls");
  std::string cert = (dir.path() / "cert.pem").string(), key = (dir.path() / "key.pem").string();
  auto made = RunCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost"
                         " -keyout " + key + " -out " + cert + " 2>&1");
  ASSERT_EQ(made.exit_status, 0) << made.output;
  ServerProcess server(dir.path().string());
  server.Init("Tls");
  server.Start({"--tls-cert", cert, "--tls-key", key, "--hsts"});
  std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  auto health = RunCommand("curl -sk -D - " + base + "/healthz");
  ASSERT_EQ(health.exit_status, 0) << health.output;
  EXPECT_NE(health.output.find(R"({"status":"ok"})"), std::string::npos) << health.output;
  EXPECT_NE(health.output.find("Strict-Transport-Security"), std::string::npos) << health.output;
  auto login = RunCommand("curl -sk -D - -H 'Content-Type: application/json' -d "
                          "'{\"email\": \"admin@example.com\", \"password\": \"correct horse battery staple\"}' " +
                          base + "/api/v1/auth/login");
  EXPECT_NE(login.output.find("HttpOnly; Path=/; SameSite=Lax"), std::string::npos) << login.output;
  EXPECT_NE(login.output.find("; Secure"), std::string::npos) << login.output;
  // Old protocol versions and plain HTTP get no answer.
  EXPECT_NE(RunCommand("curl -sk --tlsv1.1 --tls-max 1.1 " + base + "/healthz").exit_status, 0);
  EXPECT_NE(RunCommand("curl -s http://127.0.0.1:" + std::to_string(server.port()) + "/healthz").exit_status, 0);
  EXPECT_EQ(RunCommand("curl -sk --tlsv1.2 --tls-max 1.2 " + base + "/healthz").exit_status, 0);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

// The web app and the API on one origin: files and app routes from --web, while the
// API's paths (known or not) stay the API's.
TEST(OpsWebTest, ServesTheWebAppBesideTheApi) {
  TempDir dir("rapport_ops_web");
  const std::string index = "<!doctype html><title>Rapport</title><script type=module src=/assets/app-1a2b.js>";
  std::string script;
  for (int i = 0; i < 100; ++i) script += "console.log('module " + std::to_string(i) + "');\n";
  std::filesystem::create_directories(dir.path() / "web/assets");
  std::ofstream(dir.File("web/index.html")) << index;
  std::ofstream(dir.File("web/assets/app-1a2b.js")) << script;
  ServerProcess server(dir.path().string());
  std::string token = server.Init("Web");
  server.Start({"--web", dir.File("web")});
  HttpClient client("127.0.0.1", server.port());

  for (std::string path : {"/", "/objects/companies"}) {
    auto page = client.Send("GET", path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.body, index) << path;
    EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8") << path;
    EXPECT_EQ(page.Header("cache-control"), "no-cache") << path;
    EXPECT_NE(page.Header("content-security-policy").find("img-src 'self' data:"), std::string::npos);
  }
  auto asset = client.Send("GET", "/assets/app-1a2b.js");
  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(asset.body, script);
  EXPECT_EQ(asset.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(asset.Header("cache-control"), "public, max-age=31536000, immutable");
  auto gzipped = client.Send("GET", "/assets/app-1a2b.js", "", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(gzipped.Header("content-encoding"), "gzip");
  EXPECT_TRUE(gzipped.body.starts_with("\x1f\x8b")) << gzipped.body;
  EXPECT_EQ(gzipped.Header("vary"), "Accept-Encoding");
  auto unchanged = client.Send("GET", "/assets/app-1a2b.js", "", {{"If-None-Match", asset.Header("etag")}});
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_TRUE(unchanged.body.empty());
  EXPECT_EQ(client.Send("HEAD", "/objects/people").status, 200);
  EXPECT_EQ(client.Send("GET", "/assets/app-0000.js").status, 404);

  for (std::string path : {"/api/v1/nope", "/api/v1/objects/companies/x/y/z"}) {
    auto api = client.Send("GET", path, "", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(api.status, 404) << path;
    EXPECT_EQ(api.Header("content-type"), "application/problem+json") << path;
  }
  EXPECT_EQ(client.Send("POST", "/objects/companies", "{}").Header("content-type"), "application/problem+json");
  EXPECT_EQ(client.Send("GET", "/api/v1/objects/companies?limit=1", "", {{"Authorization", "Bearer " + token}}).status,
            200);
  EXPECT_EQ(client.Send("GET", "/healthz").body, R"({"status":"ok"})");
  EXPECT_EQ(server.Stop(SIGTERM), 0);

  // A directory someone named must be there, and usable; otherwise no start.
  auto missing = RunRapport("serve --listen 127.0.0.1:0 --data " + dir.path().string() + " --web " +
                            dir.File("missing"));
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_NE(missing.output.find("--web: no directory"), std::string::npos) << missing.output;
  auto not_built = RunRapport("serve --listen 127.0.0.1:0 --data " + dir.path().string() + " --web " +
                              dir.File("web/assets"));
  EXPECT_NE(not_built.exit_status, 0);
  EXPECT_NE(not_built.output.find("has no index.html"), std::string::npos) << not_built.output;
}

}  // namespace rapport
