// The versioned migrations for Rapport's own tables (tenants, metadata, tokens,
// history, change events, idempotency keys). Record tables are not here: they are
// created from object definitions by MetadataStore (metadata-driven DDL).
//
// Every tenant-owned table leads its primary key and indexes with tenant_id (the
// shape a tenant-sharded distributed engine needs). `tenants` and `api_tokens` are
// global lookup tables (reference tables when sharded).
#pragma once

#include <span>
#include <string_view>

#include "storage/migrations.h"

namespace rapport::metadata {

std::span<const storage::Migration> SystemMigrations();

// Rapport's own tables that hold rows per tenant (tenant_id column), metadata first:
// the order a tenant archive carries them. Record tables come from the metadata.
// tenant_shape_test checks that every table in the catalog is accounted for.
std::span<const std::string_view> TenantSystemTables();
// Tables shared by all tenants: `tenants` (one row per tenant), `schema_columns`
// (which standard columns exist; no tenant data).
std::span<const std::string_view> GlobalSystemTables();

}  // namespace rapport::metadata
