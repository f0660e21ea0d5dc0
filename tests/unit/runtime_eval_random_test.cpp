// Differential test: random well-typed expressions on random batches (nulls, edge values,
// selection vectors; the generator is random_expr.h's basic set), the vectorised
// interpreter against the row-at-a-time reference evaluator. Also prints a throughput
// figure (not asserted).
#include <chrono>
#include <limits>
#include <random>

#include "compiler/ir/json_codec.h"
#include "runtime_eval_util.h"
#include "tests/unit/random_expr.h"

namespace etl::runtime::testing {
namespace {

TEST(EvalRandom, InterpreterAgreesWithTheReferenceEvaluator) {
  RandomExprGenerator gen(20240531);
  size_t compared = 0, failed_rows = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<Value> rows;
    size_t n = 1 + static_cast<size_t>(gen.Pick(150));
    for (size_t i = 0; i < n; ++i) rows.push_back(gen.Row());
    Batch batch = MakeRows(kRandomSchema, rows);
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
