// Results of aggregate queries, kept until a table they were computed from changes.
// Exact, not a time-to-live: each result is kept with the versions its tables had
// (storage/table_versions.h), which every committed write raises in its own
// transaction, whichever process makes it; a result is given again only while each of
// those tables is still at that version. The caller reads the versions before and
// after computing a result and keeps it only if they did not move in between, so what
// is kept is what those versions' rows give.
//
// A result whose figures add up from its groups' (counts, sums, minimums, maximums)
// may be kept with those groups as computed, and the highest id its object's table
// had then. While that table only grows by appends above that id (each other table
// unchanged), FindGrowable gives the groups and the id: the rows above it, grouped and
// added in, bring the result up to date without reading the rest again.
//
// Bounded by an estimate of the bytes held, the least recently used going first.
// Thread-safe. Private to records/.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "records/record_service.h"
#include "storage/table_versions.h"

namespace rapport::records::internal {

class ResultCache {
 public:
  explicit ResultCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  using Groups = std::vector<std::vector<storage::Value>>;  // keys, then cells

  // The result kept under `key`, if each table it was computed from is still at the
  // version it had then.
  std::optional<AggregateResult> Find(const std::string& key, const storage::TableVersions& now);

  // What a result's groups were computed from: `table`'s rows up to `max_id`, its
  // highest id then (read between the two versions Keep is given).
  struct Growth {
    std::string table;
    std::string max_id;
    Groups groups;
  };
  // The groups kept under `key` with the id above which `table`'s rows are new, if
  // every other table is at its version and that one only had rows appended since.
  struct Growable {
    std::shared_ptr<const Groups> groups;
    std::string after_id;
  };
  std::optional<Growable> FindGrowable(const std::string& key, const storage::TableVersions& now);

  // Keeps `result`, computed from `tables` between reading their versions `before`
  // and `after`; unless one of them moved in between. A result of more than an eighth
  // of the bound is not kept. With `growth`, its groups too, when its max_id is the
  // highest id the table's appends gave (otherwise rows above it may not be new).
  void Keep(const std::string& key, const std::vector<std::string>& tables, const storage::TableVersions& before,
            const storage::TableVersions& after, const AggregateResult& result, std::optional<Growth> growth = {});

  // A new bound (0: keep nothing); what no longer fits goes.
  void Limit(size_t max_bytes);
  size_t limit() const;
  size_t bytes() const;
  size_t hits() const;

 private:
  struct Entry {
    std::string key;
    std::vector<std::pair<std::string, int64_t>> tables;  // and their versions
    std::shared_ptr<const AggregateResult> result;
    size_t bytes = 0;
    // With groups that can grow: their table, its state when computed, the groups.
    std::string growth_table;
    storage::TableVersion growth_state;
    std::shared_ptr<const Groups> groups;
  };

  void Evict();  // under mu_, until the bound holds

  size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
  size_t bytes_ = 0;
  size_t hits_ = 0;
};

}  // namespace rapport::records::internal
