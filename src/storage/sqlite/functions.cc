#include "storage/sqlite/functions.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
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

void DateBucket(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  std::optional<DatePart> part = ParseDatePart(TextArg(argv[1]));
  int fiscal_start = sqlite3_value_int(argv[2]);
  if (!part || fiscal_start < 1 || fiscal_start > 12) {
    return sqlite3_result_error(ctx, "rapport_date_bucket: bad part or fiscal start", -1);
  }
  std::optional<int64_t> days;
  if (sqlite3_value_type(argv[3]) == SQLITE_NULL) {
    days = ParseDateDays(TextArg(argv[0]));
  } else if (std::optional<Micros> t = ParseDatetime(TextArg(argv[0]))) {
    days = LocalDays(*t, TextArg(argv[3]));
    if (!days) return sqlite3_result_error(ctx, "rapport_date_bucket: unknown time zone", -1);
  }
  if (!days) return sqlite3_result_null(ctx);  // not a stored date: no bucket
  std::string label = BucketLabel(*days, *part, fiscal_start);
  sqlite3_result_text(ctx, label.data(), static_cast<int>(label.size()), SQLITE_TRANSIENT);
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
