// The executor's view of a pipeline's DAG: node and port indexes for every edge, which
// nodes run at all (RunOptions::given cuts the graph), and how many producer edges feed
// each input port (the close protocol counts them down). docs/dev/runtime-executor.md.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/plan.h"

namespace etl::runtime {

// One edge seen from its producer: the consumer node and its input port index.
struct ConsumerRef {
  size_t node = 0;
  size_t input = 0;
};

// One node of the executor's graph.
struct GraphNode {
  const ir::Node* node = nullptr;
  bool given = false;  // replaced by RunOptions::given batches (runs as a literal source)
  bool live = false;   // runs; false for nodes whose every consumer path ends in a given node
  std::vector<std::vector<ConsumerRef>> consumers;  // per output port (live consumers only)
  std::vector<size_t> input_edges;                  // per input port: live producer edges
  std::vector<size_t> producers;                    // distinct live producer nodes
};

// The graph of `pipeline`; false and `error` set when an edge names an unknown node or port.
// A node runs when it is given, has no outgoing edge, or feeds a running node that is not
// given; edges into given nodes are dropped (their records are replaced).
bool BuildGraph(const ir::Pipeline& pipeline, const std::set<std::string, std::less<>>& given,
                std::vector<GraphNode>* graph, std::string* error);

}  // namespace etl::runtime
