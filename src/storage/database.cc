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
                                       "NULL, version BIGINT NOT NULL, PRIMARY KEY (tenant_id, table_name))",
                                       kTableVersions));
  }));
  if (!options.observe_statement) return db;
  return std::unique_ptr<Database>(std::make_unique<ObservedDatabase>(std::move(db), options.observe_statement));
}

}  // namespace rapport::storage
