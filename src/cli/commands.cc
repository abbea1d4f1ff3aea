#include "cli/commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.h"
#include "app/sample_data.h"
#include "audit/audit_log.h"
#include "core/time.h"
#include "logging/logging.h"
#include "metadata/system_schema.h"
#include "storage/migrations.h"
#include "transfer/archive.h"

namespace rapport::cli {

namespace {

using records::InputValue;

}  // namespace

// The key file's keys, then RAPPORT_MASTER_KEY's (which is then current).
Result<std::vector<security::MasterKey>> MasterKeys(const CommonOptions& common) {
  std::vector<security::MasterKey> keys;
  std::string path = common.MasterKeyFile();
  if (!path.empty() && std::filesystem::exists(path)) {
    RAPPORT_ASSIGN_OR_RETURN(keys, security::LoadMasterKeys(path));
  } else if (!common.master_key_file.empty()) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("No master key file at {}.", path));
  }
  if (const char* env = std::getenv("RAPPORT_MASTER_KEY"); env && *env) {
    RAPPORT_ASSIGN_OR_RETURN(auto key, security::ParseMasterKey(env));
    keys.push_back(key);
  }
  return keys;
}

namespace {

Result<std::unique_ptr<app::App>> OpenApp(const CommonOptions& common, bool create_dir, bool migrate = true) {
  if (common.db_url.empty() && create_dir) {
    std::error_code ec;
    std::filesystem::create_directories(common.data_dir, ec);
    if (ec) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("Cannot create data directory {}: {}", common.data_dir, ec.message()));
    }
  }
  if (common.db_url.empty() && !create_dir &&
      !std::filesystem::exists(std::filesystem::path(common.data_dir) / "rapport.db")) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("No database in {}: run `rapport init --admin-email ...` first.", common.data_dir));
  }
  RAPPORT_ASSIGN_OR_RETURN(auto keys, MasterKeys(common));
  return app::App::Open({.db_url = common.DatabaseUrl(), .migrate = migrate, .master_keys = std::move(keys)});
}

int ReportError(const Error& error) { return Failure(error.detail() + (error.internal().empty() ? "" : " (" + error.internal() + ")")); }

}  // namespace

std::string CommonOptions::MasterKeyFile() const {
  if (!master_key_file.empty()) return master_key_file;
  if (db_url.empty()) return (std::filesystem::path(data_dir) / "master.key").string();
  return "";
}

std::string CommonOptions::DatabaseUrl() const {
  if (!db_url.empty()) return db_url;
  return "sqlite:" + (std::filesystem::path(data_dir) / "rapport.db").string();
}

int Failure(const std::string& message, int code) {
  if (logging::CurrentFormat() == logging::Format::kJson) spdlog::error("{}", message);
  else std::cerr << "rapport: " << message << "\n";
  return code;
}

int RunInit(const CommonOptions& common, const InitOptions& options) {
  if (options.admin_email.empty()) return Failure("--admin-email is required.", 2);
  // An embedded (--data) workspace gets its own master key file, so encrypted fields
  // work out of the box. Keep a copy elsewhere: without it they cannot be read.
  if (common.db_url.empty() && common.master_key_file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(common.data_dir, ec);
    if (!std::filesystem::exists(common.MasterKeyFile())) {
      if (auto made = security::AppendNewMasterKey(common.MasterKeyFile()); !made) return ReportError(made.error());
    }
  }
  auto app = OpenApp(common, true);
  if (!app) return ReportError(app.error());
  auto& identity = (*app)->identity();
  auto existing = identity.FindTenant(options.tenant_name);
  if (!existing) return ReportError(existing.error());
  if (*existing) {
    return Failure(fmt::format("A tenant named `{}` already exists; nothing changed.", options.tenant_name));
  }
  auto tenant = identity.CreateTenant(options.tenant_name);
  if (!tenant) return ReportError(tenant.error());
  std::string password = options.admin_password.empty() ? identity::Identity::GeneratePassword() : options.admin_password;
  auto user = identity.CreateUser(*tenant, options.admin_name, options.admin_email, "admin", password);
  if (!user) {
    std::string why = user.error().detail();
    for (const auto& fe : user.error().field_errors()) why += fmt::format(" ({}: {})", fe.field, fe.message);
    return Failure(why);
  }
  // Every workspace starts with the shared Sales dashboard and its reports.
  if (auto defaults = (*app)->dashboards().CreateDefaults(security::Principal{tenant->id, user->id, true}); !defaults) {
    return ReportError(defaults.error());
  }
  auto token = identity.CreateToken(*tenant, user->id, "init", 0);
  if (!token) return ReportError(token.error());
  std::cout << fmt::format(
      "Created tenant `{}` in {}\n"
      "  admin email:    {}\n"
      "  admin password: {}{}\n"
      "  API token:      {}\n"
      "Keep these safe: they are shown only once.\n",
      tenant->name, common.DatabaseUrl(), options.admin_email, password,
      options.admin_password.empty() ? "  (generated)" : "", token->token);
  return 0;
}

int RunTokenCreate(const CommonOptions& common, const TokenOptions& options) {
  if (options.email.empty()) return Failure("--email is required.", 2);
  auto app = OpenApp(common, false);
  if (!app) return ReportError(app.error());
  auto& identity = (*app)->identity();
  auto tenant = identity.ResolveTenant(common.tenant);
  if (!tenant) return ReportError(tenant.error());
  auto user = identity.FindUserByEmail(*tenant, options.email);
  if (!user) return ReportError(user.error());
  auto token = identity.CreateToken(*tenant, user->id, options.name, options.expires_days);
  if (!token) return ReportError(token.error());
  std::cout << token->token << "\n";
  return 0;
}

int RunDemo(const CommonOptions& common, const DemoOptions& options) {
  auto app = OpenApp(common, false);
  if (!app) return ReportError(app.error());
  auto tenant = (*app)->identity().ResolveTenant(common.tenant);
  if (!tenant) return ReportError(tenant.error());
  auto& records = (*app)->records();
  // Demo records belong to the tenant's first admin, as if they had entered them.
  auto principal = security::Principal::System(tenant->id);
  auto admins = records.List(principal, {.object = "users", .filter = "role = \"admin\"", .sort = "created_at",
                                         .limit = 1});
  if (!admins) return ReportError(admins.error());
  if (!admins->records.empty()) principal = security::Principal{tenant->id, admins->records[0].id, true};
  app::SampleData data(42);

  auto batch = [&](const std::string& object, std::vector<records::InputObject> items)
      -> Result<std::vector<records::Record>> {
    records::BatchCommand command{object, {}, true};
    for (auto& values : items) command.items.push_back({.values = std::move(values)});
    RAPPORT_ASSIGN_OR_RETURN(auto results, records.Batch(principal, command));
    std::vector<records::Record> out;
    for (auto& r : results) out.push_back(std::move(*r.outcome));
    return out;
  };

  std::vector<records::InputObject> companies;
  std::vector<std::string> domains;
  for (int i = 0; i < options.companies; ++i) {
    companies.push_back(data.Company(i + 1));
    domains.push_back(data.last_domain());
  }
  auto created_companies = batch("companies", std::move(companies));
  if (!created_companies) return ReportError(created_companies.error());

  std::vector<records::InputObject> people;
  std::vector<std::string> person_company;
  for (size_t c = 0; c < created_companies->size(); ++c) {
    for (int k = 0; k < options.people_per_company; ++k) {
      people.push_back(data.Person(static_cast<int>(people.size()) + 1, (*created_companies)[c].id, domains[c]));
      person_company.push_back((*created_companies)[c].id);
    }
  }
  auto created_people = batch("people", std::move(people));
  if (!created_people) return ReportError(created_people.error());

  std::vector<records::InputObject> deals;
  for (size_t c = 0; c < created_companies->size(); ++c) {
    for (int k = 0; k < 2; ++k) {
      size_t person = c * static_cast<size_t>(options.people_per_company);
      deals.push_back(data.Opportunity(static_cast<int>(deals.size()) + 1, (*created_companies)[c].id,
                                       person < created_people->size() ? (*created_people)[person].id : ""));
    }
  }
  auto created_deals = batch("opportunities", std::move(deals));
  if (!created_deals) return ReportError(created_deals.error());

  std::vector<records::InputObject> activities;
  for (size_t i = 0; i < created_deals->size(); ++i) {
    activities.push_back(data.Activity(static_cast<int>(activities.size()) + 1, "opportunities", (*created_deals)[i].id));
  }
  for (size_t i = 0; i < created_people->size(); i += 2) {
    activities.push_back(data.Activity(static_cast<int>(activities.size()) + 1, "people", (*created_people)[i].id));
  }
  auto created_activities = batch("activities", std::move(activities));
  if (!created_activities) return ReportError(created_activities.error());

  std::vector<records::InputObject> leads;
  for (int i = 0; i < 30; ++i) leads.push_back(data.Lead(i + 1));
  auto created_leads = batch("leads", std::move(leads));
  if (!created_leads) return ReportError(created_leads.error());
  std::vector<records::InputObject> products;
  for (int i = 0; i < 8; ++i) products.push_back(data.Product(i + 1));
  auto created_products = batch("products", std::move(products));
  if (!created_products) return ReportError(created_products.error());

  std::cout << fmt::format(
      "Demo data loaded into `{}`: {} companies, {} people, {} opportunities, {} activities, {} leads, {} products.\n",
      tenant->name, created_companies->size(), created_people->size(), created_deals->size(),
      created_activities->size(), created_leads->size(), created_products->size());
  return 0;
}

int RunMigrate(const CommonOptions& common, bool dry_run) {
  auto db = storage::Database::Open({.url = common.DatabaseUrl(), .read_connections = 1});
  if (!db) return ReportError(db.error());
  auto version = storage::SchemaVersion(**db);
  if (!version) return ReportError(version.error());
  auto migrations = metadata::SystemMigrations();
  if (dry_run) {
    int pending = 0;
    for (const auto& m : migrations) {
      if (m.version > *version) {
        std::cout << fmt::format("pending: {} {}\n", m.version, m.description);
        ++pending;
      }
    }
    std::cout << fmt::format("schema version {}; {} pending\n", *version, pending);
    return 0;
  }
  db->reset();
  auto app = app::App::Open({.db_url = common.DatabaseUrl(), .read_connections = 1});
  if (!app) return ReportError(app.error());
  auto after = storage::SchemaVersion((*app)->db());
  if (!after) return ReportError(after.error());
  std::cout << fmt::format("schema version {} (was {})\n", *after, *version);
  return 0;
}

namespace {

// Writes through `write` into FILE.partial, syncs it to disk, then renames it to FILE:
// a reader never sees half a file, and a crash leaves no file rather than a short one.
Status WriteFileAtomically(const std::string& file, const std::function<Status(std::ostream&)>& write) {
  std::string partial = file + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return Fail(ErrorCode::kUnavailable, fmt::format("Cannot create {}.", partial));
    Status written = write(out);
    out.close();
    if (!written || !out) {
      std::filesystem::remove(partial);
      if (!written) return written;
      return Fail(ErrorCode::kUnavailable, fmt::format("Cannot write {} (disk full?).", partial));
    }
  }
  int fd = ::open(partial.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  std::filesystem::rename(partial, file, ec);
  if (ec) return Fail(ErrorCode::kUnavailable, fmt::format("Cannot rename {}: {}", partial, ec.message()));
  return Ok();
}

// Writes an archive of `tenant_ids` (all when empty) to FILE, or stdout for "-".
// Every export is an audit event of each tenant it carried (after the snapshot, so the
// archive does not hold its own event).
Result<transfer::ArchiveSummary> WriteArchive(app::App& app, const std::vector<std::string>& tenant_ids,
                                              const std::string& file) {
  transfer::ArchiveSummary summary;
  if (file == "-") {
    RAPPORT_ASSIGN_OR_RETURN(summary, transfer::ExportArchive(app.db(), app.metadata(), tenant_ids, std::cout));
  } else {
    RAPPORT_TRY(WriteFileAtomically(file, [&](std::ostream& out) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(summary, transfer::ExportArchive(app.db(), app.metadata(), tenant_ids, out));
      return Ok();
    }));
  }
  std::vector<std::string> exported = tenant_ids;
  if (exported.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(auto all, app.identity().ListTenants());
    for (const auto& t : all) exported.push_back(t.id);
  }
  RAPPORT_TRY(app.db().Write([&](storage::Connection& c) -> Status {
    for (const auto& tenant_id : exported) {
      RAPPORT_TRY(audit::Append(c, tenant_id,
                                {.kind = "tenant.exported",
                                 .detail = audit::Detail({{"to", file == "-" ? "stdout" : file},
                                                          {"rows", std::to_string(summary.rows)}})}));
    }
    return Ok();
  }));
  return summary;
}

std::string CompactTimestamp() {
  std::string t = FormatDatetime(SystemClock::Instance().Now());  // 2026-11-25T16:44:42.000000Z
  std::erase_if(t, [](char c) { return c == '-' || c == ':'; });
  return t.substr(0, 15) + "Z";                                    // 20261125T164442Z
}

// Replaces the database's contents with an archive; with --force the replaced tenants
// are first saved next to the archive, so a restore never loses data.
int RestoreArchive(const CommonOptions& common, const std::string& file, bool force) {
  auto app = OpenApp(common, true);
  if (!app) return ReportError(app.error());
  auto tenants = (*app)->identity().ListTenants();
  if (!tenants) return ReportError(tenants.error());
  if (!tenants->empty()) {
    if (!force) {
      return Failure(fmt::format("The database holds {} tenant(s); stop the server and pass --force to replace "
                                 "them (they are saved first).",
                                 tenants->size()));
    }
    std::string saved = (std::filesystem::path(file).parent_path() /
                         fmt::format("before-restore-{}.rapport", CompactTimestamp()))
                            .string();
    auto kept = WriteArchive(**app, {}, saved);
    if (!kept) return ReportError(kept.error());
    std::cout << fmt::format("Saved the replaced contents ({} tenants) to {}\n", kept->tenants, saved);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Failure(fmt::format("Cannot read {}.", file));
  auto restored = transfer::ImportArchive((*app)->db(), (*app)->metadata(), in, transfer::ImportMode::kReplaceAll);
  if (!restored) return ReportError(restored.error());
  std::cout << fmt::format("Restored {} tenant(s), {} rows, into {}\n", restored->tenants, restored->rows,
                           common.DatabaseUrl());
  return 0;
}

}  // namespace

int RunBackup(const CommonOptions& common, const std::string& file) {
  if (file.empty()) return Failure("backup needs a FILE.", 2);
  if (std::filesystem::exists(file)) return Failure(fmt::format("{} exists; refusing to overwrite it.", file));
  auto app = OpenApp(common, false, /*migrate=*/false);
  if (!app) return ReportError(app.error());
  storage::Database& db = (*app)->db();
  if (db.dialect().name() == "sqlite") {
    // The SQLite online backup API: a page-for-page copy of one snapshot.
    auto status = db.BackupTo(file);
    if (!status) return ReportError(status.error());
  } else {
    // Other backends: an archive of every tenant, read in one snapshot.
    auto summary = WriteArchive(**app, {}, file);
    if (!summary) return ReportError(summary.error());
  }
  std::cout << fmt::format("Backup written to {}\n", file);
  return 0;
}

int RunRestore(const CommonOptions& common, const std::string& file, bool force) {
  if (!std::filesystem::exists(file)) return Failure(fmt::format("{} does not exist.", file));
  if (transfer::IsArchiveFile(file)) return RestoreArchive(common, file, force);
  std::string url = common.DatabaseUrl();
  if (!url.starts_with("sqlite:")) {
    return Failure(fmt::format("{} is a SQLite backup: restore it into SQLite, then move its tenants with "
                               "`rapport export-tenant` and `rapport import-tenant`.",
                               file));
  }
  std::string target = url.substr(url.find(':') + 1);
  if (std::filesystem::exists(target) && !force) {
    return Failure(fmt::format("{} exists; stop the server and pass --force to replace it.", target));
  }
  // Check the backup opens and carries a schema before replacing anything.
  {
    auto backup = storage::Database::Open({.url = file, .read_connections = 1});
    if (!backup) return ReportError(backup.error());
    auto version = storage::SchemaVersion(**backup);
    if (!version || *version == 0) return Failure(fmt::format("{} is not a Rapport backup.", file));
  }
  std::filesystem::create_directories(std::filesystem::path(target).parent_path());
  std::string staging = target + ".restoring";
  std::error_code ec;
  std::filesystem::copy_file(file, staging, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return Failure(fmt::format("Cannot copy {}: {}", file, ec.message()));
  // Keep the replaced database (and its WAL) aside rather than deleting it: a restore
  // must never lose data, even the data it replaces.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (std::filesystem::exists(target + suffix)) {
      std::filesystem::rename(target + suffix, target + ".before-restore" + suffix, ec);
      if (ec) return Failure(fmt::format("Cannot move {} aside: {}", target + suffix, ec.message()));
    }
  }
  std::filesystem::rename(staging, target, ec);  // atomic within one file system
  if (ec) return Failure(fmt::format("Cannot replace {}: {}", target, ec.message()));
  std::cout << fmt::format("Restored {} from {}\n", target, file);
  return 0;
}

int RunKeysGenerate(const CommonOptions& common) {
  std::string path = common.MasterKeyFile();
  if (path.empty()) return Failure("Say where the key file is: --master-key-file PATH.", 2);
  auto id = security::AppendNewMasterKey(path);
  if (!id) return ReportError(id.error());
  std::cout << fmt::format("Added master key `{}` to {}; it is now current. Run `rapport keys rotate` to re-wrap "
                           "the data keys under it.\n",
                           *id, path);
  return 0;
}

int RunKeysRotate(const CommonOptions& common) {
  auto app = OpenApp(common, false);
  if (!app) return ReportError(app.error());
  auto rewrapped = (*app)->keys().Rewrap();
  if (!rewrapped) return ReportError(rewrapped.error());
  std::cout << fmt::format("Re-wrapped {} data key(s) under the current master key.\n", *rewrapped);
  return 0;
}

int RunAuditVerify(const CommonOptions& common) {
  auto app = OpenApp(common, false, /*migrate=*/false);
  if (!app) return ReportError(app.error());
  auto tenant = (*app)->identity().ResolveTenant(common.tenant);
  if (!tenant) return ReportError(tenant.error());
  auto verified = audit::Verify((*app)->db(), tenant->id);
  if (!verified) return ReportError(verified.error());
  if (verified->broken_at) {
    return Failure(fmt::format("The audit log of `{}` is broken at entry {}: {}. {} entries before it check out.",
                               tenant->name, *verified->broken_at, verified->problem, verified->entries));
  }
  std::cout << fmt::format("The audit log of `{}` is intact: {} entries, head {}\n", tenant->name,
                           verified->entries, verified->head_hash);
  return 0;
}

int RunExportTenant(const CommonOptions& common, const std::string& file) {
  if (file != "-" && std::filesystem::exists(file)) {
    return Failure(fmt::format("{} exists; refusing to overwrite it.", file));
  }
  auto app = OpenApp(common, false, /*migrate=*/false);
  if (!app) return ReportError(app.error());
  auto tenant = (*app)->identity().ResolveTenant(common.tenant);
  if (!tenant) return ReportError(tenant.error());
  auto summary = WriteArchive(**app, {tenant->id}, file);
  if (!summary) return ReportError(summary.error());
  if (file != "-") {
    std::cout << fmt::format("Exported tenant `{}` ({} rows) to {}\n", tenant->name, summary->rows, file);
  }
  return 0;
}

int RunImportTenant(const CommonOptions& common, const std::string& file, bool replace) {
  std::ifstream file_in;
  std::istream* in = &std::cin;
  if (file != "-") {
    file_in.open(file, std::ios::binary);
    if (!file_in) return Failure(fmt::format("Cannot read {}.", file));
    in = &file_in;
  }
  auto app = OpenApp(common, true);
  if (!app) return ReportError(app.error());
  auto summary = transfer::ImportArchive((*app)->db(), (*app)->metadata(), *in,
                                         replace ? transfer::ImportMode::kReplaceTenants
                                                 : transfer::ImportMode::kAddTenants);
  if (!summary) return ReportError(summary.error());
  std::cout << fmt::format("Imported {} tenant(s), {} rows, into {}\n", summary->tenants, summary->rows,
                           common.DatabaseUrl());
  return 0;
}

}  // namespace rapport::cli
