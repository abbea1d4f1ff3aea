// The `rapport` subcommands. Each returns a process exit status and prints a one-line
// reason on stderr when it fails.
#pragma once

#include "core/error.h"
#include "security/field_cipher.h"

#include <string>

namespace rapport::cli {

struct CommonOptions {
  std::string data_dir = "./data";
  std::string db_url;  // overrides data_dir when set
  std::string tenant;  // empty: the only tenant
  std::string log_format = "text";  // or "json" (logging/logging.h)
  // Master keys for encrypted fields; default with --data: DATA/master.key (if present).
  std::string master_key_file;

  std::string DatabaseUrl() const;
  // The key file's path ("" when there is none to use).
  std::string MasterKeyFile() const;
};

struct InitOptions {
  std::string admin_email;
  std::string admin_password;  // generated when empty
  std::string admin_name = "Administrator";
  std::string tenant_name = "Default";
};
int RunInit(const CommonOptions& common, const InitOptions& options);

struct TokenOptions {
  std::string email;
  std::string name = "cli";
  int expires_days = 0;
};
int RunTokenCreate(const CommonOptions& common, const TokenOptions& options);

struct DemoOptions {
  int companies = 40;
  int people_per_company = 5;
};
int RunDemo(const CommonOptions& common, const DemoOptions& options);

int RunMigrate(const CommonOptions& common, bool dry_run);
int RunBackup(const CommonOptions& common, const std::string& file);
int RunRestore(const CommonOptions& common, const std::string& file, bool force);
// Verifies the tenant's audit chain: 0 if intact, 1 if not (naming the first bad entry).
int RunAuditVerify(const CommonOptions& common);
// `keys generate`: a new current master key in the key file; `keys rotate`: re-wrap
// every tenant's data keys under it.
int RunKeysGenerate(const CommonOptions& common);
int RunKeysRotate(const CommonOptions& common);
// Tenant archives (transfer/archive.h); FILE "-" is stdout / stdin.
int RunExportTenant(const CommonOptions& common, const std::string& file);
int RunImportTenant(const CommonOptions& common, const std::string& file, bool replace);

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;         // I/O threads; 0: one per core (at least 2)
  int write_threads = 16;  // threads for data-changing requests (see http::ServerOptions)
  size_t body_limit = 8 << 20;
  bool access_log = true;
  double rate_limit = 0;  // API requests per second per client (0: no limit)
  double rate_burst = 0;  // bursts up to this many (default: 2 seconds' worth)
  bool hsts = false;      // send Strict-Transport-Security (behind TLS)
  std::string tls_cert;   // PEM certificate chain: serve HTTPS (with tls_key)
  std::string tls_key;    // PEM private key
  // The built web app, served beside the API; "none": the API only. By default where
  // the build puts it (CMake's RAPPORT_WEB_DIR); serve warns and goes on without it if
  // it is not there.
  std::string web_dir = RAPPORT_WEB_DIR;
  // Where scheduled reports are mailed (docs/reports.md); none: schedules are kept but
  // nothing is sent.
  std::string smtp_url;
  std::string smtp_from = "rapport@localhost";
  std::string smtp_user;
  std::string smtp_password;
  bool smtp_require_tls = false;
  int schedule_interval = 60;  // seconds between looks for due schedules
  // Report and dashboard results kept until their data changes (RecordService::
  // KeepResults), in MiB; 0: every view computes.
  int report_cache_mb = 64;
};
int RunServe(const CommonOptions& common, const ServeOptions& options);

// Prints `message` prefixed with "rapport: " to stderr (with --log-format json, as an
// error log line) and returns `code`.
int Failure(const std::string& message, int code = 1);

// The master keys `common` names (key file, then RAPPORT_MASTER_KEY).
Result<std::vector<security::MasterKey>> MasterKeys(const CommonOptions& common);

}  // namespace rapport::cli
