// `~`, regex_extract and regex_replace (RE2), through the interpreter and the reference
// evaluator, which must agree; a bad pattern from the data is a row error.
#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

// The interpreter's result for one row, checked against the reference evaluator's.
Value Both(const Expr& expr) {
  Value fast = Eval1(expr);
  ReferenceResult slow = EvaluateReference(expr, OneRow().Row(0), EvalContext{});
  Value expected = slow.error ? Value::String("error:" + slow.error->code) : slow.value;
  EXPECT_TRUE(Same(fast, expected)) << ir::ToText(expr) << ": interpreter " << ast::ToLiteral(fast) << ", reference "
                                    << ast::ToLiteral(expected);
  return fast;
}
Expr Match(Expr s, Expr pattern) { return Bin(BinaryOp::Match, std::move(s), std::move(pattern), ast::BoolType()); }
#define EXPECT_BOTH(expr, expected)                                                   \
  do {                                                                                \
    Value got_ = Both(expr);                                                          \
    EXPECT_TRUE(Same(got_, expected)) << #expr << " = " << ast::ToLiteral(got_);      \
  } while (0)

TEST(EvalRegex, MatchFindsAMatchAnywhere) {
  EXPECT_BOTH(Match(Str("order-1234"), Str("[0-9]+")), Value::Bool(true));
  EXPECT_BOTH(Match(Str("order-1234"), Str("^[0-9]+$")), Value::Bool(false));
  EXPECT_BOTH(Match(Str("été"), Str("^.{3}$")), Value::Bool(true));  // UTF-8 characters
  EXPECT_BOTH(Match(Str(""), Str("")), Value::Bool(true));
  EXPECT_BOTH(Match(Str("x"), Str("(")), Value::String("error:regex"));  // a bad pattern from the data
}

TEST(EvalRegex, MatchOverAColumnWithNullsAndPatternsFromTheData) {
  Batch batch = MakeRows("{s: string?, p: string}", {Rec({{"s", Value::String("abc")}, {"p", Value::String("b")}}),
                                                     Rec({{"s", Value::Null()}, {"p", Value::String("b")}}),
                                                     Rec({{"s", Value::String("abc")}, {"p", Value::String("^b")}}),
                                                     Rec({{"s", Value::String("abc")}, {"p", Value::String("[")}})});
  Expr expr = Bin(BinaryOp::Match, ir::FieldExpr(0, "s", T("string?")), ir::FieldExpr(1, "p", T("string")), T("bool?"));
  Result r = RunExpr(expr, batch);
  ASSERT_EQ(r.values.size(), 4u);
  EXPECT_TRUE(Same(r.values[0], Value::Bool(true)));
  EXPECT_EQ(r.values[1].kind, VK::Null);
  EXPECT_TRUE(Same(r.values[2], Value::Bool(false)));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].row, 3u);
  EXPECT_EQ(r.errors[0].code, "regex");
}

TEST(EvalRegex, Extract) {
  TypeRef s = T("string?");
  EXPECT_BOTH(ir::CallExpr("regex_extract", {Str("ada@example.org"), Str("@(.+)$"), Int(1)}, s), Value::String("example.org"));
  EXPECT_BOTH(ir::CallExpr("regex_extract", {Str("ada@example.org"), Str("[a-z]+")}, s), Value::String("ada"));
  EXPECT_BOTH(ir::CallExpr("regex_extract", {Str("no at sign"), Str("@(.+)$"), Int(1)}, s), Value::Null());
  EXPECT_BOTH(ir::CallExpr("regex_extract", {Str("ab"), Str("(x)?b"), Int(1)}, s), Value::Null());  // group not in the match
  EXPECT_BOTH(ir::CallExpr("regex_extract", {Str("ab"), Str("a"), Int(2)}, s), Value::String("error:argument"));
}

TEST(EvalRegex, Replace) {
  TypeRef s = ast::StringType();
  EXPECT_BOTH(ir::CallExpr("regex_replace", {Str("+1 (555) 010-99"), Str("[^0-9]"), Str("")}, s), Value::String("155501099"));
  EXPECT_BOTH(ir::CallExpr("regex_replace", {Str("2024-03-05"), Str("(\\d+)-(\\d+)-(\\d+)"), Str("\\3.\\2.\\1")}, s),
              Value::String("05.03.2024"));
  EXPECT_BOTH(ir::CallExpr("regex_replace", {Str("aaa"), Str("a"), Str("\\2")}, s), Value::String("error:argument"));
}

}  // namespace
}  // namespace etl::runtime::testing
