// The JIT's set-up for a run (jit_setup.h).
#include "compiler/driver/jit_setup.h"

#include <fmt/format.h>

#include <filesystem>

#include "compiler/jit/jit.h"

namespace etl::driver {

std::vector<std::string> JoinJitMode(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--jit" && i + 1 < args.size() && ParseJitMode(args[i + 1])) {
      out.push_back("--jit=" + args[++i]);
    } else if (args[i] == "--jit") {
      // Spelled out, so that the option parser does not take a following FILE as the mode.
      out.push_back("--jit=on");
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

std::optional<runtime::JitMode> ParseJitMode(std::string_view text) {
  if (text == "on") return runtime::JitMode::On;
  if (text == "off") return runtime::JitMode::Off;
  if (text == "auto") return runtime::JitMode::Auto;
  return std::nullopt;
}

std::unique_ptr<runtime::KernelCompiler> MakeJit(const std::string& flag, const ir::Pipeline& pipeline,
                                                 const std::string& state_dir, bool quiet,
                                                 runtime::RunOptions& options, Io& io) {
  // The plan reader and the checker accept only on/off/auto, so a setting parses.
  const std::string& text = flag.empty() ? pipeline.settings.jit : flag;
  options.jit = ParseJitMode(text).value_or(runtime::JitMode::Off);
  options.jit_compiler = nullptr;
  if (options.jit == runtime::JitMode::Off) return nullptr;
  jit::JitOptions jit_options;
  jit_options.cache_dir = (std::filesystem::path(state_dir) / "jit-cache").string();
  std::string why;
  std::unique_ptr<runtime::KernelCompiler> compiler = jit::MakeKernelCompiler(jit_options, &why);
  if (!compiler) {
    if (!quiet) io.err << fmt::format("etlc: warning: the JIT is not available ({}); the run is interpreted\n", why);
    options.jit = runtime::JitMode::Off;
    return nullptr;
  }
  options.jit_compiler = compiler.get();
  return compiler;
}

}  // namespace etl::driver
