// CLI11 applies a config file before the environment and lets the file win (it reads
// an environment variable only for an option that is still unset), which is the wrong
// way round for us, and it would read every subcommand's variables, not only the
// running one's. So CLI11 parses the flags alone, and the environment and the config
// file are layered here, for the running command only, into the options the flags left
// unset: environment first, then the file.
#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <map>
#include <set>

#include "core/strings.h"
#include "logging/logging.h"

namespace rapport::cli {

namespace {

// Where an option's value came from, lowest precedence first.
enum class Source { kDefault, kConfig, kEnv, kFlag };

std::string EnvName(const std::string& long_name) {
  std::string out = "RAPPORT_";
  for (char c : long_name) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Config keys are long names with `_` or `-`; this is the `-` spelling.
std::string OptionName(std::string key) {
  for (char& c : key) c = c == '_' ? '-' : c;
  return key;
}
std::string KeyName(std::string name) {
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}

// CLI11, too, takes an empty variable for an unset one.
const char* EnvValue(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value && *value ? value : nullptr;
}

// The options that the environment and a config file may set: every named option
// except help and the few marked configurable(false) (restore --force, import --replace).
std::vector<CLI::Option*> LayeredOptions(CLI::App* command) {
  return command->get_options([command](CLI::Option* option) {
    return !option->get_lnames().empty() && option->get_configurable() && option != command->get_help_ptr() &&
           option != command->get_help_all_ptr();
  });
}

CLI::Option* FindLayered(CLI::App* command, const std::string& name) {
  for (CLI::Option* option : LayeredOptions(command)) {
    if (option->check_lname(name)) return option;
  }
  return nullptr;
}

std::vector<CLI::App*> Commands(CLI::App* app) {
  std::vector<CLI::App*> out;
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    out.push_back(sub);
    for (CLI::App* nested : Commands(sub)) out.push_back(nested);
  }
  return out;
}

CLI::App* FindCommand(CLI::App* app, const std::vector<std::string>& path) {
  for (const std::string& name : path) {
    CLI::App* next = nullptr;
    for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_name() == name) next = sub;
    }
    if (!next) return nullptr;
    app = next;
  }
  return app;
}

// "token create" for the `create` subcommand of `token`.
std::string CommandPath(CLI::App* command, const std::string& separator) {
  std::string path = command->get_name();
  for (CLI::App* parent = command->get_parent(); parent && parent->get_parent(); parent = parent->get_parent()) {
    path = parent->get_name() + separator + path;
  }
  return path;
}

// Reads `path` (CLI11's TOML) and returns the values it gives `command`'s options by
// long name. Every key is checked, whichever command runs: a typo must not go unseen
// until the day that command runs.
std::map<std::string, std::vector<std::string>> ReadConfigFile(CLI::App& root, CLI::App* command,
                                                               const std::string& path) {
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::FileError&) {
    throw CLI::FileError(fmt::format("config file {}: cannot be read", path));
  }
  std::vector<std::string> all_keys;
  std::map<std::string, std::vector<std::string>> top, section;
  std::set<std::string> seen;
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // CLI11's section markers
    auto fail = [&](const std::string& why) {
      throw CLI::ConfigError(fmt::format("config file {}: {}", path, why));
    };
    std::string name = OptionName(item.name);
    if (!seen.insert(item.fullname()).second) fail(fmt::format("`{}` is set more than once", item.fullname()));
    if (item.inputs.size() > 1) {
      // CLI11 joins a key repeated on consecutive lines into one item with two values.
      fail(fmt::format("`{}` has more than one value (set twice, or a string with spaces not quoted)",
                       item.fullname()));
    }
    if (item.parents.empty()) {
      // A top-level key: any command's option; it applies to the running command if it
      // has that option (a shared file holds `listen` for serve and `db` for all).
      bool known = false;
      std::vector<std::string> candidates;
      for (CLI::App* each : Commands(&root)) {
        for (CLI::Option* option : LayeredOptions(each)) {
          candidates.push_back(KeyName(option->get_lnames().front()));
          known = known || option->check_lname(name);
        }
      }
      if (!known) {
        if (name == "force") fail("`force` cannot be set in a config file; pass --force to `rapport restore`");
        if (name == "replace") fail("`replace` cannot be set in a config file; pass --replace to `rapport import-tenant`");
        fail(fmt::format("unknown key `{}`.{}", item.name, DidYouMean(KeyName(name), candidates)));
      }
      if (command && FindLayered(command, name)) top[name] = item.inputs;
      continue;
    }
    CLI::App* target = FindCommand(&root, item.parents);
    if (!target || target == &root) {
      fail(fmt::format("unknown section [{}]; sections are commands, such as [serve] or [token.create]",
                       fmt::join(item.parents, ".")));
    }
    if (!FindLayered(target, name)) {
      std::vector<std::string> candidates;
      for (CLI::Option* option : LayeredOptions(target)) candidates.push_back(KeyName(option->get_lnames().front()));
      fail(fmt::format("unknown key `{}` in [{}].{}", item.name, fmt::join(item.parents, "."),
                       DidYouMean(KeyName(name), candidates)));
    }
    if (target == command) section[name] = item.inputs;
  }
  // The command's own section wins over the top level.
  for (auto& [name, values] : top) section.try_emplace(name, std::move(values));
  return section;
}

// Gives `option` its value from a lower layer, validated as a flag's would be.
void Apply(CLI::Option* option, const std::vector<std::string>& values, const std::string& from) {
  try {
    option->add_result(values);
    option->run_callback();
  } catch (const CLI::ParseError& e) {
    throw CLI::ValidationError(fmt::format("{} (from {})", e.what(), from));
  }
}

// Layers the environment and the config file under the flags of the running command;
// returns where each of its options' values came from.
std::map<std::string, Source> Layer(CLI::App& root, CLI::App* command, const std::string& config_path) {
  std::map<std::string, Source> sources;
  std::map<std::string, std::vector<std::string>> file;
  if (!config_path.empty()) file = ReadConfigFile(root, command, config_path);
  for (CLI::Option* option : LayeredOptions(command)) {
    const std::string& name = option->get_lnames().front();
    if (option->count() > 0) {
      sources[name] = Source::kFlag;
    } else if (const char* value = EnvValue(EnvName(name))) {
      Apply(option, {value}, EnvName(name));
      sources[name] = Source::kEnv;
    } else if (auto it = file.find(name); it != file.end()) {
      Apply(option, it->second, fmt::format("`{}` in {}", KeyName(name), config_path));
      sources[name] = Source::kConfig;
    } else {
      sources[name] = Source::kDefault;
    }
  }
  return sources;
}

constexpr const char* kLayersFooter =
    "Every option can also be set in the environment as RAPPORT_<OPTION> (RAPPORT_WRITE_THREADS for\n"
    "--write-threads) or in the --config file (write_threads = 8). Flags win over the environment, which\n"
    "wins over the file. See docs/operations.md.";

}  // namespace

std::variant<Invocation, int> ParseCommandLine(int argc, const char* const* argv) {
  Invocation run;
  CLI::App app{"Rapport: a self-hosted CRM. `rapport init`, then `rapport serve`."};
  app.require_subcommand(1);
  app.fallthrough();  // so that --config may follow the command, like every other option
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  std::string config_path;
  app.add_option("--config", config_path,
                 "Config file of option values, TOML `key = value` (env RAPPORT_CONFIG)");
  app.footer(kLayersFooter);

  CommonOptions& common = run.common;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--data", common.data_dir, "Data directory holding rapport.db")->capture_default_str();
    cmd->add_option("--db", common.db_url,
                    "Database URL: sqlite:PATH or postgresql://...; wins over --data from the same source");
    cmd->add_option("--master-key-file", common.master_key_file,
                    "Master keys for encrypted fields (default with --data: DATA/master.key)");
    cmd->add_option("--log-format", common.log_format, "Log lines: text or json (one JSON object per line)")
        ->capture_default_str()
        ->check(CLI::IsMember({"text", "json"}));
  };
  auto add_tenant = [&](CLI::App* cmd) {
    cmd->add_option("--tenant", common.tenant, "Tenant (workspace) name; default: the only one");
  };

  InitOptions& init = run.init;
  auto* init_cmd = app.add_subcommand("init", "Create the database, a tenant and its admin user");
  add_common(init_cmd);
  // Required, but checked by RunInit: it may come from the environment or the file.
  init_cmd->add_option("--admin-email", init.admin_email, "Admin user's email (required)");
  init_cmd->add_option("--admin-password", init.admin_password, "Admin password (generated when omitted)");
  init_cmd->add_option("--admin-name", init.admin_name, "Admin user's name")->capture_default_str();
  init_cmd->add_option("--tenant", init.tenant_name, "Tenant (workspace) name")->capture_default_str();

  ServeOptions& serve = run.serve;
  bool no_access_log = false;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the API and the web app until SIGINT/SIGTERM");
  add_common(serve_cmd);
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on")->capture_default_str();
  serve_cmd->add_option("--threads", serve.threads, "I/O threads (default: cores, at least 2)")
      ->check(CLI::Range(0, 1024));
  serve_cmd->add_option("--write-threads", serve.write_threads, "Threads for requests that change data")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  serve_cmd->add_option("--rate-limit", serve.rate_limit,
                        "API requests per second per client address; 0: no limit")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  serve_cmd->add_option("--rate-burst", serve.rate_burst, "Burst size for --rate-limit (default: 2 s worth)")
      ->check(CLI::Range(0.0, 1e7));
  serve_cmd->add_flag("--hsts", serve.hsts, "Send Strict-Transport-Security (when clients reach Rapport over TLS)");
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain: serve HTTPS (TLS 1.2+) with --tls-key");
  serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key for --tls-cert");
  serve_cmd->add_option("--smtp-url", serve.smtp_url, "Mail scheduled reports through this server: smtp://host:port or smtps://host:port");
  serve_cmd->add_option("--smtp-from", serve.smtp_from, "The sender of scheduled reports")
      ->capture_default_str();
  serve_cmd->add_option("--smtp-user", serve.smtp_user, "SMTP user name (with RAPPORT_SMTP_PASSWORD)");
  serve_cmd->add_option("--smtp-password", serve.smtp_password, "SMTP password (better: RAPPORT_SMTP_PASSWORD)");
  serve_cmd->add_flag("--smtp-require-tls", serve.smtp_require_tls, "Refuse to send mail without STARTTLS");
  serve_cmd->add_option("--schedule-interval", serve.schedule_interval, "Seconds between looks for due scheduled jobs (reports to mail, snapshots to take)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  serve_cmd->add_option("--report-cache-mb", serve.report_cache_mb,
                        "MiB of report results kept until their data changes (0: every view computes)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65536));
  serve_cmd->add_option("--web", serve.web_dir, "The built web app to serve beside the API (none: the API only)")
      ->capture_default_str();
  // A plain flag, not CLI11's `!--no-...` form: that one reads RAPPORT_NO_ACCESS_LOG=1
  // as "log" (the value is taken before the negation).
  serve_cmd->add_flag("--no-access-log", no_access_log, "Do not log one line per request");

  TokenOptions& token = run.token;
  auto* token_cmd = app.add_subcommand("token", "API tokens");
  token_cmd->require_subcommand(1);
  auto* token_create = token_cmd->add_subcommand("create", "Print a new API token for a user (shown once)");
  add_common(token_create);
  add_tenant(token_create);
  token_create->add_option("--email", token.email, "The user's email (required)");
  token_create->add_option("--name", token.name, "A name to recognise the token by")->capture_default_str();
  token_create->add_option("--expires", token.expires_days, "Days until it expires (0: never)")
      ->check(CLI::Range(0, 3650));

  auto* demo_cmd = app.add_subcommand("demo", "Load a realistic demo workspace");
  add_common(demo_cmd);
  add_tenant(demo_cmd);
  demo_cmd->add_option("--companies", run.demo.companies, "Number of companies")->check(CLI::Range(1, 100000));

  auto* migrate_cmd = app.add_subcommand("migrate", "Bring the schema up to date");
  add_common(migrate_cmd);
  migrate_cmd->add_flag("--dry-run", run.dry_run, "Only list pending migrations");

  auto* backup_cmd = app.add_subcommand(
      "backup", "Write a consistent online backup to FILE (SQLite: a database file; PostgreSQL: an archive)");
  add_common(backup_cmd);
  backup_cmd->add_option("FILE", run.file, "Backup file to create")->required();
  auto* restore_cmd = app.add_subcommand("restore", "Replace the database with a backup (server stopped)");
  add_common(restore_cmd);
  restore_cmd->add_option("FILE", run.file, "Backup file")->required();
  // Never from the environment or a file: replacing the database is said each time.
  restore_cmd->add_flag("--force", run.force, "Replace existing data (it is saved first, never deleted)")
      ->configurable(false);

  auto* export_cmd = app.add_subcommand("export-tenant", "Write one tenant (all its rows) as an archive to FILE");
  add_common(export_cmd);
  add_tenant(export_cmd);
  export_cmd->add_option("FILE", run.file, "Archive to create (- for stdout)")->required();
  auto* import_cmd = app.add_subcommand("import-tenant", "Load the tenant(s) of an archive made by export-tenant");
  add_common(import_cmd);
  import_cmd->add_option("FILE", run.file, "Archive to read (- for stdin)")->required();
  // Like --force: replacing a tenant is said each time.
  import_cmd->add_flag("--replace", run.replace, "Replace a tenant with the same id instead of refusing")
      ->configurable(false);

  auto* keys_cmd = app.add_subcommand("keys", "Master keys of encrypted fields");
  keys_cmd->require_subcommand(1);
  add_common(keys_cmd->add_subcommand("generate", "Add a new current master key to the key file"));
  add_common(keys_cmd->add_subcommand("rotate", "Re-wrap every tenant's data keys under the current master key"));

  auto* audit_cmd = app.add_subcommand("audit", "The hash-chained audit log");
  audit_cmd->require_subcommand(1);
  auto* audit_verify = audit_cmd->add_subcommand(
      "verify", "Check every link of a tenant's audit chain; print its head hash (exit 1 if broken)");
  add_common(audit_verify);
  add_tenant(audit_verify);

  for (CLI::App* command : Commands(&app)) {
    if (!LayeredOptions(command).empty()) command->footer(kLayersFooter);
  }

  try {
    app.parse(argc, argv);
    CLI::App* command = &app;
    while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
    if (config_path.empty()) {
      if (const char* env = EnvValue("RAPPORT_CONFIG")) config_path = env;
    }
    std::map<std::string, Source> sources = Layer(app, command, config_path);
    // --db wins over --data, unless --data comes from a higher layer (a flag --data
    // over RAPPORT_DB, say): then that is the one the operator meant.
    if (sources["data"] > sources["db"]) common.db_url.clear();
    run.command = CommandPath(command, " ");
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  serve.access_log = !no_access_log;
  return run;
}

int Run(const Invocation& run) {
  // The value was checked by the parser.
  logging::Configure(logging::ParseFormat(run.common.log_format).value_or(logging::Format::kText));
  if (run.command == "init") return RunInit(run.common, run.init);
  if (run.command == "serve") return RunServe(run.common, run.serve);
  if (run.command == "token create") return RunTokenCreate(run.common, run.token);
  if (run.command == "demo") return RunDemo(run.common, run.demo);
  if (run.command == "migrate") return RunMigrate(run.common, run.dry_run);
  if (run.command == "backup") return RunBackup(run.common, run.file);
  if (run.command == "restore") return RunRestore(run.common, run.file, run.force);
  if (run.command == "audit verify") return RunAuditVerify(run.common);
  if (run.command == "keys generate") return RunKeysGenerate(run.common);
  if (run.command == "keys rotate") return RunKeysRotate(run.common);
  if (run.command == "export-tenant") return RunExportTenant(run.common, run.file);
  if (run.command == "import-tenant") return RunImportTenant(run.common, run.file, run.replace);
  return Failure("unknown command " + run.command, 2);
}

}  // namespace rapport::cli
