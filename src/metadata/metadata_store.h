// MetadataStore holds each tenant's current MetadataSnapshot: the standard objects
// registered by domain modules, merged with the tenant's custom objects and fields
// stored in meta_objects / meta_fields.
//
// Thread-safe. Snapshots are immutable and may outlive a schema change: a request
// takes one snapshot and uses it throughout.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "metadata/metadata_edit.h"
#include "metadata/schema_plan.h"
#include "metadata/snapshot.h"
#include "storage/database.h"

namespace rapport::metadata {

class MetadataStore {
 public:
  MetadataStore(storage::Database& db, std::vector<ObjectDef> standard_objects,
                const Clock& clock = SystemClock::Instance());

  // Creates the standard objects' tables, adds columns for standard fields new in this
  // release, and brings every record table's indexes (the tenants' own objects' too) to
  // this release's, in one transaction. Idempotent; run at start-up after migrations.
  Status EnsureStandardSchema();

  // The tenant's current snapshot, loaded on first use.
  Result<SnapshotPtr> Current(const std::string& tenant_id);

  // Validates `edit` against Current(tenant), plans it, applies the plan in one
  // transaction, then publishes the new snapshot. On any error nothing changes:
  // kValidationFailed (with field errors), kNotFound, kFailedPrecondition,
  // kAlreadyExists (e.g. a unique field over existing duplicates).
  // The change is recorded in the audit log (as `actor_id`'s) in the same transaction.
  Result<SnapshotPtr> Apply(const std::string& tenant_id, const MetadataEdit& edit,
                            const std::string& actor_id = "");

  // The plan Apply would run, without running it (for --dry-run and tests).
  Result<SchemaPlan> Plan(const std::string& tenant_id, const MetadataEdit& edit);

  const std::vector<ObjectDef>& standard_objects() const { return standard_; }

  // The tenant's snapshot as `c` sees it (inside the caller's transaction), uncached.
  Result<SnapshotPtr> ReadSnapshot(storage::Connection& c, const std::string& tenant_id);

  // Creates the tables of `snapshot`'s custom objects and the columns of its custom
  // fields on standard tables, where missing, inside the caller's transaction: the
  // physical schema for metadata rows written directly (a tenant archive being
  // imported). Standard tables must exist (EnsureStandardSchema).
  Status EnsureTenantSchema(storage::Connection& c, const MetadataSnapshot& snapshot);

  // Drops the cached snapshot, after the tenant's metadata rows changed underneath.
  void Forget(const std::string& tenant_id);

 private:

  storage::Database& db_;
  std::vector<ObjectDef> standard_;
  const Clock& clock_;
  std::mutex apply_mu_;  // serialises schema changes
  mutable std::mutex cache_mu_;
  std::map<std::string, SnapshotPtr, std::less<>> cache_;
};

}  // namespace rapport::metadata
