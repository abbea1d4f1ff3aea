#include <spdlog/spdlog.h>

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "app/app.h"
#include "cli/commands.h"
#include "http/api/api.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "http/static_site.h"

namespace rapport::cli {

namespace {

// The database series of /metrics (docs/operations.md lists them). Each read takes a
// fresh DatabaseStats: a scrape is rare, and the values stay consistent per series.
void AddDatabaseMetrics(storage::Database& db, http::Metrics& metrics) {
  metrics.AddCounter("rapport_db_transactions_total", "Write transactions run",
                     [&db] { return static_cast<double>(db.stats().transactions); });
  metrics.AddCounter("rapport_db_commits_total", "Physical commits (group commit batches)",
                     [&db] { return static_cast<double>(db.stats().commits); });
  metrics.AddCounter("rapport_db_write_retries_total", "Writes run again after a conflict with another writer",
                     [&db] { return static_cast<double>(db.stats().write_retries); });
  metrics.AddCounter("rapport_db_reads_total", "Read transactions run",
                     [&db] { return static_cast<double>(db.stats().reads); });
  metrics.AddGauge("rapport_db_reader_pool_size", "Reader connections in the pool",
                   [&db] { return static_cast<double>(db.stats().reader_pool_size); });
  metrics.AddGauge("rapport_db_readers_in_use", "Reader connections lent to a read right now",
                   [&db] { return static_cast<double>(db.stats().readers_in_use); });
  metrics.AddHistogram("rapport_db_reader_wait_seconds", "Time a read waited for an idle reader connection",
                       [&db] { return db.stats().reader_wait; });
  metrics.AddHistogram("rapport_db_read_duration_seconds", "Read transactions, BEGIN to COMMIT",
                       [&db] { return db.stats().read_latency; });
  metrics.AddHistogram("rapport_db_write_duration_seconds",
                       "Write transactions as the caller sees them: queueing, work and the shared commit",
                       [&db] { return db.stats().write_latency; });
  metrics.AddHistogram("rapport_db_commit_duration_seconds", "Physical COMMITs (one per group commit batch)",
                       [&db] { return db.stats().commit_latency; });
}

}  // namespace

int RunServe(const CommonOptions& common, const ServeOptions& options) {
  std::string host = options.listen;
  uint16_t port = 8080;
  if (auto colon = options.listen.rfind(':'); colon != std::string::npos) {
    host = options.listen.substr(0, colon);
    int parsed = 0;
    auto text = options.listen.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || ptr != text.data() + text.size() || parsed < 0 || parsed > 65535) {
      return Failure(fmt::format("--listen wants HOST:PORT, not `{}`.", options.listen), 2);
    }
    port = static_cast<uint16_t>(parsed);
  }
  int threads = options.threads > 0 ? options.threads : std::max(2u, std::thread::hardware_concurrency());

  auto keys = MasterKeys(common);
  if (!keys) return Failure(keys.error().detail());
  auto app = app::App::Open({.db_url = common.DatabaseUrl(), .read_connections = threads + 2, .master_keys = *keys});
  if (!app) return Failure(app.error().detail() + " " + app.error().internal());
  (*app)->records().KeepResults(static_cast<size_t>(options.report_cache_mb) << 20);

  http::Metrics metrics;
  AddDatabaseMetrics((*app)->db(), metrics);
  http::Router router;
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Failure("HTTPS needs both --tls-cert and --tls-key.", 2);
  }
  const bool tls = !options.tls_cert.empty();
  std::unique_ptr<mail::Mailer> mailer;
  if (!options.smtp_url.empty()) {
    auto smtp = mail::SmtpMailer({.url = options.smtp_url, .username = options.smtp_user, .password = options.smtp_password,
                                  .from = {options.smtp_from, "Rapport"}, .require_tls = options.smtp_require_tls});
    if (!smtp) return Failure("--smtp-url: " + smtp.error().detail(), 2);
    mailer = std::move(*smtp);
  }
  http::api::AddRoutes(router, {(*app)->records(), (*app)->identity(), (*app)->access(), (*app)->sign_in(), (*app)->views(),
                                (*app)->workspace(), (*app)->exchange_rates(), (*app)->reports(), (*app)->saved_reports(), (*app)->dashboards(),
                                (*app)->kpis(), (*app)->schedules(), (*app)->snapshots(), mailer.get(), metrics,
                                /*secure_cookies=*/tls});
  // The web app on the API's origin, read into memory once. Optional, so that the API
  // runs (and is tested) without a web build; one that is there but unusable is an error.
  std::optional<http::StaticSite> site;
  if (options.web_dir != "none") {
    std::error_code ec;
    if (!std::filesystem::exists(options.web_dir, ec)) {
      // Only the default may be missing (an API-only build); a path someone typed is a mistake.
      if (options.web_dir != RAPPORT_WEB_DIR) return Failure(fmt::format("--web: no directory {}", options.web_dir), 2);
      spdlog::warn("no web app at {}: serving the API only (build the web app, or pass --web none)", options.web_dir);
    } else {
      auto loaded = http::StaticSite::Load(options.web_dir);
      if (!loaded) return Failure(loaded.error().detail());
      site = std::move(*loaded);
      router.SetFallback("static", [&site](http::Request& request) { return site->Serve(request); });
      spdlog::info("web app: {} ({} files, {} KiB)", options.web_dir, site->file_count(),
                   (site->total_bytes() + 1023) / 1024);
    }
  }

  // Security headers on every answer: nothing is sniffed, framed or sent as a referrer,
  // and a page may only load what Rapport itself serves, plus data: images (the web app
  // shows the MFA QR code, an SVG, as one).
  http::HeaderList headers = {
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
       "object-src 'none'"}};
  if (options.hsts) headers.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  http::Server server({.address = host,
                       .port = port,
                       .threads = threads,
                       .body_limit = options.body_limit,
                       .access_log = options.access_log,
                       .write_threads = options.write_threads,
                       .default_headers = std::move(headers),
                       .rate_limit = options.rate_limit,
                       .rate_burst = options.rate_burst > 0 ? options.rate_burst : 2 * options.rate_limit,
                       .tls_cert_file = options.tls_cert,
                       .tls_key_file = options.tls_key},
                      router, metrics);
  auto listening = server.Listen();
  if (!listening) return Failure(listening.error().detail());
  server.StopOnSignals();
  spdlog::info("rapport serving {}://{}:{} ({} threads, database {})", tls ? "https" : "http", host, server.port(),
               threads,
               common.DatabaseUrl());
  // The scheduled jobs run from here: record snapshots, and scheduled reports when
  // there is a mail server to send them.
  std::mutex wake_mutex;
  std::condition_variable_any wake;
  if (mailer) spdlog::info("scheduled reports: mailed through {}", options.smtp_url);
  std::jthread scheduler([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto taken = (*app)->snapshots().RunDue();
      if (!taken) spdlog::error("record snapshots: {} {}", taken.error().detail(), taken.error().internal());
      else if (*taken > 0) spdlog::info("record snapshots: {} taken", *taken);
      if (mailer) {
        auto run = (*app)->schedules().RunDue(*mailer);
        if (!run) spdlog::error("scheduled reports: {} {}", run.error().detail(), run.error().internal());
        else if (*run > 0) spdlog::info("scheduled reports: {} sent", *run);
      }
      std::unique_lock lock(wake_mutex);
      wake.wait_for(lock, stop, std::chrono::seconds(options.schedule_interval), [] { return false; });
    }
  });
  server.Run();
  if (scheduler.joinable()) {
    scheduler.request_stop();
    scheduler.join();
  }
  spdlog::info("rapport stopped");
  return 0;
}

}  // namespace rapport::cli
