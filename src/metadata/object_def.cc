#include "metadata/object_def.h"

#include <algorithm>

namespace rapport::metadata {

std::string FieldDef::relation_name() const {
  if (type != FieldType::kLookup) return {};
  if (name.size() > 3 && name.ends_with("_id")) return name.substr(0, name.size() - 3);
  return name;
}

bool FieldDef::HasOption(std::string_view value) const {
  return std::any_of(options.begin(), options.end(),
                     [&](const PicklistOption& o) { return o.value == value; });
}

const FieldDef* ObjectDef::FindField(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

const FieldDef* ObjectDef::FindRelation(std::string_view relation) const {
  for (const auto& f : fields) {
    if (f.type == FieldType::kLookup && f.relation_name() == relation) return &f;
  }
  return nullptr;
}

std::vector<std::string> ObjectDef::FieldNames() const {
  std::vector<std::string> names;
  names.reserve(fields.size());
  for (const auto& f : fields) names.push_back(f.name);
  return names;
}

std::vector<FieldDef> SystemFields() {
  auto field = [](std::string name, std::string label, FieldType type) {
    FieldDef f;
    f.name = name;
    f.label = std::move(label);
    f.type = type;
    f.column = std::move(name);
    f.system = true;
    return f;
  };
  std::vector<FieldDef> fields;
  fields.push_back(field("id", "ID", FieldType::kId));
  fields.push_back(field("version", "Version", FieldType::kInteger));
  fields.push_back(field("created_at", "Created", FieldType::kDatetime));
  fields.push_back(field("updated_at", "Updated", FieldType::kDatetime));
  FieldDef created_by = field("created_by", "Created by", FieldType::kLookup);
  created_by.target = "users";
  fields.push_back(created_by);
  FieldDef owner = field("owner_id", "Owner", FieldType::kLookup);
  owner.target = "users";
  owner.system = false;  // owners can be reassigned
  owner.indexed = true;
  fields.push_back(owner);
  return fields;
}

}  // namespace rapport::metadata
