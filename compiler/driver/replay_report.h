// What `etlc errors RUN --replay` prints (compiler/driver/replay.h): the dry run's plan,
// the records that cannot be replayed, and the summary of a replay with its counts per step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/driver/cli.h"
#include "compiler/driver/replay_plan.h"
#include "compiler/driver/replay_records.h"
#include "runtime/executor.h"
#include "runtime/run_store.h"

namespace etl::driver {

// The counts of one step of a replay.
struct ReplayStepCount {
  std::string step;
  uint64_t replayed = 0;      // records sent into it (or re-read by it)
  uint64_t failed_again = 0;  // records that failed in it during the replay
  uint64_t unfit = 0;         // its records that could not be replayed
};

// The counts of a replay, per step (plan order) and in all.
struct ReplayCounts {
  std::vector<ReplayStepCount> steps;
  uint64_t replayed = 0, failed_again = 0, unfit = 0;
  uint64_t succeeded = 0;  // replayed records that did not fail again
};

// Counts a replay: `set` as sent, `replay` the pipeline run, `metrics` its step metrics.
ReplayCounts CountReplay(const ReplaySet& set, const ReplayPipeline& replay,
                         const std::vector<runtime::StepMetrics>& metrics);

// The dry run on io.out: per step how many records would go there (and from which file),
// the records that cannot be replayed with their reasons, and the steps that would run.
void PrintDryRun(const runtime::StoredRun& run, const std::string& file, const ir::Pipeline& fixed,
                 const std::vector<runtime::StoredError>& errors, const ReplaySet& set, Io& io);

// The records that cannot be replayed with their reasons (the first few) on io.err.
void PrintUnfit(const std::vector<runtime::StoredError>& errors, const ReplaySet& set, Io& io);

// The end of a replay on io.err: a table per step (unless quiet) and one line:
// `replay NEW of run OLD succeeded in 0.05 s: 5 records replayed, 4 succeeded, 1 failed
// again (see FILE)`.
void PrintReplaySummary(const std::string& old_run, const std::string& new_run, const runtime::RunResult& result,
                        const ReplayCounts& counts, const std::string& error_file, bool quiet, Io& io);

}  // namespace etl::driver
