// The LLVM side of the JIT (docs/dev/jit.md "Engine"): one LLJIT per KernelCompiler
// targeting the host CPU, the O2 pipeline of the new pass manager, and the on-disk object
// cache (an llvm::ObjectCache keyed by a hash of the unoptimised IR, the LLVM version, the
// host CPU and kCodegenVersion).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include "compiler/jit/kernel_abi.h"

namespace etl::jit {

// What one compilation produced.
struct Compiled {
  std::vector<KernelFn> functions;  // per segment
  bool cached = false;              // loaded from the object cache
};

class Engine {
 public:
  // Null with `error` set when LLVM cannot target this machine.
  static std::unique_ptr<Engine> Create(const std::string& cache_dir, std::string* error);
  ~Engine();
  // Verifies, hashes, optimises and compiles `module` (or loads its object code from the
  // cache); `segments` functions named SegmentFunctionName(k). False with `error` set on
  // any failure (the verifier's message among them). Serialised by the caller.
  bool Compile(std::unique_ptr<llvm::LLVMContext> context, std::unique_ptr<llvm::Module> module, size_t segments,
               Compiled* out, std::string* error);

 private:
  struct State;
  explicit Engine(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Verifies and optimises `module` at O2 for the host CPU (`etlc compile --dump llvm`).
bool OptimizeForHost(llvm::Module& module, std::string* error);

}  // namespace etl::jit
