// The public REST API (docs/api.md): thin handlers that parse the request, call the
// record engine, and serialise the result. No SQL, no permission checks, no business
// rules here; errors become problem+json in the Router.
#pragma once

#include "http/metrics.h"
#include "http/router.h"
#include "identity/identity.h"
#include "identity/sign_in.h"
#include "records/record_service.h"
#include "security/access_store.h"
#include "reports/dashboards.h"
#include "reports/kpis.h"
#include "reports/report_engine.h"
#include "reports/record_snapshots.h"
#include "reports/schedules.h"
#include "reports/saved_reports.h"
#include "views/saved_views.h"
#include "workspace/exchange_rates.h"
#include "workspace/workspace_settings.h"

namespace rapport::http::api {

struct ApiServices {
  records::RecordService& records;
  identity::Identity& identity;
  security::AccessStore& access;
  identity::SignIn& sign_in;
  views::SavedViews& views;
  workspace::WorkspaceSettingsStore& workspace;
  workspace::ExchangeRateStore& exchange_rates;
  reports::ReportEngine& reports;
  reports::SavedReports& saved_reports;
  reports::Dashboards& dashboards;
  reports::Kpis& kpis;
  reports::ReportSchedules& schedules;
  reports::RecordSnapshots& snapshots;
  // Where scheduled reports are mailed; null when the server has no SMTP settings.
  mail::Mailer* mailer;
  Metrics& metrics;
  // Cookies get `Secure` (set when serving over TLS).
  bool secure_cookies = false;
};

// Adds every route: /healthz, /metrics, /api/v1/... . `services` must outlive `router`.
void AddRoutes(Router& router, const ApiServices& services);
// Roles, sharing and access explanations (access_routes.cc); called by AddRoutes.
void AddAccessRoutes(Router& router, const ApiServices& services);
// Sign-in, sessions, passwords, invitations, login history, IP allow-list (auth_routes.cc).
void AddAuthRoutes(Router& router, const ApiServices& services);
// Saved list views (view_routes.cc).
void AddViewRoutes(Router& router, const ApiServices& services);
// Reports and the workspace settings they count by (report_routes.cc).
void AddReportRoutes(Router& router, const ApiServices& services);
// Scheduled reports (schedule_routes.cc).
void AddScheduleRoutes(Router& router, const ApiServices& services);
// Record snapshots for historical trends (schedule_routes.cc).
void AddSnapshotRoutes(Router& router, const ApiServices& services);

}  // namespace rapport::http::api
