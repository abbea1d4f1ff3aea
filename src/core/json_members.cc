#include "core/json_members.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace rapport {

namespace json = boost::json;

Status CheckMembers(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return Fail(Error(ErrorCode::kValidationFailed, fmt::format("Unknown key `{}`.", std::string_view(key)))
                      .WithField(std::string(key), "unknown_field", "Not part of this request."));
    }
  }
  return Ok();
}

Result<std::string> RequiredString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string() || it->value().get_string().empty()) {
    return Fail(Error(ErrorCode::kValidationFailed, fmt::format("`{}` is required.", key))
                    .WithField(std::string(key), "required", fmt::format("`{}` is required (a string).", key)));
  }
  return std::string(it->value().get_string());
}

std::optional<std::string> OptionalString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

Result<std::optional<std::string>> StringIfPresent(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) return Fail(InvalidField(std::string(key), "Expected a string.", "invalid_type"));
  return std::string(it->value().get_string());
}

Result<std::optional<std::vector<std::string>>> OptionalStringArray(const json::object& o, std::string_view key,
                                                                    std::string_view expected) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  auto wrong = [&] { return InvalidField(std::string(key), std::string(expected), "invalid_type"); };
  if (!it->value().is_array()) return Fail(wrong());
  std::vector<std::string> out;
  for (const auto& item : it->value().get_array()) {
    if (!item.is_string()) return Fail(wrong());
    out.emplace_back(item.get_string());
  }
  return out;
}

Result<std::optional<bool>> OptionalBool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool()) return Fail(InvalidField(std::string(key), "true or false.", "invalid_type"));
  return it->value().get_bool();
}

}  // namespace rapport
