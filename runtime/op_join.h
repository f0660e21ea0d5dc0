// The join operator (language.md §4 "join", plan.md "join"): the right input (port 1) is
// buffered completely; left batches are joined once it is closed (earlier ones wait).
// Equalities between a left-only and a right-only expression in the condition's top-level
// `and` become hash keys; whatever else the condition says is evaluated on the candidate
// pairs; without such equalities every pair is a candidate (nested loop).
#pragma once

#include <memory>
#include <string>

#include "runtime/op_common.h"

namespace etl::runtime {

// Binds a join node (inputs `left`, `right`); null and `error` set on a bind error.
std::unique_ptr<Step> MakeJoin(const ir::Node& node, const StepContext& ctx, std::string* error);

}  // namespace etl::runtime
