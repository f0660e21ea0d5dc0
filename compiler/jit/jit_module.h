// The JIT as a loadable module (docs/dev/jit.md "The module"). etlc does not link LLVM:
// compiler/jit/*.cpp with LLVM's static libraries is built as `etlc-jit.so` beside etlc,
// and compiler/jit/loader opens it on the first call of MakeKernelCompiler or DumpLlvm.
// LLVM's static initialisers and its ~114,000 relocations cost about 4 ms of every start
// of etlc, whether or not a pipeline asks for the JIT (the default is off).
//
// The module's one entry point is the C function `etl_jit_module`, which returns this
// table. Module and executable come from the same build directory (building etlc builds
// the module): they share the runtime's C++ types, so the loader refuses a module whose
// `abi` or `build` differs from its own. The module's code calls the runtime in etlc,
// which exports the etl:: symbols for it (compiler/jit/loader/etlc_exports.list).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "compiler/jit/jit.h"

namespace etl::jit {

// Bumped whenever JitModuleApi or jit.h's signatures change.
inline constexpr uint32_t kJitModuleAbi = 1;

struct JitModuleApi {
  uint32_t abi;
  const char* build;  // ETL_BUILD_ID: drawn once per build directory by CMake
  std::unique_ptr<runtime::KernelCompiler> (*make_kernel_compiler)(const JitOptions& options, std::string* error);
  bool (*dump_llvm)(const runtime::StepExprs& exprs, bool conditions, runtime::ConditionMode mode, std::string* ir,
                    std::string* error);
};

}  // namespace etl::jit

// Defined by the module (compiler/jit/jit_module.cpp).
extern "C" const etl::jit::JitModuleApi* etl_jit_module();
