// Field values in and out: validating client input against a field's type, and
// converting between FieldValue and the storage encoding documented in
// metadata/field_type.h. Private to records/.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "metadata/object_def.h"
#include "records/value.h"
#include "storage/value.h"

namespace rapport::records::internal {

// Validates and normalises `input` for `field`. On failure returns the FieldError to
// report (field name filled in). Empty strings count as null.
std::expected<FieldValue, FieldError> Coerce(const metadata::FieldDef& field, const InputValue& input,
                                             std::string_view default_currency);

// Number of storage columns a field occupies (currency: 2).
int ColumnCount(const metadata::FieldDef& field);
// Appends the field's column names (quoted by the caller) to `out`.
void AppendColumns(const metadata::FieldDef& field, std::vector<std::string>& out);
// Appends the storage encoding of `value` (ColumnCount(field) values) to `out`.
void AppendStorage(const metadata::FieldDef& field, const FieldValue& value,
                   std::vector<storage::Value>& out);
// Decodes ColumnCount(field) cells starting at `cells[0]`.
FieldValue FromStorage(const metadata::FieldDef& field, std::span<const storage::Value> cells);
// A stable text form for history rows and idempotency fingerprints.
std::string DisplayText(const FieldValue& value);

}  // namespace rapport::records::internal
