// The composition root: the only place that names concrete backends and calls every
// domain module's Register. The CLI, the server and the tests build an App.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "identity/identity.h"
#include "identity/sign_in.h"
#include "metadata/metadata_store.h"
#include "records/module_registry.h"
#include "records/record_service.h"
#include "reports/dashboards.h"
#include "reports/kpis.h"
#include "reports/report_engine.h"
#include "reports/record_snapshots.h"
#include "reports/schedules.h"
#include "reports/saved_reports.h"
#include "security/access_store.h"
#include "security/field_cipher.h"
#include "security/policy.h"
#include "storage/database.h"
#include "views/saved_views.h"
#include "workspace/exchange_rates.h"
#include "workspace/workspace_settings.h"

namespace rapport::app {

struct AppOptions {
  std::string db_url;          // sqlite:PATH (or a bare path)
  int read_connections = 4;
  bool migrate = true;         // apply pending migrations and standard-object DDL
  storage::StatementObserver observe_statement;  // see storage::DatabaseOptions
  // Master keys for encrypted fields (security/field_cipher.h); the last is current.
  // None: encrypted fields are refused.
  std::vector<security::MasterKey> master_keys;
};

class App {
 public:
  // Opens the database, applies migrations (unless told not to) and wires the engine.
  static Result<std::unique_ptr<App>> Open(const AppOptions& options);

  storage::Database& db() { return *db_; }
  metadata::MetadataStore& metadata() { return *metadata_; }
  records::RecordService& records() { return *records_; }
  identity::Identity& identity() { return *identity_; }
  security::AccessStore& access() { return *access_; }
  identity::SignIn& sign_in() { return *sign_in_; }
  views::SavedViews& views() { return *views_; }
  workspace::WorkspaceSettingsStore& workspace() { return *workspace_; }
  workspace::ExchangeRateStore& exchange_rates() { return *exchange_rates_; }
  reports::ReportEngine& reports() { return *reports_; }
  reports::SavedReports& saved_reports() { return *saved_reports_; }
  reports::Dashboards& dashboards() { return *dashboards_; }
  reports::Kpis& kpis() { return *kpis_; }
  reports::ReportSchedules& schedules() { return *schedules_; }
  reports::RecordSnapshots& snapshots() { return *snapshots_; }
  security::KeyStore& keys() { return *keys_; }
  const records::ModuleRegistry& modules() const { return modules_; }

 private:
  App() = default;
  std::unique_ptr<storage::Database> db_;
  records::ModuleRegistry modules_;
  security::Policy policy_;
  std::unique_ptr<metadata::MetadataStore> metadata_;
  std::unique_ptr<security::AccessStore> access_;
  std::unique_ptr<security::KeyStore> keys_;
  std::unique_ptr<records::RecordService> records_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<identity::SignIn> sign_in_;
  std::unique_ptr<views::SavedViews> views_;
  std::unique_ptr<workspace::WorkspaceSettingsStore> workspace_;
  std::unique_ptr<workspace::ExchangeRateStore> exchange_rates_;
  std::unique_ptr<reports::ReportEngine> reports_;
  std::unique_ptr<reports::SavedReports> saved_reports_;
  std::unique_ptr<reports::Dashboards> dashboards_;
  std::unique_ptr<reports::Kpis> kpis_;
  std::unique_ptr<reports::ReportSchedules> schedules_;
  std::unique_ptr<reports::RecordSnapshots> snapshots_;
};

// Registers every domain module's objects and rules.
void RegisterModules(records::ModuleRegistry& registry);

}  // namespace rapport::app
