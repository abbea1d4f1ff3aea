// Schema changes an admin can ask for, as plain values. PlanSchemaChange validates one
// against a snapshot; MetadataStore::Apply runs the plan in one transaction.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "metadata/object_def.h"

namespace rapport::metadata {

// A field as an admin describes it (types still as text: validation reports bad ones).
struct FieldSpec {
  std::string name;
  std::string label;
  std::string type;
  bool required = false;
  bool unique = false;
  bool indexed = false;
  std::vector<PicklistOption> options;
  std::string target;
  std::optional<int64_t> max_length;
  std::optional<Decimal> min_value;
  std::optional<Decimal> max_value;
  std::string encryption;  // "", "randomized" or "deterministic" (see FieldDef)
};

struct CreateObject {
  std::string name;
  std::string label;
  std::string label_plural;
  std::vector<FieldSpec> fields;
  // Set by the engine only (record snapshots), never from the API: see ObjectDef.
  std::string history_of;
};
struct UpdateObject {
  std::string object;
  std::optional<std::string> label;
  std::optional<std::string> label_plural;
};
struct DeleteObject {
  std::string object;
};
struct AddField {
  std::string object;
  FieldSpec field;
};
struct UpdateField {
  std::string object;
  std::string field;
  std::optional<std::string> label;
  std::optional<bool> required;
  std::optional<std::vector<PicklistOption>> options;
};
struct DeleteField {
  std::string object;
  std::string field;
};

using MetadataEdit =
    std::variant<CreateObject, UpdateObject, DeleteObject, AddField, UpdateField, DeleteField>;

}  // namespace rapport::metadata
