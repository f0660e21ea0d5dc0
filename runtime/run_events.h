// What a running pipeline reports (architecture.md "Logging"): one structured event stream
// (time, level, run, pipeline, step, event, fields) and per-step metrics. The executor
// produces it; run_log.h turns it into JSON lines (`--log-format json`) or the human
// console (progress, summary table); the run store and the API (issues 4, 7) consume the
// same events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/ast/value.h"
#include "compiler/ir/plan.h"

namespace etl::runtime {

// Counters of one step (plan node). For every kind but explode, aggregate and join:
// rows_in == rows_out + filtered + errors once the step finished (explode: rows_in counts
// records, rows_out the records produced; aggregate: rows_out counts groups; join: rows_in
// counts left records). A source's rows_in is records read (good and bad).
struct StepMetrics {
  std::string step;            // the node id
  ir::NodeKind kind = ir::NodeKind::Filter;
  std::string name;            // what it runs: "csv", "filter", "aggregate", ...
  uint64_t rows_in = 0;        // records received (all inputs), or read by a source
  uint64_t rows_out = 0;       // records emitted on data ports (not errors)
  uint64_t filtered = 0;       // records dropped by design (filter, route without else, ...)
  uint64_t errors = 0;         // records sent to `.errors`
  uint64_t batches_in = 0;
  uint64_t bytes_in = 0;       // sources: input bytes consumed
  std::optional<uint64_t> bytes_total;  // sources: total input size when known (files)
  uint64_t bytes_out = 0;      // sinks: bytes written
  int64_t busy_us = 0;         // time spent inside the step's code
  int64_t started_us = 0, finished_us = 0;  // 0 until it started / finished
  bool finished = false;
};

// Severity of an event.
enum class LogLevel { Debug, Info, Warn, Error };
std::string_view Spelling(LogLevel level);  // "debug", "info", "warn", "error"

// One event of a run. `event` is a stable snake_case name:
//   run_started {workers}            run_finished {status, failure?, rows_in, errors, seconds}
//   step_started                     step_finished {rows_in, rows_out, filtered, errors, busy_ms}
//   source_opened {file}             sink_committed {target, rows, bytes}
//   record_failed {code, message, line?} (the first few per step, then counted)
//   max_errors_exceeded {limit}      cancelled {reason}
struct RunEvent {
  int64_t time_us = 0;
  LogLevel level = LogLevel::Info;
  std::string run;       // the run id
  std::string pipeline;
  std::string step;      // empty for run-level events
  std::string event;
  std::vector<std::pair<std::string, ast::Value>> fields;
};

// A snapshot for progress reporting.
struct RunProgress {
  int64_t now_us = 0;
  int64_t started_us = 0;
  std::vector<StepMetrics> steps;  // current counters, plan node order
};

// Receives a run's events. Calls are serialised by the executor.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnEvent(const RunEvent& event) = 0;
  // Periodically while the run is going (RunOptions::progress_interval_us).
  virtual void OnProgress(const RunProgress& progress) {}
};

}  // namespace etl::runtime
