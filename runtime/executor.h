// The executor (issue 3 item 3): runs one pipeline of a plan. Every node becomes an actor
// with one bounded input queue; a pool of `workers` threads runs whichever actor has input
// (or, for a source, room downstream). Workers never block on a full channel: a producer
// is only scheduled while every queue it feeds is below its capacity, so memory stays flat
// whatever the input size, a port with several consumers broadcasts the same immutable
// batch, and a slow consumer only holds back the steps that feed it. Cancellation
// (Ctrl-C, `timeout`, a failure, `max_errors`) aborts every sink, so no partial file is left.
// docs/dev/runtime-executor.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/plan.h"
#include "runtime/batch.h"
#include "runtime/run_events.h"
#include "runtime/step.h"

namespace etl::runtime {

// An output port of a node: `sizes.big`, `raw.errors`, `into_csv@37.done`.
struct PortRef {
  std::string node;
  std::string port;
  auto operator<=>(const PortRef&) const = default;
};

// How to run.
struct RunOptions {
  // The run's id (events, the error file's records) and the pipeline's name is the plan's.
  std::string run_id;
  // Worker threads; 0 = std::thread::hardware_concurrency().
  size_t workers = 0;
  // Batches a step's input queue holds before its producers wait (back-pressure).
  size_t channel_batches = 8;
  // The run's params, complete (defaults applied, `--param` parsed to the param's type).
  std::map<std::string, ast::Value, std::less<>> params;
  // `now()` for the whole run and the `uuid()`/`generate` seed (0 = random).
  int64_t now_us = 0;
  uint64_t seed = 0;
  // The run fails once more than this many records failed (all steps, consumed or not);
  // unset = the pipeline's `max_errors` setting, and unlimited without one.
  std::optional<int64_t> max_errors;
  // Cancel the run after this long; unset = the pipeline's `timeout` setting, or none.
  std::optional<int64_t> timeout_us;
  // Set from outside (the SIGINT handler) to cancel the run; polled by the executor.
  const std::atomic<bool>* cancel = nullptr;
  // Where error records that no step consumes are appended as JSON lines (the run's error
  // file, the errors schema one object per line); empty = only counted and kept in
  // RunResult::unconsumed_errors (tests).
  std::string error_file;
  // Keep at most this many unconsumed error records in RunResult (the file has them all).
  size_t keep_errors = 1000;

  // ---- `etlc test` (language.md §9)
  // `given`: the node's main output is replaced by these records (one batch each, of the
  // port's type); the node and every node only it needs do not run.
  std::map<std::string, std::vector<Batch>, std::less<>> given;
  // Ports whose records are kept in RunResult::tapped (in emission order per port).
  std::vector<PortRef> taps;
  // Sinks are not written: each counts its rows and emits its `done` record as if written
  // (target = the path it would have written, bytes = 0).
  bool dry_sinks = false;

  // Events (step started/finished, progress, warnings); may be null. Called from any
  // thread, never concurrently (the executor serialises calls).
  RunObserver* observer = nullptr;
  // How often RunObserver::OnProgress is called (0 = never).
  int64_t progress_interval_us = 1'000'000;
  // Where `stdout()` sinks print; null = std::cout.
  std::ostream* out = nullptr;

  // ---- `persist disk` (docs/delivery.md, docs/dev/persistence.md)
  // Checkpoint sources, sinks and the outputs of stateful steps under `persist_dir` so that
  // a crashed run can be resumed with nothing lost or duplicated.
  bool persist_disk = false;
  std::string persist_dir;  // <state-dir>/runs/<id>/persist
  // Continue the run whose checkpoints are in persist_dir (same plan, params, now, seed).
  bool resume = false;
  // A sink checkpoints at most this often (and when it closes); 0 = after every turn.
  int64_t checkpoint_interval_us = 100'000;
  // File sinks add to their existing files (`etlc errors --replay`).
  bool append_outputs = false;

  // ---- the JIT (docs/dev/jit.md)
  // `jit on|off|auto`, resolved by the caller (`--jit`, else the pipeline's setting).
  JitMode jit = JitMode::Off;
  // The run's JIT (compiler/jit/jit.h); null = every step is interpreted.
  KernelCompiler* jit_compiler = nullptr;
  // `jit auto`: rows a step interprets before it compiles.
  uint64_t jit_auto_rows = 65'536;
};

// How a run ended.
enum class RunStatus { Succeeded, Failed, Cancelled, TimedOut };
std::string_view Spelling(RunStatus status);  // "succeeded", "failed", "cancelled", "timed_out"

// The result of a run. Per step, in = out + filtered + errors holds for every node kind
// except explode, aggregate and join (see StepMetrics); sources count records read as in.
struct RunResult {
  RunStatus status = RunStatus::Succeeded;
  // Why the run failed or was cancelled ("`raw`: examples/x.csv: no such file",
  // "more than 100 records failed (max_errors 100)", "cancelled", "timed out after 1h").
  std::string failure;
  std::vector<StepMetrics> steps;  // in plan node order
  uint64_t errors = 0;             // records that failed, all steps
  uint64_t unconsumed_error_count = 0;              // of which no step consumed
  std::vector<ErrorRecord> unconsumed_errors;       // the first RunOptions::keep_errors
  std::map<PortRef, std::vector<Batch>> tapped;     // RunOptions::taps
  // The most batches any input queue held at once (back-pressure: about channel_batches
  // plus what one call emits).
  size_t max_queued_batches = 0;
  int64_t started_us = 0, finished_us = 0;
};

// Checks that every node of `pipeline` can be bound (sources, sinks and operators this
// build runs, arguments evaluable) without running anything; a message naming the node
// when not (`etlc run` reports it before starting).
std::optional<std::string> CheckRunnable(const ir::Plan& plan, const ir::Pipeline& pipeline,
                                         const RunOptions& options);

// Runs `pipeline` of `plan` to the end (or failure, cancellation, timeout). Never throws
// for bad input or I/O problems: they are in the result.
RunResult RunPipeline(const ir::Plan& plan, const ir::Pipeline& pipeline, const RunOptions& options);

}  // namespace etl::runtime
