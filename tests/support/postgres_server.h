// A private PostgreSQL cluster for tests: initdb into a temporary directory, started
// on a free loopback port with fsync off, stopped and removed at process exit.
//
// One cluster per test process, started lazily by the first Instance() call; each
// test takes a fresh database from CreateDatabase() for isolation. As root (CI and
// containers), PostgreSQL refuses to run, so the cluster runs as the `postgres`
// system user and tests connect as that user. If the PostgreSQL binaries are not
// installed, Instance() reports why: tests must fail on it, never skip silently.
// If the test process dies, a watchdog process stops the cluster and removes it.
//
// Thread-safe: Instance() and CreateDatabase() may be called from any thread;
// Stop()/Start() are for one test at a time.
#pragma once

#include <expected>
#include <mutex>
#include <string>

namespace rapport::testing {

class PostgresServer {
 public:
  // The process's cluster, started on first use, or why it could not be started.
  static std::expected<PostgresServer*, std::string> Instance();

  // Creates an empty database and returns its libpq URL.
  std::expected<std::string, std::string> CreateDatabase();

  // Stops / restarts the cluster (same port and data), to test lost connections.
  std::expected<void, std::string> Stop();
  std::expected<void, std::string> Start();

  int port() const { return port_; }
  const std::string& user() const { return user_; }

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

 private:
  PostgresServer() = default;
  std::expected<void, std::string> Init();
  // Runs a PostgreSQL tool (as the postgres user when root); output goes to the log.
  std::expected<void, std::string> Run(const std::string& tool, const std::string& args);
  std::string Log() const;

  std::string bin_dir_;
  std::string dir_;       // temporary root: data/, the socket, the log
  std::string user_;      // the role tests connect as
  std::string run_as_;    // "runuser -u postgres -- " when root, else ""
  int port_ = 0;
  bool running_ = false;
  std::mutex mu_;
  int next_database_ = 0;
};

// A fresh, empty database for a test parameterised by backend: for "postgres" a new
// database on the process's cluster, otherwise `sqlite_path` (a file in the test's
// temporary directory). Returns the URL for Database::Open / App::Open / --db.
std::expected<std::string, std::string> FreshDatabase(const std::string& backend, const std::string& sqlite_path);

}  // namespace rapport::testing
