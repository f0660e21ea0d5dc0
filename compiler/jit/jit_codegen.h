// LLVM IR for a planned step (jit_plan.h): one function `void etl_kernel_<k>(EtlJitArgs*)`
// per segment, a loop over the batch's rows (kernel_abi.h). docs/dev/jit.md "Code".
#pragma once

#include <memory>
#include <string>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include "compiler/jit/jit_plan.h"

namespace etl::jit {

// The name of segment k's function before the module is renamed by its hash.
std::string SegmentFunctionName(size_t segment);

// Builds the unoptimised module. With `fault` it also holds a malformed function (a block
// without a terminator) that llvm::verifyModule rejects (ETL_JIT_FAULT=verify).
std::unique_ptr<llvm::Module> GenerateModule(const StepPlan& plan, llvm::LLVMContext& context, bool fault);

}  // namespace etl::jit
