// Differential test: random well-typed expressions on random batches (nulls, edge values,
// selection vectors), the vectorised interpreter against the row-at-a-time reference
// evaluator. Also prints a throughput figure (not asserted).
#include <chrono>
#include <limits>
#include <random>

#include "compiler/ir/json_codec.h"
#include "runtime/decimal_math.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

// Schema: a int, b int?, x float, y float?, s string, t string?, p bool, d decimal(10, 2)?,
// w decimal(30, 5)
const char* kSchema = "{a: int, b: int?, x: float, y: float?, s: string, t: string?, p: bool, d: decimal(10, 2)?, w: decimal(30, 5)}";

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  int64_t SomeInt() {
    static const int64_t edges[] = {0, 1, -1, 2, 7, -7, 100, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
    return Pick(3) == 0 ? edges[Pick(9)] : Pick(41) - 20;
  }
  double SomeFloat() {
    static const double edges[] = {0.0, -0.0, 1.5, -2.25, 1e300, NAN, INFINITY};
    return Pick(3) == 0 ? edges[Pick(7)] : (Pick(2001) - 1000) / 8.0;
  }
  std::string SomeString() {
    static const char* words[] = {"", "a", "abc", "é", "ÉTÉ", " x ", "DE", "FR", "zz"};
    return words[Pick(9)];
  }

  // An unscaled decimal of decimal(p, s): edges (the largest, halves that round) or small.
  __int128 SomeDecimal(int p, int s) {
    __int128 top = decimal::Pow10(p) - 1;
    __int128 half = s > 0 ? 5 * decimal::Pow10(s - 1) : 5;
    const __int128 edges[] = {0, top, -top, half, -half, decimal::Pow10(s), -1};
    __int128 v = Pick(3) == 0 ? edges[Pick(7)] : static_cast<__int128>(Pick(4001) - 2000) * (Pick(2) ? 1 : decimal::Pow10(s > 2 ? s - 2 : 0));
    return v % decimal::Pow10(p);  // a value of the type (literals never exceed theirs)
  }
  Expr DecLit() {
    static const int types[][2] = {{5, 2}, {10, 2}, {12, 4}, {38, 0}, {38, 10}, {3, 3}};
    const int* t = types[Pick(6)];
    return ir::LiteralExpr(Value::Decimal(SomeDecimal(t[0], t[1]), t[1]), ast::DecimalType(t[0], t[1]));
  }

  Value Row() {
    auto maybe = [&](Value v) { return Pick(4) == 0 ? Value::Null() : v; };
    return Rec({{"a", Value::Int(SomeInt())}, {"b", maybe(Value::Int(SomeInt()))}, {"x", Value::Float(SomeFloat())},
                {"y", maybe(Value::Float(SomeFloat()))}, {"s", Value::String(SomeString())}, {"t", maybe(Value::String(SomeString()))},
                {"p", Value::Bool(Pick(2) == 0)}, {"d", maybe(Value::Decimal(SomeDecimal(10, 2), 2))},
                {"w", Value::Decimal(SomeDecimal(30, 5), 5)}});
  }

  Expr IntE(int depth) {
    auto i = ast::IntType();
    int choice = depth <= 0 ? Pick(2) : Pick(11);
    switch (choice) {
      case 0: return ir::FieldExpr(0, "a", i);
      case 1: return Int(SomeInt());
      case 2: {
        static const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod};
        return Bin(ops[Pick(5)], IntE(depth - 1), IntE(depth - 1), i);
      }
      case 3: return Un(ast::UnaryOp::Neg, IntE(depth - 1));
      case 4: return Node(ir::ExprKind::If, {BoolE(depth - 1), IntE(depth - 1), IntE(depth - 1)}, i);
      case 5: return Bin(BinaryOp::Coalesce, ir::FieldExpr(1, "b", T("int?")), IntE(depth - 1), i);
      case 6: {
        Expr m = Node(ir::ExprKind::Match, {IntE(depth - 1), Int(SomeInt()), IntE(depth - 1), Int(SomeInt()), Int(SomeInt()), IntE(depth - 1), IntE(depth - 1)}, i);
        m.arm_patterns = {1, 2, 0};
        return m;
      }
      case 7: return ir::CallExpr("abs", {IntE(depth - 1)}, i);
      case 8: return ir::CallExpr("len", {StrE(depth - 1)}, i);
      case 9: return ir::CallExpr("max", {IntE(depth - 1), IntE(depth - 1)}, i);
      default: return Bin(BinaryOp::Add, IntE(depth - 1), Int(SomeInt()), i);
    }
  }

  Expr FloatE(int depth) {
    auto f = ast::FloatType();
    int choice = depth <= 0 ? Pick(2) : Pick(8);
    switch (choice) {
      case 0: return ir::FieldExpr(2, "x", f);
      case 1: return Float(SomeFloat());
      case 2: {
        static const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod};
        return Bin(ops[Pick(5)], FloatE(depth - 1), FloatE(depth - 1), f);
      }
      case 3: return ir::WidenExpr(IntE(depth - 1), f);
      case 4: return Bin(BinaryOp::Coalesce, ir::FieldExpr(3, "y", T("float?")), FloatE(depth - 1), f);
      case 5: return Un(ast::UnaryOp::Neg, FloatE(depth - 1));
      case 6: return Pick(2) ? ir::CallExpr("round", {FloatE(depth - 1)}, f) : ir::CallExpr("float", {DecE(depth - 1)}, f);
      default: return Node(ir::ExprKind::If, {BoolE(depth - 1), FloatE(depth - 1), FloatE(depth - 1)}, f);
    }
  }

  Expr StrE(int depth) {
    auto s = ast::StringType();
    int choice = depth <= 0 ? Pick(2) : Pick(8);
    switch (choice) {
      case 0: return ir::FieldExpr(4, "s", s);
      case 1: return Str(SomeString());
      case 2: return Bin(BinaryOp::Add, StrE(depth - 1), StrE(depth - 1), s);
      case 3: return Bin(BinaryOp::Coalesce, ir::FieldExpr(5, "t", T("string?")), StrE(depth - 1), s);
      case 4: return ir::CallExpr(Pick(2) ? "upper" : "trim", {StrE(depth - 1)}, s);
      case 5: return Node(ir::ExprKind::Interpolate, {Str("<"), IntE(depth - 1), Str("|"), FloatE(depth - 1), Str("|"), ir::FieldExpr(5, "t", T("string?")), DecE(depth - 1)}, s);
      case 6: return ir::CallExpr("substr", {StrE(depth - 1), Int(Pick(4)), Int(Pick(3))}, s);
      default: return Node(ir::ExprKind::If, {BoolE(depth - 1), StrE(depth - 1), StrE(depth - 1)}, s);
    }
  }

  Expr BoolE(int depth) {
    auto b = ast::BoolType();
    int choice = depth <= 0 ? Pick(2) : Pick(10);
    static const BinaryOp cmp[] = {BinaryOp::Eq, BinaryOp::Ne, BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge};
    switch (choice) {
      case 0: return ir::FieldExpr(6, "p", b);
      case 1: return Bool(Pick(2) == 0);
      case 2: return Bin(cmp[Pick(6)], IntE(depth - 1), IntE(depth - 1), b);
      case 3: return Bin(cmp[Pick(6)], FloatE(depth - 1), FloatE(depth - 1), b);
      case 4: return Bin(cmp[Pick(6)], StrE(depth - 1), StrE(depth - 1), b);
      case 5: return Bin(Pick(2) ? BinaryOp::And : BinaryOp::Or, BoolE(depth - 1), BoolE(depth - 1), b);
      case 6: return Un(ast::UnaryOp::Not, BoolE(depth - 1));
      case 7: {
        Expr e = Node(ir::ExprKind::IsNull, {Pick(2) ? ir::FieldExpr(1, "b", T("int?")) : ir::FieldExpr(5, "t", T("string?"))}, b);
        e.negated = Pick(2) == 0;
        return e;
      }
      case 8:
        if (Pick(2)) return Bin(cmp[Pick(6)], DecE(depth - 1), Pick(3) ? DecE(depth - 1) : IntE(depth - 1), b);
        if (Pick(2)) {
          return Bin(Pick(2) ? BinaryOp::In : BinaryOp::NotIn, ir::FieldExpr(7, "d", T("decimal(10, 2)?")),
                     ir::LiteralExpr(ListV({Value::Int(Pick(5) - 2), Value::Decimal(SomeDecimal(10, 2), 2), Value::Decimal(Pick(5) - 2, 1)}),
                                     T("list<decimal(10, 2)>")),
                     b);
        }
        return Bin(Pick(2) ? BinaryOp::In : BinaryOp::NotIn, ir::FieldExpr(1, "b", T("int?")),
                   ir::LiteralExpr(ListV({Value::Int(SomeInt()), Value::Int(SomeInt()), Value::Int(1)}), T("list<int>")), b);
      default: return Bin(BinaryOp::Eq, ir::FieldExpr(5, "t", T("string?")), Pick(2) ? Str(SomeString()) : Null(ast::NullType()), b);
    }
  }

  // Decimals of mixed types: results typed as the front end types them (ast::CommonType).
  Expr DecE(int depth) {
    int choice = depth <= 0 ? Pick(3) : Pick(11);
    switch (choice) {
      case 0: return Bin(BinaryOp::Coalesce, ir::FieldExpr(7, "d", T("decimal(10, 2)?")), DecLit(), T("decimal(12, 4)"));
      case 1: return ir::FieldExpr(8, "w", T("decimal(30, 5)"));
      case 2: return DecLit();
      case 3:
      case 4: {
        static const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod};
        Expr a = DecE(depth - 1), b = DecE(depth - 1);
        TypeRef t = ast::CommonType(a.type, b.type);
        return Bin(ops[Pick(5)], std::move(a), std::move(b), t);
      }
      case 5: return Un(ast::UnaryOp::Neg, DecE(depth - 1));
      case 6: return ir::WidenExpr(IntE(depth - 1), ast::DecimalType(Pick(2) ? 20 : 38, Pick(4)));
      case 7: {
        int p = 1 + Pick(38), s = Pick(p + 1);
        Expr x = Pick(2) ? DecE(depth - 1) : FloatE(depth - 1);
        return ir::CallExpr("decimal", {std::move(x), Int(p), Int(s)}, ast::DecimalType(p, s));
      }
      case 8: {
        Expr a = DecE(depth - 1), b = DecE(depth - 1);
        TypeRef t = ast::CommonType(a.type, b.type);
        return Node(ir::ExprKind::If, {BoolE(depth - 1), std::move(a), std::move(b)}, t);
      }
      case 9: {
        Expr x = DecE(depth - 1);
        TypeRef t = x.type;
        return Pick(2) ? ir::CallExpr("abs", {std::move(x)}, t) : ir::CallExpr("round", {std::move(x), Int(Pick(4))}, t);
      }
      default: {
        Expr x = DecE(depth - 1);
        TypeRef t = x.type;
        return ir::CallExpr(Pick(2) ? "floor" : "ceil", {std::move(x)}, t);
      }
    }
  }

  Expr Any(int depth) {
    switch (Pick(5)) {
      case 0: return IntE(depth);
      case 1: return FloatE(depth);
      case 2: return StrE(depth);
      case 3: return DecE(depth);
      default: return BoolE(depth);
    }
  }

 private:
  std::mt19937_64 rng_;
};

TEST(EvalRandom, InterpreterAgreesWithTheReferenceEvaluator) {
  Generator gen(20240531);
  size_t compared = 0, failed_rows = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<Value> rows;
    size_t n = 1 + static_cast<size_t>(gen.Pick(150));
    for (size_t i = 0; i < n; ++i) rows.push_back(gen.Row());
    Batch batch = MakeRows(kSchema, rows);
    if (gen.Pick(2) == 0) {
      std::vector<uint32_t> selection;
      for (uint32_t i = 0; i < n; ++i) {
        if (gen.Pick(3) != 0) selection.push_back(i);
      }
      batch = Select(batch, selection);
    }
    Expr expr = gen.Any(1 + gen.Pick(4));
    std::string error;
    auto kernel = CompileKernel(expr, batch.schema, &error);
    ASSERT_TRUE(kernel) << error << "\n" << ir::ToText(expr);
    RowErrors errors;
    ColumnPtr column = kernel->Evaluate(batch, {}, errors);
    ASSERT_EQ(column->rows, batch.Size());
    for (size_t i = 0; i < batch.Size(); ++i) {
      Value record = batch.Row(i);
      ReferenceResult expected = EvaluateReference(expr, record, {});
      ASSERT_EQ(expected.error.has_value(), errors.Failed(static_cast<uint32_t>(i)))
          << ir::ToText(expr) << "\nrow " << i << ": " << ast::ToLiteral(record)
          << (expected.error ? "\nreference error: " + expected.error->message : "\ninterpreter failed the row");
      if (expected.error) {
        ++failed_rows;
        continue;
      }
      Value got = column->Get(i);
      if (got.kind == VK::Decimal && expected.value.kind == VK::Decimal) {
        ASSERT_EQ(got.scale, expected.value.scale) << ir::ToText(expr);
      }
      ASSERT_TRUE(Same(got, expected.value)) << ir::ToText(expr) << "\nrow " << i << ": " << ast::ToLiteral(record)
                                             << "\nreference: " << ast::ToLiteral(expected.value) << "\ninterpreter: " << ast::ToLiteral(got)
                                             << "\n" << ir::json_codec::ExprToJson(expr).dump();
      ++compared;
    }
  }
  EXPECT_GT(compared, 5000u);
  EXPECT_GT(failed_rows, 0u);  // the edge values do reach overflow / division by zero
  std::printf("compared %zu rows, %zu failed rows agreed\n", compared, failed_rows);
}

// The orders derive + filter of examples/orders.etl shape, on 1M generated rows: printed.
TEST(EvalRandom, ThroughputOfDeriveAndFilter) {
  const size_t kRows = 1 << 20;
  TypeRef schema = T("{qty: int, amount: float, rate: float}");
  std::vector<Batch> batches;
  std::mt19937_64 rng(7);
  for (size_t start = 0; start < kRows; start += kDefaultBatchRows) {
    Batch batch;
    batch.schema = schema;
    batch.rows = kDefaultBatchRows;
    ColumnBuilder qty(ast::IntType()), amount(ast::FloatType()), rate(ast::FloatType());
    for (size_t i = 0; i < kDefaultBatchRows; ++i) {
      qty.AppendInt(static_cast<int64_t>(rng() % 20));
      amount.AppendFloat(static_cast<double>(rng() % 10000) / 100.0);
      rate.AppendFloat(1.0 + static_cast<double>(rng() % 100) / 1000.0);
    }
    batch.columns = {qty.Finish(), amount.Finish(), rate.Finish()};
    batches.push_back(std::move(batch));
  }
  auto f = ast::FloatType();
  Expr derive = Bin(BinaryOp::Mul, Bin(BinaryOp::Mul, ir::FieldExpr(1, "amount", f), ir::FieldExpr(2, "rate", f), f),
                    ir::WidenExpr(ir::FieldExpr(0, "qty", ast::IntType()), f), f);
  Expr cond = Bin(BinaryOp::Gt, ir::FieldExpr(0, "qty", ast::IntType()), Int(3), ast::BoolType());
  std::string error;
  auto kernel = CompileKernel(derive, schema, &error);
  auto predicate = Predicate::Compile(cond, schema, &error);
  ASSERT_TRUE(kernel && predicate) << error;
  EvalContext ctx;
  RowErrors errors;
  size_t kept = 0;
  double checksum = 0;
  auto start = std::chrono::steady_clock::now();
  for (const Batch& batch : batches) {
    Batch selected = Select(batch, predicate->Evaluate(batch, ctx, errors));
    kept += selected.Size();
    ColumnPtr total = kernel->Evaluate(selected, ctx, errors);
    checksum += total->floats.empty() ? 0 : total->floats[0];
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(errors.Empty());
  EXPECT_GT(kept, 0u);
  std::printf("filter qty > 3 + derive amount * rate * qty: %zu rows in %.1f ms = %.1f M rows/s (kept %zu, checksum %.2f)\n", kRows,
              seconds * 1000, static_cast<double>(kRows) / seconds / 1e6, kept, checksum);
}

}  // namespace
}  // namespace etl::runtime::testing
