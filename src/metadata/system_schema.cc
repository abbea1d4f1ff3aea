#include "metadata/system_schema.h"

namespace rapport::metadata {

namespace {

constexpr storage::Migration kMigrations[] = {
    {1, "tenants, metadata, tokens, history, events, idempotency", R"sql(
CREATE TABLE tenants (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE schema_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
CREATE TABLE meta_objects (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  label_plural TEXT NOT NULL,
  table_name TEXT NOT NULL,
  title_field TEXT,
  created_at TEXT NOT NULL,
  deleted_at TEXT,
  PRIMARY KEY (tenant_id, name)
);
CREATE TABLE meta_fields (
  tenant_id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  type TEXT NOT NULL,
  column_name TEXT NOT NULL,
  required INTEGER NOT NULL DEFAULT 0,
  is_unique INTEGER NOT NULL DEFAULT 0,
  indexed INTEGER NOT NULL DEFAULT 0,
  options TEXT,
  target TEXT,
  max_length INTEGER,
  min_value INTEGER,
  max_value INTEGER,
  position INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  deleted_at TEXT,
  PRIMARY KEY (tenant_id, object_name, name)
);
CREATE TABLE meta_versions (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  version INTEGER NOT NULL
);
CREATE TABLE credentials (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE TABLE api_tokens (
  id TEXT NOT NULL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE INDEX ix_api_tokens_user ON api_tokens (tenant_id, user_id);
CREATE TABLE record_history (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  record_id TEXT NOT NULL,
  change_kind TEXT NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  changed_by TEXT,
  changed_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX ix_record_history_record ON record_history (tenant_id, object_name, record_id, id);
CREATE TABLE change_events (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  record_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  record_version INTEGER NOT NULL,
  user_id TEXT,
  occurred_at TEXT NOT NULL,
  payload TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE idempotency_keys (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  object_name TEXT NOT NULL,
  record_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id, idem_key)
);
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (tenant_id, created_at);
)sql"},
    {2, "hash-chained audit log", R"sql(
CREATE TABLE audit_log (
  tenant_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  actor_id TEXT,
  kind TEXT NOT NULL,
  object_name TEXT,
  record_id TEXT,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX ix_audit_log_kind ON audit_log (tenant_id, kind, seq);
CREATE TABLE audit_heads (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
)sql"},
    {3, "read-only API tokens", R"sql(
ALTER TABLE api_tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
)sql"},
    {4, "roles, sharing defaults, sharing rules, manual shares", R"sql(
CREATE TABLE roles (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  manage_metadata INTEGER NOT NULL DEFAULT 0,
  manage_users INTEGER NOT NULL DEFAULT 0,
  require_mfa INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX ux_roles_name ON roles (tenant_id, name);
CREATE TABLE role_objects (
  tenant_id TEXT NOT NULL,
  role_id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  create_scope TEXT NOT NULL,
  read_scope TEXT NOT NULL,
  edit_scope TEXT NOT NULL,
  delete_scope TEXT NOT NULL,
  export_records INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, role_id, object_name)
);
CREATE TABLE role_fields (
  tenant_id TEXT NOT NULL,
  role_id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  field_name TEXT NOT NULL,
  access TEXT NOT NULL,
  PRIMARY KEY (tenant_id, role_id, object_name, field_name)
);
CREATE TABLE user_roles (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role_id TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id, role_id)
);
CREATE TABLE sharing_defaults (
  tenant_id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  access TEXT NOT NULL,
  PRIMARY KEY (tenant_id, object_name)
);
CREATE TABLE sharing_rules (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  name TEXT NOT NULL,
  criteria TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_id TEXT NOT NULL,
  level TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE record_shares (
  tenant_id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  record_id TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_id TEXT NOT NULL,
  level TEXT NOT NULL,
  created_by TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, object_name, record_id, target_kind, target_id)
);
CREATE INDEX ix_record_shares_target ON record_shares (tenant_id, object_name, target_kind, target_id, record_id);
)sql"},
    {5, "sessions, login history and throttling, invitations, IP allow-lists", R"sql(
CREATE TABLE sessions (
  id TEXT NOT NULL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  ip TEXT,
  user_agent TEXT
);
CREATE INDEX ix_sessions_user ON sessions (tenant_id, user_id);
CREATE TABLE invitations (
  id TEXT NOT NULL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_by TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX ix_invitations_user ON invitations (tenant_id, user_id);
CREATE TABLE login_history (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT,
  email TEXT NOT NULL,
  ip TEXT,
  user_agent TEXT,
  occurred_at TEXT NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX ix_login_history_user ON login_history (tenant_id, user_id, id);
CREATE TABLE login_throttle (
  throttle_key TEXT NOT NULL PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE ip_allowlist (
  tenant_id TEXT NOT NULL,
  cidr TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, cidr)
);
)sql"},
    {6, "two-factor sign-in (TOTP, recovery codes)", R"sql(
CREATE TABLE mfa_totp (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  secret TEXT NOT NULL,
  enabled_at TEXT,
  last_step INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE TABLE mfa_recovery_codes (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  used_at TEXT,
  PRIMARY KEY (tenant_id, user_id, code_hash)
);
ALTER TABLE sessions ADD COLUMN must_enrol_mfa INTEGER NOT NULL DEFAULT 0;
)sql"},
    {7, "API tokens scoped to objects, and when a token was last used", R"sql(
ALTER TABLE api_tokens ADD COLUMN objects TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
)sql"},
    {8, "encrypted fields: per-tenant data keys, wrapped", R"sql(
ALTER TABLE meta_fields ADD COLUMN encryption TEXT;
CREATE TABLE tenant_keys (
  tenant_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  master_key_id TEXT NOT NULL,
  wrapped TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, version)
);
)sql"},
    {9, "saved list views, personal or shared", R"sql(
CREATE TABLE saved_views (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  object_name TEXT NOT NULL,
  name TEXT NOT NULL,
  filter TEXT NOT NULL,
  sort TEXT NOT NULL,
  columns TEXT NOT NULL,
  shared INTEGER NOT NULL,
  owner_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX ix_saved_views_object ON saved_views (tenant_id, object_name);
)sql"},
    {10, "workspace settings: time zone and fiscal year of reports", R"sql(
CREATE TABLE workspace_settings (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  time_zone TEXT NOT NULL,
  fiscal_year_start INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
)sql"},
    {11, "saved reports, personal or shared", R"sql(
CREATE TABLE saved_reports (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  object_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  chart TEXT NOT NULL,
  shared INTEGER NOT NULL,
  owner_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX ix_saved_reports_owner ON saved_reports (tenant_id, owner_id);
)sql"},
    {12, "dashboards: widgets of saved reports, personal or shared", R"sql(
CREATE TABLE dashboards (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  widgets TEXT NOT NULL,
  filters TEXT NOT NULL,
  shared INTEGER NOT NULL,
  owner_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
)sql"},
    {13, "report schedules: saved reports and dashboards mailed on a schedule", R"sql(
CREATE TABLE report_schedules (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  report_id TEXT NOT NULL,
  dashboard_id TEXT NOT NULL,
  format TEXT NOT NULL,
  recipients TEXT NOT NULL,
  frequency TEXT NOT NULL,
  hour INTEGER NOT NULL,
  weekday INTEGER NOT NULL,
  day_of_month INTEGER NOT NULL,
  active INTEGER NOT NULL,
  owner_id TEXT NOT NULL,
  next_run_at TEXT NOT NULL,
  last_run_at TEXT NOT NULL,
  last_status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX ix_report_schedules_due ON report_schedules (tenant_id, active, next_run_at);
)sql"},
    {14, "record snapshots: a daily copy of chosen fields into an object of their own", R"sql(
CREATE TABLE record_snapshots (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  source_object TEXT NOT NULL,
  filter TEXT NOT NULL,
  fields TEXT NOT NULL,
  target_object TEXT NOT NULL,
  hour INTEGER NOT NULL,
  active INTEGER NOT NULL,
  owner_id TEXT NOT NULL,
  next_run_at TEXT NOT NULL,
  last_run_at TEXT NOT NULL,
  last_status TEXT NOT NULL,
  last_rows INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX ix_record_snapshots_due ON record_snapshots (tenant_id, active, next_run_at);
)sql"},
    {15, "currencies: the workspace's own currency and dated exchange rates into it", R"sql(
ALTER TABLE workspace_settings ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
CREATE TABLE exchange_rates (
  tenant_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  rate INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, currency, valid_from)
);
)sql"},
    {16, "history objects: a snapshot's copies are read under its source's permissions", R"sql(
ALTER TABLE meta_objects ADD COLUMN history_of TEXT NOT NULL DEFAULT '';
UPDATE meta_objects SET history_of = (SELECT MIN(s.source_object) FROM record_snapshots s
                                      WHERE s.tenant_id = meta_objects.tenant_id AND s.target_object = meta_objects.name)
WHERE EXISTS (SELECT 1 FROM record_snapshots s
              WHERE s.tenant_id = meta_objects.tenant_id AND s.target_object = meta_objects.name);
)sql"},
};

constexpr std::string_view kTenantTables[] = {
    "meta_objects", "meta_fields",    "meta_versions",  "credentials",
    "api_tokens",   "record_history", "change_events", "idempotency_keys",
    "audit_log",    "audit_heads",    "roles",          "role_objects",
    "role_fields",  "user_roles",     "sharing_defaults", "sharing_rules",
    "record_shares", "sessions",      "invitations",    "login_history",  "ip_allowlist",
    "mfa_totp",      "mfa_recovery_codes", "tenant_keys", "saved_views", "workspace_settings",
    "saved_reports", "dashboards", "report_schedules", "record_snapshots", "exchange_rates",
};
// login_throttle is keyed by email and address, before any tenant is known.
constexpr std::string_view kGlobalTables[] = {"tenants", "schema_columns", "login_throttle"};

}  // namespace

std::span<const storage::Migration> SystemMigrations() { return kMigrations; }
std::span<const std::string_view> TenantSystemTables() { return kTenantTables; }
std::span<const std::string_view> GlobalSystemTables() { return kGlobalTables; }

}  // namespace rapport::metadata
