#include "records/internal/group_accumulator.h"

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_set>
#include <utility>

namespace rapport::records::internal {

using storage::Value;

namespace {

// MurmurHash3's finaliser: every bit of `h` reaches the low bits a table's slot is
// chosen by and the high bits a slot's tag keeps (SlotIndex).
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

size_t HashValue(const Value& v) {
  size_t seed = v.index() * 0x9e3779b97f4a7c15ULL;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (!std::is_same_v<T, storage::Null>) seed ^= std::hash<T>{}(x) + 0x9e3779b9 + (seed << 6) + (seed >> 2);
      },
      v);
  return Mix(seed);  // std::hash of an integer is the integer
}

struct ValueHash {
  size_t operator()(const Value& v) const { return HashValue(v); }
};

bool IsNumber(const Value& v) { return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v); }

// An open-addressing index of items numbered 0, 1, 2... and kept elsewhere: a lookup a
// row per key column and per grouping is the scan's main cost. With many items (a
// grouping by company: 100,000 of them) every memory access a lookup makes misses
// the caches, so a slot holds both the item's number + 1 (0: empty) and the high half
// of its hash: a probe reads its slot alone, and the item only when the halves agree.
// At most half the slots are taken.
class SlotIndex {
 public:
  // The number of the item with `hash` that `is(number)` confirms, or else `add()`'s
  // (which keeps the new item as the next number: as many as were added before).
  static constexpr uint32_t kMissing = UINT32_MAX;

  // The number of the item with `hash` that `is(number)` confirms, or kMissing.
  template <class Is>
  uint32_t Find(size_t hash, Is is) const {
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = static_cast<uint64_t>(hash) & kTagBits;
    for (size_t at = hash & mask;; at = (at + 1) & mask) {
      const uint64_t slot = slots_[at];
      if (slot == 0) return kMissing;
      if ((slot & kTagBits) == tag && is(static_cast<uint32_t>(slot) - 1)) return static_cast<uint32_t>(slot) - 1;
    }
  }

  template <class Is, class Add>
  uint32_t FindOrAdd(size_t hash, Is is, Add add) {
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = static_cast<uint64_t>(hash) & kTagBits;
    for (size_t at = hash & mask;; at = (at + 1) & mask) {
      const uint64_t slot = slots_[at];
      if (slot == 0) {
        add();
        hashes_.push_back(hash);
        slots_[at] = tag | hashes_.size();
        if (hashes_.size() * 2 > slots_.size()) Grow();
        return static_cast<uint32_t>(hashes_.size() - 1);
      }
      if ((slot & kTagBits) == tag && is(static_cast<uint32_t>(slot) - 1)) return static_cast<uint32_t>(slot) - 1;
    }
  }

 private:
  static constexpr uint64_t kTagBits = ~uint64_t{0xffffffff};

  void Grow() {
    slots_.assign(slots_.size() * 2, 0);
    const size_t mask = slots_.size() - 1;
    for (size_t item = 0; item < hashes_.size(); ++item) {
      size_t at = hashes_[item] & mask;
      while (slots_[at] != 0) at = (at + 1) & mask;
      slots_[at] = (static_cast<uint64_t>(hashes_[item]) & kTagBits) | (item + 1);
    }
  }
  std::vector<uint64_t> slots_ = std::vector<uint64_t>(16, 0);
  std::vector<size_t> hashes_;  // by item, to grow
};

}  // namespace

int CompareStored(const Value& a, const Value& b) {
  const bool a_null = storage::IsNull(a), b_null = storage::IsNull(b);
  if (a_null || b_null) return a_null == b_null ? 0 : (a_null ? 1 : -1);
  if (IsNumber(a) != IsNumber(b)) return IsNumber(a) ? -1 : 1;  // numbers before text
  if (const auto* x = std::get_if<int64_t>(&a)) {
    if (const auto* y = std::get_if<int64_t>(&b)) return *x < *y ? -1 : *x > *y;
  }
  if (const auto* x = std::get_if<std::string>(&a)) {
    const auto& y = std::get<std::string>(b);
    int order = x->compare(y);
    return order < 0 ? -1 : order > 0;
  }
  auto number = [](const Value& v) {
    if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<long double>(*i);
    return static_cast<long double>(std::get<double>(v));
  };
  long double x = number(a), y = number(b);
  return x < y ? -1 : x > y;
}

// What a cell needs besides its count and sum, for the few operations that do: kept
// apart so that a cell of a count or a sum, the most common, stays small.
struct CellExtra {
  bool real = false;  // a sum met a REAL: from then on kept in `real_sum`, as SQLite does
  long double real_sum = 0;
  std::vector<int64_t> values;                       // kMiddleSum
  std::unordered_set<Value, ValueHash> distinct;     // kCountDistinct
};

// One cell of one group, a cache line. Only what its operation needs is filled in.
struct alignas(64) Cell {
  int64_t count = 0;  // rows or non-NULL values
  int64_t sum = 0;    // an integer sum so far
  Value extreme;      // the least or greatest value so far
  std::unique_ptr<CellExtra> extra;

  bool Real() const { return extra && extra->real; }
  CellExtra& Extra() {
    if (!extra) extra = std::make_unique<CellExtra>();
    return *extra;
  }
};

struct KeyCodes::Dictionary {
  SlotIndex index;
  std::vector<Value> values;  // by code
};

KeyCodes::KeyCodes(std::vector<size_t> columns) : columns_(std::move(columns)) {
  std::sort(columns_.begin(), columns_.end());
  columns_.erase(std::unique(columns_.begin(), columns_.end()), columns_.end());
  current_.resize(columns_.size());
  by_caller_.assign(columns_.size(), false);
  slot_of_.assign(columns_.empty() ? 0 : columns_.back() + 1, 0);
  for (size_t i = 0; i < columns_.size(); ++i) {
    slot_of_[columns_[i]] = i;
    dictionaries_.push_back(std::make_unique<Dictionary>());
  }
}

KeyCodes::~KeyCodes() = default;

void KeyCodes::Forget(size_t column) { dictionaries_[slot_of_[column]].reset(); }

uint32_t KeyCodes::CodeIn(Dictionary& d, const Value& v) {
  return d.index.FindOrAdd(
      HashValue(v), [&](uint32_t code) { return d.values[code] == v; }, [&] { d.values.push_back(v); });
}

void KeyCodes::Encode(std::span<const Value> row) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (dictionaries_[i] && !by_caller_[i]) current_[i] = CodeIn(*dictionaries_[i], row[columns_[i]]);
  }
}

uint32_t KeyCodes::CodeOf(size_t column, const Value& v) {
  const size_t i = slot_of_[column];
  return dictionaries_[i] ? CodeIn(*dictionaries_[i], v) : 0;
}

const Value& KeyCodes::value(size_t column, uint32_t code) const { return dictionaries_[slot_of_[column]]->values[code]; }

namespace {

// A group's key: its columns' codes, unused places 0.
using CodedKey = std::array<uint32_t, GroupAccumulator::kMaxKeys>;

struct CodedKeyHash {
  size_t operator()(const CodedKey& key) const {
    uint64_t low = key[0] | (uint64_t{key[1]} << 32), high = key[2] | (uint64_t{key[3]} << 32);
    return static_cast<size_t>(Mix(low ^ (high * 0x9e3779b97f4a7c15ULL) ^ (high >> 29)));
  }
};

}  // namespace

// The groups, numbered as first met: their keys, and their cells side by side. Finding
// a row's group reads one slot, which holds the key itself, and then its cells: two
// cache misses a row when there are too many groups to stay cached.
struct GroupAccumulator::Groups {
  struct Slot {
    CodedKey key{};
    uint32_t number = 0;  // the group's number + 1; 0: empty
  };

  explicit Groups(size_t cells_a_group) : width(cells_a_group) {}

  size_t count() const { return keys.size(); }
  Cell* CellsOf(size_t number) { return cells.data() + number * width; }

  Cell* Find(const CodedKey& key) {
    size_t mask = slots.size() - 1;
    for (size_t at = CodedKeyHash{}(key) & mask;; at = (at + 1) & mask) {
      Slot& slot = slots[at];
      if (slot.number != 0 && slot.key == key) return CellsOf(slot.number - 1);
      if (slot.number == 0) {
        keys.push_back(key);
        cells.resize(cells.size() + width);
        slot = {key, static_cast<uint32_t>(keys.size())};
        if (keys.size() * 2 > slots.size()) Grow();
        return CellsOf(keys.size() - 1);
      }
    }
  }

  void Grow() {
    slots.assign(slots.size() * 2, Slot{});
    const size_t mask = slots.size() - 1;
    for (size_t g = 0; g < keys.size(); ++g) {
      size_t at = CodedKeyHash{}(keys[g]) & mask;
      while (slots[at].number != 0) at = (at + 1) & mask;
      slots[at] = {keys[g], static_cast<uint32_t>(g + 1)};
    }
  }

  size_t width;  // cells a group
  std::vector<Slot> slots = std::vector<Slot>(16);
  std::vector<CodedKey> keys;  // by group number
  std::vector<Cell> cells;     // group g's from g * width
};

GroupAccumulator::GroupAccumulator(std::vector<size_t> keys, std::vector<CellPlan> cells, const KeyCodes& codes)
    : keys_(std::move(keys)), cells_(std::move(cells)), codes_(&codes), groups_(std::make_unique<Groups>(cells_.size())) {
  static_assert(kMaxKeys == 4, "CodedKeyHash reads four codes");
}

GroupAccumulator::GroupAccumulator(std::vector<size_t> keys, std::vector<CellPlan> cells)
    : keys_(std::move(keys)), cells_(std::move(cells)), own_codes_(std::make_unique<KeyCodes>(keys_)),
      codes_(own_codes_.get()), groups_(std::make_unique<Groups>(cells_.size())) {}

GroupAccumulator::~GroupAccumulator() = default;

size_t GroupAccumulator::group_count() const { return groups_->count(); }

Status GroupAccumulator::Add(std::span<const Value> row) {
  if (own_codes_) own_codes_->Encode(row);
  CodedKey key{};
  for (size_t k = 0; k < keys_.size(); ++k) key[k] = codes_->code(keys_[k]);
  Cell* cells = groups_->Find(key);
  for (size_t c = 0; c < cells_.size(); ++c) {
    const CellPlan& plan = cells_[c];
    Cell& cell = cells[c];
    if (plan.op == CellOp::kCountRows) {
      ++cell.count;
      continue;
    }
    const Value& v = row[plan.input];
    if (storage::IsNull(v)) continue;
    switch (plan.op) {
      case CellOp::kCountRows:
        break;
      case CellOp::kCount:
        ++cell.count;
        break;
      case CellOp::kCountDistinct:
        cell.Extra().distinct.insert(v);
        break;
      case CellOp::kSum: {
        ++cell.count;
        const auto* i = std::get_if<int64_t>(&v);
        if (!cell.Real() && i) {
          if (__builtin_add_overflow(cell.sum, *i, &cell.sum)) {
            return Fail(ErrorCode::kInvalidArgument, "A total is too large to represent.");
          }
          break;
        }
        CellExtra& extra = cell.Extra();
        if (!extra.real) {
          extra.real = true;
          extra.real_sum = static_cast<long double>(cell.sum);
        }
        if (i) extra.real_sum += static_cast<long double>(*i);
        else if (const auto* d = std::get_if<double>(&v)) extra.real_sum += *d;
        break;
      }
      case CellOp::kMiddleSum: {
        int64_t n = 0;
        if (const auto* i = std::get_if<int64_t>(&v)) n = *i;
        else if (const auto* d = std::get_if<double>(&v)) n = static_cast<int64_t>(*d);
        cell.Extra().values.push_back(n);
        break;
      }
      case CellOp::kMin:
      case CellOp::kMax: {
        if (storage::IsNull(cell.extreme)) {
          cell.extreme = v;
        } else {
          int order = CompareStored(v, cell.extreme);
          if (plan.op == CellOp::kMin ? order < 0 : order > 0) cell.extreme = v;
        }
        break;
      }
    }
  }
  return Ok();
}

namespace {

// The figure a cell stands for, as the statement would give it.
Result<Value> Finish(CellOp op, Cell& cell) {
  switch (op) {
    case CellOp::kCountRows:
    case CellOp::kCount:
      return Value{cell.count};
    case CellOp::kCountDistinct:
      return Value{static_cast<int64_t>(cell.extra ? cell.extra->distinct.size() : 0)};
    case CellOp::kSum:
      if (cell.count == 0) return Value{};
      if (!cell.Real()) return Value{cell.sum};
      if (cell.extra->real_sum >= 9.2233720368547758e18L || cell.extra->real_sum < -9.2233720368547758e18L) {
        return Fail(ErrorCode::kInvalidArgument, "A total is too large to represent.");
      }
      return Value{static_cast<int64_t>(cell.extra->real_sum)};  // CAST truncates toward zero
    case CellOp::kMiddleSum: {
      if (!cell.extra || cell.extra->values.empty()) return Value{};
      std::vector<int64_t>& v = cell.extra->values;
      auto upper = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
      std::nth_element(v.begin(), upper, v.end());
      int64_t high = *upper;
      // For an even count the lower middle is the largest value below the upper one.
      int64_t low = v.size() % 2 == 1 ? high : *std::max_element(v.begin(), upper);
      int64_t sum = 0;
      if (__builtin_add_overflow(low, high, &sum)) return Fail(ErrorCode::kInvalidArgument, "A median is too large to represent.");
      return Value{sum};
    }
    case CellOp::kMin:
    case CellOp::kMax:
      return std::move(cell.extreme);
  }
  return Value{};
}

}  // namespace

Result<std::vector<std::vector<Value>>> GroupAccumulator::TakeRows() {
  // Without keys there is one group, rows or none, as an aggregate without GROUP BY
  // gives one row (a count of 0, no sum).
  if (keys_.empty() && groups_->count() == 0) groups_->Find(CodedKey{});
  std::vector<std::vector<Value>> rows;
  rows.reserve(groups_->count());
  for (size_t g = 0; g < groups_->count(); ++g) {
    const CodedKey& key = groups_->keys[g];
    Cell* cells = groups_->CellsOf(g);
    std::vector<Value> row;
    row.reserve(keys_.size() + cells_.size());
    for (size_t k = 0; k < keys_.size(); ++k) row.push_back(codes_->value(keys_[k], key[k]));
    for (size_t c = 0; c < cells_.size(); ++c) {
      RAPPORT_ASSIGN_OR_RETURN(Value figure, Finish(cells_[c].op, cells[c]));
      row.push_back(std::move(figure));
    }
    rows.push_back(std::move(row));
  }
  groups_ = std::make_unique<Groups>(cells_.size());
  const size_t width = keys_.size();
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    for (size_t k = 0; k < width; ++k) {
      if (int order = CompareStored(a[k], b[k]); order != 0) return order < 0;
    }
    return false;
  });
  return rows;
}

class RecordsById::Index : public SlotIndex {};

RecordsById::RecordsById() : index_(std::make_unique<Index>()) {}
RecordsById::~RecordsById() = default;
RecordsById::RecordsById(RecordsById&&) noexcept = default;
RecordsById& RecordsById::operator=(RecordsById&&) noexcept = default;

std::string_view RecordsById::IdOf(uint32_t number) const {
  const uint32_t begin = number == 0 ? 0 : ends_[number - 1];
  return std::string_view(ids_).substr(begin, ends_[number] - begin);
}

uint32_t RecordsById::Add(std::string_view id) {
  return index_->FindOrAdd(
      Mix(std::hash<std::string_view>{}(id)), [&](uint32_t number) { return IdOf(number) == id; },
      [&] {
        ids_.append(id);
        ends_.push_back(static_cast<uint32_t>(ids_.size()));
      });
}

uint32_t RecordsById::Find(std::string_view id) const {
  uint32_t found = index_->Find(Mix(std::hash<std::string_view>{}(id)), [&](uint32_t number) { return IdOf(number) == id; });
  return found == SlotIndex::kMissing ? kNone : found;
}

}  // namespace rapport::records::internal
