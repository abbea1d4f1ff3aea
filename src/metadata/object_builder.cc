#include "metadata/object_builder.h"

namespace rapport::metadata {

ObjectBuilder::ObjectBuilder(std::string name, std::string label, std::string label_plural) {
  object_.table = name;
  object_.name = std::move(name);
  object_.label = std::move(label);
  object_.label_plural = std::move(label_plural);
  object_.fields = SystemFields();
}

ObjectBuilder& ObjectBuilder::Title(std::string field_name) {
  object_.title_field = std::move(field_name);
  return *this;
}

ObjectBuilder& ObjectBuilder::Field(std::string name, std::string label, FieldType type,
                                    FieldOptions options) {
  FieldDef f;
  f.column = name;
  f.name = std::move(name);
  f.label = std::move(label);
  f.type = type;
  f.required = options.required;
  f.unique = options.unique;
  f.indexed = options.indexed || options.unique || type == FieldType::kLookup;
  f.max_length = options.max_length;
  if (!f.max_length && (type == FieldType::kText || type == FieldType::kEmail ||
                        type == FieldType::kPhone || type == FieldType::kPicklist)) {
    f.max_length = 255;
  }
  if (!f.max_length && type == FieldType::kUrl) f.max_length = 2048;
  if (!f.max_length && type == FieldType::kLongText) f.max_length = 100000;
  f.min_value = options.min_value;
  f.max_value = options.max_value;
  if (type == FieldType::kPercent) {
    if (!f.min_value) f.min_value = Decimal::FromInt(0);
    if (!f.max_value) f.max_value = Decimal::FromInt(100);
  }
  object_.fields.push_back(std::move(f));
  return *this;
}

ObjectBuilder& ObjectBuilder::Picklist(std::string name, std::string label,
                                       std::initializer_list<const char*> values,
                                       FieldOptions options, FieldType type) {
  Field(std::move(name), std::move(label), type, options);
  for (const char* v : values) object_.fields.back().options.push_back({v, LabelFromName(v)});
  return *this;
}

ObjectBuilder& ObjectBuilder::Lookup(std::string name, std::string label, std::string target,
                                     FieldOptions options) {
  Field(std::move(name), std::move(label), FieldType::kLookup, options);
  object_.fields.back().target = std::move(target);
  return *this;
}

ObjectBuilder& ObjectBuilder::Index(std::vector<std::string> field_names) {
  object_.indexes.push_back(std::move(field_names));
  return *this;
}

ObjectDef ObjectBuilder::Build() const { return object_; }

std::string LabelFromName(std::string_view name) {
  std::string label;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i] == '_' ? ' ' : name[i];
    if (i == 0 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    label += c;
  }
  return label;
}

}  // namespace rapport::metadata
