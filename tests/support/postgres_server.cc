#include "support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace rapport::testing {

namespace {

namespace fs = std::filesystem;

// Highest installed major version, or RAPPORT_PG_BIN.
std::string FindBinDir() {
  if (const char* env = std::getenv("RAPPORT_PG_BIN")) return env;
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version && fs::exists(entry.path() / "bin" / "initdb")) {
      best_version = version;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// Forks a process that waits for this one to exit (its end of a pipe closes), then
// stops the cluster and removes it: a crashed test must not leave a server running.
void StartWatchdog(const std::string& cleanup_command) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    // Off the test's stdout/stderr, so CTest does not wait for this process.
    int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    ::setsid();
    char byte;
    while (::read(fds[0], &byte, 1) > 0) {
    }
    ::execl("/bin/sh", "sh", "-c", cleanup_command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);
  // fds[1] stays open (close-on-exec, so no child inherits it) until this process ends.
}

}  // namespace

std::expected<PostgresServer*, std::string> PostgresServer::Instance() {
  static std::mutex mu;
  static std::unique_ptr<PostgresServer> server;
  static std::string failure;
  std::lock_guard lock(mu);
  if (server) return server.get();
  if (!failure.empty()) return std::unexpected(failure);
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  if (auto started = s->Init(); !started) {
    failure = started.error();
    return std::unexpected(failure);
  }
  server = std::move(s);
  return server.get();
}

std::expected<void, std::string> PostgresServer::Init() {
  bin_dir_ = FindBinDir();
  if (bin_dir_.empty() || !fs::exists(fs::path(bin_dir_) / "initdb")) {
    return std::unexpected(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and "
        "$RAPPORT_PG_BIN). Install them: scripts/setup.sh (apt package `postgresql`).");
  }
  std::string pattern = (fs::temp_directory_path() / "rapport_pg_XXXXXX").string();
  if (!::mkdtemp(pattern.data())) return std::unexpected("mkdtemp failed");
  dir_ = pattern;
  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) return std::unexpected("running as root, but there is no `postgres` user to run PostgreSQL as");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return std::unexpected("chown of " + dir_ + " failed");
    run_as_ = "runuser -u postgres -- ";
    user_ = "postgres";
  } else {
    passwd* pw = ::getpwuid(::geteuid());
    user_ = pw ? pw->pw_name : "postgres";
  }
  StartWatchdog(run_as_ + bin_dir_ + "/pg_ctl stop -D " + dir_ + "/data -m immediate >/dev/null 2>&1; rm -rf " + dir_);
  // -N: no fsync during initdb; the cluster is thrown away.
  if (auto r = Run("initdb", "-D " + dir_ + "/data -A trust -U " + user_ + " -E UTF8 --locale=C -N"); !r) {
    return r;
  }
  // Another process may take the free port before the server binds it: try a few.
  std::expected<void, std::string> started = std::unexpected("no free loopback port");
  for (int attempt = 0; attempt < 3 && !started; ++attempt) {
    port_ = FreeLoopbackPort();
    if (port_ != 0) started = Start();
  }
  return started;
}

PostgresServer::~PostgresServer() {
  if (running_) (void)Stop();
  if (!dir_.empty() && !std::getenv("RAPPORT_KEEP_TEMP")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::expected<void, std::string> PostgresServer::Run(const std::string& tool, const std::string& args) {
  std::string command = run_as_ + bin_dir_ + "/" + tool + " " + args + " >>" + dir_ + "/tools.log 2>&1";
  int rc = std::system(command.c_str());
  if (rc != 0) {
    return std::unexpected("`" + command + "` failed (status " + std::to_string(rc) + "):\n" + Log());
  }
  return {};
}

std::string PostgresServer::Log() const {
  std::string out;
  for (const char* name : {"/tools.log", "/server.log"}) {
    std::ifstream in(dir_ + name);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    if (s.size() > 4000) s = s.substr(s.size() - 4000);
    out += std::string(name + 1) + ":\n" + s + "\n";
  }
  return out;
}

std::expected<void, std::string> PostgresServer::Start() {
  auto started = Run("pg_ctl", "start -w -t 60 -D " + dir_ + "/data -l " + dir_ + "/server.log -o \"-p " +
                                   std::to_string(port_) + " -k " + dir_ +
                                   " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                                   " -c full_page_writes=off -c max_connections=50 -c shared_buffers=16MB\"");
  if (started) running_ = true;
  return started;
}

std::expected<void, std::string> PostgresServer::Stop() {
  auto stopped = Run("pg_ctl", "stop -w -t 60 -m fast -D " + dir_ + "/data");
  if (stopped) running_ = false;
  return stopped;
}

std::expected<std::string, std::string> PostgresServer::CreateDatabase() {
  std::string name;
  {
    std::lock_guard lock(mu_);
    name = "t_" + std::to_string(++next_database_);
  }
  auto created = Run("createdb", "-h 127.0.0.1 -p " + std::to_string(port_) + " -U " + user_ + " " + name);
  if (!created) return std::unexpected(created.error());
  return "postgresql://" + user_ + "@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::expected<std::string, std::string> FreshDatabase(const std::string& backend, const std::string& sqlite_path) {
  if (backend != "postgres") return "sqlite:" + sqlite_path;
  auto server = PostgresServer::Instance();
  if (!server) return std::unexpected(server.error());
  return (*server)->CreateDatabase();
}

}  // namespace rapport::testing
