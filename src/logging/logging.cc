#include "logging/logging.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>

#include "core/strings.h"
#include "core/time.h"

namespace rapport::logging {

namespace {

std::atomic<Format> g_format{Format::kText};

// The fields of the Log() call that is writing a line on this thread. spdlog formats
// synchronously on the logging thread (Configure() installs a synchronous logger), so
// the formatter below sees the fields of exactly the line it formats.
thread_local const std::initializer_list<Field>* t_fields = nullptr;

// A JSON string literal: valid UTF-8 (invalid bytes become U+FFFD), escaped.
void AppendJsonString(std::string& out, std::string_view text) {
  if (IsValidUtf8(text)) {
    out += boost::json::serialize(boost::json::string_view(text.data(), text.size()));
  } else {
    std::string repaired = ToValidUtf8(text);
    out += boost::json::serialize(boost::json::string_view(repaired));
  }
}

void AppendJsonValue(std::string& out, const Field& field) {
  if (const auto* text = std::get_if<std::string_view>(&field.value)) {
    AppendJsonString(out, *text);
  } else if (const auto* integer = std::get_if<int64_t>(&field.value)) {
    fmt::format_to(std::back_inserter(out), "{}", *integer);
  } else if (const auto* number = std::get_if<double>(&field.value); number && std::isfinite(*number)) {
    fmt::format_to(std::back_inserter(out), "{}", *number);  // shortest text that reads back the same
  } else {
    out += "null";  // JSON has no NaN or Infinity
  }
}

bool IsReservedKey(std::string_view key) { return key == "ts" || key == "level" || key == "msg"; }

std::string TextFields(std::initializer_list<Field> fields) {
  std::string out;
  for (const Field& field : fields) {
    if (std::holds_alternative<std::monostate>(field.value)) continue;
    fmt::format_to(std::back_inserter(out), " {}=", field.key);
    if (const auto* text = std::get_if<std::string_view>(&field.value)) {
      // Quoted (JSON-escaped) when it would otherwise blur into the next field or line.
      bool quote = text->empty();
      for (char c : *text) quote = quote || c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20;
      if (quote) out += boost::json::serialize(boost::json::string_view(text->data(), text->size()));
      else out += *text;
    } else {
      AppendJsonValue(out, field);
    }
  }
  return out;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count();
    std::string line = JsonLine(micros, msg.level, std::string_view(msg.payload.data(), msg.payload.size()),
                                t_fields ? *t_fields : std::initializer_list<Field>{});
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

void Configure(Format format) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (format == Format::kJson) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();  // no colour codes
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();  // colours on a terminal only
  }
  // Unnamed, like spdlog's own default logger, so text lines keep their usual shape.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("", std::move(sink)));
  g_format.store(format);
}

Format CurrentFormat() { return g_format.load(); }

void Log(spdlog::level::level_enum level, std::string_view msg, std::initializer_list<Field> fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (CurrentFormat() == Format::kJson) {
    const std::initializer_list<Field>* outer = t_fields;
    t_fields = &fields;
    logger->log(level, spdlog::string_view_t(msg.data(), msg.size()));
    t_fields = outer;
  } else {
    logger->log(level, "{}{}", msg, TextFields(fields));
  }
}

std::string JsonLine(int64_t micros, spdlog::level::level_enum level, std::string_view msg,
                     std::initializer_list<Field> fields) {
  std::string out = "{\"ts\":\"";
  out += FormatDatetime(micros);  // RFC 3339, UTC, microseconds
  out += "\",\"level\":";
  spdlog::string_view_t level_name = spdlog::level::to_string_view(level);
  AppendJsonString(out, std::string_view(level_name.data(), level_name.size()));
  out += ",\"msg\":";
  AppendJsonString(out, msg);
  for (const Field& field : fields) {
    if (IsReservedKey(field.key) || std::holds_alternative<std::monostate>(field.value)) continue;
    out += ',';
    AppendJsonString(out, field.key);
    out += ':';
    AppendJsonValue(out, field);
  }
  out += '}';
  return out;
}

}  // namespace rapport::logging
