#include "storage/internal/group_commit.h"

#include <chrono>
#include <random>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "storage/internal/forwarding_connection.h"
#include "storage/table_versions.h"

namespace rapport::storage::internal {

namespace {

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// The writer as one Write() callback sees it: notes the tables its statements change,
// whose they are (WritesFor) and which rows it appended (Appends), for the versions
// its transaction raises before it commits (storage/table_versions.h).
class TrackingConnection final : public ForwardingConnection {
 public:
  TrackingConnection(Connection& inner, GroupCommit::TableWrites& written)
      : ForwardingConnection(inner), written_(written) {}
  // Files the tables noted under the callback's tenant ("": every tenant). A table
  // appended to only if every statement that changed it was a plain insert of a row
  // it was told of.
  ~TrackingConnection() override {
    for (auto& [table, seen] : tables_) {
      GroupCommit::TableWrite write;
      write.rewrote = seen.other_writes > 0 || seen.inserts != seen.appended || tenant_id_.empty();
      write.low = std::move(seen.low);
      write.high = std::move(seen.high);
      written_[{tenant_id_, table}].Add(write);
    }
  }
  void WritesFor(std::string_view tenant_id) override { tenant_id_ = tenant_id; }
  void Appends(std::string_view table, std::string_view id) override {
    auto it = tables_.find(table);  // a row at a time: no key built to look it up
    if (it == tables_.end()) it = tables_.emplace(std::string(table), Seen{}).first;
    Seen& seen = it->second;
    ++seen.appended;
    if (seen.low.empty() || id < seen.low) seen.low = id;
    if (id > seen.high) seen.high = id;
  }

 protected:
  void Saw(std::string_view sql) override {
    if (IsSingleSelect(sql)) return;
    // The engine runs the same few texts over and over (an import, a row at a time).
    struct Statement {
      std::vector<std::string> tables;
      bool plain_insert = false;
    };
    thread_local std::unordered_map<std::string, Statement, TextHash, std::equal_to<>> known;
    auto it = known.find(sql);
    if (it == known.end()) {
      if (known.size() > 4096) known.clear();
      it = known.emplace(std::string(sql), Statement{TablesWrittenBy(sql), IsPlainInsert(sql)}).first;
    }
    for (const std::string& table : it->second.tables) {
      Seen& seen = tables_[table];
      if (it->second.plain_insert) ++seen.inserts;
      else ++seen.other_writes;
    }
  }

 private:
  struct Seen {
    int64_t inserts = 0, other_writes = 0, appended = 0;
    std::string low, high;  // of the ids appended
  };
  GroupCommit::TableWrites& written_;
  std::map<std::string, Seen, std::less<>> tables_;
  std::string tenant_id_;
};

}  // namespace

Status GroupCommit::Write(const std::function<Status(Connection&)>& work) {
  auto start = std::chrono::steady_clock::now();
  PendingWrite pending{&work};
  std::unique_lock lock(mu_);
  queue_.push_back(&pending);
  while (!pending.done) {
    if (leader_active_) {
      cv_.wait(lock);
      continue;
    }
    leader_active_ = true;
    std::vector<PendingWrite*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    for (auto* p : batch) p->done = true;
    leader_active_ = false;
    cv_.notify_all();
  }
  lock.unlock();
  write_latency_.ObserveSince(start);
  return std::move(pending.result);
}

void GroupCommit::RunBatch(const std::vector<PendingWrite*>& batch) {
  transactions_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
  std::vector<PendingWrite*> todo = batch;
  for (int attempt = 1;; ++attempt) {
    std::vector<PendingWrite*> conflicted = RunTransaction(todo);
    // A write that still conflicts after the last attempt keeps its error (503).
    if (conflicted.empty() || attempt == kMaxAttempts) return;
    retries_.fetch_add(static_cast<int64_t>(conflicted.size()), std::memory_order_relaxed);
    // The other writer needs a moment to finish what it holds; back off a little
    // more each time, with jitter so two retrying processes fall out of step.
    thread_local std::minstd_rand jitter{std::random_device{}()};
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt * 5 + jitter() % 10));
    todo = std::move(conflicted);
  }
}

std::vector<GroupCommit::PendingWrite*> GroupCommit::RunTransaction(const std::vector<PendingWrite*>& batch) {
  std::vector<PendingWrite*> conflicted;
  Status begin = begin_();
  if (!begin) {
    for (auto* p : batch) p->result = begin;
    return conflicted;
  }
  bool any_ok = false;
  TableWrites written;
  if (batch.size() == 1) {
    {
      TrackingConnection writer(writer_, written);
      batch[0]->result = (*batch[0]->work)(writer);
    }
    any_ok = batch[0]->result.has_value();
    if (!any_ok && Conflicted()) conflicted.push_back(batch[0]);
  } else {
    for (auto* p : batch) {
      Status savepoint = control_("SAVEPOINT rapport_write");
      if (!savepoint) {
        p->result = savepoint;
        continue;
      }
      {
        TrackingConnection writer(writer_, written);
        p->result = (*p->work)(writer);
      }
      if (p->result) {
        // RELEASE fails if `work` swallowed a statement error (PostgreSQL then aborts
        // the transaction); rolling back to the savepoint keeps the others' work.
        Status release = control_("RELEASE rapport_write");
        if (release) {
          any_ok = true;
          continue;
        }
        p->result = release;
      }
      // Retried in a later transaction, once this one has released its locks: run
      // again here, it would likely meet the same lock.
      if (Conflicted()) conflicted.push_back(p);
      (void)control_("ROLLBACK TO rapport_write");
      (void)control_("RELEASE rapport_write");
    }
  }
  auto commit_start = std::chrono::steady_clock::now();
  // Last, so that the rows of the versions table are held only for the commit, and in
  // the order of their names, so that two processes never wait for each other's.
  std::erase_if(written, [](const auto& entry) { return entry.first.second == kTableVersions; });
  Status end = any_ok ? RaiseVersions(written) : Ok();
  if (end) end = control_(any_ok ? "COMMIT" : "ROLLBACK");
  if (any_ok) commit_latency_.ObserveSince(commit_start);
  commits_.fetch_add(1, std::memory_order_relaxed);
  if (!end) {
    bool retry_all = Conflicted();
    (void)control_("ROLLBACK");
    for (auto* p : batch) {
      if (p->result) {
        p->result = end;
        if (retry_all) conflicted.push_back(p);
      }
    }
  }
  return conflicted;
}

void GroupCommit::TableWrite::Add(const TableWrite& other) {
  rewrote = rewrote || other.rewrote;
  if (!other.low.empty() && (low.empty() || other.low < low)) low = other.low;
  if (other.high > high) high = other.high;
}

Status GroupCommit::RaiseVersions(const TableWrites& tables) {
  if (tables.empty()) return Ok();
  // Per table: its version; a rewrite unless the transaction only appended rows above
  // the highest id before (a table's first write counts one: what it held before is
  // unknown); the highest id appended yet; the lowest of this write's appends.
  std::string sql = fmt::format("INSERT INTO {} (tenant_id, table_name, version, rewrites, high_id, low_id) VALUES ",
                                kTableVersions);
  std::vector<Value> params;
  auto id_or_null = [](const std::string& id) { return id.empty() ? Value(Null{}) : Value(id); };
  for (const auto& [at, write] : tables) {
    sql += params.empty() ? "(?, ?, 1, 1, ?, ?)" : ", (?, ?, 1, 1, ?, ?)";
    params.emplace_back(at.first);
    params.emplace_back(at.second);
    params.push_back(id_or_null(write.high));
    params.push_back(write.rewrote ? Value(Null{}) : id_or_null(write.low));
  }
  sql += fmt::format(
      " ON CONFLICT (tenant_id, table_name) DO UPDATE SET version = {0}.version + 1, "
      "rewrites = CASE WHEN excluded.low_id > {0}.high_id THEN {0}.rewrites ELSE {0}.rewrites + 1 END, "
      "high_id = CASE WHEN {0}.high_id IS NULL OR excluded.high_id > {0}.high_id THEN COALESCE(excluded.high_id, "
      "{0}.high_id) ELSE {0}.high_id END, low_id = excluded.low_id",
      kTableVersions);
  auto raised = writer_.Execute(sql, params);
  if (!raised) return Fail(raised.error());
  return Ok();
}

}  // namespace rapport::storage::internal
