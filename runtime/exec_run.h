// One run of a pipeline: binds an actor per node, runs them on a pool of workers with a
// monitor thread (progress, timeout, cancellation), and collects the result. RunPipeline
// (executor.h) is a thin wrapper. docs/dev/runtime-executor.md.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/exec_actor.h"
#include "runtime/executor.h"

namespace etl::runtime {

// Binds every live node of `pipeline` into `actors`; false and `error` (naming the node)
// when one cannot be bound. Shared by CheckRunnable and the run.
bool BindActors(const ir::Plan& plan, const ir::Pipeline& pipeline, const RunOptions& options,
                std::vector<Actor>* actors, std::string* error);

// A run in progress. Not reusable: construct, Execute once.
class PipelineRun {
 public:
  PipelineRun(const ir::Plan& plan, const ir::Pipeline& pipeline, const RunOptions& options);
  ~PipelineRun();
  PipelineRun(const PipelineRun&) = delete;
  PipelineRun& operator=(const PipelineRun&) = delete;

  // Runs to the end, a failure, cancellation or timeout.
  RunResult Execute();

 private:
  // ---- scheduling (all "Locked" functions expect mu_ held)
  void WorkerLoop();
  void MonitorLoop();
  void RunTurn(Actor& actor, std::unique_lock<std::mutex>& lock);
  bool HasRoomLocked(const Actor& actor) const;
  bool CanRunLocked(const Actor& actor) const;
  void TryReadyLocked(Actor& actor);
  void DeliverLocked(Actor& producer, size_t port, const Batch& batch);
  void FinishLocked(Actor& actor);
  void MarkDoneLocked(Actor& actor);
  void CheckUnneededLocked(Actor& actor);
  void DropInboxDataLocked(Actor& actor);
  void StopLocked(RunStatus status, std::string failure);
  bool AllFinishedLocked() const { return finished_count_ == live_count_; }

  // ---- one call's results
  void Commit(Actor& actor, CallEmitter& out, std::unique_lock<std::mutex>& lock);
  void WriteUnconsumed(Actor& actor, std::vector<ErrorRecord>& errors);

  // ---- events
  void EventLocked(const std::string& step, const std::string& event, LogLevel level,
                   std::vector<std::pair<std::string, ast::Value>> fields = {});
  void FlushEvents();

  const ir::Plan& plan_;
  const ir::Pipeline& pipeline_;
  const RunOptions& options_;
  std::optional<int64_t> max_errors_;
  std::optional<int64_t> timeout_us_;
  size_t workers_ = 1;

  std::vector<Actor> actors_;
  size_t live_count_ = 0;

  std::mutex mu_;  // everything below, and Actor scheduler state
  std::condition_variable work_cv_;  // workers: ready actors or stop
  std::condition_variable done_cv_;  // Execute and the monitor: finished or stopped
  std::deque<size_t> ready_;
  size_t finished_count_ = 0;
  bool stop_ = false;
  RunStatus status_ = RunStatus::Succeeded;
  std::string failure_;
  uint64_t errors_ = 0;
  uint64_t unconsumed_count_ = 0;
  std::vector<ErrorRecord> unconsumed_;
  std::map<PortRef, std::vector<Batch>> tapped_;
  size_t max_queued_ = 0;
  std::vector<RunEvent> pending_events_;

  std::mutex events_mu_;  // serialises observer calls; taken before mu_, never inside it
  std::mutex error_file_mu_;
  std::ofstream error_file_;
  bool error_file_failed_ = false;

  std::vector<std::thread> threads_;
  int64_t started_us_ = 0;
};

}  // namespace etl::runtime
