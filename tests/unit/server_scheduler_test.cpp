// The scheduler state machine of `etlc serve` (server/scheduler.h), driven with made-up
// times, runs and file listings: no clock, no sleep, no threads.
#include "server/scheduler.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include "runtime/run_log.h"

namespace etl::server {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;

int64_t Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  auto day = date::sys_days{date::year{y} / date::month{mo} / date::day{d}};
  return (day.time_since_epoch().count() * 86400LL + h * 3600LL + mi * 60LL) * kSec;
}

PipelineSchedule Cron(const std::string& name, const std::string& spec, const std::string& tz = "") {
  PipelineSchedule p;
  p.name = name;
  p.cron = spec;
  p.timezone = tz;
  return p;
}

PipelineSchedule Every(const std::string& name, int64_t every_us) {
  PipelineSchedule p;
  p.name = name;
  p.every_us = every_us;
  return p;
}

PipelineSchedule After(const std::string& name, std::vector<std::vector<std::string>> groups) {
  PipelineSchedule p;
  p.name = name;
  p.after = std::move(groups);
  return p;
}

void Set(Scheduler& s, const std::vector<PipelineSchedule>& pipelines, int64_t now) {
  std::vector<std::string> problems;
  s.SetPipelines(pipelines, now, problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

// A finished run's request, as the service hands it back.
RunRequest Req(const std::string& pipeline, int64_t attempt = 1, std::optional<int64_t> scheduled_for = std::nullopt) {
  RunRequest r;
  r.pipeline = pipeline;
  r.attempt = attempt;
  r.scheduled_for_us = scheduled_for;
  return r;
}

std::string Kinds(const std::vector<RunRequest>& requests) {
  std::string out;
  for (const auto& r : requests) out += (out.empty() ? "" : " ") + r.pipeline + ":" + std::string(Spelling(r.kind));
  return out;
}

std::string When(const RunRequest& r) {
  return r.scheduled_for_us ? runtime::FormatRfc3339(*r.scheduled_for_us) : "-";
}

// A directory listing that tests change between polls.
struct FakeFiles {
  std::map<std::string, std::vector<FileInfo>> by_glob;
  int calls = 0;
  GlobLister Lister() {
    return [this](const std::string& glob) {
      ++calls;
      return by_glob[glob];
    };
  }
};

TEST(SchedulerTime, EveryFiresAtLastFirePlusEvery) {
  Scheduler s({.seed = 1});
  const int64_t t0 = Utc(2024, 5, 1, 10);
  Set(s, {Every("tick", 15 * kMin)}, t0);
  EXPECT_TRUE(s.Poll(t0, nullptr).empty());
  EXPECT_EQ(s.NextWakeUs(), t0 + 15 * kMin);
  EXPECT_TRUE(s.Poll(t0 + 15 * kMin - 1, nullptr).empty());
  auto fired = s.Poll(t0 + 15 * kMin, nullptr);
  ASSERT_EQ(Kinds(fired), "tick:every");
  EXPECT_EQ(fired[0].scheduled_for_us, t0 + 15 * kMin);
  EXPECT_EQ(fired[0].requested_us, t0 + 15 * kMin);
  EXPECT_EQ(fired[0].detail, (nlohmann::json{{"scheduled_for", "2024-05-01T10:15:00.000Z"}}));
  EXPECT_TRUE(s.Poll(t0 + 15 * kMin, nullptr).empty());
  // A late poll (the process was busy): the phase is kept, one request for the latest.
  fired = s.Poll(t0 + 31 * kMin, nullptr);
  ASSERT_EQ(Kinds(fired), "tick:every");
  EXPECT_EQ(When(fired[0]), "2024-05-01T10:30:00.000Z");
  EXPECT_EQ(s.NextWakeUs(), t0 + 45 * kMin);
  EXPECT_EQ(s.NextFireTimes("tick", t0 + 31 * kMin, 3),
            (std::vector<int64_t>{t0 + 45 * kMin, t0 + 60 * kMin, t0 + 75 * kMin}));
}

TEST(SchedulerTime, CronFiresAtItsTimeAndReportsNextFireTimes) {
  Scheduler s({.seed = 1});
  Set(s, {Cron("nightly", "0 2 * * *", "Europe/Paris")}, Utc(2024, 1, 1));
  EXPECT_EQ(s.NextWakeUs(), Utc(2024, 1, 1, 1));  // 02:00 CET
  EXPECT_TRUE(s.Poll(Utc(2024, 1, 1, 0, 59), nullptr).empty());
  auto fired = s.Poll(Utc(2024, 1, 1, 1), nullptr);
  ASSERT_EQ(Kinds(fired), "nightly:schedule");
  EXPECT_EQ(When(fired[0]), "2024-01-01T01:00:00.000Z");
  EXPECT_EQ(s.NextFireTimes("nightly", Utc(2024, 1, 1, 1), 2),
            (std::vector<int64_t>{Utc(2024, 1, 2, 1), Utc(2024, 1, 3, 1)}));
  EXPECT_TRUE(s.NextFireTimes("unknown", Utc(2024, 1, 1), 2).empty());
}

TEST(SchedulerTime, SeveralMissedFireTimesMakeOneRequestForTheLatest) {
  Scheduler s({.seed = 1});
  Set(s, {Cron("q", "*/15 * * * *")}, Utc(2024, 1, 1));
  auto fired = s.Poll(Utc(2024, 1, 1, 1, 7), nullptr);
  ASSERT_EQ(Kinds(fired), "q:schedule");
  EXPECT_EQ(When(fired[0]), "2024-01-01T01:00:00.000Z");
  EXPECT_EQ(s.NextWakeUs(), Utc(2024, 1, 1, 1, 15));
  EXPECT_TRUE(s.Poll(Utc(2024, 1, 1, 1, 14), nullptr).empty());
}

// A scheduler that fired `nightly` at 2024-01-01 02:00Z and never fired `fresh`, saved.
nlohmann::json StateAfterOneFire() {
  Scheduler s({.seed = 1});
  Set(s, {Cron("nightly", "0 2 * * *"), Cron("fresh", "0 3 * * *"), Every("tick", kHour)}, Utc(2024, 1, 1, 1, 30));
  EXPECT_EQ(Kinds(s.Poll(Utc(2024, 1, 1, 2), nullptr)), "nightly:schedule");
  EXPECT_EQ(Kinds(s.Poll(Utc(2024, 1, 1, 2, 30), nullptr)), "tick:every");
  return s.SaveState();
}

TEST(SchedulerCatchUp, OnceMakesOneRequestForTheLatestMissedFireTime) {
  nlohmann::json state = StateAfterOneFire();
  Scheduler s({.catch_up = CatchUp::Once, .seed = 1});
  const int64_t now = Utc(2024, 1, 4, 12, 10);  // down for three days
  Set(s, {Cron("nightly", "0 2 * * *"), Cron("fresh", "0 3 * * *"), Every("tick", kHour)}, now);
  s.RestoreState(state);
  EXPECT_LE(*s.NextWakeUs(), now);
  auto fired = s.Poll(now, nullptr);
  // `fresh` never fired before the restart: nothing to catch up. `tick` keeps its phase (:30).
  ASSERT_EQ(Kinds(fired), "nightly:catch_up tick:catch_up");
  EXPECT_EQ(When(fired[0]), "2024-01-04T02:00:00.000Z");
  EXPECT_EQ(When(fired[1]), "2024-01-04T11:30:00.000Z");
  EXPECT_TRUE(s.Poll(now, nullptr).empty());
  EXPECT_EQ(s.NextWakeUs(), Utc(2024, 1, 4, 12, 30));
  EXPECT_EQ(Kinds(s.Poll(Utc(2024, 1, 5, 3), nullptr)), "fresh:schedule nightly:schedule tick:every");
}

TEST(SchedulerCatchUp, NoneSkipsMissedFireTimes) {
  nlohmann::json state = StateAfterOneFire();
  Scheduler s({.catch_up = CatchUp::None, .seed = 1});
  const int64_t now = Utc(2024, 1, 4, 12, 10);
  s.RestoreState(state);  // before SetPipelines works as well
  Set(s, {Cron("nightly", "0 2 * * *"), Cron("fresh", "0 3 * * *"), Every("tick", kHour)}, now);
  EXPECT_TRUE(s.Poll(now, nullptr).empty());
  EXPECT_EQ(s.NextWakeUs(), Utc(2024, 1, 4, 12, 30));
  EXPECT_EQ(s.NextFireTimes("nightly", now, 1), (std::vector<int64_t>{Utc(2024, 1, 5, 2)}));
}

TEST(SchedulerCatchUp, AChangedScheduleIsNotCaughtUpAndNothingMissedIsNothing) {
  nlohmann::json state = StateAfterOneFire();
  Scheduler s({.seed = 1});
  Set(s, {Cron("nightly", "0 4 * * *"), Cron("fresh", "0 3 * * *"), Every("tick", kHour)}, Utc(2024, 1, 1, 3, 10));
  s.RestoreState(state);
  // `nightly` changed while down; `tick` last fired 02:30, next 03:30: nothing missed.
  EXPECT_TRUE(s.Poll(Utc(2024, 1, 1, 3, 10), nullptr).empty());
  EXPECT_EQ(s.NextWakeUs(), Utc(2024, 1, 1, 3, 30));
}

TEST(SchedulerAfter, ChainRunsEachPipelineAfterItsUpstreamSucceeded) {
  Scheduler s({.seed = 1});
  const int64_t t = Utc(2024, 2, 1);
  Set(s, {Cron("a", "0 1 * * *"), After("b", {{"a"}}), After("c", {{"b"}})}, t);
  auto a = s.Poll(Utc(2024, 2, 1, 1), nullptr);
  ASSERT_EQ(Kinds(a), "a:schedule");
  s.OnRunFinished(a[0], "run-a1", "failed", Utc(2024, 2, 1, 1, 5));
  EXPECT_TRUE(s.Poll(Utc(2024, 2, 1, 1, 5), nullptr).empty());
  s.OnRunFinished(a[0], "run-a2", "succeeded", Utc(2024, 2, 1, 1, 6));
  EXPECT_EQ(s.NextWakeUs(), Utc(2024, 2, 1, 1, 6));
  auto b = s.Poll(Utc(2024, 2, 1, 1, 6), nullptr);
  ASSERT_EQ(Kinds(b), "b:after");
  EXPECT_EQ(b[0].detail, (nlohmann::json{{"upstream", {"run-a2"}}}));
  EXPECT_TRUE(s.Poll(Utc(2024, 2, 1, 1, 7), nullptr).empty());
  s.OnRunFinished(b[0], "run-b1", "succeeded", Utc(2024, 2, 1, 1, 8));
  auto c = s.Poll(Utc(2024, 2, 1, 1, 8), nullptr);
  ASSERT_EQ(Kinds(c), "c:after");
  EXPECT_EQ(c[0].detail, (nlohmann::json{{"upstream", {"run-b1"}}}));
}

TEST(SchedulerAfter, AllGroupsMustSucceedButAnyMemberOfAGroupDoes) {
  Scheduler s({.seed = 1});
  const int64_t t = Utc(2024, 2, 1);
  Set(s, {After("both", {{"a"}, {"b"}}), After("either", {{"a", "b"}})}, t);
  RunRequest a = Req("a");
  RunRequest b = Req("b");
  s.OnRunFinished(a, "a1", "succeeded", t + 1);
  EXPECT_EQ(Kinds(s.Poll(t + 1, nullptr)), "either:after");
  s.OnRunFinished(a, "a2", "succeeded", t + 2);  // the latest success of a group counts
  s.OnRunFinished(b, "b1", "succeeded", t + 3);
  auto fired = s.Poll(t + 3, nullptr);
  ASSERT_EQ(Kinds(fired), "both:after either:after");
  EXPECT_EQ(fired[0].detail, (nlohmann::json{{"upstream", {"a2", "b1"}}}));
  EXPECT_EQ(fired[1].detail, (nlohmann::json{{"upstream", {"b1"}}}));
  // Progress starts over after each After request.
  s.OnRunFinished(a, "a3", "succeeded", t + 4);
  EXPECT_EQ(Kinds(s.Poll(t + 4, nullptr)), "either:after");
  // ... and survives a restart.
  s.OnRunFinished(b, "b2", "cancelled", t + 5);
  nlohmann::json state = s.SaveState();
  Scheduler restarted({.seed = 1});
  Set(restarted, {After("both", {{"a"}, {"b"}}), After("either", {{"a", "b"}})}, t + 6);
  restarted.RestoreState(state);
  EXPECT_TRUE(restarted.Poll(t + 6, nullptr).empty());
  restarted.OnRunFinished(b, "b3", "succeeded", t + 7);
  fired = restarted.Poll(t + 7, nullptr);
  ASSERT_EQ(Kinds(fired), "both:after either:after");
  EXPECT_EQ(fired[0].detail, (nlohmann::json{{"upstream", {"a3", "b3"}}}));
}

PipelineSchedule Retrying(int64_t retries, int64_t backoff_us) {
  PipelineSchedule p;
  p.name = "flaky";
  p.retries = retries;
  p.backoff_us = backoff_us;
  return p;
}

TEST(SchedulerRetry, BackoffDoublesWithinTheJitterBounds) {
  Scheduler s({.retry_jitter = 0.2, .seed = 42});
  int64_t now = Utc(2024, 3, 1);
  Set(s, {Retrying(3, 10 * kSec)}, now);
  RunRequest run = Req("flaky");
  std::string run_id = "r1";
  for (int64_t attempt = 1; attempt <= 3; ++attempt) {
    s.OnRunFinished(run, run_id, attempt == 2 ? "timed_out" : "failed", now);
    const int64_t base = (10 * kSec) << (attempt - 1);
    auto due = s.NextWakeUs();
    ASSERT_TRUE(due);
    EXPECT_GE(*due - now, base * 8 / 10) << "attempt " << attempt;
    EXPECT_LE(*due - now, base * 12 / 10) << "attempt " << attempt;
    EXPECT_TRUE(s.Poll(*due - 1, nullptr).empty());
    auto fired = s.Poll(*due, nullptr);
    ASSERT_EQ(Kinds(fired), "flaky:retry");
    EXPECT_EQ(fired[0].attempt, attempt + 1);
    EXPECT_EQ(fired[0].retry_of, run_id);
    EXPECT_EQ(fired[0].requested_us, *due);
    EXPECT_EQ(fired[0].detail, (nlohmann::json{{"of", run_id}, {"attempt", attempt + 1}}));
    run = fired[0];
    run_id = "r" + std::to_string(attempt + 1);
    now = *due + kMin;
  }
  // Attempt 4 is the last one `retry 3` allows.
  s.OnRunFinished(run, run_id, "failed", now);
  EXPECT_FALSE(s.NextWakeUs());
  EXPECT_TRUE(s.Poll(now + kDay, nullptr).empty());
}

TEST(SchedulerRetry, WithoutJitterTheWaitsAreExactAndTheSeedMakesThemRepeatable) {
  Scheduler exact({.retry_jitter = 0, .seed = 7});
  Set(exact, {Retrying(5, 10 * kSec)}, 0);
  RunRequest run = Req("flaky", 3);
  exact.OnRunFinished(run, "r3", "failed", 1000);
  EXPECT_EQ(exact.NextWakeUs(), 1000 + 40 * kSec);

  std::vector<int64_t> waits[2];
  for (auto& w : waits) {
    Scheduler s({.retry_jitter = 0.5, .seed = 99});
    Set(s, {Retrying(1, kMin)}, 0);
    for (int i = 0; i < 5; ++i) {
      s.OnRunFinished(Req("flaky"), "r", "failed", 0);
      w.push_back(*s.NextWakeUs());
      s.Poll(w.back(), nullptr);
      EXPECT_GE(w.back(), kMin / 2);
      EXPECT_LE(w.back(), kMin * 3 / 2);
    }
  }
  EXPECT_EQ(waits[0], waits[1]);
}

TEST(SchedulerRetry, NoBackoffRetriesAtTheNextPollAndCancelledOrSucceededRunsAreNotRetried) {
  Scheduler s({.seed = 1});
  Set(s, {Retrying(2, 0)}, 0);
  RunRequest run = Req("flaky", 1, 5 * kHour);
  s.OnRunFinished(run, "c1", "cancelled", 10);
  s.OnRunFinished(run, "s1", "succeeded", 10);
  EXPECT_FALSE(s.NextWakeUs());
  s.OnRunFinished(run, "f1", "failed", 10);
  auto fired = s.Poll(10, nullptr);
  ASSERT_EQ(Kinds(fired), "flaky:retry");
  EXPECT_EQ(fired[0].scheduled_for_us, 5 * kHour);  // stands for the same fire time
  // A pending retry survives a restart.
  s.OnRunFinished(fired[0], "f2", "failed", 20);
  Scheduler restarted({.seed = 1});
  Set(restarted, {Retrying(2, 0)}, 30);
  restarted.RestoreState(s.SaveState());
  fired = restarted.Poll(30, nullptr);
  ASSERT_EQ(Kinds(fired), "flaky:retry");
  EXPECT_EQ(fired[0].attempt, 3);
  EXPECT_EQ(fired[0].retry_of, "f2");
}

TEST(SchedulerConcurrency, CountersFollowStartsAndEnds) {
  Scheduler s({.seed = 1});
  PipelineSchedule wide;
  wide.name = "wide";
  wide.concurrency = 3;
  Set(s, {wide, Every("narrow", kHour)}, 0);
  EXPECT_EQ(s.Concurrency("wide"), 3);
  EXPECT_EQ(s.Concurrency("narrow"), 1);
  EXPECT_EQ(s.Concurrency("unknown"), 1);
  s.OnRunStarted("wide");
  s.OnRunStarted("wide");
  s.OnRunStarted("narrow");
  EXPECT_EQ(s.RunningCount("wide"), 2);
  EXPECT_EQ(s.RunningCount("narrow"), 1);
  // A reload keeps the counts of running runs.
  Set(s, {wide, Every("narrow", kHour)}, 1);
  EXPECT_EQ(s.RunningCount("wide"), 2);
  s.OnRunEnded("wide");
  s.OnRunEnded("narrow");
  s.OnRunEnded("narrow");  // never below zero
  EXPECT_EQ(s.RunningCount("wide"), 1);
  EXPECT_EQ(s.RunningCount("narrow"), 0);
}

PipelineSchedule Watcher() {
  PipelineSchedule p;
  p.name = "ingest";
  p.file_globs = {"in/*.csv", "in/*.tsv"};
  return p;
}

TEST(SchedulerFiles, EachStableFileOnceChangedFilesAgainAcrossRestarts) {
  FakeFiles files;
  GlobLister list = files.Lister();
  Scheduler s({.seed = 1});
  Set(s, {Watcher(), Every("other", kHour)}, 0);
  files.by_glob["in/*.csv"] = {{"in/a.csv", 10, 100}};
  EXPECT_TRUE(s.Poll(1, &list).empty());  // seen once: may still be written
  files.by_glob["in/*.csv"] = {{"in/a.csv", 20, 150}};
  EXPECT_TRUE(s.Poll(2, &list).empty());  // grew
  files.by_glob["in/*.tsv"] = {{"in/b.tsv", 5, 50}};
  auto fired = s.Poll(3, &list);
  ASSERT_EQ(Kinds(fired), "ingest:file");
  EXPECT_EQ(fired[0].detail,
            (nlohmann::json{{"path", "in/a.csv"}, {"size", 20}, {"modified", "1970-01-01T00:00:00.000Z"}}));
  fired = s.Poll(4, &list);
  ASSERT_EQ(Kinds(fired), "ingest:file");
  EXPECT_EQ(fired[0].detail["path"], "in/b.tsv");
  EXPECT_TRUE(s.Poll(5, &list).empty());
  EXPECT_TRUE(s.Poll(6, nullptr).empty());  // no listing: nothing happens
  EXPECT_EQ(files.calls, 10);                // two globs per listing poll, of `ingest` only

  // A restart: nothing is requested again, a changed file is.
  Scheduler restarted({.seed = 1});
  Set(restarted, {Watcher()}, 10);
  restarted.RestoreState(s.SaveState());
  EXPECT_TRUE(restarted.Poll(10, &list).empty());
  EXPECT_TRUE(restarted.Poll(11, &list).empty());
  files.by_glob["in/*.csv"] = {{"in/a.csv", 30, 3 * kSec}};
  EXPECT_TRUE(restarted.Poll(12, &list).empty());
  fired = restarted.Poll(13, &list);
  ASSERT_EQ(Kinds(fired), "ingest:file");
  EXPECT_EQ(fired[0].detail["size"], 30);
  EXPECT_EQ(fired[0].detail["modified"], "1970-01-01T00:00:03.000Z");

  // Deleted files leave the state, so it does not grow without bound.
  files.by_glob.clear();
  restarted.Poll(14, &list);
  EXPECT_FALSE(restarted.SaveState()["pipelines"].contains("ingest"));
}

TEST(SchedulerTriggers, WebhooksAndEventsMakeOneRequestPerListeningPipeline) {
  Scheduler s({.seed = 1});
  PipelineSchedule x, y, z;
  x.name = "x";
  x.webhook_paths = {"/hooks/orders"};
  x.event_names = {"refresh"};
  y.name = "y";
  y.webhook_paths = {"/hooks/orders", "/hooks/other"};
  z.name = "z";
  z.event_names = {"refresh"};
  Set(s, {z, y, x}, 0);
  const int64_t now = Utc(2024, 1, 31, 12);
  auto hook = s.Webhook("/hooks/orders", nlohmann::json{{"id", 7}}, now);
  ASSERT_EQ(Kinds(hook), "x:webhook y:webhook");
  EXPECT_EQ(hook[0].detail,
            (nlohmann::json{{"path", "/hooks/orders"}, {"body", {{"id", 7}}}, {"received", "2024-01-31T12:00:00.000Z"}}));
  EXPECT_EQ(hook[0].requested_us, now);
  EXPECT_TRUE(s.Webhook("/hooks/none", nullptr, now).empty());
  auto event = s.Event("refresh", nlohmann::json::array({1, 2}), now);
  ASSERT_EQ(Kinds(event), "x:event z:event");
  EXPECT_EQ(event[1].detail,
            (nlohmann::json{{"name", "refresh"}, {"payload", {1, 2}}, {"at", "2024-01-31T12:00:00.000Z"}}));
  EXPECT_TRUE(s.Event("unknown", nullptr, now).empty());
}

TEST(SchedulerBackfill, RangesOfTheScheduleIntervalOrDays) {
  Scheduler s({.seed = 1});
  PipelineSchedule plain;
  plain.name = "plain";
  Set(s, {Cron("nightly", "0 2 * * *"), Every("hourly", 6 * kHour), plain}, 0);
  const int64_t now = Utc(2024, 6, 1);
  std::vector<RunRequest> runs;
  EXPECT_FALSE(s.Backfill("nightly", Utc(2024, 1, 1, 2), Utc(2024, 1, 3, 2), 10, now, runs));
  ASSERT_EQ(runs.size(), 3u);  // both ends included
  EXPECT_EQ(When(runs[0]), "2024-01-01T02:00:00.000Z");
  EXPECT_EQ(When(runs[2]), "2024-01-03T02:00:00.000Z");
  EXPECT_EQ(runs[1].kind, TriggerKind::Backfill);
  EXPECT_EQ(runs[1].requested_us, now);
  EXPECT_EQ(runs[1].detail, (nlohmann::json{{"scheduled_for", "2024-01-02T02:00:00.000Z"}}));

  EXPECT_FALSE(s.Backfill("hourly", Utc(2024, 1, 1, 1), Utc(2024, 1, 2), 10, now, runs));
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(When(runs[3]), "2024-01-01T19:00:00.000Z");

  EXPECT_FALSE(s.Backfill("plain", Utc(2024, 1, 1, 1), Utc(2024, 1, 4), 10, now, runs));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(When(runs[0]), "2024-01-02T00:00:00.000Z");
  EXPECT_EQ(When(runs[2]), "2024-01-04T00:00:00.000Z");

  EXPECT_EQ(s.Backfill("nightly", Utc(2024, 1, 3), Utc(2024, 1, 1), 10, now, runs),
            "`from` (2024-01-03T00:00:00.000Z) is after `to` (2024-01-01T00:00:00.000Z)");
  EXPECT_TRUE(runs.empty());
  EXPECT_EQ(s.Backfill("nightly", Utc(2024, 1, 1, 3), Utc(2024, 1, 2, 1), 10, now, runs),
            "no fire time of the schedule \"0 2 * * *\" between 2024-01-01T03:00:00.000Z and "
            "2024-01-02T01:00:00.000Z");
  EXPECT_EQ(s.Backfill("nightly", Utc(2020, 1, 1), Utc(2024, 1, 1), 1000, now, runs),
            "the range holds more than 1000 fire times of the schedule \"0 2 * * *\"; narrow it");
  EXPECT_TRUE(runs.empty());
  EXPECT_EQ(s.Backfill("ghost", 0, 1, 10, now, runs), "unknown pipeline `ghost`");
}

TEST(SchedulerPipelines, SetPipelinesKeepsStateOfPipelinesThatStay) {
  Scheduler s({.seed = 1});
  const int64_t t0 = Utc(2024, 1, 1);
  Set(s, {Every("keep", kHour), Every("change", kHour), Every("drop", kHour), Retrying(1, kDay)}, t0);
  EXPECT_EQ(Kinds(s.Poll(t0 + kHour, nullptr)), "change:every drop:every keep:every");
  s.OnRunFinished(Req("flaky"), "f1", "failed", t0 + kHour);
  // A reload 10 minutes later: `keep` keeps its phase, `change` fires from now on.
  std::vector<std::string> problems;
  s.SetPipelines({Every("keep", kHour), Every("change", 2 * kHour), Retrying(1, kDay),
                  Cron("zoned", "0 0 * * *", "Nowhere/Land"), Every("keep", kMin)},
                 t0 + 70 * kMin, problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "pipeline `zoned`: unknown time zone `Nowhere/Land`; its schedule is ignored");
  EXPECT_EQ(problems[1], "pipeline `keep` is listed twice; the first one is kept");
  EXPECT_EQ(s.NextFireTimes("keep", t0 + 70 * kMin, 1), (std::vector<int64_t>{t0 + 2 * kHour}));
  EXPECT_EQ(s.NextFireTimes("change", t0 + 70 * kMin, 1), (std::vector<int64_t>{t0 + 70 * kMin + 2 * kHour}));
  EXPECT_TRUE(s.NextFireTimes("drop", t0, 1).empty());
  EXPECT_TRUE(s.NextFireTimes("zoned", t0, 1).empty());
  auto state = s.SaveState();
  EXPECT_FALSE(state["pipelines"].contains("drop"));
  EXPECT_FALSE(state["pipelines"].contains("change"));  // its old fire time no longer applies
  EXPECT_TRUE(state["pipelines"].contains("keep"));
  EXPECT_TRUE(state["pipelines"]["flaky"].contains("retries"));  // the pending retry stays
  EXPECT_EQ(Kinds(s.Poll(t0 + 2 * kHour, nullptr)), "keep:every");
}

TEST(SchedulerState, SaveRestoreRoundTripsAndVersionGrowsWithChanges) {
  FakeFiles files;
  GlobLister list = files.Lister();
  auto pipelines = std::vector<PipelineSchedule>{Cron("nightly", "0 2 * * *", "America/New_York"),
                                                 After("down", {{"a"}, {"b", "c"}}), Retrying(3, kMin), Watcher()};
  Scheduler s({.seed = 3});
  Set(s, pipelines, Utc(2024, 1, 1));
  files.by_glob["in/*.csv"] = {{"in/a.csv", 1, 2}};
  s.Poll(Utc(2024, 1, 1), &list);
  uint64_t version = s.StateVersion();
  s.Poll(Utc(2024, 1, 1, 7), &list);  // fires nightly (07:00Z) and the file
  EXPECT_GT(s.StateVersion(), version);
  version = s.StateVersion();
  s.Poll(Utc(2024, 1, 1, 7), &list);
  EXPECT_EQ(s.StateVersion(), version);  // nothing changed, nothing to save
  s.OnRunFinished(Req("a"), "a1", "succeeded", Utc(2024, 1, 1, 8));
  s.OnRunFinished(Req("flaky", 1, 77), "f1", "failed", Utc(2024, 1, 1, 8));
  EXPECT_GT(s.StateVersion(), version);
  nlohmann::json saved = s.SaveState();
  EXPECT_EQ(saved["pipelines"]["nightly"]["last_fire_us"], Utc(2024, 1, 1, 7));
  EXPECT_EQ(saved["pipelines"]["down"]["after"], (nlohmann::json{{"a", "a1"}}));
  EXPECT_EQ(saved["pipelines"]["ingest"]["files"].size(), 1u);
  EXPECT_EQ(saved["pipelines"]["flaky"]["retries"].size(), 1u);

  Scheduler restarted({.seed = 3});
  restarted.RestoreState(saved);
  EXPECT_EQ(restarted.SaveState(), saved);  // carried over before the pipelines are set
  Set(restarted, pipelines, Utc(2024, 1, 1, 8));
  EXPECT_EQ(restarted.SaveState(), saved);
  // A state read back from its text is the same state.
  Scheduler from_text({.seed = 3});
  Set(from_text, pipelines, Utc(2024, 1, 1, 8));
  from_text.RestoreState(nlohmann::json::parse(saved.dump()));
  EXPECT_EQ(from_text.SaveState(), saved);
}

TEST(SchedulerState, GarbageOrOldStateIsIgnoredWithoutCrashing) {
  auto pipelines = std::vector<PipelineSchedule>{Cron("nightly", "0 2 * * *"), After("down", {{"a"}}),
                                                 Retrying(3, kMin), Watcher()};
  const std::vector<nlohmann::json> garbage = {
      nullptr,
      42,
      "text",
      nlohmann::json::array({1, 2}),
      {{"version", 0}, {"pipelines", {{"nightly", {{"schedule", "cron:0 2 * * *"}, {"last_fire_us", 5}}}}}},
      {{"version", 1}, {"pipelines", 3}},
      {{"version", 1},
       {"pipelines",
        {{"nightly", {{"schedule", 5}, {"last_fire_us", "x"}}},
         {"down", {{"after", {{"a", 7}, {"zzz", "q"}}}, {"after_ready_us", "soon"}}},
         {"flaky", {{"retries", {1, {{"due_us", "x"}}, {{"due_us", 1}, {"attempt", 0}, {"of", "r"}}}}}},
         {"ingest", {{"files", {{"in/a.csv", {{"size", "big"}}}, {"in/b.csv", 4}}}}},
         {"ghost", nullptr}}}},
  };
  for (const auto& state : garbage) {
    Scheduler s({.seed = 1});
    Set(s, pipelines, Utc(2024, 1, 1));
    s.RestoreState(state);
    EXPECT_TRUE(s.Poll(Utc(2024, 1, 1, 1), nullptr).empty()) << state.dump();
    EXPECT_EQ(s.SaveState(), (nlohmann::json{{"version", 1}, {"pipelines", nlohmann::json::object()}})) << state.dump();
  }
}

}  // namespace
}  // namespace etl::server
