// Where option values come from: flags > environment (RAPPORT_*) > config file >
// defaults, for the running command only; and the config file's key checks.
#include "cli/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace rapport::cli {
namespace {

using ::testing::HasSubstr;

class CommandLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClearRapportEnvironment();
    dir_ = std::filesystem::temp_directory_path() / ("rapport_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    ClearRapportEnvironment();
    std::filesystem::remove_all(dir_);
  }

  static void ClearRapportEnvironment() {
    std::vector<std::string> names;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      if (entry.starts_with("RAPPORT_")) names.push_back(entry.substr(0, entry.find('=')));
    }
    for (const std::string& name : names) ::unsetenv(name.c_str());
  }

  std::string Config(const std::string& text, const std::string& name = "rapport.toml") {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::variant<Invocation, int> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "rapport");
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  }
  // Parses a command line that must succeed.
  Invocation Ok(const std::vector<std::string>& args) {
    ::testing::internal::CaptureStderr();
    auto parsed = Parse(args);
    std::string err = ::testing::internal::GetCapturedStderr();
    if (auto* run = std::get_if<Invocation>(&parsed)) return *run;
    ADD_FAILURE() << "parse failed: " << err;
    return {};
  }
  // Parses a command line that must fail; returns what it printed on stderr.
  std::string Error(const std::vector<std::string>& args) {
    ::testing::internal::CaptureStderr();
    auto parsed = Parse(args);
    std::string err = ::testing::internal::GetCapturedStderr();
    const int* status = std::get_if<int>(&parsed);
    EXPECT_TRUE(status && *status != 0) << "parse succeeded";
    return err;
  }

  std::filesystem::path dir_;
};

TEST_F(CommandLineTest, DefaultsWhenNothingIsSet) {
  Invocation run = Ok({"serve"});
  EXPECT_EQ(run.command, "serve");
  EXPECT_EQ(run.serve.listen, "127.0.0.1:8080");
  EXPECT_EQ(run.serve.threads, 0);
  EXPECT_EQ(run.serve.write_threads, 16);
  EXPECT_TRUE(run.serve.access_log);
  EXPECT_EQ(run.common.data_dir, "./data");
  EXPECT_EQ(run.common.db_url, "");
  EXPECT_EQ(run.common.log_format, "text");
  EXPECT_EQ(run.serve.web_dir, RAPPORT_WEB_DIR);
  EXPECT_EQ(run.serve.report_cache_mb, 64);
  EXPECT_EQ(Ok({"serve", "--report-cache-mb", "0"}).serve.report_cache_mb, 0);
}

TEST_F(CommandLineTest, WebDirFromFlagEnvironmentOrFile) {
  EXPECT_EQ(Ok({"serve", "--web", "none"}).serve.web_dir, "none");
  std::string config = Config("[serve]\nweb = \"/usr/share/rapport/web\"\n");
  EXPECT_EQ(Ok({"serve", "--config", config}).serve.web_dir, "/usr/share/rapport/web");
  ::setenv("RAPPORT_WEB", "/srv/web", 1);
  EXPECT_EQ(Ok({"serve", "--config", config}).serve.web_dir, "/srv/web");
  EXPECT_EQ(Ok({"serve", "--web", "none"}).serve.web_dir, "none");
}

TEST_F(CommandLineTest, ConfigFileWinsOverDefaults) {
  std::string file = Config(
      "# shared by every command\n"
      "listen = \"0.0.0.0:9000\"\n"
      "write_threads = 4\n"
      "log-format = \"json\"\n"
      "no_access_log = true\n"
      "data = \"/var/lib/rapport\"\n");
  Invocation run = Ok({"serve", "--config", file});
  EXPECT_EQ(run.serve.listen, "0.0.0.0:9000");
  EXPECT_EQ(run.serve.write_threads, 4);
  EXPECT_EQ(run.common.log_format, "json");
  EXPECT_FALSE(run.serve.access_log);
  EXPECT_EQ(run.common.data_dir, "/var/lib/rapport");
  EXPECT_EQ(run.serve.threads, 0);  // not in the file: the default
}

TEST_F(CommandLineTest, EnvironmentWinsOverConfigFile) {
  std::string file = Config("listen = \"0.0.0.0:9000\"\nwrite_threads = 4\nlog_format = \"json\"\n");
  ::setenv("RAPPORT_LISTEN", "10.0.0.1:7000", 1);
  ::setenv("RAPPORT_LOG_FORMAT", "text", 1);
  Invocation run = Ok({"serve", "--config", file});
  EXPECT_EQ(run.serve.listen, "10.0.0.1:7000");
  EXPECT_EQ(run.common.log_format, "text");
  EXPECT_EQ(run.serve.write_threads, 4);  // only in the file
}

TEST_F(CommandLineTest, FlagsWinOverEnvironmentAndConfigFile) {
  std::string file = Config("listen = \"0.0.0.0:9000\"\nwrite_threads = 4\nthreads = 3\n");
  ::setenv("RAPPORT_LISTEN", "10.0.0.1:7000", 1);
  ::setenv("RAPPORT_WRITE_THREADS", "8", 1);
  Invocation run = Ok({"serve", "--config", file, "--listen", "127.0.0.1:1", "--write-threads=2"});
  EXPECT_EQ(run.serve.listen, "127.0.0.1:1");
  EXPECT_EQ(run.serve.write_threads, 2);
  EXPECT_EQ(run.serve.threads, 3);  // file
}

TEST_F(CommandLineTest, ConfigFileFromEnvironmentAndFlagWinsOverIt) {
  ::setenv("RAPPORT_CONFIG", Config("listen = \"1.1.1.1:1\"\n", "a.toml").c_str(), 1);
  EXPECT_EQ(Ok({"serve"}).serve.listen, "1.1.1.1:1");
  std::string other = Config("listen = \"2.2.2.2:2\"\n", "b.toml");
  EXPECT_EQ(Ok({"--config", other, "serve"}).serve.listen, "2.2.2.2:2");
  EXPECT_EQ(Ok({"serve", "--config=" + other}).serve.listen, "2.2.2.2:2");
  ::setenv("RAPPORT_CONFIG", (dir_ / "missing.toml").c_str(), 1);
  EXPECT_THAT(Error({"serve"}), HasSubstr("missing.toml: cannot be read"));
}

TEST_F(CommandLineTest, CommandSectionWinsOverTopLevelAndOtherSectionsAreLeftAlone) {
  std::string file = Config(
      "listen = \"0.0.0.0:1\"\n"
      "tenant = \"Top\"\n"
      "[serve]\n"
      "listen = \"0.0.0.0:2\"\n"
      "[token.create]\n"
      "email = \"ops@example.com\"\n"
      "expires = 30\n"
      "[init]\n"
      "admin_email = \"admin@example.com\"\n");
  Invocation serve = Ok({"serve", "--config", file});
  EXPECT_EQ(serve.serve.listen, "0.0.0.0:2");
  Invocation token = Ok({"token", "create", "--config", file});
  EXPECT_EQ(token.command, "token create");
  EXPECT_EQ(token.token.email, "ops@example.com");
  EXPECT_EQ(token.token.expires_days, 30);
  EXPECT_EQ(token.common.tenant, "Top");
  EXPECT_EQ(token.init.admin_email, "");  // [init] is not for `token create`
  Invocation migrate = Ok({"migrate", "--config", file});  // `listen` is not migrate's: ignored
  EXPECT_EQ(migrate.command, "migrate");
  Invocation init = Ok({"init", "--config", file});
  EXPECT_EQ(init.init.admin_email, "admin@example.com");
  EXPECT_EQ(init.init.tenant_name, "Top");
}

TEST_F(CommandLineTest, UnknownKeysAndSectionsAreErrors) {
  EXPECT_THAT(Error({"serve", "--config", Config("lisen = \"0.0.0.0:1\"\n")}),
              HasSubstr("unknown key `lisen`. Did you mean `listen`?"));
  EXPECT_THAT(Error({"migrate", "--config", Config("lisen = \"0.0.0.0:1\"\n")}),
              HasSubstr("unknown key `lisen`"));  // even when the command would not use it
  EXPECT_THAT(Error({"serve", "--config", Config("[serve]\nadmin_email = \"a@b.co\"\n")}),
              HasSubstr("unknown key `admin_email` in [serve]"));
  EXPECT_THAT(Error({"serve", "--config", Config("[serv]\nlisten = \"0.0.0.0:1\"\n")}),
              HasSubstr("unknown section [serv]"));
  EXPECT_THAT(Error({"serve", "--config", Config("listen = \"a:1\"\nlisten = \"b:2\"\n")}),
              HasSubstr("`listen` has more than one value"));
  EXPECT_THAT(Error({"serve", "--config", Config("listen = \"a:1\"\nthreads = 2\nlisten = \"b:2\"\n")}),
              HasSubstr("`listen` is set more than once"));
  EXPECT_THAT(Error({"init", "--config", Config("[init]\nadmin_name = Ada Lovelace\n")}),
              HasSubstr("`init.admin_name` has more than one value"));
  EXPECT_EQ(Ok({"init", "--config", Config("[init]\nadmin_name = \"Ada Lovelace\"\n")}).init.admin_name,
            "Ada Lovelace");
  EXPECT_THAT(Error({"restore", "x.db", "--config", Config("force = true\n")}),
              HasSubstr("`force` cannot be set in a config file"));
  EXPECT_THAT(Error({"serve", "--config", Config("config = \"other.toml\"\n")}), HasSubstr("unknown key `config`"));
}

TEST_F(CommandLineTest, EnvironmentAndFileValuesAreValidatedLikeFlags) {
  ::setenv("RAPPORT_WRITE_THREADS", "999", 1);
  EXPECT_THAT(Error({"serve"}), HasSubstr("(from RAPPORT_WRITE_THREADS)"));
  ::unsetenv("RAPPORT_WRITE_THREADS");
  EXPECT_THAT(Error({"serve", "--config", Config("threads = \"many\"\n")}), HasSubstr("(from `threads` in"));
  ::setenv("RAPPORT_LOG_FORMAT", "xml", 1);
  EXPECT_THAT(Error({"migrate"}), HasSubstr("RAPPORT_LOG_FORMAT"));
}

TEST_F(CommandLineTest, OnlyTheRunningCommandReadsTheEnvironment) {
  ::setenv("RAPPORT_COMPANIES", "not a number", 1);  // demo's
  EXPECT_EQ(Ok({"serve"}).command, "serve");
  EXPECT_THAT(Error({"demo"}), HasSubstr("RAPPORT_COMPANIES"));
}

TEST_F(CommandLineTest, FlagsFromEnvironmentAndRequiredOptionsFromAnyLayer) {
  ::setenv("RAPPORT_NO_ACCESS_LOG", "1", 1);
  EXPECT_FALSE(Ok({"serve"}).serve.access_log);
  ::setenv("RAPPORT_NO_ACCESS_LOG", "false", 1);
  EXPECT_TRUE(Ok({"serve"}).serve.access_log);
  ::setenv("RAPPORT_DRY_RUN", "true", 1);
  EXPECT_TRUE(Ok({"migrate"}).dry_run);
  ::setenv("RAPPORT_ADMIN_EMAIL", "env@example.com", 1);
  ::setenv("RAPPORT_ADMIN_PASSWORD", "from the environment", 1);
  Invocation init = Ok({"init"});
  EXPECT_EQ(init.init.admin_email, "env@example.com");
  EXPECT_EQ(init.init.admin_password, "from the environment");
  // --force is said on the command line only.
  ::setenv("RAPPORT_FORCE", "1", 1);
  EXPECT_FALSE(Ok({"restore", "b.db"}).force);
  EXPECT_TRUE(Ok({"restore", "--force", "b.db"}).force);
}

TEST_F(CommandLineTest, DataFromAHigherLayerWinsOverDb) {
  ::setenv("RAPPORT_DB", "postgresql://rapport@db/rapport", 1);
  EXPECT_EQ(Ok({"migrate"}).common.DatabaseUrl(), "postgresql://rapport@db/rapport");
  Invocation flag = Ok({"migrate", "--data", "/tmp/here"});
  EXPECT_EQ(flag.common.db_url, "");
  EXPECT_EQ(flag.common.data_dir, "/tmp/here");
  // Same layer: --db wins, as documented.
  Invocation both = Ok({"migrate", "--data", "/tmp/here", "--db", "sqlite:/tmp/x.db"});
  EXPECT_EQ(both.common.DatabaseUrl(), "sqlite:/tmp/x.db");
  // The file is below the environment: RAPPORT_DB stays.
  Invocation file = Ok({"migrate", "--config", Config("data = \"/srv/rapport\"\n")});
  EXPECT_EQ(file.common.DatabaseUrl(), "postgresql://rapport@db/rapport");
}

TEST_F(CommandLineTest, HelpListsTheLayers) {
  ::testing::internal::CaptureStdout();
  auto parsed = Parse({"serve", "--help"});
  std::string help = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(std::holds_alternative<int>(parsed));
  EXPECT_EQ(std::get<int>(parsed), 0);
  EXPECT_THAT(help, HasSubstr("--write-threads"));
  EXPECT_THAT(help, HasSubstr("--log-format"));
  EXPECT_THAT(help, HasSubstr("RAPPORT_<OPTION>"));
}

}  // namespace
}  // namespace rapport::cli
