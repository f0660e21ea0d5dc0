#include "compiler/driver/replay_plan.h"

#include <fmt/format.h>

#include <map>

namespace etl::driver {

namespace {

// Whether `port` receives replayed records: an injection into it, or an edge from a node
// the replayed records reach.
bool FedByReplay(const ir::Pipeline& fixed, const std::set<std::string>& replayed,
                 const std::vector<ReplayInjection>& injections, const std::string& node, std::string_view port) {
  for (const ReplayInjection& injection : injections) {
    if (injection.node == node && injection.port == port) return true;
  }
  for (const ir::Edge& edge : fixed.edges) {
    if (edge.to == node && edge.to_port == port && replayed.count(edge.from)) return true;
  }
  return false;
}

// The input port of a join that is not `port`.
std::string_view OtherJoinPort(std::string_view port) {
  return port == ir::kLeftPort ? ir::kRightPort : ir::kLeftPort;
}

}  // namespace

std::string ReplayNodeId(const ReplayInjection& injection) {
  if (injection.port == ir::kInPort) return injection.node + "~replay";
  return injection.node + "~replay." + injection.port;
}

bool MakeReplayPipeline(const ir::Pipeline& fixed, const std::vector<ReplayInjection>& injections,
                        const std::vector<ReplayReread>& rereads, ReplayPipeline& out, std::string& error) {
  out = ReplayPipeline{};
  std::set<std::string> replayed;
  std::vector<std::string> frontier;
  for (const ReplayInjection& injection : injections) {
    const ir::Node* node = fixed.Find(injection.node);
    if (!node) {
      error = fmt::format("no step `{}` in pipeline `{}`", injection.node, fixed.name);
      return false;
    }
    if (!node->Input(injection.port)) {
      error = fmt::format("step `{}` has no input port `{}`", injection.node, injection.port);
      return false;
    }
    if (replayed.insert(injection.node).second) frontier.push_back(injection.node);
  }
  std::map<std::string, std::string> reread_paths;
  for (const ReplayReread& reread : rereads) {
    const ir::Node* node = fixed.Find(reread.node);
    if (!node || node->kind != ir::NodeKind::Source) {
      error = fmt::format("no source `{}` in pipeline `{}`", reread.node, fixed.name);
      return false;
    }
    reread_paths[reread.node] = reread.path;
    if (replayed.insert(reread.node).second) frontier.push_back(reread.node);
  }
  // Everything downstream of a replayed node sees replayed records (errors ports included:
  // a consumed `.errors` port gets the records that fail again).
  while (!frontier.empty()) {
    std::string id = std::move(frontier.back());
    frontier.pop_back();
    for (const ir::Edge& edge : fixed.edges) {
      if (edge.from == id && replayed.insert(edge.to).second) frontier.push_back(edge.to);
    }
  }

  // An edge from outside into a replayed node carries records the original run already
  // delivered: it is dropped, except into the side of a join that gets no replayed records
  // while its other side does (the join needs that side whole to match the replayed ones).
  std::vector<const ir::Edge*> kept;
  std::set<std::string> recomputed;
  for (const ir::Edge& edge : fixed.edges) {
    if (replayed.count(edge.from)) {
      kept.push_back(&edge);
      continue;
    }
    if (!replayed.count(edge.to)) continue;
    const ir::Node* to = fixed.Find(edge.to);
    if (to->kind != ir::NodeKind::Join) continue;
    bool this_side = FedByReplay(fixed, replayed, injections, edge.to, edge.to_port);
    bool other_side = FedByReplay(fixed, replayed, injections, edge.to, OtherJoinPort(edge.to_port));
    if (this_side || !other_side) continue;
    kept.push_back(&edge);
    recomputed.insert(edge.from);
  }
  // What a recomputed node needs is recomputed too (all of its inputs).
  for (bool changed = true; changed;) {
    changed = false;
    for (const ir::Edge& edge : fixed.edges) {
      if (recomputed.count(edge.to) && !replayed.count(edge.to) && recomputed.insert(edge.from).second) {
        changed = true;
      }
    }
  }
  for (const ir::Edge& edge : fixed.edges) {
    if (recomputed.count(edge.to) && !replayed.count(edge.to)) kept.push_back(&edge);
  }
  for (const std::string& id : recomputed) {
    const ir::Node* node = fixed.Find(id);
    if (node->kind == ir::NodeKind::Sink) {
      error = fmt::format("the replay would write sink `{}` again (its output feeds a join the replayed records reach)",
                          id);
      return false;
    }
  }
  for (const ir::Node& node : fixed.nodes) {
    if (node.kind != ir::NodeKind::Join || !replayed.count(node.id)) continue;
    if (FedByReplay(fixed, replayed, injections, node.id, ir::kLeftPort) &&
        FedByReplay(fixed, replayed, injections, node.id, ir::kRightPort)) {
      out.warnings.push_back(fmt::format(
          "join `{}` gets replayed records on both sides: they are matched with each other only, not with the "
          "records the original run already joined",
          node.id));
    }
  }

  out.pipeline.name = fixed.name;
  out.pipeline.settings = fixed.settings;
  for (const ReplayInjection& injection : injections) {
    const ir::Node* target = fixed.Find(injection.node);
    ir::Node given;
    given.id = ReplayNodeId(injection);
    given.kind = ir::NodeKind::Source;
    given.step = "replay";
    given.location = target->location;
    given.outputs.push_back(ir::Port{std::string(ir::kOutPort), target->Input(injection.port)->type});
    out.given_nodes.push_back(given.id);
    out.pipeline.nodes.push_back(std::move(given));
    out.pipeline.edges.push_back(
        ir::Edge{out.given_nodes.back(), std::string(ir::kOutPort), injection.node, injection.port});
  }
  for (const ir::Node& node : fixed.nodes) {
    if (!replayed.count(node.id) && !recomputed.count(node.id)) continue;
    out.pipeline.nodes.push_back(node);
    auto reread = reread_paths.find(node.id);
    if (reread == reread_paths.end()) continue;
    ir::Node& copy = out.pipeline.nodes.back();
    bool found = false;
    for (ir::StepArg& arg : copy.args) {
      if (arg.name != "path") continue;
      arg.expr.reset();
      arg.value = ast::Value::String(reread->second);
      found = true;
    }
    if (!found) {
      error = fmt::format("source `{}` (`{}`) has no `path` to re-read", node.id, node.step);
      return false;
    }
  }
  for (const ir::Edge* edge : kept) out.pipeline.edges.push_back(*edge);
  out.replayed = std::move(replayed);
  out.recomputed = std::move(recomputed);
  return true;
}

std::optional<std::string> MatchReplayNode(const ir::Pipeline* old, const ir::Pipeline& fixed,
                                           const std::string& old_id) {
  const ir::Node* before = old ? old->Find(old_id) : nullptr;
  const ir::Node* same = fixed.Find(old_id);
  if (same && (!before || (before->kind == same->kind && before->step == same->step))) return old_id;
  if (before) {
    auto alike = [&](const ir::Node& node) {
      return node.kind == before->kind && node.step == before->step && node.binding == before->binding;
    };
    size_t position = 0, old_count = 0;
    for (const ir::Node& node : old->nodes) {
      if (!alike(node)) continue;
      if (node.id == old_id) position = old_count;
      ++old_count;
    }
    std::vector<const ir::Node*> candidates;
    for (const ir::Node& node : fixed.nodes) {
      if (alike(node)) candidates.push_back(&node);
    }
    if (candidates.size() == old_count) return candidates[position]->id;
  }
  // The same id as another kind of step: the caller says what it is now.
  if (same) return old_id;
  return std::nullopt;
}

}  // namespace etl::driver
