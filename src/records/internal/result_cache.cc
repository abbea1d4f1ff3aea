#include "records/internal/result_cache.h"

#include <algorithm>

namespace rapport::records::internal {

namespace {

// An estimate of what a result holds: what matters is that large ones count as large.
size_t BytesOf(const std::vector<AggregateRow>& rows) {
  size_t bytes = rows.size() * sizeof(AggregateRow);
  for (const AggregateRow& row : rows) {
    bytes += (row.keys.size() + row.values.size()) * sizeof(FieldValue) + row.currency.size();
    for (const auto* values : {&row.keys, &row.values}) {
      for (const FieldValue& v : *values) {
        if (const auto* text = std::get_if<std::string>(&v)) bytes += text->size();
        if (const auto* list = std::get_if<std::vector<std::string>>(&v)) {
          for (const auto& item : *list) bytes += sizeof(std::string) + item.size();
        }
      }
    }
  }
  return bytes;
}

size_t BytesOf(const ResultCache::Groups& groups) {
  size_t bytes = groups.size() * sizeof(groups[0]);
  for (const auto& row : groups) {
    bytes += row.size() * sizeof(storage::Value);
    for (const storage::Value& v : row) {
      if (const auto* text = std::get_if<std::string>(&v)) bytes += text->size();
    }
  }
  return bytes;
}

}  // namespace

std::optional<ResultCache::Growable> ResultCache::FindGrowable(const std::string& key, const storage::TableVersions& now) {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end() || !it->second->groups) return std::nullopt;
  const Entry& entry = *it->second;
  for (const auto& [table, version] : entry.tables) {
    if (table == entry.growth_table) {
      if (!storage::OnlyAppendedSince(entry.growth_state, storage::StateOf(now, table))) return std::nullopt;
    } else if (storage::VersionOf(now, table) != version) {
      return std::nullopt;
    }
  }
  entries_.splice(entries_.begin(), entries_, it->second);
  return Growable{entry.groups, entry.growth_state.high_id};
}

std::optional<AggregateResult> ResultCache::Find(const std::string& key, const storage::TableVersions& now) {
  std::shared_ptr<const AggregateResult> found;
  {
    std::lock_guard lock(mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return std::nullopt;
    const Entry& entry = *it->second;
    for (const auto& [table, version] : entry.tables) {
      if (storage::VersionOf(now, table) != version) return std::nullopt;
    }
    entries_.splice(entries_.begin(), entries_, it->second);
    found = entry.result;
    ++hits_;
  }
  return *found;  // copied outside the lock
}

void ResultCache::Keep(const std::string& key, const std::vector<std::string>& tables,
                       const storage::TableVersions& before, const storage::TableVersions& after,
                       const AggregateResult& result, std::optional<Growth> growth) {
  using storage::VersionOf;
  Entry entry{.key = key, .tables = {}, .result = nullptr, .bytes = 0};
  for (const std::string& table : tables) {
    // Written while the result was computed: it may show the rows before or after.
    if (VersionOf(before, table) != VersionOf(after, table)) return;
    entry.tables.emplace_back(table, VersionOf(after, table));
  }
  entry.bytes = sizeof(Entry) + 2 * key.size() + BytesOf(result.rows);
  for (const auto& rollup : result.rollups) entry.bytes += BytesOf(rollup);
  // The groups can grow only from the table's highest id: a row above it that the
  // table's appends did not give (written by another path) would be counted twice.
  if (growth && !growth->max_id.empty() && storage::StateOf(before, growth->table).high_id == growth->max_id &&
      std::find(tables.begin(), tables.end(), growth->table) != tables.end()) {
    entry.growth_table = growth->table;
    entry.growth_state = storage::StateOf(after, growth->table);
    entry.bytes += BytesOf(growth->groups);
    entry.groups = std::make_shared<const Groups>(std::move(growth->groups));
  }
  std::lock_guard lock(mu_);
  if (entry.bytes > max_bytes_ / 8) return;
  entry.result = std::make_shared<const AggregateResult>(result);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    bytes_ -= it->second->bytes;
    entries_.erase(it->second);
    by_key_.erase(it);
  }
  bytes_ += entry.bytes;
  entries_.push_front(std::move(entry));
  by_key_.emplace(key, entries_.begin());
  Evict();
}

void ResultCache::Evict() {
  while (bytes_ > max_bytes_ && !entries_.empty()) {
    bytes_ -= entries_.back().bytes;
    by_key_.erase(entries_.back().key);
    entries_.pop_back();
  }
}

void ResultCache::Limit(size_t max_bytes) {
  std::lock_guard lock(mu_);
  max_bytes_ = max_bytes;
  Evict();
}

size_t ResultCache::limit() const {
  std::lock_guard lock(mu_);
  return max_bytes_;
}

size_t ResultCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t ResultCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

}  // namespace rapport::records::internal
