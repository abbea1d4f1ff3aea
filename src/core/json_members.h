// Reading the members of a JSON object that a user wrote (a request body, a saved
// report's definition): a missing or mistyped member is a field error naming it, and
// a member nobody asked for is refused rather than silently ignored.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.h"

namespace rapport {

// kValidationFailed naming the first member of `o` outside `allowed`.
Status CheckMembers(const boost::json::object& o, std::initializer_list<std::string_view> allowed);

// A non-empty string member (kValidationFailed naming `key` otherwise).
Result<std::string> RequiredString(const boost::json::object& o, std::string_view key);
// A string member; absent, null or not a string: nothing.
std::optional<std::string> OptionalString(const boost::json::object& o, std::string_view key);
// A string, or nothing when absent or null; another type is a field error naming `key`.
Result<std::optional<std::string>> StringIfPresent(const boost::json::object& o, std::string_view key);
// An array of strings, or nothing when absent or null; anything else is a field error
// naming `key` with `expected` ("Expected an array of field names.").
Result<std::optional<std::vector<std::string>>> OptionalStringArray(const boost::json::object& o, std::string_view key,
                                                                    std::string_view expected);
// true or false, or nothing when absent or null; anything else is a field error.
Result<std::optional<bool>> OptionalBool(const boost::json::object& o, std::string_view key);

}  // namespace rapport
