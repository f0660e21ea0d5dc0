// Runs one run of `etlc serve` in-process, the way `etlc run` does (docs/running.md): its
// folder `<state-dir>/runs/<id>` with the meta record, lock, log.jsonl, errors.jsonl and
// stdout.txt (what `stdout()` sinks print), the run store row updated at the end, and its
// events forwarded live (the WebSocket). docs/dev/serve.md#runs.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "compiler/ast/value.h"
#include "compiler/ir/plan.h"
#include "runtime/run_events.h"

namespace etl::server {

// What one run needs.
struct RunJob {
  std::string run_id;
  std::shared_ptr<const ir::Plan> plan;  // narrowed to the run's pipeline
  std::map<std::string, ast::Value, std::less<>> params;  // complete
  int64_t now_us = 0;                    // the run's now()
  bool resume = false;                   // continue a `persist disk` run from its checkpoints
  std::string state_dir;                 // absolute
  std::string store;                     // "" = SQLite in state_dir, else a postgres:// URL
  size_t workers = 0;
};

// How a run ended.
struct RunOutcome {
  std::string status;   // the run store's: succeeded, failed, cancelled, timed_out
  std::string failure;
  std::string store_problem;  // the run store could not record everything (the run is done)
};

// Runs `job` on the calling thread until it ends; `cancel` stops it early. Events go to
// `on_event` (may be empty; called from the run's threads, one at a time). The run's row
// must exist (status running) before; it is finished here. Never throws.
RunOutcome ExecuteRun(const RunJob& job, const std::atomic<bool>& cancel,
                      const std::function<void(const runtime::RunEvent&)>& on_event,
                      const std::function<void(const runtime::RunProgress&)>& on_progress);

}  // namespace etl::server
