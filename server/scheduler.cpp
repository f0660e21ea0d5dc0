// The scheduler state machine (server/scheduler.h); rules in docs/serve.md#scheduling.
#include "server/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/run_log.h"

namespace etl::server {

namespace {

using Json = nlohmann::json;

constexpr int64_t kDayUs = 86'400'000'000;
constexpr int64_t kMaxRetryWaitUs = 365 * kDayUs;  // waits are clamped: 2^n overflows quickly
constexpr int kStateVersion = 1;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct FileStamp {
  int64_t size = 0;
  int64_t modified_us = 0;
  bool operator==(const FileStamp&) const = default;
};

// The `after` group's identity in the saved state: its pipelines, sorted, joined by ",".
std::string GroupKey(std::vector<std::string> group) {
  std::sort(group.begin(), group.end());
  std::string key;
  for (const auto& name : group) key += (key.empty() ? "" : ",") + name;
  return key;
}

std::optional<int64_t> IntMember(const Json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<std::string> StringMember(const Json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

RunRequest MakeRequest(const std::string& pipeline, TriggerKind kind, int64_t now_us,
                       std::optional<int64_t> scheduled_for_us = std::nullopt) {
  RunRequest request;
  request.pipeline = pipeline;
  request.kind = kind;
  request.requested_us = now_us;
  request.scheduled_for_us = scheduled_for_us;
  if (scheduled_for_us) request.detail["scheduled_for"] = runtime::FormatRfc3339(*scheduled_for_us);
  return request;
}

}  // namespace

std::string_view Spelling(TriggerKind kind) {
  switch (kind) {
    case TriggerKind::Manual: return "manual";
    case TriggerKind::Schedule: return "schedule";
    case TriggerKind::CatchUp: return "catch_up";
    case TriggerKind::Every: return "every";
    case TriggerKind::After: return "after";
    case TriggerKind::File: return "file";
    case TriggerKind::Webhook: return "webhook";
    case TriggerKind::Event: return "event";
    case TriggerKind::Retry: return "retry";
    case TriggerKind::Backfill: return "backfill";
  }
  return "manual";
}

struct Scheduler::Entry {
  PipelineSchedule config;
  // What `last_fire_us` belongs to ("cron:SPEC tz ZONE", "every:US", "" = none): a restored
  // fire time of another schedule is not caught up.
  std::string schedule_key;
  std::optional<CronSchedule> cron;
  std::optional<int64_t> every_us;
  std::optional<int64_t> next_fire_us;
  std::optional<int64_t> last_fire_us;
  bool restored_last_fire = false;  // the first Poll considers a catch-up
  std::map<std::string, std::string> after_runs;  // group key -> the upstream run that satisfied it
  std::optional<int64_t> after_ready_us;          // when the last group was satisfied
  std::map<std::string, FileStamp> files_seen;    // the previous listing (not persisted)
  std::map<std::string, FileStamp> files_requested;
  struct PendingRetry {
    int64_t due_us = 0;
    RunRequest request;
  };
  std::vector<PendingRetry> retries;

  std::optional<int64_t> FirstFire(int64_t now_us) const {
    if (cron) return cron->NextAfter(now_us);
    if (every_us) return now_us + *every_us;
    return std::nullopt;
  }
  bool AfterSatisfied() const {
    if (config.after.empty()) return false;
    for (const auto& group : config.after) {
      if (!after_runs.count(GroupKey(group))) return false;
    }
    return true;
  }
};

Scheduler::Scheduler(SchedulerOptions options) : options_(options) {
  random_.seed(options_.seed != 0 ? options_.seed : std::random_device{}());
}

void Scheduler::SetPipelines(const std::vector<PipelineSchedule>& pipelines, int64_t now_us,
                             std::vector<std::string>& problems) {
  std::map<std::string, std::shared_ptr<Entry>> next;
  for (const PipelineSchedule& p : pipelines) {
    if (next.count(p.name)) {
      problems.push_back(fmt::format("pipeline `{}` is listed twice; the first one is kept", p.name));
      continue;
    }
    auto found = entries_.find(p.name);
    bool is_new = found == entries_.end();
    std::shared_ptr<Entry> e = is_new ? std::make_shared<Entry>() : found->second;
    std::string old_key = e->schedule_key;
    e->config = p;
    e->cron.reset();
    e->every_us.reset();
    e->schedule_key.clear();
    if (p.cron) {
      std::string error;
      e->cron = CronSchedule::Parse(*p.cron, p.timezone, error);
      if (e->cron) {
        e->schedule_key = "cron:" + *p.cron + (p.timezone.empty() ? "" : " tz " + p.timezone);
      } else {
        problems.push_back(fmt::format("pipeline `{}`: {}; its schedule is ignored", p.name, error));
      }
    } else if (p.every_us) {
      if (*p.every_us > 0) {
        e->every_us = p.every_us;
        e->schedule_key = "every:" + std::to_string(*p.every_us);
      } else {
        problems.push_back(fmt::format("pipeline `{}`: `every` must be positive; its schedule is ignored", p.name));
      }
    }
    if (is_new || e->schedule_key != old_key) {
      // New or changed schedule: it fires from now on, nothing is caught up.
      e->last_fire_us.reset();
      e->restored_last_fire = false;
      e->next_fire_us = e->FirstFire(now_us);
    }
    std::set<std::string> groups;
    for (const auto& group : p.after) groups.insert(GroupKey(group));
    std::erase_if(e->after_runs, [&](const auto& item) { return !groups.count(item.first); });
    if (!e->AfterSatisfied()) e->after_ready_us.reset();
    if (is_new && first_poll_ && restored_.is_object()) {
      const Json& saved = restored_["pipelines"];
      if (saved.is_object() && saved.contains(p.name)) ApplyRestored(*e, saved[p.name]);
    }
    next[p.name] = e;
  }
  entries_ = std::move(next);
  ++state_version_;
}

void Scheduler::ApplyRestored(Entry& e, const nlohmann::json& saved) {
  if (!saved.is_object()) return;
  auto key = StringMember(saved, "schedule");
  auto last = IntMember(saved, "last_fire_us");
  if (key && last && !e.schedule_key.empty() && *key == e.schedule_key) {
    e.last_fire_us = last;
    e.restored_last_fire = true;
  }
  std::set<std::string> groups;
  for (const auto& group : e.config.after) groups.insert(GroupKey(group));
  if (auto it = saved.find("after"); it != saved.end() && it->is_object()) {
    for (const auto& [group, run] : it->items()) {
      if (groups.count(group) && run.is_string()) e.after_runs[group] = run.get<std::string>();
    }
  }
  if (e.AfterSatisfied()) e.after_ready_us = IntMember(saved, "after_ready_us").value_or(0);
  if (auto it = saved.find("files"); it != saved.end() && it->is_object()) {
    for (const auto& [path, stamp] : it->items()) {
      auto size = IntMember(stamp, "size");
      auto modified = IntMember(stamp, "modified_us");
      if (size && modified) e.files_requested[path] = FileStamp{*size, *modified};
    }
  }
  if (auto it = saved.find("retries"); it != saved.end() && it->is_array()) {
    for (const Json& item : *it) {
      auto due = IntMember(item, "due_us");
      auto attempt = IntMember(item, "attempt");
      auto of = StringMember(item, "of");
      if (!due || !attempt || !of || *attempt < 2) continue;
      Entry::PendingRetry retry{*due, MakeRequest(e.config.name, TriggerKind::Retry, *due,
                                                  IntMember(item, "scheduled_for_us"))};
      retry.request.detail = Json{{"of", *of}, {"attempt", *attempt}};
      retry.request.attempt = *attempt;
      retry.request.retry_of = *of;
      e.retries.push_back(std::move(retry));
    }
  }
}

void Scheduler::RestoreState(const nlohmann::json& state) {
  restored_ = nullptr;
  if (state.is_object() && IntMember(state, "version") == kStateVersion && state.contains("pipelines") &&
      state["pipelines"].is_object()) {
    restored_ = state;
  }
  if (restored_.is_object()) {
    const Json& saved = restored_["pipelines"];
    for (auto& [name, e] : entries_) {
      if (saved.contains(name)) ApplyRestored(*e, saved[name]);
    }
  }
  first_poll_ = true;
  ++state_version_;
}

nlohmann::json Scheduler::SaveState() const {
  Json pipelines = Json::object();
  for (const auto& [name, e] : entries_) {
    Json p = Json::object();
    if (e->last_fire_us && !e->schedule_key.empty()) {
      p["schedule"] = e->schedule_key;
      p["last_fire_us"] = *e->last_fire_us;
    }
    if (!e->after_runs.empty()) p["after"] = e->after_runs;
    if (e->after_ready_us) p["after_ready_us"] = *e->after_ready_us;
    if (!e->files_requested.empty()) {
      Json files = Json::object();
      for (const auto& [path, stamp] : e->files_requested) {
        files[path] = Json{{"size", stamp.size}, {"modified_us", stamp.modified_us}};
      }
      p["files"] = std::move(files);
    }
    if (!e->retries.empty()) {
      Json retries = Json::array();
      for (const auto& retry : e->retries) {
        Json item{{"due_us", retry.due_us}, {"attempt", retry.request.attempt}, {"of", retry.request.retry_of}};
        if (retry.request.scheduled_for_us) item["scheduled_for_us"] = *retry.request.scheduled_for_us;
        retries.push_back(std::move(item));
      }
      p["retries"] = std::move(retries);
    }
    if (!p.empty()) pipelines[name] = std::move(p);
  }
  // Restored state of pipelines not set yet is carried over until the first Poll.
  if (first_poll_ && restored_.is_object()) {
    for (const auto& [name, saved] : restored_["pipelines"].items()) {
      if (!entries_.count(name)) pipelines[name] = saved;
    }
  }
  return Json{{"version", kStateVersion}, {"pipelines", std::move(pipelines)}};
}

std::vector<RunRequest> Scheduler::Poll(int64_t now_us, const GlobLister* list) {
  std::vector<RunRequest> out;
  bool catch_up = first_poll_;
  first_poll_ = false;
  restored_ = nullptr;
  bool changed = false;
  for (auto& [name, entry] : entries_) {
    Entry& e = *entry;
    if (catch_up && e.restored_last_fire && e.last_fire_us) {
      changed |= CatchUpEntry(e, now_us, out);
    }
    e.restored_last_fire = false;

    // Due fire times: however many passed since the last Poll, one request for the latest.
    if (e.next_fire_us && *e.next_fire_us <= now_us) {
      int64_t latest = *e.next_fire_us;
      if (e.cron) {
        latest = e.cron->LatestIn(*e.next_fire_us - 1, now_us).value_or(latest);
        e.next_fire_us = e.cron->NextAfter(now_us);
      } else if (e.every_us) {
        latest += (now_us - latest) / *e.every_us * *e.every_us;
        e.next_fire_us = latest + *e.every_us;
      }
      out.push_back(MakeRequest(name, e.cron ? TriggerKind::Schedule : TriggerKind::Every, now_us, latest));
      e.last_fire_us = latest;
      changed = true;
    }

    // Retries whose wait is over, oldest due first.
    std::stable_sort(e.retries.begin(), e.retries.end(),
                     [](const auto& a, const auto& b) { return a.due_us < b.due_us; });
    while (!e.retries.empty() && e.retries.front().due_us <= now_us) {
      RunRequest request = std::move(e.retries.front().request);
      request.requested_us = now_us;
      out.push_back(std::move(request));
      e.retries.erase(e.retries.begin());
      changed = true;
    }

    // `after`: every group has a success since the last After request.
    if (e.AfterSatisfied()) {
      RunRequest request = MakeRequest(name, TriggerKind::After, now_us);
      Json upstream = Json::array();
      for (const auto& group : e.config.after) upstream.push_back(e.after_runs[GroupKey(group)]);
      request.detail["upstream"] = std::move(upstream);
      out.push_back(std::move(request));
      e.after_runs.clear();
      e.after_ready_us.reset();
      changed = true;
    }

    if (list && *list && !e.config.file_globs.empty()) changed |= PollFiles(e, now_us, *list, out);
  }
  if (changed) ++state_version_;
  return out;
}

bool Scheduler::CatchUpEntry(Entry& e, int64_t now_us, std::vector<RunRequest>& out) {
  const int64_t last = *e.last_fire_us;
  std::optional<int64_t> missed;
  if (e.cron) {
    missed = e.cron->LatestIn(last, now_us);
    e.next_fire_us = e.cron->NextAfter(now_us);
  } else if (e.every_us) {
    // Interval fire times keep their phase: last + k * every.
    if (last + *e.every_us <= now_us) missed = last + (now_us - last) / *e.every_us * *e.every_us;
    e.next_fire_us = missed.value_or(last) + *e.every_us;
  }
  if (!missed || options_.catch_up == CatchUp::None) return false;
  out.push_back(MakeRequest(e.config.name, TriggerKind::CatchUp, now_us, missed));
  e.last_fire_us = missed;
  return true;
}

bool Scheduler::PollFiles(Entry& e, int64_t now_us, const GlobLister& list, std::vector<RunRequest>& out) {
  std::map<std::string, FileStamp> current;
  for (const auto& glob : e.config.file_globs) {
    for (const FileInfo& file : list(glob)) current[file.path] = FileStamp{file.size, file.modified_us};
  }
  bool changed = false;
  for (const auto& [path, stamp] : current) {
    auto seen = e.files_seen.find(path);
    if (seen == e.files_seen.end() || !(seen->second == stamp)) continue;  // new or still changing
    auto requested = e.files_requested.find(path);
    if (requested != e.files_requested.end() && requested->second == stamp) continue;  // done already
    RunRequest request = MakeRequest(e.config.name, TriggerKind::File, now_us);
    request.detail = Json{{"path", path}, {"size", stamp.size}, {"modified", runtime::FormatRfc3339(stamp.modified_us)}};
    out.push_back(std::move(request));
    e.files_requested[path] = stamp;
    changed = true;
  }
  // Files no longer listed are forgotten: the state stays as large as the directory.
  changed |= std::erase_if(e.files_requested, [&](const auto& item) { return !current.count(item.first); }) > 0;
  e.files_seen = std::move(current);
  return changed;
}

std::optional<int64_t> Scheduler::NextWakeUs() const {
  std::optional<int64_t> wake;
  auto take = [&](std::optional<int64_t> t) {
    if (t && (!wake || *t < *wake)) wake = t;
  };
  for (const auto& [name, e] : entries_) {
    take(e->next_fire_us);
    for (const auto& retry : e->retries) take(retry.due_us);
    take(e->after_ready_us);
    // A pending catch-up is due at once: its (past) last fire time says so.
    if (first_poll_ && e->restored_last_fire) take(e->last_fire_us);
  }
  return wake;
}

std::vector<RunRequest> Scheduler::Webhook(const std::string& path, const nlohmann::json& body, int64_t now_us) const {
  std::vector<RunRequest> out;
  for (const auto& [name, e] : entries_) {
    const auto& paths = e->config.webhook_paths;
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) continue;
    RunRequest request = MakeRequest(name, TriggerKind::Webhook, now_us);
    request.detail = Json{{"path", path}, {"body", body}, {"received", runtime::FormatRfc3339(now_us)}};
    out.push_back(std::move(request));
  }
  return out;
}

std::vector<RunRequest> Scheduler::Event(const std::string& name, const nlohmann::json& payload, int64_t now_us) const {
  std::vector<RunRequest> out;
  for (const auto& [pipeline, e] : entries_) {
    const auto& names = e->config.event_names;
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    RunRequest request = MakeRequest(pipeline, TriggerKind::Event, now_us);
    request.detail = Json{{"name", name}, {"payload", payload}, {"at", runtime::FormatRfc3339(now_us)}};
    out.push_back(std::move(request));
  }
  return out;
}

void Scheduler::OnRunFinished(const RunRequest& request, const std::string& run_id, const std::string& status,
                              int64_t now_us) {
  bool changed = false;
  auto found = entries_.find(request.pipeline);
  if (found != entries_.end() && (status == "failed" || status == "timed_out")) {
    Entry& e = *found->second;
    const int64_t attempt = std::max<int64_t>(request.attempt, 1);
    if (attempt <= e.config.retries) {
      double wait = 0;
      if (e.config.backoff_us > 0) {
        double jitter = std::clamp(options_.retry_jitter, 0.0, 1.0);
        double factor = jitter > 0 ? std::uniform_real_distribution<double>(1 - jitter, 1 + jitter)(random_) : 1.0;
        wait = static_cast<double>(e.config.backoff_us) * std::ldexp(1.0, static_cast<int>(std::min<int64_t>(attempt - 1, 60))) * factor;
      }
      int64_t wait_us = static_cast<int64_t>(std::min(wait, static_cast<double>(kMaxRetryWaitUs)));
      Entry::PendingRetry retry{now_us + wait_us,
                                MakeRequest(e.config.name, TriggerKind::Retry, now_us + wait_us, std::nullopt)};
      // The retry stands for the same fire time as the run it retries (backfill/schedule params).
      retry.request.scheduled_for_us = request.scheduled_for_us;
      retry.request.attempt = attempt + 1;
      retry.request.retry_of = run_id;
      retry.request.detail = Json{{"of", run_id}, {"attempt", attempt + 1}};
      e.retries.push_back(std::move(retry));
      changed = true;
    }
  }
  if (status == "succeeded") {
    for (auto& [name, entry] : entries_) {
      Entry& e = *entry;
      for (const auto& group : e.config.after) {
        if (std::find(group.begin(), group.end(), request.pipeline) == group.end()) continue;
        e.after_runs[GroupKey(group)] = run_id;  // the latest success of the group counts
        changed = true;
      }
      if (e.AfterSatisfied() && !e.after_ready_us) e.after_ready_us = now_us;
    }
  }
  if (changed) ++state_version_;
}

int64_t Scheduler::Concurrency(const std::string& pipeline) const {
  auto found = entries_.find(pipeline);
  return found == entries_.end() ? 1 : std::max<int64_t>(found->second->config.concurrency, 1);
}

void Scheduler::OnRunStarted(const std::string& pipeline) { ++running_[pipeline]; }

void Scheduler::OnRunEnded(const std::string& pipeline) {
  auto found = running_.find(pipeline);
  if (found == running_.end()) return;
  if (--found->second <= 0) running_.erase(found);
}

int64_t Scheduler::RunningCount(const std::string& pipeline) const {
  auto found = running_.find(pipeline);
  return found == running_.end() ? 0 : found->second;
}

std::vector<int64_t> Scheduler::NextFireTimes(const std::string& pipeline, int64_t now_us, size_t count) const {
  std::vector<int64_t> times;
  auto found = entries_.find(pipeline);
  if (found == entries_.end()) return times;
  const Entry& e = *found->second;
  if (e.cron) {
    int64_t t = now_us;
    while (times.size() < count) {
      auto next = e.cron->NextAfter(t);
      if (!next) break;
      times.push_back(t = *next);
    }
  } else if (e.every_us) {
    const int64_t every = *e.every_us;
    int64_t t = e.next_fire_us.value_or(now_us + every);
    if (t <= now_us) t += ((now_us - t) / every + 1) * every;  // on the pipeline's phase
    while (times.size() < count) {
      times.push_back(t);
      t += every;
    }
  }
  return times;
}

std::optional<std::string> Scheduler::Backfill(const std::string& pipeline, int64_t from_us, int64_t to_us,
                                               size_t limit, int64_t now_us, std::vector<RunRequest>& requests) const {
  requests.clear();
  auto found = entries_.find(pipeline);
  if (found == entries_.end()) return fmt::format("unknown pipeline `{}`", pipeline);
  const Entry& e = *found->second;
  if (from_us > to_us) {
    return fmt::format("`from` ({}) is after `to` ({})", runtime::FormatRfc3339(from_us), runtime::FormatRfc3339(to_us));
  }
  if (e.config.cron && !e.cron) return fmt::format("the schedule of `{}` is not usable (see the server's problems)", pipeline);
  std::vector<int64_t> times;
  std::string what;
  if (e.cron) {
    what = fmt::format("of the schedule \"{}\"", e.cron->Spec());
    for (auto t = e.cron->NextAfter(from_us - 1); t && *t <= to_us && times.size() <= limit; t = e.cron->NextAfter(*t)) {
      times.push_back(*t);
    }
  } else {
    // An interval counts from `from`; without a schedule, one run per day at 00:00 UTC.
    const int64_t step = e.every_us ? *e.every_us : kDayUs;
    what = e.every_us ? "of the interval" : "(days at 00:00 UTC)";
    int64_t t = e.every_us ? from_us : -FloorDiv(-from_us, kDayUs) * kDayUs;  // the first midnight >= from
    for (; t <= to_us && times.size() <= limit; t += step) times.push_back(t);
  }
  if (times.empty()) {
    return fmt::format("no fire time {} between {} and {}", what, runtime::FormatRfc3339(from_us),
                       runtime::FormatRfc3339(to_us));
  }
  if (times.size() > limit) {
    return fmt::format("the range holds more than {} fire times {}; narrow it", limit, what);
  }
  for (int64_t t : times) requests.push_back(MakeRequest(pipeline, TriggerKind::Backfill, now_us, t));
  return std::nullopt;
}

}  // namespace etl::server
