// A test of the engine as the server wires it (app::App), below HTTP, on a fresh
// database of the parameter's backend: "sqlite" (a file in a temporary directory) or
// "postgres" (a private cluster). It starts with a tenant "Acme" and its
// administrator Ada to act as. Instantiate with
// INSTANTIATE_TEST_SUITE_P(Backends, MyTest, testing::kBackends, testing::BackendName).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

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

  TempDir dir_;
  std::string url_;  // of the database, for a second App over it (another process)
  std::unique_ptr<app::App> app_;
  identity::Tenant tenant_;
  security::Principal admin_;
};

}  // namespace rapport::testing
