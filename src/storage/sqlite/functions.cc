#include "storage/sqlite/functions.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/time.h"

namespace rapport::storage::sqlite {

namespace {

std::string_view TextArg(sqlite3_value* v) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return text ? std::string_view(text, static_cast<size_t>(sqlite3_value_bytes(v))) : std::string_view();
}

// Labels by day for one statement's calls, kept by SQLite with its constant argument
// (the part): a statement buckets many rows of few days (a million deals over five
// years fall on 1,800), and making a label cost more than the rest of a call.
struct BucketMemo {
  static constexpr size_t kSlots = 4096;  // a day each, direct-mapped: 11 years apart
  struct Slot {
    int64_t days = INT64_MIN;
    uint8_t size = 0;
    std::array<char, 15> label;
  };
  DatePart part = DatePart::kDay;
  int fiscal_start = 1;
  std::array<Slot, kSlots> slots{};

  // The label of `days`, kept in its slot; one too long for a slot (a year past
  // 9999) is made in `spilled` each time.
  std::string_view LabelOf(int64_t days, std::string& spilled) {
    Slot& slot = slots[static_cast<uint64_t>(days) % kSlots];
    if (slot.days != days) {
      spilled = BucketLabel(days, part, fiscal_start);
      if (spilled.size() > slot.label.size()) return spilled;
      std::copy(spilled.begin(), spilled.end(), slot.label.begin());
      slot.size = static_cast<uint8_t>(spilled.size());
      slot.days = days;
    }
    return std::string_view(slot.label.data(), slot.size);
  }
};

void DateBucket(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const int fiscal_start = sqlite3_value_int(argv[2]);
  auto* memo = static_cast<BucketMemo*>(sqlite3_get_auxdata(ctx, 1));
  std::unique_ptr<BucketMemo> made;  // handed to SQLite once done with (it may free it at once)
  if (!memo || memo->fiscal_start != fiscal_start) {
    std::optional<DatePart> part = ParseDatePart(TextArg(argv[1]));
    if (!part || fiscal_start < 1 || fiscal_start > 12) {
      return sqlite3_result_error(ctx, "rapport_date_bucket: bad part or fiscal start", -1);
    }
    made.reset(new (std::nothrow) BucketMemo{.part = *part, .fiscal_start = fiscal_start});
    if (!made) return sqlite3_result_error_nomem(ctx);
    memo = made.get();
  }
  std::optional<int64_t> days;
  if (sqlite3_value_type(argv[3]) == SQLITE_NULL) {
    days = ParseDateDays(TextArg(argv[0]));
  } else if (std::optional<Micros> t = ParseDatetime(TextArg(argv[0]))) {
    days = LocalDays(*t, TextArg(argv[3]));
    if (!days) return sqlite3_result_error(ctx, "rapport_date_bucket: unknown time zone", -1);
  }
  if (!days) {
    sqlite3_result_null(ctx);  // not a stored date: no bucket
  } else {
    std::string spilled;
    std::string_view label = memo->LabelOf(*days, spilled);
    sqlite3_result_text(ctx, label.data(), static_cast<int>(label.size()), SQLITE_TRANSIENT);
  }
  if (made) sqlite3_set_auxdata(ctx, 1, made.release(), [](void* p) { delete static_cast<BucketMemo*>(p); });
}

// The aggregate's state lives in SQLite's context memory, which is zeroed: a pointer
// to the values, made on the first non-NULL one.
struct MiddleState {
  std::vector<int64_t>* values;
};

void MiddleStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  auto* state = static_cast<MiddleState*>(sqlite3_aggregate_context(ctx, sizeof(MiddleState)));
  if (!state) return sqlite3_result_error_nomem(ctx);
  try {
    if (!state->values) state->values = new std::vector<int64_t>();
    state->values->push_back(sqlite3_value_int64(argv[0]));
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  }
}

void MiddleFinal(sqlite3_context* ctx) {
  auto* state = static_cast<MiddleState*>(sqlite3_aggregate_context(ctx, 0));
  if (!state || !state->values || state->values->empty()) return sqlite3_result_null(ctx);
  std::vector<int64_t>& v = *state->values;
  size_t n = v.size();
  auto upper = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(v.begin(), upper, v.end());
  int64_t high = *upper;
  // For an even count the lower middle is the largest value below the upper one.
  int64_t low = n % 2 == 1 ? high : *std::max_element(v.begin(), upper);
  delete state->values;
  state->values = nullptr;
  __int128 sum = static_cast<__int128>(low) + high;
  if (sum > INT64_MAX || sum < INT64_MIN) return sqlite3_result_error(ctx, "rapport_middle_sum: overflow", -1);
  sqlite3_result_int64(ctx, static_cast<int64_t>(sum));
}

}  // namespace

int RegisterFunctions(sqlite3* db) {
  int rc = sqlite3_create_function_v2(db, "rapport_date_bucket", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                      DateBucket, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function_v2(db, "rapport_middle_sum", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                    nullptr, MiddleStep, MiddleFinal, nullptr);
}

}  // namespace rapport::storage::sqlite
