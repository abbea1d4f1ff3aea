#include "app/app.h"

#include "domain/customers/customers_module.h"
#include "domain/org/org_module.h"
#include "domain/sales/sales_module.h"
#include "metadata/system_schema.h"
#include "storage/migrations.h"

namespace rapport::app {

void RegisterModules(records::ModuleRegistry& registry) {
  domain::org::Register(registry);
  domain::customers::Register(registry);
  domain::sales::Register(registry);
}

Result<std::unique_ptr<App>> App::Open(const AppOptions& options) {
  std::unique_ptr<App> app(new App());
  RAPPORT_ASSIGN_OR_RETURN(app->db_, storage::Database::Open({.url = options.db_url,
                                                             .read_connections = options.read_connections,
                                                             .observe_statement = options.observe_statement}));
  if (options.migrate) RAPPORT_TRY(storage::Migrate(*app->db_, metadata::SystemMigrations()));
  RegisterModules(app->modules_);
  app->metadata_ = std::make_unique<metadata::MetadataStore>(*app->db_, app->modules_.objects());
  if (options.migrate) RAPPORT_TRY(app->metadata_->EnsureStandardSchema());
  app->access_ = std::make_unique<security::AccessStore>(*app->db_, *app->metadata_, app->policy_);
  app->keys_ = std::make_unique<security::KeyStore>(*app->db_, options.master_keys);
  app->records_ = std::make_unique<records::RecordService>(*app->metadata_, *app->db_, app->policy_, *app->access_,
                                                           *app->keys_, app->modules_);
  app->identity_ = std::make_unique<identity::Identity>(*app->db_, *app->records_);
  app->sign_in_ = std::make_unique<identity::SignIn>(*app->db_, *app->identity_, *app->access_);
  app->views_ = std::make_unique<views::SavedViews>(*app->db_, *app->records_);
  app->workspace_ = std::make_unique<workspace::WorkspaceSettingsStore>(*app->db_);
  app->exchange_rates_ = std::make_unique<workspace::ExchangeRateStore>(*app->db_);
  app->reports_ = std::make_unique<reports::ReportEngine>(*app->records_, *app->workspace_);
  app->saved_reports_ = std::make_unique<reports::SavedReports>(*app->db_, *app->reports_, *app->records_);
  app->kpis_ = std::make_unique<reports::Kpis>(*app->records_, *app->workspace_);
  app->dashboards_ = std::make_unique<reports::Dashboards>(*app->db_, *app->reports_, *app->saved_reports_,
                                                           *app->records_, *app->workspace_, *app->kpis_);
  app->schedules_ = std::make_unique<reports::ReportSchedules>(*app->db_, *app->reports_, *app->saved_reports_,
                                                                *app->records_, *app->workspace_, *app->dashboards_);
  app->snapshots_ = std::make_unique<reports::RecordSnapshots>(*app->db_, *app->records_, *app->workspace_);
  return app;
}

}  // namespace rapport::app
