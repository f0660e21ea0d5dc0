// jit.h's MakeKernelCompiler and DumpLlvm for etlc, which does not link LLVM: each opens
// the JIT module etlc-jit.so (compiler/jit/jit_module.h) on first use and calls its
// function. The module is the file the ETL_JIT_MODULE environment variable names, else
// etlc-jit.so in the directory of the running executable. When it cannot be opened, or
// comes from another build, both functions fail with a message that says which file and
// why, and the run is interpreted (MakeRunJit's warning).
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "compiler/jit/jit.h"
#include "compiler/jit/jit_module.h"

namespace etl::jit {
namespace {

struct Module {
  const JitModuleApi* api = nullptr;
  std::string error;  // why the module is not available
};

std::string ModulePath() {
  if (const char* path = std::getenv("ETL_JIT_MODULE"); path && *path) return path;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "etlc-jit.so";  // dlopen searches the library path
  return (exe.parent_path() / "etlc-jit.so").string();
}

const Module& Load() {
  static const Module module = [] {
    Module m;
    const std::string path = ModulePath();
    // RTLD_GLOBAL is not needed: the module's code is reached through its entry table only.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      m.error = "the JIT module could not be loaded (" + std::string(why ? why : path.c_str()) +
                "; it is built beside etlc, or ETL_JIT_MODULE names it)";
      return m;
    }
    using Entry = const JitModuleApi* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, "etl_jit_module"));
    const JitModuleApi* api = entry ? entry() : nullptr;
    if (!api) {
      m.error = "the JIT module " + path + " has no entry point etl_jit_module";
    } else if (api->abi != kJitModuleAbi || std::string(api->build) != ETL_BUILD_ID) {
      m.error = "the JIT module " + path + " comes from another build of etlc (build " + api->build +
                ", abi " + std::to_string(api->abi) + "; this etlc: build " + ETL_BUILD_ID + ", abi " +
                std::to_string(kJitModuleAbi) + ")";
    } else {
      m.api = api;
    }
    // A module that is refused stays open: code of it may not be unloaded safely once
    // its initialisers ran.
    return m;
  }();
  return module;
}

}  // namespace

std::unique_ptr<runtime::KernelCompiler> MakeKernelCompiler(const JitOptions& options, std::string* error) {
  const Module& module = Load();
  if (!module.api) {
    *error = module.error;
    return nullptr;
  }
  return module.api->make_kernel_compiler(options, error);
}

bool DumpLlvm(const runtime::StepExprs& exprs, bool conditions, runtime::ConditionMode mode, std::string* ir,
              std::string* error) {
  const Module& module = Load();
  if (!module.api) {
    *error = module.error;
    return false;
  }
  return module.api->dump_llvm(exprs, conditions, mode, ir, error);
}

}  // namespace etl::jit
