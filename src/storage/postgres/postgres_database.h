// PostgreSQL backend of storage::Database, on libpq. Internal to storage/: other
// modules see only storage::Database, and only this directory includes libpq-fe.h.
//
// Same shape as the SQLite backend: one writer connection with group commit (every
// write is serialised through it, so READ COMMITTED never sees write conflicts),
// plus a pool of reader connections, each Read in a REPEATABLE READ READ ONLY
// transaction (one snapshot). `?` placeholders are rewritten to $n; prepared
// statements are cached per connection. A connection that lost the server reports
// kUnavailable and reconnects on its next use, so service resumes when PG returns.
// Thread-safe (as storage::Database).
#pragma once

#include <memory>
#include <string>

#include "storage/database.h"

namespace rapport::storage::postgres {

// `url` is a libpq connection URI (postgresql://user@host:port/db).
// kUnavailable if the server cannot be reached.
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, const DatabaseOptions& options);

// Rewrites `?` placeholders (outside '...' literals, "..." identifiers and -- comments)
// to $1..$n. Returns the rewritten SQL and the number of placeholders. Exposed for tests.
std::string RewritePlaceholders(std::string_view sql, int* count);

}  // namespace rapport::storage::postgres
