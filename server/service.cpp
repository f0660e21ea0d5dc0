#include "server/service.h"

#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "compiler/ir/json.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/run_log.h"
#include "runtime/run_params.h"
#include "runtime/run_record.h"
#include "runtime/run_resume.h"
#include "runtime/value_json.h"
#include "server/run_executor.h"
#include "server/service_internal.h"

namespace etl::server {

namespace fs = std::filesystem;

namespace {

// The step state key under which the scheduler's state is kept in the run store.
constexpr const char* kStatePipeline = "@serve";
constexpr const char* kStateStep = "scheduler";
constexpr const char* kStateKey = "state";

// The scheduler's view of a pipeline's settings.
PipelineSchedule ScheduleOf(const ProjectPipeline& p) {
  const ir::Settings& s = p.Pipeline().settings;
  PipelineSchedule schedule;
  schedule.name = p.name;
  if (s.schedule) {
    schedule.cron = s.schedule->cron;
    schedule.timezone = s.schedule->timezone;
  }
  schedule.every_us = s.every_us;
  schedule.after = s.after;
  for (const ir::Trigger& trigger : s.triggers) {
    std::string arg = trigger.args.empty() || !trigger.args.front().value
                          ? std::string()
                          : trigger.args.front().value->string_value;
    if (trigger.kind == "file") schedule.file_globs.push_back(arg);
    if (trigger.kind == "webhook") schedule.webhook_paths.push_back(arg);
    if (trigger.kind == "event") schedule.event_names.push_back(arg);
  }
  if (s.retry) {
    schedule.retries = s.retry->count;
    schedule.backoff_us = s.retry->backoff_us;
  }
  schedule.concurrency = s.concurrency.value_or(1);
  return schedule;
}

// The files a glob matches, relative to the working directory (the project directory).
std::vector<FileInfo> ListGlob(const std::string& pattern) {
  std::vector<FileInfo> files;
  glob_t matches{};
  if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(matches.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
      files.push_back({matches.gl_pathv[i], static_cast<int64_t>(st.st_size),
                       static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000});
    }
  }
  globfree(&matches);
  return files;
}

}  // namespace

Service::Service(ServiceOptions options, Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      project_(options_.project_dir),
      snapshot_(project_.Snapshot()),
      scheduler_(SchedulerOptions{options_.catch_up, 0.2, options_.seed}) {
  if (options_.max_runs == 0) options_.max_runs = std::max(2u, std::thread::hardware_concurrency());
}

Service::~Service() { Stop(); }

void Service::SetPublisher(EventPublisher publisher) {
  std::lock_guard lock(publish_mutex_);
  publisher_ = std::move(publisher);
}

std::shared_ptr<const ProjectSnapshot> Service::Snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

void Service::Publish(const std::string& type, const std::string& pipeline, const std::string& run_id,
                      nlohmann::json fields) {
  std::lock_guard lock(publish_mutex_);
  if (!publisher_) return;
  nlohmann::json message = fields.is_object() ? std::move(fields) : nlohmann::json::object();
  message["type"] = type;
  message["time"] = runtime::FormatRfc3339(clock_.NowUs());
  message["pipeline"] = pipeline.empty() ? nlohmann::json(nullptr) : nlohmann::json(pipeline);
  message["run"] = run_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(run_id);
  if (!message.contains("step")) message["step"] = nullptr;
  publisher_({{"pipeline", pipeline}, {"run", run_id}}, message.dump());
}

std::optional<std::string> Service::Start() {
  std::string error;
  store_ = runtime::OpenRunStore(options_.store, options_.state_dir, error);
  if (!store_) return error;
  started_us_ = clock_.NowUs();
  {
    std::lock_guard lock(mutex_);
    ReloadProject(started_us_);
    std::optional<std::string> state;
    {
      std::lock_guard store_lock(store_mutex_);
      if (auto problem = store_->GetStepState(kStatePipeline, kStateStep, kStateKey, state)) return problem;
    }
    if (options_.scheduling) {
      if (state) scheduler_.RestoreState(nlohmann::json::parse(*state, nullptr, false));
      Recover();
    }
    started_ = true;
  }
  loop_ = std::thread([this] { Loop(); });
  return std::nullopt;
}

// Runs a killed server left `running` are resumed (`persist disk`: nothing is lost) or
// marked failed; queued runs are queued again, oldest first.
void Service::Recover() {
  std::vector<runtime::StoredRun> running, queued;
  {
    std::lock_guard store_lock(store_mutex_);
    runtime::RunQuery query;
    query.limit = 0;
    query.status = "running";
    if (auto problem = store_->ListRuns(query, running)) std::cerr << "etlc serve: warning: " << *problem << "\n";
    query.status = "queued";
    if (auto problem = store_->ListRuns(query, queued)) std::cerr << "etlc serve: warning: " << *problem << "\n";
  }
  for (const runtime::StoredRun& run : running) {
    fs::path run_dir = fs::path(options_.state_dir) / "runs" / run.id;
    {
      // A run whose lock is held is alive (an `etlc run` of the same state directory). A
      // server killed between starting a run and creating its folder left no folder: made
      // here, its lock is free and the run is settled like any other.
      std::error_code ec;
      fs::create_directories(run_dir, ec);
      runtime::RunLock probe;
      std::string held;
      if (!probe.Acquire(run_dir.string(), held)) continue;
    }
    runtime::RunMeta meta;
    bool resumable = !runtime::ReadRunMeta(run_dir.string(), meta) && meta.persist_disk;
    std::string why;
    std::optional<ir::Plan> plan = resumable ? ir::PlanFromJson(run.plan_json, &why) : std::nullopt;
    if (plan && !plan->pipelines.empty()) {
      std::lock_guard store_lock(store_mutex_);
      if (!store_->ReopenRun(run.id)) {
        StartResumed(run, std::move(*plan));
        continue;
      }
    }
    runtime::RunEnd end;
    end.status = "failed";
    end.failure = "etlc serve stopped while the run was running";
    end.finished_us = clock_.NowUs();
    end.rows_in = run.rows_in;
    end.errors = run.errors;
    std::lock_guard store_lock(store_mutex_);
    if (auto problem = store_->FinishRun(run.id, end)) std::cerr << "etlc serve: warning: " << *problem << "\n";
  }
  for (auto it = queued.rbegin(); it != queued.rend(); ++it) {
    auto q = std::make_shared<Queued>();
    q->run_id = it->id;
    q->pipeline = it->pipeline;
    q->request = RequestOf(*it);
    queue_.push_back(q);
  }
}

void Service::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, running] : running_) running->cancel = true;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
  std::map<std::string, std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& [id, thread] : threads) {
    if (thread.joinable()) thread.join();
  }
  for (auto& thread : finished_threads_) {
    if (thread.joinable()) thread.join();
  }
  finished_threads_.clear();
  SaveSchedulerState();
}

void Service::ReloadProject(int64_t now_us) {
  std::vector<std::string> changed = project_.Reload(now_us);
  next_reload_us_ = now_us + options_.poll_interval_us;
  std::shared_ptr<const ProjectSnapshot> previous = snapshot_;
  if (project_.Snapshot() == previous && started_) return;
  snapshot_ = project_.Snapshot();
  std::vector<PipelineSchedule> schedules;
  for (const auto& [name, pipeline] : snapshot_->pipelines) schedules.push_back(ScheduleOf(pipeline));
  std::vector<std::string> problems;
  scheduler_.SetPipelines(schedules, now_us, problems);
  for (const std::string& problem : problems) std::cerr << "etlc serve: warning: " << problem << "\n";
  for (const std::string& problem : snapshot_->problems) {
    // Said once, when it appears, not at every reload.
    bool known = std::find(previous->problems.begin(), previous->problems.end(), problem) != previous->problems.end();
    if (!known || !started_) std::cerr << "etlc serve: warning: " << problem << "\n";
  }
  for (const std::string& path : changed) {
    auto file = snapshot_->files.find(path);
    bool compiles = file != snapshot_->files.end() && file->second.compiles;
    size_t count = file == snapshot_->files.end() ? 0 : file->second.diagnostics.size();
    if (file != snapshot_->files.end() && !compiles) {
      std::cerr << fmt::format("etlc serve: {} has {} error{}: its last good version keeps running\n", path,
                               file->second.errors, file->second.errors == 1 ? "" : "s");
    }
    Publish("project_reloaded", "", "",
            {{"file", path}, {"compiles", compiles}, {"removed", file == snapshot_->files.end()}, {"diagnostics", count}});
  }
}

PipelineActivity Service::Activity(const std::string& pipeline) {
  std::lock_guard lock(mutex_);
  PipelineActivity activity;
  activity.running = scheduler_.RunningCount(pipeline);
  activity.queued = std::count_if(queue_.begin(), queue_.end(), [&](const auto& q) { return q->pipeline == pipeline; });
  std::vector<int64_t> next = scheduler_.NextFireTimes(pipeline, clock_.NowUs(), 1);
  if (!next.empty()) activity.next_fire_us = next.front();
  return activity;
}

std::vector<int64_t> Service::NextFireTimes(const std::string& pipeline, size_t count) {
  std::lock_guard lock(mutex_);
  return scheduler_.NextFireTimes(pipeline, clock_.NowUs(), count);
}

void Service::StartQueuedRuns(int64_t now_us) {
  if (stopping_) return;
  for (auto it = queue_.begin(); it != queue_.end() && running_.size() < options_.max_runs;) {
    const Queued& q = **it;
    if (scheduler_.RunningCount(q.pipeline) >= scheduler_.Concurrency(q.pipeline)) {
      ++it;
      continue;
    }
    std::optional<runtime::StoredRun> row;
    bool changed = false;
    {
      std::lock_guard store_lock(store_mutex_);
      auto problem = store_->GetRun(q.run_id, row);
      if (!problem && row) problem = store_->StartQueuedRun(q.run_id, now_us, changed);
      if (problem) {
        std::cerr << "etlc serve: warning: cannot start run " << q.run_id << ": " << *problem << "\n";
        ++it;
        continue;
      }
    }
    std::shared_ptr<Queued> entry = *it;
    it = queue_.erase(it);
    if (!row || !changed) continue;  // cancelled meanwhile
    std::string why;
    std::optional<ir::Plan> plan = ir::PlanFromJson(row->plan_json, &why);
    auto r = std::make_shared<Running>();
    r->run_id = entry->run_id;
    r->pipeline = entry->pipeline;
    r->request = entry->request;
    r->job.run_id = entry->run_id;
    r->job.now_us = now_us;
    r->job.state_dir = options_.state_dir;
    r->job.store = options_.store;
    r->job.workers = options_.workers;
    std::string params_error;
    if (plan && !plan->pipelines.empty()) {
      std::vector<std::string> args;
      for (const auto& [name, value] : ParamArgsOf(row->params_json)) args.push_back(name + "=" + value);
      runtime::EnvLookup no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
      if (!runtime::ResolveParams(*plan, args, no_env, r->job.params, params_error)) plan.reset();
    }
    if (!plan || plan->pipelines.empty()) {
      runtime::RunEnd end;
      end.status = "failed";
      end.failure = params_error.empty() ? fmt::format("its stored plan is not readable: {}", why) : params_error;
      end.finished_us = now_us;
      std::lock_guard store_lock(store_mutex_);
      store_->FinishRun(entry->run_id, end);
      Publish("run_finished", entry->pipeline, entry->run_id, {{"status", "failed"}, {"failure", end.failure}});
      continue;
    }
    r->job.plan = std::make_shared<const ir::Plan>(std::move(*plan));
    running_[r->run_id] = r;
    scheduler_.OnRunStarted(r->pipeline);
    Publish("run_started", r->pipeline, r->run_id, {});
    threads_[r->run_id] = std::thread([this, r] { RunThread(r); });
  }
}

void Service::StartResumed(const runtime::StoredRun& run, ir::Plan plan) {
  auto r = std::make_shared<Running>();
  r->run_id = run.id;
  r->pipeline = run.pipeline;
  r->request = RequestOf(run);
  r->job.run_id = run.id;
  r->job.plan = std::make_shared<const ir::Plan>(std::move(plan));
  r->job.resume = true;
  r->job.state_dir = options_.state_dir;
  r->job.store = options_.store;
  r->job.workers = options_.workers;
  running_[run.id] = r;
  scheduler_.OnRunStarted(run.pipeline);
  threads_[run.id] = std::thread([this, r] { RunThread(r); });
}

void Service::RunThread(std::shared_ptr<Running> running) {
  auto on_event = [&](const runtime::RunEvent& event) {
    if (event.event == "run_started" || event.event == "run_finished") return;  // the service's own
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [name, value] : event.fields) {
      fields[name] = nlohmann::json::parse(runtime::ValueToJson(value), nullptr, false);
    }
    // Step starts and ends carry their metrics as fields of the message; every other event
    // of the run's log (source_opened, sink_committed, record_failed, ...) is a `log` message.
    bool step_event = event.event == "step_started" || event.event == "step_finished";
    nlohmann::json message = step_event ? fields : nlohmann::json{{"event", event.event},
                                                                  {"level", std::string(runtime::Spelling(event.level))},
                                                                  {"fields", fields}};
    if (!event.step.empty()) message["step"] = event.step;
    Publish(step_event ? event.event : "log", running->pipeline, running->run_id, message);
  };
  auto on_progress = [&](const runtime::RunProgress& progress) {
    uint64_t rows = 0, errors = 0;
    for (const auto& step : progress.steps) {
      if (step.kind == ir::NodeKind::Source) rows += step.rows_in;
      errors += step.errors;
    }
    Publish("progress", running->pipeline, running->run_id, {{"rows_in", rows}, {"errors", errors}});
  };
  RunOutcome outcome = ExecuteRun(running->job, running->cancel, on_event, on_progress);
  if (!outcome.store_problem.empty()) {
    std::cerr << "etlc serve: warning: run " << running->run_id << ": " << outcome.store_problem << "\n";
  }
  Publish("run_finished", running->pipeline, running->run_id,
          {{"status", outcome.status}, {"failure", outcome.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(outcome.failure)}});
  {
    std::lock_guard lock(mutex_);
    scheduler_.OnRunEnded(running->pipeline);
    // A run stopped by the server's own shutdown is not a failure to retry.
    if (!stopping_ && options_.scheduling) scheduler_.OnRunFinished(running->request, running->run_id, outcome.status, clock_.NowUs());
    running_.erase(running->run_id);
    auto thread = threads_.find(running->run_id);
    if (thread != threads_.end()) {
      finished_threads_.push_back(std::move(thread->second));
      threads_.erase(thread);
    }
    wake_pending_ = true;
  }
  wake_.notify_all();
}

bool Service::AllEnded(const std::vector<std::string>& ids, std::vector<runtime::StoredRun>& runs) {
  runs.clear();
  std::lock_guard store_lock(store_mutex_);
  for (const std::string& id : ids) {
    std::optional<runtime::StoredRun> row;
    if (store_->GetRun(id, row) || !row) return false;
    runs.push_back(*row);
  }
  return std::all_of(runs.begin(), runs.end(),
                     [](const runtime::StoredRun& r) { return r.status != "queued" && r.status != "running"; });
}

void Service::SaveSchedulerState() {
  if (!options_.scheduling) return;
  std::string state;
  {
    std::lock_guard lock(mutex_);
    if (scheduler_.StateVersion() == saved_state_version_) return;
    saved_state_version_ = scheduler_.StateVersion();
    state = scheduler_.SaveState().dump();
  }
  std::lock_guard store_lock(store_mutex_);
  if (!store_) return;
  if (auto problem = store_->PutStepState(kStatePipeline, kStateStep, kStateKey, state)) {
    std::cerr << "etlc serve: warning: cannot save the scheduler's state: " << *problem << "\n";
  }
}

void Service::Tick() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    int64_t now_us = clock_.NowUs();
    if (now_us >= next_reload_us_) ReloadProject(now_us);
    wake_pending_ = false;
    GlobLister lister = ListGlob;
    bool scan = now_us >= next_scan_us_;
    if (scan) next_scan_us_ = now_us + options_.poll_interval_us;
    std::vector<RunRequest> requests;
    if (options_.scheduling) requests = scheduler_.Poll(now_us, scan ? &lister : nullptr);
    for (const RunRequest& request : requests) {
      runtime::StoredRun run;
      if (auto error = Enqueue(request, {}, run)) RecordRefused(request, error->message);
    }
    StartQueuedRuns(now_us);
    done.swap(finished_threads_);
  }
  for (auto& thread : done) {
    if (thread.joinable()) thread.join();
  }
  SaveSchedulerState();
}

void Service::Loop() {
  while (true) {
    Tick();
    std::unique_lock lock(mutex_);
    if (stopping_) break;
    int64_t now_us = clock_.NowUs();
    int64_t wake_us = std::min(next_reload_us_, next_scan_us_);
    if (auto next = scheduler_.NextWakeUs()) wake_us = std::min(wake_us, *next);
    int64_t wait_us = std::clamp<int64_t>(wake_us - now_us, 1'000, options_.poll_interval_us);
    wake_.wait_for(lock, std::chrono::microseconds(wait_us), [&] { return wake_pending_ || stopping_; });
    if (stopping_) break;
  }
}

}  // namespace etl::server
