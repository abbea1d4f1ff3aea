// Objects and fields as data. An ObjectDef describes one record type (standard or
// custom) and its physical table; a FieldDef one field and its physical column.
// These are plain values: snapshots hold them immutably.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "metadata/field_type.h"

namespace rapport::metadata {

struct PicklistOption {
  std::string value;
  std::string label;
  bool operator==(const PicklistOption&) const = default;
};

struct FieldDef {
  std::string name;    // api name, e.g. "company_id"
  std::string label;   // "Company"
  FieldType type = FieldType::kText;
  std::string column;  // physical column; for currency the amount column
  bool required = false;
  bool unique = false;
  bool system = false;    // maintained by the engine (id, version, timestamps): read-only
  bool indexed = false;   // has a (tenant_id, column) index
  bool custom = false;    // added by an admin
  // Only in a principal's view of the schema (field-level security): visible, but
  // the principal may not set it.
  bool read_only = false;
  // Stored encrypted (security/field_cipher.h): "randomized" (nothing can be learnt,
  // nothing filtered) or "deterministic" (equality filters work; equal values are
  // visible as equal). Empty: plain. Custom text-like fields only, chosen at creation.
  std::string encryption;
  std::vector<PicklistOption> options;  // picklist, multi_picklist
  std::string target;                   // lookup: the target object's api name
  std::optional<int64_t> max_length;    // text-like types
  std::optional<Decimal> min_value;     // numeric types (integer values as Decimal)
  std::optional<Decimal> max_value;

  // For currency fields: the column holding the ISO 4217 code.
  std::string currency_column() const { return column + "_currency"; }
  // For lookups: the relation name used in expressions and include= ("company" for
  // "company_id"); empty for other types.
  std::string relation_name() const;
  bool HasOption(std::string_view value) const;
};

struct ObjectDef {
  std::string name;          // api name (plural): "companies"
  std::string label;         // "Company"
  std::string label_plural;  // "Companies"
  std::string table;         // physical table
  bool custom = false;
  std::string title_field;   // field that names a record ("name"), may be empty
  // A history object: daily copies of another object's records (reports/
  // record_snapshots.h), each naming its record in kHistoryRecordField. Its permissions
  // are the source's, live and read-only (security/policy.h). Empty for other objects.
  std::string history_of;
  std::vector<FieldDef> fields;  // system fields first, then the object's own
  // Indexes over several fields (field names, in key order), beside each indexed
  // field's own: for the queries an object is known for (a task list's open tasks by
  // due date). Standard objects' only.
  std::vector<std::vector<std::string>> indexes;

  const FieldDef* FindField(std::string_view field_name) const;
  // The lookup field whose relation_name() is `relation` ("company" → company_id).
  const FieldDef* FindRelation(std::string_view relation) const;
  std::vector<std::string> FieldNames() const;
};

// The lookup of a history object's copy to the record it copies.
inline constexpr std::string_view kHistoryRecordField = "record_id";

// The system fields every object has, in this order: id, version, created_at,
// updated_at, created_by, owner_id. (deleted_at is a column but not a field.)
std::vector<FieldDef> SystemFields();

}  // namespace rapport::metadata
