// Group commit, shared by the backends: concurrent Write() callers are batched into
// one transaction on the single writer connection. The first caller to find no batch
// running becomes the leader, runs every queued write inside its own SAVEPOINT and
// commits once; followers wait for their own result. One caller's failure rolls back
// only its savepoint. A write that lost a race with another process (a deadlock, say)
// is rolled back and run again, up to kMaxAttempts times, after the batch that held
// its locks has committed. Each transaction raises, just before its COMMIT, the
// version of every table its statements changed (storage/table_versions.h). Private
// to storage/.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/histogram.h"
#include "storage/database.h"

namespace rapport::storage::internal {

class GroupCommit {
 public:
  // `begin` opens a write transaction on `writer` (the backend's own statement);
  // `control` runs a transaction-control statement (SAVEPOINT, COMMIT...) on it;
  // `conflicted`, if given, says whether the writer's last failure was a conflict with
  // another writer that running the work again can resolve.
  GroupCommit(Connection& writer, std::function<Status()> begin,
              std::function<Status(std::string_view)> control, std::function<bool()> conflicted = nullptr)
      : writer_(writer), begin_(std::move(begin)), control_(std::move(control)),
        conflicted_(std::move(conflicted)) {}

  // Runs `work` in a transaction shared with concurrent callers; returns after the
  // commit, with `work`'s own result (or the commit's failure).
  Status Write(const std::function<Status(Connection&)>& work);

  int64_t transactions() const { return transactions_.load(); }
  int64_t commits() const { return commits_.load(); }
  // Writes run again after a conflict with another writer.
  int64_t retries() const { return retries_.load(); }
  // Write() calls, from the call to its return: queueing behind the running batch, the
  // caller's work, and the shared commit. What a request waits for.
  HistogramSnapshot write_latency() const { return write_latency_.Snapshot(); }
  // The COMMIT statement of each batch (on SQLite, mostly the WAL write).
  HistogramSnapshot commit_latency() const { return commit_latency_.Snapshot(); }

 private:
  static constexpr size_t kMaxBatch = 256;
  static constexpr int kMaxAttempts = 4;

  struct PendingWrite {
    const std::function<Status(Connection&)>* work;
    Status result = Ok();
    bool done = false;
  };

  void RunBatch(const std::vector<PendingWrite*>& batch);
  // One transaction over `batch`; returns the writes that lost a conflict.
  std::vector<PendingWrite*> RunTransaction(const std::vector<PendingWrite*>& batch);
  bool Conflicted() const { return conflicted_ && conflicted_(); }

 public:
  // What a transaction did to one tenant's table: appended rows with ids from low to
  // high (both empty: none told), or more (storage/table_versions.h).
  struct TableWrite {
    bool rewrote = false;
    std::string low, high;
    // Folds in another's write of the same table in the same transaction.
    void Add(const TableWrite& other);
  };
  using TableWrites = std::map<std::pair<std::string, std::string>, TableWrite>;  // by (tenant, table)

 private:
  // Raises the version of each (tenant, table) written, and with it its appends.
  Status RaiseVersions(const TableWrites& tables);

  Connection& writer_;
  std::function<Status()> begin_;
  std::function<Status(std::string_view)> control_;
  std::function<bool()> conflicted_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingWrite*> queue_;
  bool leader_active_ = false;
  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> retries_{0};
  LatencyHistogram write_latency_;
  LatencyHistogram commit_latency_;
};

}  // namespace rapport::storage::internal
