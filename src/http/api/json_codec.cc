#include "http/api/json_codec.h"

#include <boost/json.hpp>

namespace rapport::http::api {

namespace json = boost::json;
using records::FieldValue;
using records::InputValue;

json::value FieldValueToJson(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> json::value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
        else if constexpr (std::is_same_v<T, bool>) return v;
        else if constexpr (std::is_same_v<T, int64_t>) return v;
        // Decimal fields have at most 4 decimals and |value| < 2^53 / 10^4, so the
        // double is the exact shortest representation of the stored value.
        else if constexpr (std::is_same_v<T, Decimal>) return v.ToDouble();
        else if constexpr (std::is_same_v<T, records::Money>) {
          return json::object{{"amount", v.amount.ToString(2)}, {"currency", v.currency}};
        } else if constexpr (std::is_same_v<T, std::string>) return json::string(v);
        else {
          json::array out;
          for (const auto& s : v) out.emplace_back(json::string(s));
          return out;
        }
      },
      value);
}

json::object RecordToJson(const records::Record& record) {
  json::object out;
  out.reserve(record.fields.size() + record.included.size());
  for (const auto& [name, value] : record.fields) out.emplace(name, FieldValueToJson(value));
  for (const auto& [relation, related] : record.included) out.emplace(relation, RecordToJson(related));
  return out;
}

json::object FieldToJson(const metadata::FieldDef& f) {
  json::object out{{"name", f.name},
                   {"label", f.label},
                   {"type", metadata::FieldTypeName(f.type)},
                   {"required", f.required},
                   {"unique", f.unique},
                   // Set by Rapport, or read-only for this caller (field-level security).
                   {"read_only", f.system || f.read_only},
                   {"custom", f.custom},
                   {"sortable", metadata::IsSortable(f.type) && f.encryption.empty()}};
  if (!f.options.empty()) {
    json::array options;
    for (const auto& o : f.options) options.push_back(json::object{{"value", o.value}, {"label", o.label}});
    out.emplace("options", std::move(options));
  }
  if (!f.target.empty()) out.emplace("target", f.target);
  if (f.max_length) out.emplace("max_length", *f.max_length);
  if (!f.encryption.empty()) out.emplace("encryption", f.encryption);
  if (f.min_value) out.emplace("min_value", f.min_value->ToDouble());
  if (f.max_value) out.emplace("max_value", f.max_value->ToDouble());
  return out;
}

json::object ObjectToJson(const metadata::ObjectDef& object) {
  json::array fields;
  for (const auto& f : object.fields) fields.push_back(FieldToJson(f));
  return json::object{{"name", object.name},
                      {"label", object.label},
                      {"label_plural", object.label_plural},
                      {"custom", object.custom},
                      {"title_field", object.title_field},
                      {"history_of", object.history_of.empty() ? json::value(nullptr) : json::value(object.history_of)},
                      {"fields", std::move(fields)}};
}

InputValue ToInput(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return InputValue::Null();
    case json::kind::bool_: return InputValue::Bool(v.get_bool());
    case json::kind::int64: return InputValue::Int(v.get_int64());
    case json::kind::uint64: {
      uint64_t u = v.get_uint64();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return InputValue::Int(static_cast<int64_t>(u));
      return InputValue::Double(static_cast<double>(u));
    }
    case json::kind::double_: return InputValue::Double(v.get_double());
    case json::kind::string: return InputValue::String(std::string(v.get_string()));
    case json::kind::array: {
      InputValue out;
      out.kind = InputValue::Kind::kArray;
      for (const auto& item : v.get_array()) out.items.push_back(ToInput(item));
      return out;
    }
    case json::kind::object: {
      InputValue out;
      out.kind = InputValue::Kind::kObject;
      for (const auto& [k, item] : v.get_object()) out.members.emplace_back(std::string(k), ToInput(item));
      return out;
    }
  }
  return InputValue::Null();
}

Result<records::InputObject> ToInputObject(const json::value& value, std::initializer_list<std::string_view> skip) {
  if (!value.is_object()) return Fail(ErrorCode::kInvalidArgument, "Expected a JSON object.");
  records::InputObject out;
  out.reserve(value.get_object().size());
  for (const auto& [k, v] : value.get_object()) {
    if (std::find(skip.begin(), skip.end(), std::string_view(k)) != skip.end()) continue;
    out.emplace_back(std::string(k), ToInput(v));
  }
  return out;
}

json::object PermissionsToJson(const security::ObjectPermissions& p) {
  return json::object{{"create", security::Name(p.create)},
                      {"read", security::Name(p.read)},
                      {"edit", security::Name(p.edit)},
                      {"delete", security::Name(p.del)},
                      {"export", p.export_records}};
}

}  // namespace rapport::http::api
