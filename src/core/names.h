// An enum's names in the API and the database, both ways, from one table of
// {name, value} pairs, so a name cannot be added to one direction and not the other.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace rapport {

template <typename E, size_t N>
constexpr std::string_view NameOf(const std::pair<std::string_view, E> (&table)[N], E value,
                                  std::string_view otherwise = "?") {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return otherwise;
}

template <typename E, size_t N>
constexpr std::optional<E> ValueNamed(const std::pair<std::string_view, E> (&table)[N], std::string_view name) {
  for (const auto& [known, v] : table) {
    if (known == name) return v;
  }
  return std::nullopt;
}

}  // namespace rapport
