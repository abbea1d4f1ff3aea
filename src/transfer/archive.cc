#include "transfer/archive.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "core/strings.h"
#include "core/time.h"
#include "metadata/schema_plan.h"
#include "metadata/system_schema.h"
#include "storage/catalog.h"

namespace rapport::transfer {

namespace {

namespace json = boost::json;
using metadata::MetadataStore;
using metadata::ObjectDef;
using storage::ColumnInfo;
using storage::Connection;
using storage::TextOf;
using storage::Value;

constexpr std::string_view kFormat = "rapport-archive";
// Rows per INSERT statement are bounded by parameters per statement (SQLite allows
// 32766, PostgreSQL 65535); a few thousand keeps statements small and round trips few.
constexpr size_t kParamsPerInsert = 4000;
constexpr size_t kMaxRowsPerInsert = 500;

Error Malformed(int64_t line, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("Not a valid Rapport archive (line {}): {}", line, why));
}

Result<int64_t> SchemaVersionOf(Connection& c) {
  RAPPORT_ASSIGN_OR_RETURN(auto result, c.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return std::get<int64_t>(result.rows.at(0).at(0));
}

bool IsTenantSystemTable(std::string_view table) {
  auto tables = metadata::TenantSystemTables();
  return std::find(tables.begin(), tables.end(), table) != tables.end();
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Export

class ArchiveWriter {
 public:
  explicit ArchiveWriter(std::ostream& out) : out_(out) {}

  void Line(const json::value& value) { out_ << json::serialize(value) << '\n'; }

  Status Row(std::span<const Value> row) {
    json::array cells;
    cells.reserve(row.size());
    for (const Value& v : row) {
      if (std::holds_alternative<storage::Null>(v)) {
        cells.emplace_back(nullptr);
      } else if (const auto* i = std::get_if<int64_t>(&v)) {
        cells.emplace_back(*i);
      } else if (const auto* d = std::get_if<double>(&v)) {
        if (!std::isfinite(*d)) return Fail(ErrorCode::kFailedPrecondition, "A stored number is not finite.");
        cells.emplace_back(*d);
      } else {
        cells.emplace_back(json::string_view(std::get<std::string>(v)));
      }
    }
    Line(cells);
    return Ok();
  }

  Status Check() const {
    if (!out_) return Fail(ErrorCode::kUnavailable, "Cannot write the archive (disk full?).");
    return Ok();
  }

 private:
  std::ostream& out_;
};

struct TenantRow {
  std::string id, name, created_at;
};

// The columns a tenant owns in a table: all of them, except on a standard table (which
// every tenant shares) the custom-field columns of other tenants.
std::vector<ColumnInfo> OwnColumns(std::vector<ColumnInfo> columns, const ObjectDef& object,
                                   const std::set<std::string>& own_custom_columns) {
  if (object.custom) return columns;
  std::erase_if(columns, [&](const ColumnInfo& col) {
    return metadata::IsCustomColumn(col.name) && !own_custom_columns.contains(col.name);
  });
  return columns;
}

Status ExportTenant(Connection& c, MetadataStore& metadata, const TenantRow& tenant, ArchiveWriter& out,
                    ArchiveSummary& summary) {
  out.Line({{"tenant", {{"id", tenant.id}, {"name", tenant.name}, {"created_at", tenant.created_at}}}});
  std::vector<Value> tenant_param = {tenant.id};

  auto export_table = [&](std::string_view table, const std::vector<ColumnInfo>& columns) -> Status {
    json::array described;
    std::vector<std::string> quoted;
    for (const ColumnInfo& col : columns) {
      described.push_back(json::array{json::string_view(col.name), json::string_view(ColumnTypeName(col.type))});
      quoted.push_back(c.dialect().QuoteIdentifier(col.name));
    }
    out.Line({{"table", table}, {"columns", std::move(described)}});
    bool has_id = std::any_of(columns.begin(), columns.end(), [](const ColumnInfo& col) { return col.name == "id"; });
    // By id where there is one (the primary key's order): the same data always makes
    // the same archive, and big tables stream straight off the index.
    std::string sql = fmt::format("SELECT {} FROM {} WHERE tenant_id = ?{}", Join(quoted, ", "),
                                  c.dialect().QuoteIdentifier(table), has_id ? " ORDER BY id" : "");
    int64_t rows = 0;
    Status row_status = Ok();
    RAPPORT_TRY(c.ForEach(sql, tenant_param, [&](std::span<const Value> row) {
      row_status = out.Row(row);
      ++rows;
      return bool(row_status);
    }));
    RAPPORT_TRY(row_status);
    RAPPORT_TRY(out.Check());
    out.Line({{"end_table", table}, {"rows", rows}});
    summary.rows += rows;
    return Ok();
  };

  for (std::string_view table : metadata::TenantSystemTables()) {
    RAPPORT_ASSIGN_OR_RETURN(auto columns, storage::TableColumns(c, table));
    RAPPORT_TRY(export_table(table, columns));
  }

  // Custom-field columns this tenant owns, removed fields' included: their data is kept.
  RAPPORT_ASSIGN_OR_RETURN(auto field_rows,
                           c.Query("SELECT column_name, type FROM meta_fields WHERE tenant_id = ?", tenant_param));
  std::set<std::string> own_custom_columns;
  for (const auto& row : field_rows.rows) {
    metadata::FieldDef f;
    f.column = TextOf(row[0]);
    own_custom_columns.insert(f.column);
    if (metadata::ParseFieldType(TextOf(row[1])) == metadata::FieldType::kCurrency) {
      own_custom_columns.insert(f.currency_column());
    }
  }

  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr snapshot, metadata.ReadSnapshot(c, tenant.id));
  for (const ObjectDef* object : metadata::TargetsFirst(snapshot->objects())) {
    RAPPORT_ASSIGN_OR_RETURN(auto columns, storage::TableColumns(c, object->table));
    RAPPORT_TRY(export_table(object->table, OwnColumns(std::move(columns), *object, own_custom_columns)));
  }
  // Removed custom objects keep their tables (and data) until purged.
  RAPPORT_ASSIGN_OR_RETURN(
      auto removed,
      c.Query("SELECT table_name FROM meta_objects WHERE tenant_id = ? AND deleted_at IS NOT NULL "
              "ORDER BY created_at, name",
              tenant_param));
  for (const auto& row : removed.rows) {
    RAPPORT_ASSIGN_OR_RETURN(auto columns, storage::TableColumns(c, TextOf(row[0])));
    if (!columns.empty()) RAPPORT_TRY(export_table(TextOf(row[0]), columns));
  }
  ++summary.tenants;
  return Ok();
}

// ---------------------------------------------------------------------------------
// Import

class ArchiveReader {
 public:
  explicit ArchiveReader(std::istream& in) : in_(in) {}

  // The next line's value; kInvalidArgument at the end of input or on bad JSON.
  Result<json::value> Next() {
    // Every line the writer makes ends with a newline; one without was cut short.
    if (!std::getline(in_, line_) || in_.eof()) {
      return Fail(Malformed(line_number_ + 1, "it ends early (truncated?)."));
    }
    ++line_number_;
    boost::system::error_code ec;
    json::value value = json::parse(line_, ec);
    if (ec) return Fail(Malformed(line_number_, ec.message()));
    return value;
  }

  // Whether anything but blank space follows.
  bool AtEnd() {
    std::string rest;
    while (std::getline(in_, rest)) {
      if (rest.find_first_not_of(" \t\r") != std::string::npos) return false;
    }
    return true;
  }

  int64_t line() const { return line_number_; }

 private:
  std::istream& in_;
  std::string line_;
  int64_t line_number_ = 0;
};

const json::value* Member(const json::value& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  return v.as_object().if_contains(key);
}

std::optional<std::string> StringMember(const json::value& v, std::string_view key) {
  const json::value* m = Member(v, key);
  if (!m || !m->is_string()) return std::nullopt;
  return std::string(m->as_string());
}

std::optional<int64_t> IntMember(const json::value& v, std::string_view key) {
  const json::value* m = Member(v, key);
  if (!m || !m->is_int64()) return std::nullopt;
  return m->as_int64();
}

// Removes every row the tenant owns, its custom tables, and its `tenants` row.
Status DeleteTenant(Connection& c, MetadataStore& metadata, const std::string& tenant_id) {
  const auto& d = c.dialect();
  std::vector<Value> tenant_param = {tenant_id};
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr snapshot, metadata.ReadSnapshot(c, tenant_id));
  RAPPORT_ASSIGN_OR_RETURN(
      auto removed,
      c.Query("SELECT table_name FROM meta_objects WHERE tenant_id = ? AND deleted_at IS NOT NULL", tenant_param));
  for (const auto& row : removed.rows) {
    RAPPORT_TRY(c.ExecuteScript("DROP TABLE IF EXISTS " + d.QuoteIdentifier(TextOf(row[0]))));
  }
  // Lookups point at earlier objects, so the reverse order deletes referrers first.
  auto order = metadata::TargetsFirst(snapshot->objects());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const ObjectDef& object = **it;
    if (object.custom) {
      RAPPORT_TRY(c.ExecuteScript("DROP TABLE IF EXISTS " + d.QuoteIdentifier(object.table)));
    } else {
      RAPPORT_TRY(c.Execute("DELETE FROM " + d.QuoteIdentifier(object.table) + " WHERE tenant_id = ?", tenant_param));
    }
  }
  for (std::string_view table : metadata::TenantSystemTables()) {
    RAPPORT_TRY(c.Execute(fmt::format("DELETE FROM {} WHERE tenant_id = ?", d.QuoteIdentifier(table)), tenant_param));
  }
  RAPPORT_TRY(c.Execute("DELETE FROM tenants WHERE id = ?", tenant_param));
  metadata.Forget(tenant_id);
  return Ok();
}

class Importer {
 public:
  Importer(Connection& c, MetadataStore& metadata, ArchiveReader& reader, ImportMode mode)
      : c_(c), metadata_(metadata), reader_(reader), mode_(mode) {
    for (const ObjectDef& object : metadata_.standard_objects()) standard_tables_.insert(object.table);
  }

  Result<ArchiveSummary> Run() {
    RAPPORT_ASSIGN_OR_RETURN(json::value header, reader_.Next());
    if (StringMember(header, "format") != kFormat) return Fail(Malformed(1, "no rapport-archive header."));
    if (IntMember(header, "version") != kArchiveVersion) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("This archive has format version {}; this rapport reads version {}.",
                              IntMember(header, "version").value_or(0), kArchiveVersion));
    }
    RAPPORT_ASSIGN_OR_RETURN(int64_t schema_version, SchemaVersionOf(c_));
    if (IntMember(header, "schema_version") != schema_version) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("The archive has schema version {} but this database has {}: import it "
                              "with the rapport release that wrote it, then upgrade.",
                              IntMember(header, "schema_version").value_or(0), schema_version));
    }
    source_ = StringMember(header, "backend").value_or("unknown");
    if (mode_ == ImportMode::kReplaceAll) {
      RAPPORT_ASSIGN_OR_RETURN(auto existing, c_.Query("SELECT id FROM tenants"));
      for (const auto& row : existing.rows) RAPPORT_TRY(DeleteTenant(c_, metadata_, TextOf(row[0])));
    }
    RAPPORT_ASSIGN_OR_RETURN(json::value next, reader_.Next());
    for (;;) {
      if (const json::value* tenant = Member(next, "tenant")) {
        RAPPORT_ASSIGN_OR_RETURN(next, ImportTenant(*tenant));
        continue;
      }
      if (Member(next, "end")) break;
      return Fail(Malformed(reader_.line(), "expected a tenant or the end of the archive."));
    }
    if (IntMember(next, "tenants") != summary_.tenants || IntMember(next, "rows") != summary_.rows) {
      return Fail(Malformed(reader_.line(), "the totals do not match the rows read."));
    }
    if (!reader_.AtEnd()) return Fail(Malformed(reader_.line() + 1, "data after the end of the archive."));
    return summary_;
  }

 private:
  struct DeferredLookup {
    std::string table, column, id;
    Value value;
  };

  // Imports one tenant's tables; returns the line after them.
  Result<json::value> ImportTenant(const json::value& tenant) {
    auto id = StringMember(tenant, "id");
    auto name = StringMember(tenant, "name");
    auto created_at = StringMember(tenant, "created_at");
    if (!id || !name || !created_at) return Fail(Malformed(reader_.line(), "a tenant needs id, name and created_at."));
    tenant_id_ = *id;
    tenant_rows_ = 0;
    custom_tables_.clear();
    custom_columns_.clear();
    loaded_tables_.clear();
    deferred_.clear();
    snapshot_.reset();

    std::vector<Value> by_id = {*id};
    RAPPORT_ASSIGN_OR_RETURN(auto same_id, c_.Query("SELECT name FROM tenants WHERE id = ?", by_id));
    if (!same_id.rows.empty()) {
      if (mode_ != ImportMode::kReplaceTenants) {
        return Fail(ErrorCode::kAlreadyExists,
                    fmt::format("Tenant `{}` already exists in this database; nothing changed.", *name));
      }
      RAPPORT_TRY(DeleteTenant(c_, metadata_, *id));
    }
    std::vector<Value> by_name = {*name};
    RAPPORT_ASSIGN_OR_RETURN(auto same_name, c_.Query("SELECT id FROM tenants WHERE name = ?", by_name));
    if (!same_name.rows.empty()) {
      return Fail(ErrorCode::kAlreadyExists,
                  fmt::format("Another tenant named `{}` exists in this database; nothing changed.", *name));
    }
    std::vector<Value> row = {*id, *name, *created_at};
    RAPPORT_TRY(c_.Execute("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)", row));

    RAPPORT_ASSIGN_OR_RETURN(json::value next, reader_.Next());
    while (const json::value* table = Member(next, "table")) {
      if (!table->is_string()) return Fail(Malformed(reader_.line(), "a table name must be a string."));
      RAPPORT_TRY(ImportTable(std::string(table->as_string()), next));
      RAPPORT_ASSIGN_OR_RETURN(next, reader_.Next());
    }
    RAPPORT_TRY(EnsureSchema());
    for (const DeferredLookup& d : deferred_) {
      std::vector<Value> params = {d.value, tenant_id_, d.id};
      RAPPORT_TRY(c_.Execute(fmt::format("UPDATE {} SET {} = ? WHERE tenant_id = ? AND id = ?",
                                         c_.dialect().QuoteIdentifier(d.table),
                                         c_.dialect().QuoteIdentifier(d.column)),
                             params));
    }
    // The imported audit chain continues with the import itself.
    RAPPORT_TRY(audit::Append(c_, tenant_id_,
                              {.kind = "tenant.imported",
                               .detail = audit::Detail({{"rows", std::to_string(tenant_rows_)}, {"from", source_}})}));
    metadata_.Forget(tenant_id_);
    ++summary_.tenants;
    return next;
  }

  // Creates the physical schema of the tenant's metadata (read from the rows just
  // imported) before the first record table.
  Status EnsureSchema() {
    if (snapshot_) return Ok();
    RAPPORT_ASSIGN_OR_RETURN(snapshot_, metadata_.ReadSnapshot(c_, tenant_id_));
    return metadata_.EnsureTenantSchema(c_, *snapshot_);
  }

  Status ImportTable(const std::string& table, const json::value& header) {
    const auto& d = c_.dialect();
    bool system = IsTenantSystemTable(table);
    if (!system && !standard_tables_.contains(table) && !custom_tables_.contains(table)) {
      return Fail(Malformed(reader_.line(), fmt::format("unknown table `{}`.", table)));
    }
    if (loaded_tables_.contains(table)) {
      return Fail(Malformed(reader_.line(), fmt::format("table `{}` appears twice.", table)));
    }
    if (!system) RAPPORT_TRY(EnsureSchema());

    // The archive's columns, checked against (and where allowed, added to) this database.
    const json::value* described = Member(header, "columns");
    if (!described || !described->is_array() || described->as_array().empty()) {
      return Fail(Malformed(reader_.line(), "a table needs its columns."));
    }
    std::vector<ColumnInfo> columns;
    for (const json::value& col : described->as_array()) {
      if (!col.is_array() || col.as_array().size() != 2 || !col.as_array()[0].is_string() ||
          !col.as_array()[1].is_string()) {
        return Fail(Malformed(reader_.line(), "a column is [name, type]."));
      }
      auto type = storage::ParseColumnTypeName(col.as_array()[1].as_string());
      if (!type) return Fail(Malformed(reader_.line(), "a column type is text, integer or real."));
      columns.push_back({std::string(col.as_array()[0].as_string()), *type});
    }
    RAPPORT_ASSIGN_OR_RETURN(auto existing, storage::TableColumns(c_, table));
    if (existing.empty()) {
      // Only a removed custom object's table can be missing (a live one was just created).
      if (!custom_tables_.contains(table)) {
        return Fail(Malformed(reader_.line(), fmt::format("table `{}` does not exist here.", table)));
      }
      std::vector<std::string> definitions;
      for (const ColumnInfo& col : columns) {
        definitions.push_back(d.QuoteIdentifier(col.name) + " " + d.ColumnTypeSql(col.type));
      }
      RAPPORT_TRY(c_.ExecuteScript(fmt::format("CREATE TABLE {} ({}, PRIMARY KEY (tenant_id, id))",
                                               d.QuoteIdentifier(table), Join(definitions, ", "))));
    } else {
      for (const ColumnInfo& col : columns) {
        bool present = std::any_of(existing.begin(), existing.end(),
                                   [&](const ColumnInfo& e) { return e.name == col.name; });
        if (present) continue;
        // Only a removed custom field's column can be missing.
        if (!metadata::IsCustomColumn(col.name) || !custom_columns_.contains(col.name)) {
          return Fail(Malformed(reader_.line(),
                                fmt::format("column `{}` of `{}` does not exist here.", col.name, table)));
        }
        RAPPORT_TRY(c_.ExecuteScript(fmt::format("ALTER TABLE {} ADD COLUMN {} {}", d.QuoteIdentifier(table),
                                                 d.QuoteIdentifier(col.name), d.ColumnTypeSql(col.type))));
      }
    }

    auto index_of = [&](std::string_view name) -> std::optional<size_t> {
      for (size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == name) return i;
      }
      return std::nullopt;
    };
    auto tenant_index = index_of("tenant_id");
    if (!tenant_index) return Fail(Malformed(reader_.line(), fmt::format("`{}` has no tenant_id.", table)));
    auto id_index = index_of("id");

    // Lookups to rows not loaded yet (the same table, or a later one) are written
    // afterwards, so foreign keys hold at every statement on every backend.
    std::vector<size_t> deferred_columns;
    if (!system && id_index) {
      for (const ObjectDef& object : snapshot_->objects()) {
        if (object.table != table) continue;
        for (const auto& f : object.fields) {
          if (f.type != metadata::FieldType::kLookup) continue;
          const ObjectDef* target = snapshot_->FindObject(f.target);
          if (target && target->table != table && loaded_tables_.contains(target->table)) continue;
          if (auto i = index_of(f.column)) deferred_columns.push_back(*i);
        }
      }
    }

    // meta_objects / meta_fields name the custom tables and columns that may follow.
    std::optional<size_t> table_name_index, column_name_index, type_index;
    if (table == "meta_objects") table_name_index = index_of("table_name");
    if (table == "meta_fields") {
      column_name_index = index_of("column_name");
      type_index = index_of("type");
    }

    std::vector<std::string> quoted;
    for (const ColumnInfo& col : columns) quoted.push_back(d.QuoteIdentifier(col.name));
    std::string insert_head =
        fmt::format("INSERT INTO {} ({}) VALUES ", d.QuoteIdentifier(table), Join(quoted, ", "));
    std::string one_row = "(" + Join(std::vector<std::string>(columns.size(), "?"), ", ") + ")";
    size_t rows_per_insert = std::clamp<size_t>(kParamsPerInsert / columns.size(), 1, kMaxRowsPerInsert);
    std::vector<Value> params;
    size_t pending = 0;
    auto flush = [&]() -> Status {
      if (pending == 0) return Ok();
      std::string sql = insert_head;
      for (size_t i = 0; i < pending; ++i) {
        if (i) sql += ", ";
        sql += one_row;
      }
      RAPPORT_TRY(c_.Execute(sql, params));
      params.clear();
      pending = 0;
      return Ok();
    };

    int64_t rows = 0;
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(json::value line, reader_.Next());
      if (line.is_object()) {
        if (StringMember(line, "end_table") != table) {
          return Fail(Malformed(reader_.line(), fmt::format("expected the end of `{}`.", table)));
        }
        if (IntMember(line, "rows") != rows) {
          return Fail(Malformed(reader_.line(), fmt::format("`{}` should have {} rows but has {}.", table,
                                                            IntMember(line, "rows").value_or(-1), rows)));
        }
        break;
      }
      if (!line.is_array() || line.as_array().size() != columns.size()) {
        return Fail(Malformed(reader_.line(), fmt::format("a row of `{}` needs {} values.", table, columns.size())));
      }
      const json::array& cells = line.as_array();
      size_t first = params.size();
      for (const json::value& cell : cells) {
        switch (cell.kind()) {
          case json::kind::null: params.emplace_back(storage::Null{}); break;
          case json::kind::int64: params.emplace_back(cell.get_int64()); break;
          case json::kind::double_: params.emplace_back(cell.get_double()); break;
          case json::kind::string: params.emplace_back(std::string(cell.get_string())); break;
          case json::kind::uint64:
          case json::kind::bool_:
          case json::kind::array:
          case json::kind::object:
            return Fail(Malformed(reader_.line(), "a value is null, a 64-bit integer, a number or a string."));
        }
      }
      if (TextOf(params[first + *tenant_index]) != tenant_id_) {
        return Fail(Malformed(reader_.line(), fmt::format("a row of `{}` belongs to another tenant.", table)));
      }
      for (size_t i : deferred_columns) {
        Value& v = params[first + i];
        if (storage::IsNull(v)) continue;
        deferred_.push_back({table, columns[i].name, TextOf(params[first + *id_index]), std::move(v)});
        v = storage::Null{};
      }
      if (table_name_index) custom_tables_.insert(TextOf(params[first + *table_name_index]));
      if (column_name_index) {
        metadata::FieldDef f;
        f.column = TextOf(params[first + *column_name_index]);
        custom_columns_.insert(f.column);
        if (type_index && metadata::ParseFieldType(TextOf(params[first + *type_index])) ==
                              metadata::FieldType::kCurrency) {
          custom_columns_.insert(f.currency_column());
        }
      }
      ++rows;
      if (++pending == rows_per_insert) RAPPORT_TRY(flush());
    }
    RAPPORT_TRY(flush());
    loaded_tables_.insert(table);
    summary_.rows += rows;
    tenant_rows_ += rows;
    return Ok();
  }

  Connection& c_;
  MetadataStore& metadata_;
  ArchiveReader& reader_;
  ImportMode mode_;
  std::set<std::string> standard_tables_;
  ArchiveSummary summary_;

  // The tenant being imported.
  std::string source_;  // the backend the archive came from
  std::string tenant_id_;
  int64_t tenant_rows_ = 0;
  std::set<std::string> custom_tables_;   // named by its meta_objects rows
  std::set<std::string> custom_columns_;  // named by its meta_fields rows
  std::set<std::string> loaded_tables_;
  std::vector<DeferredLookup> deferred_;
  metadata::SnapshotPtr snapshot_;
};

}  // namespace

Result<ArchiveSummary> ExportArchive(storage::Database& db, MetadataStore& metadata,
                                     const std::vector<std::string>& tenant_ids, std::ostream& out) {
  ArchiveSummary summary;
  ArchiveWriter writer(out);
  RAPPORT_TRY(db.Read([&](Connection& c) -> Status {
    // Everything below reads one snapshot: the archive is the database at one instant.
    RAPPORT_ASSIGN_OR_RETURN(int64_t schema_version, SchemaVersionOf(c));
    RAPPORT_ASSIGN_OR_RETURN(auto all, c.Query("SELECT id, name, created_at FROM tenants ORDER BY created_at, id"));
    std::vector<TenantRow> tenants;
    for (const auto& row : all.rows) {
      TenantRow t{TextOf(row[0]), TextOf(row[1]), TextOf(row[2])};
      if (tenant_ids.empty() || std::find(tenant_ids.begin(), tenant_ids.end(), t.id) != tenant_ids.end()) {
        tenants.push_back(std::move(t));
      }
    }
    for (const std::string& id : tenant_ids) {
      if (std::none_of(tenants.begin(), tenants.end(), [&](const TenantRow& t) { return t.id == id; })) {
        return Fail(ErrorCode::kNotFound, fmt::format("No tenant with id {}.", id));
      }
    }
    writer.Line({{"format", kFormat},
                 {"version", kArchiveVersion},
                 {"schema_version", schema_version},
                 {"backend", c.dialect().name()},
                 {"created_at", FormatDatetime(SystemClock::Instance().Now())}});
    for (const TenantRow& tenant : tenants) RAPPORT_TRY(ExportTenant(c, metadata, tenant, writer, summary));
    writer.Line({{"end", true}, {"tenants", summary.tenants}, {"rows", summary.rows}});
    out.flush();
    return writer.Check();
  }));
  return summary;
}

Result<ArchiveSummary> ImportArchive(storage::Database& db, MetadataStore& metadata, std::istream& in,
                                     ImportMode mode) {
  ArchiveReader reader(in);
  ArchiveSummary summary;
  RAPPORT_TRY(db.Write([&](Connection& c) -> Status {
    Importer importer(c, metadata, reader, mode);
    RAPPORT_ASSIGN_OR_RETURN(summary, importer.Run());
    return Ok();
  }));
  return summary;
}

bool IsArchiveFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string start(64, '\0');
  in.read(start.data(), static_cast<std::streamsize>(start.size()));
  start.resize(static_cast<size_t>(in.gcount()));
  return start.starts_with("{\"format\":\"rapport-archive\"");
}

}  // namespace rapport::transfer
