// Runs the `test` blocks of a plan (language.md §9, docs/testing.md): each test runs its
// pipeline on the executor with the `given` records in place of the steps they replace,
// sinks dry (nothing is written), time and randomness fixed, and the streams its
// expectations read tapped; then every expectation is evaluated by the expression
// interpreter over the record of those streams.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/value.h"
#include "compiler/ir/plan.h"
#include "runtime/step_kernel.h"

namespace etl::runtime {

// How tests run. Time and seed are fixed so `now()`, `uuid()` and `generate` are the same
// on every run of a test.
struct TestRunOptions {
  size_t workers = 1;                   // executor threads per test (0 = cores)
  int64_t now_us = 1'704'067'200'000'000;  // `now()` in tests: 2024-01-01T00:00:00Z
  uint64_t seed = 1;
  // Param values; params absent here take their defaults.
  std::map<std::string, ast::Value, std::less<>> params;
  size_t rows_shown = 5;                // rows printed for a failed row-count expectation
  // The JIT (docs/dev/jit.md): the mode (nullopt = the pipeline's `jit` setting) and the
  // compiler (null = interpreted).
  std::optional<JitMode> jit;
  KernelCompiler* jit_compiler = nullptr;
};

// The outcome of one `expect` line.
struct ExpectResult {
  ir::TestExpect::Kind kind = ir::TestExpect::Kind::Condition;
  std::string text;        // the line as written ("sizes.big has 1 rows")
  ir::Location location;
  bool passed = false;
  // Why it failed, for people: "found 0 rows", "`sizes.big[0].total` is 1999.0, `2000.0` is 2000.0",
  // "evaluation failed: index 0 out of range".
  std::string message;
  std::vector<std::string> rows;  // Rows/Empty failures: the first rows, as etl literals
  uint64_t row_count = 0;         // Rows/Empty: the rows the stream had
};

// The outcome of one test.
struct TestResult {
  std::string title;
  std::string pipeline;
  ir::Location location;
  bool passed = false;
  // Set when the run itself failed (a given that does not fit, a failed run): the
  // expectations were not evaluated.
  std::string failure;
  std::vector<ExpectResult> expects;
  // Things worth knowing that do not fail the test: records that failed and that no step
  // consumed ("`clean`: division_by_zero: ... in {id: 3, ...}").
  std::vector<std::string> notes;
  int64_t duration_us = 0;
};

// Runs one test of `plan`. Never throws for problems of the test or its data.
TestResult RunTest(const ir::Plan& plan, const ir::Test& test, const TestRunOptions& options);

}  // namespace etl::runtime
