#include "runtime/executor.h"

#include "runtime/exec_run.h"
#include "runtime/source_common.h"

namespace etl::runtime {

std::string_view Spelling(RunStatus status) {
  switch (status) {
    case RunStatus::Succeeded: return "succeeded";
    case RunStatus::Failed: return "failed";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::TimedOut: return "timed_out";
  }
  return "failed";
}

std::string_view Spelling(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

std::optional<std::string> CheckRunnable(const ir::Plan& plan, const ir::Pipeline& pipeline,
                                         const RunOptions& options) {
  RunOptions check = options;
  check.dry_sinks = true;  // binding writes nothing anyway; this also skips opening stdout
  check.jit = JitMode::Off;  // the run compiles; checking need not
  std::vector<Actor> actors;
  std::string error;
  if (!BindActors(plan, pipeline, check, &actors, &error)) return error;
  return std::nullopt;
}

RunResult RunPipeline(const ir::Plan& plan, const ir::Pipeline& pipeline, const RunOptions& options) {
  // `now()` is fixed for the run: the caller's clock, else the wall clock at the start.
  if (options.now_us != 0) {
    PipelineRun run(plan, pipeline, options);
    return run.Execute();
  }
  RunOptions stamped = options;
  stamped.now_us = NowMicros();
  PipelineRun run(plan, pipeline, stamped);
  return run.Execute();
}

}  // namespace etl::runtime
