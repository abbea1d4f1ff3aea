// rapport: one binary, many subcommands (README.md, "Command line"; cli/command_line.h).
#include <malloc.h>

#include <algorithm>
#include <thread>
#include <variant>

#include "cli/command_line.h"

int main(int argc, char** argv) {
  // glibc gives every thread that allocates its own arena (up to 8 per core); with the
  // server's I/O and write-pool threads that doubled peak RSS for no speed-up. One
  // arena per core keeps memory flat (measured: 200 MB -> 112 MB under write load).
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  auto parsed = rapport::cli::ParseCommandLine(argc, argv);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  return rapport::cli::Run(std::get<rapport::cli::Invocation>(parsed));
}
