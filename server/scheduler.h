// The scheduler of `etlc serve` (issue 7): when each pipeline runs. A deterministic state
// machine: it never reads a clock, sleeps, starts a thread or touches the run store. Its
// caller (server/service.cpp) gives it `now`, the files a glob matches and the ends of
// runs, and gets back run requests; tests drive it with made-up times and files
// (tests/unit/server_scheduler_test.cpp). Semantics: docs/serve.md#scheduling.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/cron.h"

namespace etl::server {

// What the scheduler needs to know of a pipeline (from its ir::Settings).
struct PipelineSchedule {
  std::string name;
  std::optional<std::string> cron;       // `schedule "0 2 * * *"`
  std::string timezone;                  // `tz "Europe/Paris"`; empty = UTC
  std::optional<int64_t> every_us;       // `schedule every 15m`
  std::vector<std::vector<std::string>> after;  // AND of groups; a group is an OR (`after any(a, b)`)
  std::vector<std::string> file_globs;   // `on file("incoming/*.csv")`
  std::vector<std::string> webhook_paths;  // `on webhook("/hooks/x")`
  std::vector<std::string> event_names;  // `on event("name")`
  int64_t retries = 0;                   // `retry N`
  int64_t backoff_us = 0;                // `backoff D` (the first wait; doubled each time)
  int64_t concurrency = 1;               // `concurrency N`
};

// Why a run was requested; also the "kind" of the run's trigger_json.
enum class TriggerKind { Manual, Schedule, CatchUp, Every, After, File, Webhook, Event, Retry, Backfill };
std::string_view Spelling(TriggerKind kind);  // "manual", "schedule", "catch_up", ...

// A run the scheduler wants started.
struct RunRequest {
  std::string pipeline;
  TriggerKind kind = TriggerKind::Manual;
  int64_t requested_us = 0;     // the `now` it was made at
  std::optional<int64_t> scheduled_for_us;  // Schedule/CatchUp/Every/Backfill: the fire time it stands for
  // Details of the trigger, stored as the run's trigger_json together with "kind":
  //   File {"path", "size", "modified"}, Webhook {"path", "body", "received"}, Event {"name",
  //   "payload", "at"}, After {"upstream": [run ids]}, Retry {"of": run id, "attempt": n},
  //   Schedule/CatchUp/Every/Backfill {"scheduled_for": RFC 3339}.
  nlohmann::json detail = nlohmann::json::object();
  int64_t attempt = 1;          // Retry: 2 for the first retry, ...
  std::string retry_of;         // Retry: the run that failed
};

// A file a glob matched.
struct FileInfo {
  std::string path;
  int64_t size = 0;
  int64_t modified_us = 0;
  bool operator==(const FileInfo&) const = default;
};

// Lists the regular files a glob matches (relative globs against the project directory).
using GlobLister = std::function<std::vector<FileInfo>(const std::string& glob)>;

// What to do on start about fire times that passed while the server was down.
enum class CatchUp { Once, None };

struct SchedulerOptions {
  CatchUp catch_up = CatchUp::Once;
  // Jitter of retry waits: each wait is backoff * 2^(retry-1), times a factor drawn
  // uniformly from [1 - jitter, 1 + jitter].
  double retry_jitter = 0.2;
  uint64_t seed = 0;  // the jitter's random generator (0 = from std::random_device)
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options = {});

  // Sets the pipelines (at start and after every project reload). State of pipelines that
  // stay is kept; a pipeline whose schedule changed fires from `now` on (no catch-up for
  // the change); a removed pipeline's state is dropped. The cron strings are valid (the
  // compiler checked them); an unknown time zone is reported in `problems` and that
  // pipeline's schedule is ignored.
  void SetPipelines(const std::vector<PipelineSchedule>& pipelines, int64_t now_us,
                    std::vector<std::string>& problems);

  // What was persisted (SaveState) before a restart: last fire times, files seen, `after`
  // progress. Call before the first Poll; the first Poll then makes the catch-up requests.
  void RestoreState(const nlohmann::json& state);
  // Everything that must survive a restart, as JSON. Changes after Poll, OnRunFinished and
  // SetPipelines; `StateVersion()` increases with each change so the caller saves only then.
  nlohmann::json SaveState() const;
  uint64_t StateVersion() const { return state_version_; }

  // The runs due at `now`: schedule and interval fires (several missed fire times of one
  // pipeline make one request, for the latest), catch-up after a restart, retries whose wait
  // is over, `after` dependencies satisfied, and files found by `list` (a file is requested
  // once it has been seen unchanged by two consecutive polls, i.e. stopped growing; each
  // path+size+mtime once). `list` may be null: files are not scanned in this poll.
  std::vector<RunRequest> Poll(int64_t now_us, const GlobLister* list);

  // When Poll next has a timed request (fire time or retry), nullopt when none. File
  // triggers need polling at the caller's own interval.
  std::optional<int64_t> NextWakeUs() const;

  // The requests a webhook POST to `path` makes (one per pipeline listening there, in
  // pipeline name order; none when no pipeline listens: the caller answers 404).
  std::vector<RunRequest> Webhook(const std::string& path, const nlohmann::json& body, int64_t now_us) const;
  // The requests an event makes.
  std::vector<RunRequest> Event(const std::string& name, const nlohmann::json& payload, int64_t now_us) const;

  // A run of `request.pipeline` ended. `status` is the run store's ("succeeded", "failed",
  // "timed_out", "cancelled"). A failed or timed-out run whose attempt is <= retries gets a
  // retry after its wait (cancelled runs are not retried); a success counts for the
  // pipelines that run `after` it.
  void OnRunFinished(const RunRequest& request, const std::string& run_id, const std::string& status,
                     int64_t now_us);

  // Concurrency: the caller starts a queued run of a pipeline only while
  // RunningCount(pipeline) < Concurrency(pipeline), and reports starts and ends.
  int64_t Concurrency(const std::string& pipeline) const;
  void OnRunStarted(const std::string& pipeline);
  void OnRunEnded(const std::string& pipeline);
  int64_t RunningCount(const std::string& pipeline) const;

  // The next `count` fire times of a pipeline's schedule or interval after `now`
  // (empty without one).
  std::vector<int64_t> NextFireTimes(const std::string& pipeline, int64_t now_us, size_t count) const;

  // Backfill: one request per fire time of the pipeline's schedule in [from, to] (without a
  // schedule or interval: one per day at 00:00 UTC), oldest first, at most `limit`; an
  // error message when the range is empty, reversed or too large.
  std::optional<std::string> Backfill(const std::string& pipeline, int64_t from_us, int64_t to_us, size_t limit,
                                      int64_t now_us, std::vector<RunRequest>& requests) const;

 private:
  struct Entry;  // defined in scheduler.cpp
  // Takes one pipeline's saved state (last fire time if its schedule is unchanged, `after`
  // progress of groups it still has, files requested, pending retries); ignores the rest.
  void ApplyRestored(Entry& entry, const nlohmann::json& saved);
  // The first Poll after RestoreState: one CatchUp request for the latest missed fire time.
  bool CatchUpEntry(Entry& entry, int64_t now_us, std::vector<RunRequest>& out);
  // Lists the entry's globs, requests files seen unchanged twice and not requested yet.
  bool PollFiles(Entry& entry, int64_t now_us, const GlobLister& list, std::vector<RunRequest>& out);

  SchedulerOptions options_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::map<std::string, int64_t> running_;  // by pipeline name; kept across SetPipelines
  std::mt19937_64 random_;
  uint64_t state_version_ = 0;
  bool first_poll_ = true;
  nlohmann::json restored_;  // RestoreState's JSON until the first Poll (pipelines set later)
};

}  // namespace etl::server
