#include <gtest/gtest.h>

#include "compiler/ast/types.h"

namespace etl::ast {
namespace {

TEST(Types, SpellingRoundTrips) {
  for (const char* text : {"int", "string?", "list<string>", "map<float?>", "decimal(10, 2)",
                           "{a: int, `order id`: string?}", "list<{x: date, y: list<int>}>?"}) {
    auto parsed = ParseType(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(ToString(*parsed, true), text);
  }
  EXPECT_FALSE(ParseType("list<"));
  EXPECT_FALSE(ParseType("integer"));
}

TEST(Types, WideningIsIntToFloatAndDecimalOnly) {
  EXPECT_TRUE(IsAssignable(IntType(), FloatType()));
  EXPECT_TRUE(IsAssignable(IntType(), DecimalType(10, 2)));
  EXPECT_FALSE(IsAssignable(FloatType(), IntType()));
  EXPECT_FALSE(IsAssignable(FloatType(), DecimalType(10, 2)));
  EXPECT_TRUE(IsAssignable(IntType(), WithNullable(FloatType(), true)));
  EXPECT_FALSE(IsAssignable(WithNullable(IntType(), true), IntType()));
  EXPECT_TRUE(IsAssignable(NullType(), WithNullable(StringType(), true)));
  EXPECT_FALSE(IsAssignable(NullType(), StringType()));
}

TEST(Types, CommonTypeWidensAndKeepsNullability) {
  EXPECT_EQ(ToString(CommonType(IntType(), FloatType())), "float");
  EXPECT_EQ(ToString(CommonType(NullType(), StringType())), "string?");
  EXPECT_EQ(CommonType(StringType(), IntType()), nullptr);
}

}  // namespace
}  // namespace etl::ast
