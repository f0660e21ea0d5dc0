// Lowering: the sema-annotated AST -> the plan IR.
#pragma once

#include <optional>

#include "compiler/diag/diagnostic.h"
#include "compiler/ir/plan.h"
#include "compiler/sema/program.h"

namespace etl::ir {

// Builds the plan of the root module of `program` (its pipelines; params of every module).
// Call only after sema::Check reported no errors. An unexpected tree shape is a compiler
// bug: it yields nullopt and an internal-error diagnostic, never a crash.
std::optional<Plan> Lower(const sema::Program& program, diag::Diagnostics& diagnostics);

}  // namespace etl::ir
