#include "runtime/exec_graph.h"

#include <algorithm>
#include <map>

namespace etl::runtime {

namespace {

// A resolved edge.
struct IndexEdge {
  size_t from = 0, from_port = 0, to = 0, to_port = 0;
};

size_t PortIndex(const std::vector<ir::Port>& ports, const std::string& name) {
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == name) return i;
  }
  return ports.size();
}

}  // namespace

bool BuildGraph(const ir::Pipeline& pipeline, const std::set<std::string, std::less<>>& given,
                std::vector<GraphNode>* graph, std::string* error) {
  std::map<std::string, size_t, std::less<>> index;
  graph->assign(pipeline.nodes.size(), GraphNode{});
  for (size_t i = 0; i < pipeline.nodes.size(); ++i) {
    const ir::Node& node = pipeline.nodes[i];
    index[node.id] = i;
    GraphNode& g = (*graph)[i];
    g.node = &node;
    g.given = given.count(node.id) > 0;
    g.consumers.resize(node.outputs.size());
    g.input_edges.assign(node.inputs.size(), 0);
  }
  for (const auto& name : given) {
    if (!index.count(name)) {
      *error = "given: no node `" + name + "` in pipeline `" + pipeline.name + "`";
      return false;
    }
  }
  std::vector<IndexEdge> edges;
  for (const ir::Edge& edge : pipeline.edges) {
    auto from = index.find(edge.from);
    auto to = index.find(edge.to);
    if (from == index.end() || to == index.end()) {
      *error = "edge `" + edge.from + "." + edge.from_port + "` -> `" + edge.to + "." + edge.to_port +
               "`: unknown node";
      return false;
    }
    IndexEdge e{from->second, 0, to->second, 0};
    e.from_port = PortIndex(pipeline.nodes[e.from].outputs, edge.from_port);
    e.to_port = PortIndex(pipeline.nodes[e.to].inputs, edge.to_port);
    if (e.from_port == pipeline.nodes[e.from].outputs.size() || e.to_port == pipeline.nodes[e.to].inputs.size()) {
      *error = "edge `" + edge.from + "." + edge.from_port + "` -> `" + edge.to + "." + edge.to_port +
               "`: unknown port";
      return false;
    }
    edges.push_back(e);
  }
  // Liveness: a fixpoint over "given, terminal, or feeds a live node that is not given".
  std::vector<bool> has_edge(graph->size(), false);
  for (const IndexEdge& e : edges) has_edge[e.from] = true;
  for (size_t i = 0; i < graph->size(); ++i) (*graph)[i].live = (*graph)[i].given || !has_edge[i];
  for (bool changed = true; changed;) {
    changed = false;
    for (const IndexEdge& e : edges) {
      GraphNode& from = (*graph)[e.from];
      const GraphNode& to = (*graph)[e.to];
      if (!from.live && to.live && !to.given) {
        from.live = true;
        changed = true;
      }
    }
  }
  for (const IndexEdge& e : edges) {
    GraphNode& from = (*graph)[e.from];
    GraphNode& to = (*graph)[e.to];
    if (!from.live || !to.live || to.given) continue;
    from.consumers[e.from_port].push_back({e.to, e.to_port});
    ++to.input_edges[e.to_port];
    if (std::find(to.producers.begin(), to.producers.end(), e.from) == to.producers.end()) {
      to.producers.push_back(e.from);
    }
  }
  return true;
}

}  // namespace etl::runtime
