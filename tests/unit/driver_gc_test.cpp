// `etlc gc --keep DURATION` (in-process): real runs, some made old by rewriting their end
// through the store; only runs finished before the cutoff go, with their folders; running
// runs stay whatever their age; --dry-run, --verbose, json, idempotence, bad durations.
// And logs, errors and gc on the test PostgreSQL server (--store and ETL_STORE).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/unit/driver_history_util.h"
#include "tests/unit/run_store_backends.h"

namespace etl::driver {
namespace {

using test::Etlc;
using test::HistoryTest;
using test::Result;

constexpr int64_t kDayUs = 86'400'000'000;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DriverGc : public HistoryTest {
 protected:
  // Moves the end of run `id` `days` days into the past (its status stays).
  void Age(const std::string& id, int64_t days) {
    auto store = Store();
    ASSERT_NE(store, nullptr);
    std::optional<runtime::StoredRun> run;
    ASSERT_EQ(store->GetRun(id, run), std::nullopt);
    ASSERT_TRUE(run);
    runtime::RunEnd end;
    end.status = run->status;
    end.failure = run->failure;
    end.finished_us = NowUs() - days * kDayUs;
    end.rows_in = run->rows_in;
    end.errors = run->errors;
    ASSERT_EQ(store->StepMetricsOf(id, end.steps), std::nullopt);
    ASSERT_EQ(store->FinishRun(id, end), std::nullopt);
  }

  // A run left `running` (its process was killed), started `days` ago, with a folder.
  std::string Killed(int64_t days) {
    runtime::StoredRun run;
    run.id = "20000101T000000Z-dead00";
    run.pipeline = "p";
    run.source_file = P("orders.etl");
    run.plan_json = "{}";
    run.plan_hash = "0123456789abcdef";
    run.params_json = "{}";
    run.status = "running";
    run.started_us = NowUs() - days * kDayUs;
    auto store = Store();
    EXPECT_NE(store, nullptr);
    if (store) {
      EXPECT_EQ(store->BeginRun(run), std::nullopt);
    }
    std::filesystem::create_directories(RunDir(run.id));
    Write("state/runs/" + run.id + "/log.jsonl", "");
    return run.id;
  }

  std::vector<std::string> StoredIds() {
    auto store = Store();
    std::vector<runtime::StoredRun> runs;
    EXPECT_EQ(store->ListRuns(runtime::RunQuery{0, std::nullopt}, runs), std::nullopt);
    std::vector<std::string> ids;
    for (const auto& run : runs) ids.push_back(run.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

TEST_F(DriverGc, DeletesOnlyRunsThatFinishedBeforeTheCutoffWithTheirFolders) {
  std::string old_ok = RunPipeline();
  std::string old_failed = RunPipeline({"--max-errors", "0"});
  std::string recent = RunPipeline();
  std::string killed = Killed(100);
  ASSERT_FALSE(old_ok.empty() || old_failed.empty() || recent.empty());
  Age(old_ok, 40);
  Age(old_failed, 31);
  Age(recent, 29);
  ASSERT_TRUE(std::filesystem::exists(RunDir(old_ok) / "log.jsonl"));
  ASSERT_TRUE(std::filesystem::exists(RunDir(old_ok) / "errors.jsonl"));

  Result r = Etlc({"gc", "--keep", "30d", "--state-dir", State(), "--verbose"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.rfind("deleted 2 runs that finished before ", 0), 0u) << r.out;
  // Oldest end first.
  EXPECT_NE(r.out.find("\n  " + old_ok + "\n  " + old_failed + "\n"), std::string::npos) << r.out;
  std::vector<std::string> kept = {recent, killed};
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(StoredIds(), kept);
  EXPECT_FALSE(std::filesystem::exists(RunDir(old_ok)));
  EXPECT_FALSE(std::filesystem::exists(RunDir(old_failed)));
  EXPECT_TRUE(std::filesystem::exists(RunDir(recent) / "log.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(RunDir(killed) / "log.jsonl"));
  // The store has nothing of them left: logs and errors say so.
  EXPECT_EQ(Etlc({"logs", old_ok, "--state-dir", State()}).code, kExitUsage);
  EXPECT_EQ(Etlc({"errors", old_failed, "--state-dir", State()}).code, kExitUsage);
  EXPECT_EQ(Etlc({"errors", recent, "--state-dir", State()}).code, kExitOk);

  // Idempotent.
  Result again = Etlc({"gc", "--keep", "30d", "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(again.code, kExitOk) << again.err;
  auto json = nlohmann::json::parse(again.out);
  EXPECT_EQ(json["deleted"], 0);
  EXPECT_TRUE(json["ids"].empty());
  EXPECT_EQ(json["dry_run"], false);
  EXPECT_EQ(StoredIds(), kept);
}

TEST_F(DriverGc, DryRunDeletesNothingAndJsonListsTheIds) {
  std::string a = RunPipeline();
  std::string b = RunPipeline();
  ASSERT_FALSE(a.empty() || b.empty());
  Age(a, 2);
  Result dry = Etlc({"gc", "--keep", "36h", "--state-dir", State(), "--dry-run"});
  ASSERT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_EQ(dry.out.rfind("would delete 1 run that finished before ", 0), 0u) << dry.out;
  EXPECT_NE(dry.out.find("\n  " + a + "\n"), std::string::npos) << dry.out;
  EXPECT_EQ(StoredIds().size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(RunDir(a)));

  Result json = Etlc({"gc", "--keep", "90m", "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["deleted"], 1);
  EXPECT_EQ(doc["ids"], nlohmann::json::array({a}));
  EXPECT_EQ(doc["cutoff"].get<std::string>().size(), 24u);
  EXPECT_EQ(StoredIds(), std::vector<std::string>{b});
  EXPECT_FALSE(std::filesystem::exists(RunDir(a)));

  // --keep 0s: every finished run.
  Result all = Etlc({"gc", "--keep", "0s", "--state-dir", State()});
  ASSERT_EQ(all.code, kExitOk) << all.err;
  EXPECT_EQ(all.out.rfind("deleted 1 run ", 0), 0u) << all.out;
  EXPECT_TRUE(StoredIds().empty());
}

TEST_F(DriverGc, RemovesJitCodeUnusedSinceTheCutoff) {
  namespace fs = std::filesystem;
  std::string cache = State() + "/jit-cache";
  fs::create_directories(cache);
  Write("state/jit-cache/old.o", "object");
  Write("state/jit-cache/recent.o", "object");
  Write("state/jit-cache/notes.txt", "not a cache entry");
  auto long_ago = fs::file_time_type::clock::now() - std::chrono::hours(24 * 40);
  fs::last_write_time(cache + "/old.o", long_ago);
  fs::last_write_time(cache + "/notes.txt", long_ago);

  Result dry = Etlc({"gc", "--keep", "30d", "--state-dir", State(), "--dry-run"});
  ASSERT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_NE(dry.out.find("would delete 1 JIT cache entry unused since then"), std::string::npos) << dry.out;
  EXPECT_TRUE(fs::exists(cache + "/old.o"));

  Result r = Etlc({"gc", "--keep", "30d", "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["jit_cache_entries"], 1) << r.out;
  EXPECT_FALSE(fs::exists(cache + "/old.o"));
  EXPECT_TRUE(fs::exists(cache + "/recent.o"));
  EXPECT_TRUE(fs::exists(cache + "/notes.txt"));
}

TEST_F(DriverGc, BadDurationsAndNoStore) {
  for (const char* bad : {"30", "30x", "d", "-1d", ""}) {
    Result r = Etlc({"gc", "--keep", bad, "--state-dir", State()});
    EXPECT_EQ(r.code, kExitUsage) << bad;
    EXPECT_NE(r.err.find("expected a duration like 30d, 12h or 90m"), std::string::npos) << r.err;
  }
  Result missing = Etlc({"gc", "--state-dir", State()});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("--keep DURATION is required"), std::string::npos) << missing.err;
  EXPECT_EQ(Etlc({"gc", "--keep", "1d", "extra"}).code, kExitUsage);

  Result none = Etlc({"gc", "--keep", "1d", "--state-dir", State()});
  ASSERT_EQ(none.code, kExitOk) << none.err;
  EXPECT_EQ(none.out.rfind("deleted 0 runs ", 0), 0u) << none.out;
  EXPECT_FALSE(std::filesystem::exists(State()));
}

TEST_F(DriverGc, LogsErrorsAndGcOnAPostgresStore) {
  etl::testing::PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  const std::string url = schema.Url();
  Result run = Etlc({"run", P("orders.etl"), "--state-dir", State(), "--store", url, "--quiet"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_FALSE(std::filesystem::exists(runtime::RunStorePath(State())));  // no SQLite store

  ASSERT_EQ(::setenv("ETL_STORE", url.c_str(), 1), 0);
  Result logs = Etlc({"logs", "last", "--state-dir", State(), "--format", "json"});
  Result errors = Etlc({"errors", "last", "--state-dir", State(), "--format", "json"});
  Result dry = Etlc({"gc", "--keep", "0s", "--state-dir", State(), "--dry-run", "--format", "json"});
  ::unsetenv("ETL_STORE");
  ASSERT_EQ(logs.code, kExitOk) << logs.err;
  auto first = nlohmann::json::parse(Lines(logs.out).front());
  const std::string id = first["run"];
  EXPECT_EQ(logs.out, ReadFile(RunDir(id) / "log.jsonl"));
  ASSERT_EQ(errors.code, kExitOk) << errors.err;
  EXPECT_EQ(Lines(errors.out).size(), 3u) << errors.out;
  ASSERT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_EQ(nlohmann::json::parse(dry.out)["ids"], nlohmann::json::array({id}));

  Result gc = Etlc({"gc", "--keep", "0s", "--state-dir", State(), "--store", url, "--verbose"});
  ASSERT_EQ(gc.code, kExitOk) << gc.err;
  EXPECT_NE(gc.out.find("deleted 1 run that finished before "), std::string::npos) << gc.out;
  EXPECT_FALSE(std::filesystem::exists(RunDir(id)));
  Result gone = Etlc({"logs", id, "--store", url});
  EXPECT_EQ(gone.code, kExitUsage);
  EXPECT_NE(gone.err.find("no run `" + id + "` in postgres://"), std::string::npos) << gone.err;
  EXPECT_EQ(etl::testing::PgTestQuery(schema.Server(), "SELECT count(*) FROM " + schema.Name() + ".events"), "0");

  // A server that is not there: exit 3, nothing removed.
  std::string dead = "postgres://etl@127.0.0.1:" + std::to_string(etl::testing::UnusedLoopbackPort()) + "/postgres";
  Result down = Etlc({"gc", "--keep", "0s", "--state-dir", State(), "--store", dead});
  EXPECT_EQ(down.code, kExitRunFailed);
  EXPECT_NE(down.err.find("etlc gc: error: cannot open run store `" + dead + "`"), std::string::npos) << down.err;
}

}  // namespace
}  // namespace etl::driver
