#include "records/internal/group_accumulator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace rapport::records::internal {
namespace {

using storage::Null;
using storage::Value;
using Row = std::vector<Value>;

// What the GROUP BY statement gives for the same rows, written out by hand: rows are
// (key, value); cells are COUNT(*), COUNT(v), COUNT(DISTINCT v), SUM(v), the middle
// sum, MIN(v), MAX(v).
TEST(GroupAccumulatorTest, ComputesWhatTheStatementWouldPerGroupInKeyOrder) {
  GroupAccumulator groups({0}, {{CellOp::kCountRows, 0},
                                {CellOp::kCount, 1},
                                {CellOp::kCountDistinct, 1},
                                {CellOp::kSum, 1},
                                {CellOp::kMiddleSum, 1},
                                {CellOp::kMin, 1},
                                {CellOp::kMax, 1}});
  const std::vector<Row> rows = {
      {std::string("b"), int64_t{5}}, {Null{}, int64_t{1}},          {std::string("a"), int64_t{3}},
      {std::string("b"), int64_t{5}}, {std::string("b"), Null{}},    {std::string("a"), int64_t{-7}},
      {std::string("b"), int64_t{9}}, {std::string("a"), int64_t{4}}, {std::string("b"), int64_t{1}},
  };
  for (const Row& row : rows) ASSERT_TRUE(groups.Add(row));
  EXPECT_EQ(groups.group_count(), 3u);
  auto out = groups.TakeRows();
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), 3u);
  // a: -7, 3, 4 (odd: twice the middle); b: 1, 5, 5, 9 and a NULL (even: 5 + 5); NULL last.
  EXPECT_EQ((*out)[0], (Row{std::string("a"), int64_t{3}, int64_t{3}, int64_t{3}, int64_t{0}, int64_t{6}, int64_t{-7}, int64_t{4}}));
  EXPECT_EQ((*out)[1], (Row{std::string("b"), int64_t{5}, int64_t{4}, int64_t{3}, int64_t{20}, int64_t{10}, int64_t{1}, int64_t{9}}));
  EXPECT_EQ((*out)[2], (Row{Null{}, int64_t{1}, int64_t{1}, int64_t{1}, int64_t{1}, int64_t{2}, int64_t{1}, int64_t{1}}));
}

TEST(GroupAccumulatorTest, AGroupOfOnlyNullsHasNoSumMedianOrExtremes) {
  GroupAccumulator groups({0}, {{CellOp::kCount, 1}, {CellOp::kSum, 1}, {CellOp::kMiddleSum, 1}, {CellOp::kMax, 1}});
  ASSERT_TRUE(groups.Add(Row{int64_t{1}, Null{}}));
  auto out = groups.TakeRows();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->at(0), (Row{int64_t{1}, int64_t{0}, Null{}, Null{}, Null{}}));
}

TEST(GroupAccumulatorTest, WithoutKeysNoRowsStillMakeTheOneTotal) {
  GroupAccumulator groups({}, {{CellOp::kCountRows, 0}, {CellOp::kSum, 0}, {CellOp::kCountDistinct, 0},
                               {CellOp::kMiddleSum, 0}, {CellOp::kMin, 0}});
  auto out = groups.TakeRows();
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (std::vector<Row>{{int64_t{0}, Null{}, int64_t{0}, Null{}, Null{}}}));
  GroupAccumulator totals({}, {{CellOp::kCountRows, 0}, {CellOp::kSum, 0}});
  for (int64_t v : {4, 5}) ASSERT_TRUE(totals.Add(Row{v}));
  EXPECT_EQ(*totals.TakeRows(), (std::vector<Row>{{int64_t{2}, int64_t{9}}}));
}

TEST(GroupAccumulatorTest, KeysOrderAsSqlDoesAcrossSeveralColumns) {
  GroupAccumulator groups({1, 0}, {{CellOp::kCountRows, 0}});
  for (const Row& row : std::vector<Row>{{int64_t{2}, std::string("x")},
                                         {int64_t{10}, std::string("x")},
                                         {Null{}, std::string("x")},
                                         {int64_t{1}, std::string("W")},
                                         {int64_t{1}, std::string("x")}}) {
    ASSERT_TRUE(groups.Add(row));
  }
  auto out = groups.TakeRows();
  ASSERT_TRUE(out);
  std::vector<Row> keys;
  for (const Row& row : *out) keys.push_back({row[0], row[1]});
  // Text by bytes ("W" before "x"), then numbers by value, NULLs last.
  EXPECT_EQ(keys, (std::vector<Row>{{std::string("W"), int64_t{1}},
                                    {std::string("x"), int64_t{1}},
                                    {std::string("x"), int64_t{2}},
                                    {std::string("x"), int64_t{10}},
                                    {std::string("x"), Null{}}}));
}

TEST(GroupAccumulatorTest, ASumLeaving64BitsFailsRatherThanWrapping) {
  GroupAccumulator groups({0}, {{CellOp::kSum, 1}});
  ASSERT_TRUE(groups.Add(Row{int64_t{1}, std::numeric_limits<int64_t>::max()}));
  auto added = groups.Add(Row{int64_t{1}, int64_t{1}});
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), ErrorCode::kInvalidArgument);
}

// Groupings of one scan share its key codes: each keeps its own groups, and a column
// forgotten by one is still read by the others.
TEST(GroupAccumulatorTest, GroupingsSharingKeyCodesKeepTheirOwnGroups) {
  KeyCodes codes({0, 1, 2});
  GroupAccumulator by_first({0}, {{CellOp::kSum, 3}}, codes);
  GroupAccumulator by_both({0, 1}, {{CellOp::kCountRows, 0}}, codes);
  GroupAccumulator by_third({2}, {{CellOp::kCountRows, 0}}, codes);
  const std::vector<Row> rows = {
      {std::string("a"), int64_t{1}, int64_t{7}, int64_t{10}},
      {std::string("b"), int64_t{1}, int64_t{7}, int64_t{20}},
      {std::string("a"), int64_t{2}, Null{}, int64_t{30}},
      {std::string("a"), int64_t{1}, int64_t{8}, int64_t{40}},
  };
  for (const Row& row : rows) {
    codes.Encode(row);
    ASSERT_TRUE(by_first.Add(row));
    ASSERT_TRUE(by_both.Add(row));
    ASSERT_TRUE(by_third.Add(row));
  }
  EXPECT_EQ(*by_first.TakeRows(), (std::vector<Row>{{std::string("a"), int64_t{80}}, {std::string("b"), int64_t{20}}}));
  EXPECT_EQ(*by_both.TakeRows(), (std::vector<Row>{{std::string("a"), int64_t{1}, int64_t{2}},
                                                   {std::string("a"), int64_t{2}, int64_t{1}},
                                                   {std::string("b"), int64_t{1}, int64_t{1}}}));
  EXPECT_EQ(*by_third.TakeRows(), (std::vector<Row>{{int64_t{7}, int64_t{2}}, {int64_t{8}, int64_t{1}}, {Null{}, int64_t{1}}}));
  codes.Forget(2);  // read by no grouping now: a later row's value there is not coded
  codes.Encode(Row{std::string("c"), int64_t{3}, std::string("unread"), int64_t{5}});
  EXPECT_EQ(codes.value(0, codes.code(0)), Value{std::string("c")});
  EXPECT_EQ(codes.value(1, codes.code(1)), Value{int64_t{3}});
}

// A column the caller codes (a related record's value, coded once a record): Encode
// leaves it alone, the groups follow the codes set, and the values come back out.
TEST(GroupAccumulatorTest, AColumnCodedByTheCallerGroupsByTheCodesItSets) {
  KeyCodes codes({0, 1});
  const uint32_t acme = codes.CodeOf(1, std::string("Acme"));
  const uint32_t none = codes.CodeOf(1, Null{});
  EXPECT_EQ(codes.CodeOf(1, std::string("Acme")), acme);  // a value met again keeps its code
  EXPECT_NE(none, acme);
  // Values coded ahead, but the column not left to the caller: Encode still codes it
  // (a lookup too large to hold, joined by the statement after all).
  codes.Encode(Row{std::string("won"), Null{}, int64_t{1}});
  EXPECT_EQ(codes.code(1), none);
  codes.Encode(Row{std::string("won"), std::string("Acme"), int64_t{1}});
  EXPECT_EQ(codes.code(1), acme);
  codes.CodeByCaller(1);
  GroupAccumulator by_company({1, 0}, {{CellOp::kSum, 2}}, codes);
  // Column 1's value in each row is not what Encode would code: the caller's code wins.
  const std::vector<std::pair<Row, uint32_t>> rows = {
      {{std::string("won"), std::string("stale"), int64_t{10}}, acme},
      {{std::string("won"), Null{}, int64_t{20}}, acme},
      {{std::string("lost"), std::string("Acme"), int64_t{5}}, none},
  };
  for (const auto& [row, company] : rows) {
    codes.Encode(row);
    codes.SetCode(1, company);
    ASSERT_TRUE(by_company.Add(row));
  }
  EXPECT_EQ(*by_company.TakeRows(), (std::vector<Row>{{std::string("Acme"), std::string("won"), int64_t{30}},
                                                      {Null{}, std::string("lost"), int64_t{5}}}));
  EXPECT_TRUE(codes.Codes(1));
  EXPECT_FALSE(codes.Codes(2));
}

// Records found by id: each id once, an id that is another's prefix its own record,
// and through many growths of the index.
TEST(GroupAccumulatorTest, RecordsByIdFindsEachIdItHoldsAndNoOther) {
  RecordsById records;
  EXPECT_EQ(records.Find("a"), RecordsById::kNone);
  for (uint32_t i = 0; i < 3000; ++i) ASSERT_EQ(records.Add("id-" + std::to_string(i)), i);
  EXPECT_EQ(records.Add("id-17"), 17u);  // held already
  EXPECT_EQ(records.Add("id-1"), 1u);
  EXPECT_EQ(records.size(), 3000u);
  for (uint32_t i = 0; i < 3000; ++i) ASSERT_EQ(records.Find("id-" + std::to_string(i)), i);
  EXPECT_EQ(records.Find("id-3000"), RecordsById::kNone);
  EXPECT_EQ(records.Find("id-"), RecordsById::kNone);
  EXPECT_EQ(records.Find(""), RecordsById::kNone);
  EXPECT_EQ(records.Add(""), 3000u);
  EXPECT_EQ(records.Find(""), 3000u);
}

// Many groups: the table of groups grows many times over and loses none.
TEST(GroupAccumulatorTest, ThousandsOfGroupsAreEachCountedOnce) {
  GroupAccumulator groups({0, 1}, {{CellOp::kCountRows, 0}, {CellOp::kSum, 1}});
  for (int64_t pass = 0; pass < 3; ++pass) {
    for (int64_t i = 0; i < 5000; ++i) ASSERT_TRUE(groups.Add(Row{std::to_string(i % 100), i}));
  }
  EXPECT_EQ(groups.group_count(), 5000u);
  auto out = groups.TakeRows();
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), 5000u);
  for (const Row& row : *out) {
    EXPECT_EQ(row[2], Value{int64_t{3}});
    EXPECT_EQ(row[3], Value{3 * std::get<int64_t>(row[1])});
  }
  EXPECT_EQ(out->front(), (Row{std::string("0"), int64_t{0}, int64_t{3}, int64_t{0}}));
  EXPECT_EQ(groups.group_count(), 0u);
}

TEST(GroupAccumulatorTest, ComparesNumbersBeforeTextAndNullsLast) {
  EXPECT_LT(CompareStored(int64_t{99}, std::string("1")), 0);
  EXPECT_LT(CompareStored(1.5, int64_t{2}), 0);
  EXPECT_GT(CompareStored(Null{}, std::string("z")), 0);
  EXPECT_EQ(CompareStored(Null{}, Null{}), 0);
}

}  // namespace
}  // namespace rapport::records::internal
