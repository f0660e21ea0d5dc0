// The module's entry point (jit_module.h): the table of jit.h's LLVM-backed functions.
#include "compiler/jit/jit_module.h"

extern "C" __attribute__((visibility("default"))) const etl::jit::JitModuleApi* etl_jit_module() {
  static const etl::jit::JitModuleApi api{
      etl::jit::kJitModuleAbi,
      ETL_BUILD_ID,
      &etl::jit::MakeKernelCompiler,
      &etl::jit::DumpLlvm,
  };
  return &api;
}
