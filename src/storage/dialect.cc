#include "storage/dialect.h"

#include <fmt/format.h>

namespace rapport::storage {

std::string SqlDialect::QuoteIdentifier(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string SqlDialect::UtcDatetimeBucket(std::string_view stored, DatePart part, int fiscal_start) const {
  return DateBucket(fmt::format("substr({}, 1, 10)", stored), false, part, fiscal_start);
}

std::string SqlDialect::EscapeLike(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

SqlDialect::StepLookup SqlDialect::StepAt(std::string_view table, std::string_view key_column,
                                          std::string_view step_column, std::string_view alias,
                                          std::string_view tenant, std::string_view key, std::string_view at) const {
  return {"", fmt::format("(SELECT {2}.{3} FROM {0} {2} WHERE {2}.tenant_id = {4} AND {2}.{1} = {5} AND {2}.{3} <= {6} "
                          "ORDER BY {2}.{3} DESC LIMIT 1)",
                          table, key_column, alias, step_column, tenant, key, at)};
}

}  // namespace rapport::storage
