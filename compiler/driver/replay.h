// `etlc errors RUN --replay [FILE]` (issue 4 item 3): sends the error records stored for a
// run back through the fixed pipeline into its outputs, as a new run (docs/running.md
// "Replaying failed records"). The `errors` command parses the options (AddReplayOptions)
// and calls RunReplay; the plan transformation is compiler/driver/replay_plan.h and the
// conversion of stored records compiler/driver/replay_records.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/driver/cli.h"
#include "compiler/driver/command.h"

namespace etl::driver {

// What to replay, and how.
struct ReplayRequest {
  std::string run_id;                   // the run whose error records are replayed
  std::optional<std::string> file;      // the fixed .etl file or plan.json; default: the run's source_file
  std::optional<std::string> pipeline;  // default: the run's pipeline
  std::vector<std::string> params;      // `name=value`, over the run's params
  std::optional<std::string> step;      // only the records of this step (as the run named it)
  std::optional<std::string> code;      // only the records with this error code
  bool dry_run = false;                 // say what would go where, run nothing
  std::string state_dir = ".etl";
  std::string store;                    // `--store` URL; empty = the SQLite store of state_dir
  size_t workers = 0;                   // 0 = the number of cores
  bool quiet = false;                   // no warnings or summary table
  diag::ColorMode color = diag::ColorMode::Auto;
};

// Adds --pipeline, --param, --step, --dry-run, --workers and --quiet (the options a replay
// takes besides those of `etlc errors`) to `options`.
void AddReplayOptions(po::options_description& options);

// Fills the replay options of `request` from `vm` (parsed with AddReplayOptions); an exit
// code (2, the message printed) when a value is invalid.
std::optional<int> ReplayOptionsFrom(const po::variables_map& vm, ReplayRequest& request, Io& io);

// Runs the replay and prints its summary; the exit code: 0 ok (also when records failed
// again), 1 compile errors in the fixed file, 2 usage (unknown run, a run that did not
// succeed, bad params), 3 the store cannot be read, the replay run failed, or no record
// could be replayed.
int RunReplay(const ReplayRequest& request, Io& io);

}  // namespace etl::driver
