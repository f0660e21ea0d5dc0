// The service of `etlc serve` (server/service.h) on a ManualClock: schedules, `after`
// chains, retries, concurrency, catch-up and file triggers across restarts, recovery of
// runs a killed server left behind, and project reloads, with real runs of tiny pipelines
// in a temp project. Virtual time moves only by Advance; runs are waited for by polling
// the store with a real-time deadline, never by fixed sleeps.
#include "server/service.h"

#include <date/date.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>

#include "runtime/run_log.h"
#include "runtime/run_record.h"

namespace etl::server {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kMin = 60 * kSec;
constexpr auto kDeadline = std::chrono::seconds(30);

int64_t Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  auto day = date::sys_days{date::year{y} / date::month{mo} / date::day{d}};
  return (day.time_since_epoch().count() * 86400LL + h * 3600LL + mi * 60LL + s) * kSec;
}

// The trigger_json of a run as JSON.
nlohmann::json TriggerOf(const runtime::StoredRun& run) { return nlohmann::json::parse(run.trigger_json); }

bool Ended(const runtime::StoredRun& run) { return run.status != "queued" && run.status != "running"; }

// A pipeline of one generated row written to out/NAME.jsonl, with `settings` inside.
std::string TinyPipeline(const std::string& name, const std::string& settings = "") {
  return "pipeline " + name + " {\n" + settings + "  from generate(count: 1, schema: One, seed: 1) | into jsonl(\"out/" +
         name + ".jsonl\")\n}\n";
}

const std::string kOneSchema = "schema One {\n  id: int\n}\n\n";

// A temp project directory (the working directory during the test) and state directories.
class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_service_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "project");
    old_cwd_ = fs::current_path();
    fs::current_path(dir_ / "project");
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }

  void Write(const std::string& rel, const std::string& text) {
    fs::path path = dir_ / "project" / rel;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  ServiceOptions Options(const std::string& state = "state") const {
    ServiceOptions options;
    options.project_dir = (dir_ / "project").string();
    options.state_dir = (dir_ / state).string();
    options.poll_interval_us = kSec;
    options.max_runs = 8;  // above every concurrency limit below, so the pipeline's own limit is what binds
    options.workers = 1;
    options.seed = 7;
    return options;
  }

  std::unique_ptr<Service> StartService(ManualClock& clock, ServiceOptions options) {
    fs::create_directories(options.state_dir);  // as `etlc serve` does before Start
    auto service = std::make_unique<Service>(std::move(options), clock);
    // A service that did not start cannot be driven: the test stops here (gtest reports it).
    if (std::optional<std::string> problem = service->Start()) throw std::runtime_error("Start: " + *problem);
    return service;
  }

  // `polls` scans of the project and the watched folders, each one poll interval later.
  static void Poll(Service& service, ManualClock& clock, const ServiceOptions& options, int polls = 1) {
    for (int i = 0; i < polls; ++i) {
      clock.Advance(options.poll_interval_us + kSec);
      service.Tick();
    }
  }

  // Runs in the store, newest first (all pipelines when `pipeline` is empty).
  static std::vector<runtime::StoredRun> Runs(Service& service, const std::string& pipeline,
                                              std::optional<std::string> kind = std::nullopt) {
    runtime::RunQuery query;
    query.limit = 0;
    if (!pipeline.empty()) query.pipeline = pipeline;
    query.trigger_kind = std::move(kind);
    std::vector<runtime::StoredRun> runs;
    auto problem = service.WithStore([&](runtime::RunStore& store) { return store.ListRuns(query, runs); });
    EXPECT_FALSE(problem) << *problem;
    return runs;
  }

  // Ticks until `done` holds or the real-time deadline passes.
  static bool WaitUntil(Service& service, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
      service.Tick();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  // Waits until `pipeline` has `count` runs, all ended, and the service has taken their
  // ends into account (the scheduler's running count is back to 0). Returns the runs.
  static std::vector<runtime::StoredRun> WaitRuns(Service& service, const std::string& pipeline, size_t count) {
    std::vector<runtime::StoredRun> runs;
    bool done = WaitUntil(service, [&] {
      runs = Runs(service, pipeline);
      return runs.size() >= count && std::all_of(runs.begin(), runs.end(), Ended) &&
             service.Activity(pipeline).running == 0;
    });
    EXPECT_TRUE(done) << "timed out waiting for " << count << " ended runs of `" << pipeline << "`; have "
                      << runs.size();
    return runs;
  }

  static runtime::StoredRun Trigger(Service& service, const std::string& pipeline,
                                    const std::map<std::string, std::string>& params = {}) {
    runtime::StoredRun run;
    auto error = service.Trigger(pipeline, params, run);
    EXPECT_FALSE(error) << error->message;
    return run;
  }

  fs::path dir_;
  fs::path old_cwd_;
};

const int64_t kT0 = Utc(2024, 3, 5, 12, 7);

TEST_F(ServiceTest, EveryFiresOncePerIntervalAndKeepsItsPhase) {
  Write("p.etl", kOneSchema + TinyPipeline("tick", "  schedule every 10m\n"));
  ManualClock clock(kT0);
  auto service = StartService(clock, Options());
  service->Tick();
  clock.Advance(10 * kMin - kSec);
  service->Tick();
  EXPECT_TRUE(Runs(*service, "tick").empty()) << "a run before the first interval passed";
  clock.Advance(kSec);
  service->Tick();
  auto runs = WaitRuns(*service, "tick", 1);
  ASSERT_EQ(Runs(*service, "tick", "every").size(), 1u);
  EXPECT_EQ(runs[0].status, "succeeded") << runs[0].failure;
  EXPECT_EQ(TriggerOf(runs[0])["scheduled_for"], runtime::FormatRfc3339(kT0 + 10 * kMin));
  // At +25m the fire time +20m passed once: one more run, not one per poll or per 10m.
  clock.Advance(15 * kMin);
  service->Tick();
  service->Tick();
  runs = WaitRuns(*service, "tick", 2);
  ASSERT_EQ(Runs(*service, "tick", "every").size(), 2u);
  EXPECT_EQ(Runs(*service, "tick").size(), 2u);
  EXPECT_EQ(TriggerOf(runs[0])["scheduled_for"], runtime::FormatRfc3339(kT0 + 20 * kMin));
}

TEST_F(ServiceTest, ReloadWithTheSameScheduleKeepsThePhase) {
  Write("p.etl", kOneSchema + TinyPipeline("tick", "  schedule every 10m\n"));
  ManualClock clock(kT0);
  auto service = StartService(clock, Options());
  std::string old_hash = service->Snapshot()->Find("tick")->plan_hash;
  clock.Advance(5 * kMin);
  // Another body, the same schedule: the pipeline is recompiled, its fire times stay.
  Write("p.etl", kOneSchema + "pipeline tick {\n  schedule every 10m\n  from generate(count: 2, schema: One, seed: 1) "
                              "| into jsonl(\"out/tick.jsonl\")\n}\n");
  service->Tick();
  ASSERT_NE(service->Snapshot()->Find("tick")->plan_hash, old_hash) << "the file was not reloaded";
  EXPECT_EQ(service->NextFireTimes("tick", 1), std::vector<int64_t>{kT0 + 10 * kMin});
  clock.Advance(5 * kMin);
  service->Tick();
  auto runs = WaitRuns(*service, "tick", 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(TriggerOf(runs[0])["scheduled_for"], runtime::FormatRfc3339(kT0 + 10 * kMin));
}

TEST_F(ServiceTest, CronStepFiresAtTheNextQuarterHour) {
  Write("p.etl", kOneSchema + TinyPipeline("quarter", "  schedule \"*/15 * * * *\"\n"));
  ManualClock clock(kT0);  // 12:07 UTC
  auto service = StartService(clock, Options());
  EXPECT_EQ(service->NextFireTimes("quarter", 2), (std::vector<int64_t>{Utc(2024, 3, 5, 12, 15), Utc(2024, 3, 5, 12, 30)}));
  service->Tick();
  clock.Set(Utc(2024, 3, 5, 12, 14, 59));
  service->Tick();
  EXPECT_TRUE(Runs(*service, "quarter").empty()) << "fired before 12:15";
  clock.Set(Utc(2024, 3, 5, 12, 15));
  service->Tick();
  auto runs = WaitRuns(*service, "quarter", 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(TriggerOf(runs[0])["kind"], "schedule");
  EXPECT_EQ(TriggerOf(runs[0])["scheduled_for"], "2024-03-05T12:15:00.000Z");
  EXPECT_EQ(runs[0].status, "succeeded") << runs[0].failure;
}

TEST_F(ServiceTest, AfterChainRunsEachDownstreamOnceWithItsUpstream) {
  Write("p.etl", kOneSchema + TinyPipeline("a") + TinyPipeline("b", "  after a\n") + TinyPipeline("c", "  after b\n"));
  ManualClock clock(kT0);
  auto service = StartService(clock, Options());
  service->Tick();
  EXPECT_TRUE(Runs(*service, "").empty()) << "b or c ran before a";
  runtime::StoredRun a = Trigger(*service, "a");
  auto c_runs = WaitRuns(*service, "c", 1);
  auto a_runs = Runs(*service, "a"), b_runs = Runs(*service, "b");
  ASSERT_EQ(a_runs.size(), 1u);
  ASSERT_EQ(b_runs.size(), 1u);
  ASSERT_EQ(c_runs.size(), 1u);
  EXPECT_EQ(a_runs[0].status, "succeeded") << a_runs[0].failure;
  EXPECT_EQ(TriggerOf(b_runs[0]), (nlohmann::json{{"kind", "after"}, {"upstream", {a.id}}}));
  EXPECT_EQ(TriggerOf(c_runs[0]), (nlohmann::json{{"kind", "after"}, {"upstream", {b_runs[0].id}}}));
  EXPECT_EQ(c_runs[0].status, "succeeded") << c_runs[0].failure;
  // Nothing else follows: the chain ran once.
  service->Tick();
  EXPECT_EQ(Runs(*service, "").size(), 3u);
}

TEST_F(ServiceTest, AfterAnyIsOrAndAfterListIsAnd) {
  Write("p.etl", kOneSchema + TinyPipeline("x") + TinyPipeline("y") + TinyPipeline("either", "  after any(x, y)\n") +
                     TinyPipeline("both", "  after x, y\n"));
  ManualClock clock(kT0);
  auto service = StartService(clock, Options());
  runtime::StoredRun x = Trigger(*service, "x");
  auto either = WaitRuns(*service, "either", 1);
  // `either` and `both` are decided by the same poll after x's end: `both` must still wait.
  EXPECT_TRUE(Runs(*service, "both").empty()) << "`after x, y` ran with only x done";
  ASSERT_EQ(either.size(), 1u);
  EXPECT_EQ(TriggerOf(either[0])["upstream"], nlohmann::json({x.id}));
  runtime::StoredRun y = Trigger(*service, "y");
  auto both = WaitRuns(*service, "both", 1);
  either = WaitRuns(*service, "either", 2);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(TriggerOf(both[0])["upstream"], nlohmann::json({x.id, y.id}));
  EXPECT_EQ(both[0].status, "succeeded") << both[0].failure;
  ASSERT_EQ(either.size(), 2u) << "y alone satisfies `after any(x, y)` again";
  // Both runs have the same virtual start time, so the store's order says nothing.
  std::set<nlohmann::json> upstreams{TriggerOf(either[0])["upstream"], TriggerOf(either[1])["upstream"]};
  EXPECT_EQ(upstreams, (std::set<nlohmann::json>{nlohmann::json({x.id}), nlohmann::json({y.id})}));
}

TEST_F(ServiceTest, RetriesWaitForTheirJitteredBackoffThenStop) {
  Write("p.etl",
        "schema Item {\n  id: int\n  amount: float\n}\n\npipeline failing {\n  retry 2 backoff 1m\n"
        "  from csv(\"data/missing.csv\", schema: Item) | into jsonl(\"out/failing.jsonl\")\n}\n");
  ManualClock clock(kT0);
  auto service = StartService(clock, Options());
  runtime::StoredRun first = Trigger(*service, "failing");
  auto runs = WaitRuns(*service, "failing", 1);
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0].status, "failed");
  // The first wait is 1m * [0.8, 1.2].
  clock.Advance(42 * kSec);
  service->Tick();
  EXPECT_EQ(Runs(*service, "failing").size(), 1u) << "retried before 0.8 of the backoff";
  clock.Advance(36 * kSec);  // 1.3m after the failure
  service->Tick();
  runs = WaitRuns(*service, "failing", 2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(TriggerOf(runs[0]), (nlohmann::json{{"kind", "retry"}, {"of", first.id}, {"attempt", 2}}));
  EXPECT_EQ(runs[0].status, "failed");
  std::string second_id = runs[0].id;
  // The second wait is doubled: 2m * [0.8, 1.2] = [96 s, 144 s].
  clock.Advance(90 * kSec);
  service->Tick();
  EXPECT_EQ(Runs(*service, "failing").size(), 2u) << "second retry before 1.6m";
  clock.Advance(60 * kSec);  // 2.5m after the second failure
  service->Tick();
  runs = WaitRuns(*service, "failing", 3);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(TriggerOf(runs[0]), (nlohmann::json{{"kind", "retry"}, {"of", second_id}, {"attempt", 3}}));
  // Attempt 3 > retry 2: no more, however long we wait.
  clock.Advance(60 * kMin);
  service->Tick();
  service->Tick();
  EXPECT_EQ(Runs(*service, "failing").size(), 3u);
  EXPECT_EQ(Runs(*service, "failing", "retry").size(), 2u);
}

TEST_F(ServiceTest, ConcurrencyLimitsRunningRunsOfAPipeline) {
  Write("p.etl",
        "schema Row {\n  id: int\n  v: float\n}\n\nparam n: int = 1000\n\npipeline slow {\n  concurrency 2\n"
        "  from generate(count: n, schema: Row, seed: 1)\n    | filter v > 0.5\n"
        "    | aggregate by k = id % 10 {\n        c = count()\n      }\n    | into csv(\"out/slow.csv\")\n}\n");
  ManualClock clock(kT0);
  auto service = StartService(clock, Options());
  for (int i = 0; i < 5; ++i) Trigger(*service, "slow", {{"n", "6000000"}});
  int64_t most_running = 0;
  bool saw_limit_bind = false;  // 2 running while others waited
  std::vector<runtime::StoredRun> runs;
  bool done = WaitUntil(*service, [&] {
    PipelineActivity activity = service->Activity("slow");
    runs = Runs(*service, "slow");
    int64_t in_store = std::count_if(runs.begin(), runs.end(), [](const auto& r) { return r.status == "running"; });
    EXPECT_LE(activity.running, 2);
    EXPECT_LE(in_store, 2) << "more than 2 rows `running` in the store";
    most_running = std::max({most_running, activity.running, in_store});
    if (activity.running == 2 && activity.queued > 0) saw_limit_bind = true;
    return runs.size() == 5 && std::all_of(runs.begin(), runs.end(), Ended) && activity.running == 0;
  });
  ASSERT_TRUE(done) << "the 5 runs did not end in time";
  EXPECT_EQ(most_running, 2) << "runs never overlapped: the test shows nothing";
  EXPECT_TRUE(saw_limit_bind);
  for (const auto& run : runs) EXPECT_EQ(run.status, "succeeded") << run.id << ": " << run.failure;
}

TEST_F(ServiceTest, MissedScheduleRunsOnceOnRestartWithCatchUpOnce) {
  Write("p.etl", kOneSchema + TinyPipeline("tick", "  schedule every 10m\n"));
  ManualClock clock(kT0);
  ServiceOptions options = Options();
  {
    auto service = StartService(clock, options);
    clock.Advance(10 * kMin);
    service->Tick();
    ASSERT_EQ(WaitRuns(*service, "tick", 1).size(), 1u);
    service->Stop();
  }
  clock.Advance(45 * kMin);  // fire times +20m .. +50m missed
  options.catch_up = CatchUp::Once;
  auto service = StartService(clock, options);
  service->Tick();
  service->Tick();
  auto runs = WaitRuns(*service, "tick", 2);
  EXPECT_EQ(Runs(*service, "tick").size(), 2u);
  auto catch_up = Runs(*service, "tick", "catch_up");
  ASSERT_EQ(catch_up.size(), 1u);
  EXPECT_EQ(TriggerOf(catch_up[0])["scheduled_for"], runtime::FormatRfc3339(kT0 + 50 * kMin));
  EXPECT_EQ(catch_up[0].status, "succeeded") << catch_up[0].failure;
}

TEST_F(ServiceTest, MissedScheduleIsSkippedWithCatchUpNone) {
  Write("p.etl", kOneSchema + TinyPipeline("tick", "  schedule every 10m\n"));
  ManualClock clock(kT0);
  ServiceOptions options = Options("state_none");
  {
    auto service = StartService(clock, options);
    clock.Advance(10 * kMin);
    service->Tick();
    ASSERT_EQ(WaitRuns(*service, "tick", 1).size(), 1u);
  }
  clock.Advance(45 * kMin);
  options.catch_up = CatchUp::None;
  auto service = StartService(clock, options);
  service->Tick();
  service->Tick();
  EXPECT_EQ(Runs(*service, "tick").size(), 1u) << "a missed fire time ran with catch-up none";
  EXPECT_EQ(service->Activity("tick").queued, 0);
  // The schedule goes on: the next fire time of the old phase (+60m) runs.
  clock.Advance(5 * kMin);
  service->Tick();
  auto runs = WaitRuns(*service, "tick", 2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(TriggerOf(runs[0])["kind"], "every");
}

TEST_F(ServiceTest, FileTriggerRunsEachFileOnceAcrossARestart) {
  Write("p.etl", kOneSchema + "param path: string = \"\"\n\n" +
                     TinyPipeline("ingest", "  on file(\"in/*.csv\")\n"));
  ManualClock clock(kT0);
  ServiceOptions options = Options();
  {
    auto service = StartService(clock, options);
    Write("in/a.csv", "id\n1\n");
    Poll(*service, clock, options, 2);
    auto runs = WaitRuns(*service, "ingest", 1);
    ASSERT_EQ(runs.size(), 1u);
    nlohmann::json trigger = TriggerOf(runs[0]);
    EXPECT_EQ(trigger["kind"], "file");
    EXPECT_EQ(trigger["path"], "in/a.csv");
    EXPECT_EQ(trigger["size"], 5);
    EXPECT_NE(runs[0].params_json.find("in/a.csv"), std::string::npos) << "the path param: " << runs[0].params_json;
    // More polls of the unchanged file: no second run.
    Poll(*service, clock, options);
    EXPECT_EQ(Runs(*service, "ingest").size(), 1u);
  }
  auto service = StartService(clock, options);
  Poll(*service, clock, options, 3);
  EXPECT_EQ(Runs(*service, "ingest").size(), 1u) << "a.csv ran again after the restart";
  Write("in/b.csv", "id\n2\n3\n");
  Poll(*service, clock, options, 3);
  auto runs = WaitRuns(*service, "ingest", 2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(TriggerOf(runs[0])["path"], "in/b.csv");
}

// A file whose run cannot be queued (the required param `day` has no value) is not dropped
// silently: it is recorded as a failed run saying why.
TEST_F(ServiceTest, ATriggeredRunThatCannotBeQueuedIsRecordedAsFailed) {
  Write("p.etl", kOneSchema + "param day: date\n\n" + TinyPipeline("ingest", "  on file(\"in/*.csv\")\n"));
  ManualClock clock(kT0);
  ServiceOptions options = Options();
  auto service = StartService(clock, options);
  Write("in/a.csv", "id\n1\n");
  Poll(*service, clock, options, 2);
  auto runs = WaitRuns(*service, "ingest", 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "failed");
  EXPECT_NE(runs[0].failure.find("could not be queued"), std::string::npos) << runs[0].failure;
  EXPECT_NE(runs[0].failure.find("day"), std::string::npos) << runs[0].failure;
  EXPECT_EQ(TriggerOf(runs[0])["path"], "in/a.csv");
}

// Writes a row as a killed server leaves it: `status`, the fixture's plan, optionally its
// run folder.
runtime::StoredRun LeftBehind(runtime::RunStore& store, const ProjectPipeline& pipeline, const std::string& status,
                              int64_t now_us, const fs::path& state_dir, bool with_folder) {
  runtime::StoredRun run;
  run.id = runtime::MakeRunId(now_us);
  run.pipeline = pipeline.name;
  run.source_file = pipeline.file;
  run.plan_json = pipeline.plan_json;
  run.plan_hash = pipeline.plan_hash;
  run.params_json = "{}";
  run.status = status;
  run.started_us = now_us;
  run.queued_us = now_us;
  run.trigger_json = R"({"kind":"manual"})";
  EXPECT_FALSE(store.BeginRun(run));
  if (with_folder) fs::create_directories(state_dir / "runs" / run.id);
  return run;
}

TEST_F(ServiceTest, RecoveryFailsRunsLeftRunningAndRunsQueuedOnes) {
  Write("p.etl", kOneSchema + TinyPipeline("job"));
  ManualClock clock(kT0);
  ServiceOptions options = Options();
  runtime::StoredRun stuck, waiting;
  {
    Project project(options.project_dir);
    project.Reload(kT0);
    const ProjectPipeline* job = project.Snapshot()->Find("job");
    ASSERT_NE(job, nullptr);
    std::string error;
    fs::create_directories(options.state_dir);
    auto store = runtime::OpenRunStore("", options.state_dir, error);
    ASSERT_TRUE(store) << error;
    stuck = LeftBehind(*store, *job, "running", kT0, options.state_dir, true);
    waiting = LeftBehind(*store, *job, "queued", kT0 + kSec, options.state_dir, false);
  }
  auto service = StartService(clock, options);
  auto runs = WaitRuns(*service, "job", 2);
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) {
    if (run.id == stuck.id) {
      EXPECT_EQ(run.status, "failed");
      EXPECT_NE(run.failure.find("etlc serve stopped"), std::string::npos) << run.failure;
    } else {
      EXPECT_EQ(run.id, waiting.id);
      EXPECT_EQ(run.status, "succeeded") << run.failure;
    }
  }
  EXPECT_TRUE(fs::exists("out/job.jsonl")) << "the queued run did not write its output";
}

// A server killed between starting a queued run (its row is `running`) and making the
// run's folder leaves a row without a folder: it must not stay `running` forever.
TEST_F(ServiceTest, RecoveryFailsARunLeftRunningWithoutItsFolder) {
  Write("p.etl", kOneSchema + TinyPipeline("job"));
  ManualClock clock(kT0);
  ServiceOptions options = Options();
  runtime::StoredRun stuck;
  {
    Project project(options.project_dir);
    project.Reload(kT0);
    const ProjectPipeline* job = project.Snapshot()->Find("job");
    ASSERT_NE(job, nullptr);
    std::string error;
    fs::create_directories(options.state_dir);
    auto store = runtime::OpenRunStore("", options.state_dir, error);
    ASSERT_TRUE(store) << error;
    stuck = LeftBehind(*store, *job, "running", kT0, options.state_dir, false);
  }
  auto service = StartService(clock, options);
  service->Tick();
  std::optional<runtime::StoredRun> row;
  service->WithStore([&](runtime::RunStore& store) { return store.GetRun(stuck.id, row); });
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "failed") << "a run left running without a run folder is stuck after a restart";
}

TEST_F(ServiceTest, FileThatStopsCompilingKeepsItsLastGoodPipeline) {
  Write("p.etl", kOneSchema + TinyPipeline("evolving"));
  ManualClock clock(kT0);
  ServiceOptions options = Options();
  auto service = StartService(clock, options);
  const ProjectPipeline* good = service->Snapshot()->Find("evolving");
  ASSERT_NE(good, nullptr);
  std::string good_hash = good->plan_hash;
  EXPECT_TRUE(good->compiles);
  Write("p.etl", kOneSchema + "pipeline evolving {\n  from generate(count: 1, schema: One, seed: 1) | into\n}\n");
  Poll(*service, clock, options);
  auto snapshot = service->Snapshot();
  const ProjectPipeline* kept = snapshot->Find("evolving");
  ASSERT_NE(kept, nullptr) << "the pipeline disappeared with its file's errors";
  EXPECT_FALSE(kept->compiles);
  ASSERT_TRUE(snapshot->files.count("p.etl"));
  EXPECT_FALSE(snapshot->files.at("p.etl").compiles);
  EXPECT_GT(snapshot->files.at("p.etl").errors, 0u);
  runtime::StoredRun run = Trigger(*service, "evolving");
  auto runs = WaitRuns(*service, "evolving", 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].plan_hash, good_hash);
  EXPECT_EQ(runs[0].status, "succeeded") << runs[0].failure;
  // A fixed file with another plan replaces it (the hash tells plans apart).
  Write("p.etl", kOneSchema + "pipeline evolving {\n  from generate(count: 3, schema: One, seed: 1) | into "
                              "jsonl(\"out/evolving.jsonl\")\n}\n");
  Poll(*service, clock, options);
  const ProjectPipeline* fixed = service->Snapshot()->Find("evolving");
  ASSERT_NE(fixed, nullptr);
  EXPECT_TRUE(fixed->compiles);
  EXPECT_NE(fixed->plan_hash, good_hash);
}

}  // namespace
}  // namespace etl::server
