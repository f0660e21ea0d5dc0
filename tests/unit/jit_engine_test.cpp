// The JIT's engine: the forced verifier failure (ETL_JIT_FAULT=verify), the object cache
// (a second compiler loads the object; a damaged entry is recompiled), `--dump llvm`, and the
// compile time and throughput figures (printed, not asserted).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "jit_test_util.h"

namespace etl::runtime::testing {
namespace {

using BO = BinaryOp;

StepExprs Typical() {
  return Step({Bin(BO::Mul, F(0), F(10), T("int?")), Bin(BO::Add, Bin(BO::Mul, F(2), F(11), T("float?")), F(3), T("float?")),
               Node(ir::ExprKind::If, {Bin(BO::Gt, F(0), Int(0), T("bool?")), Bin(BO::Div, F(10), F(1), T("int?")), Int(0)}, T("int?")),
               Bin(BO::And, Bin(BO::Ne, F(4), Str(""), T("bool")), Bin(BO::Lt, F(8), F(8), T("bool?")), T("bool?"))});
}

std::string TempDir() {
  char pattern[] = "/tmp/etl_jit_test_XXXXXX";
  const char* dir = mkdtemp(pattern);
  EXPECT_TRUE(dir);
  return dir ? dir : "/tmp";
}

std::vector<std::filesystem::path> Objects(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".o") out.push_back(entry.path());
  }
  return out;
}

TEST(JitEngine, VerifierFailureFallsBackWithTheMessage) {
  auto compiler = NewCompiler();
  ASSERT_TRUE(compiler);
  setenv("ETL_JIT_FAULT", "verify", 1);
  JitCompileInfo info;
  auto kernel = compiler->CompileValues(Typical(), &info);
  JitCompileInfo cond_info;
  auto conditions = compiler->CompileConditions(Step({Bin(BO::Gt, F(0), Int(0), T("bool?"))}), ConditionMode::FirstTrue, &cond_info);
  std::string ir, error;
  const bool dumped = jit::DumpLlvm(Typical(), false, ConditionMode::FirstTrue, &ir, &error);
  unsetenv("ETL_JIT_FAULT");
  EXPECT_FALSE(kernel);
  EXPECT_NE(info.failure.find("LLVM rejected the generated code"), std::string::npos) << info.failure;
  EXPECT_NE(info.failure.find("terminator"), std::string::npos) << info.failure;
  EXPECT_FALSE(conditions);
  EXPECT_FALSE(cond_info.failure.empty());
  EXPECT_FALSE(dumped);
  EXPECT_NE(error.find("LLVM rejected"), std::string::npos) << error;
  // The same compiler compiles again once the fault is gone.
  CheckValues(Typical(), {}, compiler.get());
}

TEST(JitEngine, ObjectCacheIsReusedAndDamagedEntriesAreRecompiled) {
  const std::string dir = TempDir();
  {
    auto first = NewCompiler(dir);
    ASSERT_TRUE(first);
    JitCompileInfo info;
    ASSERT_TRUE(first->CompileValues(Typical(), &info)) << info.failure;
    EXPECT_FALSE(info.cached);
  }
  ASSERT_EQ(Objects(dir).size(), 1u);
  {
    auto second = NewCompiler(dir);
    ASSERT_TRUE(second);
    JitCompileInfo info;
    ASSERT_TRUE(second->CompileValues(Typical(), &info)) << info.failure;
    EXPECT_TRUE(info.cached);
    CheckValues(Typical(), {}, second.get());
  }
  // Damage the entry: garbage of the same size, then a truncated one.
  for (int damage = 0; damage < 2; ++damage) {
    const auto path = Objects(dir).at(0);
    const auto size = std::filesystem::file_size(path);
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << std::string(damage == 0 ? size : 12, 'x');
    }
    auto third = NewCompiler(dir);
    ASSERT_TRUE(third);
    JitCompileInfo info;
    ASSERT_TRUE(third->CompileValues(Typical(), &info)) << info.failure;
    EXPECT_FALSE(info.cached);
    CheckValues(Typical(), {}, third.get());
    auto fourth = NewCompiler(dir);
    JitCompileInfo again;
    ASSERT_TRUE(fourth->CompileValues(Typical(), &again)) << again.failure;
    EXPECT_TRUE(again.cached);  // rewritten by the recompilation
  }
  std::filesystem::remove_all(dir);
}

TEST(JitEngine, DumpLlvmShowsTheLoop) {
  std::string ir, error;
  ASSERT_TRUE(jit::DumpLlvm(Typical(), false, ConditionMode::FirstTrue, &ir, &error)) << error;
  EXPECT_NE(ir.find("define void @etl_kernel_0(ptr"), std::string::npos) << ir;
  EXPECT_NE(ir.find("phi i64"), std::string::npos) << ir;             // the row index
  EXPECT_NE(ir.find("llvm.smul.with.overflow"), std::string::npos) << ir;
  ASSERT_TRUE(jit::DumpLlvm(Step({Bin(BO::Gt, F(0), Int(0), T("bool?"))}), true, ConditionMode::FirstTrue, &ir, &error)) << error;
  EXPECT_NE(ir.find("define void @etl_kernel_0(ptr"), std::string::npos) << ir;
}

TEST(JitEngine, CompileTimeAndThroughput) {
  auto compiler = NewCompiler();
  ASSERT_TRUE(compiler);
  auto start = std::chrono::steady_clock::now();
  JitCompileInfo info;
  auto values = compiler->CompileValues(Typical(), &info);
  const double values_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(values) << info.failure;
  start = std::chrono::steady_clock::now();
  auto filter = compiler->CompileConditions(Step({Bin(BO::Gt, F(0), Int(3), T("bool?"))}), ConditionMode::FirstTrue, &info);
  const double filter_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(filter) << info.failure;
  std::printf("[jit] compile: derive of 4 expressions %.1f ms, filter %.1f ms\n", values_ms, filter_ms);

  // 4096-row batches of the edge rows repeated, through both kernels.
  Batch small = EdgeBatch();
  std::vector<uint32_t> rows;
  for (uint32_t i = 0; i < 4096; ++i) rows.push_back(i % static_cast<uint32_t>(small.rows));
  Batch batch = Compact(Select(small, rows));
  std::string error;
  auto interp = InterpretValues(Typical(), &error);
  ASSERT_TRUE(interp) << error;
  auto time = [&](const ValuesKernel& kernel) {
    const int rounds = 100;
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r) {
      RowErrors errors;
      std::vector<ColumnPtr> results;
      kernel.Evaluate(batch, {}, errors, results);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rounds * 4096.0 / s / 1e6;
  };
  const double jit_rate = time(*values);
  const double interp_rate = time(*interp);
  std::printf("[jit] derive of 4 expressions: jit %.1f M rows/s, interpreter %.1f M rows/s (%.2fx)\n", jit_rate, interp_rate,
              jit_rate / interp_rate);
  ExpectSameValues(*values, *interp, Typical(), batch);
}

}  // namespace
}  // namespace etl::runtime::testing
