#include "metadata/metadata_store.h"

#include <random>
#include <set>

#include <fmt/format.h>

#include "audit/audit_log.h"
#include "storage/catalog.h"

namespace rapport::metadata {

namespace {

using storage::TextOf;
using storage::Value;

std::string RandomSuffix() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return fmt::format("{:06x}", rng() & 0xFFFFFF);
}

std::optional<int64_t> OptInt(const Value& v) {
  if (std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v);
  return std::nullopt;
}

}  // namespace

MetadataStore::MetadataStore(storage::Database& db, std::vector<ObjectDef> standard_objects,
                             const Clock& clock)
    : db_(db), standard_(std::move(standard_objects)), clock_(clock) {}

Status MetadataStore::EnsureStandardSchema() {
  return db_.Write([&](storage::Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto known, c.Query("SELECT table_name, column_name FROM schema_columns"));
    std::set<std::pair<std::string, std::string>> columns;
    for (const auto& row : known.rows) columns.emplace(TextOf(row[0]), TextOf(row[1]));
    auto record_column = [&](const std::string& table, const std::string& column) -> Status {
      if (columns.emplace(table, column).second) {
        std::vector<Value> p = {table, column};
        RAPPORT_TRY(c.Execute("INSERT INTO schema_columns (table_name, column_name) VALUES (?, ?)", p));
      }
      return Ok();
    };
    // Each statement once: the tenants' snapshots repeat the standard objects.
    std::set<std::string> upgraded;
    auto upgrade_indexes = [&](const ObjectDef& object) -> Status {
      for (const auto& sql : UpgradeRecordIndexesSql(object, c.dialect())) {
        if (upgraded.insert(sql).second) RAPPORT_TRY(c.ExecuteScript(sql));
      }
      return Ok();
    };
    for (const ObjectDef* object_ptr : TargetsFirst(standard_)) {
      const ObjectDef& object = *object_ptr;
      bool table_exists = columns.contains({object.table, "id"});
      if (!table_exists) {
        for (const auto& sql : CreateTableSql(object, c.dialect())) RAPPORT_TRY(c.ExecuteScript(sql));
        RAPPORT_TRY(record_column(object.table, "id"));
      }
      for (const FieldDef& f : object.fields) {
        if (f.system || f.name == "owner_id") continue;
        if (table_exists && !columns.contains({object.table, f.column})) {
          for (const auto& sql : AddColumnSql(object, f, c.dialect())) RAPPORT_TRY(c.ExecuteScript(sql));
        }
        RAPPORT_TRY(record_column(object.table, f.column));
      }
      RAPPORT_TRY(upgrade_indexes(object));
    }
    // The indexes of the tenants' own objects and fields, made by earlier versions (a
    // tenant's standard objects without fields of its own add nothing to run).
    RAPPORT_ASSIGN_OR_RETURN(auto tenants, c.Query("SELECT id FROM tenants"));
    for (const auto& row : tenants.rows) {
      RAPPORT_ASSIGN_OR_RETURN(SnapshotPtr snapshot, ReadSnapshot(c, TextOf(row[0])));
      for (const ObjectDef& object : snapshot->objects()) RAPPORT_TRY(upgrade_indexes(object));
    }
    return Ok();
  });
}

Result<SnapshotPtr> MetadataStore::Current(const std::string& tenant_id) {
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(tenant_id);
    if (it != cache_.end()) return it->second;
  }
  SnapshotPtr snapshot;
  RAPPORT_TRY(db_.Read([&](storage::Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(snapshot, ReadSnapshot(c, tenant_id));
    return Ok();
  }));
  std::lock_guard lock(cache_mu_);
  auto [it, inserted] = cache_.emplace(tenant_id, snapshot);
  return it->second;
}

Result<SnapshotPtr> MetadataStore::ReadSnapshot(storage::Connection& c, const std::string& tenant_id) {
  std::vector<Value> p = {tenant_id};
  RAPPORT_ASSIGN_OR_RETURN(auto version_rows,
                           c.Query("SELECT version FROM meta_versions WHERE tenant_id = ?", p));
  int64_t version = version_rows.rows.empty() ? 0 : std::get<int64_t>(version_rows.rows[0][0]);
  RAPPORT_ASSIGN_OR_RETURN(
      auto object_rows,
      c.Query("SELECT name, label, label_plural, table_name, title_field, history_of FROM meta_objects "
              "WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY created_at, name",
              p));
  RAPPORT_ASSIGN_OR_RETURN(
      auto field_rows,
      c.Query("SELECT object_name, name, label, type, column_name, required, is_unique, indexed, "
              "options, target, max_length, min_value, max_value, encryption FROM meta_fields "
              "WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY object_name, position, name",
              p));
  std::vector<ObjectDef> objects = standard_;
  for (const auto& row : object_rows.rows) {
    ObjectDef o;
    o.name = TextOf(row[0]);
    o.label = TextOf(row[1]);
    o.label_plural = TextOf(row[2]);
    o.table = TextOf(row[3]);
    o.title_field = TextOf(row[4]);
    o.history_of = TextOf(row[5]);
    o.custom = true;
    o.fields = SystemFields();
    objects.push_back(std::move(o));
  }
  for (const auto& row : field_rows.rows) {
    std::string object_name = TextOf(row[0]);
    auto object = std::find_if(objects.begin(), objects.end(),
                               [&](const ObjectDef& o) { return o.name == object_name; });
    if (object == objects.end()) continue;  // field of a removed object
    FieldDef f;
    f.name = TextOf(row[1]);
    f.label = TextOf(row[2]);
    auto type = ParseFieldType(TextOf(row[3]));
    if (!type) {
      return Fail(Error(ErrorCode::kInternal, "Corrupt metadata.")
                      .WithInternal("unknown field type " + TextOf(row[3])));
    }
    f.type = *type;
    f.column = TextOf(row[4]);
    f.required = OptInt(row[5]).value_or(0) != 0;
    f.unique = OptInt(row[6]).value_or(0) != 0;
    f.indexed = OptInt(row[7]).value_or(0) != 0;
    f.options = DecodeOptions(TextOf(row[8]));
    f.target = TextOf(row[9]);
    f.max_length = OptInt(row[10]);
    if (auto v = OptInt(row[11])) f.min_value = Decimal{*v};
    if (auto v = OptInt(row[12])) f.max_value = Decimal{*v};
    f.encryption = TextOf(row[13]);
    f.custom = true;
    object->fields.push_back(std::move(f));
  }
  return std::make_shared<const MetadataSnapshot>(version, std::move(objects));
}

Status MetadataStore::EnsureTenantSchema(storage::Connection& c, const MetadataSnapshot& snapshot) {
  for (const ObjectDef* object : TargetsFirst(snapshot.objects())) {
    if (object->custom) {
      for (const auto& sql : CreateTableSql(*object, c.dialect(), &snapshot)) RAPPORT_TRY(c.ExecuteScript(sql));
      continue;
    }
    std::vector<const FieldDef*> custom_fields;
    for (const FieldDef& f : object->fields) {
      if (f.custom) custom_fields.push_back(&f);
    }
    if (custom_fields.empty()) continue;
    RAPPORT_ASSIGN_OR_RETURN(auto existing, storage::TableColumns(c, object->table));
    for (const FieldDef* f : custom_fields) {
      bool present = std::any_of(existing.begin(), existing.end(),
                                 [&](const storage::ColumnInfo& col) { return col.name == f->column; });
      if (present) continue;
      for (const auto& sql : AddColumnSql(*object, *f, c.dialect())) RAPPORT_TRY(c.ExecuteScript(sql));
    }
  }
  return Ok();
}

void MetadataStore::Forget(const std::string& tenant_id) {
  std::lock_guard lock(cache_mu_);
  cache_.erase(tenant_id);
}

Result<SchemaPlan> MetadataStore::Plan(const std::string& tenant_id, const MetadataEdit& edit) {
  RAPPORT_ASSIGN_OR_RETURN(SnapshotPtr current, Current(tenant_id));
  return PlanSchemaChange(*current, edit, db_.dialect(), tenant_id,
                          FormatDatetime(clock_.Now()), RandomSuffix());
}

Result<SnapshotPtr> MetadataStore::Apply(const std::string& tenant_id, const MetadataEdit& edit,
                                         const std::string& actor_id) {
  std::lock_guard apply_lock(apply_mu_);
  RAPPORT_ASSIGN_OR_RETURN(SchemaPlan plan, Plan(tenant_id, edit));
  SnapshotPtr next;
  RAPPORT_TRY(db_.Write([&](storage::Connection& c) -> Status {
    for (const PlanStep& step : plan.steps) {
      if (step.params.empty()) {
        RAPPORT_TRY(c.ExecuteScript(step.sql));
      } else {
        RAPPORT_TRY(c.Execute(step.sql, step.params));
      }
    }
    std::string steps;
    for (const PlanStep& step : plan.steps) steps += (steps.empty() ? "" : "; ") + step.description;
    std::string object_name = std::visit([](const auto& e) -> std::string {
      if constexpr (requires { e.object; }) return e.object; else return e.name;
    }, edit);
    RAPPORT_TRY(audit::Append(c, tenant_id, {.kind = "metadata.changed", .actor_id = actor_id,
                                             .object_name = object_name,
                                             .detail = audit::Detail({{"steps", steps}})}));
    std::vector<Value> p = {tenant_id};
    RAPPORT_ASSIGN_OR_RETURN(int64_t changed,
                             c.Execute("UPDATE meta_versions SET version = version + 1 WHERE tenant_id = ?", p));
    if (changed == 0) {
      RAPPORT_TRY(c.Execute("INSERT INTO meta_versions (tenant_id, version) VALUES (?, 1)", p));
    }
    RAPPORT_ASSIGN_OR_RETURN(next, ReadSnapshot(c, tenant_id));
    return Ok();
  }));
  std::lock_guard lock(cache_mu_);
  cache_[tenant_id] = next;
  return next;
}

}  // namespace rapport::metadata
