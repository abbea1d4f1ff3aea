#include "exchange/xlsx.h"

#include <gtest/gtest.h>

#include "support/xlsx_text.h"

namespace rapport::exchange {
namespace {

using records::FieldValue;
using records::Money;

TEST(XlsxTest, WritesTypedCellsUnderABoldFrozenHeader) {
  auto sheet = XlsxSheet::Start("Deals: by [stage]", {{"Name", "text"},
                                                     {"Amount", "currency"},
                                                     {"Close date", "date"},
                                                     {"Created", "datetime"},
                                                     {"Count", "integer"},
                                                     {"Tags", "multi_picklist"}});
  ASSERT_TRUE(sheet) << sheet.error().detail();
  ASSERT_TRUE(sheet->AddRow({FieldValue{std::string("Acme <renewal> & co")},
                             FieldValue{Money{*Decimal::Parse("1234.50"), "EUR"}}, FieldValue{std::string("2026-01-15")},
                             FieldValue{std::string("2026-01-15T12:00:00Z")}, FieldValue{int64_t{42}},
                             FieldValue{std::vector<std::string>{"a", "b"}}}));
  // Text that a spreadsheet would run as a formula stays text; empty cells stay empty.
  ASSERT_TRUE(sheet->AddRow({FieldValue{std::string("=HYPERLINK(\"http://evil\")")}, FieldValue{}, FieldValue{},
                             FieldValue{}, FieldValue{int64_t{-1}}, FieldValue{}}));
  auto bytes = sheet->Finish();
  ASSERT_TRUE(bytes) << bytes.error().detail();
  ASSERT_TRUE(bytes->starts_with("PK\x03\x04"));
  std::string xml = testing::XlsxSheetXml(*bytes);
  EXPECT_NE(xml.find("<t>Name</t>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<pane ySplit=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("Acme &lt;renewal&gt; &amp; co"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<v>1234.5</v>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<v>46037</v>"), std::string::npos) << xml;      // 2026-01-15 as an Excel date
  EXPECT_NE(xml.find("<v>46037.5</v>"), std::string::npos) << xml;    // and at noon UTC
  EXPECT_NE(xml.find("<v>42</v>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<t>a;b</t>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("=HYPERLINK"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<f>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<v>-1</v>"), std::string::npos) << xml;
}

TEST(XlsxTest, TextLongerThanACellHoldsIsCutNotFatal) {
  auto sheet = XlsxSheet::Start("Notes", {{"Body", "long_text"}});
  ASSERT_TRUE(sheet);
  std::string long_text(40000, 'x');
  long_text.replace(32766, 2, "\xC3\xA9");  // an é across the 32,767th character
  ASSERT_TRUE(sheet->AddRow({FieldValue{long_text}}));
  auto bytes = sheet->Finish();
  ASSERT_TRUE(bytes) << bytes.error().detail();
  std::string xml = testing::XlsxSheetXml(*bytes);
  EXPECT_NE(xml.find(std::string(32766, 'x') + "</t>"), std::string::npos);
}

TEST(XlsxTest, ASheetIsNamedAsExcelAllows) {
  auto sheet = XlsxSheet::Start("a name far longer than the thirty-one characters Excel allows", {{"x", "text"}});
  ASSERT_TRUE(sheet);
  auto bytes = sheet->Finish();
  ASSERT_TRUE(bytes);
  EXPECT_GT(bytes->size(), 1000u);
}

}  // namespace
}  // namespace rapport::exchange
