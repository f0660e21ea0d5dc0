// Exact decimals in the interpreter and the reference evaluator: every operator across
// scales and layouts, rounding half away from zero, overflow at small and full precision,
// division by zero, comparisons, casts and the number functions (language.md §14).
#include <chrono>
#include <cstdio>

#include "compiler/ir/json_codec.h"
#include "runtime/decimal_math.h"
#include "runtime/value_json.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

TypeRef D(int p, int s) { return ast::DecimalType(p, s); }

// A decimal literal from its text ("-12.30": scale 2) typed decimal(p, scale).
Expr Dec(const std::string& text, int p) {
  __int128 v = 0;
  int scale = -1;
  for (char c : text) {
    if (c == '.') {
      scale = 0;
    } else if (c != '-') {
      v = v * 10 + (c - '0');
      if (scale >= 0) ++scale;
    }
  }
  if (scale < 0) scale = 0;
  if (text[0] == '-') v = -v;
  return ir::LiteralExpr(Value::Decimal(v, scale), D(p, scale));
}

std::string Text(const Value& v) { return v.kind == VK::String ? v.string_value : ast::ToLiteral(v); }

// The interpreter's result as text ("12.30", or "error:overflow"), after checking the
// reference evaluator gives the same value at the same scale, or the same error code.
std::string Both(const Expr& e) {
  Value got = Eval1(e);
  ReferenceResult ref = EvaluateReference(e, Rec({{"id", Value::Int(0)}}), EvalContext{});
  std::string expected = ref.error ? "error:" + ref.error->code : Text(ref.value);
  EXPECT_EQ(Text(got), expected) << ir::ToText(e) << ": interpreter and reference differ";
  if (got.kind == VK::Decimal && ref.value.kind == VK::Decimal) {
    EXPECT_EQ(got.scale, ref.value.scale);
  }
  return Text(got);
}

Expr Bin2(BinaryOp op, Expr a, Expr b) {
  TypeRef t = ast::CommonType(a.type, b.type);  // what the front end gives + - * / %
  return Bin(op, std::move(a), std::move(b), t);
}
Expr Cmp(BinaryOp op, Expr a, Expr b) { return Bin(op, std::move(a), std::move(b), ast::BoolType()); }
Expr CallOf(const char* name, std::vector<Expr> args, TypeRef type) { return ir::CallExpr(name, std::move(args), std::move(type)); }

const std::string kMax38 = "99999999999999999999999999999999999999";

TEST(EvalDecimal, AddSubRescaleToTheResultScale) {
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, Dec("12.30", 10), Dec("0.005", 10))), "12.305");
  EXPECT_EQ(Bin2(BinaryOp::Add, Dec("12.30", 10), Dec("0.005", 10)).type->precision, 11);
  EXPECT_EQ(Both(Bin2(BinaryOp::Sub, Dec("1.5", 5), Dec("2.25", 5))), "-0.75");
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, Dec("-0.01", 5), Dec("0.01", 5))), "0.00");
  // int widened to the decimal side, as the lowering does
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, ir::WidenExpr(Int(3), D(10, 2)), Dec("0.25", 10))), "3.25");
  EXPECT_EQ(Both(ir::WidenExpr(Int(1000), D(5, 2))), "error:overflow");  // 1000.00 needs 6 digits
}

TEST(EvalDecimal, MulAndDivRoundHalfAwayFromZero) {
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("1.25", 5), Dec("1.5", 5))), "1.88");  // 1.875
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("-1.25", 5), Dec("1.5", 5))), "-1.88");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("0.05", 3), Dec("0.5", 3))), "0.03");  // 0.025
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("0.05", 3), Dec("-0.5", 3))), "-0.03");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("0.04", 3), Dec("0.1", 3))), "0.00");  // 0.004
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("3", 5), Dec("4", 5))), "12");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("1", 5), Dec("3", 5))), "0");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("2", 5), Dec("3", 5))), "1");  // 0.67 rounds up
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("-2", 5), Dec("3", 5))), "-1");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("10.00", 6), Dec("4", 6))), "2.50");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("1.00", 6), Dec("8", 6))), "0.13");  // 0.125
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("-1.00", 6), Dec("8", 6))), "-0.13");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("1.00", 6), Dec("-8", 6))), "-0.13");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("1.000", 6), Dec("0.3", 6))), "3.333");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("1.00", 6), Dec("0.00", 6))), "error:division_by_zero");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mod, Dec("1.00", 6), Dec("0", 6))), "error:division_by_zero");
}

TEST(EvalDecimal, ModuloTakesTheDividendsSign) {
  EXPECT_EQ(Both(Bin2(BinaryOp::Mod, Dec("7.5", 3), Dec("2", 3))), "1.5");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mod, Dec("-7.5", 3), Dec("2", 3))), "-1.5");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mod, Dec("7.5", 3), Dec("-0.4", 3))), "0.3");
}

TEST(EvalDecimal, OverflowAtSmallAndFullPrecision) {
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, Dec("999.99", 5), Dec("0.01", 5))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Sub, Dec("-999.99", 5), Dec("0.01", 5))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("100.00", 5), Dec("10.00", 5))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("100.00", 5), Dec("0.01", 5))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, Dec(kMax38, 38), Dec("1", 38))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, Dec(kMax38, 38), Dec("-1", 38))), kMax38.substr(0, 37) + "8");
  EXPECT_EQ(Both(Bin2(BinaryOp::Sub, Dec("-" + kMax38, 38), Dec("1", 38))), "error:overflow");
  // 10^20 * 10^20 needs 41 digits: formed in 256 bits, then refused
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("100000000000000000000", 38), Dec("100000000000000000000", 38))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec(kMax38, 38), Dec(kMax38, 38))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("-" + kMax38, 38), Dec("1", 38))), "-" + kMax38);
  // decimal(38, 0) / decimal(38, 38) is decimal(38, 38): the quotient is scaled by 10^76
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("1", 38), Dec("0.1" + std::string(37, '0'), 38))), "error:overflow");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("0", 38), Dec("0.1" + std::string(37, '0'), 38))), "0." + std::string(38, '0'));
  // decimal(38, 0) + decimal(38, 10) is capped at decimal(38, 10): a large int side overflows
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, Dec("1" + std::string(30, '0'), 38), Dec("0.0000000001", 38))), "error:overflow");
}

TEST(EvalDecimal, WideValuesStayExact) {
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("12345678901234567890.1234567890", 38), Dec("2.0000000000", 38))),
            "24691357802469135780.2469135780");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("0.0000000001", 38), Dec("0.5000000000", 38))), "0.0000000001");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("-0.0000000001", 38), Dec("0.5000000000", 38))), "-0.0000000001");
  EXPECT_EQ(Both(Bin2(BinaryOp::Mul, Dec("0.0000000001", 38), Dec("0.4999999999", 38))), "0.0000000000");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("1.0000000000", 38), Dec("3.0000000000", 38))), "0.3333333333");
  EXPECT_EQ(Both(Bin2(BinaryOp::Div, Dec("2.0000000000", 38), Dec("-3.0000000000", 38))), "-0.6666666667");
  EXPECT_EQ(Both(Bin2(BinaryOp::Add, Dec("0.1", 20), Dec("0.2", 3))), "0.3");  // no float rounding
  EXPECT_EQ(Both(Un(ast::UnaryOp::Neg, Dec("12.30", 10))), "-12.30");
  EXPECT_EQ(Both(Un(ast::UnaryOp::Neg, Dec("-" + kMax38, 38))), kMax38);
  EXPECT_EQ(Both(Un(ast::UnaryOp::Neg, Dec("0.00", 30))), "0.00");
}

TEST(EvalDecimal, ComparisonsAcrossScalesLayoutsAndInts) {
  EXPECT_EQ(Both(Cmp(BinaryOp::Eq, Dec("1.5", 5), Dec("1.50", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Ne, Dec("1.5", 5), Dec("1.50", 5))), "false");
  EXPECT_EQ(Both(Cmp(BinaryOp::Lt, Dec("1.5", 5), Dec("1.51", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Ge, Dec("-1.5", 5), Dec("-1.49", 5))), "false");
  EXPECT_EQ(Both(Cmp(BinaryOp::Le, Dec("2.000", 5), Dec("2", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Gt, Dec("12345678901234567890.5", 30), Dec("99.99", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Eq, Dec("99.990000000000000000000", 30), Dec("99.99", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Lt, Dec("-" + kMax38, 38), Dec("0." + std::string(37, '0') + "1", 38))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Gt, ir::WidenExpr(Int(2), D(5, 2)), Dec("1.99", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Gt, Int(2), Dec("1.99", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Eq, Int(2), Dec("2.00", 5))), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::Eq, Dec("2.00", 5), Null(ast::WithNullable(D(5, 2), true)))), "false");
  Expr in_list = ir::LiteralExpr(ListV({Value::Int(2), Value::Decimal(35, 1)}), ast::ListType(D(5, 1)));
  EXPECT_EQ(Both(Cmp(BinaryOp::In, Dec("3.50", 5), in_list)), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::In, Dec("2.00", 5), in_list)), "true");
  EXPECT_EQ(Both(Cmp(BinaryOp::In, Dec("2.01", 5), in_list)), "false");
  EXPECT_EQ(Both(Cmp(BinaryOp::NotIn, Dec("2.01", 5), in_list)), "true");
}

TEST(EvalDecimal, Casts) {
  auto to = [](Expr x, int p, int s) { return CallOf("decimal", {std::move(x), Int(p), Int(s)}, D(p, s)); };
  EXPECT_EQ(Both(to(Str("12.345"), 10, 2)), "12.35");
  EXPECT_EQ(Both(to(Str(" -12.345 "), 10, 2)), "-12.35");
  EXPECT_EQ(Both(to(Str("12.344"), 10, 2)), "12.34");
  EXPECT_EQ(Both(to(Str("1e3"), 10, 2)), "1000.00");
  EXPECT_EQ(Both(to(Str("abc"), 10, 2)), "error:cast");
  EXPECT_EQ(Both(to(Str(""), 10, 2)), "error:cast");
  EXPECT_EQ(Both(to(Str("1000"), 5, 2)), "error:cast");
  EXPECT_EQ(Both(to(Str("999.995"), 5, 2)), "error:cast");  // rounds to 1000.00
  EXPECT_EQ(Both(to(Int(7), 5, 2)), "7.00");
  EXPECT_EQ(Both(to(Int(-7), 1, 0)), "-7");
  EXPECT_EQ(Both(to(Int(1000), 5, 2)), "error:cast");
  EXPECT_EQ(Both(to(Float(2.675), 10, 2)), "2.68");  // as printed, not the binary 2.67499...
  EXPECT_EQ(Both(to(Float(-0.125), 10, 2)), "-0.13");
  EXPECT_EQ(Both(to(Float(1e300), 38, 0)), "error:cast");
  EXPECT_EQ(Both(to(Float(NAN), 10, 2)), "error:cast");
  EXPECT_EQ(Both(to(Dec("1.235", 10), 10, 2)), "1.24");
  EXPECT_EQ(Both(to(Dec("-1.235", 10), 10, 2)), "-1.24");
  EXPECT_EQ(Both(to(Dec("1.2", 10), 20, 5)), "1.20000");
  EXPECT_EQ(Both(to(Dec(kMax38, 38), 38, 2)), "error:cast");
  EXPECT_EQ(Both(to(Null(ast::WithNullable(ast::StringType(), true)), 10, 2)), "null");
  EXPECT_EQ(Both(CallOf("float", {Dec("12.30", 10)}, ast::FloatType())), "12.3");
  EXPECT_EQ(Both(CallOf("float", {Dec("0.1", 30)}, ast::FloatType())), "0.1");
  EXPECT_EQ(Both(CallOf("int", {Dec("-12.99", 10)}, ast::IntType())), "-12");
  EXPECT_EQ(Both(CallOf("int", {Dec("12.99", 10)}, ast::IntType())), "12");
  EXPECT_EQ(Both(CallOf("int", {Dec(kMax38, 38)}, ast::IntType())), "error:cast");
  EXPECT_EQ(Both(CallOf("string", {Dec("12.30", 10)}, ast::StringType())), "12.30");
  EXPECT_EQ(Both(CallOf("string", {Dec("-0.05", 3)}, ast::StringType())), "-0.05");
  EXPECT_EQ(Both(Node(ir::ExprKind::Interpolate, {Str("x="), Dec("0.50", 3)}, ast::StringType())), "x=0.50");
}

TEST(EvalDecimal, NumberFunctionsKeepTheScale) {
  EXPECT_EQ(Both(CallOf("abs", {Dec("-12.30", 10)}, D(10, 2))), "12.30");
  EXPECT_EQ(Both(CallOf("round", {Dec("12.345", 10)}, D(10, 3))), "12.000");
  EXPECT_EQ(Both(CallOf("round", {Dec("12.345", 10), Int(2)}, D(10, 3))), "12.350");
  EXPECT_EQ(Both(CallOf("round", {Dec("-12.345", 10), Int(2)}, D(10, 3))), "-12.350");
  EXPECT_EQ(Both(CallOf("round", {Dec("99.5", 3)}, D(3, 1))), "error:overflow");
  EXPECT_EQ(Both(CallOf("floor", {Dec("-12.01", 10)}, D(10, 2))), "-13.00");
  EXPECT_EQ(Both(CallOf("ceil", {Dec("12.01", 10)}, D(10, 2))), "13.00");
  EXPECT_EQ(Both(CallOf("max", {Dec("1.5", 5), Dec("1.49", 5)}, D(5, 2))), "1.50");
  // a row-wise result that does not fit the call's type is an overflow, never a silent null
  EXPECT_EQ(Both(CallOf("max", {Dec("1" + std::string(37, '0'), 38), Dec("1.49", 5)}, D(38, 2))), "error:overflow");
}

TEST(EvalDecimal, ColumnsOfBothLayoutsWithNullsAndSelection) {
  Batch batch = MakeRows("{a: decimal(10, 2)?, b: decimal(30, 3)}",
                         {Rec({{"a", Value::Decimal(1230, 2)}, {"b", Value::Decimal(5, 3)}}),
                          Rec({{"a", Value::Null()}, {"b", Value::Decimal(-1000, 3)}}),
                          Rec({{"a", Value::Decimal(-99999, 2)}, {"b", Value::Int(2)}}),
                          Rec({{"a", Value::Decimal(1, 2)}, {"b", Value::Decimal(0, 3)}})});
  auto field = [](const char* name, int slot, TypeRef t) { return ir::FieldExpr(slot, name, std::move(t)); };
  Expr a = field("a", 0, ast::WithNullable(D(10, 2), true)), b = field("b", 1, D(30, 3));
  Result sum = RunExpr(Bin(BinaryOp::Add, a, b, ast::WithNullable(D(31, 3), true)), batch);
  ASSERT_EQ(sum.values.size(), 4u);
  EXPECT_EQ(Text(sum.values[0]), "12.305");
  EXPECT_EQ(Text(sum.values[1]), "null");
  EXPECT_EQ(Text(sum.values[2]), "-997.990");
  EXPECT_EQ(Text(sum.values[3]), "0.010");
  Result quotient = RunExpr(Bin(BinaryOp::Div, a, b, ast::WithNullable(D(31, 3), true)), batch);
  Result rounded = RunExpr(Bin(BinaryOp::Div, a, b, ast::WithNullable(D(31, 2), true)), batch);
  EXPECT_EQ(Text(rounded.values[2]), "-500.00");  // -499.995, half away from zero
  ASSERT_EQ(quotient.errors.size(), 1u);
  EXPECT_EQ(quotient.errors[0].row, 3u);
  EXPECT_EQ(quotient.errors[0].code, "division_by_zero");
  EXPECT_EQ(Text(quotient.values[0]), "2460.000");
  EXPECT_EQ(Text(quotient.values[2]), "-499.995");
  Result less = RunExpr(Cmp(BinaryOp::Lt, a, b), batch);
  EXPECT_EQ(Text(less.values[0]), "false");
  EXPECT_EQ(Text(less.values[2]), "true");
  batch.selection = std::make_shared<std::vector<uint32_t>>(std::vector<uint32_t>{2, 0});
  Result neg = RunExpr(Un(ast::UnaryOp::Neg, b), batch);
  ASSERT_EQ(neg.values.size(), 2u);
  EXPECT_EQ(Text(neg.values[0]), "-2.000");
  EXPECT_EQ(Text(neg.values[1]), "-0.005");
}

TEST(EvalDecimal, TextAndJsonAreExact) {
  EXPECT_EQ(ast::ToLiteral(Value::Decimal(1230, 2)), "12.30");
  EXPECT_EQ(ast::ToLiteral(Value::Decimal(-5, 3)), "-0.005");
  EXPECT_EQ(ast::ToLiteral(Value::Decimal(7, 0)), "7");
  EXPECT_EQ(ValueText(Value::Decimal(-1230, 2)), "-12.30");
  EXPECT_EQ(ValueToJson(ListV({Value::Decimal(1230, 2)})), "[12.30]");
  EXPECT_EQ(decimal::Compare(decimal::Pow10(38) - 1, 0, 1, 38), 1);
  EXPECT_EQ(ValueText(Value::Decimal(7, 3)), "0.007");
}

TEST(EvalDecimal, PlanJsonRoundTripsDecimalLiterals) {
  for (const Value& v : {Value::Decimal(1230, 2), Value::Decimal(-5, 3), Value::Decimal(42, 0), Value::Decimal(-(decimal::Pow10(38) - 1), 38)}) {
    ir::json_codec::Json json = ir::json_codec::ValueToJson(v);
    Value back = ir::json_codec::ValueFromJson(json, "/v");
    EXPECT_EQ(back.kind, VK::Decimal) << json.dump();
    EXPECT_EQ(back.scale, v.scale) << json.dump();
    EXPECT_TRUE(back.decimal_value == v.decimal_value) << json.dump();
  }
  EXPECT_EQ(ir::json_codec::ValueToJson(Value::Decimal(1230, 2)).dump(), R"({"decimal":"12.30"})");
  EXPECT_ANY_THROW(ir::json_codec::ValueFromJson(ir::json_codec::Json{{"decimal", "1.2.3"}}, "/v"));
  EXPECT_ANY_THROW(ir::json_codec::ValueFromJson(ir::json_codec::Json{{"decimal", "12."}}, "/v"));
}

}  // namespace
}  // namespace etl::runtime::testing

namespace etl::runtime::testing {
namespace {

// `price * rate + price` on decimal(10, 2) x decimal(5, 4) over 1M rows: the time is printed,
// not asserted (the figure in docs/dev/runtime-eval.md); the exact sum of the results is.
TEST(EvalDecimal, ThroughputOfMixedScaleArithmetic) {
  const size_t kRows = 1 << 20;
  TypeRef schema = T("{price: decimal(10, 2), rate: decimal(5, 4)}");
  std::vector<Batch> batches;
  for (size_t start = 0; start < kRows; start += kDefaultBatchRows) {
    Batch batch;
    batch.schema = schema;
    batch.rows = kDefaultBatchRows;
    ColumnBuilder price(D(10, 2)), rate(D(5, 4));
    for (size_t i = 0; i < kDefaultBatchRows; ++i) {
      price.AppendInt(static_cast<int64_t>((start + i) * 7919 % 1000000));
      rate.AppendInt(static_cast<int64_t>((start + i) % 20000));
    }
    batch.columns = {price.Finish(), rate.Finish()};
    batches.push_back(std::move(batch));
  }
  Expr p = ir::FieldExpr(0, "price", D(10, 2)), r = ir::FieldExpr(1, "rate", D(5, 4));
  Expr e = Bin(BinaryOp::Add, Bin(BinaryOp::Mul, p, r, D(12, 4)), p, D(13, 4));
  std::string error;
  auto kernel = CompileKernel(e, schema, &error);
  ASSERT_TRUE(kernel) << error;
  __int128 checksum = 0;
  auto begin = std::chrono::steady_clock::now();
  for (const Batch& batch : batches) {
    RowErrors errors;
    ColumnPtr out = kernel->Evaluate(batch, {}, errors);
    for (int64_t v : out->ints) checksum += v;
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  std::printf("price * rate + price (decimal): %zu rows in %.1f ms = %.1f M rows/s (checksum %s)\n", kRows, ms,
              static_cast<double>(kRows) / ms / 1000.0, ast::DecimalText(checksum, 4).c_str());
  // The same sum computed independently with Python integers (half up on these non-negatives).
  EXPECT_EQ(ast::DecimalText(checksum, 4), "10460684283.2194");
}

}  // namespace
}  // namespace etl::runtime::testing
