// Tenant archives: a portable, backend-neutral copy of one or more tenants, with every
// row they own and the metadata that gives those rows meaning. `rapport export-tenant`
// and `import-tenant` use archives to move a tenant between databases; SQLite to
// PostgreSQL is the move a growing team makes. `rapport backup` and `restore` use them
// on PostgreSQL.
//
// Archives move raw rows below the record engine, as a backup does: the rows are
// copied as stored, with their ids, versions, history and token hashes. Only an
// operator who can already open the database can do this (it is a CLI command, never
// an HTTP route), so no principal is involved.
//
// Format: JSON Lines, one JSON value per line, in UTF-8.
//   {"format":"rapport-archive","version":1,"schema_version":1,"backend":"sqlite",...}
//   {"tenant":{"id":"...","name":"...","created_at":"..."}}
//   {"table":"meta_objects","columns":[["tenant_id","text"],["name","text"],...]}
//   ["0190...","deals",...]                  one array per row, in `columns` order
//   {"end_table":"meta_objects","rows":3}
//   ...more tables, then more tenants...
//   {"end":true,"tenants":1,"rows":12345}
// The values are the storage encodings themselves (null, int64, real or text), so
// nothing is converted on the way through. The closing line lets an import tell a
// complete archive from a truncated one.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "metadata/metadata_store.h"
#include "storage/database.h"

namespace rapport::transfer {

inline constexpr int kArchiveVersion = 1;

struct ArchiveSummary {
  int tenants = 0;
  int64_t rows = 0;
};

// Writes the tenants (every tenant if `tenant_ids` is empty) as they stand at one
// instant: the whole export is a single read transaction, so it is consistent while
// the server goes on writing. kNotFound for an unknown tenant id.
Result<ArchiveSummary> ExportArchive(storage::Database& db, metadata::MetadataStore& metadata,
                                     const std::vector<std::string>& tenant_ids, std::ostream& out);

enum class ImportMode {
  kAddTenants,      // a tenant that already exists (same id or name) is an error
  kReplaceTenants,  // a tenant in the archive replaces the one with the same id
  kReplaceAll,      // the database ends up holding exactly the archive's tenants
};

// Loads an archive in one write transaction. On any error (a malformed or truncated
// archive, a schema version other than this database's, a conflicting tenant, a
// constraint violation) nothing changes. The server must not be serving the
// replaced tenants while this runs: its metadata caches would be stale.
Result<ArchiveSummary> ImportArchive(storage::Database& db, metadata::MetadataStore& metadata,
                                     std::istream& in, ImportMode mode);

// True if the file starts like an archive (rather than, say, a SQLite database).
bool IsArchiveFile(const std::string& path);

}  // namespace rapport::transfer
