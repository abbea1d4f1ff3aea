#include "metadata/field_type.h"

#include <array>
#include <utility>

namespace rapport::metadata {

namespace {
constexpr std::array<std::pair<FieldType, std::string_view>, 16> kNames = {{
    {FieldType::kId, "id"},
    {FieldType::kText, "text"},
    {FieldType::kLongText, "long_text"},
    {FieldType::kInteger, "integer"},
    {FieldType::kDecimal, "decimal"},
    {FieldType::kCurrency, "currency"},
    {FieldType::kPercent, "percent"},
    {FieldType::kBoolean, "boolean"},
    {FieldType::kDate, "date"},
    {FieldType::kDatetime, "datetime"},
    {FieldType::kEmail, "email"},
    {FieldType::kPhone, "phone"},
    {FieldType::kUrl, "url"},
    {FieldType::kPicklist, "picklist"},
    {FieldType::kMultiPicklist, "multi_picklist"},
    {FieldType::kLookup, "lookup"},
}};
}  // namespace

std::string_view FieldTypeName(FieldType type) {
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  return "unknown";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name && t != FieldType::kId) return t;
  }
  return std::nullopt;
}

storage::ColumnType ColumnTypeFor(FieldType type) {
  switch (type) {
    case FieldType::kInteger:
    case FieldType::kDecimal:
    case FieldType::kCurrency:
    case FieldType::kPercent:
      return storage::ColumnType::kInteger;
    case FieldType::kBoolean:
      return storage::ColumnType::kBoolean;
    case FieldType::kId:
    case FieldType::kText:
    case FieldType::kLongText:
    case FieldType::kDate:
    case FieldType::kDatetime:
    case FieldType::kEmail:
    case FieldType::kPhone:
    case FieldType::kUrl:
    case FieldType::kPicklist:
    case FieldType::kMultiPicklist:
    case FieldType::kLookup:
      return storage::ColumnType::kText;
  }
  return storage::ColumnType::kText;
}

bool IsTextual(FieldType type) { return ColumnTypeFor(type) == storage::ColumnType::kText; }

bool IsDecimalEncoded(FieldType type) {
  return type == FieldType::kDecimal || type == FieldType::kPercent ||
         type == FieldType::kCurrency;
}

bool IsSortable(FieldType type) {
  return type != FieldType::kLongText && type != FieldType::kMultiPicklist;
}

}  // namespace rapport::metadata
