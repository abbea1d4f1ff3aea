// A test of the engine as the server wires it (app::App), below HTTP, on a fresh
// database of the parameter's backend: "sqlite" (a file in a temporary directory) or
// "postgres" (a private cluster). It starts with a tenant "Acme" and its
// administrator Ada to act as. Instantiate with
// INSTANTIATE_TEST_SUITE_P(Backends, MyTest, testing::kBackends, testing::BackendName).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace rapport::testing {

inline const auto kBackends = ::testing::Values("sqlite", "postgres");
inline std::string BackendName(const ::testing::TestParamInfo<std::string>& backend) { return backend.param; }

class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr char kPassword[] = "correct horse battery staple";

  // A derived fixture's SetUp calls this first, and stops if it failed.
  void SetUp() override {
    auto url = FreshDatabase(GetParam(), dir_.File("rapport.db"));
    ASSERT_TRUE(url) << url.error();
    url_ = *url;
    app::AppOptions options = Options();
    options.db_url = *url;
    auto app = app::App::Open(options);
    ASSERT_TRUE(app) << app.error().ToString();
    app_ = std::move(*app);
    auto tenant = app_->identity().CreateTenant("Acme");
    ASSERT_TRUE(tenant) << tenant.error().ToString();
    tenant_ = *tenant;
    auto ada = app_->identity().CreateUser(tenant_, "Ada", "ada@example.com", "admin", kPassword);
    ASSERT_TRUE(ada) << ada.error().ToString();
    admin_ = security::Principal{tenant_.id, ada->id, true};
  }

  // What the app is opened with, besides the database (master keys, say).
  virtual app::AppOptions Options() { return {}; }

  // A second App over the same database (as another process would be) that records
  // every statement it runs, to tell what an operation read.
  class Observed {
   public:
    explicit Observed(const std::string& url) {
      auto opened = app::App::Open({.db_url = url, .observe_statement = [this](std::string_view sql) {
                                      std::lock_guard lock(mu_);
                                      statements_.emplace_back(sql);
                                    }});
      if (opened) app_ = std::move(*opened);
      else error_ = opened.error().ToString();
    }
    // Null if it failed to open (error() says why).
    app::App* operator->() const { return app_.get(); }
    explicit operator bool() const { return app_ != nullptr; }
    const std::string& error() const { return error_; }
    // How many statements run so far `matches`.
    long Count(const std::function<bool(const std::string&)>& matches) {
      std::lock_guard lock(mu_);
      return std::count_if(statements_.begin(), statements_.end(), matches);
    }

   private:
    std::mutex mu_;
    std::vector<std::string> statements_;
    std::unique_ptr<app::App> app_;
    std::string error_;
  };

  TempDir dir_;
  std::string url_;  // of the database, for a second App over it (another process)
  std::unique_ptr<app::App> app_;
  identity::Tenant tenant_;
  security::Principal admin_;
};

}  // namespace rapport::testing
