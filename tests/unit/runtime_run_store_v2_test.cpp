// The run store's schema version 2 (issue 4): a version-1 SQLite database migrates keeping
// its runs; on both backends (SQLite and the test PostgreSQL server, run_store_backends.h)
// ReopenRun (resume) counts attempts and clears the end, DeleteRunsFinishedBefore (gc)
// deletes only finished runs before the cutoff with their rows, step state round trips.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/run_store.h"
#include "tests/unit/run_store_backends.h"

namespace etl::runtime {
namespace {

namespace fs = std::filesystem;

// The schema of version 1 exactly as the first run store wrote it (runtime/run_store.cpp,
// migration 1), so the test does not depend on the migration code it checks.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE runs (id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, source_file TEXT NOT NULL,
  plan_json TEXT NOT NULL, plan_hash TEXT NOT NULL, params_json TEXT NOT NULL, status TEXT NOT NULL,
  failure TEXT NOT NULL DEFAULT '', started_at INTEGER NOT NULL, finished_at INTEGER,
  rows_in INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_by_start ON runs (started_at DESC, id DESC);
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at DESC);
CREATE TABLE step_metrics (run_id TEXT NOT NULL REFERENCES runs (id), seq INTEGER NOT NULL,
  step TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, rows_in INTEGER NOT NULL,
  rows_out INTEGER NOT NULL, filtered INTEGER NOT NULL, errors INTEGER NOT NULL,
  busy_us INTEGER NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE events (run_id TEXT NOT NULL REFERENCES runs (id), time INTEGER NOT NULL,
  level TEXT NOT NULL, step TEXT NOT NULL, event TEXT NOT NULL, fields_json TEXT NOT NULL);
CREATE INDEX events_by_run ON events (run_id);
CREATE TABLE errors (run_id TEXT NOT NULL REFERENCES runs (id), step TEXT NOT NULL,
  code TEXT NOT NULL, message TEXT NOT NULL, record TEXT NOT NULL, source TEXT, line INTEGER,
  at INTEGER NOT NULL);
CREATE INDEX errors_by_run ON errors (run_id);
INSERT INTO runs VALUES ('old1', 'p', 'x.etl', '{}', '0123456789abcdef', '{}', 'succeeded', '', 1000, 2000, 7, 1);
INSERT INTO runs VALUES ('old2', 'p', 'x.etl', '{}', '0123456789abcdef', '{}', 'running', '', 3000, NULL, 0, 0);
INSERT INTO step_metrics VALUES ('old1', 0, 'raw', 'source', 'csv', 7, 7, 0, 0, 10);
INSERT INTO events VALUES ('old1', 1500, 'info', '', 'run_started', '{"workers":2}');
INSERT INTO errors VALUES ('old1', 'clean', 'cast_error', 'bad', '{"x":1}', 'in.csv', 3, 1600);
)sql";

StoredRun NewRun(const std::string& id, int64_t started_us) {
  StoredRun run;
  run.id = id;
  run.pipeline = "p";
  run.source_file = "x.etl";
  run.plan_json = "{}";
  run.plan_hash = "0123456789abcdef";
  run.params_json = "{}";
  run.status = "running";
  run.started_us = started_us;
  return run;
}

// Begins a run and ends it with `status` at `finished_us`, with one step's metrics, an
// event and an error record.
void FinishedRun(RunStore& store, const std::string& id, int64_t started_us, int64_t finished_us,
                 const std::string& status = "succeeded") {
  ASSERT_EQ(store.BeginRun(NewRun(id, started_us)), std::nullopt);
  RunEvent event;
  event.time_us = started_us;
  event.run = id;
  event.pipeline = "p";
  event.event = "run_started";
  ASSERT_EQ(store.AddEvents(id, {event}), std::nullopt);
  StoredError error{"clean", "cast_error", "bad", "{\"x\":1}", std::nullopt, std::nullopt, started_us};
  ASSERT_EQ(store.AddErrors(id, {error}), std::nullopt);
  RunEnd end;
  end.status = status;
  end.failure = status == "succeeded" ? "" : "it broke";
  end.finished_us = finished_us;
  StepMetrics m;
  m.step = "raw";
  m.kind = ir::NodeKind::Source;
  m.name = "csv";
  end.steps = {m};
  ASSERT_EQ(store.FinishRun(id, end), std::nullopt);
}

// The ids of every run, newest first.
std::vector<std::string> Ids(RunStore& store) {
  std::vector<StoredRun> runs;
  EXPECT_EQ(store.ListRuns(RunQuery{0, std::nullopt}, runs), std::nullopt);
  std::vector<std::string> ids;
  for (const auto& run : runs) ids.push_back(run.id);
  return ids;
}

// SQLite only: a file written by the version-1 schema.
class RunStoreV2 : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_run_store_v2_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Db() const { return RunStorePath(dir_.string()); }

  std::unique_ptr<RunStore> Open() {
    std::string error;
    auto store = OpenRunStore("", dir_.string(), error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  // Runs `sql` on the file with a separate connection.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Db().c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << text;
  }

  fs::path dir_;
};

// Both backends.
class RunStoreV2Backends : public ::testing::TestWithParam<testing::StoreBackend> {
 protected:
  RunStoreV2Backends() : backend_(GetParam()) {}
  std::unique_ptr<RunStore> Open() { return backend_.Open(); }

  testing::TestStoreBackend backend_;
};

TEST_F(RunStoreV2, AVersion1DatabaseMigratesKeepingItsRuns) {
  Sql(kVersion1);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::optional<StoredRun> run;
  ASSERT_EQ(store->GetRun("old1", run), std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "succeeded");
  EXPECT_EQ(run->rows_in, 7u);
  EXPECT_EQ(run->finished_us, 2000);
  EXPECT_EQ(run->attempts, 1);
  EXPECT_EQ(Ids(*store), (std::vector<std::string>{"old2", "old1"}));
  std::vector<StepMetrics> steps;
  ASSERT_EQ(store->StepMetricsOf("old1", steps), std::nullopt);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].rows_in, 7u);
  std::vector<StoredEvent> events;
  ASSERT_EQ(store->EventsOf("old1", events), std::nullopt);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].fields_json, "{\"workers\":2}");
  std::vector<StoredError> errors;
  ASSERT_EQ(store->ErrorsOf("old1", errors), std::nullopt);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 3);

  // The new parts work on the migrated file, and a second open does not migrate again.
  ASSERT_EQ(store->ReopenRun("old2"), std::nullopt);
  ASSERT_EQ(store->PutStepState("p", "raw", "cursor", "42"), std::nullopt);
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->GetRun("old2", run), std::nullopt);
  EXPECT_EQ(run->attempts, 2);
  std::optional<std::string> value;
  ASSERT_EQ(store->GetStepState("p", "raw", "cursor", value), std::nullopt);
  EXPECT_EQ(value, "42");
}

TEST_F(RunStoreV2, ASqliteStoreDescribesItsFile) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Describe(), Db());
}

TEST_P(RunStoreV2Backends, ANewStoreStartsRunsAtOneAttempt) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(NewRun("r1", 100)), std::nullopt);
  std::optional<StoredRun> run;
  ASSERT_EQ(store->GetRun("r1", run), std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->attempts, 1);
}

TEST_P(RunStoreV2Backends, ReopenRunCountsAttemptsAndClearsTheEnd) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  FinishedRun(*store, "r1", 100, 200, "failed");
  ASSERT_EQ(store->ReopenRun("r1"), std::nullopt);
  std::optional<StoredRun> run;
  ASSERT_EQ(store->GetRun("r1", run), std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "running");
  EXPECT_EQ(run->failure, "");
  EXPECT_FALSE(run->finished_us);
  EXPECT_EQ(run->attempts, 2);
  EXPECT_EQ(run->started_us, 100);

  // The resumed attempt ends; its metrics replace the first attempt's; it can fail again.
  RunEnd end;
  end.status = "cancelled";
  end.finished_us = 300;
  StepMetrics a, b;
  a.step = "raw";
  a.rows_in = 5;
  b.step = "out";
  end.steps = {a, b};
  ASSERT_EQ(store->FinishRun("r1", end), std::nullopt);
  std::vector<StepMetrics> steps;
  ASSERT_EQ(store->StepMetricsOf("r1", steps), std::nullopt);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].rows_in, 5u);
  ASSERT_EQ(store->ReopenRun("r1"), std::nullopt);
  ASSERT_EQ(store->GetRun("r1", run), std::nullopt);
  EXPECT_EQ(run->attempts, 3);

  // A run left `running` by a killed process can be reopened too.
  ASSERT_EQ(store->BeginRun(NewRun("killed", 400)), std::nullopt);
  ASSERT_EQ(store->ReopenRun("killed"), std::nullopt);
  ASSERT_EQ(store->GetRun("killed", run), std::nullopt);
  EXPECT_EQ(run->attempts, 2);
}

TEST_P(RunStoreV2Backends, ReopenRunRefusesUnknownAndSucceededRuns) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto error = store->ReopenRun("nope");
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("no run `nope`"), std::string::npos) << *error;
  FinishedRun(*store, "done", 100, 200);
  error = store->ReopenRun("done");
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("succeeded"), std::string::npos) << *error;
  std::optional<StoredRun> run;
  ASSERT_EQ(store->GetRun("done", run), std::nullopt);
  EXPECT_EQ(run->status, "succeeded");
  EXPECT_EQ(run->attempts, 1);
}

TEST_P(RunStoreV2Backends, GcDeletesOnlyRunsFinishedBeforeTheCutoffWithTheirRows) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  FinishedRun(*store, "old_ok", 100, 200);
  FinishedRun(*store, "old_failed", 150, 250, "failed");
  FinishedRun(*store, "at_cutoff", 300, 1000);
  FinishedRun(*store, "new", 900, 2000);
  ASSERT_EQ(store->BeginRun(NewRun("running_old", 50)), std::nullopt);  // never finished
  FinishedRun(*store, "resumed", 60, 70, "failed");
  ASSERT_EQ(store->ReopenRun("resumed"), std::nullopt);  // running again: kept

  std::vector<std::string> deleted;
  ASSERT_EQ(store->DeleteRunsFinishedBefore(1000, deleted), std::nullopt);
  EXPECT_EQ(deleted, (std::vector<std::string>{"old_ok", "old_failed"}));
  EXPECT_EQ(Ids(*store), (std::vector<std::string>{"new", "at_cutoff", "resumed", "running_old"}));
  for (const char* id : {"old_ok", "old_failed"}) {
    std::vector<StepMetrics> steps;
    std::vector<StoredEvent> events;
    std::vector<StoredError> errors;
    ASSERT_EQ(store->StepMetricsOf(id, steps), std::nullopt);
    ASSERT_EQ(store->EventsOf(id, events), std::nullopt);
    ASSERT_EQ(store->ErrorsOf(id, errors), std::nullopt);
    EXPECT_TRUE(steps.empty() && events.empty() && errors.empty()) << id;
  }
  std::vector<StoredEvent> events;
  ASSERT_EQ(store->EventsOf("new", events), std::nullopt);
  EXPECT_EQ(events.size(), 1u);

  // Idempotent: nothing more to delete at the same cutoff.
  ASSERT_EQ(store->DeleteRunsFinishedBefore(1000, deleted), std::nullopt);
  EXPECT_TRUE(deleted.empty());
  // A later cutoff takes the rest of the finished runs, never the running ones.
  ASSERT_EQ(store->DeleteRunsFinishedBefore(1'000'000, deleted), std::nullopt);
  EXPECT_EQ(deleted, (std::vector<std::string>{"at_cutoff", "new"}));
  EXPECT_EQ(Ids(*store), (std::vector<std::string>{"resumed", "running_old"}));
}

TEST_P(RunStoreV2Backends, StepStatePutGetReplace) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::optional<std::string> value = "stale";
  ASSERT_EQ(store->GetStepState("p", "raw", "cursor", value), std::nullopt);
  EXPECT_FALSE(value);
  ASSERT_EQ(store->PutStepState("p", "raw", "cursor", "2024-01-01"), std::nullopt);
  ASSERT_EQ(store->PutStepState("p", "raw", "other", "x"), std::nullopt);
  ASSERT_EQ(store->PutStepState("q", "raw", "cursor", "q's"), std::nullopt);
  ASSERT_EQ(store->PutStepState("p", "raw", "cursor", "2024-02-01"), std::nullopt);
  ASSERT_EQ(store->GetStepState("p", "raw", "cursor", value), std::nullopt);
  EXPECT_EQ(value, "2024-02-01");
  ASSERT_EQ(store->GetStepState("p", "raw", "other", value), std::nullopt);
  EXPECT_EQ(value, "x");
  ASSERT_EQ(store->GetStepState("q", "raw", "cursor", value), std::nullopt);
  EXPECT_EQ(value, "q's");
  ASSERT_EQ(store->GetStepState("p", "clean", "cursor", value), std::nullopt);
  EXPECT_FALSE(value);
  // Kept across connections, and gc does not touch it.
  std::vector<std::string> deleted;
  ASSERT_EQ(store->DeleteRunsFinishedBefore(INT64_MAX, deleted), std::nullopt);
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->GetStepState("p", "raw", "cursor", value), std::nullopt);
  EXPECT_EQ(value, "2024-02-01");
}

INSTANTIATE_TEST_SUITE_P(Backends, RunStoreV2Backends,
                         ::testing::Values(testing::StoreBackend::Sqlite, testing::StoreBackend::Postgres),
                         testing::BackendParamName);

}  // namespace
}  // namespace etl::runtime
