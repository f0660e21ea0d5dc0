// Binds the source and sink nodes of a plan to the runtime's readers and writers: csv, jsonl
// and generate sources, csv, jsonl and stdout sinks. Arguments are constants or expressions
// over the run's params and `env()` evaluated once here; a `schema:` argument carries no
// value, the node's port type is the schema. Any other spec (postgres, http, ...) is a bind
// error naming the node. docs/dev/runtime-executor.md.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/plan.h"
#include "runtime/input_stream.h"
#include "runtime/kernel.h"
#include "runtime/sink_common.h"
#include "runtime/source_common.h"
#include "runtime/step.h"

namespace etl::runtime {

// What binding may read: fixed for a run.
struct IoBindContext {
  EvalContext eval;             // params, now, seed: for argument expressions
  uint64_t seed = 0;            // `generate` without a `seed:` argument (or seed 0) uses it
  bool dry_sinks = false;       // sinks count rows and write nothing (`etlc test`)
  std::ostream* out = nullptr;  // where `stdout()` prints; null = std::cout
  // `persist disk`: sinks checkpoint (step is filled in per node by the binder).
  SinkDurability durability;
  // File sinks add to their existing files instead of replacing them (RunOptions).
  bool append_outputs = false;
  // Per source node id: per field of its output, whether a later step may observe it
  // (ir::FieldsRead, docs/dev/late-materialisation.md); csv and jsonl sources skip building
  // the others. A node not listed reads every field.
  std::map<std::string, std::vector<bool>, std::less<>> fields_read;
};

// A bound source: the Source plus what the executor reads besides records.
class BoundSource {
 public:
  virtual ~BoundSource() = default;
  // The source to call Next on.
  virtual Source& source() = 0;
  // Set once the source stopped on a configuration or I/O problem (the run fails).
  virtual const std::optional<InputError>& failure() const = 0;
  // Counters so far (records read, bytes consumed).
  virtual SourceStats stats() const = 0;

  std::string spec;                     // "csv", "jsonl", "generate"
  std::string target;                   // the path or glob read ("" for generate)
  std::optional<uint64_t> bytes_total;  // the total size of the files matched at bind time
};

// A bound sink.
struct BoundSink {
  std::unique_ptr<SinkStep> sink;
  std::string spec;    // "csv", "jsonl", "stdout"
  std::string target;  // the path written, or "stdout"
};

// Binds a `source` node; null and `error` set ("`raw`: source `postgres` is not supported
// by this build yet", "`raw`: argument `path`: ...") when it cannot be.
std::unique_ptr<BoundSource> BindSource(const ir::Node& node, const IoBindContext& ctx, std::string* error);

// Binds a `sink` node; `sink` null and `error` set when it cannot be.
BoundSink BindSink(const ir::Node& node, const IoBindContext& ctx, std::string* error);

// Binds a `sqlite` or `postgres` sink node (runtime/io_factory_db.cpp): transactional,
// staged per run and published by SinkStep::Commit; `sink` null and `error` set when it
// cannot be bound.
BoundSink BindDatabaseSink(const ir::Node& node, const IoBindContext& ctx, std::string* error);

// The value of argument `arg` (its constant, or its expression evaluated over no record);
// nullopt and `error` set when the expression cannot be compiled or fails.
std::optional<ast::Value> EvaluateArg(const ir::StepArg& arg, const EvalContext& eval, std::string* error);

}  // namespace etl::runtime
