// LIKE patterns shared by the SQL compiler and the evaluator (which must agree).
#pragma once

#include <string>
#include <string_view>

namespace rapport::query::internal {

enum class LikeKind { kContains, kStartsWith, kEndsWith, kOption };

// The escaped pattern (SqlDialect::EscapeLike) for CaseInsensitiveLike; kOption
// matches one value inside a multi_picklist's ";a;b;" encoding.
std::string LikePattern(std::string_view text, LikeKind kind);

// ASCII-case-insensitive match of a LikePattern with '\' as escape, like SQLite's
// LIKE ... ESCAPE '\': '%' any run of bytes, '_' one UTF-8 character.
bool LikeMatch(std::string_view pattern, std::string_view text);

}  // namespace rapport::query::internal
