// Binds a plan node to the built-in operator that runs it (issue 3): filter, derive, select,
// drop, rename, route, explode, validate, take and union. Binding checks the node and
// compiles its expressions once; the returned step then allocates nothing per record.
#pragma once

#include <memory>
#include <string>

#include "compiler/ir/plan.h"
#include "runtime/step.h"

namespace etl::runtime {

// The operator for `node`, or null with `error` set (a node this factory does not run,
// such as aggregate or a source, or one that cannot be bound: a bad slot, an unknown
// function, ports that do not match the kind).
std::unique_ptr<Step> MakeOperator(const ir::Node& node, const StepContext& ctx, std::string* error);

}  // namespace etl::runtime
