// CSV as RFC 4180 writes it: comma-separated cells, CRLF line ends, a cell quoted when
// it holds a comma, a quote or a line break (quotes doubled inside).
#pragma once

#include <string>
#include <string_view>

#include "records/value.h"

namespace rapport::exchange {

// Appends one cell (with the comma before it unless `first`).
void AppendCsvCell(std::string& out, std::string_view cell, bool first);

// A text value as a spreadsheet should show it: a cell that starts with = + - @ or a
// tab or carriage return would run as a formula when the file is opened (CSV
// injection), so such text gets a leading apostrophe, which spreadsheets hide.
std::string DefuseFormula(std::string_view text);

// A value as a cell: numbers as written ("1200.5"), money as its amount with two
// decimals (or its currency code, if `currency_code`), multi-picklists joined by ";",
// booleans as true/false, text defused.
std::string CsvCellText(const records::FieldValue& value, bool currency_code = false);

}  // namespace rapport::exchange
