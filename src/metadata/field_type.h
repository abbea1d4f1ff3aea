// The field types of the public API and how each is stored. Nothing else in the
// code base should need to branch on a field type's storage details.
//
// Storage encodings (identical on every backend; the query compiler, the record
// engine and the in-memory evaluator all rely on them):
//   text, long_text, email, phone, url, picklist  TEXT
//   integer                                       INTEGER (int64)
//   decimal, percent                              INTEGER: Decimal units (value × 10^4)
//   currency                                      INTEGER units in `column`, plus TEXT ISO 4217
//                                                 code in `column + "_currency"`
//   boolean                                       INTEGER 0/1
//   date                                          TEXT "YYYY-MM-DD"
//   datetime                                      TEXT "YYYY-MM-DDTHH:MM:SS.ffffffZ" (fixed width)
//   multi_picklist                                TEXT ";a;b;" (sorted values, wrapped in ';')
//   lookup, id                                    TEXT UUID (lowercase)
#pragma once

#include <optional>
#include <string_view>

#include "storage/dialect.h"

namespace rapport::metadata {

enum class FieldType {
  kId,  // system: the record's own id
  kText,
  kLongText,
  kInteger,
  kDecimal,
  kCurrency,
  kPercent,
  kBoolean,
  kDate,
  kDatetime,
  kEmail,
  kPhone,
  kUrl,
  kPicklist,
  kMultiPicklist,
  kLookup,
};

std::string_view FieldTypeName(FieldType type);
std::optional<FieldType> ParseFieldType(std::string_view name);  // public names only
storage::ColumnType ColumnTypeFor(FieldType type);
// Types whose stored value is text (compared as strings).
bool IsTextual(FieldType type);
// decimal, percent, currency: stored as Decimal units.
bool IsDecimalEncoded(FieldType type);
// Types that can be sorted and range-compared (everything but long_text / multi_picklist).
bool IsSortable(FieldType type);

}  // namespace rapport::metadata
