// A JIT module from "another build" (tests/build/jit_module.sh): its entry point returns a
// table whose abi and build id are not etlc's, so the loader must refuse it.
#include "compiler/jit/jit_module.h"

extern "C" __attribute__((visibility("default"))) const etl::jit::JitModuleApi* etl_jit_module() {
  static const etl::jit::JitModuleApi api{etl::jit::kJitModuleAbi + 1000, "not-this-build", nullptr, nullptr};
  return &api;
}
