// Reads back what a test wrote as .xlsx: the XML of its first sheet, taken out of the
// zip container by Debian's unzip, so tests check the real file a spreadsheet opens.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace rapport::testing {

inline std::string XlsxSheetXml(const std::string& workbook) {
  TempDir dir("rapport_xlsx");
  std::string path = dir.File("book.xlsx");
  std::ofstream(path, std::ios::binary) << workbook;
  std::string out;
  FILE* pipe = ::popen(("unzip -p '" + path + "' xl/worksheets/sheet1.xml 2>&1").c_str(), "r");
  if (!pipe) return "popen failed";
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

}  // namespace rapport::testing
