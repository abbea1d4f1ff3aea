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

}  // namespace rapport::exchange
