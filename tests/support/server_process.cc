#include "support/server_process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rapport::testing {

namespace {
std::string Binary() { return RAPPORT_BINARY_PATH; }
}  // namespace

CommandResult RunRapport(const std::string& args, const std::string& env) {
  return RunCommand((env.empty() ? "" : "env " + env + " ") + Binary() + " " + args + " 2>&1");
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ServerProcess::Init(const std::string& tenant, const std::string& admin_email) {
  auto result = RunRapport("init " + DatabaseArgs() + " --tenant " + tenant + " --admin-email " + admin_email +
                           " --admin-password 'correct horse battery staple'");
  std::smatch m;
  static const std::regex kToken("API token:\\s+(rpt_[0-9a-f_]+)");
  if (result.exit_status != 0 || !std::regex_search(result.output, m, kToken)) {
    throw std::runtime_error("rapport init failed: " + result.output);
  }
  return m[1];
}

void ServerProcess::Start(const std::vector<std::string>& extra_args) {
  std::string log = data_dir_ + "/server.log";
  size_t log_offset = Log().size();  // earlier runs' lines stay in the log
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::string binary = Binary();
    std::vector<std::string> args = {binary, "serve", db_url_.empty() ? "--data" : "--db",
                                     db_url_.empty() ? data_dir_ : db_url_, "--listen", "127.0.0.1:0",
                                     "--threads", "2"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    // The API alone unless a test asks for a web app: a web build in the source tree
    // (serve's default) must not change what unknown paths answer.
    if (std::find(extra_args.begin(), extra_args.end(), "--web") == extra_args.end()) {
      args.insert(args.end(), {"--web", "none"});
    }
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  static const std::regex kListening("serving https?://127\\.0\\.0\\.1:([0-9]+)");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = Log().substr(std::min(log_offset, Log().size()));
    std::smatch m;
    if (std::regex_search(text, m, kListening)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("rapport serve exited: " + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("rapport serve did not start: " + Log());
}

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

std::string ServerProcess::Log() const {
  std::ifstream in(data_dir_ + "/server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rapport::testing
