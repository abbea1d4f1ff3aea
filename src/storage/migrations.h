// Versioned schema migrations. Each migration is a script with a version number;
// Migrate() applies the pending ones in order, each in its own transaction together
// with the row recording its version, so a failed migration leaves nothing behind.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/error.h"
#include "storage/database.h"

namespace rapport::storage {

struct Migration {
  int64_t version;
  std::string_view description;
  // Portable SQL (both backends). Use ColumnType-independent types: TEXT, INTEGER.
  std::string_view sql;
};

// The schema version recorded in the database (0 for a new database).
Result<int64_t> SchemaVersion(Database& db);
// Applies every migration newer than the recorded version, in order. Returns the
// number applied. kFailedPrecondition if the database is newer than this binary.
Result<int> Migrate(Database& db, std::span<const Migration> migrations);

}  // namespace rapport::storage
