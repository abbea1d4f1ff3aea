// SQLite backend of storage::Database. Internal to storage/: other modules see only
// storage::Database. One writer connection (SQLite allows one writer at a time
// anyway) with group commit, plus a pool of reader connections that read WAL
// snapshots concurrently with the writer.
#pragma once

#include <memory>

#include "storage/database.h"

namespace rapport::storage::sqlite {

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const DatabaseOptions& options);

}  // namespace rapport::storage::sqlite
