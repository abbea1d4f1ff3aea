#include "records/internal/group_accumulator.h"

#include <algorithm>
#include <functional>
#include <unordered_set>
#include <utility>

namespace rapport::records::internal {

using storage::Value;

namespace {

size_t HashValue(const Value& v) {
  size_t seed = v.index() * 0x9e3779b97f4a7c15ULL;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (!std::is_same_v<T, storage::Null>) seed ^= std::hash<T>{}(x) + 0x9e3779b9 + (seed << 6) + (seed >> 2);
      },
      v);
  return seed;
}

struct ValueHash {
  size_t operator()(const Value& v) const { return HashValue(v); }
};

bool IsNumber(const Value& v) { return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v); }

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

// One cell of one group. Only what its operation needs is ever filled in.
struct Cell {
  int64_t count = 0;  // rows or non-NULL values
  Value value;        // an integer sum so far, or the least or greatest value
  bool real = false;  // a sum met a REAL: from then on kept in `real_sum`, as SQLite does
  long double real_sum = 0;
  std::unique_ptr<std::vector<int64_t>> values;                  // kMiddleSum
  std::unique_ptr<std::unordered_set<Value, ValueHash>> distinct;  // kCountDistinct
};

struct GroupAccumulator::Group {
  std::vector<Cell> cells;
};

size_t GroupAccumulator::KeyHash::operator()(const std::vector<Value>& key) const {
  size_t seed = key.size();
  for (const Value& v : key) seed ^= HashValue(v) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  return seed;
}

GroupAccumulator::GroupAccumulator(std::vector<size_t> keys, std::vector<CellPlan> cells)
    : keys_(std::move(keys)), cells_(std::move(cells)), probe_(keys_.size()) {}

GroupAccumulator::~GroupAccumulator() = default;

Status GroupAccumulator::Add(std::span<const Value> row) {
  for (size_t k = 0; k < keys_.size(); ++k) probe_[k] = row[keys_[k]];
  auto it = groups_.find(probe_);
  if (it == groups_.end()) {
    auto group = std::make_unique<Group>();
    group->cells.resize(cells_.size());
    it = groups_.emplace(probe_, std::move(group)).first;
  }
  std::vector<Cell>& cells = it->second->cells;
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
        if (!cell.distinct) cell.distinct = std::make_unique<std::unordered_set<Value, ValueHash>>();
        cell.distinct->insert(v);
        break;
      case CellOp::kSum: {
        ++cell.count;
        const auto* i = std::get_if<int64_t>(&v);
        if (!cell.real && i) {
          int64_t sum = 0;
          if (__builtin_add_overflow(storage::IntOf(cell.value), *i, &sum)) {
            return Fail(ErrorCode::kInvalidArgument, "A total is too large to represent.");
          }
          cell.value = sum;
          break;
        }
        if (!cell.real) {
          cell.real = true;
          cell.real_sum = static_cast<long double>(storage::IntOf(cell.value));
        }
        if (i) cell.real_sum += static_cast<long double>(*i);
        else if (const auto* d = std::get_if<double>(&v)) cell.real_sum += *d;
        break;
      }
      case CellOp::kMiddleSum: {
        if (!cell.values) cell.values = std::make_unique<std::vector<int64_t>>();
        int64_t n = 0;
        if (const auto* i = std::get_if<int64_t>(&v)) n = *i;
        else if (const auto* d = std::get_if<double>(&v)) n = static_cast<int64_t>(*d);
        cell.values->push_back(n);
        break;
      }
      case CellOp::kMin:
      case CellOp::kMax: {
        if (storage::IsNull(cell.value)) {
          cell.value = v;
        } else {
          int order = CompareStored(v, cell.value);
          if (plan.op == CellOp::kMin ? order < 0 : order > 0) cell.value = v;
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
      return Value{static_cast<int64_t>(cell.distinct ? cell.distinct->size() : 0)};
    case CellOp::kSum:
      if (cell.count == 0) return Value{};
      if (!cell.real) return cell.value;
      if (cell.real_sum >= 9.2233720368547758e18L || cell.real_sum < -9.2233720368547758e18L) {
        return Fail(ErrorCode::kInvalidArgument, "A total is too large to represent.");
      }
      return Value{static_cast<int64_t>(cell.real_sum)};  // CAST truncates toward zero
    case CellOp::kMiddleSum: {
      if (!cell.values || cell.values->empty()) return Value{};
      std::vector<int64_t>& v = *cell.values;
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
      return std::move(cell.value);
  }
  return Value{};
}

}  // namespace

Result<std::vector<std::vector<Value>>> GroupAccumulator::TakeRows() {
  std::vector<std::vector<Value>> rows;
  rows.reserve(groups_.size());
  for (auto& [key, group] : groups_) {
    std::vector<Value> row = key;
    for (size_t c = 0; c < cells_.size(); ++c) {
      RAPPORT_ASSIGN_OR_RETURN(Value figure, Finish(cells_[c].op, group->cells[c]));
      row.push_back(std::move(figure));
    }
    rows.push_back(std::move(row));
  }
  groups_.clear();
  const size_t width = keys_.size();
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    for (size_t k = 0; k < width; ++k) {
      if (int order = CompareStored(a[k], b[k]); order != 0) return order < 0;
    }
    return false;
  });
  return rows;
}

}  // namespace rapport::records::internal
