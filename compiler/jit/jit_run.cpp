// The JIT of one run (jit.h MakeRunJit): shared by `etlc run`/`etlc test` and `etlc serve`.
#include <filesystem>

#include "compiler/jit/jit.h"

namespace etl::jit {

std::unique_ptr<runtime::KernelCompiler> MakeRunJit(std::string_view mode, const std::string& state_dir,
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

}  // namespace etl::jit
