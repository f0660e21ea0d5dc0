#include "server/run_executor.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "compiler/jit/jit.h"
#include "runtime/executor.h"
#include "runtime/run_log.h"
#include "runtime/run_record.h"
#include "runtime/run_resume.h"
#include "runtime/run_store.h"

namespace etl::server {

namespace fs = std::filesystem;

namespace {

// Forwards a run's events and progress to the service.
class ForwardingObserver : public runtime::RunObserver {
 public:
  ForwardingObserver(const std::function<void(const runtime::RunEvent&)>& on_event,
                     const std::function<void(const runtime::RunProgress&)>& on_progress)
      : on_event_(on_event), on_progress_(on_progress) {}
  void OnEvent(const runtime::RunEvent& event) override {
    if (on_event_) on_event_(event);
  }
  void OnProgress(const runtime::RunProgress& progress) override {
    if (on_progress_) on_progress_(progress);
  }

 private:
  const std::function<void(const runtime::RunEvent&)>& on_event_;
  const std::function<void(const runtime::RunProgress&)>& on_progress_;
};

// Ends a run that could not start: its row says why.
RunOutcome FailBeforeStart(runtime::RunStore* store, const RunJob& job, const std::string& failure) {
  RunOutcome outcome{"failed", failure, ""};
  if (!store) return outcome;
  runtime::RunEnd end;
  end.status = "failed";
  end.failure = failure;
  end.finished_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  if (auto problem = store->FinishRun(job.run_id, end)) outcome.store_problem = *problem;
  return outcome;
}

}  // namespace

RunOutcome ExecuteRun(const RunJob& job, const std::atomic<bool>& cancel,
                      const std::function<void(const runtime::RunEvent&)>& on_event,
                      const std::function<void(const runtime::RunProgress&)>& on_progress) {
  // Each run has its own store connection: the store is not thread-safe, and runs end
  // concurrently (SQLite in WAL mode and PostgreSQL both take concurrent writers).
  std::string store_error;
  std::unique_ptr<runtime::RunStore> store = runtime::OpenRunStore(job.store, job.state_dir, store_error);
  if (!store) return {"failed", store_error, store_error};
  try {
    const ir::Pipeline& pipeline = job.plan->pipelines.front();
    fs::path run_dir = fs::path(job.state_dir) / "runs" / job.run_id;
    std::error_code ec;
    fs::create_directories(run_dir, ec);
    if (ec) return FailBeforeStart(store.get(), job, fmt::format("cannot create `{}`: {}", run_dir.string(), ec.message()));
    runtime::RunLock lock;
    std::string lock_error;
    if (!lock.Acquire(run_dir.string(), lock_error)) return FailBeforeStart(store.get(), job, lock_error);

    runtime::RunMeta meta;
    if (job.resume) {
      if (auto problem = runtime::ReadRunMeta(run_dir.string(), meta)) {
        return FailBeforeStart(store.get(), job, fmt::format("run {} cannot be resumed: {}", job.run_id, *problem));
      }
    } else {
      meta.now_us = job.now_us;
      meta.seed = runtime::RandomSeed();
      meta.persist_disk = pipeline.settings.persist == "disk";
      meta.params = job.params;
      if (auto problem = runtime::WriteRunMeta(run_dir.string(), meta)) return FailBeforeStart(store.get(), job, *problem);
    }

    runtime::RunOptions options;
    options.run_id = job.run_id;
    runtime::ApplyRunMeta(meta, run_dir.string(), options);
    options.workers = job.workers;
    options.resume = job.resume && meta.persist_disk;
    options.error_file = (run_dir / "errors.jsonl").string();
    options.cancel = &cancel;
    options.progress_interval_us = 1'000'000;

    // `jit on|auto` is honoured as by `etlc run`; where LLVM cannot run, the run is interpreted.
    std::string jit_why;
    std::unique_ptr<runtime::KernelCompiler> jit = jit::MakeRunJit(pipeline.settings.jit, job.state_dir, options, &jit_why);
    if (!jit && !jit_why.empty()) {
      std::cerr << fmt::format("etlc serve: warning: run {}: the JIT is not available ({}); it is interpreted\n",
                               job.run_id, jit_why);
    }
    if (auto problem = runtime::CheckRunnable(*job.plan, pipeline, options)) {
      return FailBeforeStart(store.get(), job, *problem);
    }

    uint64_t errors_stored = 0;
    if (job.resume && !options.resume) fs::remove(options.error_file, ec);
    if (options.resume) {
      std::vector<runtime::StoredError> stored;
      if (!store->ErrorsOf(job.run_id, stored)) errors_stored = stored.size();
    }
    auto mode = std::ios::binary | (job.resume ? std::ios::app : std::ios::trunc);
    std::ofstream log_file(run_dir / "log.jsonl", mode);
    std::ofstream stdout_file(run_dir / "stdout.txt", mode);
    if (!log_file || !stdout_file) {
      return FailBeforeStart(store.get(), job, fmt::format("cannot write in `{}`", run_dir.string()));
    }
    options.out = &stdout_file;

    runtime::JsonLogWriter log_writer(log_file);
    runtime::StoreEventRecorder store_events(*store, job.run_id);
    ForwardingObserver forward(on_event, on_progress);
    runtime::FanOutObserver observers;
    observers.Add(&log_writer);
    observers.Add(&store_events);
    observers.Add(&forward);
    options.observer = &observers;

    runtime::RunResult result = runtime::RunPipeline(*job.plan, pipeline, options);
    log_file.flush();
    stdout_file.flush();
    RunOutcome outcome;
    outcome.status = std::string(runtime::Spelling(result.status));
    outcome.failure = result.failure;
    if (auto problem = runtime::RecordRunEnd(*store, store_events, job.run_id, options.error_file, result, errors_stored)) {
      outcome.store_problem = *problem;
    }
    return outcome;
  } catch (const std::exception& e) {
    return FailBeforeStart(store.get(), job, fmt::format("internal error: {}", e.what()));
  }
}

}  // namespace etl::server
