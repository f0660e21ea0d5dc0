// The LLVM JIT (issue 5, architecture.md "Data model"): compiles a step's expressions
// (runtime/step_kernel.h StepExprs) into one fused native loop per batch with LLVM 16 ORC
// (LLJIT), behind the runtime's KernelCompiler interface. What it cannot lower natively it
// evaluates with the interpreter's kernels for the batch and reads their columns, so every
// expression runs and the results are the interpreter's. docs/dev/jit.md.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/executor.h"
#include "runtime/step_kernel.h"

namespace etl::jit {

// How the JIT is set up for a run.
struct JitOptions {
  // Where compiled object code is kept, keyed by a hash of the generated IR (and the LLVM
  // version and CPU), so a second run does not compile again; empty = no cache.
  std::string cache_dir;
};

// Two libraries define MakeKernelCompiler and DumpLlvm, and an executable links one: etl_jit
// (LLVM in process: the tests) or etl_jit_loader (etlc: LLVM in the module etlc-jit.so,
// loaded on first use; jit_module.h).

// Makes the run's JIT. Null with `error` set when LLVM cannot target this machine, or (in
// etlc) when the JIT module cannot be loaded; the run is then interpreted, with a warning. The environment variable ETL_JIT_FAULT=verify makes
// every compilation emit a malformed function that LLVM's verifier rejects (tests of the
// fallback to the interpreter).
std::unique_ptr<runtime::KernelCompiler> MakeKernelCompiler(const JitOptions& options, std::string* error);

// The JIT of one run, as `etlc run` and `etlc serve` set it up: options.jit from `mode`
// ("on", "off", "auto"; anything else is off) and, unless off, the compiler with its object
// cache in `<state_dir>/jit-cache` as options.jit_compiler. When the JIT is not available
// (LLVM cannot target this machine, or etlc's JIT module cannot be loaded): null, options.jit
// Off (the run is interpreted) and `why` says why. The compiler must outlive the run.
inline std::unique_ptr<runtime::KernelCompiler> MakeRunJit(std::string_view mode, const std::string& state_dir,
                                                           runtime::RunOptions& options, std::string* why) {
  options.jit = runtime::ParseJitMode(mode).value_or(runtime::JitMode::Off);
  options.jit_compiler = nullptr;
  if (options.jit == runtime::JitMode::Off) return nullptr;
  JitOptions jit_options;
  jit_options.cache_dir = (std::filesystem::path(state_dir) / "jit-cache").string();
  std::unique_ptr<runtime::KernelCompiler> compiler = MakeKernelCompiler(jit_options, why);
  if (!compiler) {
    options.jit = runtime::JitMode::Off;
    return nullptr;
  }
  options.jit_compiler = compiler.get();
  return compiler;
}

// The optimised LLVM IR of a step's kernel (`etlc compile --dump llvm`): a value kernel, or
// with `conditions` a condition kernel of `mode`. False with `error` set when the step
// cannot be compiled (the reason the run would print in its `jit_fallback` warning).
bool DumpLlvm(const runtime::StepExprs& exprs, bool conditions, runtime::ConditionMode mode, std::string* ir,
              std::string* error);

}  // namespace etl::jit
