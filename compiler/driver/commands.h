// The subcommands of etlc; each parses its own options (see docs/cli.md).
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/cli.h"

// Which stages have landed (other libraries are written concurrently; a subcommand whose
// stage is missing is left out of the build instead of pretending to work).
#define ETL_DRIVER_HAVE_COMPILE __has_include("compiler/ir/lower.h") && __has_include("compiler/ast/dump.h")
#define ETL_DRIVER_HAVE_GRAPH __has_include("compiler/ir/graph.h") && __has_include("compiler/ir/lower.h")
#define ETL_DRIVER_HAVE_EXPLAIN __has_include("compiler/ir/explain.h") && __has_include("compiler/ir/lower.h")
#define ETL_DRIVER_HAVE_FMT __has_include("compiler/format/formatter.h")
#define ETL_DRIVER_HAVE_DOCS __has_include("stdlib/reference.h")

namespace etl::driver {

// `etlc check FILE...`: parse and type-check, print diagnostics.
int RunCheck(const std::vector<std::string>& args, Io& io);
// `etlc compile FILE -o plan.json`: check and lower to the plan JSON (or re-emit a plan).
int RunCompile(const std::vector<std::string>& args, Io& io);
// `etlc graph FILE --format dot|mermaid|json`: the DAG of a pipeline.
int RunGraph(const std::vector<std::string>& args, Io& io);
// `etlc explain FILE`: every step with its input and output schema.
int RunExplain(const std::vector<std::string>& args, Io& io);
// `etlc fmt FILE... [--check] [--write]`: canonical formatting.
int RunFmt(const std::vector<std::string>& args, Io& io);
// `etlc docs [--out DIR]`: the reference of every step and function.
int RunDocs(const std::vector<std::string>& args, Io& io);

}  // namespace etl::driver
