#include "storage/migrations.h"

#include <fmt/format.h>

#include "core/time.h"

namespace rapport::storage {

namespace {
constexpr std::string_view kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)";
}

Result<int64_t> SchemaVersion(Database& db) {
  int64_t version = 0;
  RAPPORT_TRY(db.Write([&](Connection& c) -> Status {
    RAPPORT_TRY(c.ExecuteScript(kVersionTable));
    RAPPORT_ASSIGN_OR_RETURN(auto result,
                             c.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    version = std::get<int64_t>(result.rows.at(0).at(0));
    return Ok();
  }));
  return version;
}

Result<int> Migrate(Database& db, std::span<const Migration> migrations) {
  RAPPORT_ASSIGN_OR_RETURN(int64_t current, SchemaVersion(db));
  int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  if (current > latest) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("The database schema (version {}) is newer than this binary "
                            "(version {}). Upgrade rapport.",
                            current, latest));
  }
  int applied = 0;
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    RAPPORT_TRY(db.Write([&](Connection& c) -> Status {
      RAPPORT_TRY(c.ExecuteScript(m.sql));
      std::vector<Value> params = {m.version, std::string(m.description),
                                   FormatDatetime(SystemClock::Instance().Now())};
      RAPPORT_TRY(c.Execute(
          "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
          params));
      return Ok();
    }));
    ++applied;
  }
  return applied;
}

}  // namespace rapport::storage
