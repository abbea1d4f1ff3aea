#include "storage/database.h"

#include <fmt/format.h>

#include "storage/postgres/postgres_database.h"
#include "storage/sqlite/sqlite_database.h"

namespace rapport::storage {

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  std::string_view url = options.url;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return postgres::OpenPostgres(options.url, options);
  }
  if (url.starts_with("sqlite://")) url.remove_prefix(9);
  else if (url.starts_with("sqlite:")) url.remove_prefix(7);
  if (url.empty()) return Fail(ErrorCode::kInvalidArgument, "Empty database URL.");
  return sqlite::OpenSqlite(std::string(url), options);
}

}  // namespace rapport::storage
