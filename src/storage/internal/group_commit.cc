#include "storage/internal/group_commit.h"

#include <chrono>
#include <random>
#include <set>
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
// and whose they are (WritesFor), for the versions its transaction raises before it
// commits (storage/table_versions.h).
class TrackingConnection final : public ForwardingConnection {
 public:
  TrackingConnection(Connection& inner, std::set<std::pair<std::string, std::string>>& written)
      : ForwardingConnection(inner), written_(written) {}
  // Files the tables noted under the callback's tenant ("": every tenant).
  ~TrackingConnection() override {
    for (const std::string& table : tables_) written_.emplace(tenant_id_, table);
  }
  void WritesFor(std::string_view tenant_id) override { tenant_id_ = tenant_id; }

 protected:
  void Saw(std::string_view sql) override {
    if (IsSingleSelect(sql)) return;
    // The engine runs the same few texts over and over (an import, a row at a time).
    thread_local std::unordered_map<std::string, std::vector<std::string>, TextHash, std::equal_to<>> known;
    auto it = known.find(sql);
    if (it == known.end()) {
      if (known.size() > 4096) known.clear();
      it = known.emplace(std::string(sql), TablesWrittenBy(sql)).first;
    }
    tables_.insert(it->second.begin(), it->second.end());
  }

 private:
  std::set<std::pair<std::string, std::string>>& written_;
  std::set<std::string> tables_;
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
  std::set<std::pair<std::string, std::string>> written;  // (tenant, table)
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
  std::erase_if(written, [](const auto& entry) { return entry.second == kTableVersions; });
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

Status GroupCommit::RaiseVersions(const std::set<std::pair<std::string, std::string>>& tables) {
  if (tables.empty()) return Ok();
  std::string sql = fmt::format("INSERT INTO {} (tenant_id, table_name, version) VALUES ", kTableVersions);
  std::vector<Value> names;
  for (const auto& [tenant_id, table] : tables) {
    sql += names.empty() ? "(?, ?, 1)" : ", (?, ?, 1)";
    names.emplace_back(tenant_id);
    names.emplace_back(table);
  }
  sql += fmt::format(" ON CONFLICT (tenant_id, table_name) DO UPDATE SET version = {}.version + 1", kTableVersions);
  auto raised = writer_.Execute(sql, names);
  if (!raised) return Fail(raised.error());
  return Ok();
}

}  // namespace rapport::storage::internal
