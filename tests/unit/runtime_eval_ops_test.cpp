// The interpreter's operators: arithmetic, comparisons, logic, null handling, control flow,
// row errors and selection vectors.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

#define EXPECT_VALUE(expr, expected) EXPECT_TRUE(Same(Eval1(expr), expected)) << ir::ToText(expr) << " = " << ast::ToLiteral(Eval1(expr))

TEST(EvalOps, IntArithmetic) {
  auto i = ast::IntType();
  EXPECT_VALUE(Bin(BinaryOp::Add, Int(2), Int(3), i), Value::Int(5));
  EXPECT_VALUE(Bin(BinaryOp::Sub, Int(2), Int(3), i), Value::Int(-1));
  EXPECT_VALUE(Bin(BinaryOp::Mul, Int(-4), Int(3), i), Value::Int(-12));
  EXPECT_VALUE(Bin(BinaryOp::Div, Int(7), Int(2), i), Value::Int(3));
  EXPECT_VALUE(Bin(BinaryOp::Div, Int(-7), Int(2), i), Value::Int(-3));
  EXPECT_VALUE(Bin(BinaryOp::Mod, Int(-7), Int(3), i), Value::Int(-1));
  EXPECT_VALUE(Bin(BinaryOp::Mod, Int(kMin), Int(-1), i), Value::Int(0));
  EXPECT_VALUE(Bin(BinaryOp::Add, Int(kMax), Int(1), i), Value::String("error:overflow"));
  EXPECT_VALUE(Bin(BinaryOp::Sub, Int(kMin), Int(1), i), Value::String("error:overflow"));
  EXPECT_VALUE(Bin(BinaryOp::Mul, Int(kMax), Int(2), i), Value::String("error:overflow"));
  EXPECT_VALUE(Bin(BinaryOp::Div, Int(kMin), Int(-1), i), Value::String("error:overflow"));
  EXPECT_VALUE(Bin(BinaryOp::Div, Int(1), Int(0), i), Value::String("error:division_by_zero"));
  EXPECT_VALUE(Bin(BinaryOp::Mod, Int(1), Int(0), i), Value::String("error:division_by_zero"));
  EXPECT_VALUE(Un(ast::UnaryOp::Neg, Int(kMin)), Value::String("error:overflow"));
  EXPECT_VALUE(Un(ast::UnaryOp::Neg, Int(5)), Value::Int(-5));
}

TEST(EvalOps, FloatArithmeticFollowsIeee) {
  auto f = ast::FloatType();
  EXPECT_VALUE(Bin(BinaryOp::Div, Float(7), Float(2), f), Value::Float(3.5));
  EXPECT_VALUE(Bin(BinaryOp::Div, Float(1), Float(0), f), Value::Float(INFINITY));
  EXPECT_VALUE(Bin(BinaryOp::Div, Float(-1), Float(0), f), Value::Float(-INFINITY));
  EXPECT_TRUE(std::isnan(Eval1(Bin(BinaryOp::Div, Float(0), Float(0), f)).float_value));
  EXPECT_VALUE(Bin(BinaryOp::Mod, Float(7.5), Float(2), f), Value::Float(1.5));
  EXPECT_VALUE(Un(ast::UnaryOp::Neg, Float(0.0)), Value::Float(-0.0));
  EXPECT_VALUE(ir::WidenExpr(Int(3), f), Value::Float(3.0));
  EXPECT_VALUE(Bin(BinaryOp::Eq, Float(NAN), Float(NAN), ast::BoolType()), Value::Bool(false));
  EXPECT_VALUE(Bin(BinaryOp::Lt, Float(NAN), Float(1), ast::BoolType()), Value::Bool(false));
  EXPECT_VALUE(Bin(BinaryOp::Eq, Float(-0.0), Float(0.0), ast::BoolType()), Value::Bool(true));
}

TEST(EvalOps, TimeArithmetic) {
  auto ts = ir::LiteralExpr(Kinded(VK::Timestamp, 1704067200000000), ast::TimestampType());  // 2024-01-01T00:00:00Z
  auto hour = ir::LiteralExpr(Kinded(VK::Duration, 3600000000), ast::DurationType());
  auto day = ir::LiteralExpr(Kinded(VK::Date, 19723), ast::DateType());                       // 2024-01-01
  EXPECT_VALUE(Bin(BinaryOp::Add, ts, hour, ast::TimestampType()), Kinded(VK::Timestamp, 1704070800000000));
  EXPECT_VALUE(Bin(BinaryOp::Sub, ts, ts, ast::DurationType()), Kinded(VK::Duration, 0));
  EXPECT_VALUE(Bin(BinaryOp::Mul, hour, Int(2), ast::DurationType()), Kinded(VK::Duration, 7200000000));
  EXPECT_VALUE(Bin(BinaryOp::Div, hour, Int(0), ast::DurationType()), Value::String("error:division_by_zero"));
  EXPECT_VALUE(Bin(BinaryOp::Div, Bin(BinaryOp::Mul, hour, Int(3), ast::DurationType()), Bin(BinaryOp::Mul, hour, Int(2), ast::DurationType()), ast::FloatType()), Value::Float(1.5));
  auto week = ir::LiteralExpr(Kinded(VK::Duration, 7 * 86400000000LL), ast::DurationType());
  EXPECT_VALUE(Bin(BinaryOp::Add, day, week, ast::DateType()), Kinded(VK::Date, 19730));
  EXPECT_VALUE(Bin(BinaryOp::Sub, day, hour, ast::DateType()), Kinded(VK::Date, 19722));  // rounds down to the day
  EXPECT_VALUE(Bin(BinaryOp::Sub, day, day, ast::DurationType()), Kinded(VK::Duration, 0));
}

TEST(EvalOps, StringsCompareBytewiseAndConcatenate) {
  auto b = ast::BoolType();
  EXPECT_VALUE(Bin(BinaryOp::Add, Str("é"), Str(""), ast::StringType()), Value::String("é"));
  EXPECT_VALUE(Bin(BinaryOp::Lt, Str("Z"), Str("a"), b), Value::Bool(true));
  EXPECT_VALUE(Bin(BinaryOp::Lt, Str("z"), Str("é"), b), Value::Bool(true));  // bytes 0x7a < 0xc3
  EXPECT_VALUE(Bin(BinaryOp::Eq, Str(""), Str(""), b), Value::Bool(true));
}

TEST(EvalOps, NullsAndLogic) {
  Batch batch = MakeRows("{n: int?, s: string?}", {Rec({{"n", Value::Int(1)}, {"s", Value::String("x")}}),
                                                    Rec({{"n", Value::Null()}, {"s", Value::Null()}})});
  auto n = ir::FieldExpr(0, "n", T("int?"));
  auto s = ir::FieldExpr(1, "s", T("string?"));
  auto b = ast::BoolType();
  Result eq_null = RunExpr(Bin(BinaryOp::Eq, n, Null(ast::NullType()), b), batch);
  EXPECT_TRUE(Same(eq_null.values[0], Value::Bool(false)) && Same(eq_null.values[1], Value::Bool(true)));
  Result ne = RunExpr(Bin(BinaryOp::Ne, n, Int(1), b), batch);
  EXPECT_TRUE(Same(ne.values[0], Value::Bool(false)) && Same(ne.values[1], Value::Bool(true)));
  Result coalesce = RunExpr(Bin(BinaryOp::Coalesce, s, Str("-"), ast::StringType()), batch);
  EXPECT_TRUE(Same(coalesce.values[0], Value::String("x")) && Same(coalesce.values[1], Value::String("-")));
  Result in = RunExpr(Bin(BinaryOp::In, s, ir::LiteralExpr(ListV({Value::String("x"), Value::String("y")}), T("list<string>")), b), batch);
  EXPECT_TRUE(Same(in.values[0], Value::Bool(true)) && Same(in.values[1], Value::Bool(false)));
  Result not_in = RunExpr(Bin(BinaryOp::NotIn, n, ir::LiteralExpr(ListV({Value::Int(2)}), T("list<int>")), b), batch);
  EXPECT_TRUE(Same(not_in.values[0], Value::Bool(true)) && Same(not_in.values[1], Value::Bool(true)));
  Expr is_null = Node(ir::ExprKind::IsNull, {n}, b);
  Result r = RunExpr(is_null, batch);
  EXPECT_TRUE(Same(r.values[0], Value::Bool(false)) && Same(r.values[1], Value::Bool(true)));
}

// `s in [a few strings]` compares short strings (at most 8 bytes) as one key of their
// bytes and longer ones by length and bytes: every length 0..12 against items of every
// length, values that differ from an item in one byte only (first, middle, last), and
// nulls, against a plain search; `not in` is the negation.
TEST(EvalOps, InAFewStringsMatchesExactlyTheEqualOnes) {
  // At most 8 items: longer lists use a hash set.
  const std::vector<std::string> items = {"", "U", "US", "EUR", "abcde", "abcdefgh", "abcdefghijk", std::string("x\0y", 3)};
  std::vector<std::string> values;
  for (const std::string& item : items) {
    values.push_back(item);
    for (size_t at : {size_t{0}, item.size() / 2, item.size() ? item.size() - 1 : 0}) {
      if (item.empty()) continue;
      std::string near = item;
      near[at] = static_cast<char>(near[at] ^ 1);
      values.push_back(near);
    }
    values.push_back(item + "z");
    if (!item.empty()) values.push_back(item.substr(0, item.size() - 1));
  }
  for (size_t n = 0; n <= 12; ++n) values.push_back(std::string(n, 'q'));
  std::vector<Value> rows;
  for (const std::string& value : values) rows.push_back(Rec({{"s", Value::String(value)}}));
  rows.push_back(Rec({{"s", Value::Null()}}));
  Batch batch = MakeRows("{s: string?}", rows);
  auto s = ir::FieldExpr(0, "s", T("string?"));
  std::vector<Value> list;
  for (const std::string& item : items) list.push_back(Value::String(item));
  auto b = ast::BoolType();
  Result in = RunExpr(Bin(BinaryOp::In, s, ir::LiteralExpr(ListV(list), T("list<string>")), b), batch);
  Result not_in = RunExpr(Bin(BinaryOp::NotIn, s, ir::LiteralExpr(ListV(list), T("list<string>")), b), batch);
  for (size_t r = 0; r < values.size(); ++r) {
    bool expected = std::find(items.begin(), items.end(), values[r]) != items.end();
    EXPECT_TRUE(Same(in.values[r], Value::Bool(expected))) << "row " << r << " \"" << values[r] << "\"";
    EXPECT_TRUE(Same(not_in.values[r], Value::Bool(!expected))) << "row " << r;
  }
  EXPECT_TRUE(Same(in.values[values.size()], Value::Bool(false)));  // null is in no list without null
}

TEST(EvalOps, AndOrShortCircuitSoTheRightSideDoesNotFail) {
  Batch batch = MakeRows("{d: int}", {Rec({{"d", Value::Int(0)}}), Rec({{"d", Value::Int(2)}})});
  auto d = ir::FieldExpr(0, "d", ast::IntType());
  auto b = ast::BoolType();
  auto ratio_big = Bin(BinaryOp::Gt, Bin(BinaryOp::Div, Int(10), d, ast::IntType()), Int(1), b);
  Result r = RunExpr(Bin(BinaryOp::And, Bin(BinaryOp::Ne, d, Int(0), b), ratio_big, b), batch);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(Same(r.values[0], Value::Bool(false)) && Same(r.values[1], Value::Bool(true)));
  Result o = RunExpr(Bin(BinaryOp::Or, Bin(BinaryOp::Eq, d, Int(0), b), ratio_big, b), batch);
  EXPECT_TRUE(o.errors.empty());
  EXPECT_TRUE(Same(o.values[0], Value::Bool(true)) && Same(o.values[1], Value::Bool(true)));
  Result unguarded = RunExpr(ratio_big, batch);
  ASSERT_EQ(unguarded.errors.size(), 1u);
  EXPECT_EQ(unguarded.errors[0].row, 0u);
  EXPECT_EQ(unguarded.errors[0].code, "division_by_zero");
}

TEST(EvalOps, IfAndMatchEvaluateBranchesOnTheirRowsOnly) {
  Batch batch = MakeRows("{d: int, c: string}", {Rec({{"d", Value::Int(0)}, {"c", Value::String("FR")}}),
                                                  Rec({{"d", Value::Int(5)}, {"c", Value::String("DE")}}),
                                                  Rec({{"d", Value::Int(-1)}, {"c", Value::String("US")}})});
  auto d = ir::FieldExpr(0, "d", ast::IntType());
  auto c = ir::FieldExpr(1, "c", ast::StringType());
  auto i = ast::IntType();
  Expr guarded = Node(ir::ExprKind::If, {Bin(BinaryOp::Eq, d, Int(0), ast::BoolType()), Int(-1), Bin(BinaryOp::Div, Int(10), d, i)}, i);
  Result r = RunExpr(guarded, batch);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(Same(r.values[0], Value::Int(-1)) && Same(r.values[1], Value::Int(2)) && Same(r.values[2], Value::Int(-10)));
  Expr match = Node(ir::ExprKind::Match, {c, Str("FR"), Str("domestic"), Str("DE"), Str("BE"), Str("near"), Str("far")}, ast::StringType());
  match.arm_patterns = {1, 2, 0};
  Result m = RunExpr(match, batch);
  EXPECT_TRUE(Same(m.values[0], Value::String("domestic")) && Same(m.values[1], Value::String("near")) && Same(m.values[2], Value::String("far")));
}

TEST(EvalOps, SelectionGivesResultsForSelectedRowsAndErrorsByBatchRow) {
  Batch full = MakeRows("{d: int}", {Rec({{"d", Value::Int(1)}}), Rec({{"d", Value::Int(0)}}), Rec({{"d", Value::Int(4)}}), Rec({{"d", Value::Int(0)}})});
  Batch batch = Select(full, {2, 3});
  auto d = ir::FieldExpr(0, "d", ast::IntType());
  Result r = RunExpr(Bin(BinaryOp::Div, Int(8), d, ast::IntType()), batch);
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_TRUE(Same(r.values[0], Value::Int(2)));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].row, 1u);  // the second row of the batch (column row 3)
  // Predicates give column rows, for Select.
  std::string error;
  auto predicate = Predicate::Compile(Bin(BinaryOp::Gt, Bin(BinaryOp::Div, Int(8), d, ast::IntType()), Int(1), ast::BoolType()), full.schema, &error);
  ASSERT_TRUE(predicate) << error;
  RowErrors errors;
  EXPECT_EQ(predicate->Evaluate(batch, {}, errors), (std::vector<uint32_t>{2}));
  EXPECT_TRUE(errors.Failed(1));
}

TEST(EvalOps, CompositeValues) {
  Batch batch = MakeRows("{l: list<int>, m: map<float>, r: {a: int}, j: json}",
                         {Rec({{"l", ListV({Value::Int(1), Value::Int(2)})}, {"m", Rec({{"x", Value::Float(1.5)}})}, {"r", Rec({{"a", Value::Int(7)}})},
                               {"j", Rec({{"k", ListV({Value::Int(1), Value::String("two")})}})}})});
  auto l = ir::FieldExpr(0, "l", T("list<int>"));
  auto m = ir::FieldExpr(1, "m", T("map<float>"));
  auto rec = ir::FieldExpr(2, "r", T("{a: int}"));
  auto j = ir::FieldExpr(3, "j", ast::JsonType());
  EXPECT_TRUE(Same(RunExpr(Node(ir::ExprKind::Index, {l, Int(1)}, ast::IntType()), batch).values[0], Value::Int(2)));
  Result oob = RunExpr(Node(ir::ExprKind::Index, {l, Int(2)}, ast::IntType()), batch);
  ASSERT_EQ(oob.errors.size(), 1u);
  EXPECT_EQ(oob.errors[0].code, "index_out_of_range");
  EXPECT_TRUE(Same(RunExpr(Node(ir::ExprKind::Index, {m, Str("x")}, T("float?")), batch).values[0], Value::Float(1.5)));
  EXPECT_TRUE(Same(RunExpr(Node(ir::ExprKind::Index, {m, Str("y")}, T("float?")), batch).values[0], Value::Null()));
  Expr get = Node(ir::ExprKind::GetField, {rec}, ast::IntType());
  get.name = "a";
  get.slot = 0;
  EXPECT_TRUE(Same(RunExpr(get, batch).values[0], Value::Int(7)));
  Expr jk = Node(ir::ExprKind::GetField, {j}, ast::JsonType());
  jk.name = "k";
  Expr j1 = Node(ir::ExprKind::Index, {jk, Int(1)}, ast::JsonType());
  EXPECT_TRUE(Same(RunExpr(j1, batch).values[0], Value::String("\"two\"")));
  EXPECT_TRUE(Same(RunExpr(Bin(BinaryOp::Add, l, l, T("list<int>")), batch).values[0], ListV({Value::Int(1), Value::Int(2), Value::Int(1), Value::Int(2)})));
  Expr interp = Node(ir::ExprKind::Interpolate, {Str("n="), Int(3), Str(" x="), Float(2), Str(" "), Null(T("string?"))}, ast::StringType());
  EXPECT_TRUE(Same(RunExpr(interp, batch).values[0], Value::String("n=3 x=2.0 null")));
}

TEST(EvalOps, ParamsComeFromTheContext) {
  EvalContext ctx;
  ctx.params["min"] = Value::Int(5);
  EXPECT_TRUE(Same(Eval1(Bin(BinaryOp::Add, ir::ParamExpr("min", ast::IntType()), Int(1), ast::IntType()), ctx), Value::Int(6)));
  EXPECT_TRUE(Same(Eval1(ir::ParamExpr("missing", ast::IntType()), ctx), Value::String("error:param")));
}

TEST(EvalOps, BindErrorsInsteadOfCrashes) {
  std::string error;
  EXPECT_FALSE(CompileKernel(ir::CallExpr("no_such_fn", {}, ast::IntType()), T("{a: int}"), &error));
  EXPECT_NE(error.find("no_such_fn"), std::string::npos);
  EXPECT_FALSE(CompileKernel(ir::FieldExpr(3, "zz", ast::IntType()), T("{a: int}"), &error));
  EXPECT_FALSE(CompileKernel(ir::CallExpr("secret", {Str("k")}, ast::SecretType()), T("{a: int}"), &error));
  Expr agg;
  agg.kind = ir::ExprKind::AggregateRef;
  agg.type = ast::IntType();
  EXPECT_FALSE(CompileKernel(agg, T("{a: int}"), &error));
}

}  // namespace
}  // namespace etl::runtime::testing
