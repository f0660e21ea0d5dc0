// Differential test of issue 5: random well-typed steps (random_expr.h's extended set: int,
// float, string, bool, decimal, date, timestamp, duration, nullable values, edge values)
// compiled by the LLVM JIT and run on random batches (nulls, with and without a selection
// vector), compared row by row with the interpreter's step kernels (runtime/step_kernel.h):
// values, validity, layouts and decimal scales of every result of a derive chain, errors
// (rows, codes, messages) and, for conditions, the deciding condition of every row in both
// ConditionModes. docs/dev/testing.md "Differential tests of the JIT".
//
// ETL_JIT_RANDOM_SEED, ETL_JIT_RANDOM_ROUNDS and ETL_JIT_RANDOM_DEPTH change the seed, the
// number of steps of each kind and the largest tree depth (soak runs); the defaults are
// what ctest runs.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>

#include "compiler/ir/json_codec.h"
#include "compiler/jit/jit.h"
#include "runtime/step_kernel.h"
#include "tests/unit/random_expr.h"

namespace etl::runtime::testing {
namespace {

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

// The seed and rounds of this run (fixed unless the environment says otherwise).
struct Settings {
  uint64_t seed = EnvNumber("ETL_JIT_RANDOM_SEED", 20240607);
  int value_steps = static_cast<int>(EnvNumber("ETL_JIT_RANDOM_ROUNDS", 700));
  int condition_steps = static_cast<int>(EnvNumber("ETL_JIT_RANDOM_ROUNDS", 700)) / 2;
  int depth = static_cast<int>(EnvNumber("ETL_JIT_RANDOM_DEPTH", 4));
};

// What the comparison saw (printed at the end, and asserted to be substantial).
struct Counts {
  size_t steps = 0, expressions = 0, not_compiled = 0, rows = 0, values = 0, failed_rows = 0, batches = 0;
  double jit_ms = 0;
};

// Random batches of the extended schema: sizes from 0 to a few thousand rows (across
// validity words), about half with a selection vector.
std::vector<Batch> RandomBatches(RandomExprGenerator& gen, int count) {
  std::vector<Batch> batches;
  for (int b = 0; b < count; ++b) {
    int size_class = gen.Pick(10);
    size_t n = size_class == 0 ? 0 : size_class <= 6 ? 1 + gen.Pick(40) : size_class <= 8 ? 60 + gen.Pick(200) : 1000 + gen.Pick(3200);
    std::vector<Value> rows;
    rows.reserve(n);
    for (size_t i = 0; i < n; ++i) rows.push_back(gen.Row());
    Batch batch = MakeRows(kRandomSchemaExtended, rows);
    if (gen.Pick(2) == 0) {
      std::vector<uint32_t> selection;
      int keep = 1 + gen.Pick(4);  // keep about keep/(keep+1) of the rows
      for (uint32_t i = 0; i < n; ++i) {
        if (gen.Pick(keep + 1) != 0) selection.push_back(i);
      }
      batch = Select(batch, std::move(selection));
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

std::string Describe(const StepExprs& step) {
  std::ostringstream out;
  for (size_t i = 0; i < step.exprs.size(); ++i) {
    out << "  #" << i << " : " << ast::ToString(step.exprs[i].type) << " = " << ir::ToText(step.exprs[i]) << "\n";
  }
  out << "  json:";
  for (const Expr& e : step.exprs) out << " " << ir::json_codec::ExprToJson(e).dump();
  return out.str();
}

std::string DescribeErrors(const std::vector<RowError>& errors) {
  std::ostringstream out;
  for (const RowError& e : errors) out << "  row " << e.row << " " << e.code << ": " << e.message << "\n";
  return out.str();
}

// The same rows failed with the same codes and messages.
void CompareErrors(RowErrors& expected, RowErrors& actual, const StepExprs& step, const Batch& batch) {
  const auto& want = expected.Errors();
  const auto& got = actual.Errors();
  bool same = want.size() == got.size();
  for (size_t i = 0; same && i < want.size(); ++i) {
    same = want[i].row == got[i].row && want[i].code == got[i].code && want[i].message == got[i].message;
  }
  if (!same) {
    size_t row = 0;
    while (row < batch.Size() && expected.Failed(static_cast<uint32_t>(row)) == actual.Failed(static_cast<uint32_t>(row))) ++row;
    ADD_FAILURE() << "errors differ\n" << Describe(step) << "\ninterpreter:\n" << DescribeErrors(want) << "jit:\n" << DescribeErrors(got)
                  << (row < batch.Size() ? "first row that differs: " + ast::ToLiteral(batch.Row(row)) : std::string());
  }
}

class JitRandom : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    compiler_ = jit::MakeKernelCompiler({}, &error);
    ASSERT_TRUE(compiler_) << error;
  }

  EvalContext Context(RandomExprGenerator& gen) {
    EvalContext ctx;
    ctx.params["k"] = Value::Int(gen.SomeInt());
    ctx.now_us = 1717750000000000;
    ctx.seed = 1;
    return ctx;
  }

  // One derive-like step: `count` expressions, expression i reading the input and the
  // results of expressions j < i (slot W + j).
  StepExprs ValueStep(RandomExprGenerator& gen, int round, int depth) {
    StepExprs step;
    step.step = "values" + std::to_string(round);
    step.input = T(kRandomSchemaExtended);
    int width = static_cast<int>(step.input->fields.size());
    int count = 1 + gen.Pick(5);
    std::vector<RandomExprGenerator::ScopeField> scope;
    for (int i = 0; i < count; ++i) {
      gen.SetScope(scope);
      step.exprs.push_back(gen.Any(1 + gen.Pick(depth)));
      scope.push_back({width + i, "#" + std::to_string(i), step.exprs.back().type});
    }
    gen.SetScope({});
    return step;
  }

  void CheckValues(const StepExprs& step, const ValuesKernel& interpreter, const ValuesKernel& compiled, const Batch& batch,
                   const EvalContext& ctx, Counts& counts) {
    RowErrors want_errors, got_errors;
    std::vector<ColumnPtr> want, got;
    interpreter.Evaluate(batch, ctx, want_errors, want);
    compiled.Evaluate(batch, ctx, got_errors, got);
    CompareErrors(want_errors, got_errors, step, batch);
    ASSERT_EQ(got.size(), step.exprs.size()) << Describe(step);
    ASSERT_EQ(want.size(), step.exprs.size());
    for (size_t e = 0; e < step.exprs.size(); ++e) {
      ASSERT_TRUE(got[e]) << "no result column for #" << e << "\n" << Describe(step);
      ASSERT_EQ(got[e]->rows, batch.Size()) << "#" << e << "\n" << Describe(step);
      ASSERT_EQ(static_cast<int>(got[e]->layout), static_cast<int>(want[e]->layout)) << "#" << e << "\n" << Describe(step);
    }
    for (size_t row = 0; row < batch.Size(); ++row) {
      ++counts.rows;
      if (want_errors.Failed(static_cast<uint32_t>(row))) {
        ++counts.failed_rows;  // values of a failed row are unspecified
        continue;
      }
      for (size_t e = 0; e < step.exprs.size(); ++e) {
        Value w = want[e]->Get(row), g = got[e]->Get(row);
        bool same = Same(g, w) && (w.kind != VK::Decimal || g.scale == w.scale);
        ASSERT_TRUE(same) << "value of #" << e << " differs at row " << row << "\n" << Describe(step) << "\nrecord: " << ast::ToLiteral(batch.Row(row))
                          << "\ninterpreter: " << ast::ToLiteral(w) << "\njit:         " << ast::ToLiteral(g);
        ++counts.values;
      }
    }
  }

  void CheckConditions(const StepExprs& step, ConditionMode mode, const ConditionsKernel& interpreter, const ConditionsKernel& compiled,
                       const Batch& batch, const EvalContext& ctx, Counts& counts) {
    RowErrors want_errors, got_errors;
    std::vector<uint32_t> want, got = {7, 7, 7};  // stale contents must be replaced
    interpreter.Classify(batch, ctx, want_errors, want);
    compiled.Classify(batch, ctx, got_errors, got);
    CompareErrors(want_errors, got_errors, step, batch);
    ASSERT_EQ(got.size(), batch.Size()) << Describe(step);
    ASSERT_EQ(want.size(), batch.Size());
    for (size_t row = 0; row < batch.Size(); ++row) {
      ++counts.rows;
      counts.failed_rows += want_errors.Failed(static_cast<uint32_t>(row)) ? 1 : 0;
      ASSERT_EQ(got[row], want[row]) << "deciding condition differs at row " << row << " ("
                                     << (mode == ConditionMode::FirstTrue ? "FirstTrue" : "FirstNotTrue") << ")\n"
                                     << Describe(step) << "\nrecord: " << ast::ToLiteral(batch.Row(row));
      ++counts.values;
    }
  }

  std::unique_ptr<KernelCompiler> compiler_;
};

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

TEST_F(JitRandom, ValueStepsAgreeWithTheInterpreter) {
  Settings settings;
  RandomExprGenerator gen(settings.seed, /*extended=*/true);
  Counts counts;
  for (int round = 0; round < settings.value_steps; ++round) {
    gen.SetEdgeOdds(round % 2 ? 3 : 12);  // half the steps with rare edge values: fewer rows fail
    StepExprs step = ValueStep(gen, round, settings.depth);
    std::string error;
    auto interpreter = InterpretValues(step, &error);
    ASSERT_TRUE(interpreter) << error << "\n" << Describe(step);
    JitCompileInfo info;
    auto start = std::chrono::steady_clock::now();
    auto compiled = compiler_->CompileValues(step, &info);
    counts.jit_ms += MsSince(start);
    ++counts.steps;
    counts.expressions += step.exprs.size();
    std::vector<Batch> batches = RandomBatches(gen, 3);
    EvalContext ctx = Context(gen);
    if (!compiled) {
      ASSERT_TRUE(info.failure.empty()) << "the JIT failed: " << info.failure << "\n" << Describe(step);
      ++counts.not_compiled;  // nothing worth compiling: the step is interpreted
      continue;
    }
    for (const Batch& batch : batches) {
      CheckValues(step, *interpreter, *compiled, batch, ctx, counts);
      ++counts.batches;
      if (HasFatalFailure() || HasNonfatalFailure()) return;
    }
  }
  std::printf("seed %llu: %zu value steps, %zu expressions (%zu steps not compiled), %zu batches, %zu rows, %zu values compared, "
              "%zu failed rows agreed; compile %.0f ms in all\n",
              static_cast<unsigned long long>(settings.seed), counts.steps, counts.expressions, counts.not_compiled, counts.batches,
              counts.rows, counts.values, counts.failed_rows, counts.jit_ms);
  EXPECT_GE(counts.expressions, static_cast<size_t>(settings.value_steps));
  EXPECT_GT(counts.failed_rows, 0u);  // edge values reach overflow, division by zero, casts
  EXPECT_LT(counts.not_compiled * 2, counts.steps);  // most steps do compile
}

TEST_F(JitRandom, ConditionStepsAgreeWithTheInterpreter) {
  Settings settings;
  RandomExprGenerator gen(settings.seed + 1, /*extended=*/true);
  Counts counts;
  for (int round = 0; round < settings.condition_steps; ++round) {
    gen.SetEdgeOdds(round % 2 ? 3 : 12);
    StepExprs step;
    step.step = "conditions" + std::to_string(round);
    step.input = T(kRandomSchemaExtended);
    int count = 1 + gen.Pick(4);
    for (int i = 0; i < count; ++i) step.exprs.push_back(gen.Condition(1 + gen.Pick(settings.depth)));
    std::vector<Batch> batches = RandomBatches(gen, 3);
    EvalContext ctx = Context(gen);
    for (ConditionMode mode : {ConditionMode::FirstTrue, ConditionMode::FirstNotTrue}) {
      std::string error;
      auto interpreter = InterpretConditions(step, mode, &error);
      ASSERT_TRUE(interpreter) << error << "\n" << Describe(step);
      JitCompileInfo info;
      auto start = std::chrono::steady_clock::now();
      auto compiled = compiler_->CompileConditions(step, mode, &info);
      counts.jit_ms += MsSince(start);
      ++counts.steps;
      counts.expressions += step.exprs.size();
      if (!compiled) {
        ASSERT_TRUE(info.failure.empty()) << "the JIT failed: " << info.failure << "\n" << Describe(step);
        ++counts.not_compiled;
        continue;
      }
      for (const Batch& batch : batches) {
        CheckConditions(step, mode, *interpreter, *compiled, batch, ctx, counts);
        ++counts.batches;
        if (HasFatalFailure() || HasNonfatalFailure()) return;
      }
    }
  }
  std::printf("seed %llu: %zu condition steps (both modes), %zu conditions (%zu steps not compiled), %zu batches, %zu rows "
              "classified alike, %zu failed rows agreed; compile %.0f ms in all\n",
              static_cast<unsigned long long>(settings.seed + 1), counts.steps, counts.expressions, counts.not_compiled,
              counts.batches, counts.rows, counts.failed_rows, counts.jit_ms);
  EXPECT_GE(counts.expressions, static_cast<size_t>(settings.condition_steps));
  EXPECT_GT(counts.failed_rows, 0u);
  EXPECT_LT(counts.not_compiled * 2, counts.steps);
}

// A failure inside LLVM (forced: the verifier rejects the function) is reported, never a
// crash, and yields no kernel.
TEST(JitFault, AVerifierFailureIsReportedNotCrashed) {
  ::setenv("ETL_JIT_FAULT", "verify", 1);
  std::string error;
  auto compiler = jit::MakeKernelCompiler({}, &error);
  ASSERT_TRUE(compiler) << error;
  StepExprs step;
  step.step = "faulty";
  step.input = T("{a: int, x: float}");
  step.exprs.push_back(Bin(BinaryOp::Add, ir::FieldExpr(0, "a", ast::IntType()), Int(1), ast::IntType()));
  JitCompileInfo info;
  auto values = compiler->CompileValues(step, &info);
  EXPECT_FALSE(values);
  EXPECT_FALSE(info.failure.empty());
  StepExprs cond = step;
  cond.exprs = {Bin(BinaryOp::Gt, ir::FieldExpr(1, "x", ast::FloatType()), Float(0.5), ast::BoolType())};
  JitCompileInfo cond_info;
  auto conditions = compiler->CompileConditions(cond, ConditionMode::FirstTrue, &cond_info);
  ::unsetenv("ETL_JIT_FAULT");
  EXPECT_FALSE(conditions);
  EXPECT_FALSE(cond_info.failure.empty());
}

}  // namespace
}  // namespace etl::runtime::testing
