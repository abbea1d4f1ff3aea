#include "records/internal/codec.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/id.h"
#include "core/strings.h"
#include "core/time.h"

namespace rapport::records::internal {

namespace {

using metadata::FieldDef;
using metadata::FieldType;
using Kind = InputValue::Kind;

std::unexpected<FieldError> Invalid(const FieldDef& f, std::string code, std::string message) {
  return std::unexpected(FieldError{f.name, std::move(code), std::move(message)});
}

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool IsEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || s.size() > 254) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view domain = s.substr(at + 1);
  if (domain.size() < 3 || domain.front() == '.' || domain.back() == '.' ||
      domain.find('.') == std::string_view::npos || domain.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == ':' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '"') {
      return false;
    }
  }
  return true;
}

// Phone numbers keep the user's formatting but must look like one: an optional
// leading +, 7 to 15 digits (E.164), common separators, an optional extension.
bool IsPhone(std::string_view s) {
  int digits = 0;
  size_t ext = s.find_first_of("xX");
  std::string_view main = s.substr(0, ext);
  for (size_t i = 0; i < main.size(); ++i) {
    char c = main[i];
    if (c >= '0' && c <= '9') ++digits;
    else if (c == '+' && i == 0) continue;
    else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.' && c != '/') return false;
  }
  if (ext != std::string_view::npos) {
    std::string_view tail = s.substr(ext + 1);
    if (tail.starts_with("t")) tail.remove_prefix(1);  // "ext"
    if (tail.starts_with(".")) tail.remove_prefix(1);
    while (!tail.empty() && tail.front() == ' ') tail.remove_prefix(1);
    if (tail.empty() || tail.size() > 6 ||
        !std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
  }
  return digits >= 7 && digits <= 15;
}

std::optional<std::string> NormaliseUrl(std::string_view s) {
  std::string url(s);
  std::string lower = AsciiLower(url);
  if (!lower.starts_with("http://") && !lower.starts_with("https://")) {
    if (lower.find("://") != std::string::npos) return std::nullopt;  // ftp:, javascript:, ...
    url = "https://" + url;
    lower = "https://" + lower;
  }
  size_t host_start = lower.find("://") + 3;
  size_t host_end = lower.find_first_of("/?#", host_start);
  std::string_view host = std::string_view(lower).substr(host_start, host_end - host_start);
  if (host.empty() || host.find('.') == std::string_view::npos || host.front() == '.') return std::nullopt;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>' || c == '"') return std::nullopt;
  }
  return url;
}

std::optional<Decimal> ToDecimal(const InputValue& in) {
  switch (in.kind) {
    case Kind::kInt:
      if (in.i > INT64_MAX / Decimal::kOne || in.i < INT64_MIN / Decimal::kOne) return std::nullopt;
      return Decimal::FromInt(in.i);
    case Kind::kDouble: return Decimal::FromDouble(in.d);
    case Kind::kString: return Decimal::Parse(in.s);
    default: return std::nullopt;
  }
}

std::expected<FieldValue, FieldError> CheckRange(const FieldDef& f, Decimal value) {
  if (f.min_value && value < *f.min_value) {
    return Invalid(f, "out_of_range", fmt::format("Must be at least {}.", f.min_value->ToString()));
  }
  if (f.max_value && value > *f.max_value) {
    return Invalid(f, "out_of_range", fmt::format("Must be at most {}.", f.max_value->ToString()));
  }
  return FieldValue{};
}

std::string OptionList(const FieldDef& f) {
  std::string out;
  for (size_t i = 0; i < f.options.size() && i < 20; ++i) {
    if (i) out += ", ";
    out += f.options[i].value;
  }
  if (f.options.size() > 20) out += ", ...";
  return out;
}

}  // namespace

std::expected<FieldValue, FieldError> Coerce(const FieldDef& f, const InputValue& in,
                                             std::string_view default_currency) {
  if (in.kind == Kind::kNull || (in.kind == Kind::kString && in.s.empty())) return FieldValue{};
  auto expect_string = [&]() -> std::expected<std::string_view, FieldError> {
    if (in.kind != Kind::kString) {
      return Invalid(f, "invalid_type", fmt::format("Expected a string, got {}.", in.KindName()));
    }
    if (f.max_length && CodePoints(in.s) > static_cast<size_t>(*f.max_length)) {
      return Invalid(f, "too_long", fmt::format("At most {} characters.", *f.max_length));
    }
    return std::string_view(in.s);
  };
  switch (f.type) {
    case FieldType::kText:
    case FieldType::kLongText: {
      auto s = expect_string();
      if (!s) return std::unexpected(s.error());
      return FieldValue{std::string(*s)};
    }
    case FieldType::kEmail: {
      auto s = expect_string();
      if (!s) return std::unexpected(s.error());
      if (!IsEmail(*s)) return Invalid(f, "invalid_format", fmt::format("`{}` is not an email address.", *s));
      // Domains are case-insensitive; keep the local part as given.
      size_t at = s->find('@');
      return FieldValue{std::string(s->substr(0, at + 1)) + AsciiLower(s->substr(at + 1))};
    }
    case FieldType::kPhone: {
      auto s = expect_string();
      if (!s) return std::unexpected(s.error());
      if (!IsPhone(*s)) {
        return Invalid(f, "invalid_format",
                       fmt::format("`{}` is not a phone number (7 to 15 digits, optional +).", *s));
      }
      return FieldValue{std::string(*s)};
    }
    case FieldType::kUrl: {
      auto s = expect_string();
      if (!s) return std::unexpected(s.error());
      auto url = NormaliseUrl(*s);
      if (!url) return Invalid(f, "invalid_format", fmt::format("`{}` is not an http(s) URL.", *s));
      return FieldValue{std::move(*url)};
    }
    case FieldType::kPicklist: {
      if (in.kind != Kind::kString) {
        return Invalid(f, "invalid_type", fmt::format("Expected a string, got {}.", in.KindName()));
      }
      if (!f.HasOption(in.s)) {
        return Invalid(f, "invalid_value",
                       fmt::format("`{}` is not one of: {}.", in.s, OptionList(f)));
      }
      return FieldValue{in.s};
    }
    case FieldType::kMultiPicklist: {
      if (in.kind != Kind::kArray) {
        return Invalid(f, "invalid_type", fmt::format("Expected an array of strings, got {}.", in.KindName()));
      }
      std::vector<std::string> values;
      for (const auto& item : in.items) {
        if (item.kind != Kind::kString || !f.HasOption(item.s)) {
          return Invalid(f, "invalid_value",
                         fmt::format("Each value must be one of: {}.", OptionList(f)));
        }
        if (std::find(values.begin(), values.end(), item.s) == values.end()) values.push_back(item.s);
      }
      if (values.empty()) return FieldValue{};
      // Keep the options' order so equal sets are stored identically.
      std::vector<std::string> ordered;
      for (const auto& o : f.options) {
        if (std::find(values.begin(), values.end(), o.value) != values.end()) ordered.push_back(o.value);
      }
      return FieldValue{std::move(ordered)};
    }
    case FieldType::kInteger: {
      int64_t v;
      if (in.kind == Kind::kInt) {
        v = in.i;
      } else if (in.kind == Kind::kDouble && std::trunc(in.d) == in.d && std::fabs(in.d) < 9e15) {
        v = static_cast<int64_t>(in.d);
      } else {
        return Invalid(f, "invalid_type", fmt::format("Expected a whole number, got {}.", in.KindName()));
      }
      auto range = CheckRange(f, Decimal{static_cast<int64_t>(std::clamp<__int128>(
                                     static_cast<__int128>(v) * Decimal::kOne, INT64_MIN, INT64_MAX))});
      if (!range) return range;
      return FieldValue{v};
    }
    case FieldType::kDecimal:
    case FieldType::kPercent: {
      auto d = ToDecimal(in);
      if (!d) {
        return Invalid(f, "invalid_type",
                       fmt::format("Expected a number with at most {} decimals.", Decimal::kScale));
      }
      auto range = CheckRange(f, *d);
      if (!range) return range;
      return FieldValue{*d};
    }
    case FieldType::kCurrency: {
      std::optional<Decimal> amount;
      std::string currency(default_currency);
      if (in.kind == Kind::kObject) {
        const InputValue* a = in.Member("amount");
        const InputValue* c = in.Member("currency");
        for (const auto& [k, v] : in.members) {
          if (k != "amount" && k != "currency") {
            return Invalid(f, "invalid_format", fmt::format("Unexpected key `{}` in a money value.", k));
          }
        }
        if (!a || a->kind == Kind::kNull) return FieldValue{};
        amount = ToDecimal(*a);
        if (c && c->kind != Kind::kNull) {
          if (c->kind != Kind::kString || !IsCurrencyCode(c->s)) {
            return Invalid(f, "invalid_format", "The currency is an ISO 4217 code such as \"EUR\".");
          }
          currency = c->s;
        }
      } else {
        amount = ToDecimal(in);
      }
      if (!amount) {
        return Invalid(f, "invalid_type",
                       "Expected {\"amount\": \"1234.50\", \"currency\": \"EUR\"} with at most 4 decimals.");
      }
      auto range = CheckRange(f, *amount);
      if (!range) return range;
      return FieldValue{Money{*amount, currency}};
    }
    case FieldType::kBoolean:
      if (in.kind != Kind::kBool) {
        return Invalid(f, "invalid_type", fmt::format("Expected true or false, got {}.", in.KindName()));
      }
      return FieldValue{in.b};
    case FieldType::kDate: {
      auto s = expect_string();
      if (!s) return std::unexpected(s.error());
      if (!ParseDateDays(*s)) return Invalid(f, "invalid_format", fmt::format("`{}` is not a date (YYYY-MM-DD).", *s));
      return FieldValue{std::string(*s)};
    }
    case FieldType::kDatetime: {
      auto s = expect_string();
      if (!s) return std::unexpected(s.error());
      auto t = ParseDatetime(*s);
      if (!t) {
        return Invalid(f, "invalid_format",
                       fmt::format("`{}` is not an RFC 3339 date-time with a zone (2026-01-15T09:30:00Z).", *s));
      }
      return FieldValue{FormatDatetime(*t)};
    }
    case FieldType::kId:
    case FieldType::kLookup: {
      if (in.kind != Kind::kString) {
        return Invalid(f, "invalid_type", fmt::format("Expected a record id, got {}.", in.KindName()));
      }
      if (!IsValidId(in.s)) return Invalid(f, "invalid_format", fmt::format("`{}` is not a record id.", in.s));
      return FieldValue{AsciiLower(in.s)};
    }
  }
  return Invalid(f, "invalid_type", "Unsupported field type.");
}

int ColumnCount(const FieldDef& f) { return f.type == FieldType::kCurrency ? 2 : 1; }

void AppendColumns(const FieldDef& f, std::vector<std::string>& out) {
  out.push_back(f.column);
  if (f.type == FieldType::kCurrency) out.push_back(f.currency_column());
}

void AppendStorage(const FieldDef& f, const FieldValue& value, std::vector<storage::Value>& out) {
  if (IsNull(value)) {
    out.emplace_back(storage::Null{});
    if (f.type == FieldType::kCurrency) out.emplace_back(storage::Null{});
    return;
  }
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) out.emplace_back(int64_t{v ? 1 : 0});
        else if constexpr (std::is_same_v<T, int64_t>) out.emplace_back(v);
        else if constexpr (std::is_same_v<T, Decimal>) out.emplace_back(v.units);
        else if constexpr (std::is_same_v<T, Money>) {
          out.emplace_back(v.amount.units);
          out.emplace_back(v.currency);
        } else if constexpr (std::is_same_v<T, std::string>) out.emplace_back(v);
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::string joined = ";";
          for (const auto& s : v) joined += s + ";";
          out.emplace_back(std::move(joined));
        } else out.emplace_back(storage::Null{});
      },
      value);
}

FieldValue FromStorage(const FieldDef& f, std::span<const storage::Value> cells) {
  const storage::Value& v = cells[0];
  if (storage::IsNull(v)) return FieldValue{};
  auto as_int = [&]() -> int64_t {
    if (const auto* i = std::get_if<int64_t>(&v)) return *i;
    if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
    return 0;
  };
  switch (f.type) {
    case FieldType::kInteger: return FieldValue{as_int()};
    case FieldType::kDecimal:
    case FieldType::kPercent: return FieldValue{Decimal{as_int()}};
    case FieldType::kCurrency: {
      std::string code = std::holds_alternative<std::string>(cells[1]) ? std::get<std::string>(cells[1]) : "";
      return FieldValue{Money{Decimal{as_int()}, std::move(code)}};
    }
    case FieldType::kBoolean: return FieldValue{as_int() != 0};
    case FieldType::kMultiPicklist: {
      std::vector<std::string> values;
      std::string_view s = std::get<std::string>(v);
      size_t start = 0;
      while (start < s.size()) {
        size_t end = s.find(';', start);
        if (end == std::string_view::npos) end = s.size();
        if (end > start) values.emplace_back(s.substr(start, end - start));
        start = end + 1;
      }
      return FieldValue{std::move(values)};
    }
    default:
      if (const auto* s = std::get_if<std::string>(&v)) return FieldValue{*s};
      return FieldValue{std::to_string(as_int())};
  }
}

std::string DisplayText(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "";
        else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, int64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<T, Decimal>) return v.ToString();
        else if constexpr (std::is_same_v<T, Money>) return v.amount.ToString(2) + " " + v.currency;
        else if constexpr (std::is_same_v<T, std::string>) return v;
        else {
          std::string out;
          for (const auto& s : v) out += (out.empty() ? "" : ";") + s;
          return out;
        }
      },
      value);
}

}  // namespace rapport::records::internal

namespace rapport::records {

std::string_view InputValue::KindName() const {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "a boolean";
    case Kind::kInt: return "a number";
    case Kind::kDouble: return "a number";
    case Kind::kString: return "a string";
    case Kind::kArray: return "an array";
    case Kind::kObject: return "an object";
  }
  return "a value";
}

}  // namespace rapport::records
