// Small text utilities shared by every module.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rapport {

std::string AsciiLower(std::string_view s);
// Empty or only white space (a name that names nothing).
bool IsBlank(std::string_view s);
// An ISO 4217 code as money carries it: three capital letters ("EUR").
bool IsCurrencyCode(std::string_view s);
// "a, b,,c" -> {"a", "b", "c"}: comma-separated names, spaces around them trimmed,
// empty items dropped (query parameters like fields=, and lists stored as text).
std::vector<std::string> SplitCommaList(std::string_view text);
bool IsIdentifier(std::string_view s);  // [a-z][a-z0-9_]* , at most 63 chars
size_t EditDistance(std::string_view a, std::string_view b);
// The candidate nearest to `name` if it is close enough to be a likely typo.
std::optional<std::string> ClosestMatch(std::string_view name,
                                        std::span<const std::string> candidates);
// "Did you mean `x`?" suffix (with leading space), or empty.
std::string DidYouMean(std::string_view name, std::span<const std::string> candidates);
// True if `s` is valid UTF-8.
bool IsValidUtf8(std::string_view s);
// `s` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD
// (for text from outside, such as a request path, that must go into JSON).
std::string ToValidUtf8(std::string_view s);

}  // namespace rapport
