// A readable way for domain modules to declare standard objects as data:
//
//   ObjectBuilder("companies", "Company", "Companies")
//       .Title("name")
//       .Field("name", "Name", FieldType::kText, {.required = true})
//       .Lookup("parent_company_id", "Parent company", "companies")
//       .Build();
//
// The result is a plain ObjectDef, the same shape an admin's custom object has.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "metadata/object_def.h"

namespace rapport::metadata {

struct FieldOptions {
  bool required = false;
  bool unique = false;
  bool indexed = false;
  std::optional<int64_t> max_length;
  std::optional<Decimal> min_value;
  std::optional<Decimal> max_value;
};

class ObjectBuilder {
 public:
  ObjectBuilder(std::string name, std::string label, std::string label_plural);
  ObjectBuilder& Title(std::string field_name);
  ObjectBuilder& Field(std::string name, std::string label, FieldType type,
                       FieldOptions options = {});
  ObjectBuilder& Picklist(std::string name, std::string label,
                          std::initializer_list<const char*> values, FieldOptions options = {},
                          FieldType type = FieldType::kPicklist);
  ObjectBuilder& Lookup(std::string name, std::string label, std::string target,
                        FieldOptions options = {});
  // An index over several fields, in this key order (ObjectDef::indexes).
  ObjectBuilder& Index(std::vector<std::string> field_names);
  ObjectDef Build() const;

 private:
  ObjectDef object_;
};

// "Industry" for "industry", "Close date" for "close_date".
std::string LabelFromName(std::string_view name);

}  // namespace rapport::metadata
