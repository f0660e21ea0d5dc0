// The JIT's engine: the forced verifier failure (ETL_JIT_FAULT=verify), the object cache
// (a second compiler loads the object; a damaged entry is recompiled), `--dump llvm`, and the
// compile time and throughput figures (printed, not asserted).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

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
  // An old entry: a hit makes it recent again (`etlc gc` removes entries by that time).
  const auto long_ago = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 400);
  std::filesystem::last_write_time(Objects(dir).at(0), long_ago);
  {
    auto second = NewCompiler(dir);
    ASSERT_TRUE(second);
    JitCompileInfo info;
    ASSERT_TRUE(second->CompileValues(Typical(), &info)) << info.failure;
    EXPECT_TRUE(info.cached);
    CheckValues(Typical(), {}, second.get());
  }
  EXPECT_GT(std::filesystem::last_write_time(Objects(dir).at(0)), long_ago + std::chrono::hours(24 * 399));
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

TEST(JitEngine, CompilesFromSeveralThreads) {
  auto compiler = NewCompiler();
  ASSERT_TRUE(compiler);
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<ValuesKernel>> kernels(4);
  std::vector<StepExprs> steps;
  for (int k = 0; k < 4; ++k) steps.push_back(Step({Bin(BO::Add, F(0), Int(k), T("int?")), Bin(BO::Mul, F(2), Float(k), T("float?"))}));
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      JitCompileInfo info;
      kernels[static_cast<size_t>(k)] = compiler->CompileValues(steps[static_cast<size_t>(k)], &info);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int k = 0; k < 4; ++k) {
    ASSERT_TRUE(kernels[static_cast<size_t>(k)]);
    std::string error;
    auto interp = InterpretValues(steps[static_cast<size_t>(k)], &error);
    ASSERT_TRUE(interp) << error;
    ExpectSameValues(*kernels[static_cast<size_t>(k)], *interp, steps[static_cast<size_t>(k)], EdgeSelected());
  }
}

TEST(JitEngine, DumpLlvmShowsTheLoop) {
  std::string ir, error;
  ASSERT_TRUE(jit::DumpLlvm(Typical(), false, ConditionMode::FirstTrue, &ir, &error)) << error;
  EXPECT_NE(ir.find("define void @etl_kernel_0(ptr"), std::string::npos) << ir;
  EXPECT_NE(ir.find("phi i64"), std::string::npos) << ir;             // the row index
  EXPECT_NE(ir.find("llvm.smul.with.overflow"), std::string::npos) << ir;
  if (std::getenv("ETL_JIT_TEST_PRINT")) std::printf("%s\n", ir.c_str());  // for a developer reading the code
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

  // A 4096-row batch of ordinary values (ints in [-1e6, 1e6], 10% nulls, no failures) through
  // a derive shaped like bench/tasks/jit_derive.etl's.
  std::vector<Value> records;
  uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>(state >> 33) % 2000001 - 1000000;
  };
  for (int i = 0; i < 4096; ++i) {
    int64_t a = next(), b = next();
    records.push_back(Rec({{"a", i % 10 == 3 ? Value::Null() : Value::Int(a)}, {"b", Value::Int(b)},
                           {"x", Value::Float(static_cast<double>(next()) / 100)}, {"y", Value::Float(static_cast<double>(next()) / 7)},
                           {"s", Value::String("k")}, {"t", Value::Null()}, {"c", Value::Bool(a > b)}, {"d", Value::Null()},
                           {"ts", Kinded(VK::Timestamp, 1704067200000000 + a * 1000000)}, {"du", Kinded(VK::Duration, 3600000000)},
                           {"n", Value::Int(i)}, {"f", Value::Float(1.5)}}));
  }
  Batch batch = MakeRows(kEdgeSchema, records);
  StepExprs derive = Step({
      Bin(BO::Sub, Bin(BO::Add, Bin(BO::Mul, F(0), Int(3), T("int?")), F(1), T("int?")), Int(7), T("int?")),
      Bin(BO::Add, Bin(BO::Mul, Bin(BO::Sub, F(0), F(1), T("int?")), Int(2), T("int?")), Bin(BO::Mod, F(10), Int(97), T("int")), T("int?")),
      Bin(BO::Sub, Bin(BO::Add, Bin(BO::Mul, F(2), Float(1.5), T("float")), Bin(BO::Div, F(3), Float(3.0), T("float")), T("float")),
          Bin(BO::Mul, ir::WidenExpr(Slot(12, "int?"), T("float?")), Float(0.25), T("float?")), T("float?")),
      Node(ir::ExprKind::If, {Bin(BO::Gt, Slot(12, "int?"), Slot(13, "int?"), T("bool?")), Bin(BO::Sub, F(2), F(3), T("float")),
                              Bin(BO::Sub, F(3), F(2), T("float"))}, T("float?")),
      Bin(BO::Add, F(8), F(9), T("timestamp")),
  });
  JitCompileInfo derive_info;
  values = compiler->CompileValues(derive, &derive_info);
  ASSERT_TRUE(values) << derive_info.failure;
  std::string error;
  auto interp = InterpretValues(derive, &error);
  ASSERT_TRUE(interp) << error;
  auto time = [&](const ValuesKernel& kernel) {
    const int rounds = 500;
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
  std::printf("[jit] derive of 5 expressions, 4096-row batches: jit %.1f M rows/s, interpreter %.1f M rows/s (%.2fx)\n",
              jit_rate, interp_rate, jit_rate / interp_rate);
  ExpectSameValues(*values, *interp, derive, batch);
}

}  // namespace
}  // namespace etl::runtime::testing
