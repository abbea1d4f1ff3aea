// The pool of reader connections, shared by the backends: lends an idle reader to each
// Read() (waiting while every reader is busy) and keeps the pool's statistics: its
// size, readers in use, time spent waiting for one, and how long reads hold one.
// Private to storage/.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/histogram.h"
#include "storage/database.h"

namespace rapport::storage::internal {

// The statistics half, independent of the connection type.
class ReaderPoolStats {
 public:
  int size() const { return size_; }
  int in_use() const { return in_use_.load(std::memory_order_relaxed); }
  int64_t reads() const { return static_cast<int64_t>(read_.Snapshot().count()); }
  HistogramSnapshot wait() const { return wait_.Snapshot(); }
  HistogramSnapshot read() const { return read_.Snapshot(); }

 protected:
  explicit ReaderPoolStats(int size) : size_(size) {}

  const int size_;
  std::atomic<int> in_use_{0};
  LatencyHistogram wait_;  // from asking for a reader to getting one
  LatencyHistogram read_;  // from getting a reader to giving it back (BEGIN..COMMIT)
};

// `C` is the backend's connection type. The pool lends the backend's connections; it
// does not own them (they must outlive it).
template <typename C>
class ReaderPool : public ReaderPoolStats {
 public:
  explicit ReaderPool(const std::vector<std::unique_ptr<C>>& readers)
      : ReaderPoolStats(static_cast<int>(readers.size())) {
    for (const auto& reader : readers) idle_.push_back(reader.get());
  }

  // Runs `read` (the backend's BEGIN, the caller's work, COMMIT) on an idle reader.
  Status Read(const std::function<Status(C&)>& read) {
    using Clock = std::chrono::steady_clock;
    Clock::time_point asked = Clock::now();
    C* connection;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !idle_.empty(); });
      connection = idle_.back();
      idle_.pop_back();
    }
    in_use_.fetch_add(1, std::memory_order_relaxed);
    Clock::time_point got = Clock::now();
    wait_.Observe(std::chrono::duration<double>(got - asked).count());
    Status status = read(*connection);
    read_.ObserveSince(got);
    in_use_.fetch_sub(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mu_);
      idle_.push_back(connection);
    }
    cv_.notify_one();
    return status;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<C*> idle_;
};

// `work` inside one read transaction on a backend connection: `begin` (the backend's
// own BEGIN), then COMMIT, or ROLLBACK if `work` failed. A failed COMMIT is the result.
template <typename C>
Status ReadTransaction(C& connection, std::string_view begin, const std::function<Status(Connection&)>& work) {
  Status status = connection.Begin(begin);
  if (status) {
    status = work(connection);
    Status end = connection.Control(status ? "COMMIT" : "ROLLBACK");
    if (status && !end) status = end;
  }
  return status;
}

}  // namespace rapport::storage::internal
