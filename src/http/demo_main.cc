// A minimal server wiring Router + Metrics + Server, used for manual checks and
// throughput measurements:  rapport_http_demo [port] [threads] [access_log 0|1]
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "http/server.h"

int main(int argc, char** argv) {
  using namespace rapport;
  using namespace rapport::http;

  ServerOptions options;
  options.port = argc > 1 ? static_cast<uint16_t>(std::atoi(argv[1])) : 8080;
  options.threads = argc > 2 ? std::atoi(argv[2]) : 1;
  options.access_log = argc > 3 && std::atoi(argv[3]) != 0;

  Metrics metrics;
  Router router;
  router.Add("GET", "/healthz", "", [](Request&) -> Result<Response> {
    return Response::Json(200, R"({"status":"ok"})");
  });
  router.Add("GET", "/metrics", "", [&metrics](Request&) -> Result<Response> {
    Response response = Response::Json(200, metrics.RenderPrometheus());
    response.content_type = kPrometheusContentType;
    return response;
  });

  Server server(options, router, metrics);
  if (Status listening = server.Listen(); !listening) {
    spdlog::error("{}", listening.error().ToString());
    return 1;
  }
  spdlog::info("listening on {}:{} with {} thread(s)", options.address, server.port(),
               options.threads);
  server.StopOnSignals();
  server.Run();
  return 0;
}
