#include "exchange/xlsx.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <xlsxwriter.h>

#include "core/time.h"

namespace rapport::exchange {

namespace {

Error WriteFailed(lxw_error error) {
  return Error(ErrorCode::kInternal, "The spreadsheet could not be written.")
      .WithInternal(fmt::format("libxlsxwriter: {}", lxw_strerror(error)));
}

// Excel's sheet names: at most 31 characters, none of []:*?/\ .
std::string SheetName(std::string_view name) {
  std::string out;
  for (char ch : name) {
    if (out.size() == 31) break;
    out += std::string_view("[]:*?/\\").find(ch) == std::string_view::npos ? ch : '_';
  }
  return out.empty() ? "Sheet1" : out;
}

// A cell holds at most 32,767 characters: longer text is cut there (on a UTF-8
// character's boundary) rather than failing the whole file.
std::string CellText(std::string_view text) {
  constexpr size_t kMaxCell = 32767;
  if (text.size() <= kMaxCell) return std::string(text);
  size_t end = kMaxCell;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

lxw_datetime ToExcel(Micros t) {
  int64_t days = t >= 0 ? t / kMicrosPerDay : (t - kMicrosPerDay + 1) / kMicrosPerDay;
  Micros in_day = t - days * kMicrosPerDay;
  lxw_datetime out{};
  unsigned m = 0, d = 0;
  CivilFromDays(days, out.year, m, d);
  out.month = static_cast<int>(m);
  out.day = static_cast<int>(d);
  out.hour = static_cast<int>(in_day / (3600 * kMicrosPerSecond));
  out.min = static_cast<int>(in_day / (60 * kMicrosPerSecond) % 60);
  out.sec = static_cast<double>(in_day % (60 * kMicrosPerSecond)) / static_cast<double>(kMicrosPerSecond);
  return out;
}

}  // namespace

struct XlsxSheet::State {
  std::string path;
  lxw_workbook* workbook = nullptr;
  lxw_worksheet* sheet = nullptr;
  lxw_format* money = nullptr;
  lxw_format* date = nullptr;
  lxw_format* datetime = nullptr;
  std::vector<XlsxColumn> columns;
  lxw_row_t next_row = 1;

  ~State() {
    // A sheet dropped before Finish: close the workbook so libxlsxwriter frees it,
    // then remove what it wrote.
    if (workbook) workbook_close(workbook);
    if (!path.empty()) std::remove(path.c_str());
  }
};

XlsxSheet::XlsxSheet(std::unique_ptr<State> state) : state_(std::move(state)) {}
XlsxSheet::XlsxSheet(XlsxSheet&&) noexcept = default;
XlsxSheet& XlsxSheet::operator=(XlsxSheet&&) noexcept = default;
XlsxSheet::~XlsxSheet() = default;

Result<XlsxSheet> XlsxSheet::Start(std::string_view sheet, std::vector<XlsxColumn> columns) {
  auto state = std::make_unique<State>();
  std::error_code ec;
  std::string dir = std::filesystem::temp_directory_path(ec).string();
  if (ec) dir = "/tmp";
  std::string pattern = dir + "/rapport-xlsx-XXXXXX";
  int fd = mkstemp(pattern.data());
  if (fd < 0) return Fail(Error(ErrorCode::kInternal, "The spreadsheet could not be written.").WithInternal("mkstemp failed"));
  close(fd);
  state->path = pattern;
  lxw_workbook_options options{.constant_memory = LXW_TRUE, .tmpdir = dir.data(), .use_zip64 = LXW_FALSE};
  state->workbook = workbook_new_opt(state->path.c_str(), &options);
  if (!state->workbook) return Fail(WriteFailed(LXW_ERROR_CREATING_XLSX_FILE));
  std::string name = SheetName(sheet);
  // Null when constant-memory mode cannot make its temporary file (a full disk).
  state->sheet = workbook_add_worksheet(state->workbook, name.c_str());
  lxw_format* bold = workbook_add_format(state->workbook);
  state->money = workbook_add_format(state->workbook);
  state->date = workbook_add_format(state->workbook);
  state->datetime = workbook_add_format(state->workbook);
  if (!state->sheet || !bold || !state->money || !state->date || !state->datetime) {
    return Fail(WriteFailed(LXW_ERROR_CREATING_TMPFILE));
  }
  format_set_bold(bold);
  format_set_num_format(state->money, "#,##0.00");
  format_set_num_format(state->date, "yyyy-mm-dd");
  format_set_num_format(state->datetime, "yyyy-mm-dd hh:mm");
  for (size_t i = 0; i < columns.size(); ++i) {
    auto col = static_cast<lxw_col_t>(i);
    worksheet_write_string(state->sheet, 0, col, columns[i].header.c_str(), bold);
    double width = columns[i].type == "datetime" ? 17 : columns[i].type == "date" || columns[i].type == "currency" ? 12 : 16;
    worksheet_set_column(state->sheet, col, col, std::max(width, std::min(40.0, columns[i].header.size() + 2.0)), nullptr);
  }
  worksheet_freeze_panes(state->sheet, 1, 0);
  state->columns = std::move(columns);
  return XlsxSheet(std::move(state));
}

Status XlsxSheet::AddRow(const std::vector<records::FieldValue>& cells) {
  State& s = *state_;
  if (s.next_row > kMaxXlsxRows) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("More than {} rows, which is all a spreadsheet holds: export as CSV instead.", kMaxXlsxRows));
  }
  const lxw_row_t row = s.next_row++;
  for (size_t i = 0; i < cells.size() && i < s.columns.size(); ++i) {
    const auto col = static_cast<lxw_col_t>(i);
    const std::string& type = s.columns[i].type;
    lxw_error error = std::visit(
        [&](const auto& v) -> lxw_error {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return LXW_NO_ERROR;
          } else if constexpr (std::is_same_v<T, bool>) {
            return worksheet_write_boolean(s.sheet, row, col, v ? 1 : 0, nullptr);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            return worksheet_write_number(s.sheet, row, col, static_cast<double>(v), nullptr);
          } else if constexpr (std::is_same_v<T, Decimal>) {
            return worksheet_write_number(s.sheet, row, col, v.ToDouble(), type == "currency" ? s.money : nullptr);
          } else if constexpr (std::is_same_v<T, records::Money>) {
            return worksheet_write_number(s.sheet, row, col, v.amount.ToDouble(), s.money);
          } else if constexpr (std::is_same_v<T, std::string>) {
            if (type == "date") {
              if (auto days = ParseDateDays(v)) {
                lxw_datetime d = ToExcel(*days * kMicrosPerDay);
                return worksheet_write_datetime(s.sheet, row, col, &d, s.date);
              }
            } else if (type == "datetime") {
              if (auto t = ParseDatetime(v)) {
                lxw_datetime d = ToExcel(*t);
                return worksheet_write_datetime(s.sheet, row, col, &d, s.datetime);
              }
            }
            return worksheet_write_string(s.sheet, row, col, CellText(v).c_str(), nullptr);
          } else {
            std::string joined;
            for (const auto& item : v) {
              if (!joined.empty()) joined += ';';
              joined += item;
            }
            return worksheet_write_string(s.sheet, row, col, CellText(joined).c_str(), nullptr);
          }
        },
        cells[i]);
    if (error != LXW_NO_ERROR) return Fail(WriteFailed(error));
  }
  return Ok();
}

Result<std::string> XlsxSheet::Finish() {
  State& s = *state_;
  lxw_error error = workbook_close(s.workbook);
  s.workbook = nullptr;
  if (error != LXW_NO_ERROR) return Fail(WriteFailed(error));
  std::ifstream in(s.path, std::ios::binary);
  if (!in.is_open()) return Fail(Error(ErrorCode::kInternal, "The spreadsheet could not be read back.").WithInternal(s.path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

}  // namespace rapport::exchange
