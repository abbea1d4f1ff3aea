// Log output of every `rapport` command: spdlog's text lines, or JSON lines (one JSON
// object per line with ts, level, msg and any structured fields) for log collectors.
// Logs go to stderr; stdout is left to command output (tokens, reports).
//
// Configure() once at startup, before other threads start. Then log with spdlog as
// usual (spdlog::info(...)), or with Log() to attach structured fields.
//
// Thread-safe after Configure().
#pragma once

#include <spdlog/common.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace rapport::logging {

enum class Format { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<Format> ParseFormat(std::string_view name);

// Replaces spdlog's default logger with one writing `format` to stderr.
void Configure(Format format);
Format CurrentFormat();

// One structured field of a log line. Strings are copied only when the line is
// written, so they need to live for the Log() call only.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  template <std::integral T>
  Field(std::string_view k, T v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  // A string field that is left out of the line when `v` is empty.
  static Field UnlessEmpty(std::string_view k, std::string_view v) {
    Field field(k, v);
    if (v.empty()) field.value = std::monostate{};
    return field;
  }

  std::string_view key;
  std::variant<std::monostate, std::string_view, int64_t, double> value;  // monostate: left out
};

// Logs `msg` with `fields`. JSON: each field is a member of the line's object (after
// ts, level and msg, which fields cannot replace; a non-finite double is null). Text:
// `msg key=value ...`, values with spaces or quotes quoted.
void Log(spdlog::level::level_enum level, std::string_view msg, std::initializer_list<Field> fields);

// One JSON log line (without the newline), as the json format writes it; `micros` is
// the time since the Unix epoch. For tests and for Log()'s formatter.
std::string JsonLine(int64_t micros, spdlog::level::level_enum level, std::string_view msg,
                     std::initializer_list<Field> fields);

}  // namespace rapport::logging
