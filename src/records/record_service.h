// RecordService is THE path to record rows. REST, the web app, import, export, search,
// reports, automation and the CLI all call it; none has its own path to the tables.
//
// Every call takes a Principal. The service resolves the object in the tenant's
// current metadata snapshot, asks the security Policy, validates and normalises
// input (collecting every field error), writes in one transaction together with
// field-level history and a change event, and scopes every query by tenant_id.
//
// Records the caller may not see are kNotFound, never kPermissionDenied: Rapport
// does not reveal that a record exists (a deliberate departure from Abseil's
// guidance, see docs/architecture.md).
//
// Thread-safe: one instance serves all requests.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/calendar.h"
#include "core/error.h"
#include "core/time.h"
#include "metadata/metadata_store.h"
#include "records/module_registry.h"
#include "records/record.h"
#include "records/value.h"
#include "security/access.h"
#include "security/access_store.h"
#include "security/field_cipher.h"
#include "security/policy.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::records {

struct CreateCommand {
  std::string object;
  InputObject values;
  // A retry with the same key (and same values) within 24 h returns the record the
  // first call created instead of creating another. Same key, other values:
  // kFailedPrecondition.
  std::string idempotency_key;
};

struct UpdateCommand {
  std::string object;
  std::string id;
  InputObject changes;
  std::optional<int64_t> expected_version;  // kVersionMismatch if the record moved on
};

struct ReadOptions {
  // Empty: all. List also takes a related record's field through a lookup
  // ("company.industry"), returned as a field of that name.
  std::vector<std::string> fields;
  std::vector<std::string> include;  // relation names ("company")
};

struct ListQuery {
  std::string object;
  std::string filter;  // expression language
  std::string sort;    // "-amount,name"
  int limit = 50;      // 1..500
  std::string cursor;
  ReadOptions read;
  bool count = false;
  // The caller is exporting the records (needs the role's export permission as well as
  // read; the rows and fields are the same).
  bool for_export = false;
};

struct ListResult {
  std::vector<Record> records;
  std::optional<std::string> next_cursor;
  std::optional<int64_t> total;
};

// Grouping and aggregating the records a principal may read: the core of reports and
// of totals such as a board column's. One SQL statement; the same row access, field
// masks and filter language as a list.
enum class AggregateFn { kCount, kCountDistinct, kSum, kAvg, kMedian, kMin, kMax };

struct Measure {
  AggregateFn fn = AggregateFn::kCount;
  std::string field;  // empty for kCount: the number of records
  // A duration: with a date or datetime `field`, what is measured is each record's
  // days from `since` (another date or datetime field) to `field`, a decimal counted in
  // whole seconds, so `avg` of `close_date` since `created_at` is the sales cycle.
  // Sum, avg, median, min and max take durations.
  std::string since;
  bool operator==(const Measure&) const = default;
};

// The names of the API and of report definitions: "count", "sum", "count_distinct"...
std::string_view AggregateFnName(AggregateFn fn);
// A measure as written there: "count", or a function and a field, "sum:amount" or
// "sum(amount)", or a duration "avg(close_date - created_at)". Nothing for an unknown
// function or a malformed duration (whether the fields exist is Aggregate's to say).
std::optional<Measure> ParseMeasure(std::string_view spec);
// Back to that spelling: "count", "sum(amount)", "avg(close_date - created_at)".
std::string MeasureName(const Measure& measure);

// What records are grouped by: a field's values, or for a date or datetime field the
// day, ISO week, month, quarter or year it falls on (core/calendar.h).
struct Grouping {
  std::string field;
  std::optional<DatePart> bucket;
  bool operator==(const Grouping&) const = default;
};
// As written in the API and report definitions: "stage", "close_date:month".
// Nothing for an unknown bucket.
std::optional<Grouping> ParseGrouping(std::string_view spec);
std::string GroupingName(const Grouping& grouping);

struct AggregateQuery {
  std::string object;
  std::string filter;                // expression language
  std::vector<Grouping> group_by;  // at most kMaxGroupings; none: one total row
  std::vector<Measure> measures;   // at least one
  int limit = 1000;                // groups, 1..kMaxGroups
  // Groups come in key order, or by one measure (an index into `measures`): the top N
  // groups by a sum are `order_by = 1, descending = true, limit = N`. Ties and NULLs
  // (last) then go by key.
  std::optional<size_t> order_by;
  bool descending = false;
  // The figures leave the CRM as a file (a report's CSV): needs the role's export
  // permission as well as read, as a list's export does.
  bool for_export = false;
  // The calendar of date buckets: a datetime falls on its day in this IANA time zone;
  // quarters and years follow a fiscal year starting in this month (1..12).
  std::string time_zone = "UTC";
  int fiscal_year_start = 1;
  // Totals over some of the groupings as well (indexes into group_by; none: the grand
  // total), each in key order, whatever `order_by` and `limit` do to the groups. When
  // every measure adds up (counts, sums, averages, minimums, maximums) and the groups
  // fit in kMaxGroups they come from the same statement's groups, so a summary with
  // its subtotals is one scan; otherwise each is one more statement.
  std::vector<std::vector<size_t>> rollups;
  // Money converted into the workspace's currency (workspace/exchange_rates.h) rather
  // than kept apart per currency: each amount at the rate of the day its record's
  // `rate_date` (a date or datetime field) falls on, or at today's rate when that is
  // empty or the record's day is blank. Exact: every currency's part of a group is
  // multiplied by its rate in 128 bits and the group rounded once. Amounts in a
  // currency without any rate stay apart, in their own currency. Sums, averages,
  // minimums and maximums convert; a median or a distinct count beside converted money
  // is refused. Without money measured, `convert` changes nothing.
  struct Conversion {
    std::string rate_date;
    bool operator==(const Conversion&) const = default;
  };
  std::optional<Conversion> convert;
};

// One group: its key values (in group_by order) and its measures (in measures order).
// Sums, averages, minimums and maximums of a currency field are kept apart per currency
// (never added across currencies): `currency` then names the group's currency, and the
// same keys may appear once per currency.
struct AggregateRow {
  std::vector<FieldValue> keys;  // a bucket's key is its label, "2026-Q1"
  std::string currency;
  std::vector<FieldValue> values;
};

struct AggregateResult {
  std::vector<AggregateRow> rows;  // ordered by the keys (or by `order_by`)
  bool truncated = false;          // more groups than `limit`
  // Per query.rollups: its groups, keys as in group_by order of the kept groupings.
  std::vector<std::vector<AggregateRow>> rollups;
  std::vector<bool> rollups_truncated;  // per rollup: more than kMaxGroups groups
};

inline constexpr size_t kMaxGroupings = 3;
inline constexpr int kMaxGroups = 10000;

enum class BatchOp { kCreate, kUpdate, kUpsert };

struct BatchItem {
  BatchOp op = BatchOp::kCreate;
  InputObject values;
  std::string id;                           // update
  std::optional<int64_t> expected_version;  // update
  std::string match_field;                  // upsert: a unique field identifying the record
};

struct BatchCommand {
  std::string object;
  std::vector<BatchItem> items;  // at most kMaxBatchItems
  bool atomic = false;           // all-or-nothing
};

struct BatchItemResult {
  bool created = false;  // else updated (when ok)
  Result<Record> outcome;
};

// Why a user may (or may not) read, edit and delete one record: the answer of
// GET /access/explain.
struct AccessExplanation {
  std::string user_id;
  bool is_admin = false;
  security::ObjectPermissions permissions;  // merged over the user's roles
  bool exists = false;                      // the record exists (and is not deleted)
  // The grants that reach the record; empty: the operation is not allowed.
  std::vector<std::string> read, edit, del;
  std::vector<std::string> hidden_fields, read_only_fields;
};

inline constexpr size_t kMaxBatchItems = 1000;
inline constexpr int kMaxPageSize = 500;

class RecordService {
 public:
  // `modules` supplies the per-object validators; it must outlive the service.
  RecordService(metadata::MetadataStore& metadata, storage::Database& db,
                const security::Policy& policy, security::AccessStore& access, security::KeyStore& keys,
                const ModuleRegistry& modules, const Clock& clock = SystemClock::Instance());

  // kNotFound (unknown object), kValidationFailed, kAlreadyExists (unique value taken,
  // with the field), kFailedPrecondition (idempotency key reused with other values).
  Result<Record> Create(const security::Principal& principal, const CreateCommand& command);
  Result<Record> Get(const security::Principal& principal, std::string_view object,
                     std::string_view id, const ReadOptions& options = {});
  // kVersionMismatch when expected_version is stale; nothing is written then.
  Result<Record> Update(const security::Principal& principal, const UpdateCommand& command);
  // Soft delete (recycle bin). kNotFound if absent or already deleted.
  Status Delete(const security::Principal& principal, std::string_view object, std::string_view id);
  // Undoes a soft delete. kNotFound if not in the recycle bin; kAlreadyExists if a
  // live record has since taken one of its unique values.
  Result<Record> Restore(const security::Principal& principal, std::string_view object,
                         std::string_view id);
  // Removes a record for good, clearing lookups that point at it (with history).
  Status Purge(const security::Principal& principal, std::string_view object, std::string_view id);
  // kInvalidArgument for a bad filter, sort, cursor, limit or field, naming which
  // ("filter", "sort", "cursor", "limit", "fields").
  Result<ListResult> List(const security::Principal& principal, const ListQuery& query);
  // List's checks of a query without running it (no row is read): what saving a view
  // needs to know, at any size of table.
  Status CheckList(const security::Principal& principal, const ListQuery& query);
  // kInvalidArgument for a bad filter, grouping or measure (a field that is unknown,
  // hidden from the principal, encrypted, or of a type the function does not take).
  Result<AggregateResult> Aggregate(const security::Principal& principal, const AggregateQuery& query);
  // Aggregate's checks of a query without running it (no row is read): what saving a
  // report or drilling into one needs to know, at any size of table.
  Status CheckAggregate(const security::Principal& principal, const AggregateQuery& query);
  // Several aggregates at once (a dashboard's), each result as Aggregate's, in the
  // order asked. Those over the same rows (one object under the same filter) share one
  // scan where the engine groups rows itself (SQLite); the others run side by side.
  std::vector<Result<AggregateResult>> AggregateMany(const security::Principal& principal,
                                                     std::span<const AggregateQuery> queries);
  // Aggregate results are kept, up to about this many bytes (0: none), and given again
  // while no table they were computed from has changed since (exact: every committed
  // write raises its tables' versions, storage/table_versions.h). 64 MiB by default.
  // Converted money is always computed afresh: it follows today's rates.
  void KeepResults(size_t max_bytes);
  // Per-item results in request order. With atomic=true, the first failure fails the
  // whole call (kValidationFailed naming the item) and nothing is written.
  Result<std::vector<BatchItemResult>> Batch(const security::Principal& principal,
                                             const BatchCommand& command);
  Result<std::vector<HistoryEntry>> History(const security::Principal& principal,
                                            std::string_view object, std::string_view id,
                                            int limit = 200);

  // Manual sharing of one record with a user or team (target kind kUser or kTeam).
  // The record's owner, the owner's managers, administrators and user managers may
  // share; anyone else gets kNotFound. Sharing again changes the level.
  Result<std::vector<security::RecordShare>> Shares(const security::Principal& principal, std::string_view object,
                                                    std::string_view id);
  Status Share(const security::Principal& principal, std::string_view object, std::string_view id,
               const security::ShareTarget& target, security::ShareLevel level);
  Status Unshare(const security::Principal& principal, std::string_view object, std::string_view id,
                 const security::ShareTarget& target);

  // Whether and why `user_id` may read, edit and delete the record (administrators
  // and user managers; anyone about themselves).
  Result<AccessExplanation> Explain(const security::Principal& principal, const std::string& user_id,
                                    std::string_view object, std::string_view id);

  // The tenant's audit log, newest first (administrators only: kPermissionDenied).
  Result<std::vector<audit::Entry>> Audit(const security::Principal& principal, const audit::ListQuery& query);

  // The objects and fields the principal may see.
  Result<metadata::SnapshotPtr> Metadata(const security::Principal& principal);
  // What the principal may do with an object's records, merged over their roles and
  // narrowed by their token. kNotFound for an object they cannot see.
  Result<security::ObjectPermissions> Permissions(const security::Principal& principal, std::string_view object);
  // Whether the principal may read some of an object's records: what a saved view or
  // report of that object needs to be seen at all. An unknown object: false.
  Result<bool> MayReadSome(const security::Principal& principal, std::string_view object);
  // The objects the principal may see, each with its permissions (in the snapshot's
  // order): the whole data model at one look at their roles.
  struct PermittedObjects {
    metadata::SnapshotPtr snapshot;
    std::vector<security::ObjectPermissions> permissions;
  };
  Result<PermittedObjects> MetadataWithPermissions(const security::Principal& principal);
  // Changes the schema (admins only: kPermissionDenied otherwise), see MetadataStore::Apply.
  Result<metadata::SnapshotPtr> ApplyMetadata(const security::Principal& principal,
                                              const metadata::MetadataEdit& edit);

  metadata::MetadataStore& metadata() { return metadata_; }

 private:
  Status ChangeShare(const security::Principal& principal, std::string_view object, std::string_view id,
                     const security::ShareTarget& target, std::optional<security::ShareLevel> level);
  class Impl;
  metadata::MetadataStore& metadata_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace rapport::records
