#include "compiler/ir/explain.h"

#include <algorithm>
#include <cctype>

#include "compiler/ir/graph.h"

namespace etl::ir {

namespace {

std::string ArgText(const StepArg& arg) {
  if (arg.value) return ast::ToLiteral(*arg.value);
  if (arg.expr) return ToText(*arg.expr);
  if (arg.type && !arg.type->name.empty()) return arg.type->name;
  return ast::ToString(arg.type, true);
}

std::string Args(const std::vector<StepArg>& args) {
  std::string out;
  for (const auto& arg : args) out += (out.empty() ? "" : ", ") + arg.name + ": " + ArgText(arg);
  return out;
}

// An aggregate output with its aggregate calls written out rather than as references.
std::string AggregateText(const Node& node, const Expr& expr) {
  if (expr.kind == ExprKind::AggregateRef && expr.slot >= 0 && static_cast<size_t>(expr.slot) < node.aggregates.size()) {
    const auto& call = node.aggregates[static_cast<size_t>(expr.slot)];
    return ToText(CallExpr(call.function, call.args, call.type));
  }
  std::string text = ToText(expr);
  for (size_t i = 0; i < node.aggregates.size(); ++i) {
    std::string ref = "$agg" + std::to_string(i);
    const auto& call = node.aggregates[i];
    std::string call_text = ToText(CallExpr(call.function, call.args, call.type));
    for (size_t at = text.find(ref); at != std::string::npos; at = text.find(ref, at + call_text.size())) {
      // `$agg1` must not match the prefix of `$agg12`.
      size_t end = at + ref.size();
      if (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) continue;
      text.replace(at, ref.size(), call_text);
    }
  }
  return text;
}

std::string Assignments(const std::vector<NamedExpr>& items, bool keep_plain_fields) {
  std::string out;
  for (const auto& item : items) {
    std::string text = item.expr.kind == ExprKind::Field && item.expr.name == item.name && keep_plain_fields
                           ? item.name
                           : item.name + " = " + ToText(item.expr);
    out += (out.empty() ? "" : ", ") + text;
  }
  return out;
}

// The lines saying what a node computes, each starting with a label.
std::vector<std::string> Details(const Node& node) {
  std::vector<std::string> lines;
  auto exprs = [](const std::vector<Expr>& items) {
    std::string out;
    for (const auto& e : items) out += (out.empty() ? "" : ", ") + ToText(e);
    return out;
  };
  switch (node.kind) {
    case NodeKind::Source:
    case NodeKind::Sink:
    case NodeKind::Step:
      if (!node.args.empty()) lines.push_back("args:   " + Args(node.args));
      break;
    case NodeKind::Filter:
      if (node.expr) lines.push_back("where:  " + ToText(*node.expr));
      break;
    case NodeKind::Derive:
      lines.push_back("derive: " + Assignments(node.assignments, false));
      break;
    case NodeKind::Select:
      lines.push_back("select: " + Assignments(node.assignments, true));
      break;
    case NodeKind::Drop: {
      std::string names;
      for (const auto& f : node.fields) names += (names.empty() ? "" : ", ") + f.name;
      lines.push_back("drop:   " + names);
      break;
    }
    case NodeKind::Rename: {
      std::string names;
      for (const auto& r : node.renames) names += (names.empty() ? "" : ", ") + r.from + " as " + r.to;
      lines.push_back("rename: " + names);
      break;
    }
    case NodeKind::Route:
      for (const auto& b : node.branches) lines.push_back("when:   " + b.name + " <- " + (b.condition ? ToText(*b.condition) : "else"));
      break;
    case NodeKind::Explode:
      if (node.expr) lines.push_back("explode: " + ToText(*node.expr) + " as " + node.alias);
      break;
    case NodeKind::Aggregate: {
      if (!node.keys.empty()) lines.push_back("by:     " + Assignments(node.keys, true));
      if (node.window) lines.push_back("window: " + node.window->step + "(" + Args(node.window->args) + ")");
      std::string outputs;
      for (const auto& item : node.assignments) outputs += (outputs.empty() ? "" : ", ") + item.name + " = " + AggregateText(node, item.expr);
      if (!outputs.empty()) lines.push_back("compute: " + outputs);
      break;
    }
    case NodeKind::Dedup:
      lines.push_back("by:     " + exprs(node.dedup_keys) +
                      (node.within_us ? " within " + ast::ToLiteral([&] { Value v; v.kind = Value::Kind::Duration; v.int_value = *node.within_us; return v; }()) : ""));
      break;
    case NodeKind::Sort: {
      std::string keys;
      for (const auto& k : node.sort_keys) keys += (keys.empty() ? "" : ", ") + ToText(k.expr) + (k.descending ? " desc" : "");
      lines.push_back("by:     " + keys);
      break;
    }
    case NodeKind::Take:
      lines.push_back("take:   " + std::to_string(node.count));
      break;
    case NodeKind::Join:
      lines.push_back(std::string("on:     ") + (node.left_join ? "(left) " : "") + (node.expr ? ToText(*node.expr) : ""));
      break;
    case NodeKind::Validate:
      for (const auto& rule : node.rules) lines.push_back("rule:   " + ToText(rule.condition) + " : " + ast::ToLiteral(Value::String(rule.message)));
      break;
    case NodeKind::Union:
      break;
  }
  return lines;
}

std::string Upstream(const Pipeline& pipeline, const Node& node, const std::string& port) {
  std::string out;
  for (const auto& edge : pipeline.edges) {
    if (edge.to != node.id || edge.to_port != port) continue;
    std::string from = edge.from_port == kOutPort || edge.from_port == kDonePort ? edge.from : edge.from + "." + edge.from_port;
    out += (out.empty() ? "" : ", ") + from;
  }
  return out;
}

}  // namespace

std::string DescribeRecord(const TypeRef& type) {
  if (!type) return "<none>";
  std::string spelled = ast::ToString(type, /*expand=*/true);
  return type->name.empty() ? spelled : type->name + " " + spelled;
}

std::string Explain(const Plan& plan) {
  std::string out;
  TypeRef errors;
  for (const auto& pipeline : plan.pipelines) {
    if (!out.empty()) out += "\n";
    out += "pipeline " + pipeline.name + "\n";
    for (const auto& node : pipeline.nodes) {
      // Labels are padded to one column per node so the schemas line up.
      auto in_label = [&](const Port& port) { return node.inputs.size() > 1 ? "in " + port.name + ":" : std::string("in:"); };
      auto out_label = [&](const Port& port) { return port.name == kOutPort ? std::string("out:") : "out " + port.name + ":"; };
      size_t width = 8;
      for (const auto& port : node.inputs) width = std::max(width, in_label(port).size() + 1);
      for (const auto& port : node.outputs) {
        if (port.name != kErrorsPort) width = std::max(width, out_label(port).size() + 1);
      }
      auto pad = [&](const std::string& label) { return label + std::string(width - label.size(), ' '); };
      out += "\n" + node.id + "  (" + NodeSummary(node);
      if (node.location.line) out += ", line " + std::to_string(node.location.line);
      out += ")\n";
      for (const auto& port : node.inputs) {
        std::string label = in_label(port);
        std::string from = Upstream(pipeline, node, port.name);
        out += "  " + pad(label) + DescribeRecord(port.type) + (from.empty() ? "" : "  <- " + from) + "\n";
      }
      for (const auto& port : node.outputs) {
        if (port.name == kErrorsPort) {
          errors = port.type;
          continue;  // the same on every node: listed once below
        }
        std::string label = out_label(port);
        out += "  " + pad(label) + DescribeRecord(port.type) + "\n";
      }
      for (const auto& line : Details(node)) out += "  " + line + "\n";
    }
  }
  if (errors) out += "\nevery step also has an `errors` port: " + ast::ToString(errors, true) + "\n";
  return out;
}

}  // namespace etl::ir
