// The plan transformation behind `etlc errors RUN --replay` (docs/running.md "Replaying
// failed records"): from a fixed pipeline and the steps whose stored error records are
// sent back, the pipeline that runs only what those records reach. An operator step gets
// a synthetic input node (run as RunOptions::given batches) in place of its upstream; a
// source is re-read from files holding its failed raw records. Everything downstream
// runs; the other side of a join downstream is computed normally from its sources; nothing
// else runs, so no sink is written twice.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/plan.h"

namespace etl::driver {

// Records injected into one input port of an operator or sink node.
struct ReplayInjection {
  std::string node;  // the step's id in the fixed pipeline
  std::string port;  // its input port ("in", "left", "right")
};

// A source node re-read from other files: its `path` argument becomes `path`.
struct ReplayReread {
  std::string node;
  std::string path;  // a file or a glob
};

// The pipeline a replay runs.
struct ReplayPipeline {
  ir::Pipeline pipeline;
  // The synthetic input node of each injection, in the order given: id `<node>~replay`
  // (`<node>~replay.<port>` for a port other than `in`); its main output is RunOptions::given.
  std::vector<std::string> given_nodes;
  std::set<std::string> replayed;    // nodes the replayed records reach (their errors count)
  std::set<std::string> recomputed;  // nodes computed normally (the other side of a join)
  std::vector<std::string> warnings;  // what the replay cannot do exactly (joins fed twice)
};

// The id of the synthetic node that feeds `injection`.
std::string ReplayNodeId(const ReplayInjection& injection);

// Builds the replay pipeline from `fixed`. False with `error` set when an injection or a
// re-read names no such node or port, or a sink would have to be written again to compute
// a join's other side.
bool MakeReplayPipeline(const ir::Pipeline& fixed, const std::vector<ReplayInjection>& injections,
                        const std::vector<ReplayReread>& rereads, ReplayPipeline& out, std::string& error);

// The node of `fixed` that node `old_id` of the pipeline `old` (the plan a run ran) is now:
// the same id and kind, else the node with the same kind, step and binding at the same
// position among such nodes (ids of unnamed steps follow their line, which a fix moves).
// Else the node of that id, whatever it is now; nullopt when there is none.
std::optional<std::string> MatchReplayNode(const ir::Pipeline* old, const ir::Pipeline& fixed,
                                           const std::string& old_id);

}  // namespace etl::driver
