// The JIT's set-up for a run (jit_setup.h).
#include "compiler/driver/jit_setup.h"

#include <fmt/format.h>

#include "compiler/jit/jit.h"

namespace etl::driver {

std::vector<std::string> JoinJitMode(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--jit" && i + 1 < args.size() && runtime::ParseJitMode(args[i + 1])) {
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

std::unique_ptr<runtime::KernelCompiler> MakeJit(const std::string& flag, const ir::Pipeline& pipeline,
                                                 const std::string& state_dir, bool quiet,
                                                 runtime::RunOptions& options, Io& io) {
  // The plan reader and the checker accept only on/off/auto, so a setting parses.
  std::string why;
  std::unique_ptr<runtime::KernelCompiler> compiler =
      jit::MakeRunJit(flag.empty() ? pipeline.settings.jit : flag, state_dir, options, &why);
  if (!compiler && !why.empty() && !quiet) {
    io.err << fmt::format("etlc: warning: the JIT is not available ({}); the run is interpreted\n", why);
  }
  return compiler;
}

}  // namespace etl::driver
