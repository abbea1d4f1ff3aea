// Runs the real `rapport` binary for end-to-end tests: `init` into a temporary data
// directory, then `serve` on a free loopback port, talking to it over real HTTP.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace rapport::testing {

// Runs `rapport <args>` (a shell command line) to completion with `env` (shell
// assignments such as "RAPPORT_DATA=/x") added to the environment; returns its exit
// status and captured output.
struct CommandResult {
  int exit_status = -1;
  std::string output;  // stdout and stderr
};
CommandResult RunRapport(const std::string& args, const std::string& env = "");
// Runs a shell command line; stdout only (add 2>&1 for stderr).
CommandResult RunCommand(const std::string& command);

class ServerProcess {
 public:
  // `data_dir` holds the server log (and the SQLite database unless `db_url` is set:
  // then the server runs on that database, e.g. a PostgreSQL URL).
  explicit ServerProcess(std::string data_dir, std::string db_url = "")
      : data_dir_(std::move(data_dir)), db_url_(std::move(db_url)) {}
  ~ServerProcess() { Stop(SIGKILL); }

  // `rapport init` for tenant `tenant`; returns the API token it printed.
  std::string Init(const std::string& tenant, const std::string& admin_email = "admin@example.com");
  // Starts `rapport serve --listen 127.0.0.1:0 <extra_args>` and waits until it listens.
  // Without --web in `extra_args` it serves the API only (--web none).
  void Start(const std::vector<std::string>& extra_args = {});
  // Sends `signal` and waits for the process; returns its exit status (or -signal).
  int Stop(int signal = SIGTERM);

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  // The database arguments for a `rapport` command: "--data DIR" or "--db URL".
  std::string DatabaseArgs() const { return db_url_.empty() ? "--data " + data_dir_ : "--db " + db_url_; }
  std::string Log() const;

 private:
  std::string data_dir_;
  std::string db_url_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace rapport::testing
