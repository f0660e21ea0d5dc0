// What users and triggers ask of the service: queue a run (manual, webhook, event,
// backfill), cancel one, retry one; and the conversions between run requests and rows.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "compiler/ir/json.h"
#include "runtime/run_log.h"
#include "runtime/run_params.h"
#include "runtime/run_record.h"
#include "runtime/run_resume.h"
#include "server/service_internal.h"

namespace etl::server {

namespace fs = std::filesystem;

std::optional<TriggerKind> ParseTriggerKind(const std::string& text) {
  for (TriggerKind kind : {TriggerKind::Manual, TriggerKind::Schedule, TriggerKind::CatchUp, TriggerKind::Every,
                           TriggerKind::After, TriggerKind::File, TriggerKind::Webhook, TriggerKind::Event,
                           TriggerKind::Retry, TriggerKind::Backfill}) {
    if (Spelling(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string TriggerJson(const RunRequest& request) {
  nlohmann::json trigger = request.detail.is_object() ? request.detail : nlohmann::json::object();
  trigger["kind"] = std::string(Spelling(request.kind));
  return trigger.dump();
}

RunRequest RequestOf(const runtime::StoredRun& run) {
  RunRequest request;
  request.pipeline = run.pipeline;
  request.requested_us = run.queued_us;
  nlohmann::json trigger = nlohmann::json::parse(run.trigger_json, nullptr, false);
  if (trigger.is_object()) {
    if (trigger.contains("kind") && trigger["kind"].is_string()) {
      request.kind = ParseTriggerKind(trigger["kind"].get<std::string>()).value_or(TriggerKind::Manual);
    }
    if (trigger.contains("attempt") && trigger["attempt"].is_number_integer()) {
      request.attempt = trigger["attempt"].get<int64_t>();
    }
    if (trigger.contains("of") && trigger["of"].is_string()) request.retry_of = trigger["of"].get<std::string>();
    trigger.erase("kind");
    request.detail = trigger;
  }
  return request;
}

std::map<std::string, std::string> ParamArgsOf(const std::string& params_json) {
  std::map<std::string, std::string> args;
  nlohmann::json params = nlohmann::json::parse(params_json, nullptr, false);
  if (!params.is_object()) return args;
  for (const auto& [name, value] : params.items()) {
    args[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return args;
}

std::optional<ServiceError> Service::Enqueue(const RunRequest& request, const std::map<std::string, std::string>& params,
                                             runtime::StoredRun& run) {
  const ProjectPipeline* pipeline = snapshot_->Find(request.pipeline);
  if (!pipeline) return ServiceError{404, "not_found", fmt::format("no pipeline `{}`", request.pipeline)};
  std::vector<std::string> args;
  for (const auto& [name, value] : params) args.push_back(name + "=" + value);
  // A trigger's event fields (a webhook's `body`, a file's `path`, ...) fill params of the
  // same names that were not given.
  for (const auto& [name, value] : request.detail.items()) {
    bool declared = std::any_of(pipeline->plan->params.begin(), pipeline->plan->params.end(),
                                [&](const ir::Param& p) { return p.name == name; });
    if (!declared || params.count(name)) continue;
    // A body or payload is passed as its JSON text (read it with parse_json); other fields
    // (paths, times, sizes) as their plain text.
    bool as_json = name == "body" || name == "payload" || !value.is_string();
    args.push_back(name + "=" + (as_json ? value.dump() : value.get<std::string>()));
  }
  std::map<std::string, ast::Value, std::less<>> resolved;
  std::string error;
  if (!runtime::ResolveParams(*pipeline->plan, args, runtime::ProcessEnv(), resolved, error)) {
    return ServiceError{400, "bad_request", error};
  }
  int64_t now_us = clock_.NowUs();
  run = {};
  run.id = runtime::MakeRunId(now_us);
  run.pipeline = pipeline->name;
  run.source_file = pipeline->file;
  run.plan_json = pipeline->plan_json;
  run.plan_hash = pipeline->plan_hash;
  run.params_json = runtime::ParamsJson(resolved);
  run.status = "queued";
  run.started_us = now_us;
  run.queued_us = now_us;
  run.trigger_json = TriggerJson(request);
  {
    std::lock_guard store_lock(store_mutex_);
    if (auto problem = store_->BeginRun(run)) return ServiceError{500, "internal", *problem};
  }
  auto q = std::make_shared<Queued>();
  q->run_id = run.id;
  q->pipeline = run.pipeline;
  q->request = request;
  queue_.push_back(q);
  Publish("run_queued", run.pipeline, run.id, {{"trigger", nlohmann::json::parse(run.trigger_json)}});
  wake_pending_ = true;
  wake_.notify_all();
  return std::nullopt;
}

void Service::RecordRefused(const RunRequest& request, const std::string& why) {
  std::cerr << fmt::format("etlc serve: warning: cannot queue a {} run of `{}`: {}\n", Spelling(request.kind),
                           request.pipeline, why);
  const ProjectPipeline* pipeline = snapshot_->Find(request.pipeline);
  if (!pipeline) return;
  int64_t now_us = clock_.NowUs();
  runtime::StoredRun run;
  run.id = runtime::MakeRunId(now_us);
  run.pipeline = pipeline->name;
  run.source_file = pipeline->file;
  run.plan_json = pipeline->plan_json;
  run.plan_hash = pipeline->plan_hash;
  run.params_json = "{}";
  run.status = "failed";
  run.failure = "it could not be queued: " + why;
  run.started_us = run.queued_us = now_us;
  run.finished_us = now_us;
  run.trigger_json = TriggerJson(request);
  {
    std::lock_guard store_lock(store_mutex_);
    if (auto problem = store_->BeginRun(run)) {
      std::cerr << fmt::format("etlc serve: warning: {}\n", *problem);
      return;
    }
  }
  Publish("run_finished", run.pipeline, run.id, {{"status", "failed"}, {"failure", run.failure}});
}

std::optional<ServiceError> Service::Trigger(const std::string& pipeline, const std::map<std::string, std::string>& params,
                                             runtime::StoredRun& run) {
  std::lock_guard lock(mutex_);
  RunRequest request;
  request.pipeline = pipeline;
  request.kind = TriggerKind::Manual;
  request.requested_us = clock_.NowUs();
  return Enqueue(request, params, run);
}

std::optional<ServiceError> Service::EnqueueAll(const std::vector<RunRequest>& requests, const std::string& nobody,
                                                std::vector<runtime::StoredRun>& runs) {
  if (requests.empty()) return ServiceError{404, "not_found", nobody};
  for (const RunRequest& request : requests) {
    runtime::StoredRun run;
    if (auto error = Enqueue(request, {}, run)) return error;
    runs.push_back(run);
  }
  return std::nullopt;
}

std::optional<ServiceError> Service::Webhook(const std::string& path, const nlohmann::json& body,
                                             std::vector<runtime::StoredRun>& runs) {
  std::lock_guard lock(mutex_);
  return EnqueueAll(scheduler_.Webhook(path, body, clock_.NowUs()),
                    fmt::format("no pipeline listens on webhook `{}`", path), runs);
}

std::optional<ServiceError> Service::Event(const std::string& name, const nlohmann::json& payload,
                                           std::vector<runtime::StoredRun>& runs) {
  std::lock_guard lock(mutex_);
  return EnqueueAll(scheduler_.Event(name, payload, clock_.NowUs()),
                    fmt::format("no pipeline listens on event `{}`", name), runs);
}

std::optional<ServiceError> Service::Backfill(const std::string& pipeline, int64_t from_us, int64_t to_us,
                                              const std::string& param, std::vector<runtime::StoredRun>& runs) {
  std::lock_guard lock(mutex_);
  const ProjectPipeline* p = snapshot_->Find(pipeline);
  if (!p) return ServiceError{404, "not_found", fmt::format("no pipeline `{}`", pipeline)};
  const ir::Param* time_param = nullptr;
  std::vector<std::string> candidates;
  for (const ir::Param& candidate : p->plan->params) {
    bool is_time = candidate.type && (candidate.type->kind == ast::TypeKind::Date ||
                                      candidate.type->kind == ast::TypeKind::Timestamp);
    if (!is_time) continue;
    candidates.push_back(candidate.name);
    if (candidate.name == param || (param.empty() && !time_param)) time_param = &candidate;
  }
  if (candidates.empty()) {
    return ServiceError{400, "bad_request",
                        fmt::format("pipeline `{}` has no time param to backfill (declare a `param` of type date or "
                                    "timestamp, e.g. `param day: date = @2024-01-01`)",
                                    pipeline)};
  }
  if (!param.empty() && (!time_param || time_param->name != param)) {
    return ServiceError{400, "bad_request",
                        fmt::format("`{}` is not a date or timestamp param of `{}` (time params: {})", param, pipeline,
                                    fmt::join(candidates, ", "))};
  }
  if (param.empty() && candidates.size() > 1) {
    return ServiceError{400, "bad_request",
                        fmt::format("pipeline `{}` has several time params ({}): name the one to backfill", pipeline,
                                    fmt::join(candidates, ", "))};
  }
  std::vector<RunRequest> requests;
  if (auto problem = scheduler_.Backfill(pipeline, from_us, to_us, 1000, clock_.NowUs(), requests)) {
    return ServiceError{400, "bad_request", *problem};
  }
  for (const RunRequest& request : requests) {
    int64_t at = request.scheduled_for_us.value_or(from_us);
    std::string text = runtime::FormatRfc3339(at);
    if (time_param->type->kind == ast::TypeKind::Date) text = text.substr(0, 10);
    runtime::StoredRun run;
    if (auto error = Enqueue(request, {{time_param->name, text}}, run)) return error;
    runs.push_back(run);
  }
  return std::nullopt;
}

std::optional<ServiceError> Service::Cancel(const std::string& run_id, runtime::StoredRun& run) {
  std::lock_guard lock(mutex_);
  auto in_queue = std::find_if(queue_.begin(), queue_.end(), [&](const auto& q) { return q->run_id == run_id; });
  std::optional<runtime::StoredRun> row;
  {
    std::lock_guard store_lock(store_mutex_);
    if (auto problem = store_->GetRun(run_id, row)) return ServiceError{500, "internal", *problem};
  }
  if (!row) return ServiceError{404, "not_found", fmt::format("no run `{}`", run_id)};
  if (in_queue != queue_.end()) {
    queue_.erase(in_queue);
    runtime::RunEnd end;
    end.status = "cancelled";
    end.failure = "cancelled before it started";
    end.finished_us = clock_.NowUs();
    std::lock_guard store_lock(store_mutex_);
    if (auto problem = store_->FinishRun(run_id, end)) return ServiceError{500, "internal", *problem};
    store_->GetRun(run_id, row);
    run = *row;
    Publish("run_finished", run.pipeline, run.id, {{"status", "cancelled"}, {"failure", end.failure}});
    return std::nullopt;
  }
  auto active = running_.find(run_id);
  if (active != running_.end()) {
    active->second->cancel = true;
    run = *row;
    return std::nullopt;
  }
  return ServiceError{409, "conflict", fmt::format("run {} already ended ({})", run_id, row->status)};
}

std::optional<ServiceError> Service::Retry(const std::string& run_id, runtime::StoredRun& run) {
  std::lock_guard lock(mutex_);
  std::optional<runtime::StoredRun> row;
  {
    std::lock_guard store_lock(store_mutex_);
    if (auto problem = store_->GetRun(run_id, row)) return ServiceError{500, "internal", *problem};
  }
  if (!row) return ServiceError{404, "not_found", fmt::format("no run `{}`", run_id)};
  if (row->status != "failed" && row->status != "timed_out" && row->status != "cancelled") {
    return ServiceError{409, "conflict",
                        fmt::format("run {} is {}: only a failed, timed-out or cancelled run can be retried", run_id,
                                    row->status)};
  }
  if (running_.count(run_id)) return ServiceError{409, "conflict", fmt::format("run {} is still stopping", run_id)};
  if (stopping_) return ServiceError{409, "conflict", "the server is stopping"};
  fs::path run_dir = fs::path(options_.state_dir) / "runs" / run_id;
  runtime::RunMeta meta;
  bool resumable = !runtime::ReadRunMeta(run_dir.string(), meta) && meta.persist_disk;
  if (resumable) {
    std::string why;
    std::optional<ir::Plan> plan = ir::PlanFromJson(row->plan_json, &why);
    if (!plan || plan->pipelines.empty()) {
      return ServiceError{409, "conflict", fmt::format("run {}: its stored plan is not readable: {}", run_id, why)};
    }
    // A resumed run starts at once: it held its place when it first ran.
    std::lock_guard store_lock(store_mutex_);
    if (auto problem = store_->ReopenRun(run_id)) return ServiceError{500, "internal", *problem};
    store_->GetRun(run_id, row);
    StartResumed(*row, std::move(*plan));
    run = *row;
    Publish("run_started", run.pipeline, run.id, {{"resumed", true}});
    return std::nullopt;
  }
  RunRequest request = RequestOf(*row);
  request.kind = TriggerKind::Retry;
  request.requested_us = clock_.NowUs();
  request.retry_of = run_id;
  request.attempt = row->attempts + 1;
  request.detail = {{"of", run_id}, {"attempt", request.attempt}};
  // The params it ran with, as given: the new run must do the same work.
  return Enqueue(request, ParamArgsOf(row->params_json), run);
}

}  // namespace etl::server
