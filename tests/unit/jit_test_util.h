// Helpers of the jit_* tests: a batch with nulls and edge values, and row-by-row comparison
// of a JIT kernel against the interpreter's (values, validity, errors with codes and
// messages, condition choices).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "compiler/jit/jit.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {

inline constexpr int64_t kJitMin = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kJitMax = std::numeric_limits<int64_t>::max();

// The edge batch's schema: slots 0..11.
inline const char* kEdgeSchema =
    "{a: int?, b: int?, x: float?, y: float?, s: string?, t: string?, c: bool?, d: date?, ts: timestamp?, du: duration?, "
    "n: int, f: float}";

inline Expr F(int slot) {
  static const TypeRef schema = T(kEdgeSchema);
  const ast::Field& f = schema->fields[static_cast<size_t>(slot)];
  return ir::FieldExpr(slot, f.name, f.type);
}
inline Expr Slot(int slot, const char* type) { return ir::FieldExpr(slot, "#" + std::to_string(slot), T(type)); }

// 24 rows: every pairing of interesting ints/floats/strings with nulls.
inline Batch EdgeBatch() {
  const std::vector<Value> ints = {Value::Int(0),  Value::Int(1),      Value::Int(-1),     Value::Int(7),
                                   Value::Null(),  Value::Int(kJitMin), Value::Int(kJitMax), Value::Int(-3)};
  const std::vector<Value> floats = {Value::Float(0.0),  Value::Float(-0.0), Value::Float(NAN),  Value::Float(1.5),
                                     Value::Null(),      Value::Float(INFINITY), Value::Float(-2.25), Value::Float(1e308)};
  const std::vector<Value> strings = {Value::String(""),   Value::String("a"),  Value::String("ab"), Value::Null(),
                                      Value::String("12"), Value::String("b"),  Value::String("é"),  Value::String("x")};
  std::vector<Value> rows;
  for (size_t i = 0; i < 24; ++i) {
    const Value& c = i % 5 == 4 ? Value::Null() : Value::Bool(i % 3 == 0);
    rows.push_back(Rec({{"a", ints[i % 8]},
                        {"b", ints[(i * 3 + 1) % 8]},
                        {"x", floats[i % 8]},
                        {"y", floats[(i * 5 + 2) % 8]},
                        {"s", strings[i % 8]},
                        {"t", strings[(i * 3 + 2) % 8]},
                        {"c", c},
                        {"d", i % 7 == 6 ? Value::Null() : Kinded(VK::Date, static_cast<int64_t>(i) * 1000 - 9000)},
                        {"ts", i % 6 == 5 ? Value::Null() : Kinded(VK::Timestamp, static_cast<int64_t>(i) * 3600000000LL - 40000000000LL)},
                        {"du", i % 4 == 3 ? Value::Null() : Kinded(VK::Duration, (static_cast<int64_t>(i) - 11) * 5400000000LL)},
                        {"n", ints[(i + 3) % 8].kind == VK::Null ? Value::Int(2) : ints[(i + 3) % 8]},
                        {"f", floats[(i + 1) % 8].kind == VK::Null ? Value::Float(3) : floats[(i + 1) % 8]}}));
  }
  return MakeRows(kEdgeSchema, rows);
}

// The same batch through a selection (every row but a few, out of the natural stride).
inline Batch EdgeSelected() {
  Batch batch = EdgeBatch();
  std::vector<uint32_t> rows;
  for (uint32_t i = 0; i < batch.rows; ++i) {
    if (i % 4 != 2) rows.push_back(i);
  }
  return Select(batch, rows);
}

inline StepExprs Step(std::vector<Expr> exprs, const char* schema = kEdgeSchema) {
  StepExprs s;
  s.step = "test_step";
  s.input = T(schema);
  s.exprs = std::move(exprs);
  return s;
}

inline std::unique_ptr<KernelCompiler> NewCompiler(const std::string& cache_dir = "") {
  std::string error;
  auto compiler = jit::MakeKernelCompiler(jit::JitOptions{cache_dir}, &error);
  EXPECT_TRUE(compiler) << error;
  return compiler;
}

inline std::string ErrorsText(const std::vector<RowError>& errors) {
  std::string out;
  for (const RowError& e : errors) out += std::to_string(e.row) + " " + e.code + " " + e.message + "\n";
  return out;
}

// Runs both kernels on `batch` and expects the same results row by row. Returns the number
// of rows compared (values of failed rows are unspecified and not compared).
inline size_t ExpectSameValues(const ValuesKernel& jit, const ValuesKernel& interp, const StepExprs& exprs, const Batch& batch,
                               const EvalContext& ctx = {}) {
  RowErrors je, ie;
  std::vector<ColumnPtr> jr, ir;
  jit.Evaluate(batch, ctx, je, jr);
  interp.Evaluate(batch, ctx, ie, ir);
  EXPECT_EQ(ErrorsText(je.Errors()), ErrorsText(ie.Errors()));
  EXPECT_EQ(jr.size(), ir.size());
  size_t compared = 0;
  for (size_t j = 0; j < jr.size() && j < ir.size(); ++j) {
    EXPECT_EQ(jr[j]->rows, batch.Size());
    for (size_t i = 0; i < batch.Size(); ++i) {
      if (ie.Failed(static_cast<uint32_t>(i))) continue;
      Value a = jr[j]->Get(i), b = ir[j]->Get(i);
      EXPECT_TRUE(Same(a, b)) << "expr " << j << " `" << ir::ToText(exprs.exprs[j]) << "` row " << i << ": jit "
                              << ast::ToLiteral(a) << ", interpreter " << ast::ToLiteral(b);
      ++compared;
    }
  }
  return compared;
}

// Compiles `exprs` both ways and compares them on the edge batch, with and without a
// selection. Expects the JIT to compile (`cached` reports the object cache).
inline void CheckValues(const StepExprs& exprs, const EvalContext& ctx = {}, KernelCompiler* compiler = nullptr,
                        const std::vector<Batch>& batches = {EdgeBatch(), EdgeSelected()}) {
  std::unique_ptr<KernelCompiler> own;
  if (!compiler) {
    own = NewCompiler();
    compiler = own.get();
  }
  ASSERT_TRUE(compiler);
  JitCompileInfo info;
  auto jit = compiler->CompileValues(exprs, &info);
  ASSERT_TRUE(jit) << "no JIT kernel: " << info.failure;
  std::string error;
  auto interp = InterpretValues(exprs, &error);
  ASSERT_TRUE(interp) << error;
  for (const Batch& batch : batches) ExpectSameValues(*jit, *interp, exprs, batch, ctx);
}

inline void CheckConditions(const StepExprs& exprs, ConditionMode mode, const EvalContext& ctx = {}) {
  auto compiler = NewCompiler();
  ASSERT_TRUE(compiler);
  JitCompileInfo info;
  auto jit = compiler->CompileConditions(exprs, mode, &info);
  ASSERT_TRUE(jit) << "no JIT kernel: " << info.failure;
  std::string error;
  auto interp = InterpretConditions(exprs, mode, &error);
  ASSERT_TRUE(interp) << error;
  for (const Batch& batch : {EdgeBatch(), EdgeSelected()}) {
    RowErrors je, ie;
    std::vector<uint32_t> jw, iw;
    jit->Classify(batch, ctx, je, jw);
    interp->Classify(batch, ctx, ie, iw);
    EXPECT_EQ(ErrorsText(je.Errors()), ErrorsText(ie.Errors()));
    EXPECT_EQ(jw, iw);
  }
}

}  // namespace etl::runtime::testing
