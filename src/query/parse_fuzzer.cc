// libFuzzer target: Parse must never crash, hang or overflow the stack on any input,
// and Bind/CompileToSql/Evaluate must cope with whatever Parse accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "query/expression.h"
#include "query/test_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rapport::metadata::MetadataSnapshot snapshot =
      rapport::query::testing::MakeSnapshot();
  static const rapport::query::testing::SqliteTestDialect dialect;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ast = rapport::query::Parse(text);
  if (!ast) return 0;
  auto bound = rapport::query::Bind(*ast, *snapshot.FindObject("deals"), snapshot);
  if (!bound) return 0;
  rapport::query::CompileContext context;
  context.user_id = "018f3c1e-0000-7000-8000-000000000001";
  context.now = 1767225600000000;  // 2026-01-01T00:00:00Z
  (void)rapport::query::CompileToSql(*bound, dialect, context);
  (void)rapport::query::Evaluate(
      *bound, [](std::string_view) { return rapport::storage::Value("x"); }, context);
  return 0;
}
