// One spreadsheet of typed cells as an .xlsx workbook (libxlsxwriter): numbers stay
// numbers, money gets two decimals, dates and datetimes are real dates (datetimes in
// UTC), and text is always written as text, so a cell never runs as a formula.
// Rows go to a temporary file as they are added (libxlsxwriter's constant-memory
// mode), so a sheet of a million rows costs the file, not the memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "records/value.h"

namespace rapport::exchange {

// The most data rows a sheet holds: Excel's 1,048,576 rows, less the header.
inline constexpr size_t kMaxXlsxRows = 1'048'575;

struct XlsxColumn {
  std::string header;
  std::string type;  // a field type name ("currency", "date", "datetime", "integer"...): how cells look
};

class XlsxSheet {
 public:
  // A workbook of one sheet, named `sheet` (cut to Excel's 31 characters), with a
  // bold, frozen header row.
  static Result<XlsxSheet> Start(std::string_view sheet, std::vector<XlsxColumn> columns);
  XlsxSheet(XlsxSheet&&) noexcept;
  XlsxSheet& operator=(XlsxSheet&&) noexcept;
  ~XlsxSheet();

  // One row, a value per column; kFailedPrecondition past kMaxXlsxRows.
  Status AddRow(const std::vector<records::FieldValue>& cells);
  // The workbook's bytes. The sheet is done with after this.
  Result<std::string> Finish();

 private:
  struct State;
  explicit XlsxSheet(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace rapport::exchange
