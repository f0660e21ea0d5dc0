// Renders the DAG of a plan for people (DOT, Mermaid) and tools (JSON): `etlc graph`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/ir/plan.h"

namespace etl::ir {

// Output formats of RenderGraph.
enum class GraphFormat { Dot, Mermaid, Json };

// The format named "dot", "mermaid" or "json", or nullopt.
std::optional<GraphFormat> ParseGraphFormat(std::string_view name);

// Every pipeline of the plan (a cluster/subgraph each when there are several), ending in a
// newline. Edges are labelled with their port when it is not the main one.
std::string RenderGraph(const Plan& plan, GraphFormat format);

// A node's short description: "source csv", "into jsonl", "filter".
std::string NodeSummary(const Node& node);

}  // namespace etl::ir
