// The public REST API (docs/api.md): thin handlers that parse the request, call the
// record engine, and serialise the result. No SQL, no permission checks, no business
// rules here; errors become problem+json in the Router.
#pragma once

#include "http/metrics.h"
#include "http/router.h"
#include "identity/identity.h"
#include "records/record_service.h"
#include "security/access_store.h"

namespace rapport::http::api {

struct ApiServices {
  records::RecordService& records;
  identity::Identity& identity;
  security::AccessStore& access;
  Metrics& metrics;
};

// Adds every route: /healthz, /metrics, /api/v1/... . `services` must outlive `router`.
void AddRoutes(Router& router, const ApiServices& services);
// Roles, sharing and access explanations (access_routes.cc); called by AddRoutes.
void AddAccessRoutes(Router& router, const ApiServices& services);

}  // namespace rapport::http::api
