// `etlc serve`'s engine (issue 7): the project, the scheduler, the run queue and the runs,
// the run store. The API (server/api.h) reads and drives it; the transport
// (server/http_server.h) carries the API. One loop thread polls the scheduler, reloads
// the project and starts queued runs; each run runs on a thread of its own.
// docs/serve.md (user guide), docs/dev/serve.md (design).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/run_store.h"
#include "server/clock.h"
#include "server/project.h"
#include "server/scheduler.h"

namespace etl::server {

struct ServiceOptions {
  std::string project_dir;   // absolute; the process's working directory while serving
  std::string state_dir;     // absolute
  std::string store;         // "" = SQLite in state_dir, else a postgres:// URL
  CatchUp catch_up = CatchUp::Once;
  int64_t poll_interval_us = 1'000'000;  // project reload and file trigger scans
  size_t max_runs = 0;       // runs at once, all pipelines (0 = the number of cores, at least 2)
  size_t workers = 0;        // worker threads of each run (0 = the number of cores)
  uint64_t seed = 0;         // retry jitter (0 = random)
  // false (`etlc backfill`): only runs queued through this object run; no schedules or
  // triggers fire, and runs of other processes (queued or left running) are not touched.
  bool scheduling = true;
};

// A refusal the API turns into an HTTP error.
struct ServiceError {
  int status = 400;
  std::string code;     // bad_request, not_found, conflict
  std::string message;
};

// What the API shows of a pipeline's scheduling.
struct PipelineActivity {
  int64_t running = 0;
  int64_t queued = 0;
  std::optional<int64_t> next_fire_us;
};

// Sends one live event (JSON text) to WebSocket clients; `topic` has "pipeline" and "run".
using EventPublisher = std::function<void(const std::map<std::string, std::string>& topic, const std::string& text)>;

class Service {
 public:
  Service(ServiceOptions options, Clock& clock);
  ~Service();  // Stop()
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Opens the store, loads the project, settles runs a killed server left `running`
  // (resumed when `persist disk`, else failed), restores the scheduler and the queue, and
  // starts the loop. An error message when the store cannot be opened.
  std::optional<std::string> Start();
  // Cancels running runs and waits for them to be recorded; queued runs stay queued for
  // the next start. Idempotent.
  void Stop();

  void SetPublisher(EventPublisher publisher);

  std::shared_ptr<const ProjectSnapshot> Snapshot() const;
  int64_t StartedUs() const { return started_us_; }
  Clock& ClockRef() { return clock_; }

  // Calls `f` with the service's own store connection (serialised).
  template <typename F>
  auto WithStore(F&& f) {
    std::lock_guard lock(store_mutex_);
    return f(*store_);
  }

  // Queues a run of `pipeline`. `params` are name -> text as on the command line
  // (`--param name=value`), parsed by each param's type. The new row in `run`.
  std::optional<ServiceError> Trigger(const std::string& pipeline, const std::map<std::string, std::string>& params,
                                      runtime::StoredRun& run);
  // Queues the runs of the pipelines listening on a webhook path / an event name; a 404
  // error when none listens.
  std::optional<ServiceError> Webhook(const std::string& path, const nlohmann::json& body,
                                      std::vector<runtime::StoredRun>& runs);
  std::optional<ServiceError> Event(const std::string& name, const nlohmann::json& payload,
                                    std::vector<runtime::StoredRun>& runs);
  // Queues one run per fire time in [from, to] with the pipeline's time param (`param`,
  // or its only date/timestamp param) set to that time.
  std::optional<ServiceError> Backfill(const std::string& pipeline, int64_t from_us, int64_t to_us,
                                       const std::string& param, std::vector<runtime::StoredRun>& runs);
  // Cancels a queued run (it ends `cancelled` at once) or a running one (cancellation is
  // requested); 409 when it already ended, 404 when unknown.
  std::optional<ServiceError> Cancel(const std::string& run_id, runtime::StoredRun& run);
  // Runs a run that failed, timed out or was cancelled again: resumed when it was
  // `persist disk` (same id), else a new run with its params. 409 otherwise.
  std::optional<ServiceError> Retry(const std::string& run_id, runtime::StoredRun& run);

  // Scheduling facts for the API.
  PipelineActivity Activity(const std::string& pipeline);
  std::vector<int64_t> NextFireTimes(const std::string& pipeline, size_t count);

  // Whether every run of `ids` has ended (their rows, in `runs`).
  bool AllEnded(const std::vector<std::string>& ids, std::vector<runtime::StoredRun>& runs);

  // Runs one loop turn now (tests with a ManualClock; the loop thread calls it too).
  void Tick();

 private:
  struct Queued;   // a run waiting to start (service.cpp)
  struct Running;  // a run on its thread

  std::optional<ServiceError> Enqueue(const RunRequest& request, const std::map<std::string, std::string>& params,
                                      runtime::StoredRun& run);
  // A request of the scheduler that could not be queued (its params do not resolve) is
  // recorded as a failed run saying why, so that the file or fire time it stood for is
  // not lost silently.
  void RecordRefused(const RunRequest& request, const std::string& why);
  // Queues every request (a webhook's or event's); a 404 saying `nobody` when there is none.
  std::optional<ServiceError> EnqueueAll(const std::vector<RunRequest>& requests, const std::string& nobody,
                                         std::vector<runtime::StoredRun>& runs);
  void ReloadProject(int64_t now_us);
  void StartQueuedRuns(int64_t now_us);
  void RunThread(std::shared_ptr<Running> running);
  // Runs a `persist disk` run again from its checkpoints (its row already reopened).
  void StartResumed(const runtime::StoredRun& run, ir::Plan plan);
  void Recover();
  void SaveSchedulerState();
  void Publish(const std::string& type, const std::string& pipeline, const std::string& run_id,
               nlohmann::json fields);
  void Loop();

  ServiceOptions options_;
  Clock& clock_;
  int64_t started_us_ = 0;

  std::mutex store_mutex_;  // taken after mutex_, never before
  std::unique_ptr<runtime::RunStore> store_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  Project project_;
  std::shared_ptr<const ProjectSnapshot> snapshot_;
  Scheduler scheduler_;
  uint64_t saved_state_version_ = 0;
  std::deque<std::shared_ptr<Queued>> queue_;
  std::map<std::string, std::shared_ptr<Running>> running_;  // by run id
  std::vector<std::thread> finished_threads_;
  std::map<std::string, std::thread> threads_;
  int64_t next_reload_us_ = 0;
  int64_t next_scan_us_ = 0;
  bool wake_pending_ = false;  // something changed since the loop's last turn
  bool stopping_ = false;
  bool started_ = false;
  std::thread loop_;

  std::mutex publish_mutex_;
  EventPublisher publisher_;
};

}  // namespace etl::server
