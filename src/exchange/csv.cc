#include "exchange/csv.h"

namespace rapport::exchange {

void AppendCsvCell(std::string& out, std::string_view cell, bool first) {
  if (!first) out += ',';
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += cell;
    return;
  }
  out += '"';
  for (char ch : cell) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

std::string DefuseFormula(std::string_view text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    return "'" + std::string(text);
  }
  return std::string(text);
}

std::string CsvCellText(const records::FieldValue& value, bool currency_code) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {};
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return v.ToString();
        } else if constexpr (std::is_same_v<T, records::Money>) {
          return currency_code ? v.currency : v.amount.ToString(2);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return DefuseFormula(v);
        } else {
          std::string joined;
          for (const auto& item : v) {
            if (!joined.empty()) joined += ';';
            joined += item;
          }
          return DefuseFormula(joined);
        }
      },
      value);
}

}  // namespace rapport::exchange
