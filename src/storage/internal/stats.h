// Database::stats() for every backend, from the shared reader pool and group commit.
// Private to storage/.
#pragma once

#include "storage/database.h"
#include "storage/internal/group_commit.h"
#include "storage/internal/reader_pool.h"

namespace rapport::storage::internal {

inline DatabaseStats CollectStats(const ReaderPoolStats& readers, const GroupCommit& writes) {
  return {.transactions = writes.transactions(),
          .commits = writes.commits(),
          .write_retries = writes.retries(),
          .reads = readers.reads(),
          .reader_pool_size = readers.size(),
          .readers_in_use = readers.in_use(),
          .reader_wait = readers.wait(),
          .read_latency = readers.read(),
          .write_latency = writes.write_latency(),
          .commit_latency = writes.commit_latency()};
}

}  // namespace rapport::storage::internal
