// The JIT as the commands set it up (`etlc run --jit`, `etlc test --jit`): the mode from
// the command line or the pipeline's `jit` setting, and the run's compiler with its object
// cache under the state directory. docs/dev/jit.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/driver/cli.h"
#include "compiler/ir/plan.h"
#include "runtime/executor.h"

namespace etl::driver {

// `--jit MODE` written with a space: a following `on`, `off` or `auto` is joined to the
// flag (`--jit=auto`) before the options are parsed, and a bare `--jit` becomes `--jit=on`
// (else the parser would take the next word, such as FILE, as its value).
std::vector<std::string> JoinJitMode(const std::vector<std::string>& args);

// Sets options.jit from `flag` ("" = the pipeline's setting, and off without one) and, unless
// off, makes the compiler (cache: <state_dir>/jit-cache) and sets options.jit_compiler. When
// LLVM cannot target this machine the run is interpreted and a warning is printed (unless
// `quiet`). The returned compiler must outlive the run.
std::unique_ptr<runtime::KernelCompiler> MakeJit(const std::string& flag, const ir::Pipeline& pipeline,
                                                 const std::string& state_dir, bool quiet,
                                                 runtime::RunOptions& options, Io& io);

}  // namespace etl::driver
