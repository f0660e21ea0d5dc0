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
#include <unordered_set>
#include <vector>

#include "runtime/exec_actor.h"
#include "runtime/executor.h"

namespace etl::runtime {

// Binds every live node of `pipeline` into `actors`; false and `error` (naming the node)
// when one cannot be bound. Shared by CheckRunnable and the run.
// JIT compilations are reported to `jit_log` (null: not reported).
bool BindActors(const ir::Plan& plan, const ir::Pipeline& pipeline, const RunOptions& options,
                std::vector<Actor>* actors, std::string* error, JitLog* jit_log = nullptr);

// Whether a node kind keeps state across batches (its output depends on more than the
// batch at hand): aggregate (and windows), dedup, sort, take, join.
bool IsStateful(ir::NodeKind kind);

// Whether a node kind runs as one instance per worker (its output for a batch depends on
// that batch only, and it keeps no order of its own): filter, derive, select, drop,
// rename, route, explode, validate.
bool RunsInParallel(ir::NodeKind kind);

// Whether a node runs as one instance per worker that share hash-partitioned groups
// (op_aggregate.h MakePartitionedAggregate): an aggregate without a window.
bool RunsPartitioned(const ir::Node& node);

// The worker threads of a run: RunOptions::workers, or one per hardware thread.
size_t RunWorkers(const RunOptions& options);

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
  // The first turn of an actor: its step_started event (and its step's Open).
  void StartLocked(Actor& actor, std::unique_lock<std::mutex>& lock);
  // A turn of a splitting source: claims and reads one piece, then delivers every read piece
  // whose turn it is. Several workers may be in it at once (docs/dev/runtime-executor.md).
  void PieceTurn(Actor& actor, std::unique_lock<std::mutex>& lock);
  bool CanClaimLocked(const Actor& actor) const;
  // The results of one source call (Next, or a piece's Deliver): a failure stops the run
  // (false); else the source's counters, the call's tag (`persist disk`) and the commit.
  bool CommitSourceCallLocked(Actor& a, CallEmitter& out, const SourceStats& stats,
                              const std::optional<std::string>& internal, const std::optional<std::string>& failure,
                              std::unique_lock<std::mutex>& lock);
  bool CanDeliverLocked(const Actor& actor) const;
  // A turn of a parallel actor: takes messages with tickets, pushes each on an idle
  // instance, and commits every returned call whose turn it is. Several workers may be in
  // it at once; a close waits until no call is out (docs/dev/runtime-executor.md).
  void PushTurn(Actor& actor, std::unique_lock<std::mutex>& lock);
  bool CanPushLocked(const Actor& actor) const;
  void CommitPushedLocked(Actor& actor, std::unique_lock<std::mutex>& lock);
  // A text sink's committed texts: the first worker to find them unwritten writes them, and
  // those committed meanwhile, in order, without the run's mutex (the sink is touched by
  // that worker only, as a sink is by one worker at a time).
  void WriteTextsLocked(Actor& actor, std::unique_lock<std::mutex>& lock);
  // Each instance numbers the batches it emits: number them in commit order instead (a
  // sink emits nothing and has no numbers to keep).
  static void NumberEmits(Actor& actor, CallEmitter& out);
  // Whether some worker is inside the actor.
  static bool Busy(const Actor& a) { return a.running || a.piece_workers > 0 || a.push_workers > 0; }
  // Whether every consumer's inbox holds fewer than channel_batches messages, counting
  // `coming` more (the calls a parallel actor has out).
  bool HasRoomLocked(const Actor& actor, size_t coming = 0) const;
  bool HasPushRoomLocked(const Actor& actor) const;
  bool CanRunLocked(const Actor& actor) const;
  void TryReadyLocked(Actor& actor);
  void DeliverLocked(Actor& producer, size_t port, const Batch& batch, const Tag& tag);
  bool IsProducer(const Actor& a) const {
    return a.kind == ActorKind::Source || a.kind == ActorKind::Given || a.replaying;
  }
  void FinishLocked(Actor& actor);
  void MarkDoneLocked(Actor& actor);
  void CheckUnneededLocked(Actor& actor);
  void DropInboxDataLocked(Actor& actor);
  void StopLocked(RunStatus status, std::string failure);
  bool AllFinishedLocked() const { return finished_count_ == live_count_; }

  // ---- one call's results
  void Commit(Actor& actor, CallEmitter& out, std::unique_lock<std::mutex>& lock, const Tag& tag);
  void WriteUnconsumed(Actor& actor, std::vector<ErrorRecord>& errors, const Tag& tag);
  void WriteErrorTextLocked(Actor& actor, std::string_view text);

  // ---- `persist disk` (exec_persist.cpp)
  // Before scheduling: a fresh persist directory, or (resume) the sinks' restored progress,
  // which stateful steps' logs are complete, where each origin restarts, and the ids of the
  // error records already written. An error message when the saved state cannot be used.
  std::optional<std::string> PreparePersistence();
  void ComputeRestarts();
  // The tag of what a call on `m` emits (a union's outputs get their own lane).
  Tag OutputTag(Actor& a, const Message& m) const;
  // A sink's input under `persist disk`: drops the rows the sink already held at its last
  // checkpoint (true when nothing is left) and notes what it now holds.
  bool SkipForSink(Actor& a, Message& m);
  void NoteSinkProgress(Actor& a, const Tag& tag, uint64_t rows);
  // Checkpoints a durable sink when the interval passed (or `force`); unlocks while it syncs.
  void MaybeCheckpointSink(Actor& a, std::unique_lock<std::mutex>& lock, bool force);
  // A stateful step's outputs go to its log (called without the lock); the rows written
  // on data ports, or an error message.
  std::optional<std::string> LogOutputs(Actor& a, CallEmitter& out, uint64_t* rows);
  // A stateful step finished its input: sync its log, checkpoint it as complete and start
  // delivering from it. False when that failed (the run is stopped).
  bool CompleteLogLocked(Actor& a);
  // One batch of a replaying step's log to its consumers.
  void ReplayTurn(Actor& a, std::unique_lock<std::mutex>& lock);
  // Publication records: `publish` before the sinks are published, `published` after.
  std::string PersistPath(const std::string& name) const;
  void SyncErrorFileLocked();

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

  JitLog jit_log_;  // compilations not yet turned into events
  // Emits a `jit_compiled` or `jit_fallback` event per report of jit_log_.
  void JitEventsLocked();
  std::mutex events_mu_;  // serialises observer calls; taken before mu_, never inside it
  int error_fd_ = -1;  // the run's error file (written under mu_)
  bool error_file_dirty_ = false;
  bool error_file_failed_ = false;
  std::unordered_set<std::string> written_error_ids_;  // resume: already in the error file

  bool resume_publishing_ = false;  // the resumed run had started publishing
  bool already_published_ = false;  // the resumed run had published everything

  std::vector<std::thread> threads_;
  int64_t started_us_ = 0;
};

}  // namespace etl::runtime
