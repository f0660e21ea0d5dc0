#include "runtime/exec_run.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include "runtime/error_file.h"
#include "runtime/fault_injection.h"
#include "runtime/persist_log.h"
#include "runtime/source_common.h"

namespace etl::runtime {

namespace {

// Messages an operator or sink processes per turn before the worker picks another actor.
constexpr size_t kTurnMessages = 8;
// record_failed events per step; later failures are only counted.
constexpr size_t kLoggedFailuresPerStep = 5;
// How often the monitor polls the cancellation flag and the timeout.
constexpr auto kMonitorPoll = std::chrono::milliseconds(5);

// A duration for messages: "1h", "1h30m", "2.5s", "250ms".
std::string FormatDuration(int64_t us) {
  if (us % 1'000'000 != 0) {
    if (us < 1'000'000) return fmt::format("{}ms", us / 1000);
    return fmt::format("{:.3g}s", static_cast<double>(us) / 1e6);
  }
  int64_t s = us / 1'000'000;
  std::string out;
  if (s >= 3600) out += fmt::format("{}h", s / 3600);
  if (s % 3600 >= 60) out += fmt::format("{}m", s % 3600 / 60);
  if (s % 60 != 0 || out.empty()) out += fmt::format("{}s", s % 60);
  return out;
}

}  // namespace

bool RunsInParallel(ir::NodeKind kind) {
  switch (kind) {
    case ir::NodeKind::Filter:
    case ir::NodeKind::Derive:
    case ir::NodeKind::Select:
    case ir::NodeKind::Drop:
    case ir::NodeKind::Rename:
    case ir::NodeKind::Route:
    case ir::NodeKind::Explode:
    case ir::NodeKind::Validate:
      return true;
    default:
      return false;
  }
}

bool RunsPartitioned(const ir::Node& node) {
  return node.kind == ir::NodeKind::Aggregate && !node.window.has_value();
}

size_t RunWorkers(const RunOptions& options) {
  return options.workers ? options.workers : std::max(1u, std::thread::hardware_concurrency());
}

PipelineRun::PipelineRun(const ir::Plan& plan, const ir::Pipeline& pipeline, const RunOptions& options)
    : plan_(plan), pipeline_(pipeline), options_(options) {
  max_errors_ = options.max_errors ? options.max_errors : pipeline.settings.max_errors;
  timeout_us_ = options.timeout_us ? options.timeout_us : pipeline.settings.timeout_us;
  workers_ = RunWorkers(options);
}

PipelineRun::~PipelineRun() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

RunResult PipelineRun::Execute() {
  started_us_ = NowMicros();
  std::string error;
  bool bound = BindActors(plan_, pipeline_, options_, &actors_, &error, &jit_log_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    EventLocked("", "run_started", LogLevel::Info, {{"workers", ast::Value::Int(static_cast<int64_t>(workers_))}});
    JitEventsLocked();
  }
  if (bound && options_.persist_disk) {
    if (auto persist_error = PreparePersistence()) {
      bound = false;
      error = *persist_error;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (bound && (resume_publishing_ || already_published_)) {
      stop_ = true;  // nothing left to run: only the publication (below)
      EventLocked("", "resumed", LogLevel::Info,
                  {{"phase", ast::Value::String(already_published_ ? "published" : "publishing")}});
    } else if (!bound) {
      stop_ = true;
      status_ = RunStatus::Failed;
      failure_ = error;
    } else {
      for (Actor& a : actors_) {
        if (!a.live) continue;
        ++live_count_;
        if (a.kind == ActorKind::Source && a.source && a.source->source().Splits()) {
          a.splits = true;
          a.serial_mu = std::make_unique<std::mutex>();
        }
        for (size_t input = 0; input < a.open_edges.size(); ++input) {
          if (a.open_edges[input] == 0) a.inbox.push_back({input, true, {}, {}});
        }
      }
      for (Actor& a : actors_) {
        if (a.live) TryReadyLocked(a);
      }
      if (AllFinishedLocked()) stop_ = true;
    }
  }
  FlushEvents();
  if (bound && !stop_) {
    for (size_t i = 0; i < workers_; ++i) threads_.emplace_back([this] { WorkerLoop(); });
    threads_.emplace_back([this] { MonitorLoop(); });
    {
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [this] { return stop_ || AllFinishedLocked(); });
      stop_ = true;
    }
    work_cv_.notify_all();
    done_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }
  // Every worker has stopped: the actors are ours. The run succeeded: publish every sink's
  // prepared output, in plan order; the first that cannot be published fails the run and the
  // rest are discarded (a failed run publishes nothing it can still take back).
  if (status_ == RunStatus::Succeeded && !already_published_) {
    std::lock_guard<std::mutex> lock(mu_);
    SyncErrorFileLocked();
    if (options_.persist_disk) {
      // The commit record: from here on a resumed run only finishes the publication.
      if (auto record_error = AppendCheckpoint(PersistPath("publish"), "publish")) {
        StopLocked(RunStatus::Failed, "cannot write the commit record: " + *record_error);
        status_ = RunStatus::Failed;
        failure_ = "cannot write the commit record: " + *record_error;
      }
    }
    for (Actor& a : actors_) {
      if (status_ != RunStatus::Succeeded) break;
      if (!a.sink || !a.live) continue;
      if (!a.sink->Commit()) {
        status_ = RunStatus::Failed;
        failure_ = "`" + a.node->id + "`: " +
                   (a.sink->failure() ? a.sink->failure()->ToString() : std::string("the output was not complete"));
        break;
      }
      EventLocked(a.node->id, "sink_committed", LogLevel::Info,
                  {{"target", ast::Value::String(a.sink_target)},
                   {"rows", ast::Value::Int(a.sink->rows())},
                   {"bytes", ast::Value::Int(a.sink->bytes())}});
    }
  }
  if (status_ == RunStatus::Succeeded && options_.persist_disk && !already_published_) {
    if (auto record_error = AppendCheckpoint(PersistPath("published"), "published")) {
      std::lock_guard<std::mutex> lock(mu_);
      EventLocked("", "persist_warning", LogLevel::Warn, {{"message", ast::Value::String(*record_error)}});
    }
    // What was kept for a resume is no longer needed.
    std::error_code ec;
    std::filesystem::remove_all(PersistPath("logs"), ec);
    std::filesystem::remove_all(PersistPath("steps"), ec);
  }
  if (status_ != RunStatus::Succeeded) {
    for (Actor& a : actors_) {
      if (!a.sink) continue;
      // A persisted run that stopped keeps its checkpointed output for `--resume`, unless
      // its publication had begun (then only a resume can finish it, so keep it too).
      if (options_.persist_disk) a.sink->Suspend();
      else a.sink->Abort();
    }
  }
  if (error_fd_ >= 0) ::close(error_fd_);
  error_fd_ = -1;

  RunResult result;
  result.status = status_;
  result.failure = failure_;
  result.errors = errors_;
  result.unconsumed_error_count = unconsumed_count_;
  result.unconsumed_errors = std::move(unconsumed_);
  result.tapped = std::move(tapped_);
  result.max_queued_batches = max_queued_;
  result.started_us = started_us_;
  result.finished_us = NowMicros();
  uint64_t rows_in = 0;
  for (const Actor& a : actors_) {
    result.steps.push_back(a.metrics);
    if (a.kind == ActorKind::Source) rows_in += a.metrics.rows_in;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<std::string, ast::Value>> fields = {
        {"status", ast::Value::String(std::string(Spelling(status_)))}};
    if (!failure_.empty()) fields.emplace_back("failure", ast::Value::String(failure_));
    fields.emplace_back("rows_in", ast::Value::Int(static_cast<int64_t>(rows_in)));
    fields.emplace_back("errors", ast::Value::Int(static_cast<int64_t>(errors_)));
    fields.emplace_back("seconds", ast::Value::Float(static_cast<double>(result.finished_us - started_us_) / 1e6));
    EventLocked("", "run_finished", status_ == RunStatus::Succeeded ? LogLevel::Info : LogLevel::Error,
                std::move(fields));
  }
  FlushEvents();
  return result;
}

// ---- scheduling

void PipelineRun::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return stop_ || !ready_.empty(); });
    if (stop_) break;
    Actor& a = actors_[ready_.front()];
    ready_.pop_front();
    a.queued = false;
    if (!CanRunLocked(a)) continue;
    if (a.splits) {
      ++a.piece_workers;
      PieceTurn(a, lock);
      --a.piece_workers;
      if (!a.finished && !stop_ && !Busy(a) && (a.exhausted || a.unneeded)) FinishLocked(a);
    } else if (a.parallel) {
      ++a.push_workers;
      PushTurn(a, lock);
      --a.push_workers;
    } else {
      a.running = true;
      RunTurn(a, lock);
      a.running = false;
      if (IsProducer(a) && !a.finished && !stop_ && (a.exhausted || a.unneeded)) FinishLocked(a);
    }
    TryReadyLocked(a);
    if (!pending_events_.empty()) {
      lock.unlock();
      FlushEvents();
      lock.lock();
    }
  }
}

void PipelineRun::MonitorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  int64_t interval = options_.progress_interval_us;
  int64_t next_progress = started_us_ + interval;
  while (!stop_ && !AllFinishedLocked()) {
    done_cv_.wait_for(lock, kMonitorPoll);
    if (stop_ || AllFinishedLocked()) break;
    int64_t now = NowMicros();
    if (options_.cancel && options_.cancel->load()) {
      EventLocked("", "cancelled", LogLevel::Warn, {{"reason", ast::Value::String("cancelled")}});
      StopLocked(RunStatus::Cancelled, "cancelled");
      break;
    }
    if (timeout_us_ && now - started_us_ >= *timeout_us_) {
      std::string why = "timed out after " + FormatDuration(*timeout_us_);
      EventLocked("", "cancelled", LogLevel::Warn, {{"reason", ast::Value::String(why)}});
      StopLocked(RunStatus::TimedOut, why);
      break;
    }
    if (options_.observer && interval > 0 && now >= next_progress) {
      RunProgress progress;
      progress.now_us = now;
      progress.started_us = started_us_;
      for (const Actor& a : actors_) progress.steps.push_back(a.metrics);
      next_progress = now + interval;
      lock.unlock();
      FlushEvents();
      {
        std::lock_guard<std::mutex> events(events_mu_);
        options_.observer->OnProgress(progress);
      }
      lock.lock();
    }
  }
  lock.unlock();
  work_cv_.notify_all();
  done_cv_.notify_all();
}

bool PipelineRun::HasRoomLocked(const Actor& actor, size_t coming) const {
  for (const auto& port : actor.consumers) {
    for (const ConsumerRef& c : port) {
      const Actor& to = actors_[c.node];
      if (to.done || to.unneeded || to.finished) continue;
      if (to.inbox.size() + coming >= options_.channel_batches) return false;
    }
  }
  return true;
}

bool PipelineRun::CanClaimLocked(const Actor& a) const {
  // Pieces read ahead of delivery are bounded: at most two per worker wait in memory.
  return !a.claims_done && a.pieces_out < 2 * workers_;
}

bool PipelineRun::CanDeliverLocked(const Actor& a) const {
  return !a.delivering && !a.read_pieces.empty() && a.read_pieces.begin()->first == a.next_deliver;
}

bool PipelineRun::CanRunLocked(const Actor& actor) const {
  if (actor.splits) {
    if (!actor.live || actor.finished || stop_ || actor.exhausted || actor.unneeded) return false;
    return (CanClaimLocked(actor) || CanDeliverLocked(actor)) && HasRoomLocked(actor);
  }
  if (actor.parallel) return CanPushLocked(actor);
  if (!actor.live || actor.finished || actor.running || stop_) return false;
  if (IsProducer(actor)) return !actor.exhausted && !actor.unneeded && HasRoomLocked(actor);
  return !actor.inbox.empty() && HasRoomLocked(actor);
}

void PipelineRun::TryReadyLocked(Actor& actor) {
  if (actor.queued || !CanRunLocked(actor)) return;
  actor.queued = true;
  ready_.push_back(actor.index);
  work_cv_.notify_one();
}

void PipelineRun::StartLocked(Actor& a, std::unique_lock<std::mutex>& lock) {
  const std::string& id = a.node->id;
  a.started = true;
  a.metrics.started_us = NowMicros();
  EventLocked(id, "step_started", LogLevel::Info);
  if (a.kind == ActorKind::Source && !a.source->target.empty()) {
    EventLocked(id, "source_opened", LogLevel::Info, {{"file", ast::Value::String(a.source->target)}});
  }
  if (!a.step) return;
  lock.unlock();
  CallEmitter out;
  std::optional<std::string> internal;
  try {
    a.step->Open(out);
    for (std::unique_ptr<Step>& instance : a.more_steps) instance->Open(out);
  } catch (const std::exception& e) {
    internal = e.what();
  } catch (...) {
    internal = "unknown exception";
  }
  lock.lock();
  a.opened = true;
  if (internal) return StopLocked(RunStatus::Failed, "internal error in `" + id + "`: " + *internal);
  Commit(a, out, lock, Tag{static_cast<uint32_t>(a.index), 0, a.close_calls++});
  if (a.kind == ActorKind::Operator && !a.done && a.step->Done()) MarkDoneLocked(a);  // `take 0`
}

void PipelineRun::RunTurn(Actor& a, std::unique_lock<std::mutex>& lock) {
  const std::string& id = a.node->id;
  if (!a.started) {
    StartLocked(a, lock);
    if (stop_) return;
  }
  bool producer = IsProducer(a);
  size_t budget = producer ? 1 : kTurnMessages;
  for (size_t n = 0; n < budget && !stop_ && !a.finished; ++n) {
    if (!HasRoomLocked(a)) break;
    if (producer) {
      if (a.exhausted || a.unneeded) break;
      if (a.replaying) {
        ReplayTurn(a, lock);
        continue;
      }
      if (a.kind == ActorKind::Source && a.restart == UINT64_MAX) {  // resumed: nothing to send again
        a.exhausted = true;
        continue;
      }
      lock.unlock();
      CallEmitter out;
      bool more = true;
      SourceStats stats;
      std::optional<std::string> failure, internal;
      int64_t t0 = NowMicros();
      if (a.kind == ActorKind::Given) {
        if (a.given_next < a.given.size()) {
          stats.records_in = a.given[a.given_next].Size();
          out.Emit(0, a.given[a.given_next++]);
        }
        more = a.given_next < a.given.size();
      } else {
        try {
          more = a.source->source().Next(out);
        } catch (const std::exception& e) {
          internal = e.what();
        } catch (...) {
          internal = "unknown exception";
        }
        stats = a.source->stats();
        if (a.source->failure()) failure = a.source->failure()->ToString();
      }
      int64_t busy = NowMicros() - t0;
      lock.lock();
      a.metrics.busy_us += busy;
      if (!CommitSourceCallLocked(a, out, stats, internal, failure, lock)) return;
      if (!more) a.exhausted = true;
      continue;
    }
    if (a.inbox.empty()) break;
    Message m = std::move(a.inbox.front());
    a.inbox.pop_front();
    for (size_t p : a.producers) TryReadyLocked(actors_[p]);
    uint64_t pushed_rows = 0;
    if (!m.close) {
      size_t rows = m.batch.Size();
      pushed_rows = rows;
      a.metrics.rows_in += rows;
      ++a.metrics.batches_in;
      if (a.done || a.unneeded) {
        a.metrics.filtered += rows;
        continue;
      }
      if (a.kind == ActorKind::Sink && options_.persist_disk && SkipForSink(a, m)) {
        NoteSinkProgress(a, m.tag, pushed_rows);
        continue;
      }
    }
    Tag out_tag = m.close ? Tag{static_cast<uint32_t>(a.index), 0, a.close_calls++} : OutputTag(a, m);
    lock.unlock();
    CallEmitter out;
    bool step_done = false;
    std::optional<std::string> internal;
    int64_t t0 = NowMicros();
    try {
      if (m.close) a.step->Close(m.input, out);
      else a.step->Push(m.input, m.batch, out);
      step_done = a.step->Done();
    } catch (const std::exception& e) {
      internal = e.what();
    } catch (...) {
      internal = "unknown exception";
    }
    uint64_t logged_rows = 0;
    std::optional<std::string> log_error;
    if (a.logged && !internal) log_error = LogOutputs(a, out, &logged_rows);
    int64_t busy = NowMicros() - t0;
    lock.lock();
    a.metrics.busy_us += busy;
    a.metrics.rows_out += logged_rows;
    if (internal) return StopLocked(RunStatus::Failed, "internal error in `" + id + "`: " + *internal);
    if (log_error) return StopLocked(RunStatus::Failed, "`" + id + "`: cannot persist its output: " + *log_error);
    if (a.sink && a.sink->failure()) return StopLocked(RunStatus::Failed, "`" + id + "`: " + a.sink->failure()->ToString());
    if (a.kind == ActorKind::Sink && options_.persist_disk && !m.close) NoteSinkProgress(a, m.tag, pushed_rows);
    Commit(a, out, lock, out_tag);
    if (m.close && ++a.inputs_closed == a.node->inputs.size()) {
      if (a.kind == ActorKind::Sink) MaybeCheckpointSink(a, lock, true);
      if (stop_) break;
      FinishLocked(a);
      break;
    }
    if (step_done && !a.done && a.kind != ActorKind::Sink) MarkDoneLocked(a);
  }
  if (a.kind == ActorKind::Sink && !a.finished && !stop_) MaybeCheckpointSink(a, lock, false);
}

bool PipelineRun::CanPushLocked(const Actor& a) const {
  if (!a.live || a.finished || stop_ || a.inbox.empty()) return false;
  if (a.started && !a.opened) return false;  // a worker is in Open
  if (a.inbox.front().close) return a.push_workers == 0 && HasRoomLocked(a);  // the calls out commit first
  if (a.done || a.unneeded) return true;  // its input is only counted
  return HasPushRoomLocked(a);
}

bool PipelineRun::HasPushRoomLocked(const Actor& a) const {
  // Calls taken and not committed yet (and a text sink's texts not written yet): fewer
  // than the instances (so a slow call, or a slow write, does not let the others run ahead
  // without bound, and an idle instance is left), and each call will emit about one batch
  // per port, so they count against the consumers' room.
  uint64_t out = a.next_push_ticket - a.next_push_commit;
  return out + a.texts_out < a.push_slots && HasRoomLocked(a, out);
}

void PipelineRun::PushTurn(Actor& a, std::unique_lock<std::mutex>& lock) {
  const std::string& id = a.node->id;
  if (!a.started) {
    StartLocked(a, lock);
    if (stop_) return;
  }
  for (size_t n = 0; n < kTurnMessages && !stop_ && !a.finished; ++n) {
    if (a.inbox.empty()) break;
    if (a.inbox.front().close) {
      // Every message before the close has been pushed; wait for their results. The last
      // worker to leave the actor schedules it again.
      if (a.push_workers > 1 || !a.pushed_calls.empty() || a.texts_out > 0 || !HasRoomLocked(a)) break;
      Message m = std::move(a.inbox.front());
      a.inbox.pop_front();
      Tag out_tag{static_cast<uint32_t>(a.index), 0, a.close_calls++};
      lock.unlock();
      CallEmitter out;
      std::optional<std::string> internal;
      try {
        a.step->Close(m.input, out);
        for (std::unique_ptr<Step>& instance : a.more_steps) instance->Close(m.input, out);
      } catch (const std::exception& e) {
        internal = e.what();
      } catch (...) {
        internal = "unknown exception";
      }
      lock.lock();
      if (internal) return StopLocked(RunStatus::Failed, "internal error in `" + id + "`: " + *internal);
      if (a.sink && a.sink->failure()) return StopLocked(RunStatus::Failed, "`" + id + "`: " + a.sink->failure()->ToString());
      NumberEmits(a, out);
      Commit(a, out, lock, out_tag);
      if (++a.inputs_closed == a.node->inputs.size()) {
        if (!stop_) FinishLocked(a);
        break;
      }
      continue;
    }
    if (!a.done && !a.unneeded && !HasPushRoomLocked(a)) break;
    Message m = std::move(a.inbox.front());
    a.inbox.pop_front();
    for (size_t p : a.producers) TryReadyLocked(actors_[p]);
    a.metrics.rows_in += m.batch.Size();
    ++a.metrics.batches_in;
    if (a.done || a.unneeded) {
      a.metrics.filtered += m.batch.Size();
      continue;
    }
    PushedCall call;
    call.tag = OutputTag(a, m);
    uint64_t ticket = a.next_push_ticket++;
    // The instances see the batches numbered 0, 1, 2, ... over all of them (a parallel
    // actor has one input), which is how a partitioned aggregate orders its partitions' work.
    m.batch.sequence = ticket;
    Step* step = a.idle_steps.back();
    a.idle_steps.pop_back();
    TryReadyLocked(a);  // another worker may push the next message meanwhile
    lock.unlock();
    int64_t t0 = NowMicros();
    try {
      if (a.text_sink) {
        a.text_sink->FormatApart(m.batch, call.text);
        call.rows = m.batch.Size();
        call.sequence = m.batch.sequence;
      } else {
        step->Push(m.input, m.batch, call.out);
        call.step_done = step->Done();
      }
    } catch (const std::exception& e) {
      call.internal = e.what();
    } catch (...) {
      call.internal = "unknown exception";
    }
    call.busy_us = NowMicros() - t0;
    lock.lock();
    a.idle_steps.push_back(step);
    a.pushed_calls.emplace(ticket, std::move(call));
    CommitPushedLocked(a, lock);
  }
}

void PipelineRun::NumberEmits(Actor& a, CallEmitter& out) {
  for (auto& [port, batch] : out.emits) {
    if (batch.Size() != 0 && port < a.emit_sequences.size()) batch.sequence = a.emit_sequences[port]++;
  }
}

void PipelineRun::CommitPushedLocked(Actor& a, std::unique_lock<std::mutex>& lock) {
  while (!stop_ && !a.pushed_calls.empty() && a.pushed_calls.begin()->first == a.next_push_commit) {
    PushedCall call = std::move(a.pushed_calls.begin()->second);
    a.pushed_calls.erase(a.pushed_calls.begin());
    ++a.next_push_commit;
    a.metrics.busy_us += call.busy_us;
    if (call.internal) return StopLocked(RunStatus::Failed, "internal error in `" + a.node->id + "`: " + *call.internal);
    if (a.text_sink) {  // formatting emits and fails nothing: only the text is left to write
      ++a.texts_out;
      a.unwritten.push_back(std::move(call));
      continue;
    }
    NumberEmits(a, call.out);
    Commit(a, call.out, lock, call.tag);
    if (call.step_done && !a.done) MarkDoneLocked(a);
  }
  if (a.text_sink) WriteTextsLocked(a, lock);
}

void PipelineRun::WriteTextsLocked(Actor& a, std::unique_lock<std::mutex>& lock) {
  if (a.writing) return;  // that worker writes these too, after the ones it holds
  a.writing = true;
  while (!stop_ && !a.unwritten.empty()) {
    std::deque<PushedCall> texts;
    texts.swap(a.unwritten);
    lock.unlock();
    int64_t t0 = NowMicros();
    std::optional<std::string> failure;
    for (const PushedCall& text : texts) {
      a.text_sink->PushFormatted(text.text, text.rows, text.sequence);
      if (a.sink->failure()) {
        failure = a.sink->failure()->ToString();
        break;
      }
    }
    const int64_t rows = a.sink->rows(), bytes = a.sink->bytes();
    int64_t busy = NowMicros() - t0;
    lock.lock();
    a.texts_out -= texts.size();
    a.metrics.busy_us += busy;
    a.metrics.rows_out = static_cast<uint64_t>(rows);
    a.metrics.bytes_out = static_cast<uint64_t>(bytes);
    if (failure) {
      a.writing = false;
      return StopLocked(RunStatus::Failed, "`" + a.node->id + "`: " + *failure);
    }
    TryReadyLocked(a);  // room for more formatting
  }
  a.writing = false;
}

void PipelineRun::PieceTurn(Actor& a, std::unique_lock<std::mutex>& lock) {
  const std::string& id = a.node->id;
  if (!a.started) StartLocked(a, lock);
  if (a.restart == UINT64_MAX && a.pieces_out == 0) {  // resumed: nothing to send again
    a.claims_done = true;
    a.exhausted = true;
    return;
  }
  Source& source = a.source->source();
  if (CanClaimLocked(a) && HasRoomLocked(a)) {
    ++a.pieces_out;
    TryReadyLocked(a);  // another worker may claim the next piece while this one reads
    lock.unlock();
    std::unique_ptr<SourcePiece> piece;
    uint64_t ticket = 0;
    std::optional<std::string> failure, internal;
    int64_t t0 = NowMicros();
    {
      std::lock_guard<std::mutex> serial(*a.serial_mu);
      try {
        piece = source.Claim();
      } catch (const std::exception& e) {
        internal = e.what();
      } catch (...) {
        internal = "unknown exception";
      }
      if (piece) ticket = a.next_ticket++;
      else if (a.source->failure()) failure = a.source->failure()->ToString();
    }
    if (piece && !internal) {
      try {
        piece->Read();
      } catch (const std::exception& e) {
        internal = e.what();
      } catch (...) {
        internal = "unknown exception";
      }
    }
    int64_t busy = NowMicros() - t0;
    lock.lock();
    a.metrics.busy_us += busy;
    if (internal) return StopLocked(RunStatus::Failed, "internal error in `" + id + "`: " + *internal);
    if (failure) return StopLocked(RunStatus::Failed, "`" + id + "`: " + *failure);
    if (piece) {
      a.read_pieces.emplace(ticket, std::move(piece));
    } else {
      --a.pieces_out;
      a.claims_done = true;
    }
  }
  // Deliver in claim order: whoever finds the next piece read delivers it (and the ones
  // after it that are read too); a piece read early waits for its turn.
  while (!stop_ && !a.finished && !a.unneeded && CanDeliverLocked(a) && HasRoomLocked(a)) {
    auto first = a.read_pieces.begin();
    std::unique_ptr<SourcePiece> piece = std::move(first->second);
    a.read_pieces.erase(first);
    a.delivering = true;
    lock.unlock();
    CallEmitter out;
    SourceStats stats;
    std::optional<std::string> failure, internal;
    int64_t t0 = NowMicros();
    {
      std::lock_guard<std::mutex> serial(*a.serial_mu);
      try {
        source.Deliver(*piece, out);
      } catch (const std::exception& e) {
        internal = e.what();
      } catch (...) {
        internal = "unknown exception";
      }
      stats = a.source->stats();
      if (a.source->failure()) failure = a.source->failure()->ToString();
    }
    piece.reset();
    int64_t busy = NowMicros() - t0;
    lock.lock();
    a.delivering = false;
    ++a.next_deliver;
    --a.pieces_out;
    a.metrics.busy_us += busy;
    if (!CommitSourceCallLocked(a, out, stats, internal, failure, lock)) return;
  }
  if (a.claims_done && a.pieces_out == 0) a.exhausted = true;
}

bool PipelineRun::CommitSourceCallLocked(Actor& a, CallEmitter& out, const SourceStats& stats,
                                         const std::optional<std::string>& internal,
                                         const std::optional<std::string>& failure, std::unique_lock<std::mutex>& lock) {
  const std::string& id = a.node->id;
  if (internal) {
    StopLocked(RunStatus::Failed, "internal error in `" + id + "`: " + *internal);
    return false;
  }
  if (failure) {
    StopLocked(RunStatus::Failed, "`" + id + "`: " + *failure);
    return false;
  }
  if (a.kind == ActorKind::Given) {
    a.metrics.rows_in += stats.records_in;
  } else {
    a.metrics.rows_in = stats.records_in;
    a.metrics.bytes_in = stats.bytes;
  }
  Tag tag{static_cast<uint32_t>(a.index), 0, a.next_call++};
  if (options_.persist_disk && tag.seq < a.restart) {
    out.emits.clear();  // resumed: every consumer already holds what this call gave
    out.errors.clear();
  }
  Commit(a, out, lock, tag);
  return true;
}

void PipelineRun::DeliverLocked(Actor& producer, size_t port, const Batch& batch, const Tag& tag) {
  if (port < producer.tapped.size() && producer.tapped[port]) {
    tapped_[PortRef{producer.node->id, producer.node->outputs[port].name}].push_back(batch);
  }
  if (port >= producer.consumers.size()) return;
  size_t rows = batch.Size();
  for (const ConsumerRef& c : producer.consumers[port]) {
    Actor& to = actors_[c.node];
    if (to.done || to.unneeded) {
      to.metrics.rows_in += rows;
      to.metrics.filtered += rows;
      ++to.metrics.batches_in;
      continue;
    }
    Message m{c.input, false, batch, tag, producer.index};
    m.batch.sequence = to.next_sequence[c.input]++;
    to.inbox.push_back(std::move(m));
    max_queued_ = std::max(max_queued_, to.inbox.size());
    TryReadyLocked(to);
  }
}

void PipelineRun::FinishLocked(Actor& a) {
  if (a.finished) return;
  if (a.logged && !a.replaying && !a.unneeded) {
    // Its results are complete in its log: deliver them from there before it finishes.
    if (!CompleteLogLocked(a)) return;
    if (!a.exhausted) {
      TryReadyLocked(a);
      return;
    }
  }
  a.finished = true;
  a.metrics.finished = true;
  a.metrics.finished_us = NowMicros();
  ++finished_count_;
  std::vector<std::pair<std::string, ast::Value>> fields = {
      {"rows_in", ast::Value::Int(static_cast<int64_t>(a.metrics.rows_in))},
      {"rows_out", ast::Value::Int(static_cast<int64_t>(a.metrics.rows_out))},
      {"filtered", ast::Value::Int(static_cast<int64_t>(a.metrics.filtered))},
      {"errors", ast::Value::Int(static_cast<int64_t>(a.metrics.errors))},
      {"busy_ms", ast::Value::Int(a.metrics.busy_us / 1000)}};
  if (a.metrics.errors > a.failures_logged) {
    fields.emplace_back("errors_not_logged", ast::Value::Int(static_cast<int64_t>(a.metrics.errors - a.failures_logged)));
  }
  JitEventsLocked();  // `jit auto` compiles while steps run
  EventLocked(a.node->id, "step_finished", LogLevel::Info, std::move(fields));
  for (const auto& port : a.consumers) {
    for (const ConsumerRef& c : port) {
      Actor& to = actors_[c.node];
      if (--to.open_edges[c.input] == 0) {
        to.inbox.push_back({c.input, true, {}, {}});
        TryReadyLocked(to);
      }
    }
  }
  if (AllFinishedLocked()) done_cv_.notify_all();
}

void PipelineRun::DropInboxDataLocked(Actor& a) {
  std::deque<Message> keep;
  for (Message& m : a.inbox) {
    if (m.close) {
      keep.push_back(std::move(m));
      continue;
    }
    a.metrics.rows_in += m.batch.Size();
    a.metrics.filtered += m.batch.Size();
    ++a.metrics.batches_in;
  }
  a.inbox = std::move(keep);
  for (size_t p : a.producers) TryReadyLocked(actors_[p]);
}

void PipelineRun::MarkDoneLocked(Actor& a) {
  a.done = true;
  DropInboxDataLocked(a);
  for (size_t p : a.producers) CheckUnneededLocked(actors_[p]);
}

void PipelineRun::CheckUnneededLocked(Actor& p) {
  if (p.unneeded || p.finished || p.kind == ActorKind::Sink) return;
  bool any = false;
  for (const auto& port : p.consumers) {
    for (const ConsumerRef& c : port) {
      const Actor& to = actors_[c.node];
      if (!(to.done || to.unneeded || to.finished)) return;
      any = true;
    }
  }
  if (!any) return;
  p.unneeded = true;
  DropInboxDataLocked(p);
  for (size_t q : p.producers) CheckUnneededLocked(actors_[q]);
  if (IsProducer(p) && !Busy(p)) FinishLocked(p);
}

void PipelineRun::StopLocked(RunStatus status, std::string failure) {
  if (stop_) return;
  stop_ = true;
  status_ = status;
  failure_ = std::move(failure);
  work_cv_.notify_all();
  done_cv_.notify_all();
}

// ---- one call's results

void PipelineRun::Commit(Actor& a, CallEmitter& out, std::unique_lock<std::mutex>& lock, const Tag& tag) {
  (void)lock;
  const std::string& id = a.node->id;
  a.metrics.filtered += out.filtered;
  for (auto& [port, batch] : out.emits) {
    if (batch.Size() == 0) continue;
    if (port != a.errors_port && a.kind != ActorKind::Sink) a.metrics.rows_out += batch.Size();
    DeliverLocked(a, port, batch, tag);
  }
  if (a.sink) {
    a.metrics.rows_out = static_cast<uint64_t>(a.sink->rows());
    a.metrics.bytes_out = static_cast<uint64_t>(a.sink->bytes());
  }
  if (out.errors.empty()) return;
  int64_t now = NowMicros();
  for (ErrorRecord& e : out.errors) {
    if (e.at_us == 0) e.at_us = now;
    if (e.step.empty()) e.step = id;
  }
  uint64_t n = out.errors.size();
  a.metrics.errors += n;
  errors_ += n;
  // A failure the pipeline handles (its `.errors` port is consumed) is news, not a warning.
  const bool handled = a.errors_port < a.consumers.size() && !a.consumers[a.errors_port].empty();
  for (const ErrorRecord& e : out.errors) {
    if (a.failures_logged >= kLoggedFailuresPerStep) break;
    ++a.failures_logged;
    std::vector<std::pair<std::string, ast::Value>> fields = {{"code", ast::Value::String(e.code)},
                                                              {"message", ast::Value::String(e.message)}};
    if (e.line) fields.emplace_back("line", ast::Value::Int(*e.line));
    EventLocked(id, "record_failed", handled ? LogLevel::Info : LogLevel::Warn, std::move(fields));
  }
  if (a.errors_to_batch && !a.logged) {
    DeliverLocked(a, a.errors_port, MakeErrorsBatch(a.port_types[a.errors_port], out.errors), tag);
  }
  if (!handled) WriteUnconsumed(a, out.errors, tag);
  if (max_errors_ && errors_ > static_cast<uint64_t>(*max_errors_)) {
    EventLocked("", "max_errors_exceeded", LogLevel::Error, {{"limit", ast::Value::Int(*max_errors_)}});
    StopLocked(RunStatus::Failed, fmt::format("more than {} records failed (max_errors {})", *max_errors_, *max_errors_));
  }
}

void PipelineRun::WriteErrorTextLocked(Actor& a, std::string_view text) {
  if (options_.error_file.empty() || error_file_failed_) return;
  if (error_fd_ < 0) error_fd_ = ::open(options_.error_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (error_fd_ < 0 || !WriteAll(error_fd_, text)) {
    error_file_failed_ = true;
    StopLocked(RunStatus::Failed, "`" + a.node->id + "`: cannot write the error file `" + options_.error_file + "`");
  }
  error_file_dirty_ = true;
}

void PipelineRun::WriteUnconsumed(Actor& a, std::vector<ErrorRecord>& errors, const Tag& tag) {
  if (options_.persist_disk) {
    // Each error gets an id from where it came from, so that one a resumed run produces
    // again is recognised and written once (written_error_ids_ holds the file's ids).
    std::string text;
    uint64_t& count = a.error_counts[{tag.origin, tag.lane, tag.seq}];
    std::vector<ErrorRecord> fresh;
    for (ErrorRecord& e : errors) {
      std::string id = fmt::format("{}:{}:{}:{}:{}", a.index, tag.origin, tag.lane, tag.seq, count++);
      if (written_error_ids_.count(id) != 0) continue;
      std::string line;
      AppendErrorJsonLine(e, line);
      text += "{\"id\":\"" + id + "\"," + line.substr(1);
      fresh.push_back(std::move(e));
    }
    errors = std::move(fresh);
    if (errors.empty()) return;
    FaultPoint("error_write");
    WriteErrorTextLocked(a, text);
  } else {
    std::string text;
    for (const ErrorRecord& e : errors) AppendErrorJsonLine(e, text);
    WriteErrorTextLocked(a, text);
  }
  unconsumed_count_ += errors.size();
  for (ErrorRecord& e : errors) {
    if (unconsumed_.size() >= options_.keep_errors) break;
    unconsumed_.push_back(std::move(e));
  }
}

// ---- events

void PipelineRun::JitEventsLocked() {
  for (JitReport& report : jit_log_.Drain()) {
    if (report.compiled) {
      EventLocked(report.step, "jit_compiled", LogLevel::Info,
                  {{"ms", ast::Value::Float(report.compile_ms)},
                   {"cached", ast::Value::Bool(report.cached)},
                   {"after_rows", ast::Value::Int(static_cast<int64_t>(report.after_rows))}});
    } else {
      EventLocked(report.step, "jit_fallback", LogLevel::Warn,
                  {{"message", ast::Value::String("the JIT could not compile this step; it runs interpreted: " +
                                                  report.failure)}});
    }
  }
}

void PipelineRun::EventLocked(const std::string& step, const std::string& event, LogLevel level,
                              std::vector<std::pair<std::string, ast::Value>> fields) {
  if (!options_.observer) return;
  RunEvent e;
  e.time_us = NowMicros();
  e.level = level;
  e.run = options_.run_id;
  e.pipeline = pipeline_.name;
  e.step = step;
  e.event = event;
  e.fields = std::move(fields);
  pending_events_.push_back(std::move(e));
}

void PipelineRun::FlushEvents() {
  std::lock_guard<std::mutex> events(events_mu_);
  std::vector<RunEvent> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_events_);
  }
  if (!options_.observer) return;
  for (const RunEvent& e : batch) options_.observer->OnEvent(e);
}

}  // namespace etl::runtime
