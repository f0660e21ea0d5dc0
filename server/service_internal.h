// What server/service.cpp and server/service_requests.cpp share: the queue's and the
// running runs' records, and the conversions between run requests and run store rows.
#pragma once

#include <atomic>
#include <map>
#include <string>

#include "runtime/run_store.h"
#include "server/run_executor.h"
#include "server/scheduler.h"
#include "server/service.h"

namespace etl::server {

// A run waiting to start: its row is in the store with status "queued".
struct Service::Queued {
  std::string run_id;
  std::string pipeline;
  RunRequest request;
};

// A run on its thread.
struct Service::Running {
  std::string run_id;
  std::string pipeline;
  RunRequest request;
  RunJob job;
  std::atomic<bool> cancel{false};
};

// "manual", "schedule", ... back to the kind; nullopt for anything else.
std::optional<TriggerKind> ParseTriggerKind(const std::string& text);
// The trigger_json of a request: {"kind": ..., details...}.
std::string TriggerJson(const RunRequest& request);
// The request a stored row stands for (a queued run found at start, a run to retry).
RunRequest RequestOf(const runtime::StoredRun& run);
// The params of a stored row (`{"name": value}`, runtime::ParamsJson) as the text
// `--param` takes, so that they parse back into their declared types.
std::map<std::string, std::string> ParamArgsOf(const std::string& params_json);

}  // namespace etl::server
