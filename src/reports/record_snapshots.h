// Historical snapshots: each day, a copy of chosen fields of the records a filter
// admits (the open deals' stage, amount, close date and probability) into an object
// of their own, one record per source record and day. "The pipeline as of last month"
// is then a report like any other, on that object, filtered to a snapshot date; a
// trend is the same report grouped by snapshot date.
//
// Why copies of records, not of computed results: a result is computed as someone, so
// keeping it would show their view to everyone who opens it. A copy keeps its record's
// owner, and the snapshot object is a history object (metadata::ObjectDef::history_of):
// it has no permissions of its own, its source's apply to it as they are at each read
// (roles' read and export scopes and field access, the organisation-wide default,
// sharing rules over the copied values, manual shares of the copied record), and
// nobody but the job (and administrators) writes it. So a rep's pipeline trend counts
// their own deals, a manager's their team's, and a change to the source's roles
// changes who reads its history at once.
//
// A run is idempotent: each copy is keyed by its day and source record, so a run that
// is repeated completes the day's copies and never doubles them. A run cut short (a
// crash half-way) is not taken again by itself: its status says so, and taking it
// again the same day completes it. Copies are written through the record engine in atomic batches.
//
// Who may: administrators (a snapshot creates an object).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "records/record_service.h"
#include "security/principal.h"
#include "storage/database.h"
#include "workspace/workspace_settings.h"

namespace rapport::reports {

inline constexpr size_t kMaxSnapshotFields = 40;

struct SnapshotDefinition {
  std::string id;
  std::string name;
  std::string source;               // the object copied ("opportunities")
  std::string filter;               // which of its records ("" for all)
  std::vector<std::string> fields;  // copied, each under its own name
  std::string target;               // the object of the copies (default "<source>_snapshots")
  int hour = 23;                    // each day's copy, at this hour of the workspace's time zone
  bool active = true;
  std::string owner_id;
  std::string next_run_at;  // empty while inactive
  std::string last_run_at;
  std::string last_status;  // "Copied 120 records for 2026-11-26."
  int64_t last_rows = 0;
  std::string created_at;
  std::string updated_at;
};

// What may change after creation: the copied fields and the target are the target
// object's shape, fixed when it is created.
struct SnapshotChanges {
  std::optional<std::string> name;
  std::optional<std::string> filter;
  std::optional<int> hour;
  std::optional<bool> active;
};

struct SnapshotRun {
  std::string date;  // the snapshot date, in the workspace's calendar
  int64_t rows = 0;  // records copied
};

class RecordSnapshots {
 public:
  RecordSnapshots(storage::Database& db, records::RecordService& records,
                  workspace::WorkspaceSettingsStore& settings, const Clock& clock = SystemClock::Instance());

  Result<std::vector<SnapshotDefinition>> List(const security::Principal& principal);
  Result<SnapshotDefinition> Get(const security::Principal& principal, const std::string& id);
  // Creates the target object (its fields: snapshot_date, record_id, snapshot_key and
  // the copied ones) and its permissions, then the definition. Errors name the member
  // at fault; a failure leaves neither.
  Result<SnapshotDefinition> Create(const security::Principal& principal, SnapshotDefinition definition);
  Result<SnapshotDefinition> Update(const security::Principal& principal, const std::string& id,
                                    const SnapshotChanges& changes);
  // The definition only: the snapshots taken stay, in their object.
  Status Delete(const security::Principal& principal, const std::string& id);

  // Takes today's snapshot now (again, if it was taken: the day's copies are brought
  // up to date, never doubled).
  Result<SnapshotRun> RunNow(const security::Principal& principal, const std::string& id);
  // Takes every due snapshot of every workspace, each once even with several servers
  // running this (claimed by moving its next run first). Returns how many ran.
  Result<int> RunDue();

 private:
  Status Check(const security::Principal& principal, const SnapshotDefinition& definition);
  Status CreateTarget(const security::Principal& principal, const SnapshotDefinition& definition);
  // A picklist value added to the source since the target was made is added to the
  // target before copying, so that a record holding it is not refused.
  Status FollowPicklists(const security::Principal& system, const SnapshotDefinition& definition);
  // The copies of the day `as_of` falls on, in the workspace's calendar.
  Result<SnapshotRun> Take(const std::string& tenant_id, const SnapshotDefinition& definition, Micros as_of);
  Status Record(const std::string& tenant_id, const std::string& id, const Result<SnapshotRun>& run);

  storage::Database& db_;
  records::RecordService& records_;
  workspace::WorkspaceSettingsStore& settings_;
  const Clock& clock_;
};

}  // namespace rapport::reports
