// The versioned migrations for Rapport's own tables (tenants, metadata, tokens,
// history, change events, idempotency keys). Record tables are not here: they are
// created from object definitions by MetadataStore (metadata-driven DDL).
//
// Every tenant-owned table leads its primary key and indexes with tenant_id (the
// shape a tenant-sharded distributed engine needs). `tenants` and `api_tokens` are
// global lookup tables (reference tables when sharded).
#pragma once

#include <span>

#include "storage/migrations.h"

namespace rapport::metadata {

std::span<const storage::Migration> SystemMigrations();

}  // namespace rapport::metadata
