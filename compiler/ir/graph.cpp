#include "compiler/ir/graph.h"

#include <map>

#include "compiler/ir/json_codec.h"

namespace etl::ir {

namespace {

using json_codec::Json;

bool IsMainOutput(std::string_view port) { return port == kOutPort || port == kDonePort; }
bool IsMainInput(std::string_view port) { return port == kInPort || port == kLeftPort; }

// The label of an edge: the port that is not the main one (output side first), or empty.
std::string EdgeLabel(const Edge& edge) {
  if (!IsMainOutput(edge.from_port)) return edge.from_port;
  if (!IsMainInput(edge.to_port)) return edge.to_port;
  return {};
}

std::string DotQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Mermaid labels are quoted; a quote inside one is written as an entity.
std::string MermaidLabel(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') {
      out += "#quot;";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Dot(const Plan& plan) {
  std::string out = "digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n";
  bool clusters = plan.pipelines.size() > 1;
  for (const auto& pipeline : plan.pipelines) {
    // Node names are qualified by pipeline so several pipelines never collide.
    auto name = [&](const std::string& id) { return DotQuote(pipeline.name + "/" + id); };
    std::string indent = clusters ? "    " : "  ";
    if (clusters) out += "  subgraph " + DotQuote("cluster_" + pipeline.name) + " {\n    label=" + DotQuote(pipeline.name) + ";\n";
    for (const auto& node : pipeline.nodes) {
      std::string shape = node.kind == NodeKind::Source || node.kind == NodeKind::Sink ? ", shape=oval" : "";
      out += indent + name(node.id) + " [label=" + DotQuote(node.id + "\n" + NodeSummary(node)) + shape + "];\n";
    }
    for (const auto& edge : pipeline.edges) {
      std::string label = EdgeLabel(edge);
      out += indent + name(edge.from) + " -> " + name(edge.to);
      if (!label.empty()) {
        out += " [label=" + DotQuote(label) + (edge.from_port == kErrorsPort ? ", style=dashed, color=red" : "") + "]";
      }
      out += ";\n";
    }
    if (clusters) out += "  }\n";
  }
  return out + "}\n";
}

std::string Mermaid(const Plan& plan) {
  std::string out = "flowchart LR\n";
  bool subgraphs = plan.pipelines.size() > 1;
  int counter = 0;
  for (const auto& pipeline : plan.pipelines) {
    // Mermaid ids must be plain identifiers; plan ids hold `#`, `@` and `:`.
    std::map<std::string, std::string> ids;
    for (const auto& node : pipeline.nodes) ids[node.id] = "n" + std::to_string(counter++);
    std::string indent = subgraphs ? "    " : "  ";
    if (subgraphs) out += "  subgraph " + pipeline.name + "\n";
    for (const auto& node : pipeline.nodes) {
      std::string label = MermaidLabel(node.id + "<br/>" + NodeSummary(node));
      bool io = node.kind == NodeKind::Source || node.kind == NodeKind::Sink;
      out += indent + ids[node.id] + (io ? "([" + label + "])" : "[" + label + "]") + "\n";
    }
    for (const auto& edge : pipeline.edges) {
      std::string label = EdgeLabel(edge);
      std::string arrow = edge.from_port == kErrorsPort ? " -.->" : " -->";
      out += indent + ids[edge.from] + arrow + (label.empty() ? "" : "|" + MermaidLabel(label) + "|") + " " + ids[edge.to] + "\n";
    }
    if (subgraphs) out += "  end\n";
  }
  return out;
}

std::string GraphJson(const Plan& plan) {
  Json pipelines = Json::array();
  for (const auto& pipeline : plan.pipelines) {
    Json nodes = Json::array();
    for (const auto& node : pipeline.nodes) {
      Json n = Json::object();
      n["id"] = node.id;
      n["kind"] = std::string(Spelling(node.kind));
      n["label"] = NodeSummary(node);
      n["step"] = node.step.empty() ? Json(nullptr) : Json(node.step);
      n["binding"] = node.binding.empty() ? Json(nullptr) : Json(node.binding);
      n["line"] = node.location.line;
      Json inputs = Json::array(), outputs = Json::array();
      for (const auto& port : node.inputs) inputs.push_back(json_codec::PortToJson(port));
      for (const auto& port : node.outputs) outputs.push_back(json_codec::PortToJson(port));
      n["inputs"] = std::move(inputs);
      n["outputs"] = std::move(outputs);
      nodes.push_back(std::move(n));
    }
    Json edges = Json::array();
    for (const auto& e : pipeline.edges) {
      edges.push_back(Json{{"from", e.from}, {"from_port", e.from_port}, {"to", e.to}, {"to_port", e.to_port}});
    }
    pipelines.push_back(Json{{"name", pipeline.name}, {"nodes", std::move(nodes)}, {"edges", std::move(edges)}});
  }
  return Json{{"pipelines", std::move(pipelines)}}.dump(2) + "\n";
}

}  // namespace

std::optional<GraphFormat> ParseGraphFormat(std::string_view name) {
  if (name == "dot") return GraphFormat::Dot;
  if (name == "mermaid") return GraphFormat::Mermaid;
  if (name == "json") return GraphFormat::Json;
  return std::nullopt;
}

std::string NodeSummary(const Node& node) {
  switch (node.kind) {
    case NodeKind::Source: return "source " + node.step;
    case NodeKind::Sink: return "into " + node.step;
    case NodeKind::Step: return "step " + node.step;
    default: return std::string(Spelling(node.kind));
  }
}

std::string RenderGraph(const Plan& plan, GraphFormat format) {
  switch (format) {
    case GraphFormat::Dot: return Dot(plan);
    case GraphFormat::Mermaid: return Mermaid(plan);
    case GraphFormat::Json: return GraphJson(plan);
  }
  return {};
}

}  // namespace etl::ir
