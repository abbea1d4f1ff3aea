// The `rapport` command line (CLI11): subcommands, their options, and where an
// option's value comes from. Highest precedence first:
//
//   1. the flag                    --write-threads 8
//   2. the environment             RAPPORT_WRITE_THREADS=8   (RAPPORT_ + the long name)
//   3. the config file             write_threads = 8         (--config FILE or RAPPORT_CONFIG)
//   4. the built-in default
//
// The config file is what CLI11 reads as TOML: `key = value` lines, keys being long
// option names (`_` or `-`); top-level keys apply to whichever command runs (if it has
// that option), and a `[serve]` or `[token.create]` section applies to that command
// only, winning over a top-level key. A key that no command has is an error, and so is
// a section that is not a command. docs/operations.md has the table.
#pragma once

#include <string>
#include <variant>

#include "cli/commands.h"

namespace rapport::cli {

// What to run, with every option resolved.
struct Invocation {
  std::string command;  // "init", "serve", "token create", ..., "export-tenant", "import-tenant"
  CommonOptions common;
  InitOptions init;
  ServeOptions serve;
  TokenOptions token;
  DemoOptions demo;
  bool dry_run = false;  // migrate
  std::string file;      // backup, restore, export-tenant, import-tenant
  bool force = false;    // restore; flag only, never from the environment or a file
  bool replace = false;  // import-tenant; flag only, like force
};

// Parses argv with the environment and config file. For --help, or a usage error, it
// prints what CLI11 prints (help on stdout, the error on stderr) and returns the exit
// status instead.
std::variant<Invocation, int> ParseCommandLine(int argc, const char* const* argv);

// Configures logging (--log-format) and runs the command; returns the exit status.
int Run(const Invocation& invocation);

}  // namespace rapport::cli
