// Getting a plan for compile/graph/explain: from an .etl file (check + lower) or from a
// plan JSON file, optionally narrowed to one pipeline.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/driver/cli.h"
#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/ir/plan.h"

namespace etl::driver {

// Whether `path` names a plan JSON file rather than an .etl source.
bool IsPlanFile(std::string_view path);

// Loads and validates a plan JSON file into `plan`; returns an exit code (2 unreadable,
// 1 invalid plan, 0 ok) after printing what went wrong.
int LoadPlanFile(std::string_view command, const std::string& path, Io& io, std::optional<ir::Plan>& plan);

// Checks and lowers an .etl file (or loads a plan JSON file); diagnostics go to `printer`
// (which the caller finishes). Returns an exit code; `plan` is set on success.
int PlanFor(std::string_view command, const std::string& path, DiagnosticPrinter& printer, Io& io,
            std::optional<ir::Plan>& plan);

// Removes every pipeline but `name`; a usage error (with a suggestion) when it does not exist.
int KeepPipeline(std::string_view command, const std::string& name, Io& io, ir::Plan& plan);

}  // namespace etl::driver
