// The plan as versioned JSON (docs/spec/plan.md): written by `etlc compile`, read back by
// `etlc run plan.json` and by other tools.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/ir/plan.h"

namespace etl::ir {

// The plan as pretty JSON (2-space indent, fixed key order, trailing newline).
std::string PlanToJson(const Plan& plan);

// Parses and validates a plan. On failure returns nullopt and sets `error` (when given) to
// a message that starts with the JSON pointer of the offending value
// ("/pipelines/0/edges/2/to: unknown node `x`").
std::optional<Plan> PlanFromJson(std::string_view text, std::string* error);

}  // namespace etl::ir
