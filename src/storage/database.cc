#include "storage/database.h"

#include <fmt/format.h>

#include "storage/internal/forwarding_connection.h"
#include "storage/postgres/postgres_database.h"
#include "storage/sqlite/sqlite_database.h"
#include "storage/table_versions.h"

namespace rapport::storage {

namespace {

// Shows every statement to an observer, then runs it on the real connection.
class ObservedConnection final : public internal::ForwardingConnection {
 public:
  ObservedConnection(Connection& inner, const StatementObserver& observe)
      : ForwardingConnection(inner), observe_(observe) {}

 protected:
  void Saw(std::string_view sql) override { observe_(sql); }

 private:
  const StatementObserver& observe_;
};

// A decorator, so backends stay unaware of observation and pay nothing without it.
class ObservedDatabase final : public Database {
 public:
  ObservedDatabase(std::unique_ptr<Database> inner, StatementObserver observe)
      : inner_(std::move(inner)), observe_(std::move(observe)) {}
  Status Read(const std::function<Status(Connection&)>& work) override {
    return inner_->Read([&](Connection& c) {
      ObservedConnection observed(c, observe_);
      return work(observed);
    });
  }
  Status Write(const std::function<Status(Connection&)>& work) override {
    return inner_->Write([&](Connection& c) {
      ObservedConnection observed(c, observe_);
      return work(observed);
    });
  }
  const SqlDialect& dialect() const override { return inner_->dialect(); }
  DatabaseStats stats() const override { return inner_->stats(); }
  Status BackupTo(const std::string& path) override { return inner_->BackupTo(path); }
  // Maintenance of the backend's own, not the engine's statements: not observed.
  Status RefreshStatistics() override { return inner_->RefreshStatistics(); }

 private:
  std::unique_ptr<Database> inner_;
  StatementObserver observe_;
};

Result<std::unique_ptr<Database>> OpenBackend(const DatabaseOptions& options) {
  std::string_view url = options.url;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return postgres::OpenPostgres(options.url, options);
  }
  if (url.starts_with("sqlite://")) url.remove_prefix(9);
  else if (url.starts_with("sqlite:")) url.remove_prefix(7);
  if (url.empty()) return Fail(ErrorCode::kInvalidArgument, "Empty database URL.");
  return sqlite::OpenSqlite(std::string(url), options);
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenBackend(options));
  // Storage's own table, before any write raises a version in it.
  RAPPORT_TRY(db->Write([](Connection& c) {
    return c.ExecuteScript(fmt::format("CREATE TABLE IF NOT EXISTS {} (tenant_id TEXT NOT NULL, table_name TEXT NOT "
                                       "NULL, version BIGINT NOT NULL, rewrites BIGINT NOT NULL DEFAULT 0, high_id TEXT, "
                                       "low_id TEXT, PRIMARY KEY (tenant_id, table_name))",
                                       kTableVersions));
  }));
  // A database whose table predates appends (storage/table_versions.h) gains their
  // columns; a second process opening it at the same time may have added them first.
  auto has_appends = [&] {
    return db->Read([](Connection& c) -> Status {
      RAPPORT_TRY(c.Query(fmt::format("SELECT rewrites, high_id, low_id FROM {} WHERE 1 = 0", kTableVersions)));
      return Ok();
    }).has_value();
  };
  if (!has_appends()) {
    Status added = db->Write([](Connection& c) {
      return c.ExecuteScript(fmt::format("ALTER TABLE {0} ADD COLUMN rewrites BIGINT NOT NULL DEFAULT 0; ALTER TABLE {0} "
                                         "ADD COLUMN high_id TEXT; ALTER TABLE {0} ADD COLUMN low_id TEXT",
                                         kTableVersions));
    });
    if (!added && !has_appends()) return Fail(added.error());
  }
  if (!options.observe_statement) return db;
  return std::unique_ptr<Database>(std::make_unique<ObservedDatabase>(std::move(db), options.observe_statement));
}

}  // namespace rapport::storage
