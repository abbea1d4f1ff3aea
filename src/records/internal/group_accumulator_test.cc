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

TEST(GroupAccumulatorTest, ComparesNumbersBeforeTextAndNullsLast) {
  EXPECT_LT(CompareStored(int64_t{99}, std::string("1")), 0);
  EXPECT_LT(CompareStored(1.5, int64_t{2}), 0);
  EXPECT_GT(CompareStored(Null{}, std::string("z")), 0);
  EXPECT_EQ(CompareStored(Null{}, Null{}), 0);
}

}  // namespace
}  // namespace rapport::records::internal
