#include "exchange/csv.h"

#include <gtest/gtest.h>

namespace rapport::exchange {
namespace {

std::string Row(std::initializer_list<std::string_view> cells) {
  std::string out;
  bool first = true;
  for (auto cell : cells) {
    AppendCsvCell(out, cell, first);
    first = false;
  }
  return out;
}

TEST(CsvTest, QuotesOnlyCellsThatNeedIt) {
  EXPECT_EQ(Row({"plain", "", "two words"}), "plain,,two words");
  EXPECT_EQ(Row({"a,b", "say \"hi\"", "line\nbreak", "cr\r"}), "\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",\"cr\r\"");
  EXPECT_EQ(Row({"Zoë", "東京"}), "Zoë,東京");
}

TEST(CsvTest, TextThatASpreadsheetWouldRunIsDefused) {
  EXPECT_EQ(DefuseFormula("=HYPERLINK(\"http://evil\")"), "'=HYPERLINK(\"http://evil\")");
  EXPECT_EQ(DefuseFormula("+1 555 0100"), "'+1 555 0100");
  EXPECT_EQ(DefuseFormula("-x"), "'-x");
  EXPECT_EQ(DefuseFormula("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(DefuseFormula("\tcmd"), "'\tcmd");
  EXPECT_EQ(DefuseFormula("Acme = best"), "Acme = best");
  EXPECT_EQ(DefuseFormula(""), "");
}

}  // namespace
}  // namespace rapport::exchange
