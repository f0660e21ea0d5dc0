// Binding every node of a pipeline to an actor (executor.h CheckRunnable and the run).
#include <filesystem>
#include <set>

#include "compiler/ir/fields_read.h"
#include "runtime/exec_run.h"
#include "runtime/op_aggregate.h"
#include "runtime/op_factory.h"

namespace etl::runtime {

bool BindActors(const ir::Plan& plan, const ir::Pipeline& pipeline, const RunOptions& options,
                std::vector<Actor>* actors, std::string* error, JitLog* jit_log) {
  (void)plan;
  std::set<std::string, std::less<>> given;
  for (const auto& [name, batches] : options.given) given.insert(name);
  std::vector<GraphNode> graph;
  if (!BuildGraph(pipeline, given, &graph, error)) return false;

  StepContext step_ctx;
  for (const auto& [name, value] : options.params) step_ctx.params[name] = value;
  step_ctx.now_us = options.now_us;
  step_ctx.seed = options.seed;
  step_ctx.jit.mode = options.jit_compiler ? options.jit : JitMode::Off;
  step_ctx.jit.compiler = options.jit_compiler;
  step_ctx.jit.log = jit_log;
  step_ctx.jit.auto_rows = options.jit_auto_rows;
  IoBindContext io;
  io.eval.params = options.params;
  io.eval.now_us = options.now_us;
  io.eval.seed = options.seed;
  io.seed = options.seed;
  io.dry_sinks = options.dry_sinks;
  io.out = options.out;
  io.append_outputs = options.append_outputs;
  io.durability.run_id = options.run_id;
  if (options.persist_disk && !options.dry_sinks) {
    io.durability.enabled = true;
    io.durability.persist_dir = options.persist_dir;
    std::error_code ec;
    io.durability.publishing =
        options.resume && std::filesystem::exists(options.persist_dir + "/publish", ec);
  }

  // Late materialisation (docs/dev/late-materialisation.md): which fields of each source
  // some later step, tap or log may observe.
  ir::FieldsReadOptions reads;
  for (const PortRef& tap : options.taps) reads.tapped.emplace_back(tap.node, tap.port);
  reads.every_field = options.persist_disk;  // stateful steps log whole batches
  for (const auto& [name, value] : options.params) reads.bound_params.insert(name);
  for (const GraphNode& g : graph) {
    if (g.live && !g.given && g.node->kind == ir::NodeKind::Source) {
      io.fields_read[g.node->id] = ir::FieldsRead(pipeline, *g.node, reads);
    }
  }

  const size_t workers = RunWorkers(options);
  actors->clear();
  actors->resize(graph.size());
  for (size_t i = 0; i < graph.size(); ++i) {
    const GraphNode& g = graph[i];
    const ir::Node& node = *g.node;
    Actor& a = (*actors)[i];
    a.index = i;
    a.node = &node;
    a.live = g.live;
    a.consumers = g.consumers;
    a.producers = g.producers;
    a.open_edges = g.input_edges;
    a.next_sequence.assign(node.inputs.size(), 0);
    for (const ir::Port& port : node.outputs) a.port_types.push_back(port.type);
    a.tapped.assign(node.outputs.size(), false);
    for (const PortRef& tap : options.taps) {
      if (tap.node != node.id) continue;
      bool found = false;
      for (size_t p = 0; p < node.outputs.size(); ++p) {
        if (node.outputs[p].name == tap.port) a.tapped[p] = found = true;
      }
      if (!found) {
        *error = "tap `" + tap.node + "." + tap.port + "`: no such output port";
        return false;
      }
    }
    a.errors_port = node.outputs.size();
    if (!node.outputs.empty() && node.outputs.back().name == ir::kErrorsPort) a.errors_port = node.outputs.size() - 1;
    a.errors_to_batch = a.errors_port < node.outputs.size() &&
                        (!a.consumers[a.errors_port].empty() || a.tapped[a.errors_port]);
    a.metrics.step = node.id;
    a.metrics.kind = node.kind;
    a.metrics.name = node.step.empty() ? std::string(ir::Spelling(node.kind)) : node.step;
    if (!g.live) continue;

    step_ctx.step = node.id;
    if (g.given) {
      a.kind = ActorKind::Given;
      a.given = options.given.find(node.id)->second;
      for (Batch& batch : a.given) {
        if (!batch.schema && !a.port_types.empty()) batch.schema = a.port_types[0];
      }
      if (node.outputs.empty() || a.errors_port == 0) {
        *error = "given `" + node.id + "`: the node has no main output";
        return false;
      }
      continue;
    }
    switch (node.kind) {
      case ir::NodeKind::Source: {
        a.kind = ActorKind::Source;
        a.source = BindSource(node, io, error);
        if (!a.source) return false;
        if (a.source->bytes_total) a.metrics.bytes_total = a.source->bytes_total;
        break;
      }
      case ir::NodeKind::Sink: {
        a.kind = ActorKind::Sink;
        BoundSink bound = BindSink(node, io, error);
        if (!bound.sink) return false;
        a.sink = bound.sink.get();
        a.sink_target = bound.target;
        a.step = std::move(bound.sink);
        // A text sink formats batches on every worker and writes their text in order
        // (not under `persist disk`, whose checkpoints follow each pushed batch).
        auto* text_sink = dynamic_cast<BufferedSink*>(a.sink);
        if (workers > 1 && !options.persist_disk && text_sink && text_sink->FormatsApart()) {
          a.text_sink = text_sink;
          a.parallel = true;
          a.push_slots = workers;
          a.idle_steps.assign(workers, a.step.get());
        }
        break;
      }
      case ir::NodeKind::Step:
        *error = "`" + node.id + "`: step `" + node.step + "` is not supported by this build yet";
        return false;
      default: {
        a.kind = ActorKind::Operator;
        // Under `persist disk` the results of a step with state go through its log.
        a.logged = options.persist_disk && IsStateful(node.kind);
        // A stateless step gets an instance per worker, and a plain aggregate as many that
        // share partitioned groups, so that one step does not cap the run at one core. Not
        // under the JIT: each instance would compile its kernels (and report them) again;
        // nor a logged step, whose log follows its calls one at a time.
        const bool jit_off = step_ctx.jit.mode == JitMode::Off;
        if (workers > 1 && jit_off && RunsInParallel(node.kind)) {
          a.step = MakeOperator(node, step_ctx, error);
          if (!a.step) return false;
          for (size_t w = 1; w < workers; ++w) {
            a.more_steps.push_back(MakeOperator(node, step_ctx, error));
            if (!a.more_steps.back()) return false;
          }
        } else if (workers > 1 && jit_off && !a.logged && RunsPartitioned(node)) {
          std::vector<std::unique_ptr<Step>> instances = MakePartitionedAggregate(node, step_ctx, workers, error);
          if (instances.empty()) return false;
          a.step = std::move(instances[0]);
          for (size_t w = 1; w < instances.size(); ++w) a.more_steps.push_back(std::move(instances[w]));
        } else {
          a.step = MakeOperator(node, step_ctx, error);
          if (!a.step) return false;
          break;
        }
        a.parallel = true;
        a.push_slots = workers;
        a.idle_steps.push_back(a.step.get());
        for (const std::unique_ptr<Step>& instance : a.more_steps) a.idle_steps.push_back(instance.get());
        a.emit_sequences.assign(node.outputs.size(), 0);
        break;
      }
    }
  }
  return true;
}

}  // namespace etl::runtime
