// Validate, then plan, then apply. PlanSchemaChange is pure (no I/O): it returns
// kValidationFailed with every problem found, or the exact statements to run.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "metadata/metadata_edit.h"
#include "metadata/snapshot.h"
#include "storage/dialect.h"
#include "storage/value.h"

namespace rapport::metadata {

struct PlanStep {
  std::string description;  // for `--dry-run` output and logs
  std::string sql;
  std::vector<storage::Value> params;
};

struct SchemaPlan {
  std::vector<PlanStep> steps;
};

// `suffix` makes physical names unique (callers pass a few random hex digits), so an
// api name can be deleted and re-created without colliding with kept data.
Result<SchemaPlan> PlanSchemaChange(const MetadataSnapshot& current, const MetadataEdit& edit,
                                    const storage::SqlDialect& dialect,
                                    const std::string& tenant_id, const std::string& now,
                                    const std::string& suffix);

// DDL creating the table (and its indexes) for an object, IF NOT EXISTS. `snapshot`
// resolves lookup targets to their tables (standard objects' tables are their names).
std::vector<std::string> CreateTableSql(const ObjectDef& object, const storage::SqlDialect& dialect,
                                        const MetadataSnapshot* snapshot = nullptr);
// DDL adding one field's column(s) and index to an existing table.
std::vector<std::string> AddColumnSql(const ObjectDef& object, const FieldDef& field,
                                      const storage::SqlDialect& dialect);
// Indexes for one field (lookups, indexed and unique fields); every index leads with
// tenant_id, and covers the live rows (deleted_at is in each, or each is partial on it).
std::vector<std::string> IndexSql(const ObjectDef& object, const FieldDef& field,
                                  const storage::SqlDialect& dialect);
// Every index of an object's table (its owner's, the change feed's, its fields', the
// object's own over several fields), IF NOT EXISTS.
std::vector<std::string> RecordIndexesSql(const ObjectDef& object, const storage::SqlDialect& dialect);
// RecordIndexesSql, then dropping the indexes that earlier versions made instead (the
// same keys without deleted_at). Idempotent: a no-op once done.
std::vector<std::string> UpgradeRecordIndexesSql(const ObjectDef& object, const storage::SqlDialect& dialect);

// True for the physical column of a custom field (or its currency-code column). On a
// standard object's table, which all tenants share, such a column belongs to the one
// tenant whose meta_fields names it.
bool IsCustomColumn(std::string_view column);

// Text form of picklist options as stored in meta_fields.options.
std::string EncodeOptions(const std::vector<PicklistOption>& options);
std::vector<PicklistOption> DecodeOptions(std::string_view text);

}  // namespace rapport::metadata
