#include "records/record_service.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <limits>
#include <map>
#include <numeric>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "audit/audit_log.h"
#include "core/id.h"
#include "core/names.h"
#include "core/strings.h"
#include "query/expression.h"
#include "query/sort.h"
#include "records/internal/codec.h"
#include "records/internal/group_accumulator.h"
#include "records/internal/result_cache.h"
#include "storage/catalog.h"
#include "workspace/exchange_rates.h"
#include "workspace/workspace_settings.h"

namespace rapport::records {

namespace {

using metadata::FieldDef;
using metadata::FieldType;
using metadata::ObjectDef;
using metadata::SnapshotPtr;
using security::Operation;
using security::Principal;
using storage::Connection;
using storage::TextOf;
using storage::Value;

constexpr Micros kIdempotencyWindow = 24 * 3600 * kMicrosPerSecond;

// The columns every record table has before its fields.
constexpr std::string_view kSystemColumns =
    "r.\"id\", r.\"version\", r.\"created_at\", r.\"updated_at\", r.\"created_by\", r.\"owner_id\"";
constexpr int kSystemColumnCount = 6;

// Groups held in memory take a few hundred bytes each. Past this many (a grouping by a
// field of nearly unique values) the engine lets the statement group them (SQLite's
// sorter keeps rows more compactly), and a statement that rolls up gives at most this
// many, in key order, to roll up from (beyond, each rollup takes a statement).
constexpr size_t kMaxGroupsInMemory = 100'000;

bool IsEngineManaged(const FieldDef& f) { return f.system; }  // id, version, timestamps, created_by

std::string Quote(const storage::SqlDialect& d, std::string_view name) { return d.QuoteIdentifier(name); }


// Which fields a read returns, and how to select them.
struct Projection {
  std::vector<const FieldDef*> fields;  // non-system fields, in metadata order
  std::string columns_sql;              // system columns first
};

Result<Projection> MakeProjection(const ObjectDef& object, const storage::SqlDialect& d,
                                  const std::vector<std::string>& requested) {
  Projection p;
  p.columns_sql = std::string(kSystemColumns);
  std::set<std::string, std::less<>> wanted(requested.begin(), requested.end());
  for (const auto& name : requested) {
    if (!object.FindField(name)) {
      std::string message = fmt::format("Unknown field `{}` in fields= on `{}`.{}", name, object.name,
                                        DidYouMean(name, object.FieldNames()));
      return Fail(Error(ErrorCode::kInvalidArgument, message).WithField("fields", "unknown_field", message));
    }
  }
  for (const auto& f : object.fields) {
    if (f.system || f.name == "owner_id") continue;
    if (!wanted.empty() && !wanted.contains(f.name)) continue;
    p.fields.push_back(&f);
    std::vector<std::string> cols;
    internal::AppendColumns(f, cols);
    for (const auto& c : cols) p.columns_sql += ", r." + Quote(d, c);
  }
  return p;
}

// Encrypted fields' stored text, opened. A value that does not open (a wrong master
// key, or tampering) reads as null, and the event is logged without any value.
FieldValue Unseal(const FieldDef& f, FieldValue stored, const security::TenantCipher* cipher) {
  if (f.encryption.empty()) return stored;
  const auto* text = std::get_if<std::string>(&stored);
  if (!text) return stored;
  std::optional<std::string> plain = cipher ? cipher->Open(f.name, *text) : std::nullopt;
  if (!plain) {
    spdlog::error("records: a value of encrypted field `{}` does not decrypt", f.name);
    return FieldValue{};
  }
  return FieldValue{std::move(*plain)};
}

Record ReadRecord(const ObjectDef& object, const Projection& p, std::span<const Value> row,
                  const std::vector<std::string>& requested, const security::TenantCipher* cipher) {
  Record r;
  r.object = object.name;
  r.id = TextOf(row[0]);
  r.version = std::holds_alternative<int64_t>(row[1]) ? std::get<int64_t>(row[1]) : 0;
  bool all = requested.empty();
  auto want = [&](std::string_view name) {
    return all || name == "id" || std::find(requested.begin(), requested.end(), name) != requested.end();
  };
  auto text_or_null = [](const Value& v) -> FieldValue {
    if (const auto* s = std::get_if<std::string>(&v)) return FieldValue{*s};
    return FieldValue{};
  };
  r.fields.reserve(kSystemColumnCount + p.fields.size());
  if (want("id")) r.fields.emplace_back("id", FieldValue{r.id});
  if (want("version")) r.fields.emplace_back("version", FieldValue{r.version});
  if (want("created_at")) r.fields.emplace_back("created_at", text_or_null(row[2]));
  if (want("updated_at")) r.fields.emplace_back("updated_at", text_or_null(row[3]));
  if (want("created_by")) r.fields.emplace_back("created_by", text_or_null(row[4]));
  if (want("owner_id")) r.fields.emplace_back("owner_id", text_or_null(row[5]));
  size_t cell = kSystemColumnCount;
  for (const FieldDef* f : p.fields) {
    r.fields.emplace_back(f->name, Unseal(*f, internal::FromStorage(*f, row.subspan(cell)), cipher));
    cell += internal::ColumnCount(*f);
  }
  return r;
}

// How a list reads the fields of related records it was asked for ("company.industry"):
// its own fields plus the lookups they go through, and the relations to include.
struct RelatedReads {
  struct Field {
    std::string name;      // "company.industry"
    std::string relation;  // "company"
    std::string field;     // "industry"
  };
  std::vector<std::string> own_fields;  // to read from the object's table (empty: all)
  std::vector<std::string> include;     // relations to embed
  std::vector<Field> fields;

  // Each record gets each related field as a field of its own ("company.industry"),
  // null when the related record is empty, gone or not readable; what was read only to
  // follow a relation (the lookup, the embedded record) is dropped again.
  void Apply(const ReadOptions& asked, std::vector<Record>& records) const {
    auto asked_for = [](const std::vector<std::string>& list, std::string_view name) {
      return std::find(list.begin(), list.end(), name) != list.end();
    };
    for (Record& r : records) {
      for (const Field& f : fields) {
        const FieldValue* value = nullptr;
        if (auto it = r.included.find(f.relation); it != r.included.end()) value = it->second.Find(f.field);
        r.fields.emplace_back(f.name, value ? *value : FieldValue{});
      }
      std::erase_if(r.fields, [&](const auto& field) {
        return field.first.find('.') == std::string::npos && !asked.fields.empty() && !asked_for(asked.fields, field.first) &&
               field.first != "id";
      });
      std::erase_if(r.included, [&](const auto& embedded) { return !asked_for(asked.include, embedded.first); });
    }
  }
};

// Validated input: the fields a write sets, with their new values.
using Changes = std::vector<std::pair<const FieldDef*, FieldValue>>;

// The record as it will be after a write: the changes, then (for updates) the current
// values. Borrows both; copies nothing (validators run on every row of a batch).
class ChangesView final : public RecordView {
 public:
  ChangesView(const Changes& changes, const Record* current) : changes_(changes), current_(current) {}
  const FieldValue& Get(std::string_view field) const override {
    static const FieldValue kNull;
    for (const auto& [f, v] : changes_) {
      if (f->name == field) return v;
    }
    if (current_) {
      if (const FieldValue* v = current_->Find(field)) return *v;
    }
    return kNull;
  }

 private:
  const Changes& changes_;
  const Record* current_;
};

const FieldValue* FindChange(const Changes& changes, std::string_view field) {
  for (const auto& [f, v] : changes) {
    if (f->name == field) return &v;
  }
  return nullptr;
}

// Adds the rows an operation may reach to a statement's WHERE clause.
void AddRows(const security::RowAccess& rows, std::string& sql, std::vector<Value>& params) {
  auto predicate = rows.Predicate();
  if (!predicate) return;
  sql += " AND " + predicate->sql;
  params.insert(params.end(), predicate->params.begin(), predicate->params.end());
}

// The schema as one principal sees it: fields their roles hide are gone, fields they
// may only read are marked read_only.
SnapshotPtr MaskedView(const metadata::MetadataSnapshot& full, const Principal& p,
                       const security::AccessConfig& config, const security::Policy& policy) {
  std::vector<ObjectDef> objects;
  objects.reserve(full.objects().size());
  for (const ObjectDef& object : full.objects()) {
    ObjectDef view = object;
    view.fields.clear();
    for (const FieldDef& f : object.fields) {
      security::FieldAccess access = policy.FieldAccessFor(p, config, object, f);
      if (access == security::FieldAccess::kHidden) continue;
      view.fields.push_back(f);
      view.fields.back().read_only = access == security::FieldAccess::kReadOnly;
    }
    objects.push_back(std::move(view));
  }
  return std::make_shared<const metadata::MetadataSnapshot>(full.version(), std::move(objects));
}

// An invalid-argument error that names no field, naming `field` (the part of the
// request it is about: "filter", "sort"...), so that every path reports where.
Error Naming(std::string field, const Error& e) {
  if (!e.field_errors().empty() || e.code() != ErrorCode::kInvalidArgument) return e;
  return Error(e.code(), e.detail()).WithInternal(e.internal()).WithField(std::move(field), "invalid_value", std::string(e.detail()));
}

Error ValidationError(std::vector<FieldError> errors) {
  std::string detail = errors.size() == 1
                           ? fmt::format("`{}`: {}", errors[0].field, errors[0].message)
                           : fmt::format("{} fields are invalid", errors.size());
  return Error(ErrorCode::kValidationFailed, std::move(detail)).WithFieldErrors(std::move(errors));
}

uint64_t Fnv1a(std::string_view data, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void AppendFingerprint(const InputValue& v, std::string& out) {
  switch (v.kind) {
    case InputValue::Kind::kNull: out += "n"; break;
    case InputValue::Kind::kBool: out += v.b ? "t" : "f"; break;
    case InputValue::Kind::kInt: out += "i" + std::to_string(v.i); break;
    case InputValue::Kind::kDouble: out += fmt::format("d{}", v.d); break;
    case InputValue::Kind::kString: out += "s" + std::to_string(v.s.size()) + ":" + v.s; break;
    case InputValue::Kind::kArray:
      out += "[";
      for (const auto& item : v.items) AppendFingerprint(item, out);
      out += "]";
      break;
    case InputValue::Kind::kObject: {
      auto members = v.members;
      std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += "{";
      for (const auto& [k, item] : members) {
        out += k + "=";
        AppendFingerprint(item, out);
      }
      out += "}";
      break;
    }
  }
}

std::string Fingerprint(std::string_view object, const InputObject& values) {
  InputValue root;
  root.kind = InputValue::Kind::kObject;
  root.members = values;
  std::string text(object);
  AppendFingerprint(root, text);
  return fmt::format("{:016x}", Fnv1a(text));
}

}  // namespace

// ---------------------------------------------------------------------------------
namespace {
struct CompiledAggregate;
}  // namespace

class RecordService::Impl {
 public:
  Impl(metadata::MetadataStore& metadata, storage::Database& db, const security::Policy& policy,
       security::AccessStore& access, security::KeyStore& keys, const ModuleRegistry& modules, const Clock& clock)
      : metadata_(metadata), db_(db), policy_(policy), access_(access), keys_(keys), modules_(modules), clock_(clock) {}

  // An aggregate query as one statement over the rows the principal may read
  // (RecordService::AggregateMany runs and finishes it).
  // `after_id`: only the rows above it (those appended since a result was kept:
  // internal::ResultCache::FindGrowable).
  Result<CompiledAggregate> CompileAggregate(const Principal& p, const AggregateQuery& q,
                                             const std::string& after_id = {});
  // A list query as its page's statement (RecordService::List reads it; CheckList
  // stops there).
  struct CompiledList;
  Result<CompiledList> CompileList(const Principal& p, const ListQuery& q);

  // One object as one principal may use it in one request.
  struct Target {
    SnapshotPtr snapshot;        // the principal's view of the schema (MaskedView)
    const ObjectDef* object;     // in `snapshot`
    SnapshotPtr full;            // the tenant's whole schema
    security::AccessConfigPtr config;
    security::ObjectAccess access;  // rows over alias `r`
    security::TenantCipherPtr cipher;  // set when the object has encrypted fields
  };

  // The tenant's schema as the principal sees it, and the access model it came from.
  struct View {
    SnapshotPtr full;
    SnapshotPtr snapshot;
    security::AccessConfigPtr config;
  };

  Result<View> ViewFor(const Principal& p) {
    if (p.tenant_id.empty()) return Fail(ErrorCode::kUnauthenticated, "No tenant.");
    View v;
    RAPPORT_ASSIGN_OR_RETURN(v.full, metadata_.Current(p.tenant_id));
    RAPPORT_ASSIGN_OR_RETURN(v.config, access_.Current(p.tenant_id));
    if (!policy_.RestrictsFields(p, *v.config)) {
      v.snapshot = v.full;
      return v;
    }
    // Views are shared by everyone holding the same roles under the same schema and
    // model; the entry keeps both alive, so their addresses identify them.
    std::string key = fmt::format("{}/{}", static_cast<const void*>(v.full.get()), static_cast<const void*>(v.config.get()));
    for (const security::Role* role : v.config->RolesOf(p.user_id)) key += "/" + role->id;
    std::lock_guard lock(views_mu_);
    auto it = views_.find(key);
    if (it == views_.end()) {
      if (views_.size() > 256) views_.clear();
      it = views_.emplace(key, CachedView{v.full, v.config, MaskedView(*v.full, p, *v.config, policy_)}).first;
    }
    v.snapshot = it->second.view;
    return v;
  }

  Result<Target> Resolve(const Principal& p, std::string_view object_name, Operation op) {
    RAPPORT_ASSIGN_OR_RETURN(View v, ViewFor(p));
    RAPPORT_ASSIGN_OR_RETURN(const ObjectDef* object, v.snapshot->GetObject(object_name));
    RAPPORT_TRY(policy_.CheckObject(p, *v.config, *object, op));
    const ObjectDef* full_object = v.full->FindObject(object_name);
    security::ObjectAccess access =
        policy_.Access(p, *v.config, *v.full, *full_object, db_.dialect(), "r", clock_.Now());
    security::TenantCipherPtr cipher;
    if (std::any_of(full_object->fields.begin(), full_object->fields.end(),
                    [](const FieldDef& f) { return !f.encryption.empty(); })) {
      RAPPORT_ASSIGN_OR_RETURN(cipher, keys_.For(p.tenant_id));
    }
    return Target{std::move(v.snapshot), object, std::move(v.full), std::move(v.config), std::move(access),
                  std::move(cipher)};
  }

  // The WHERE clause (over alias "r") of the live records the principal may read that
  // match `filter`, with its parameters. With `filter_apart`, the filter's condition
  // goes there rather than into `where`.
  Status ReadableWhere(const Principal& p, const Target& target, std::string_view filter, std::string& where,
                       std::vector<Value>& params, query::SqlFragment* filter_apart = nullptr) {
    query::CompileContext context;
    context.table_alias = "r";
    context.user_id = p.user_id;
    context.now = clock_.Now();

    // A filter through a lookup only sees related records the principal may read, so it
    // cannot probe what they hold.
    context.related_rows = [&](std::string_view table, std::string_view alias) -> std::optional<query::SqlFragment> {
      for (const ObjectDef& related : target.snapshot->objects()) {
        if (related.table == table) return ReadableRows(p, target, related, alias);
      }
      return query::SqlFragment{"1 = 0", {}};
    };

    // Literals compared with encrypted fields are sealed like the stored values.
    security::TenantCipherPtr filter_cipher = target.cipher;
    context.seal = [&](std::string_view field, std::string_view plain) -> std::string {
      if (!filter_cipher) {
        auto cipher = keys_.For(p.tenant_id);
        if (!cipher) return std::string();  // matches nothing: sealed values are never empty
        filter_cipher = *cipher;
      }
      return filter_cipher->Seal(field, plain, true);
    };

    where = "r.tenant_id = ? AND r.deleted_at IS NULL";
    params = {p.tenant_id};
    AddRows(target.access.read, where, params);
    if (!filter.empty()) {
      // The filter's errors (syntax, an unknown or hidden field, a type) name it.
      auto ast = query::Parse(filter);
      if (!ast) return Fail(Naming("filter", ast.error()));
      auto bound = query::Bind(*ast, *target.object, *target.snapshot);
      if (!bound) return Fail(Naming("filter", bound.error()));
      auto compiled = query::CompileToSql(*bound, db_.dialect(), context);
      if (!compiled) return Fail(Naming("filter", compiled.error()));
      query::SqlFragment& fragment = *compiled;
      if (filter_apart) {
        *filter_apart = std::move(fragment);
        return Ok();
      }
      where += " AND (" + fragment.sql + ")";
      params.insert(params.end(), fragment.params.begin(), fragment.params.end());
    }
    return Ok();
  }

  // A field value as a statement parameter: sealed when the field is encrypted.
  static void AppendValue(const Target& t, const FieldDef& f, const FieldValue& v, std::vector<Value>& params) {
    if (!f.encryption.empty() && t.cipher) {
      if (const auto* text = std::get_if<std::string>(&v)) {
        params.emplace_back(t.cipher->Seal(f.name, *text, f.encryption == "deterministic"));
        return;
      }
    }
    internal::AppendStorage(f, v, params);
  }

  // Administrators are made and changed only by administrators: a user manager may
  // manage members, but neither promote anyone (themselves included) nor touch an
  // administrator's record.
  static Status CheckAdministrators(const Principal& p, const ObjectDef& object, const Record* current,
                                    const Changes* changes) {
    if (object.name != "users" || p.is_admin || p.is_system) return Ok();
    auto is_admin = [](const FieldValue* v) {
      return v && std::holds_alternative<std::string>(*v) && std::get<std::string>(*v) == "admin";
    };
    if (current && is_admin(current->Find("role"))) {
      return Fail(ErrorCode::kPermissionDenied, "Only administrators can change an administrator.");
    }
    if (changes && is_admin(FindChange(*changes, "role"))) {
      return Fail(ErrorCode::kPermissionDenied, "Only administrators can make administrators.");
    }
    return Ok();
  }

  // The rows of `object` the principal may read, over `alias` (for lookups and
  // relation filters into other objects).
  std::optional<query::SqlFragment> ReadableRows(const Principal& p, const Target& t, const ObjectDef& object,
                                                 std::string_view alias) {
    const ObjectDef* full_object = t.full->FindObject(object.name);
    if (!full_object) return query::SqlFragment{"1 = 0", {}};
    if (policy_.Permissions(p, *t.config, *full_object).read == security::Scope::kNone) {
      return query::SqlFragment{"1 = 0", {}};
    }
    return policy_.Access(p, *t.config, *t.full, *full_object, db_.dialect(), alias, clock_.Now()).read.Predicate();
  }

  // Input → validated changes. Collects every problem. On create, required fields
  // must be present; on update only the fields being changed are checked.
  // The currency of an amount given without one: the workspace's (workspace settings),
  // read only when some input sets a currency field.
  Result<std::string> DefaultCurrency(const std::string& tenant_id, const ObjectDef& object,
                                      std::span<const InputObject* const> inputs) {
    const bool money = std::any_of(inputs.begin(), inputs.end(), [&](const InputObject* input) {
      return std::any_of(input->begin(), input->end(), [&](const auto& member) {
        const FieldDef* f = object.FindField(member.first);
        return f && f->type == FieldType::kCurrency;
      });
    });
    if (!money) return std::string(workspace::WorkspaceSettings{}.currency);
    workspace::WorkspaceSettings settings;
    RAPPORT_TRY(db_.Read([&](Connection& c) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(settings, workspace::ReadWorkspaceSettings(c, tenant_id));
      return Ok();
    }));
    return settings.currency;
  }

  Result<Changes> Validate(const ObjectDef& object, const InputObject& input, bool creating,
                           std::string_view default_currency) {
    std::vector<FieldError> errors;
    Changes changes;
    std::set<std::string_view> seen;
    for (const auto& [name, value] : input) {
      if (!seen.insert(name).second) {
        errors.push_back({name, "duplicate", "The field appears twice."});
        continue;
      }
      const FieldDef* f = object.FindField(name);
      if (!f) {
        errors.push_back({name, "unknown_field",
                          fmt::format("Unknown field `{}` on `{}`.{}", name, object.name,
                                      DidYouMean(name, object.FieldNames()))});
        continue;
      }
      if (IsEngineManaged(*f)) {
        errors.push_back({name, "read_only", fmt::format("`{}` is set by Rapport.", name)});
        continue;
      }
      if (f->read_only) {
        errors.push_back({name, "read_only", fmt::format("Your roles do not allow you to change `{}`.", name)});
        continue;
      }
      auto coerced = internal::Coerce(*f, value, default_currency);
      if (!coerced) {
        errors.push_back(std::move(coerced).error());
        continue;
      }
      if (f->required && IsNull(*coerced)) {
        errors.push_back({name, "required", fmt::format("`{}` is required.", name)});
        continue;
      }
      changes.emplace_back(f, std::move(*coerced));
    }
    if (creating) {
      for (const auto& f : object.fields) {
        if (f.required && !seen.contains(f.name)) {
          errors.push_back({f.name, "required", fmt::format("`{}` is required.", f.name)});
        }
      }
    }
    if (!errors.empty()) return Fail(ValidationError(std::move(errors)));
    return changes;
  }

  Status RunValidators(const ObjectDef& object, const RecordView& view) {
    std::vector<FieldError> errors;
    for (const RecordValidator* v : modules_.ValidatorsFor(object.name)) {
      auto found = (*v)(view);
      errors.insert(errors.end(), found.begin(), found.end());
    }
    if (!errors.empty()) return Fail(ValidationError(std::move(errors)));
    return Ok();
  }

  // Lookups must point at live records of the same tenant; unique values must be free.
  // `verified` (optional) remembers lookup targets already found live in this write
  // transaction, so a batch checks each related record once.
  Status CheckReferencesAndUniques(Connection& c, const Principal& p, const Target& t,
                                   const Changes& changes, std::string_view self_id,
                                   std::set<std::string, std::less<>>* verified = nullptr) {
    std::vector<FieldError> errors;
    for (const auto& [f, value] : changes) {
      if (IsNull(value)) continue;
      if (f->type == FieldType::kLookup) {
        const ObjectDef* target = t.snapshot->FindObject(f->target);
        if (!target) continue;
        const std::string& target_id = std::get<std::string>(value);
        std::string verified_key;
        if (verified) {
          verified_key = target->name + "/" + target_id;
          if (verified->contains(verified_key)) continue;
        }
        // A record the principal may not read does not exist for them.
        std::vector<Value> params = {p.tenant_id, target_id};
        std::string sql = fmt::format("SELECT 1 FROM {} r WHERE r.tenant_id = ? AND r.id = ? AND r.deleted_at IS NULL",
                                      Quote(c.dialect(), target->table));
        // Pointing at oneself (the owner a create sets) reveals nothing.
        bool self = target->name == "users" && target_id == p.user_id;
        if (auto rows = self ? std::nullopt : ReadableRows(p, t, *target, "r")) {
          sql += " AND " + rows->sql;
          params.insert(params.end(), rows->params.begin(), rows->params.end());
        }
        RAPPORT_ASSIGN_OR_RETURN(auto found, c.Query(sql, params));
        if (found.rows.empty()) {
          errors.push_back({f->name, "not_found", fmt::format("No {} with id `{}`.", target->label, target_id)});
        } else if (verified) {
          verified->insert(std::move(verified_key));
        }
      }
      if (f->unique) {
        std::vector<Value> params = {p.tenant_id};
        AppendValue(t, *f, value, params);
        params.emplace_back(std::string(self_id));
        RAPPORT_ASSIGN_OR_RETURN(
            auto found, c.Query(fmt::format("SELECT id FROM {} WHERE tenant_id = ? AND {} = ? AND "
                                            "deleted_at IS NULL AND id <> ?",
                                            Quote(c.dialect(), t.object->table),
                                            Quote(c.dialect(), f->column)),
                                params));
        if (!found.rows.empty()) {
          // Name the other record only to someone who may read every record.
          std::string by = t.access.read.Everything() ? fmt::format(" by record {}", TextOf(found.rows[0][0])) : "";
          return Fail(Error(ErrorCode::kAlreadyExists,
                            fmt::format("Another {} already has this {}.", t.object->label, f->label))
                          .WithField(f->name, "duplicate",
                                     fmt::format("`{}` is already used{}.", internal::DisplayText(value), by)));
        }
      }
    }
    if (!errors.empty()) return Fail(ValidationError(std::move(errors)));
    return Ok();
  }

  Status WriteEvent(Connection& c, const Principal& p, const ObjectDef& object, std::string_view record_id,
                    std::string_view kind, int64_t version, const std::string& now,
                    const std::string& event_id, const std::vector<std::string>& fields) {
    std::string payload = "{\"fields\":[";
    for (size_t i = 0; i < fields.size(); ++i) payload += fmt::format("{}\"{}\"", i ? "," : "", fields[i]);
    payload += "]}";
    std::vector<Value> params = {p.tenant_id, event_id, object.name, std::string(record_id),
                                 std::string(kind), version,
                                 p.user_id.empty() ? Value(storage::Null{}) : Value(p.user_id), now,
                                 std::move(payload)};
    RAPPORT_TRY(c.Execute("INSERT INTO change_events (tenant_id, id, object_name, record_id, kind, "
                          "record_version, user_id, occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          params));
    // Changes to users and teams (roles, who is active) are security events too. A
    // purge is already in the log as record.purged.
    if (policy_.AuditsChangesTo(object) && kind != "purged") {
      std::string names;
      for (const auto& f : fields) names += (names.empty() ? "" : ",") + f;
      RAPPORT_TRY(audit::Append(c, p.tenant_id,
                                {.kind = fmt::format("{}.{}", object.name, kind), .actor_id = p.user_id,
                                 .object_name = object.name, .record_id = std::string(record_id),
                                 .detail = audit::Detail({{"fields", names}})},
                                clock_));
    }
    return Ok();
  }

  Status WriteHistory(Connection& c, const Principal& p, const ObjectDef& object, std::string_view record_id,
                      std::string_view kind, std::string_view field, const FieldValue* old_value,
                      const FieldValue* new_value, const std::string& now, const std::string& event_id,
                      const security::TenantCipher* cipher = nullptr) {
    // An encrypted field's old and new values stay sealed in its history too.
    const FieldDef* def = field.empty() ? nullptr : object.FindField(field);
    bool sealed = def && !def->encryption.empty() && cipher;
    auto cell = [&](const FieldValue* v) -> Value {
      if (!v || IsNull(*v)) return storage::Null{};
      if (sealed) return cipher->Seal(field, internal::DisplayText(*v), false);
      return internal::DisplayText(*v);
    };
    std::vector<Value> params = {p.tenant_id, NewId(clock_), event_id, object.name, std::string(record_id),
                                 std::string(kind), std::string(field), cell(old_value), cell(new_value),
                                 p.user_id.empty() ? Value(storage::Null{}) : Value(p.user_id), now};
    RAPPORT_TRY(c.Execute("INSERT INTO record_history (tenant_id, id, event_id, object_name, record_id, "
                          "change_kind, field, old_value, new_value, changed_by, changed_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          params));
    return Ok();
  }

  // The create path shared by Create and Batch; runs inside a write transaction.
  Result<Record> CreateInTransaction(Connection& c, const Principal& p, const Target& t, Changes changes,
                                     std::set<std::string, std::less<>>* verified = nullptr) {
    const ObjectDef& object = *t.object;
    bool has_owner = std::any_of(changes.begin(), changes.end(),
                                 [](const auto& ch) { return ch.first->name == "owner_id"; });
    if (!has_owner && !p.user_id.empty()) {
      changes.emplace_back(object.FindField("owner_id"), FieldValue{p.user_id});
    }
    RAPPORT_TRY(CheckAdministrators(p, object, nullptr, &changes));
    RAPPORT_TRY(RunValidators(object, ChangesView(changes, nullptr)));
    std::string id = NewId(clock_);
    RAPPORT_TRY(CheckReferencesAndUniques(c, p, t, changes, id, verified));

    std::string now = FormatDatetime(clock_.Now());
    const auto& d = c.dialect();
    std::string columns = "tenant_id, id, version, created_at, updated_at, created_by";
    std::string placeholders = "?, ?, ?, ?, ?, ?";
    std::vector<Value> params = {p.tenant_id, id, int64_t{1}, now, now,
                                 p.user_id.empty() ? Value(storage::Null{}) : Value(p.user_id)};
    std::vector<std::string> cols;
    for (const auto& [f, v] : changes) {
      cols.clear();
      internal::AppendColumns(*f, cols);
      for (const auto& col : cols) {
        columns += ", " + Quote(d, col);
        placeholders += ", ?";
      }
      AppendValue(t, *f, v, params);
    }
    // A new id rises above those before it: the table's rows only grow with this
    // insert (storage/table_versions.h), which lets kept report results take it in.
    c.Appends(object.table, id);
    RAPPORT_TRY(c.Execute(
        fmt::format("INSERT INTO {} ({}) VALUES ({})", Quote(d, object.table), columns, placeholders),
        params));
    std::vector<std::string> field_names;
    for (const auto& [f, v] : changes) field_names.push_back(f->name);
    // A create writes no history rows: History() derives the "created" entry from the
    // record's own created_at/created_by, which keeps bulk creates cheap.
    RAPPORT_TRY(WriteEvent(c, p, object, id, "created", 1, now, NewId(clock_), field_names));

    Record record;
    record.object = object.name;
    record.id = id;
    record.version = 1;
    record.fields.emplace_back("id", FieldValue{id});
    record.fields.emplace_back("version", FieldValue{int64_t{1}});
    record.fields.emplace_back("created_at", FieldValue{now});
    record.fields.emplace_back("updated_at", FieldValue{now});
    record.fields.emplace_back("created_by", p.user_id.empty() ? FieldValue{} : FieldValue{p.user_id});
    const FieldValue* owner = FindChange(changes, "owner_id");
    record.fields.emplace_back("owner_id", owner ? *owner : FieldValue{});
    for (const auto& f : object.fields) {
      if (f.system || f.name == "owner_id") continue;
      const FieldValue* value = FindChange(changes, f.name);
      record.fields.emplace_back(f.name, value ? *value : FieldValue{});
    }
    return record;
  }

  // Loads the live (or, with `deleted`, recycled) row for update/delete/restore, if
  // it is among `rows` (kNotFound otherwise: what may not be touched is not there).
  Result<Record> LoadForWrite(Connection& c, const Principal& p, const Target& t, std::string_view id,
                              bool deleted, const security::RowAccess& reachable) {
    RAPPORT_ASSIGN_OR_RETURN(Projection proj, MakeProjection(*t.object, c.dialect(), {}));
    std::string sql = fmt::format("SELECT {} FROM {} r WHERE r.tenant_id = ? AND r.id = ? AND r.deleted_at {}",
                                  proj.columns_sql, Quote(c.dialect(), t.object->table),
                                  deleted ? "IS NOT NULL" : "IS NULL");
    std::vector<Value> params = {p.tenant_id, std::string(id)};
    AddRows(reachable, sql, params);
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
    if (rows.rows.empty()) return Fail(NotFound(*t.object, id));
    return ReadRecord(*t.object, proj, rows.rows[0], {}, t.cipher.get());
  }

  static Error NotFound(const ObjectDef& object, std::string_view id) {
    return Error(ErrorCode::kNotFound, fmt::format("No {} with id `{}`.", object.label, id));
  }

  Result<Record> UpdateInTransaction(Connection& c, const Principal& p, const Target& t, std::string_view id,
                                     const Changes& requested, std::optional<int64_t> expected_version,
                                     std::set<std::string, std::less<>>* verified = nullptr) {
    const ObjectDef& object = *t.object;
    RAPPORT_ASSIGN_OR_RETURN(Record current, LoadForWrite(c, p, t, id, false, t.access.edit));
    if (expected_version && *expected_version != current.version) {
      return Fail(ErrorCode::kVersionMismatch,
                  fmt::format("The record is at version {}, not {}; reload it and retry.", current.version,
                              *expected_version));
    }
    Changes changes;
    for (const auto& [f, v] : requested) {
      const FieldValue* old = current.Find(f->name);
      if (!old || *old != v) changes.emplace_back(f, v);
    }
    if (changes.empty()) return current;  // nothing changed: no new version, no history

    RAPPORT_TRY(CheckAdministrators(p, object, &current, &changes));
    RAPPORT_TRY(RunValidators(object, ChangesView(changes, &current)));
    RAPPORT_TRY(CheckReferencesAndUniques(c, p, t, changes, id, verified));

    std::string now = FormatDatetime(clock_.Now());
    const auto& d = c.dialect();
    std::string set = "version = version + 1, updated_at = ?";
    std::vector<Value> params = {now};
    std::vector<std::string> cols;
    for (const auto& [f, v] : changes) {
      cols.clear();
      internal::AppendColumns(*f, cols);
      for (const auto& col : cols) set += ", " + Quote(d, col) + " = ?";
      AppendValue(t, *f, v, params);
    }
    params.emplace_back(p.tenant_id);
    params.emplace_back(std::string(id));
    params.emplace_back(current.version);
    RAPPORT_ASSIGN_OR_RETURN(
        int64_t updated,
        c.Execute(fmt::format("UPDATE {} SET {} WHERE tenant_id = ? AND id = ? AND version = ?",
                              Quote(d, object.table), set),
                  params));
    if (updated != 1) {
      return Fail(ErrorCode::kVersionMismatch, "The record changed meanwhile; reload it and retry.");
    }
    std::string event_id = NewId(clock_);
    std::vector<std::string> field_names;
    for (const auto& [f, v] : changes) {
      RAPPORT_TRY(WriteHistory(c, p, object, id, "updated", f->name, current.Find(f->name), &v, now, event_id,
                               t.cipher.get()));
      field_names.push_back(f->name);
    }
    RAPPORT_TRY(WriteEvent(c, p, object, id, "updated", current.version + 1, now, event_id, field_names));

    Record updated_record = std::move(current);
    updated_record.version += 1;
    for (auto& [k, v] : updated_record.fields) {
      if (k == "version") v = FieldValue{updated_record.version};
      else if (k == "updated_at") v = FieldValue{now};
      else if (const FieldValue* changed = FindChange(changes, k)) v = *changed;
    }
    return updated_record;
  }

  Result<SnapshotPtr> SnapshotFor(const Principal& p) { return metadata_.Current(p.tenant_id); }

  // Splits fields= into the object's own and related records' ("company.industry"),
  // refusing an unknown relation, or a field the related object does not have or the
  // principal may not see (as an own field is refused).
  Result<RelatedReads> PlanRelatedReads(const Principal& p, const ObjectDef& object, const ReadOptions& read) {
    RelatedReads out;
    out.include = read.include;
    for (const auto& name : read.fields) {
      const size_t dot = name.find('.');
      if (dot == std::string::npos) {
        if (std::find(out.own_fields.begin(), out.own_fields.end(), name) == out.own_fields.end()) out.own_fields.push_back(name);
        continue;
      }
      const std::string relation = name.substr(0, dot), field = name.substr(dot + 1);
      const FieldDef* lookup = object.FindRelation(relation);
      if (!lookup) {
        return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("`{}`: `{}` has no relation `{}`.", name, object.name, relation))
                        .WithField("fields", "unknown_field", fmt::format("No relation `{}`.", relation)));
      }
      // The related object as the principal sees it; one they may not read gives empty cells.
      if (auto related = Resolve(p, lookup->target, Operation::kRead)) {
        if (!related->object->FindField(field)) {
          std::vector<std::string> names;
          for (const auto& f : related->object->fields) names.push_back(f.name);
          return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("`{}`: `{}` has no field `{}`.{}", name,
                                                                     related->object->name, field, DidYouMean(field, names)))
                          .WithField("fields", "unknown_field", fmt::format("No field `{}` on `{}`.", field, related->object->name)));
        }
      }
      if (std::find(out.own_fields.begin(), out.own_fields.end(), lookup->name) == out.own_fields.end()) {
        out.own_fields.push_back(lookup->name);
      }
      if (std::find(out.include.begin(), out.include.end(), relation) == out.include.end()) out.include.push_back(relation);
      out.fields.push_back({name, relation, field});
    }
    return out;
  }

  // Embeds related records for include=, one query per relation (never N+1).
  Status Include(Connection& c, const Principal& p, const Target& t, const std::vector<std::string>& relations,
                 std::vector<Record>& records) {
    for (const auto& relation : relations) {
      const FieldDef* lookup = t.object->FindRelation(relation);
      if (!lookup) {
        std::vector<std::string> names;
        for (const auto& f : t.object->fields) {
          if (f.type == FieldType::kLookup) names.push_back(f.relation_name());
        }
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("Unknown relation `{}` in include= on `{}`.{}", relation, t.object->name,
                                DidYouMean(relation, names)));
      }
      auto related = Resolve(p, lookup->target, Operation::kRead);
      if (!related) continue;  // the caller may not read that object: embed nothing
      std::vector<std::string> ids;
      for (const auto& r : records) {
        const FieldValue* v = r.Find(lookup->name);
        if (v && std::holds_alternative<std::string>(*v)) ids.push_back(std::get<std::string>(*v));
      }
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      if (ids.empty()) continue;
      RAPPORT_ASSIGN_OR_RETURN(Projection proj, MakeProjection(*related->object, c.dialect(), {}));
      std::map<std::string, Record> by_id;
      for (size_t start = 0; start < ids.size(); start += 500) {
        size_t end = std::min(ids.size(), start + 500);
        std::string in;
        std::vector<Value> params = {p.tenant_id};
        for (size_t i = start; i < end; ++i) {
          in += i == start ? "?" : ", ?";
          params.emplace_back(ids[i]);
        }
        std::string sql = fmt::format("SELECT {} FROM {} r WHERE r.tenant_id = ? AND r.deleted_at IS NULL AND "
                                      "r.id IN ({})",
                                      proj.columns_sql, Quote(c.dialect(), related->object->table), in);
        AddRows(related->access.read, sql, params);
        RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
        for (const auto& row : rows.rows) {
          Record rec = ReadRecord(*related->object, proj, row, {}, related->cipher.get());
          by_id.emplace(rec.id, std::move(rec));
        }
      }
      for (auto& r : records) {
        const FieldValue* v = r.Find(lookup->name);
        if (!v || !std::holds_alternative<std::string>(*v)) continue;
        auto it = by_id.find(std::get<std::string>(*v));
        if (it != by_id.end()) r.included.emplace(relation, it->second);
      }
    }
    return Ok();
  }

  metadata::MetadataStore& metadata_;
  storage::Database& db_;
  const security::Policy& policy_;
  security::AccessStore& access_;
  security::KeyStore& keys_;
  const ModuleRegistry& modules_;
  const Clock& clock_;

  struct CachedView {
    SnapshotPtr full;
    security::AccessConfigPtr config;
    SnapshotPtr view;
  };
  std::mutex views_mu_;
  std::map<std::string, CachedView> views_;

  // Aggregate results until a table they read changes (AggregateMany).
  internal::ResultCache results_{64u << 20};

  // How long each unit of work of AggregateMany took when last run (by a hash of its
  // queries' keys: only an order follows from it): a dashboard viewed again starts its
  // longest first.
  std::mutex unit_times_mu_;
  std::unordered_map<size_t, double> unit_seconds_;
};

// ---------------------------------------------------------------------------------

RecordService::RecordService(metadata::MetadataStore& metadata, storage::Database& db,
                             const security::Policy& policy, security::AccessStore& access, security::KeyStore& keys,
                             const ModuleRegistry& modules, const Clock& clock)
    : metadata_(metadata), impl_(std::make_shared<Impl>(metadata, db, policy, access, keys, modules, clock)) {}

Result<metadata::SnapshotPtr> RecordService::Metadata(const Principal& p) {
  RAPPORT_ASSIGN_OR_RETURN(auto view, impl_->ViewFor(p));
  return view.snapshot;
}

Result<security::ObjectPermissions> RecordService::Permissions(const Principal& p, std::string_view object_name) {
  RAPPORT_ASSIGN_OR_RETURN(auto view, impl_->ViewFor(p));
  RAPPORT_ASSIGN_OR_RETURN(const ObjectDef* object, view.snapshot->GetObject(object_name));
  return impl_->policy_.Permissions(p, *view.config, *object);
}

Result<bool> RecordService::MayReadSome(const Principal& p, std::string_view object) {
  auto permissions = Permissions(p, object);
  if (!permissions) {
    if (permissions.error().code() == ErrorCode::kNotFound) return false;
    return Fail(permissions.error());
  }
  return permissions->read != security::Scope::kNone;
}

Result<RecordService::PermittedObjects> RecordService::MetadataWithPermissions(const Principal& p) {
  RAPPORT_ASSIGN_OR_RETURN(auto view, impl_->ViewFor(p));
  PermittedObjects out{view.snapshot, {}};
  out.permissions.reserve(view.snapshot->objects().size());
  for (const auto& object : view.snapshot->objects()) {
    out.permissions.push_back(impl_->policy_.Permissions(p, *view.config, object));
  }
  return out;
}

Result<metadata::SnapshotPtr> RecordService::ApplyMetadata(const Principal& p, const metadata::MetadataEdit& edit) {
  RAPPORT_ASSIGN_OR_RETURN(auto view, impl_->ViewFor(p));
  RAPPORT_TRY(impl_->policy_.CheckManageMetadata(p, *view.config));
  return metadata_.Apply(p.tenant_id, edit, p.user_id);
}

Result<std::vector<audit::Entry>> RecordService::Audit(const Principal& p, const audit::ListQuery& query) {
  if (p.tenant_id.empty()) return Fail(ErrorCode::kUnauthenticated, "No tenant.");
  RAPPORT_TRY(impl_->policy_.CheckReadAudit(p));
  return audit::List(impl_->db_, p.tenant_id, query);
}

Result<Record> RecordService::Create(const Principal& p, const CreateCommand& command) {
  RAPPORT_ASSIGN_OR_RETURN(auto target, impl_->Resolve(p, command.object, Operation::kCreate));
  const InputObject* input = &command.values;
  RAPPORT_ASSIGN_OR_RETURN(std::string currency, impl_->DefaultCurrency(p.tenant_id, *target.object, {&input, 1}));
  RAPPORT_ASSIGN_OR_RETURN(Changes changes, impl_->Validate(*target.object, command.values, true, currency));
  Record record;
  RAPPORT_TRY(impl_->db_.Write([&](Connection& c) -> Status {
    c.WritesFor(p.tenant_id);
    if (!command.idempotency_key.empty()) {
      std::string fingerprint = Fingerprint(command.object, command.values);
      std::string cutoff = FormatDatetime(impl_->clock_.Now() - kIdempotencyWindow);
      std::vector<Value> params = {p.tenant_id, p.user_id, command.idempotency_key, cutoff};
      RAPPORT_ASSIGN_OR_RETURN(
          auto seen, c.Query("SELECT fingerprint, object_name, record_id FROM idempotency_keys WHERE "
                             "tenant_id = ? AND user_id = ? AND idem_key = ? AND created_at >= ?",
                             params));
      if (!seen.rows.empty()) {
        if (TextOf(seen.rows[0][0]) != fingerprint || TextOf(seen.rows[0][1]) != command.object) {
          return Fail(Error(ErrorCode::kFailedPrecondition,
                            "This Idempotency-Key was already used for a different request.")
                          .WithField("Idempotency-Key", "reused", "Use a new key for a new request."));
        }
        // A retry: answer with the record the first request created (as it is now).
        RAPPORT_ASSIGN_OR_RETURN(record, impl_->LoadForWrite(c, p, target, TextOf(seen.rows[0][2]), false,
                                                             target.access.read));
        return Ok();
      }
      RAPPORT_ASSIGN_OR_RETURN(record, impl_->CreateInTransaction(c, p, target, changes));
      // Expired keys are swept by the writes that add new ones.
      std::vector<Value> sweep = {p.tenant_id, cutoff};
      RAPPORT_TRY(c.Execute("DELETE FROM idempotency_keys WHERE tenant_id = ? AND created_at < ?", sweep));
      std::vector<Value> insert = {p.tenant_id, p.user_id, command.idempotency_key, fingerprint,
                                   command.object, record.id, FormatDatetime(impl_->clock_.Now())};
      RAPPORT_TRY(c.Execute("INSERT INTO idempotency_keys (tenant_id, user_id, idem_key, fingerprint, "
                            "object_name, record_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            insert));
      return Ok();
    }
    RAPPORT_ASSIGN_OR_RETURN(record, impl_->CreateInTransaction(c, p, target, changes));
    return Ok();
  }));
  return record;
}

Result<Record> RecordService::Get(const Principal& p, std::string_view object, std::string_view id,
                                  const ReadOptions& options) {
  RAPPORT_ASSIGN_OR_RETURN(auto target, impl_->Resolve(p, object, Operation::kRead));
  if (!IsValidId(id)) return Fail(Impl::NotFound(*target.object, id));
  std::vector<Record> found;
  RAPPORT_TRY(impl_->db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(Projection proj, MakeProjection(*target.object, c.dialect(), options.fields));
    std::string sql = fmt::format("SELECT {} FROM {} r WHERE r.tenant_id = ? AND r.id = ? AND r.deleted_at IS NULL",
                                  proj.columns_sql, Quote(c.dialect(), target.object->table));
    std::vector<Value> params = {p.tenant_id, AsciiLower(id)};
    AddRows(target.access.read, sql, params);
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
    if (rows.rows.empty()) return Fail(Impl::NotFound(*target.object, id));
    found.push_back(ReadRecord(*target.object, proj, rows.rows[0], options.fields, target.cipher.get()));
    if (!options.include.empty()) RAPPORT_TRY(impl_->Include(c, p, target, options.include, found));
    return Ok();
  }));
  return std::move(found[0]);
}

Result<Record> RecordService::Update(const Principal& p, const UpdateCommand& command) {
  RAPPORT_ASSIGN_OR_RETURN(auto target, impl_->Resolve(p, command.object, Operation::kUpdate));
  if (!IsValidId(command.id)) return Fail(Impl::NotFound(*target.object, command.id));
  const InputObject* input = &command.changes;
  RAPPORT_ASSIGN_OR_RETURN(std::string currency, impl_->DefaultCurrency(p.tenant_id, *target.object, {&input, 1}));
  RAPPORT_ASSIGN_OR_RETURN(Changes changes, impl_->Validate(*target.object, command.changes, false, currency));
  Record record;
  RAPPORT_TRY(impl_->db_.Write([&](Connection& c) -> Status {
    c.WritesFor(p.tenant_id);
    RAPPORT_ASSIGN_OR_RETURN(record, impl_->UpdateInTransaction(c, p, target, AsciiLower(command.id), changes,
                                                                command.expected_version));
    return Ok();
  }));
  return record;
}

Status RecordService::Delete(const Principal& p, std::string_view object, std::string_view id) {
  RAPPORT_ASSIGN_OR_RETURN(auto target, impl_->Resolve(p, object, Operation::kDelete));
  if (!IsValidId(id)) return Fail(Impl::NotFound(*target.object, id));
  std::string record_id = AsciiLower(id);
  return impl_->db_.Write([&](Connection& c) -> Status {
    c.WritesFor(p.tenant_id);
    RAPPORT_ASSIGN_OR_RETURN(Record current, impl_->LoadForWrite(c, p, target, record_id, false, target.access.del));
    RAPPORT_TRY(Impl::CheckAdministrators(p, *target.object, &current, nullptr));
    std::string now = FormatDatetime(impl_->clock_.Now());
    std::vector<Value> params = {now, now, p.tenant_id, record_id, current.version};
    RAPPORT_ASSIGN_OR_RETURN(
        int64_t n, c.Execute(fmt::format("UPDATE {} SET deleted_at = ?, updated_at = ?, version = version + 1 "
                                         "WHERE tenant_id = ? AND id = ? AND version = ?",
                                         Quote(c.dialect(), target.object->table)),
                             params));
    if (n != 1) return Fail(ErrorCode::kVersionMismatch, "The record changed meanwhile; retry.");
    std::string event_id = NewId(impl_->clock_);
    RAPPORT_TRY(impl_->WriteHistory(c, p, *target.object, record_id, "deleted", "", nullptr, nullptr, now, event_id));
    return impl_->WriteEvent(c, p, *target.object, record_id, "deleted", current.version + 1, now, event_id, {});
  });
}

Result<Record> RecordService::Restore(const Principal& p, std::string_view object, std::string_view id) {
  RAPPORT_ASSIGN_OR_RETURN(auto target, impl_->Resolve(p, object, Operation::kDelete));
  if (!IsValidId(id)) return Fail(Impl::NotFound(*target.object, id));
  std::string record_id = AsciiLower(id);
  RAPPORT_TRY(impl_->db_.Write([&](Connection& c) -> Status {
    c.WritesFor(p.tenant_id);
    RAPPORT_ASSIGN_OR_RETURN(Record current, impl_->LoadForWrite(c, p, target, record_id, true, target.access.del));
    RAPPORT_TRY(Impl::CheckAdministrators(p, *target.object, &current, nullptr));
    std::string now = FormatDatetime(impl_->clock_.Now());
    std::vector<Value> params = {now, p.tenant_id, record_id};
    auto restored = c.Execute(fmt::format("UPDATE {} SET deleted_at = NULL, updated_at = ?, version = version + 1 "
                                          "WHERE tenant_id = ? AND id = ?",
                                          Quote(c.dialect(), target.object->table)),
                              params);
    if (!restored) {
      if (restored.error().code() == ErrorCode::kAlreadyExists) {
        return Fail(ErrorCode::kAlreadyExists,
                    "A live record now holds one of this record's unique values; change that first.");
      }
      return std::unexpected(restored.error());
    }
    std::string event_id = NewId(impl_->clock_);
    RAPPORT_TRY(impl_->WriteHistory(c, p, *target.object, record_id, "restored", "", nullptr, nullptr, now, event_id));
    return impl_->WriteEvent(c, p, *target.object, record_id, "restored", current.version + 1, now, event_id, {});
  }));
  return Get(p, object, record_id);
}

Status RecordService::Purge(const Principal& p, std::string_view object, std::string_view id) {
  RAPPORT_ASSIGN_OR_RETURN(auto target, impl_->Resolve(p, object, Operation::kDelete));
  if (!IsValidId(id)) return Fail(Impl::NotFound(*target.object, id));
  std::string record_id = AsciiLower(id);
  return impl_->db_.Write([&](Connection& c) -> Status {
    c.WritesFor(p.tenant_id);
    auto live = impl_->LoadForWrite(c, p, target, record_id, false, target.access.del);
    if (live) {
      return Fail(ErrorCode::kFailedPrecondition, "Delete the record before purging it from the recycle bin.");
    }
    RAPPORT_ASSIGN_OR_RETURN(Record recycled, impl_->LoadForWrite(c, p, target, record_id, true, target.access.del));
    RAPPORT_TRY(Impl::CheckAdministrators(p, *target.object, &recycled, nullptr));
    std::string now = FormatDatetime(impl_->clock_.Now());
    const auto& d = c.dialect();
    // Clear every lookup that points at the record, with history, so nothing dangles.
    // Every lookup, including fields hidden from the caller: nothing may dangle.
    for (const ObjectDef& other : target.full->objects()) {
      for (const FieldDef& f : other.fields) {
        if (f.type != FieldType::kLookup || f.target != target.object->name || f.system) continue;
        std::vector<Value> params = {p.tenant_id, record_id};
        RAPPORT_ASSIGN_OR_RETURN(auto refs, c.Query(fmt::format("SELECT id FROM {} WHERE tenant_id = ? AND {} = ?",
                                                                Quote(d, other.table), Quote(d, f.column)),
                                                    params));
        for (const auto& row : refs.rows) {
          std::string ref_id = TextOf(row[0]);
          std::vector<Value> update = {now, p.tenant_id, ref_id};
          RAPPORT_TRY(c.Execute(fmt::format("UPDATE {} SET {} = NULL, updated_at = ?, version = version + 1 "
                                            "WHERE tenant_id = ? AND id = ?",
                                            Quote(d, other.table), Quote(d, f.column)),
                                update));
          FieldValue old{record_id};
          RAPPORT_TRY(impl_->WriteHistory(c, p, other, ref_id, "updated", f.name, &old, nullptr, now, NewId(impl_->clock_)));
        }
      }
    }
    std::vector<Value> params = {p.tenant_id, record_id};
    RAPPORT_TRY(c.Execute(fmt::format("DELETE FROM {} WHERE tenant_id = ? AND id = ?", Quote(d, target.object->table)),
                          params));
    std::vector<Value> history = {p.tenant_id, target.object->name, record_id};
    RAPPORT_TRY(c.Execute("DELETE FROM record_shares WHERE tenant_id = ? AND object_name = ? AND record_id = ?",
                          history));
    RAPPORT_TRY(c.Execute("DELETE FROM record_history WHERE tenant_id = ? AND object_name = ? AND record_id = ?",
                          history));
    // The record and its history are gone for good; the audit log keeps that it was.
    RAPPORT_TRY(audit::Append(c, p.tenant_id, {.kind = "record.purged", .actor_id = p.user_id,
                                               .object_name = target.object->name, .record_id = record_id},
                              impl_->clock_));
    return impl_->WriteEvent(c, p, *target.object, record_id, "purged", 0, now, NewId(impl_->clock_), {});
  });
}

// A list query compiled: the page's statement and how its rows become records.
struct RecordService::Impl::CompiledList {
  Target target;
  RelatedReads related;
  Projection projection;
  std::vector<query::SortKey> keys;
  std::string where;                 // the rows the principal may read under the filter
  std::vector<Value> params;
  std::string sql;                   // the page's statement
  std::vector<Value> page_params;
};

Result<RecordService::Impl::CompiledList> RecordService::Impl::CompileList(const Principal& p, const ListQuery& q) {
  CompiledList out;
  RAPPORT_ASSIGN_OR_RETURN(out.target, Resolve(p, q.object, q.for_export ? Operation::kExport : Operation::kRead));
  if (q.limit < 1 || q.limit > kMaxPageSize) {
    return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("limit must be between 1 and {}.", kMaxPageSize))
                    .WithField("limit", "out_of_range", fmt::format("1 to {}", kMaxPageSize)));
  }
  const ObjectDef& object = *out.target.object;
  const auto& d = db_.dialect();
  RAPPORT_TRY(ReadableWhere(p, out.target, q.filter, out.where, out.params));
  auto keys = query::ParseSort(q.sort, object);
  if (!keys) return Fail(Naming("sort", keys.error()));
  out.keys = std::move(*keys);
  std::string page_where = out.where;
  out.page_params = out.params;
  if (!q.cursor.empty()) {
    auto after = query::DecodeCursor(q.cursor, out.keys);
    if (!after) return Fail(Naming("cursor", after.error()));
    auto keyset = query::KeysetPredicate(out.keys, *after, d, "r");
    page_where += " AND (" + keyset.sql + ")";
    out.page_params.insert(out.page_params.end(), keyset.params.begin(), keyset.params.end());
  }
  // Fields of related records ("company.industry") come through their relation's
  // include, with the related object's own read access and field masks.
  RAPPORT_ASSIGN_OR_RETURN(out.related, PlanRelatedReads(p, object, q.read));
  RAPPORT_ASSIGN_OR_RETURN(out.projection, MakeProjection(object, d, out.related.own_fields));
  // The sort keys' columns ride along after the projection so the cursor can be built
  // from the last row even when fields= leaves them out.
  std::string sort_columns;
  for (const auto& column : query::SortColumns(out.keys)) sort_columns += ", r." + Quote(d, column);
  out.sql = fmt::format("SELECT {}{} FROM {} r WHERE {} ORDER BY {} LIMIT {}", out.projection.columns_sql, sort_columns,
                        Quote(d, object.table), page_where, query::OrderBySql(out.keys, d, "r"), q.limit + 1);
  return out;
}

Result<ListResult> RecordService::List(const Principal& p, const ListQuery& q) {
  RAPPORT_ASSIGN_OR_RETURN(Impl::CompiledList list, impl_->CompileList(p, q));
  const ObjectDef& object = *list.target.object;
  const auto& d = impl_->db_.dialect();
  const size_t sort_width = list.keys.size();
  ListResult result;
  RAPPORT_TRY(impl_->db_.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(list.sql, list.page_params));
    size_t n = std::min(rows.rows.size(), static_cast<size_t>(q.limit));
    result.records.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      result.records.push_back(
          ReadRecord(object, list.projection, rows.rows[i], list.related.own_fields, list.target.cipher.get()));
    }
    if (rows.rows.size() > static_cast<size_t>(q.limit) && n > 0) {
      const auto& last = rows.rows[n - 1];
      std::vector<Value> sort_values(last.end() - static_cast<long>(sort_width), last.end());
      result.next_cursor = query::EncodeCursor(sort_values);
    }
    if (q.count) {
      RAPPORT_ASSIGN_OR_RETURN(auto count, c.Query(fmt::format("SELECT COUNT(*) FROM {} r WHERE {}",
                                                                Quote(d, object.table), list.where),
                                                    list.params));
      result.total = std::get<int64_t>(count.rows[0][0]);
    }
    if (!list.related.include.empty()) {
      RAPPORT_TRY(impl_->Include(c, p, list.target, list.related.include, result.records));
    }
    return Ok();
  }));
  if (!list.related.fields.empty()) list.related.Apply(q.read, result.records);
  return result;
}

Status RecordService::CheckList(const Principal& p, const ListQuery& q) {
  RAPPORT_TRY(impl_->CompileList(p, q));
  return Ok();
}

constexpr std::pair<std::string_view, AggregateFn> kAggregateFns[] = {
    {"count", AggregateFn::kCount},   {"count_distinct", AggregateFn::kCountDistinct},
    {"sum", AggregateFn::kSum},       {"avg", AggregateFn::kAvg},
    {"median", AggregateFn::kMedian}, {"min", AggregateFn::kMin},
    {"max", AggregateFn::kMax}};

std::string_view AggregateFnName(AggregateFn fn) { return NameOf(kAggregateFns, fn); }

std::optional<Measure> ParseMeasure(std::string_view spec) {
  std::string_view name = spec, field;
  if (size_t colon = spec.find(':'); colon != std::string_view::npos) {
    name = spec.substr(0, colon);
    field = spec.substr(colon + 1);
  } else if (size_t open = spec.find('('); open != std::string_view::npos && spec.ends_with(')')) {
    name = spec.substr(0, open);
    field = spec.substr(open + 1, spec.size() - open - 2);
  }
  auto trimmed = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return std::string(s);
  };
  // Field names never hold a '-', so one splits a duration's two fields.
  std::string since;
  if (size_t minus = field.find('-'); minus != std::string_view::npos) {
    since = trimmed(field.substr(minus + 1));
    field = field.substr(0, minus);
    if (since.empty() || trimmed(field).empty()) return std::nullopt;
  }
  std::optional<AggregateFn> fn = ValueNamed(kAggregateFns, name);
  if (!fn) return std::nullopt;
  return Measure{*fn, trimmed(field), std::move(since)};
}

std::string MeasureName(const Measure& measure) {
  std::string_view fn = AggregateFnName(measure.fn);
  if (measure.field.empty()) return std::string(fn);
  if (measure.since.empty()) return fmt::format("{}({})", fn, measure.field);
  return fmt::format("{}({} - {})", fn, measure.field, measure.since);
}

std::optional<Grouping> ParseGrouping(std::string_view spec) {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return Grouping{std::string(spec), std::nullopt};
  std::optional<DatePart> bucket = ParseDatePart(spec.substr(colon + 1));
  if (!bucket) return std::nullopt;
  return Grouping{std::string(spec.substr(0, colon)), bucket};
}

std::string GroupingName(const Grouping& grouping) {
  return grouping.bucket ? fmt::format("{}:{}", grouping.field, DatePartName(*grouping.bucket)) : grouping.field;
}

namespace {

bool IsNumeric(FieldType type) {
  return type == FieldType::kInteger || type == FieldType::kDecimal || type == FieldType::kCurrency ||
         type == FieldType::kPercent;
}

// An integer the database computed (SQLite: int64; PostgreSQL: NUMERIC read as int64).
std::optional<int64_t> IntegerOf(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(std::llround(*d));
  return std::nullopt;
}

constexpr int64_t kSecondsPerDay = 86'400;

Error BadMeasure(size_t index, std::string message) {
  return Error(ErrorCode::kInvalidArgument, message)
      .WithField(fmt::format("measures[{}]", index), "invalid_value", std::move(message));
}

}  // namespace

namespace {

// How a grouped statement's rows are laid out: the group keys, the currency (when a
// currency field is measured), then each measure's columns (an average has two).
struct AggregateGroup {
  const FieldDef* field;
  bool bucketed;
};
struct AggregatePlan {
  const FieldDef* field = nullptr;
  AggregateFn fn;
  int columns = 1;
  bool duration = false;  // seconds between two fields, given back in days
};
struct AggregateLayout {
  std::vector<AggregateGroup> groups;
  bool money = false;
  std::vector<AggregatePlan> plans;
};
using RawRow = std::vector<Value>;

// Whether groups of groups can be computed from the groups' own figures: a median or
// a distinct count of the whole is not one of its parts'.
bool AddsUp(const std::vector<Measure>& measures) {
  return std::none_of(measures.begin(), measures.end(), [](const Measure& m) {
    return m.fn == AggregateFn::kMedian || m.fn == AggregateFn::kCountDistinct;
  });
}

// A strict order of group keys, for indexing groups (not SQL's: types come first).
bool LessStored(const RawRow& a, const RawRow& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].index() != b[i].index()) return a[i].index() < b[i].index();
    if (int order = internal::CompareStored(a[i], b[i]); order != 0) return order < 0;
  }
  return a.size() < b.size();
}

// Rows in SQL's order of their first `width` cells (the keys).
void SortByKeys(std::vector<RawRow>& rows, size_t width) {
  std::stable_sort(rows.begin(), rows.end(), [&](const RawRow& a, const RawRow& b) {
    for (size_t k = 0; k < width; ++k) {
      if (int order = internal::CompareStored(a[k], b[k]); order != 0) return order < 0;
    }
    return false;
  });
}

// Adds a finer group's cell into a coarser one's: counts and sums add, minimums and
// maximums keep the least or the greatest. Fails only when a sum leaves 64 bits.
Status MergeCell(AggregateFn fn, const Value& v, Value& total) {
  if (storage::IsNull(v)) return Ok();
  if (storage::IsNull(total)) {
    total = v;
  } else if (fn == AggregateFn::kMin || fn == AggregateFn::kMax) {
    int order = internal::CompareStored(v, total);
    if (fn == AggregateFn::kMin ? order < 0 : order > 0) total = v;
  } else {
    auto a = IntegerOf(v), b = IntegerOf(total);
    int64_t sum = 0;
    if (!a || !b || __builtin_add_overflow(*a, *b, &sum)) {
      return Fail(ErrorCode::kInvalidArgument, "A total is too large to represent.");
    }
    total = sum;
  }
  return Ok();
}

// The groups over the groupings `kept` (indexes into the layout's groups), from the
// finer groups `rows`, in key order. Fails only when a sum leaves 64 bits.
Result<std::vector<RawRow>> RollUp(const AggregateLayout& layout, const std::vector<RawRow>& rows,
                                   const std::vector<size_t>& kept) {
  const size_t keys = layout.groups.size() + (layout.money ? 1 : 0);
  std::vector<RawRow> out;
  // A group's keys -> its row in `out`.
  std::map<RawRow, size_t, decltype(&LessStored)> index(&LessStored);
  for (const RawRow& row : rows) {
    RawRow key;
    for (size_t k : kept) key.push_back(row[k]);
    if (layout.money) key.push_back(row[layout.groups.size()]);
    auto [it, added] = index.emplace(key, out.size());
    if (added) {
      RawRow fresh = key;
      fresh.insert(fresh.end(), row.begin() + static_cast<std::ptrdiff_t>(keys), row.end());
      out.push_back(std::move(fresh));
      continue;
    }
    RawRow& into = out[it->second];
    size_t from = keys, to = key.size();
    for (const AggregatePlan& plan : layout.plans) {
      for (int c = 0; c < plan.columns; ++c, ++from, ++to) RAPPORT_TRY(MergeCell(plan.fn, row[from], into[to]));
    }
  }
  SortByKeys(out, kept.size() + (layout.money ? 1 : 0));
  return out;
}

// Money into the workspace's currency (AggregateQuery::convert). The statement's groups
// come per currency (and per dated rate); each one's money cells are multiplied by its
// rate, exactly, the groups of the same keys added up in 128 bits, and only the result
// rounded, so a converted total is the exact sum of the converted amounts, rounded once.
struct ExactCell {
  bool set = false;
  __int128 value = 0;  // Decimal units × kRateOne
};
struct ConvertedGroup {
  RawRow row;  // keys, currency, measures as in AggregateLayout (money cells: see `exact`)
  std::vector<ExactCell> exact;  // per measure column: the converted money, if it is money
};

bool ConvertsMoney(const AggregatePlan& plan) {
  return plan.field && plan.field->type == FieldType::kCurrency && !plan.duration &&
         (plan.fn == AggregateFn::kSum || plan.fn == AggregateFn::kAvg || plan.fn == AggregateFn::kMin ||
          plan.fn == AggregateFn::kMax);
}

// Adds group `from` (its measures starting at cell `from_cell`) into `into`, whose keys
// are already set.
Status MergeConverted(const AggregateLayout& layout, const ConvertedGroup& from, size_t from_cell, ConvertedGroup& into,
                      size_t into_cell) {
  size_t column = 0;
  for (const AggregatePlan& plan : layout.plans) {
    for (int c = 0; c < plan.columns; ++c, ++column) {
      const ExactCell& part = from.exact[column];
      ExactCell& total = into.exact[column];
      if (c == 0 && ConvertsMoney(plan)) {
        if (!part.set) continue;
        if (!total.set) {
          total = part;
        } else if (plan.fn == AggregateFn::kMin || plan.fn == AggregateFn::kMax) {
          if (plan.fn == AggregateFn::kMin ? part.value < total.value : part.value > total.value) total.value = part.value;
        } else if (__builtin_add_overflow(total.value, part.value, &total.value)) {
          return Fail(ErrorCode::kInvalidArgument, "A total is too large to represent.");
        }
        continue;
      }
      RAPPORT_TRY(MergeCell(plan.fn, from.row[from_cell + column], into.row[into_cell + column]));
    }
  }
  return Ok();
}

// Groups `groups` (keys: the first `keys` cells, then the currency) by the keys `kept`
// and the currency, adding up their figures.
Result<std::vector<ConvertedGroup>> MergeGroups(const AggregateLayout& layout, const std::vector<ConvertedGroup>& groups,
                                                const std::vector<size_t>& kept, size_t keys) {
  std::map<RawRow, size_t, decltype(&LessStored)> index(&LessStored);
  std::vector<ConvertedGroup> out;
  for (const ConvertedGroup& g : groups) {
    RawRow key;
    for (size_t k : kept) key.push_back(g.row[k]);
    key.push_back(g.row[keys]);
    auto [it, added] = index.emplace(key, out.size());
    if (added) {
      ConvertedGroup fresh{key, g.exact};
      fresh.row.insert(fresh.row.end(), g.row.begin() + static_cast<std::ptrdiff_t>(keys + 1), g.row.end());
      out.push_back(std::move(fresh));
      continue;
    }
    RAPPORT_TRY(MergeConverted(layout, g, keys + 1, out[it->second], key.size()));
  }
  return out;
}

// A converted group as the statement would have given it in the workspace's currency:
// money cells rounded once; an average's as its quotient over a count of one.
Result<RawRow> Rounded(const AggregateLayout& layout, ConvertedGroup group, size_t keys) {
  size_t column = 0;
  for (const AggregatePlan& plan : layout.plans) {
    if (ConvertsMoney(plan)) {
      const ExactCell& cell = group.exact[column];
      Value& value = group.row[keys + 1 + column];
      int64_t count = plan.fn == AggregateFn::kAvg ? IntegerOf(group.row[keys + 2 + column]).value_or(0) : 1;
      if (!cell.set || count == 0) {
        value = storage::Null{};
      } else {
        std::optional<int64_t> units = RoundedQuotient(cell.value, static_cast<__int128>(workspace::kRateOne) * count);
        if (!units) return Fail(ErrorCode::kInvalidArgument, fmt::format("The {} of `{}` is too large to represent.", AggregateFnName(plan.fn), plan.field->name));
        value = *units;
        if (plan.fn == AggregateFn::kAvg) group.row[keys + 2 + column] = int64_t{1};
      }
    }
    column += static_cast<size_t>(plan.columns);
  }
  return std::move(group.row);
}

struct ConvertedRows {
  std::vector<RawRow> rows;                  // as the statement's, keys and currency first
  std::vector<std::vector<RawRow>> rollups;  // per AggregateQuery::rollups
};

// `raw`: the statement's rows, keys, currency, the start of the rate (when `dated`),
// then the measures.
Result<ConvertedRows> ConvertMoney(const AggregateLayout& layout, const std::vector<RawRow>& raw,
                                   const workspace::RateBook& book, bool dated, std::string_view today,
                                   const std::vector<std::vector<size_t>>& rollups) {
  const size_t keys = layout.groups.size();
  const size_t measures_from = keys + 1 + (dated ? 1 : 0);
  std::vector<ConvertedGroup> parts;
  parts.reserve(raw.size());
  for (const RawRow& row : raw) {
    const std::string currency = storage::TextOf(row[keys]);
    std::optional<int64_t> rate;
    if (currency == book.currency) rate = workspace::kRateOne;
    else if (!dated) rate = book.RateOn(currency, today);
    else if (storage::IsNull(row[keys + 1])) rate = book.RateOn(currency, "");  // before its first rate: the first
    else rate = book.RateFrom(currency, storage::TextOf(row[keys + 1]));
    ConvertedGroup part;
    part.row.assign(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(keys));
    part.row.emplace_back(rate ? book.currency : currency);  // no rate: kept in its own currency
    part.row.insert(part.row.end(), row.begin() + static_cast<std::ptrdiff_t>(measures_from), row.end());
    part.exact.resize(row.size() - measures_from);
    size_t column = 0;
    for (const AggregatePlan& plan : layout.plans) {
      if (ConvertsMoney(plan)) {
        if (auto units = IntegerOf(part.row[keys + 1 + column])) {
          part.exact[column] = {true, static_cast<__int128>(*units) * rate.value_or(workspace::kRateOne)};
        }
      }
      column += static_cast<size_t>(plan.columns);
    }
    parts.push_back(std::move(part));
  }
  std::vector<size_t> all(keys);
  std::iota(all.begin(), all.end(), size_t{0});
  RAPPORT_ASSIGN_OR_RETURN(std::vector<ConvertedGroup> groups, MergeGroups(layout, parts, all, keys));
  ConvertedRows out;
  auto rounded = [&](std::vector<ConvertedGroup> from, size_t width) -> Result<std::vector<RawRow>> {
    std::vector<RawRow> rows;
    for (ConvertedGroup& g : from) {
      RAPPORT_ASSIGN_OR_RETURN(RawRow row, Rounded(layout, std::move(g), width));
      rows.push_back(std::move(row));
    }
    SortByKeys(rows, width + 1);
    return rows;
  };
  for (const auto& kept : rollups) {
    RAPPORT_ASSIGN_OR_RETURN(std::vector<ConvertedGroup> rolled, MergeGroups(layout, groups, kept, keys));
    RAPPORT_ASSIGN_OR_RETURN(auto rows, rounded(std::move(rolled), kept.size()));
    out.rollups.push_back(std::move(rows));
  }
  RAPPORT_ASSIGN_OR_RETURN(out.rows, rounded(std::move(groups), keys));
  return out;
}

// A query's rollup kept as a query of its own: grouped by the kept groupings only,
// every group, in key order.
AggregateQuery RollupLevel(const AggregateQuery& q, const std::vector<size_t>& kept) {
  AggregateQuery rolled = q;
  rolled.rollups.clear();
  rolled.group_by.clear();
  for (size_t k : kept) rolled.group_by.push_back(q.group_by[k]);
  rolled.order_by.reset();
  rolled.descending = false;
  rolled.limit = kMaxGroups;
  return rolled;
}

// The rollups one statement each, for more groups than one answer holds.
Result<AggregateResult> RollupsByStatement(RecordService& service, const Principal& p, const AggregateQuery& q) {
  AggregateQuery main = q;
  main.rollups.clear();
  RAPPORT_ASSIGN_OR_RETURN(AggregateResult result, service.Aggregate(p, main));
  for (const auto& kept : q.rollups) {
    RAPPORT_ASSIGN_OR_RETURN(AggregateResult part, service.Aggregate(p, RollupLevel(q, kept)));
    result.rollups.push_back(std::move(part.rows));
    result.rollups_truncated.push_back(part.truncated);
  }
  return result;
}

using query::SqlFragment;

bool Same(const SqlFragment& a, const SqlFragment& b) { return a.sql == b.sql && a.params == b.params; }

// A join of the rows aggregated. One to a related record (a lookup) also says how to
// read those records alone, so that a scan can look them up in memory instead.
struct AggregateJoin {
  SqlFragment part;
  std::string alias;   // the related records' (empty for any other join)
  std::string key;     // the lookup column over r, whose value is the related record's id
  SqlFragment related;     // "FROM table alias WHERE ...": the related records the join admits
  bool operator==(const AggregateJoin& other) const { return Same(part, other.part); }
};

// Whether `sql` reads a column of `alias` (`alias.` not preceded by a name's character).
bool Mentions(std::string_view sql, std::string_view alias) {
  for (size_t at = sql.find(alias); at != std::string_view::npos; at = sql.find(alias, at + 1)) {
    const bool starts = at == 0 || !(std::isalnum(static_cast<unsigned char>(sql[at - 1])) || sql[at - 1] == '_');
    if (starts && at + alias.size() < sql.size() && sql[at + alias.size()] == '.') return true;
  }
  return false;
}

// An aggregate query compiled: the rows the principal may read, each reduced to its
// group keys and measured values (`columns`, from `from` and `joins` under `where`),
// the statement that groups them, and how the groups become the result.
struct CompiledAggregate {
  AggregateQuery q;
  std::string table;  // the object's
  std::string from;   // its table, as r
  std::vector<std::string> aliases;  // of `columns`: g0, g1... for keys, m0... for measured values
  std::vector<SqlFragment> columns;
  std::vector<AggregateJoin> joins;
  SqlFragment readable;  // the rows the principal may read
  SqlFragment filter;    // the query's own condition (empty: none)
  std::string grouped_sql;  // over RowsSql(), bound to Params()
  // The groups grouped_sql gives at most (its LIMIT is one more, to tell it cut them):
  // no more in its answer are every group. Without keys it gives the one group.
  size_t most_groups = std::numeric_limits<size_t>::max();
  // Grouped by the record engine rather than the statement (always on SQLite, whose
  // GROUP BY sorts; on PostgreSQL when several queries share the scan: AggregateMany):
  // which columns make the key and what each cell computes.
  bool in_memory = true;
  std::vector<size_t> key_inputs;
  std::vector<internal::CellPlan> cell_plans;
  AggregateLayout layout;
  bool converting = false;
  bool dated_rates = false;
  std::string today;  // in the query's time zone, when converting
  // The measures as the statement computes them ("COUNT(*) AS v0, ..."), over RowsSql().
  std::string measures_sql;
  // When the one key is a date bucket of the object's own date field (or datetime in
  // UTC, whose day is its text's first ten characters) and money is not a key: the
  // field, so that the groups can be counted a bucket's day range at a time
  // (ByBucketRanges). Null otherwise.
  const FieldDef* bucketed = nullptr;
  DatePart bucket_part = DatePart::kDay;
  // When the one key is the object's own field of a few known values (a picklist's
  // options, a flag) and money is not a key: the field, so that the groups can be
  // counted a value at a time (ByKeyValues). Null otherwise.
  const FieldDef* few_valued = nullptr;
  // Per key (as key_inputs): the column it is computed from ("r.\"close_date\"", so that
  // a quarter and a month of one field count as the month alone) and how many values it
  // takes at most, roughly (0: unknown). What GroupTogether needs to tell whether
  // queries' groups together stay few.
  std::vector<std::pair<std::string, size_t>> key_spans;
  int64_t schema_version = 0;  // of the tenant's schema it was compiled under

  std::string RowsSql() const {
    std::string list;
    for (size_t i = 0; i < columns.size(); ++i) {
      list += fmt::format("{}{} AS {}", i ? ", " : "", columns[i].sql, aliases[i]);
    }
    return fmt::format("SELECT {} {}", list, FromWhereSql());
  }
  std::vector<Value> Params() const {
    std::vector<Value> out;
    for (const SqlFragment& c : columns) out.insert(out.end(), c.params.begin(), c.params.end());
    std::vector<Value> rest = FromWhereParams();
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }
  // The rows alone, "FROM ... WHERE ..." (ends with the condition, to be added to).
  std::string FromWhereSql() const {
    std::string joined = from;
    for (const AggregateJoin& j : joins) joined += " " + j.part.sql;
    std::string where = readable.sql;
    if (!filter.sql.empty()) where += " AND (" + filter.sql + ")";
    return fmt::format("FROM {} WHERE {}", joined, where);
  }
  std::vector<Value> FromWhereParams() const {
    std::vector<Value> out;
    for (const AggregateJoin& j : joins) out.insert(out.end(), j.part.params.begin(), j.part.params.end());
    out.insert(out.end(), readable.params.begin(), readable.params.end());
    out.insert(out.end(), filter.params.begin(), filter.params.end());
    return out;
  }
};

}  // namespace

Result<CompiledAggregate> RecordService::Impl::CompileAggregate(const Principal& p, const AggregateQuery& q,
                                                                 const std::string& after_id) {
  const bool rolling = !q.rollups.empty();
  RAPPORT_ASSIGN_OR_RETURN(auto target, Resolve(p, q.object, q.for_export ? Operation::kExport : Operation::kRead));
  if (q.limit < 1 || q.limit > kMaxGroups) {
    return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("limit must be between 1 and {}.", kMaxGroups))
                    .WithField("limit", "out_of_range", fmt::format("1 to {}", kMaxGroups)));
  }
  if (q.group_by.size() > kMaxGroupings) {
    return Fail(Error(ErrorCode::kInvalidArgument, fmt::format("At most {} groupings.", kMaxGroupings))
                    .WithField("group_by", "too_many", fmt::format("At most {}.", kMaxGroupings)));
  }
  if (q.measures.empty() || q.measures.size() > 20) {
    return Fail(Error(ErrorCode::kInvalidArgument, "Ask for 1 to 20 measures.")
                    .WithField("measures", "invalid_value", "1 to 20 measures, such as count or sum of a field."));
  }
  const ObjectDef& object = *target.object;
  const auto& d = db_.dialect();
  // Fields as the principal sees them: a hidden field is unknown here, as in a filter.
  auto field_of = [&](const ObjectDef& on, const std::string& name, const std::string& where) -> Result<const FieldDef*> {
    const FieldDef* f = on.FindField(name);
    if (!f) {
      std::string message = fmt::format("Unknown field `{}` on `{}`.{}", name, on.name, DidYouMean(name, on.FieldNames()));
      return Fail(Error(ErrorCode::kInvalidArgument, message).WithField(where, "unknown_field", message));
    }
    if (!f->encryption.empty()) {
      std::string message = fmt::format("`{}` is encrypted, so it cannot be grouped or aggregated.", name);
      return Fail(Error(ErrorCode::kInvalidArgument, message).WithField(where, "encrypted", message));
    }
    return f;
  };
  // A field is the object's own ("stage", over alias r) or a related record's through
  // a lookup ("company.industry", one lookup deep as in filters), over a LEFT JOIN
  // that only admits related records the principal may read: a deal whose company
  // they cannot read falls in the empty group, and nothing of that company shows.
  struct Column {
    const FieldDef* field;
    std::string alias;
    std::string sql;  // alias.column
  };
  std::map<std::string, std::string, std::less<>> join_alias;  // lookup field -> alias
  std::vector<AggregateJoin> joins;
  auto column_of = [&](const std::string& path, const std::string& where) -> Result<Column> {
    size_t dot = path.find('.');
    if (dot == std::string::npos) {
      RAPPORT_ASSIGN_OR_RETURN(const FieldDef* f, field_of(object, path, where));
      return Column{f, "r", "r." + Quote(d, f->column)};
    }
    std::string relation = path.substr(0, dot);
    const FieldDef* lookup = object.FindRelation(relation);
    const ObjectDef* related = lookup ? target.snapshot->FindObject(lookup->target) : nullptr;
    if (!related) {
      std::vector<std::string> relations;
      for (const FieldDef& f : object.fields) {
        if (f.type == FieldType::kLookup) relations.push_back(f.relation_name());
      }
      std::string message = fmt::format("`{}` is not a relation of `{}` whose records you may read.{}", relation,
                                        object.name, DidYouMean(relation, relations));
      return Fail(Error(ErrorCode::kInvalidArgument, message).WithField(where, "unknown_field", message));
    }
    // A file of the figures carries the related records' values out too: it needs
    // their object's export permission as well.
    if (q.for_export) RAPPORT_TRY(policy_.CheckObject(p, *target.config, *related, Operation::kExport));
    RAPPORT_ASSIGN_OR_RETURN(const FieldDef* f, field_of(*related, path.substr(dot + 1), where));
    // Named after the relation, so that queries sharing one scan (AggregateMany) name
    // the same join the same way.
    auto [it, added] = join_alias.emplace(relation, "j_" + relation);
    if (added) {
      const std::string& alias = it->second;
      AggregateJoin join{.part = {fmt::format("LEFT JOIN {0} {1} ON {1}.tenant_id = r.tenant_id AND {1}.id = r.{2} AND "
                                              "{1}.deleted_at IS NULL",
                                              Quote(d, related->table), alias, Quote(d, lookup->column)),
                                  {}},
                         .alias = alias,
                         .key = "r." + Quote(d, lookup->column),
                         .related = {fmt::format("FROM {0} {1} WHERE {1}.tenant_id = ? AND {1}.deleted_at IS NULL",
                                                 Quote(d, related->table), alias),
                                     {p.tenant_id}}};
      if (auto readable = ReadableRows(p, target, *related, alias)) {
        join.part.sql += " AND (" + readable->sql + ")";
        join.part.params = readable->params;
        join.related.sql += " AND (" + readable->sql + ")";
        join.related.params.insert(join.related.params.end(), readable->params.begin(), readable->params.end());
      }
      joins.push_back(std::move(join));
    }
    return Column{f, it->second, it->second + "." + Quote(d, f->column)};
  };
  if (q.fiscal_year_start < 1 || q.fiscal_year_start > 12) {
    return Fail(InvalidField("fiscal_year_start", "The fiscal year starts in a month, 1 to 12."));
  }

  // One statement: the rows the principal may read, each reduced to its group keys
  // (g0, g1...) and the values measured (m0, m1...), grouped and aggregated around it.
  // The keys are named so that GROUP BY and ORDER BY need not repeat an expression
  // (a date bucket in a time zone holds a parameter, and PostgreSQL cannot see that
  // two parameters are the same).
  std::vector<SqlFragment> inner;        // the subquery's columns (with their time zones)
  std::vector<std::string> aliases;  // theirs
  std::vector<std::string> outer;    // the keys, then the measures
  std::vector<std::string> grouped;  // key aliases
  std::vector<std::string> ordered;
  std::vector<AggregateGroup> groups;
  const FieldDef* bucketed = nullptr;    // CompiledAggregate::bucketed
  const FieldDef* few_valued = nullptr;  // CompiledAggregate::few_valued
  // For grouping in memory (SqlDialect::GroupsBySorting): where each key and measured
  // value is among the subquery's columns, and what each measure column computes.
  std::vector<size_t> key_inputs;
  std::vector<internal::CellPlan> cell_plans;
  std::vector<std::pair<std::string, size_t>> key_spans;
  auto add_key = [&](std::string expr, std::vector<Value> params, std::string of = {}, size_t span = 0) {
    key_spans.emplace_back(of.empty() ? expr : std::move(of), span);
    key_inputs.push_back(inner.size());
    std::string alias = fmt::format("g{}", grouped.size());
    inner.push_back({std::move(expr), std::move(params)});
    aliases.push_back(alias);
    outer.push_back(alias);
    ordered.push_back(fmt::format("{0} IS NULL, {0}", alias));  // NULLs last on both backends
    grouped.push_back(std::move(alias));
  };
  for (const Grouping& g : q.group_by) {
    RAPPORT_ASSIGN_OR_RETURN(Column c, column_of(g.field, "group_by"));
    const FieldDef* f = c.field;
    if (g.bucket) {
      if (f->type != FieldType::kDate && f->type != FieldType::kDatetime) {
        std::string message = fmt::format("`{}` is {}; only date and datetime fields have a {}.", f->name,
                                          metadata::FieldTypeName(f->type), DatePartName(*g.bucket));
        return Fail(Error(ErrorCode::kInvalidArgument, message).WithField("group_by", "invalid_value", message));
      }
      bool datetime = f->type == FieldType::kDatetime;
      if (datetime) {
        if (!IsTimeZone(q.time_zone)) {
          return Fail(InvalidField("time_zone", fmt::format("`{}` is not a time zone (use an IANA name such as Europe/Paris).", q.time_zone)));
        }
      }
      // One bucket of the object's own field whose day is its text's: countable a
      // bucket's range at a time (ByBucketRanges).
      const bool days_in_text = !datetime || q.time_zone == "UTC";
      if (q.group_by.size() == 1 && c.alias == "r" && days_in_text) bucketed = f;
      // Thirty years of data, say: a key of few values next to another.
      const size_t span = *g.bucket == DatePart::kYear      ? 30
                          : *g.bucket == DatePart::kQuarter ? 120
                          : *g.bucket == DatePart::kMonth   ? 360
                          : *g.bucket == DatePart::kWeek    ? 1600
                                                            : 11000;
      // A datetime is stored as UTC text (YYYY-MM-DDTHH:MM:SS...Z): in UTC its day is its
      // first ten characters, bucketed as a date's, with no zone arithmetic a row
      // (PostgreSQL's AT TIME ZONE and to_char cost 0.9 µs a row: ten million
      // activities by month took 4.5 s).
      if (datetime && q.time_zone == "UTC") {
        add_key(d.UtcDatetimeBucket(c.sql, *g.bucket, q.fiscal_year_start), {}, c.sql, span);
      } else {
        add_key(d.DateBucket(c.sql, datetime, *g.bucket, q.fiscal_year_start),
                datetime ? std::vector<Value>{q.time_zone} : std::vector<Value>{}, c.sql, span);
      }
    } else {
      if (f->type == FieldType::kCurrency || f->type == FieldType::kMultiPicklist || f->type == FieldType::kLongText) {
        std::string message = fmt::format("`{}` ({}) cannot be grouped by.", f->name, metadata::FieldTypeName(f->type));
        return Fail(Error(ErrorCode::kInvalidArgument, message).WithField("group_by", "invalid_value", message));
      }
      // A picklist's options (or a flag's two values), and no value.
      const size_t span = f->type == FieldType::kPicklist ? f->options.size() + 1
                          : f->type == FieldType::kBoolean ? 3
                                                           : 0;
      add_key(c.sql, {}, c.sql, span);
      if (q.group_by.size() == 1 && c.alias == "r" && span > 0) few_valued = f;
    }
    groups.push_back({f, g.bucket.has_value()});
  }

  // Money is summed per currency: one currency field per query, its code a hidden key.
  std::optional<Column> money;
  std::vector<AggregatePlan> plans;
  std::vector<std::string> measured;
  std::vector<std::string> order_of_measure;  // per measure: how to sort groups by it
  if (q.order_by && *q.order_by >= q.measures.size()) {
    return Fail(InvalidField("order_by", fmt::format("There are {} measures to order by.", q.measures.size())));
  }
  for (size_t i = 0; i < q.measures.size(); ++i) {
    const Measure& m = q.measures[i];
    const FieldDef* f = nullptr;
    std::optional<Column> measured_column;
    if (!m.field.empty()) {
      RAPPORT_ASSIGN_OR_RETURN(measured_column, column_of(m.field, fmt::format("measures[{}]", i)));
      f = measured_column->field;
    } else if (m.fn != AggregateFn::kCount) {
      return Fail(BadMeasure(i, fmt::format("{} needs a field.", AggregateFnName(m.fn))));
    }
    auto dated = [](const FieldDef* def) { return def->type == FieldType::kDate || def->type == FieldType::kDatetime; };
    std::string value, measured_sql = measured_column ? measured_column->sql : "";
    if (!m.since.empty()) {
      std::string where = fmt::format("measures[{}]", i);
      RAPPORT_ASSIGN_OR_RETURN(Column since, column_of(m.since, where));
      for (const FieldDef* end : {f, since.field}) {
        if (!end || !dated(end)) {
          return Fail(BadMeasure(i, fmt::format("A duration runs between two date or datetime fields; `{}` is {}.",
                                                end ? end->name : m.field, end ? metadata::FieldTypeName(end->type) : "no field")));
        }
      }
      if (m.fn == AggregateFn::kCount || m.fn == AggregateFn::kCountDistinct) {
        return Fail(BadMeasure(i, fmt::format("{} does not take a duration; use sum, avg, median, min or max.", AggregateFnName(m.fn))));
      }
      measured_sql = fmt::format("({} - {})", d.EpochSeconds(measured_sql), d.EpochSeconds(since.sql));
    }
    const size_t input = inner.size();
    if (f) {
      value = fmt::format("m{}", i);
      inner.push_back({measured_sql, {}});
      aliases.push_back(value);
    }
    using internal::CellOp;
    const bool duration = !m.since.empty();
    const bool numeric = f && (IsNumeric(f->type) || duration);
    const bool orderable = f && (numeric || dated(f));
    AggregatePlan plan{f, m.fn, 1, duration};
    switch (m.fn) {
      case AggregateFn::kCount:
        measured.push_back(f ? fmt::format("COUNT({})", value) : "COUNT(*)");
        cell_plans.push_back({f ? CellOp::kCount : CellOp::kCountRows, input});
        break;
      case AggregateFn::kCountDistinct:
        measured.push_back(fmt::format("COUNT(DISTINCT {})", value));
        cell_plans.push_back({CellOp::kCountDistinct, input});
        break;
      case AggregateFn::kSum:
      case AggregateFn::kAvg:
      case AggregateFn::kMedian:
        if (!numeric) return Fail(BadMeasure(i, fmt::format("{} takes a number, currency or percent field; `{}` is {}.", AggregateFnName(m.fn), f->name, metadata::FieldTypeName(f->type))));
        // Exact: integer arithmetic on the stored units. An average is the sum over the
        // count; a median half the sum of the two middle values.
        if (m.fn == AggregateFn::kMedian) {
          measured.push_back(fmt::format("CAST({} AS BIGINT)", d.MiddleSum(value)));
          cell_plans.push_back({CellOp::kMiddleSum, input});
        } else {
          measured.push_back(fmt::format("CAST(SUM({}) AS BIGINT)", value));
          cell_plans.push_back({CellOp::kSum, input});
        }
        if (m.fn == AggregateFn::kAvg) {
          measured.push_back(fmt::format("COUNT({})", value));
          cell_plans.push_back({CellOp::kCount, input});
          plan.columns = 2;
        }
        break;
      case AggregateFn::kMin:
      case AggregateFn::kMax:
        if (!orderable) return Fail(BadMeasure(i, fmt::format("{} takes a number, currency, percent, date or datetime field; `{}` is {}.", AggregateFnName(m.fn), f->name, metadata::FieldTypeName(f->type))));
        measured.push_back(fmt::format("{}({})", m.fn == AggregateFn::kMin ? "MIN" : "MAX", value));
        cell_plans.push_back({m.fn == AggregateFn::kMin ? CellOp::kMin : CellOp::kMax, input});
        break;
    }
    if (f && f->type == FieldType::kCurrency && m.fn != AggregateFn::kCount && m.fn != AggregateFn::kCountDistinct) {
      if (money && (money->field != f || money->alias != measured_column->alias)) {
        return Fail(BadMeasure(i, fmt::format("Amounts of `{}` and `{}` would be mixed; aggregate one currency field per query.", money->field->name, f->name)));
      }
      money = measured_column;
    }
    plans.push_back(plan);
    // Columns v0, v1... in the order measured; an average sorts by its quotient.
    size_t first = measured.size() - static_cast<size_t>(plan.columns);
    order_of_measure.push_back(plan.columns == 2 ? fmt::format("(1.0 * v{} / NULLIF(v{}, 0))", first, first + 1)
                                                 : fmt::format("v{}", first));
  }
  const std::string money_currency = money ? money->alias + "." + Quote(d, money->field->currency_column()) : "";
  // A workspace keeps its money in a few currencies.
  if (money) add_key(money_currency, {}, money_currency, 5);
  // Converting money: the statement's groups stay apart per currency, and with dated
  // rates per rate as well (the one whose days hold the record's day), to be converted
  // and added up once read.
  const bool converting = q.convert && money;
  if (converting && !AddsUp(q.measures)) {
    return Fail(InvalidField("convert", "A median or a distinct count is not the sum of its currencies' parts: "
                                        "run it without converting money."));
  }
  const bool dated_rates = converting && !q.convert->rate_date.empty();
  std::string today;
  if (converting) {
    std::optional<int64_t> days = LocalDays(clock_.Now(), q.time_zone);
    if (!days) return Fail(InvalidField("time_zone", fmt::format("`{}` is not a time zone.", q.time_zone)));
    today = FormatDate(*days);
  }
  if (dated_rates) {
    RAPPORT_ASSIGN_OR_RETURN(Column on, column_of(q.convert->rate_date, "convert.rate_date"));
    const bool datetime = on.field->type == FieldType::kDatetime;
    if (!datetime && on.field->type != FieldType::kDate) {
      return Fail(InvalidField("convert.rate_date", fmt::format("`{}` is {}: the rate's day comes from a date or datetime field.",
                                                                on.field->name, metadata::FieldTypeName(on.field->type))));
    }
    // The first day of the rate in force on the record's day (NULL before the
    // currency's first rate), as the backend looks a step up best. The last column of
    // the subquery, so its parameters come last among the columns'.
    const std::string day = fmt::format("COALESCE({}, ?)", datetime ? d.DateBucket(on.sql, true, DatePart::kDay, 1) : on.sql);
    storage::SqlDialect::StepLookup rate_start =
        d.StepAt("exchange_rates", "currency", "valid_from", "xr", "r.tenant_id", money_currency, day);
    std::vector<Value> day_params;
    if (datetime) day_params.emplace_back(q.time_zone);
    day_params.emplace_back(today);
    add_key(rate_start.value, std::move(day_params));
    if (!rate_start.join.empty()) joins.push_back({.part = {std::move(rate_start.join), {}}});
  }
  for (size_t i = 0; i < measured.size(); ++i) outer.push_back(fmt::format("{} AS v{}", measured[i], i));
  if (inner.empty()) {  // COUNT(*) alone
    inner.push_back({"1", {}});
    aliases.push_back("one");
  }

  CompiledAggregate out;
  out.schema_version = target.full->version();
  out.q = q;
  RAPPORT_TRY(ReadableWhere(p, target, q.filter, out.readable.sql, out.readable.params, &out.filter));
  if (!after_id.empty()) {
    out.readable.sql += " AND r.id > ?";
    out.readable.params.emplace_back(after_id);
  }
  auto join = [](const std::vector<std::string>& parts) {
    std::string joined;
    for (const auto& part : parts) joined += (joined.empty() ? "" : ", ") + part;
    return joined;
  };
  out.table = object.table;
  out.from = after_id.empty() ? Quote(d, object.table) + " r" : d.TableByPrimaryKey(object.table, "r");
  out.columns = std::move(inner);
  out.aliases = std::move(aliases);
  out.joins = std::move(joins);
  std::string sql = fmt::format("SELECT {} FROM ({}) t", join(outer), out.RowsSql());
  // Grouped by the engine (in_memory), the groups come in key order, to be ordered by
  // a measure and cut to the limit afterwards as the statement would have.
  if (!grouped.empty()) {
    // Sorted outside the grouping, where the measures are plain columns (PostgreSQL
    // does not sort by an expression over an output column's name).
    // Rolling up takes every group in key order, and orders them afterwards.
    if (q.order_by && !rolling && !converting) {
      const std::string& by = order_of_measure[*q.order_by];
      ordered.insert(ordered.begin(), fmt::format("{0} IS NULL, {0}{1}", by, q.descending ? " DESC" : ""));
    }
    out.most_groups = converting ? kMaxGroups : rolling ? kMaxGroupsInMemory : static_cast<size_t>(q.limit);
    sql = fmt::format("SELECT * FROM ({} GROUP BY {}) a ORDER BY {} LIMIT {}", sql, join(grouped), join(ordered),
                      out.most_groups + 1);
  }
  out.grouped_sql = std::move(sql);
  out.key_inputs = std::move(key_inputs);
  out.key_spans = std::move(key_spans);
  out.cell_plans = std::move(cell_plans);
  out.layout = {groups, money.has_value(), plans};
  out.converting = converting;
  out.dated_rates = dated_rates;
  out.today = std::move(today);
  {
    std::vector<std::string> measures;
    for (size_t i = 0; i < measured.size(); ++i) measures.push_back(fmt::format("{} AS v{}", measured[i], i));
    out.measures_sql = join(measures);
  }
  if (bucketed && !money) {
    out.bucketed = bucketed;
    out.bucket_part = *q.group_by.front().bucket;
  }
  if (few_valued && !money) out.few_valued = few_valued;
  return out;
}

namespace {

// What a kept result is found by (internal::ResultCache): everything its figures follow
// from. The statement and its parameters carry the rows the principal may read and the
// filter; the query the rest (the order, the limit, the rollups); the schema's version
// what its fields mean.
std::string ResultKey(const std::string& tenant_id, const CompiledAggregate& c) {
  std::string key = fmt::format("{}\x1f{}\x1f{}", tenant_id, c.schema_version, c.grouped_sql);
  for (const Value& v : c.Params()) {
    if (const auto* text = std::get_if<std::string>(&v)) key += fmt::format("\x1fs{}:{}", text->size(), *text);
    else if (const auto* i = std::get_if<int64_t>(&v)) key += fmt::format("\x1fi{}", *i);
    else if (const auto* d = std::get_if<double>(&v)) key += fmt::format("\x1f" "d{}", *d);
    else key += "\x1fn";
  }
  const AggregateQuery& q = c.q;
  key += fmt::format("\x1e{}\x1f{}:{}\x1f", q.object, q.filter.size(), q.filter);
  for (const Grouping& g : q.group_by) key += GroupingName(g) + ",";
  key += "\x1f";
  for (const Measure& m : q.measures) key += MeasureName(m) + ",";
  key += fmt::format("\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f", q.limit, q.order_by ? static_cast<int64_t>(*q.order_by) : -1,
                     q.descending, q.for_export, q.time_zone, q.fiscal_year_start);
  for (const auto& kept : q.rollups) {
    for (size_t g : kept) key += fmt::format("{},", g);
    key += ";";
  }
  key += q.convert ? "\x1f" "c" + q.convert->rate_date : "\x1f-";
  return key;
}

// The tables a result follows from: those its statement reads, and those that say
// who may read what and what the fields mean.
std::vector<std::string> ResultTables(const CompiledAggregate& c) {
  static constexpr std::string_view kAlways[] = {
      "meta_objects", "meta_fields",    "meta_versions", "roles",         "role_objects",
      "role_fields",  "user_roles",     "sharing_defaults", "sharing_rules", "record_shares",
      "tenant_keys",  "workspace_settings", "exchange_rates"};
  std::vector<std::string> tables = storage::TablesNamedIn(c.grouped_sql);
  tables.insert(tables.end(), std::begin(kAlways), std::end(kAlways));
  std::sort(tables.begin(), tables.end());
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
  return tables;
}

// The result of a compiled aggregate from the rows its statement gave (or the engine
// grouped): converted, rolled up, ordered and cut to the limit. Nothing when the
// groups are too many to roll up from (the rollups then take a statement each):
// `every_group` says `raw` is every group, past kMaxGroups (grouped here, or a
// statement's of at most kMaxGroupsInMemory), and rolls them all up.
Result<std::optional<AggregateResult>> FinishAggregate(const CompiledAggregate& compiled, std::vector<RawRow> raw,
                                                       const workspace::RateBook& rates, bool every_group = false) {
  const AggregateQuery& q = compiled.q;
  const AggregateLayout& layout = compiled.layout;
  const bool converting = compiled.converting, rolling = !q.rollups.empty();
  std::vector<std::vector<RawRow>> rolled_up;
  if (converting) {
    if (raw.size() > static_cast<size_t>(kMaxGroups)) {
      return Fail(InvalidField("convert", fmt::format("Over {} groups in their currencies to convert: group more coarsely "
                                                      "or filter the records.", kMaxGroups)));
    }
    RAPPORT_ASSIGN_OR_RETURN(ConvertedRows converted, ConvertMoney(layout, raw, rates, compiled.dated_rates, compiled.today, q.rollups));
    raw = std::move(converted.rows);
    rolled_up = std::move(converted.rollups);
  } else if (rolling && raw.size() > static_cast<size_t>(kMaxGroups) && !every_group) {
    return std::nullopt;
  }

  auto to_row = [](const AggregateLayout& shape, const RawRow& row) -> Result<AggregateRow> {
    AggregateRow out;
    size_t cell = 0;
    for (const AggregateGroup& g : shape.groups) {
      const auto key = std::span(row).subspan(cell++, 1);
      if (!g.bucketed) out.keys.push_back(internal::FromStorage(*g.field, key));
      else if (storage::IsNull(key[0])) out.keys.push_back(std::monostate{});
      else out.keys.push_back(storage::TextOf(key[0]));
    }
    if (shape.money) out.currency = storage::TextOf(row[cell++]);
    for (const AggregatePlan& plan : shape.plans) {
      const Value& v = row[cell];
      FieldValue value;
      if (plan.fn == AggregateFn::kCount || plan.fn == AggregateFn::kCountDistinct) {
        value = IntegerOf(v).value_or(0);
      } else if (plan.duration) {
        // Seconds, summed (with their count for an average, doubled for a median), to days.
        std::optional<int64_t> seconds = IntegerOf(v);
        int64_t divisor = kSecondsPerDay;
        if (plan.fn == AggregateFn::kAvg) divisor *= IntegerOf(row[cell + 1]).value_or(0);
        if (plan.fn == AggregateFn::kMedian) divisor *= 2;
        std::optional<int64_t> days = seconds && divisor > 0 ? RoundedQuotient(static_cast<__int128>(*seconds) * Decimal::kOne, divisor) : std::nullopt;
        if (seconds && divisor > 0 && !days) {
          return Fail(ErrorCode::kInvalidArgument, fmt::format("The {} of `{}` is too large to represent.", AggregateFnName(plan.fn), plan.field->name));
        }
        value = days ? FieldValue(Decimal{*days}) : FieldValue(std::monostate{});
      } else if (plan.fn == AggregateFn::kSum || plan.fn == AggregateFn::kAvg || plan.fn == AggregateFn::kMedian) {
        std::optional<int64_t> sum = IntegerOf(v);
        if (plan.fn != AggregateFn::kSum && sum) {
          // The median is the middle two's sum over two, rounded as an average is.
          int64_t count = plan.fn == AggregateFn::kMedian ? 2 : IntegerOf(row[cell + 1]).value_or(0);
          // The stored units of an integer field are whole numbers; of the others, Decimal units.
          int64_t scale = plan.field->type == FieldType::kInteger ? Decimal::kOne : 1;
          if (count > 0 && !RoundedQuotient(static_cast<__int128>(*sum) * scale, count)) {
            return Fail(ErrorCode::kInvalidArgument,
                        fmt::format("The {} of `{}` is too large to represent.", AggregateFnName(plan.fn), plan.field->name));
          }
          sum = count > 0 ? RoundedQuotient(static_cast<__int128>(*sum) * scale, count) : std::nullopt;
          if (sum && plan.field->type == FieldType::kInteger) value = Decimal{*sum};
        }
        if (!sum) {
          value = std::monostate{};
        } else if (plan.field->type == FieldType::kCurrency) {
          value = Money{Decimal{*sum}, out.currency};
        } else if (plan.field->type == FieldType::kInteger) {
          if (plan.fn == AggregateFn::kSum) value = *sum;
        } else {
          value = Decimal{*sum};
        }
      } else if (plan.field->type == FieldType::kCurrency) {
        auto amount = IntegerOf(v);
        value = amount ? FieldValue(Money{Decimal{*amount}, out.currency}) : FieldValue(std::monostate{});
      } else {
        value = internal::FromStorage(*plan.field, std::span(row).subspan(cell, 1));
      }
      out.values.push_back(std::move(value));
      cell += static_cast<size_t>(plan.columns);
    }
    return out;
  };
  AggregateResult result;
  for (size_t r = 0; r < q.rollups.size(); ++r) {
    const auto& kept = q.rollups[r];
    AggregateLayout rolled = layout;
    rolled.groups.clear();
    for (size_t k : kept) rolled.groups.push_back(layout.groups[k]);
    std::vector<RawRow> rows;
    if (converting) {
      rows = std::move(rolled_up[r]);
    } else {
      RAPPORT_ASSIGN_OR_RETURN(rows, RollUp(layout, raw, kept));
    }
    // Groups of groups are never more than the groups, which fit in kMaxGroups unless
    // they are every group, grouped here.
    result.rollups_truncated.push_back(rows.size() > static_cast<size_t>(kMaxGroups));
    if (result.rollups_truncated.back()) rows.resize(kMaxGroups);
    auto& into = result.rollups.emplace_back();
    for (const RawRow& row : rows) {
      RAPPORT_ASSIGN_OR_RETURN(AggregateRow converted, to_row(rolled, row));
      into.push_back(std::move(converted));
    }
  }
  const bool keyed = !compiled.key_inputs.empty();
  if ((rolling || converting || compiled.in_memory) && q.order_by && keyed) {
    // The statement gave every group in key order; ordered here by the measure as the
    // statement would have, NULLs last and ties in key order (the sort is stable).
    size_t column = layout.groups.size() + (layout.money ? 1 : 0);
    for (size_t i = 0; i < *q.order_by; ++i) column += static_cast<size_t>(layout.plans[i].columns);
    const bool quotient = layout.plans[*q.order_by].columns == 2;
    auto compare = [&](const RawRow& a, const RawRow& b) -> int {
      if (!quotient) return internal::CompareStored(a[column], b[column]);
      auto ratio = [&](const RawRow& r) -> std::optional<std::pair<__int128, __int128>> {
        auto sum = IntegerOf(r[column]), count = IntegerOf(r[column + 1]);
        if (!sum || !count || *count == 0) return std::nullopt;
        return std::pair<__int128, __int128>{*sum, *count};
      };
      auto x = ratio(a), y = ratio(b);
      if (!x || !y) return !x && !y ? 0 : (!x ? 1 : -1);
      __int128 left = x->first * y->second, right = y->first * x->second;
      return left < right ? -1 : left > right;
    };
    auto is_null = [&](const RawRow& r) {
      return quotient ? IntegerOf(r[column + 1]).value_or(0) == 0 || storage::IsNull(r[column]) : storage::IsNull(r[column]);
    };
    std::stable_sort(raw.begin(), raw.end(), [&](const RawRow& a, const RawRow& b) {
      const bool a_null = is_null(a), b_null = is_null(b);
      if (a_null || b_null) return !a_null && b_null;
      int order = compare(a, b);
      return q.descending ? order > 0 : order < 0;
    });
  }
  for (const RawRow& row : raw) {
    if (result.rows.size() == static_cast<size_t>(q.limit)) {
      result.truncated = true;
      break;
    }
    RAPPORT_ASSIGN_OR_RETURN(AggregateRow converted, to_row(layout, row));
    result.rows.push_back(std::move(converted));
  }
  return result;
}

}  // namespace

namespace {

// Streams the rows of `shared`, its columns in order and its key columns coded by
// `codes`, to `each`. The records of a lookup's related object, when they are few, are
// read once into memory and looked up by id rather than joined: SQLite seeks the
// related table's key index and then the table for every row (about 0.8 µs a row, most
// of a grouping through a lookup), a lookup in memory takes a fraction of that. Their
// values that groups are keyed by are coded once a record rather than once a row, and
// copied into the row only where a value is read (`read_as_value`: a measure's, a
// filter's). A LEFT JOIN's meaning is kept: a record whose related record is missing,
// deleted or not readable gets NULLs.
Status StreamRows(Connection& c, const CompiledAggregate& shared, const std::vector<bool>& read_as_value,
                  internal::KeyCodes& codes, const std::function<bool(std::span<const Value>)>& each) {
  constexpr size_t kMaxRelatedInMemory = 100'000;
  struct InMemory {
    size_t join = 0;
    std::vector<size_t> columns;  // of `shared` it gives
    std::vector<bool> coded;      // per one of those: a key column whose value is not read
    internal::RecordsById records;
    std::vector<Value> values;    // record n's of columns[v] at n * columns.size() + v (NULL if coded)
    std::vector<uint32_t> codes;  // likewise, its code (if coded)
    std::vector<uint32_t> null_codes;  // per column, of a row without a related record
    size_t key_at = 0;  // the lookup column's place in the statement's rows
  };
  std::vector<InMemory> lookups;
  std::vector<bool> served(shared.columns.size(), false);
  for (size_t j = 0; j < shared.joins.size(); ++j) {
    const AggregateJoin& join = shared.joins[j];
    if (join.alias.empty()) continue;
    InMemory lookup{.join = j};
    bool alone = true;  // its columns read the related record alone
    for (size_t i = 0; i < shared.columns.size(); ++i) {
      const std::string& sql = shared.columns[i].sql;
      if (!Mentions(sql, join.alias)) continue;
      lookup.columns.push_back(i);
      if (Mentions(sql, "r")) alone = false;
      for (const AggregateJoin& other : shared.joins) {
        if (&other != &join && !other.alias.empty() && Mentions(sql, other.alias)) alone = false;
      }
    }
    if (!alone || lookup.columns.empty()) continue;
    std::string list = join.alias + ".id";
    std::vector<Value> params;
    for (size_t i : lookup.columns) {
      list += ", " + shared.columns[i].sql;
      params.insert(params.end(), shared.columns[i].params.begin(), shared.columns[i].params.end());
      lookup.coded.push_back(codes.Codes(i) && !read_as_value[i]);
    }
    params.insert(params.end(), join.related.params.begin(), join.related.params.end());
    const size_t width = lookup.columns.size();
    bool fits = true;
    RAPPORT_TRY(c.ForEach(fmt::format("SELECT {} {}", list, join.related.sql), params, [&](std::span<const Value> row) {
      if (lookup.records.size() >= kMaxRelatedInMemory) {
        fits = false;
        return false;
      }
      const size_t held = lookup.records.size();
      if (lookup.records.Add(storage::TextOf(row[0])) != held) return true;  // its id met before
      for (size_t v = 0; v < width; ++v) {
        lookup.codes.push_back(lookup.coded[v] ? codes.CodeOf(lookup.columns[v], row[1 + v]) : 0);
        lookup.values.push_back(lookup.coded[v] ? Value{} : row[1 + v]);
      }
      return true;
    }));
    if (!fits) continue;  // joined by the statement after all, its columns coded by Encode
    for (size_t v = 0; v < width; ++v) {
      lookup.null_codes.push_back(lookup.coded[v] ? codes.CodeOf(lookup.columns[v], Value{}) : 0);
      if (lookup.coded[v]) codes.CodeByCaller(lookup.columns[v]);
    }
    for (size_t i : lookup.columns) served[i] = true;
    lookups.push_back(std::move(lookup));
  }
  if (lookups.empty()) {
    return c.ForEach(shared.RowsSql(), shared.Params(), [&](std::span<const Value> row) {
      codes.Encode(row);
      return each(row);
    });
  }

  // The statement without those joins: the other columns, then each lookup's column.
  CompiledAggregate main;
  main.from = shared.from;
  main.readable = shared.readable;
  main.filter = shared.filter;
  std::vector<size_t> at(shared.columns.size());
  auto add = [&](SqlFragment column) {
    main.aliases.push_back(fmt::format("c{}", main.columns.size()));
    main.columns.push_back(std::move(column));
    return main.columns.size() - 1;
  };
  for (size_t i = 0; i < shared.columns.size(); ++i) {
    if (!served[i]) at[i] = add(shared.columns[i]);
  }
  for (InMemory& lookup : lookups) lookup.key_at = add({shared.joins[lookup.join].key, {}});
  for (size_t j = 0; j < shared.joins.size(); ++j) {
    bool looked_up = std::any_of(lookups.begin(), lookups.end(), [&](const InMemory& l) { return l.join == j; });
    if (!looked_up) main.joins.push_back(shared.joins[j]);
  }
  std::vector<Value> row_of_shared(shared.columns.size());
  return c.ForEach(main.RowsSql(), main.Params(), [&](std::span<const Value> row) {
    for (size_t i = 0; i < served.size(); ++i) {
      if (!served[i]) row_of_shared[i] = row[at[i]];
    }
    for (const InMemory& lookup : lookups) {
      uint32_t related = internal::RecordsById::kNone;
      if (const auto* id = std::get_if<std::string>(&row[lookup.key_at])) related = lookup.records.Find(*id);
      const size_t width = lookup.columns.size();
      for (size_t v = 0; v < width; ++v) {
        if (lookup.coded[v]) {
          codes.SetCode(lookup.columns[v],
                        related == internal::RecordsById::kNone ? lookup.null_codes[v] : lookup.codes[related * width + v]);
          continue;
        }
        row_of_shared[lookup.columns[v]] = related == internal::RecordsById::kNone ? Value{} : lookup.values[related * width + v];
      }
    }
    codes.Encode(row_of_shared);  // but the columns coded above
    return each(row_of_shared);
  });
}

// Whether SQLite's plan for a query's own GROUP BY reads the rows in the key's order (an
// index on the grouped field, as activities by type), so that it groups without the
// sort that grouping here saves: then its GROUP BY beats handing each row over (ten
// million activities by type: 1.1 s against 1.9). Asked of SQLite only: elsewhere a
// query alone is grouped by its statement anyway.
bool GroupsInKeyOrder(Connection& c, const CompiledAggregate& m) {
  auto plan = c.Query("EXPLAIN QUERY PLAN " + m.grouped_sql, m.Params());
  if (!plan) return false;
  return std::none_of(plan->rows.begin(), plan->rows.end(), [](const auto& row) {
    return storage::TextOf(row.back()).find("FOR GROUP BY") != std::string::npos;
  });
}

// `values` followed by `more`.
std::vector<Value> With(std::vector<Value> values, std::initializer_list<Value> more) {
  values.insert(values.end(), more);
  return values;
}

// Whether SQLite's plan for `sql` reads a range of an index by column `name`, each of
// `conditions` ("=?", ">?") on it.
Result<bool> PlanReadsRange(Connection& c, const std::string& sql, const std::vector<Value>& params, std::string_view name,
                            std::initializer_list<std::string_view> conditions) {
  RAPPORT_ASSIGN_OR_RETURN(auto plan, c.Query("EXPLAIN QUERY PLAN " + sql, params));
  return std::any_of(plan.rows.begin(), plan.rows.end(), [&](const auto& row) {
    const std::string detail = storage::TextOf(row.back());
    return std::all_of(conditions.begin(), conditions.end(), [&](std::string_view condition) {
      const std::string term = fmt::format("{}{}", name, condition);
      return detail.find(" " + term) != std::string::npos || detail.find("(" + term) != std::string::npos;
    });
  });
}

// Adds to `out` the group of `key` from `result`, its measures then a count of its
// rows (dropped), if it has any rows.
void AddRanged(std::vector<RawRow>& out, Value key, const storage::QueryResult& result) {
  RawRow row = result.rows.at(0);
  if (storage::IntOf(row.back()) == 0) return;
  row.pop_back();
  row.insert(row.begin(), std::move(key));
  out.push_back(std::move(row));
}

// The records without a value: the empty group, last as the statement orders it.
Status AddUnset(Connection& c, const CompiledAggregate& m, const std::string& column, std::vector<RawRow>& out) {
  RAPPORT_ASSIGN_OR_RETURN(
      auto unset, c.Query(fmt::format("SELECT {}, COUNT(*) FROM ({} AND {} IS NULL) t", m.measures_sql, m.RowsSql(), column),
                          m.Params()));
  AddRanged(out, Value{}, unset);
  return Ok();
}

// At most this many groups counted a range at a time (ByBucketRanges, ByKeyValues).
constexpr size_t kMaxRanges = 1000;

// A query alone grouped by a date bucket (activities done by month) counted a bucket at
// a time: each bucket is a range of days, so where an index orders the field after the
// condition's equalities, a bucket's rows are one range of it, aggregated by the
// database without a sort or a row handed over, and the next bucket starts at the
// first value after it (one seek, so empty buckets cost nothing). Ten million
// activities, a third of them done, by month: 1.6 s grouped by the engine (SQLite's
// GROUP BY would sort them), 0.6 s this way. Every aggregate comes out as the
// statement computes it, a median or distinct count included. Nothing when the plan
// reads no such range, or past kMaxRanges buckets: the caller groups as usual.
// The values are the engine's stored ISO text, which sorts as the days do.
Result<std::optional<std::vector<RawRow>>> ByBucketRanges(Connection& c, const CompiledAggregate& m) {
  const std::string& name = m.bucketed->column;
  const std::string column = "r." + Quote(c.dialect(), name);
  const std::string in_range =
      fmt::format("SELECT {0}, COUNT(*) FROM ({1} AND {2} >= ? AND {2} < ?) t", m.measures_sql, m.RowsSql(), column);
  const std::vector<Value> params = m.Params();
  RAPPORT_ASSIGN_OR_RETURN(bool ranged, PlanReadsRange(c, in_range, With(params, {std::string(), std::string()}), name, {">?", "<?"}));
  if (!ranged) return std::nullopt;
  const std::string next = fmt::format("SELECT MIN({0}) {1} AND {0} >= ?", column, m.FromWhereSql());
  const std::vector<Value> where_params = m.FromWhereParams();
  const int fiscal_start = m.q.fiscal_year_start;
  std::vector<RawRow> out;
  std::string from;  // the next bucket holds the least value at or after this
  for (size_t buckets = 0;; ++buckets) {
    RAPPORT_ASSIGN_OR_RETURN(auto first, c.Query(next, With(where_params, {from})));
    if (first.rows.empty() || storage::IsNull(first.rows[0][0])) break;
    if (buckets == kMaxRanges) return std::nullopt;
    std::optional<int64_t> day = ParseDateDays(storage::TextOf(first.rows[0][0]).substr(0, 10));
    if (!day) return std::nullopt;  // not a date as the engine stores it
    std::string label = BucketLabel(*day, m.bucket_part, fiscal_start);
    std::optional<DayRange> days = BucketDays(label, m.bucket_part, fiscal_start);
    if (!days) return std::nullopt;
    std::string end = FormatDate(days->end);
    RAPPORT_ASSIGN_OR_RETURN(auto measured, c.Query(in_range, With(params, {FormatDate(days->first), end})));
    AddRanged(out, std::move(label), measured);
    from = std::move(end);
  }
  RAPPORT_TRY(AddUnset(c, m, column, out));
  return out;
}

// A query alone grouped by a field of a few values (activities by type) counted a value
// at a time, as ByBucketRanges counts buckets: where an index orders the field after
// the condition's equalities, each value's rows are one range of it, aggregated by the
// database without comparing each row's key to the last one's as its GROUP BY does, and
// the next value is one seek past it. Ten million activities by type: 1.16 s by
// SQLite's GROUP BY in the index's order, 0.95 s this way. Nothing when the plan reads
// no such range, or past kMaxRanges values.
Result<std::optional<std::vector<RawRow>>> ByKeyValues(Connection& c, const CompiledAggregate& m) {
  const std::string& name = m.few_valued->column;
  const std::string column = "r." + Quote(c.dialect(), name);
  const std::string of_value = fmt::format("SELECT {0}, COUNT(*) FROM ({1} AND {2} = ?) t", m.measures_sql, m.RowsSql(), column);
  const std::vector<Value> params = m.Params();
  RAPPORT_ASSIGN_OR_RETURN(bool ranged, PlanReadsRange(c, of_value, With(params, {std::string()}), name, {"=?"}));
  if (!ranged) return std::nullopt;
  const std::string least = fmt::format("SELECT MIN({0}) {1} AND {0} IS NOT NULL", column, m.FromWhereSql());
  const std::string next = fmt::format("SELECT MIN({0}) {1} AND {0} > ?", column, m.FromWhereSql());
  const std::vector<Value> where_params = m.FromWhereParams();
  std::vector<RawRow> out;
  RAPPORT_ASSIGN_OR_RETURN(auto found, c.Query(least, where_params));
  for (size_t values = 0; !found.rows.empty() && !storage::IsNull(found.rows[0][0]); ++values) {
    if (values == kMaxRanges) return std::nullopt;
    Value value = found.rows[0][0];
    RAPPORT_ASSIGN_OR_RETURN(auto measured, c.Query(of_value, With(params, {value})));
    RAPPORT_ASSIGN_OR_RETURN(found, c.Query(next, With(where_params, {value})));
    AddRanged(out, std::move(value), measured);
  }
  RAPPORT_TRY(AddUnset(c, m, column, out));
  return out;
}

// The rows several aggregates over one table read together, in one statement: every
// member's columns once, the joins any needs, the rows the principal may read that
// some member's filter admits. Where the members' filters differ, each distinct one is
// a column saying whether the row passes it, and a member sees only the rows that do.
struct SharedRows {
  static constexpr size_t kEveryRow = std::numeric_limits<size_t>::max();
  CompiledAggregate rows;  // its columns, joins and conditions (RowsSql, Params)
  std::vector<std::vector<size_t>> keys_of;                // per member: its key columns among rows.columns
  std::vector<std::vector<internal::CellPlan>> cells_of;   // its cells, over those columns
  std::vector<size_t> filter_at;  // the column of its filter (kEveryRow: it has none, or all share one)
};

// `reading[k]`: whether member k reads the shared rows (the others are left out).
SharedRows ShareRows(const std::vector<const CompiledAggregate*>& members, const std::vector<bool>& reading) {
  const size_t n = members.size();
  constexpr size_t kEveryRow = SharedRows::kEveryRow;
  SharedRows out;
  CompiledAggregate& shared = out.rows;
  out.keys_of.resize(n);
  out.cells_of.resize(n);
  out.filter_at.assign(n, kEveryRow);
  // A key is the groupings and a currency code at most.
  static_assert(kMaxGroupings + 1 <= internal::GroupAccumulator::kMaxKeys);
  for (size_t k = 0; k < n; ++k) {
    if (!reading[k]) continue;
    const CompiledAggregate& m = *members[k];
    shared.from = m.from;
    // Where each of the member's columns is among the shared ones.
    std::vector<size_t> at(m.columns.size());
    for (size_t j = 0; j < m.columns.size(); ++j) {
      auto found = std::find_if(shared.columns.begin(), shared.columns.end(),
                                [&](const SqlFragment& column) { return Same(column, m.columns[j]); });
      at[j] = static_cast<size_t>(found - shared.columns.begin());
      if (found == shared.columns.end()) {
        shared.columns.push_back(m.columns[j]);
        shared.aliases.push_back(fmt::format("c{}", at[j]));
      }
    }
    for (const AggregateJoin& join : m.joins) {
      if (std::find(shared.joins.begin(), shared.joins.end(), join) == shared.joins.end()) shared.joins.push_back(join);
    }
    for (size_t key : m.key_inputs) out.keys_of[k].push_back(at[key]);
    out.cells_of[k] = m.cell_plans;
    for (internal::CellPlan& cell : out.cells_of[k]) {
      if (cell.op != internal::CellOp::kCountRows) cell.input = at[cell.input];  // COUNT(*) reads no column
    }
  }
  const CompiledAggregate* first = nullptr;
  bool same_filter = true, some_unfiltered = false;
  for (size_t k = 0; k < n; ++k) {
    if (!reading[k]) continue;
    if (!first) first = members[k];
    same_filter = same_filter && Same(members[k]->filter, first->filter);
    some_unfiltered = some_unfiltered || members[k]->filter.sql.empty();
  }
  if (first) shared.readable = first->readable;
  if (first && same_filter) {
    shared.filter = first->filter;
  } else if (first) {
    SqlFragment any;
    for (size_t k = 0; k < n; ++k) {
      const SqlFragment& filter = members[k]->filter;
      if (!reading[k] || filter.sql.empty()) continue;
      size_t column = shared.columns.size();
      for (size_t other = 0; other < k; ++other) {
        if (reading[other] && out.filter_at[other] != kEveryRow && Same(members[other]->filter, filter)) {
          column = out.filter_at[other];
        }
      }
      out.filter_at[k] = column;
      if (column < shared.columns.size()) continue;  // another member's
      shared.columns.push_back({fmt::format("CASE WHEN ({}) THEN 1 ELSE 0 END", filter.sql), filter.params});
      shared.aliases.push_back(fmt::format("c{}", column));
      any.sql += fmt::format("{}({})", any.sql.empty() ? "" : " OR ", filter.sql);
      any.params.insert(any.params.end(), filter.params.begin(), filter.params.end());
    }
    if (!some_unfiltered) shared.filter = std::move(any);
  }
  return out;
}

// Runs aggregates over the same rows in one read transaction. Those the engine groups
// read one statement together: every member's columns once, the rows streamed into
// one group table per member. The others (and any member whose groups overflow memory)
// run their own grouping statement. `raws` gets each member's statement rows, or its
// error.
Status ScanTogether(storage::Database& db, const std::string& tenant_id,
                    const std::vector<const CompiledAggregate*>& members,
                    std::vector<Result<std::vector<RawRow>>>& raws, workspace::RateBook& rates,
                    std::vector<bool>& every_group) {
  return db.Read([&](Connection& c) -> Status {
    const size_t n = members.size();
    raws.assign(n, std::vector<RawRow>{});
    every_group.assign(n, false);
    if (n == 1 && members[0]->in_memory && (members[0]->bucketed || members[0]->few_valued)) {
      RAPPORT_ASSIGN_OR_RETURN(auto by_range, members[0]->bucketed ? ByBucketRanges(c, *members[0]) : ByKeyValues(c, *members[0]));
      if (by_range) {
        raws[0] = std::move(*by_range);
        return Ok();
      }
    }
    std::vector<bool> by_statement(n, true);
    size_t feeding = 0;
    for (size_t k = 0; k < n; ++k) {
      const CompiledAggregate& m = *members[k];
      if (!m.in_memory || (n == 1 && GroupsInKeyOrder(c, m))) continue;
      by_statement[k] = false;
      ++feeding;
    }
    std::vector<bool> reading(n);
    for (size_t k = 0; k < n; ++k) reading[k] = !by_statement[k];
    SharedRows together = ShareRows(members, reading);
    CompiledAggregate& shared = together.rows;
    const auto& keys_of = together.keys_of;
    const auto& cells_of = together.cells_of;
    const auto& filter_at = together.filter_at;
    constexpr size_t kEveryRow = SharedRows::kEveryRow;
    std::vector<std::unique_ptr<internal::GroupAccumulator>> tables(n);
    if (feeding > 0) {
      std::vector<size_t> key_columns;
      for (const auto& keys : keys_of) key_columns.insert(key_columns.end(), keys.begin(), keys.end());
      internal::KeyCodes codes(std::move(key_columns));
      for (size_t k = 0; k < n; ++k) {
        if (!by_statement[k]) tables[k] = std::make_unique<internal::GroupAccumulator>(keys_of[k], cells_of[k], codes);
      }
      // The columns a value of is read (a measured one, a filter's), not only coded.
      std::vector<bool> read_as_value(shared.columns.size(), false);
      for (size_t k = 0; k < n; ++k) {
        if (by_statement[k]) continue;
        for (const internal::CellPlan& cell : cells_of[k]) {
          if (cell.op != internal::CellOp::kCountRows) read_as_value[cell.input] = true;
        }
        if (filter_at[k] != kEveryRow) read_as_value[filter_at[k]] = true;
      }
      RAPPORT_TRY(StreamRows(c, shared, read_as_value, codes, [&](std::span<const Value> row) {
        for (size_t k = 0; k < n; ++k) {
          if (!tables[k]) continue;
          if (filter_at[k] != kEveryRow && storage::IntOf(row[filter_at[k]]) == 0) continue;
          if (Status added = tables[k]->Add(row); !added) {
            raws[k] = Fail(added.error());
          } else if (tables[k]->group_count() > kMaxGroupsInMemory) {
            by_statement[k] = true;
          } else {
            continue;
          }
          tables[k].reset();  // failed, or left to its statement
          --feeding;
          for (size_t column : keys_of[k]) {
            bool read = false;
            for (size_t other = 0; other < n; ++other) {
              read = read || (tables[other] && std::ranges::find(keys_of[other], column) != keys_of[other].end());
            }
            if (!read) codes.Forget(column);
          }
        }
        return feeding > 0;
      }));
      for (size_t k = 0; k < n; ++k) {
        if (!tables[k]) continue;
        auto rows = tables[k]->TakeRows();
        if (rows) raws[k] = std::move(*rows);
        else raws[k] = Fail(rows.error());
        every_group[k] = true;
      }
    }
    bool converting = false;
    for (size_t k = 0; k < n; ++k) {
      converting = converting || members[k]->converting;
      if (!by_statement[k]) continue;
      RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(members[k]->grouped_sql, members[k]->Params()));
      every_group[k] = rows.rows.size() <= members[k]->most_groups;
      raws[k] = std::move(rows.rows);
    }
    if (converting) {
      RAPPORT_ASSIGN_OR_RETURN(rates, workspace::ReadRateBook(c, tenant_id));
    }
    return Ok();
  });
}

// At most this many groups (their keys' values multiplied, roughly) for aggregates to
// be grouped together by one statement (GroupTogether).
constexpr size_t kMaxGroupsTogether = 100'000;

// Whether an aggregate's cells add up from those of its rows' parts (counts, sums,
// minimums and maximums, not a median or a distinct count; nothing converted): its
// groups from finer ones (GroupTogether), a kept result's with those of rows added
// since (internal::ResultCache).
bool CellsAddUp(const CompiledAggregate& m) {
  using internal::CellOp;
  if (m.converting) return false;
  return std::none_of(m.cell_plans.begin(), m.cell_plans.end(), [](const internal::CellPlan& cell) {
    return cell.op == CellOp::kCountDistinct || cell.op == CellOp::kMiddleSum;
  });
}

// Whether an aggregate's groups add up from finer ones (CellsAddUp), and its keys each
// take a known few values.
bool AddsUpFromFinerGroups(const CompiledAggregate& m) {
  return CellsAddUp(m) && std::all_of(m.key_spans.begin(), m.key_spans.end(), [](const auto& key) { return key.second > 0; });
}

// Roughly how many groups aggregates over the same rows have grouped by all their keys
// and filters at once: the values of each column keyed on (the widest key of it: a
// month and a quarter of one date count as the month), times two for each filter when
// they differ. Saturates just past kMaxGroupsTogether.
size_t GroupsTogether(const std::vector<const CompiledAggregate*>& members) {
  std::map<std::string, size_t> span_of;
  std::vector<const SqlFragment*> filters;
  bool differ = false;
  for (const CompiledAggregate* m : members) {
    for (const auto& [of, span] : m->key_spans) span_of[of] = std::max(span_of[of], span);
    differ = differ || !Same(m->filter, members.front()->filter);
    if (!m->filter.sql.empty() &&
        std::none_of(filters.begin(), filters.end(), [&](const SqlFragment* f) { return Same(*f, m->filter); })) {
      filters.push_back(&m->filter);
    }
  }
  size_t groups = 1;
  auto times = [&](size_t factor) { groups = std::min(groups * factor, kMaxGroupsTogether + 1); };
  for (const auto& [of, span] : span_of) times(std::min(span, kMaxGroupsTogether + 1));
  if (differ) {
    for (size_t i = 0; i < filters.size(); ++i) times(2);
  }
  return groups;
}

// Aggregates over the same rows grouped by one statement, where the backend groups on
// every core (PostgreSQL): by all their keys and filter columns at once, with the
// partial cells they need (COUNT(*), COUNT(x), SUM(x), MIN(x), MAX(x)); each query's
// groups are then added up here from those finer ones. Ten million activities by type
// and, done, by month: one scan of the table instead of two. Should the groups
// outnumber kMaxGroupsTogether after all, each query runs its own statement.
Status GroupTogether(storage::Database& db, const std::vector<const CompiledAggregate*>& members,
                     std::vector<Result<std::vector<RawRow>>>& raws) {
  using internal::CellOp;
  const size_t n = members.size();
  raws.assign(n, std::vector<RawRow>{});
  const SharedRows together = ShareRows(members, std::vector<bool>(n, true));
  const CompiledAggregate& shared = together.rows;
  std::vector<size_t> keys;           // the statement's keys, as shared columns
  std::vector<std::string> partials;  // then its cells
  auto place = [](auto& list, auto item) {
    auto found = std::find(list.begin(), list.end(), item);
    if (found != list.end()) return static_cast<size_t>(found - list.begin());
    list.push_back(std::move(item));
    return list.size() - 1;
  };
  struct Plan {
    std::vector<size_t> keys;
    std::vector<internal::CellPlan> cells;
    size_t filter = SharedRows::kEveryRow;
  };
  std::vector<Plan> plans(n);
  for (size_t k = 0; k < n; ++k) {
    for (size_t column : together.keys_of[k]) plans[k].keys.push_back(place(keys, column));
    if (together.filter_at[k] != SharedRows::kEveryRow) plans[k].filter = place(keys, together.filter_at[k]);
    for (const internal::CellPlan& cell : together.cells_of[k]) {
      // The column measured (COUNT(*) reads none, and its input is no column's place).
      const std::string input = cell.op == CellOp::kCountRows ? std::string() : shared.aliases.at(cell.input);
      // A group's count is the sum of its finer groups' counts; so are sums; minimums
      // and maximums are those of theirs.
      switch (cell.op) {
        case CellOp::kCountRows: plans[k].cells.push_back({CellOp::kSum, place(partials, std::string("COUNT(*)"))}); break;
        case CellOp::kCount: plans[k].cells.push_back({CellOp::kSum, place(partials, fmt::format("COUNT({})", input))}); break;
        case CellOp::kSum:
          plans[k].cells.push_back({CellOp::kSum, place(partials, fmt::format("CAST(SUM({}) AS BIGINT)", input))});
          break;
        case CellOp::kMin: plans[k].cells.push_back({CellOp::kMin, place(partials, fmt::format("MIN({})", input))}); break;
        case CellOp::kMax: plans[k].cells.push_back({CellOp::kMax, place(partials, fmt::format("MAX({})", input))}); break;
        case CellOp::kCountDistinct:
        case CellOp::kMiddleSum:
          return Fail(ErrorCode::kInternal, "A distinct count or a median does not add up from finer groups.");
      }
    }
  }
  for (Plan& plan : plans) {
    for (internal::CellPlan& cell : plan.cells) cell.input += keys.size();  // the cells come after the keys
  }
  std::string grouped;
  for (size_t key : keys) grouped += (grouped.empty() ? "" : ", ") + shared.aliases[key];
  std::string list = grouped;
  for (const std::string& partial : partials) list += (list.empty() ? "" : ", ") + partial;
  const std::string sql = fmt::format("SELECT {} FROM ({}) t{} LIMIT {}", list, shared.RowsSql(),
                                      grouped.empty() ? "" : " GROUP BY " + grouped, kMaxGroupsTogether + 1);
  return db.Read([&](Connection& c) -> Status {
    std::vector<std::unique_ptr<internal::GroupAccumulator>> tables(n);
    for (size_t k = 0; k < n; ++k) tables[k] = std::make_unique<internal::GroupAccumulator>(plans[k].keys, plans[k].cells);
    size_t groups = 0;
    RAPPORT_TRY(c.ForEach(sql, shared.Params(), [&](std::span<const Value> row) {
      if (++groups > kMaxGroupsTogether) return false;
      for (size_t k = 0; k < n; ++k) {
        if (!tables[k]) continue;
        if (plans[k].filter != SharedRows::kEveryRow && storage::IntOf(row[plans[k].filter]) == 0) continue;
        if (Status added = tables[k]->Add(row); !added) {
          raws[k] = Fail(added.error());
          tables[k].reset();
        }
      }
      return true;
    }));
    for (size_t k = 0; k < n; ++k) {
      if (groups > kMaxGroupsTogether) {
        RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(members[k]->grouped_sql, members[k]->Params()));
        raws[k] = std::move(rows.rows);
      } else if (tables[k]) {
        auto rows = tables[k]->TakeRows();
        if (rows) raws[k] = std::move(*rows);
        else raws[k] = Fail(rows.error());
      }
    }
    return Ok();
  });
}

Status CheckRollups(const AggregateQuery& q) {
  for (const auto& kept : q.rollups) {
    for (size_t i = 0; i < kept.size(); ++i) {
      if (kept[i] >= q.group_by.size() || (i > 0 && kept[i] <= kept[i - 1])) {
        return Fail(InvalidField("rollups", "Roll up by groupings of the query, each once, in order."));
      }
    }
  }
  return Ok();
}

// Whether `raw` holds every group of the query: its statement cuts them at the
// limit, or at kMaxGroups when rolling up.
bool AllGroups(const CompiledAggregate& c, const std::vector<RawRow>& raw) {
  return raw.size() <= static_cast<size_t>(c.q.rollups.empty() ? c.q.limit : kMaxGroups);
}

// The groups of `kept` with those of `added` (the rows since) added in, each cell as
// its operation adds up (counts and sums summed, the least of minimums...), in SQL's
// order of the keys (NULLs last), as the engine groups them.
Result<std::vector<RawRow>> AddGroups(const CompiledAggregate& c, const std::vector<RawRow>& kept, std::vector<RawRow> added) {
  using internal::CellOp;
  const size_t keys = c.key_inputs.size();
  std::vector<RawRow> all = kept;
  all.insert(all.end(), std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()));
  auto compare_keys = [&](const RawRow& a, const RawRow& b) {
    for (size_t k = 0; k < keys; ++k) {
      if (int order = internal::CompareStored(a[k], b[k]); order != 0) return order;
    }
    return 0;
  };
  std::stable_sort(all.begin(), all.end(), [&](const RawRow& a, const RawRow& b) { return compare_keys(a, b) < 0; });
  std::vector<RawRow> out;
  for (RawRow& row : all) {
    if (out.empty() || compare_keys(out.back(), row) != 0) {
      out.push_back(std::move(row));
      continue;
    }
    RawRow& into = out.back();
    for (size_t j = 0; j < c.cell_plans.size(); ++j) {
      Value& a = into[keys + j];
      const Value& b = row[keys + j];
      if (storage::IsNull(b)) continue;
      if (storage::IsNull(a)) {
        a = b;
        continue;
      }
      switch (c.cell_plans[j].op) {
        case CellOp::kCountRows:
        case CellOp::kCount:
        case CellOp::kSum: {
          int64_t sum = 0;
          if (__builtin_add_overflow(storage::IntOf(a), storage::IntOf(b), &sum)) {
            return Fail(ErrorCode::kInvalidArgument, "A sum is too large to represent.");
          }
          a = sum;
          break;
        }
        case CellOp::kMin:
          if (internal::CompareStored(b, a) < 0) a = b;
          break;
        case CellOp::kMax:
          if (internal::CompareStored(b, a) > 0) a = b;
          break;
        case CellOp::kCountDistinct:
        case CellOp::kMiddleSum:
          return Fail(ErrorCode::kInternal, "A distinct count or a median does not add up.");
      }
    }
  }
  return out;
}

}  // namespace

void RecordService::KeepResults(size_t max_bytes) { impl_->results_.Limit(max_bytes); }

Result<AggregateResult> RecordService::Aggregate(const Principal& p, const AggregateQuery& q) {
  return std::move(AggregateMany(p, std::span(&q, 1)).front());
}

Status RecordService::CheckAggregate(const Principal& p, const AggregateQuery& q) {
  RAPPORT_TRY(CheckRollups(q));
  RAPPORT_TRY(impl_->CompileAggregate(p, q));
  return Ok();
}

std::vector<Result<AggregateResult>> RecordService::AggregateMany(const Principal& p,
                                                                  std::span<const AggregateQuery> given) {
  // Rollups of measures that do not add up (a median, a count of distinct values)
  // cannot come from the groups: each level is a query of its own, run with the rest.
  std::vector<AggregateQuery> queries(given.begin(), given.end());
  std::vector<std::vector<size_t>> levels_of(given.size());  // their places in `queries`
  for (size_t i = 0; i < given.size(); ++i) {
    if (given[i].rollups.empty() || AddsUp(given[i].measures) || !CheckRollups(given[i])) continue;
    for (const auto& kept : given[i].rollups) {
      levels_of[i].push_back(queries.size());
      queries.push_back(RollupLevel(given[i], kept));
    }
    queries[i].rollups.clear();
  }
  std::vector<Result<AggregateResult>> results(queries.size(), Fail(ErrorCode::kInternal, "Not run."));
  std::vector<std::optional<CompiledAggregate>> compiled(queries.size());
  // A result kept from an earlier run is given again while no table it read has
  // changed since (internal::ResultCache); the versions are read once, before. Not
  // for converted money, which also follows today's date. `keys`: of those to keep.
  std::optional<storage::TableVersions> before;
  bool caching = impl_->results_.limit() > 0;
  std::vector<std::string> keys(queries.size());
  // Of those to keep, whether their groups can grow (CellsAddUp), and the groups.
  std::vector<bool> grows(queries.size());
  std::vector<std::optional<std::vector<RawRow>>> groups_of(queries.size());
  // A kept result stale only by rows appended to its table since (ResultCache::
  // FindGrowable): the appended rows alone, grouped (all their groups, in key order)
  // and added to the kept groups, then finished as the whole would have been.
  // Nothing when there is none, or the appended rows have too many groups to add.
  auto grow_kept = [&](const CompiledAggregate& c, const std::string& key, const storage::TableVersions& now)
      -> std::optional<std::pair<AggregateResult, std::vector<RawRow>>> {
    auto growable = impl_->results_.FindGrowable(key, now);
    if (!growable) return std::nullopt;
    AggregateQuery all = c.q;
    all.order_by.reset();
    all.limit = kMaxGroups;
    auto tail = impl_->CompileAggregate(p, all, growable->after_id);
    if (!tail) return std::nullopt;
    tail->in_memory = false;  // the statement groups the few rows, through the id's index
    std::vector<Result<std::vector<RawRow>>> raws;
    workspace::RateBook no_rates;
    std::vector<bool> every_group;
    if (!ScanTogether(impl_->db_, p.tenant_id, {&*tail}, raws, no_rates, every_group) || !raws[0] ||
        raws[0]->size() > static_cast<size_t>(kMaxGroups)) {
      return std::nullopt;
    }
    auto added = AddGroups(c, *growable->groups, std::move(*raws[0]));
    if (!added) return std::nullopt;
    CompiledAggregate in_key_order = c;
    in_key_order.in_memory = true;
    auto finished = FinishAggregate(in_key_order, *added, no_rates);
    if (!finished || !*finished) return std::nullopt;
    return std::pair{std::move(**finished), std::move(*added)};
  };
  // Units of work: the queries the engine groups over one table's rows that the
  // principal may read, under the same filter, share one scan; every other query is a
  // unit of its own. On PostgreSQL they share it whatever their filters: a query alone
  // is a statement scanning on every core, and streaming the rows any of them admits
  // once costs less than a scan each, from three queries on (below). Not on SQLite:
  // there each query alone is grouped here too, on a core of its own, and reads just
  // its filter's index range, which an OR of the filters would turn into a scan of the
  // table (the Sales dashboard at a million deals took 3.0 s shared, against 2.2 s).
  const bool sorts_to_group = impl_->db_.dialect().GroupsBySorting();
  const bool across_filters = !sorts_to_group;
  std::vector<std::vector<size_t>> units;
  for (size_t i = 0; i < queries.size(); ++i) {
    const AggregateQuery& q = queries[i];
    if (Status valid = CheckRollups(q); !valid) {
      results[i] = Fail(valid.error());
      continue;
    }
    auto compiling = impl_->CompileAggregate(p, q);
    if (!compiling) {
      results[i] = Fail(compiling.error());
      continue;
    }
    compiled[i] = std::move(*compiling);
    const CompiledAggregate& c = *compiled[i];
    if (!c.converting && caching) {
      if (!before) {
        auto read = storage::ReadTableVersions(impl_->db_, p.tenant_id);
        caching = read.has_value();  // if not, the results are computed and not kept
        if (read) before = std::move(*read);
      }
      if (caching) {
        std::string key = ResultKey(p.tenant_id, c);
        if (auto kept = impl_->results_.Find(key, *before)) {
          results[i] = std::move(*kept);
          continue;
        }
        keys[i] = std::move(key);
        grows[i] = CellsAddUp(c);
        if (grows[i]) {
          if (auto grown = grow_kept(c, keys[i], *before)) {
            results[i] = std::move(grown->first);
            groups_of[i] = std::move(grown->second);
            continue;
          }
        }
      }
    }
    auto same_rows = std::find_if(units.begin(), units.end(), [&](const std::vector<size_t>& unit) {
      const auto& other = compiled[unit.front()];
      return other->from == c.from && Same(other->readable, c.readable) &&
             (across_filters || Same(other->filter, c.filter));
    });
    if (same_rows != units.end()) same_rows->push_back(i);
    else units.push_back({i});
  }
  // On PostgreSQL a shared scan hands every row over (about 0.6 µs a row at ten million
  // activities), where a query alone is grouped by the server on every core (about
  // 0.25 µs): sharing pays from three queries on. Two activity charts over ten million
  // rows took 15 s streamed together, 2.3 s and 4.5 s each alone, side by side.
  // Before that, those whose groups add up from finer ones are grouped together by one
  // statement, as many as keep the groups few (GroupTogether).
  std::vector<bool> one_statement;  // per unit: whether GroupTogether runs it
  if (!sorts_to_group) {
    constexpr size_t kMinSharing = 3;
    std::vector<std::vector<size_t>> apart;
    auto members_of = [&](const std::vector<size_t>& unit) {
      std::vector<const CompiledAggregate*> members;
      for (size_t i : unit) members.push_back(&*compiled[i]);
      return members;
    };
    for (auto& unit : units) {
      std::vector<std::vector<size_t>> grouped;
      std::vector<size_t> rest;
      for (size_t i : unit) {
        if (!AddsUpFromFinerGroups(*compiled[i])) {
          rest.push_back(i);
          continue;
        }
        auto fits = std::find_if(grouped.begin(), grouped.end(), [&](std::vector<size_t> with) {
          with.push_back(i);
          return GroupsTogether(members_of(with)) <= kMaxGroupsTogether;
        });
        if (fits != grouped.end()) fits->push_back(i);
        else grouped.push_back({i});
      }
      for (auto& together : grouped) {
        if (together.size() < 2) {
          rest.push_back(together.front());
          continue;
        }
        apart.push_back(std::move(together));
        one_statement.resize(apart.size());
        one_statement.back() = true;
      }
      if (rest.size() >= kMinSharing) apart.push_back(std::move(rest));
      else for (size_t i : rest) apart.push_back({i});
    }
    units = std::move(apart);
  }
  one_statement.resize(units.size());
  // A query alone is grouped here only where its statement would sort to group (on
  // SQLite, whose GROUP BY sorts unless an index gives the key's order, which
  // ScanTogether asks its plan): PostgreSQL hash-aggregates on all cores, faster than
  // streaming the rows here, and a total without groups (a count) is computed by the
  // database without handing over each row. Several over the same rows take one scan
  // here against one each there.
  for (const auto& unit : units) {
    CompiledAggregate& alone = *compiled[unit.front()];
    if (unit.size() == 1) alone.in_memory = sorts_to_group && !alone.key_inputs.empty();
  }
  auto run = [&](size_t u) {
    const std::vector<size_t>& unit = units[u];
    std::vector<const CompiledAggregate*> members;
    for (size_t i : unit) members.push_back(&*compiled[i]);
    std::vector<Result<std::vector<RawRow>>> raws;
    workspace::RateBook rates;
    std::vector<bool> every_group(unit.size(), false);
    Status scanned = one_statement[u] ? GroupTogether(impl_->db_, members, raws)
                                      : ScanTogether(impl_->db_, p.tenant_id, members, raws, rates, every_group);
    if (!scanned) {
      for (size_t i : unit) results[i] = Fail(scanned.error());
      return;
    }
    for (size_t k = 0; k < unit.size(); ++k) {
      const size_t i = unit[k];
      if (!raws[k]) {
        results[i] = Fail(raws[k].error());
        continue;
      }
      if (grows[i] && AllGroups(*members[k], *raws[k])) groups_of[i] = *raws[k];
      auto finished = FinishAggregate(*members[k], std::move(*raws[k]), rates, every_group[k]);
      if (!finished) results[i] = Fail(finished.error());
      else if (*finished) results[i] = std::move(**finished);
      else results[i] = RollupsByStatement(*this, p, queries[i]);
    }
  };
  // The units side by side, as many at once as there are cores: each is mostly a scan
  // on a reader of its own. Those over the largest tables first, so that none of the
  // longest starts last while the other cores idle: a unit's time goes mostly with its
  // table's rows (the dashboard of eight on PostgreSQL at ten million activities and a
  // million deals: 5.0 s in the order given, 4.1 s with the activities first).
  //
  // Better still, the longest first by how long each took when last run, once every
  // one has been: the table's rows say little of a unit's time (the dashboard of eight
  // on SQLite: six queries over a million deals sharing one scan took 2.8 s, one over
  // ten million activities grouped by an index 1.2 s; started after the activities,
  // the deals ended at 3.2 s, started first at 2.8).
  const size_t workers = std::min<size_t>(units.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<size_t> order(units.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::vector<size_t> unit_keys(units.size());
  std::vector<double> last_seconds(units.size(), -1);
  if (units.size() > workers) {
    for (size_t u = 0; u < units.size(); ++u) {
      std::string key;
      for (size_t i : units[u]) key += (keys[i].empty() ? ResultKey(p.tenant_id, *compiled[i]) : keys[i]) + "\x1d";
      unit_keys[u] = std::hash<std::string>{}(key);
    }
    std::lock_guard lock(impl_->unit_times_mu_);
    for (size_t u = 0; u < units.size(); ++u) {
      auto found = impl_->unit_seconds_.find(unit_keys[u]);
      if (found != impl_->unit_seconds_.end()) last_seconds[u] = found->second;
    }
  }
  std::map<std::string, int64_t> rows_of;
  for (const auto& unit : units) rows_of[compiled[unit.front()]->table] = 0;
  if (units.size() > workers && std::ranges::none_of(last_seconds, [](double t) { return t < 0; })) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return last_seconds[a] > last_seconds[b]; });
  } else if (units.size() > workers && rows_of.size() > 1) {
    // Only an order: without the planner's counts the units keep theirs.
    (void)impl_->db_.Read([&](Connection& c) -> Status {
      for (auto& [table, rows] : rows_of) rows = storage::EstimatedRows(c, table).value_or(0);
      return Ok();
    });
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return rows_of[compiled[units[a].front()]->table] > rows_of[compiled[units[b].front()]->table];
    });
  }
  std::atomic<size_t> next{0};
  std::vector<double> took(units.size(), -1);
  auto work = [&] {
    for (size_t u; (u = next.fetch_add(1)) < units.size();) {
      const auto began = std::chrono::steady_clock::now();
      run(order[u]);
      took[order[u]] = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (size_t w = 1; w < workers; ++w) helpers.emplace_back(work);
    work();
  }
  if (units.size() > workers) {
    std::lock_guard lock(impl_->unit_times_mu_);
    if (impl_->unit_seconds_.size() > 100'000) impl_->unit_seconds_.clear();  // bounded
    for (size_t u = 0; u < units.size(); ++u) impl_->unit_seconds_[unit_keys[u]] = took[u];
  }
  if (std::any_of(keys.begin(), keys.end(), [](const std::string& key) { return !key.empty(); })) {
    // The highest id of each table whose results' groups are kept, read between the
    // versions: while those do not move, it is the highest the results were computed
    // from (what ResultCache::Keep checks against the table's appends).
    std::map<std::string, std::string> max_id_of;
    for (size_t i = 0; i < queries.size(); ++i) {
      if (groups_of[i]) max_id_of[compiled[i]->table];
    }
    if (!max_id_of.empty()) {
      (void)impl_->db_.Read([&](Connection& c) -> Status {
        for (auto& [table, max_id] : max_id_of) {
          std::vector<Value> tenant = {p.tenant_id};
          RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(fmt::format("SELECT MAX(id) FROM {} WHERE tenant_id = ?",
                                                                  Quote(c.dialect(), table)),
                                                      tenant));
          if (!rows.rows.empty() && !storage::IsNull(rows.rows[0][0])) max_id = storage::TextOf(rows.rows[0][0]);
        }
        return Ok();
      });
    }
    if (auto after = storage::ReadTableVersions(impl_->db_, p.tenant_id)) {
      for (size_t i = 0; i < queries.size(); ++i) {
        if (keys[i].empty() || !results[i]) continue;
        std::optional<internal::ResultCache::Growth> growth;
        if (groups_of[i]) growth = {compiled[i]->table, max_id_of[compiled[i]->table], std::move(*groups_of[i])};
        impl_->results_.Keep(keys[i], ResultTables(*compiled[i]), *before, *after, *results[i], std::move(growth));
      }
    }
  }
  for (size_t i = 0; i < given.size(); ++i) {
    for (size_t level : levels_of[i]) {
      if (!results[i]) break;
      if (!results[level]) {
        results[i] = Fail(results[level].error());
        break;
      }
      results[i]->rollups.push_back(std::move(results[level]->rows));
      results[i]->rollups_truncated.push_back(results[level]->truncated);
    }
  }
  results.resize(given.size());
  return results;
}

Result<std::vector<BatchItemResult>> RecordService::Batch(const Principal& p, const BatchCommand& command) {
  if (command.items.size() > kMaxBatchItems) {
    return Fail(ErrorCode::kPayloadTooLarge,
                fmt::format("A batch holds at most {} records, not {}.", kMaxBatchItems, command.items.size()));
  }
  if (command.items.empty()) return Fail(ErrorCode::kInvalidArgument, "A batch needs at least one record.");
  bool creates = std::any_of(command.items.begin(), command.items.end(),
                             [](const BatchItem& item) { return item.op != BatchOp::kUpdate; });
  bool updates = std::any_of(command.items.begin(), command.items.end(),
                             [](const BatchItem& item) { return item.op != BatchOp::kCreate; });
  RAPPORT_ASSIGN_OR_RETURN(auto target,
                           impl_->Resolve(p, command.object, creates ? Operation::kCreate : Operation::kUpdate));
  if (creates && updates) RAPPORT_TRY(impl_->policy_.CheckObject(p, *target.config, *target.object, Operation::kUpdate));
  const ObjectDef& object = *target.object;

  // Validation needs no write, so it runs before the write transaction (the workspace's
  // currency, read once, is what amounts given without one are in).
  std::vector<const InputObject*> inputs;
  for (const auto& item : command.items) inputs.push_back(&item.values);
  RAPPORT_ASSIGN_OR_RETURN(std::string currency, impl_->DefaultCurrency(p.tenant_id, object, inputs));
  std::vector<Result<Changes>> validated;
  validated.reserve(command.items.size());
  for (const auto& item : command.items) {
    bool creating = item.op == BatchOp::kCreate;
    auto changes = impl_->Validate(object, item.values, creating, currency);
    if (changes && item.op == BatchOp::kUpdate && !IsValidId(item.id)) {
      changes = Fail(Impl::NotFound(object, item.id));
    }
    if (changes && item.op == BatchOp::kUpsert) {
      const FieldDef* match = object.FindField(item.match_field);
      if (!match || !match->unique) {
        changes = Fail(Error(ErrorCode::kInvalidArgument, "An upsert needs `match` naming a unique field.")
                           .WithField("match", "invalid_value", "Name a unique field."));
      }
    }
    if (command.atomic && !changes) {
      Error e = changes.error();
      return Fail(Error(e.code(), fmt::format("Item {}: {}", &item - command.items.data(), e.detail()))
                      .WithFieldErrors(e.field_errors()));
    }
    validated.push_back(std::move(changes));
  }

  std::vector<BatchItemResult> results(command.items.size(), BatchItemResult{false, Fail(ErrorCode::kInternal, "")});
  std::set<std::string, std::less<>> verified;  // lookup targets found live in this transaction
  auto run_item = [&](Connection& c, size_t i) -> Status {
    const BatchItem& item = command.items[i];
    if (!validated[i]) {
      results[i].outcome = std::unexpected(validated[i].error());
      return Ok();
    }
    const Changes& changes = *validated[i];
    std::optional<std::string> existing_id;
    if (item.op == BatchOp::kUpdate) {
      existing_id = AsciiLower(item.id);
    } else if (item.op == BatchOp::kUpsert) {
      const FieldDef* match = object.FindField(item.match_field);
      auto it = std::find_if(changes.begin(), changes.end(), [&](const auto& ch) { return ch.first == match; });
      if (it == changes.end() || IsNull(it->second)) {
        results[i].outcome = Fail(Error(ErrorCode::kValidationFailed, "The match field needs a value.")
                                      .WithField(match->name, "required", "Needed to match an existing record."));
        return Ok();
      }
      std::vector<Value> params = {p.tenant_id};
      Impl::AppendValue(target, *match, it->second, params);
      // Only a record the principal may read can match (one they may not read stays
      // invisible: creating its twin then fails on the unique value, naming no id).
      std::string sql = fmt::format("SELECT r.id FROM {} r WHERE r.tenant_id = ? AND r.{} = ? AND r.deleted_at IS NULL",
                                    Quote(c.dialect(), object.table), Quote(c.dialect(), match->column));
      AddRows(target.access.read, sql, params);
      RAPPORT_ASSIGN_OR_RETURN(auto found, c.Query(sql, params));
      if (!found.rows.empty()) existing_id = TextOf(found.rows[0][0]);
    }
    // In a per-item batch each item runs under its own savepoint, so a failed item
    // leaves no trace. An atomic batch needs none: its first failure undoes everything.
    if (!command.atomic) RAPPORT_TRY(c.Execute("SAVEPOINT rapport_batch_item"));
    Result<Record> outcome =
        existing_id ? impl_->UpdateInTransaction(c, p, target, *existing_id, changes, item.expected_version, &verified)
                    : impl_->CreateInTransaction(c, p, target, changes, &verified);
    if (!command.atomic) {
      if (outcome) {
        RAPPORT_TRY(c.Execute("RELEASE rapport_batch_item"));
      } else {
        RAPPORT_TRY(c.Execute("ROLLBACK TO rapport_batch_item"));
        RAPPORT_TRY(c.Execute("RELEASE rapport_batch_item"));
      }
    }
    results[i].created = !existing_id;
    results[i].outcome = std::move(outcome);
    return Ok();
  };

  RAPPORT_TRY(impl_->db_.Write([&](Connection& c) -> Status {
    c.WritesFor(p.tenant_id);
    for (size_t i = 0; i < command.items.size(); ++i) {
      RAPPORT_TRY(run_item(c, i));
      if (command.atomic && !results[i].outcome) {
        Error e = results[i].outcome.error();
        return Fail(Error(e.code(), fmt::format("Item {}: {}", i, e.detail())).WithFieldErrors(e.field_errors()));
      }
    }
    return Ok();
  }));
  return results;
}

Result<std::vector<HistoryEntry>> RecordService::History(const Principal& p, std::string_view object,
                                                          std::string_view id, int limit) {
  RAPPORT_ASSIGN_OR_RETURN(auto target, impl_->Resolve(p, object, Operation::kRead));
  if (!IsValidId(id)) return Fail(Impl::NotFound(*target.object, id));
  const std::string record_id = AsciiLower(id);
  std::vector<HistoryEntry> entries;
  HistoryEntry created;  // from the record itself (creates write no history rows)
  RAPPORT_TRY(impl_->db_.Read([&](Connection& c) -> Status {
    // The history of a record the caller may read, checked in the same snapshot.
    std::string visible = fmt::format("SELECT r.created_by, r.created_at FROM {} r WHERE r.tenant_id = ? AND r.id = ? "
                                      "AND r.deleted_at IS NULL",
                                      Quote(c.dialect(), target.object->table));
    std::vector<Value> key = {p.tenant_id, record_id};
    AddRows(target.access.read, visible, key);
    RAPPORT_ASSIGN_OR_RETURN(auto found, c.Query(visible, key));
    if (found.rows.empty()) return Fail(Impl::NotFound(*target.object, id));
    created.id = record_id;
    created.change = "created";
    created.changed_by = TextOf(found.rows[0][0]);
    created.changed_at = TextOf(found.rows[0][1]);
    std::vector<Value> params = {p.tenant_id, std::string(object), record_id, int64_t{std::clamp(limit, 1, 1000)}};
    RAPPORT_ASSIGN_OR_RETURN(
        auto rows, c.Query("SELECT id, change_kind, field, old_value, new_value, changed_by, changed_at "
                           "FROM record_history WHERE tenant_id = ? AND object_name = ? AND record_id = ? "
                           "ORDER BY id DESC LIMIT ?",
                           params));
    for (const auto& row : rows.rows) {
      // Changes to fields hidden from the principal are not theirs to see.
      if (std::string field = TextOf(row[2]); !field.empty() && !target.object->FindField(field)) continue;
      HistoryEntry e;
      e.id = TextOf(row[0]);
      e.change = TextOf(row[1]);
      e.field = TextOf(row[2]);
      e.old_is_null = storage::IsNull(row[3]);
      e.old_value = TextOf(row[3]);
      e.new_is_null = storage::IsNull(row[4]);
      e.new_value = TextOf(row[4]);
      if (const FieldDef* f = target.object->FindField(e.field); f && !f->encryption.empty()) {
        for (std::string* value : {&e.old_value, &e.new_value}) {
          if (value->empty()) continue;
          auto plain = target.cipher ? target.cipher->Open(f->name, *value) : std::nullopt;
          *value = plain ? *plain : std::string();
        }
      }
      e.changed_by = TextOf(row[5]);
      e.changed_at = TextOf(row[6]);
      entries.push_back(std::move(e));
    }
    return Ok();
  }));
  if (static_cast<int>(entries.size()) < limit) entries.push_back(std::move(created));
  return entries;
}

// ---------------------------------------------------------------------------------
// Manual shares and access explanations.

namespace {

using security::ShareTarget;

Status CheckShareTarget(Connection& c, const Principal& p, const ShareTarget& target) {
  if (target.kind != ShareTarget::Kind::kUser && target.kind != ShareTarget::Kind::kTeam) {
    return Fail(Error(ErrorCode::kInvalidArgument, "Share a record with a user or a team.")
                    .WithField("share_with", "invalid_value", "`user` or `team`"));
  }
  std::string table = target.kind == ShareTarget::Kind::kUser ? "users" : "teams";
  std::vector<Value> key = {p.tenant_id, target.id};
  RAPPORT_ASSIGN_OR_RETURN(auto found, c.Query(fmt::format("SELECT 1 FROM {} WHERE tenant_id = ? AND id = ? AND "
                                                           "deleted_at IS NULL",
                                                           Quote(c.dialect(), table)),
                                               key));
  if (found.rows.empty()) {
    return Fail(Error(ErrorCode::kValidationFailed, fmt::format("No {} with id `{}`.", Name(target.kind), target.id))
                    .WithField("target_id", "not_found", "Name an existing user or team."));
  }
  return Ok();
}

}  // namespace

Result<std::vector<security::RecordShare>> RecordService::Shares(const Principal& p, std::string_view object,
                                                                 std::string_view id) {
  RAPPORT_ASSIGN_OR_RETURN(Record record, Get(p, object, id));
  std::vector<security::RecordShare> shares;
  RAPPORT_TRY(impl_->db_.Read([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, std::string(object), record.id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT target_kind, target_id, level, created_by, created_at FROM "
                                                "record_shares WHERE tenant_id = ? AND object_name = ? AND "
                                                "record_id = ? ORDER BY created_at, target_id",
                                                key));
    for (const auto& row : rows.rows) {
      security::RecordShare share;
      share.object = std::string(object);
      share.record_id = record.id;
      share.target = {security::ParseShareTargetKind(TextOf(row[0])).value_or(ShareTarget::Kind::kUser), TextOf(row[1])};
      share.level = security::ParseShareLevel(TextOf(row[2])).value_or(security::ShareLevel::kRead);
      share.created_by = TextOf(row[3]);
      share.created_at = TextOf(row[4]);
      shares.push_back(std::move(share));
    }
    return Ok();
  }));
  return shares;
}

// Share (with a level) or unshare (without): the same record lookup, then one change.
Status RecordService::ChangeShare(const Principal& p, std::string_view object, std::string_view id,
                                  const ShareTarget& target, std::optional<security::ShareLevel> level) {
  RAPPORT_ASSIGN_OR_RETURN(auto t, impl_->Resolve(p, object, Operation::kRead));
  if (!IsValidId(id)) return Fail(Impl::NotFound(*t.object, id));
  std::string record_id = AsciiLower(id);
  auto may_share = impl_->policy_.ShareAccess(p, *t.config, *t.full, impl_->db_.dialect(), "r");
  return impl_->db_.Write([&](Connection& c) -> Status {
    c.WritesFor(p.tenant_id);
    RAPPORT_TRY(impl_->LoadForWrite(c, p, t, record_id, false, may_share));
    if (level) RAPPORT_TRY(CheckShareTarget(c, p, target));
    std::vector<Value> key = {p.tenant_id, t.object->name, record_id, std::string(Name(target.kind)), target.id};
    RAPPORT_ASSIGN_OR_RETURN(int64_t removed, c.Execute("DELETE FROM record_shares WHERE tenant_id = ? AND "
                                                        "object_name = ? AND record_id = ? AND target_kind = ? AND "
                                                        "target_id = ?",
                                                        key));
    audit::Event event{.kind = level ? "record.shared" : "record.unshared", .actor_id = p.user_id,
                       .object_name = t.object->name, .record_id = record_id};
    if (level) {
      std::vector<Value> row = key;
      row.emplace_back(std::string(Name(*level)));
      row.emplace_back(p.user_id.empty() ? Value(storage::Null{}) : Value(p.user_id));
      row.emplace_back(FormatDatetime(impl_->clock_.Now()));
      RAPPORT_TRY(c.Execute("INSERT INTO record_shares (tenant_id, object_name, record_id, target_kind, target_id, "
                            "level, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            row));
      event.detail = audit::Detail({{"share_with", Name(target.kind)}, {"target_id", target.id}, {"level", Name(*level)}});
    } else {
      if (removed == 0) return Fail(ErrorCode::kNotFound, "The record is not shared with them.");
      event.detail = audit::Detail({{"share_with", Name(target.kind)}, {"target_id", target.id}});
    }
    return audit::Append(c, p.tenant_id, event, impl_->clock_);
  });
}

Status RecordService::Share(const Principal& p, std::string_view object, std::string_view id,
                            const ShareTarget& target, security::ShareLevel level) {
  return ChangeShare(p, object, id, target, level);
}

Status RecordService::Unshare(const Principal& p, std::string_view object, std::string_view id,
                              const ShareTarget& target) {
  return ChangeShare(p, object, id, target, std::nullopt);
}

Result<AccessExplanation> RecordService::Explain(const Principal& p, const std::string& user_id,
                                                 std::string_view object, std::string_view id) {
  RAPPORT_ASSIGN_OR_RETURN(auto view, impl_->ViewFor(p));
  const bool self = user_id == p.user_id;
  if (!self) RAPPORT_TRY(impl_->policy_.CheckManageAccess(p, *view.config));
  // About oneself: only records one may read (else 404, as everywhere), and without
  // naming the fields one may not see.
  if (self) RAPPORT_TRY(Get(p, object, id));
  RAPPORT_ASSIGN_OR_RETURN(const ObjectDef* full_object, view.full->GetObject(object));
  AccessExplanation out;
  out.user_id = user_id;
  std::string record_id = AsciiLower(id);
  RAPPORT_TRY(impl_->db_.Read([&](Connection& c) -> Status {
    std::vector<Value> key = {p.tenant_id, user_id};
    RAPPORT_ASSIGN_OR_RETURN(auto users, c.Query("SELECT role FROM users WHERE tenant_id = ? AND id = ? AND "
                                                 "deleted_at IS NULL",
                                                 key));
    if (users.rows.empty()) {
      return Fail(Error(ErrorCode::kNotFound, fmt::format("No user with id `{}`.", user_id))
                      .WithField("user", "not_found", "Name a user of this workspace."));
    }
    Principal who{p.tenant_id, user_id, TextOf(users.rows[0][0]) == "admin"};
    out.is_admin = who.is_admin;
    out.permissions = impl_->policy_.Permissions(who, *view.config, *full_object);
    for (const FieldDef& f : full_object->fields) {
      auto access = impl_->policy_.FieldAccessFor(who, *view.config, *full_object, f);
      if (access == security::FieldAccess::kHidden) out.hidden_fields.push_back(f.name);
      if (access == security::FieldAccess::kReadOnly) out.read_only_fields.push_back(f.name);
    }
    std::string table = Quote(c.dialect(), full_object->table);
    std::vector<Value> record = {p.tenant_id, record_id};
    RAPPORT_ASSIGN_OR_RETURN(auto exists, c.Query(fmt::format("SELECT 1 FROM {} r WHERE r.tenant_id = ? AND r.id = ? "
                                                              "AND r.deleted_at IS NULL",
                                                              table),
                                                  record));
    out.exists = !exists.rows.empty();
    if (!out.exists) return Ok();
    auto access = impl_->policy_.Access(who, *view.config, *view.full, *full_object, c.dialect(), "r",
                                        impl_->clock_.Now());
    // Each grant on its own, so the answer names every rule that reaches the record.
    auto reasons = [&](const security::RowAccess& rows, std::vector<std::string>& into) -> Status {
      for (const security::Grant& grant : rows.grants) {
        if (!grant.rows) {
          into.push_back(grant.reason);
          continue;
        }
        std::string sql = fmt::format("SELECT 1 FROM {} r WHERE r.tenant_id = ? AND r.id = ? AND r.deleted_at IS NULL "
                                      "AND {}",
                                      table, grant.rows->sql);
        std::vector<Value> params = record;
        params.insert(params.end(), grant.rows->params.begin(), grant.rows->params.end());
        RAPPORT_ASSIGN_OR_RETURN(auto hit, c.Query(sql, params));
        if (!hit.rows.empty()) into.push_back(grant.reason);
      }
      return Ok();
    };
    RAPPORT_TRY(reasons(access.read, out.read));
    RAPPORT_TRY(reasons(access.edit, out.edit));
    RAPPORT_TRY(reasons(access.del, out.del));
    return Ok();
  }));
  if (self) out.hidden_fields.clear();
  return out;
}

}  // namespace rapport::records
