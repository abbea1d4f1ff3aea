#include "reports/record_snapshots.h"

#include <algorithm>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/calendar.h"
#include "core/id.h"
#include "core/strings.h"
#include "metadata/field_type.h"
#include "reports/internal/due_jobs.h"
#include "reports/report_json.h"
#include "reports/schedules.h"
#include "storage/owned_rows.h"

namespace rapport::reports {

namespace {

namespace json = boost::json;
using records::FieldValue;
using records::InputObject;
using records::InputValue;
using storage::Connection;
using storage::IntOf;
using storage::TextOf;
using storage::Value;

constexpr std::string_view kColumns =
    "id, name, source_object, filter, fields, target_object, hour, active, owner_id, next_run_at, last_run_at, "
    "last_status, last_rows, created_at, updated_at";
constexpr size_t kMaxName = 100;
constexpr size_t kMaxFilter = 4000;
// The fields every snapshot object has besides the copies.
constexpr std::string_view kDateField = "snapshot_date";
constexpr std::string_view kKeyField = "snapshot_key";

Error NotFound(std::string_view id) { return Error(ErrorCode::kNotFound, fmt::format("No snapshot with id `{}`.", id)); }

Result<SnapshotDefinition> FromRow(const std::vector<Value>& row) {
  SnapshotDefinition d;
  d.id = TextOf(row[0]);
  d.name = TextOf(row[1]);
  d.source = TextOf(row[2]);
  d.filter = TextOf(row[3]);
  boost::system::error_code ec;
  json::value fields = json::parse(TextOf(row[4]), ec);
  if (ec || !fields.is_array()) {
    return Fail(Error(ErrorCode::kInternal, "A snapshot is unreadable.").WithInternal("record_snapshots " + d.id));
  }
  for (const auto& f : fields.get_array()) {
    if (f.is_string()) d.fields.emplace_back(f.get_string());
  }
  d.target = TextOf(row[5]);
  d.hour = static_cast<int>(IntOf(row[6]));
  d.active = IntOf(row[7]) != 0;
  d.owner_id = TextOf(row[8]);
  d.next_run_at = TextOf(row[9]);
  d.last_run_at = TextOf(row[10]);
  d.last_status = TextOf(row[11]);
  d.last_rows = IntOf(row[12]);
  d.created_at = TextOf(row[13]);
  d.updated_at = TextOf(row[14]);
  return d;
}

std::string FieldsText(const std::vector<std::string>& fields) {
  json::array a;
  for (const auto& f : fields) a.emplace_back(f);
  return json::serialize(a);
}

// Administrators only: a snapshot creates an object.
Status CheckAdministrator(const security::Principal& p) {
  RAPPORT_TRY(security::CheckMayChangeSettings(p));
  if (p.is_admin || p.is_system) return Ok();
  return Fail(ErrorCode::kPermissionDenied, "Only an administrator may manage snapshots.");
}

// The copy of a field of the source, as the target object declares it: its type,
// values, target and encryption, but not its limits (required, unique, length,
// range): history keeps whatever a record held, also a value from before a limit.
metadata::FieldSpec CopyOf(const metadata::FieldDef& f) {
  metadata::FieldSpec spec;
  spec.name = f.name;
  spec.label = f.label;
  spec.type = std::string(metadata::FieldTypeName(f.type));
  spec.options = f.options;
  spec.target = f.target;
  spec.encryption = f.encryption;
  return spec;
}

// A stored value as the record engine takes it in again.
InputValue InputOf(const FieldValue& v) {
  return std::visit(
      [](const auto& x) -> InputValue {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return InputValue::Null();
        else if constexpr (std::is_same_v<T, bool>) return InputValue::Bool(x);
        else if constexpr (std::is_same_v<T, int64_t>) return InputValue::Int(x);
        else if constexpr (std::is_same_v<T, Decimal>) return InputValue::String(x.ToString());
        else if constexpr (std::is_same_v<T, records::Money>) {
          InputValue money;
          money.kind = InputValue::Kind::kObject;
          money.members = {{"amount", InputValue::String(x.amount.ToString())}, {"currency", InputValue::String(x.currency)}};
          return money;
        } else if constexpr (std::is_same_v<T, std::string>) return InputValue::String(x);
        else {
          InputValue items;
          items.kind = InputValue::Kind::kArray;
          for (const auto& item : x) items.items.push_back(InputValue::String(item));
          return items;
        }
      },
      v);
}

std::optional<Micros> NextDailyRun(int hour, Micros after, std::string_view zone) {
  return NextRun(Cadence{.frequency = Frequency::kDaily, .hour = hour}, after, zone);
}

}  // namespace

RecordSnapshots::RecordSnapshots(storage::Database& db, records::RecordService& records,
                                 workspace::WorkspaceSettingsStore& settings, const Clock& clock)
    : db_(db), records_(records), settings_(settings), clock_(clock) {}

Result<std::vector<SnapshotDefinition>> RecordSnapshots::List(const security::Principal& p) {
  RAPPORT_TRY(CheckAdministrator(p));
  return storage::SelectOwnedRows(db_, storage::OwnedRowsReader{.tenant_id = p.tenant_id, .sees_all = true},
                                  {.table = "record_snapshots", .columns = kColumns}, FromRow);
}

Result<SnapshotDefinition> RecordSnapshots::Get(const security::Principal& p, const std::string& id) {
  RAPPORT_TRY(CheckAdministrator(p));
  RAPPORT_ASSIGN_OR_RETURN(std::optional<SnapshotDefinition> found,
                           storage::FindOwnedRow(db_, storage::OwnedRowsReader{.tenant_id = p.tenant_id, .sees_all = true},
                                                 "record_snapshots", kColumns, id, FromRow));
  if (!found) return Fail(NotFound(id));
  return std::move(*found);
}

Status RecordSnapshots::Check(const security::Principal& p, const SnapshotDefinition& d) {
  if (IsBlank(d.name) || d.name.size() > kMaxName) {
    return Fail(InvalidField("name", fmt::format("Give the snapshot a name (at most {} characters).", kMaxName)));
  }
  if (d.filter.size() > kMaxFilter) return Fail(InvalidField("filter", fmt::format("At most {} characters.", kMaxFilter)));
  if (d.hour < 0 || d.hour > 23) return Fail(InvalidField("hour", "An hour of the day, 0 to 23."));
  // The filter as the job will run it: as the engine itself, over every record.
  auto checked = records_.List(security::Principal::System(p.tenant_id), {.object = d.source, .filter = d.filter, .limit = 1});
  if (!checked) {
    Error e = checked.error();
    if (e.code() == ErrorCode::kNotFound) return Fail(InvalidField("source", fmt::format("No object `{}`.", d.source)));
    if (e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kValidationFailed) {
      return Fail(InvalidField("filter", e.detail()));
    }
    return Fail(std::move(e));
  }
  return Ok();
}

Status RecordSnapshots::CreateTarget(const security::Principal& p, const SnapshotDefinition& d) {
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr schema, records_.Metadata(security::Principal::System(p.tenant_id)));
  const metadata::ObjectDef* source = schema->FindObject(d.source);
  if (!source) return Fail(InvalidField("source", fmt::format("No object `{}`.", d.source)));
  if (schema->FindObject(d.target)) {
    return Fail(InvalidField("target", fmt::format("There is already an object `{}`: name another.", d.target)));
  }
  // A history object: read under the source's permissions, as they are at each read
  // (security/policy.h), so nothing of the roles is copied to go stale.
  metadata::CreateObject create{.name = d.target,
                                .label = source->label + " snapshot",
                                .label_plural = source->label + " snapshots",
                                .history_of = d.source};
  create.fields.push_back({.name = std::string(kDateField), .label = "Snapshot date", .type = "date", .required = true,
                           .indexed = true});
  create.fields.push_back({.name = std::string(metadata::kHistoryRecordField), .label = source->label, .type = "lookup", .indexed = true,
                           .target = d.source});
  create.fields.push_back({.name = std::string(kKeyField), .label = "Snapshot key", .type = "text", .unique = true});
  if (d.fields.empty() || d.fields.size() > kMaxSnapshotFields) {
    return Fail(InvalidField("fields", fmt::format("1 to {} fields of `{}` to copy.", kMaxSnapshotFields, d.source)));
  }
  std::set<std::string, std::less<>> seen;
  for (size_t i = 0; i < d.fields.size(); ++i) {
    const std::string member = fmt::format("fields[{}]", i);
    const metadata::FieldDef* f = source->FindField(d.fields[i]);
    if (!f) return Fail(InvalidField(member, fmt::format("`{}` has no field `{}`.", d.source, d.fields[i])));
    if (f->system || f->name == "owner_id") {
      return Fail(InvalidField(member, fmt::format("`{}` is kept by every record (a copy keeps its owner).", f->name)));
    }
    if (f->name == kDateField || f->name == metadata::kHistoryRecordField || f->name == kKeyField) {
      return Fail(InvalidField(member, fmt::format("`{}` is a snapshot's own field.", f->name)));
    }
    if (!seen.insert(f->name).second) return Fail(InvalidField(member, fmt::format("`{}` is named twice.", f->name)));
    create.fields.push_back(CopyOf(*f));
  }
  auto applied = records_.ApplyMetadata(p, create);
  if (!applied) return Fail(NestedUnder(applied.error(), "target"));
  return Ok();
}

Result<SnapshotDefinition> RecordSnapshots::Create(const security::Principal& p, SnapshotDefinition d) {
  RAPPORT_TRY(CheckAdministrator(p));
  if (d.target.empty()) d.target = d.source + "_snapshots";
  RAPPORT_TRY(Check(p, d));
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(p.tenant_id));
  RAPPORT_TRY(CreateTarget(p, d));
  d.id = NewId(clock_);
  d.owner_id = p.user_id;
  d.created_at = d.updated_at = FormatDatetime(clock_.Now());
  auto next = d.active ? NextDailyRun(d.hour, clock_.Now(), calendar.time_zone) : std::nullopt;
  d.next_run_at = next ? FormatDatetime(*next) : "";
  auto written = db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id, d.id,          d.name,         d.source,     d.filter,
                                 FieldsText(d.fields),        d.target,       int64_t{d.hour}, int64_t{d.active},
                                 d.owner_id,  d.next_run_at, d.created_at,   d.updated_at};
    RAPPORT_TRY(c.Execute("INSERT INTO record_snapshots (tenant_id, id, name, source_object, filter, fields, target_object, "
                          "hour, active, owner_id, next_run_at, last_run_at, last_status, last_rows, created_at, updated_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, ?, ?)",
                          params));
    return Ok();
  });
  if (!written) {
    (void)records_.ApplyMetadata(security::Principal::System(p.tenant_id), metadata::DeleteObject{d.target});
    return Fail(written.error());
  }
  return d;
}

Result<SnapshotDefinition> RecordSnapshots::Update(const security::Principal& p, const std::string& id,
                                                   const SnapshotChanges& changes) {
  RAPPORT_ASSIGN_OR_RETURN(SnapshotDefinition d, Get(p, id));
  if (changes.name) d.name = *changes.name;
  if (changes.filter) d.filter = *changes.filter;
  if (changes.hour) d.hour = *changes.hour;
  if (changes.active) d.active = *changes.active;
  RAPPORT_TRY(Check(p, d));
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(p.tenant_id));
  // A rename keeps a run that is due and not yet taken.
  if (changes.hour || changes.active) {
    auto next = d.active ? NextDailyRun(d.hour, clock_.Now(), calendar.time_zone) : std::nullopt;
    d.next_run_at = next ? FormatDatetime(*next) : "";
  }
  d.updated_at = FormatDatetime(clock_.Now());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {d.name, d.filter, int64_t{d.hour}, int64_t{d.active}, d.next_run_at, d.updated_at,
                                 p.tenant_id, id};
    RAPPORT_TRY(c.Execute("UPDATE record_snapshots SET name = ?, filter = ?, hour = ?, active = ?, next_run_at = ?, "
                          "updated_at = ? WHERE tenant_id = ? AND id = ?",
                          params));
    return Ok();
  }));
  return d;
}

Status RecordSnapshots::Delete(const security::Principal& p, const std::string& id) {
  RAPPORT_TRY(Get(p, id));
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id, id};
    RAPPORT_TRY(c.Execute("DELETE FROM record_snapshots WHERE tenant_id = ? AND id = ?", params));
    return Ok();
  });
}

Result<SnapshotRun> RecordSnapshots::Take(const std::string& tenant_id, const SnapshotDefinition& d, Micros as_of) {
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(tenant_id));
  SnapshotRun run{.date = FormatDate(LocalDays(as_of, calendar.time_zone).value_or(as_of / kMicrosPerDay))};
  const security::Principal system = security::Principal::System(tenant_id);
  RAPPORT_TRY(FollowPicklists(system, d));
  records::ListQuery page{.object = d.source, .filter = d.filter, .sort = "id", .limit = records::kMaxPageSize};
  page.read.fields = d.fields;
  page.read.fields.push_back("owner_id");
  while (true) {
    RAPPORT_ASSIGN_OR_RETURN(records::ListResult found, records_.List(system, page));
    // One page, one all-or-nothing batch: upserts keyed by day and record, so a page
    // written twice (a run repeated) changes the copies to the record as it is now.
    records::BatchCommand batch{.object = d.target, .atomic = true};
    for (const records::Record& r : found.records) {
      records::BatchItem item{.op = records::BatchOp::kUpsert, .match_field = std::string(kKeyField)};
      item.values.emplace_back(kKeyField, InputValue::String(run.date + ":" + r.id));
      item.values.emplace_back(kDateField, InputValue::String(run.date));
      item.values.emplace_back(metadata::kHistoryRecordField, InputValue::String(r.id));
      if (const FieldValue* owner = r.Find("owner_id")) item.values.emplace_back("owner_id", InputOf(*owner));
      for (const auto& field : d.fields) {
        if (const FieldValue* v = r.Find(field)) item.values.emplace_back(field, InputOf(*v));
      }
      batch.items.push_back(std::move(item));
    }
    if (!batch.items.empty()) {
      RAPPORT_ASSIGN_OR_RETURN(auto results, records_.Batch(system, batch));
      for (const auto& result : results) {
        if (!result.outcome) return Fail(result.outcome.error());
      }
      run.rows += static_cast<int64_t>(batch.items.size());
    }
    if (!found.next_cursor) break;
    page.cursor = *found.next_cursor;
  }
  return run;
}

Status RecordSnapshots::FollowPicklists(const security::Principal& system, const SnapshotDefinition& d) {
  RAPPORT_ASSIGN_OR_RETURN(metadata::SnapshotPtr schema, records_.Metadata(system));
  const metadata::ObjectDef* source = schema->FindObject(d.source);
  const metadata::ObjectDef* target = schema->FindObject(d.target);
  if (!source || !target) {
    return Fail(ErrorCode::kFailedPrecondition, fmt::format("The object `{}` is gone.", source ? d.target : d.source));
  }
  for (const auto& name : d.fields) {
    const metadata::FieldDef* from = source->FindField(name);
    const metadata::FieldDef* to = target->FindField(name);
    if (!from || !to || from->options.empty()) continue;
    // The values the copies already hold stay; the source's new ones are added.
    std::vector<metadata::PicklistOption> options = to->options;
    for (const auto& option : from->options) {
      if (!to->HasOption(option.value)) options.push_back(option);
    }
    if (options.size() == to->options.size()) continue;
    RAPPORT_TRY(records_.ApplyMetadata(system, metadata::UpdateField{.object = d.target, .field = name, .options = options}));
  }
  return Ok();
}

Status RecordSnapshots::Record(const std::string& tenant_id, const std::string& id, const Result<SnapshotRun>& run) {
  const std::string status = run ? fmt::format("Copied {} record{} for {}.", run->rows, run->rows == 1 ? "" : "s", run->date)
                                 : fmt::format("Failed: {}", run.error().detail());
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {FormatDatetime(clock_.Now()), status, run ? run->rows : int64_t{0}, tenant_id, id};
    RAPPORT_TRY(c.Execute("UPDATE record_snapshots SET last_run_at = ?, last_status = ?, last_rows = ? "
                          "WHERE tenant_id = ? AND id = ?",
                          params));
    return Ok();
  });
}

Result<SnapshotRun> RecordSnapshots::RunNow(const security::Principal& p, const std::string& id) {
  RAPPORT_ASSIGN_OR_RETURN(SnapshotDefinition d, Get(p, id));
  Result<SnapshotRun> run = Take(p.tenant_id, d, clock_.Now());
  RAPPORT_TRY(Record(p.tenant_id, id, run));
  return run;
}

Result<int> RecordSnapshots::RunDue() {
  const Micros now = clock_.Now();
  return internal::RunDueJobs(
      db_, "record_snapshots", kColumns, now, FromRow,
      [&](const std::string& tenant_id, const SnapshotDefinition& d) -> Result<std::optional<Micros>> {
        RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(tenant_id));
        return NextDailyRun(d.hour, now, calendar.time_zone);
      },
      // The snapshot of the day it fell due when the job loop reaches it within a day
      // (after midnight, say); one a server missed for longer is today's, as the records
      // it copies are (the days it missed stay missing).
      [&](const std::string& tenant_id, const SnapshotDefinition& d) {
        const Micros due = ParseDatetime(d.next_run_at).value_or(now);
        return Record(tenant_id, d.id, Take(tenant_id, d, now - due < kMicrosPerDay ? due : now));
      },
      // Said until the run records its outcome: a run cut short (a crash) shows here.
      "last_status = 'Started and not finished: taking it again the same day completes it.'");
}

}  // namespace rapport::reports
