// The run store on both backends (SQLite and the test PostgreSQL server, tests/unit/
// run_store_backends.h): reopening without migrating again, a newer schema refused, a run's
// life (begin, list, finish with step metrics), events and errors round trips (also past
// one INSERT's rows), the event recorder's batching, resume (ReopenRun, attempts), gc
// (DeleteRunsFinishedBefore) and step state. SQLite only: WAL mode, files that are not a
// usable database. PostgreSQL only: runtime_run_store_postgres_test.cpp.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/run_store.h"
#include "tests/unit/run_store_backends.h"

namespace etl::runtime {
namespace {

namespace fs = std::filesystem;

// A run as `etlc run` begins it.
StoredRun NewRun(const std::string& id, const std::string& pipeline, int64_t started_us) {
  StoredRun run;
  run.id = id;
  run.pipeline = pipeline;
  run.source_file = "x.etl";
  run.plan_json = "{\"version\":1}";
  run.plan_hash = "0123456789abcdef";
  run.params_json = "{\"min\":10.0}";
  run.status = "running";
  run.started_us = started_us;
  return run;
}

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_run_store_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Db() const { return RunStorePath(dir_.string()); }

  std::unique_ptr<RunStore> Open() {
    std::string error;
    auto store = OpenSqliteRunStore(Db(), error);
    EXPECT_NE(store, nullptr) << error;
    EXPECT_EQ(error, "");
    return store;
  }

  // A single integer from an SQL query on the file, read with a separate connection.
  int64_t Query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(Db().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    int64_t value = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  static StoredRun Run(const std::string& id, const std::string& pipeline, int64_t started_us) {
    return NewRun(id, pipeline, started_us);
  }

  fs::path dir_;
};

RunEvent Event(int64_t time_us, const std::string& name, LogLevel level = LogLevel::Info,
               const std::string& step = "") {
  RunEvent event;
  event.time_us = time_us;
  event.level = level;
  event.run = "r";
  event.pipeline = "p";
  event.step = step;
  event.event = name;
  return event;
}

TEST_F(RunStoreTest, CreatesTheSchemaInWalMode) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Db(), (dir_ / "etl.db").string());
  EXPECT_EQ(Query("SELECT max(version) FROM schema_version"), kRunStoreSchemaVersion);
  EXPECT_EQ(Query("SELECT count(*) FROM schema_version"), kRunStoreSchemaVersion);
  for (const char* table : {"runs", "step_metrics", "events", "errors"}) {
    EXPECT_EQ(Query(std::string("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='") + table + "'"),
              1)
        << table;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Db().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(RunStoreTest, ACorruptFileIsAnErrorNamingIt) {
  std::ofstream(Db(), std::ios::binary) << std::string(8192, 'x');
  std::string error;
  EXPECT_EQ(OpenSqliteRunStore(Db(), error), nullptr);
  EXPECT_NE(error.find("cannot open run store `" + Db() + "`"), std::string::npos) << error;
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;
}

TEST_F(RunStoreTest, AFolderThatCannotHoldItIsAnError) {
  // A path under a regular file cannot be created, whoever runs the test (root too).
  std::ofstream(dir_ / "file") << "x";
  std::string path = (dir_ / "file" / "etl.db").string();
  std::string error;
  EXPECT_EQ(OpenSqliteRunStore(path, error), nullptr);
  EXPECT_NE(error.find("cannot open run store `" + path + "`"), std::string::npos) << error;
}

// The tests every backend must pass: the same expectations on SQLite and PostgreSQL.
class RunStoreBackendTest : public ::testing::TestWithParam<testing::StoreBackend> {
 protected:
  RunStoreBackendTest() : backend_(GetParam()) {}

  void SetUp() override {
    if (GetParam() == testing::StoreBackend::Postgres) {
      ASSERT_FALSE(backend_.Schema()->Server().empty());
    }
  }

  std::unique_ptr<RunStore> Open() { return backend_.Open(); }

  // Runs `sql` with a separate connection (the SQLite file, or the test's schema).
  void Sql(const std::string& sql) {
    if (backend_.Backend() == testing::StoreBackend::Postgres) {
      EXPECT_EQ(testing::PgTestExec(backend_.Schema()->Url(), sql), "") << sql;
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(RunStorePath(backend_.StateDir()).c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    EXPECT_EQ(rc, SQLITE_OK) << text;
  }

  // A single integer from an SQL query, read with a separate connection.
  int64_t Query(const std::string& sql) {
    if (backend_.Backend() == testing::StoreBackend::Postgres) {
      std::string value = testing::PgTestQuery(backend_.Schema()->Url(), sql);
      return value.empty() ? -1 : std::stoll(value);
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(RunStorePath(backend_.StateDir()).c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    int64_t value = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  static StoredRun Run(const std::string& id, const std::string& pipeline, int64_t started_us) {
    return NewRun(id, pipeline, started_us);
  }

  testing::TestStoreBackend backend_;
};

TEST_P(RunStoreBackendTest, ReopeningKeepsRunsAndDoesNotMigrateAgain) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(store->BeginRun(Run("r1", "p", 1000)), std::nullopt);
  }
  for (int i = 0; i < 2; ++i) {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    std::vector<StoredRun> runs;
    ASSERT_EQ(store->ListRuns({}, runs), std::nullopt);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].id, "r1");
  }
  EXPECT_EQ(Query("SELECT count(*) FROM schema_version"), kRunStoreSchemaVersion);
  EXPECT_EQ(Query("SELECT max(version) FROM schema_version"), kRunStoreSchemaVersion);
}

TEST_P(RunStoreBackendTest, ANewerSchemaIsRefused) {
  ASSERT_NE(Open(), nullptr);
  Sql("INSERT INTO schema_version VALUES (99)");
  std::string error;
  EXPECT_EQ(OpenRunStore(backend_.Store(), backend_.StateDir(), error), nullptr);
  EXPECT_NE(error.find("schema version 99 is newer"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot open run store `"), std::string::npos) << error;
}

TEST_P(RunStoreBackendTest, BeginListFinish) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(Run("a", "p", 1'000'000)), std::nullopt);
  ASSERT_EQ(store->BeginRun(Run("b", "q", 3'000'000)), std::nullopt);
  ASSERT_EQ(store->BeginRun(Run("c", "p", 2'000'000)), std::nullopt);
  EXPECT_NE(store->BeginRun(Run("a", "p", 1)), std::nullopt);  // the id is the key

  RunEnd end;
  end.status = "failed";
  end.failure = "`raw`: in.csv: no such file";
  end.finished_us = 1'500'000;
  end.rows_in = 7;
  end.errors = 2;
  StepMetrics raw;
  raw.step = "raw";
  raw.kind = ir::NodeKind::Source;
  raw.name = "csv";
  raw.rows_in = 7;
  raw.rows_out = 5;
  raw.errors = 2;
  raw.busy_us = 42;
  StepMetrics keep = raw;
  keep.step = "keep";
  keep.kind = ir::NodeKind::Filter;
  keep.name = "filter";
  keep.rows_in = 5;
  keep.rows_out = 3;
  keep.filtered = 2;
  keep.errors = 0;
  end.steps = {raw, keep};
  ASSERT_EQ(store->FinishRun("a", end), std::nullopt);
  EXPECT_NE(store->FinishRun("nope", end), std::nullopt);

  std::vector<StoredRun> runs;
  ASSERT_EQ(store->ListRuns({}, runs), std::nullopt);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].id, "b");
  EXPECT_EQ(runs[1].id, "c");
  EXPECT_EQ(runs[2].id, "a");
  EXPECT_EQ(runs[2].status, "failed");
  EXPECT_EQ(runs[2].failure, "`raw`: in.csv: no such file");
  EXPECT_EQ(runs[2].finished_us, 1'500'000);
  EXPECT_EQ(runs[2].rows_in, 7u);
  EXPECT_EQ(runs[2].errors, 2u);
  EXPECT_EQ(runs[2].params_json, "{\"min\":10.0}");
  EXPECT_EQ(runs[2].plan_hash, "0123456789abcdef");
  EXPECT_EQ(runs[1].status, "running");
  EXPECT_EQ(runs[1].finished_us, std::nullopt);

  ASSERT_EQ(store->ListRuns({.limit = 1, .pipeline = "p"}, runs), std::nullopt);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, "c");
  ASSERT_EQ(store->ListRuns({.limit = 0, .pipeline = "p"}, runs), std::nullopt);
  EXPECT_EQ(runs.size(), 2u);

  std::optional<StoredRun> one;
  ASSERT_EQ(store->GetRun("b", one), std::nullopt);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->pipeline, "q");
  ASSERT_EQ(store->GetRun("zzz", one), std::nullopt);
  EXPECT_FALSE(one);

  std::vector<StepMetrics> steps;
  ASSERT_EQ(store->StepMetricsOf("a", steps), std::nullopt);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].step, "raw");
  EXPECT_EQ(steps[0].kind, ir::NodeKind::Source);
  EXPECT_EQ(steps[0].busy_us, 42);
  EXPECT_EQ(steps[1].step, "keep");
  EXPECT_EQ(steps[1].kind, ir::NodeKind::Filter);
  EXPECT_EQ(steps[1].filtered, 2u);
  EXPECT_EQ(steps[1].rows_out, 3u);
}

TEST_P(RunStoreBackendTest, EventsAndErrorsRoundTrip) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(Run("r", "p", 1)), std::nullopt);
  RunEvent started = Event(10, "run_started");
  started.fields.emplace_back("workers", ast::Value::Int(2));
  RunEvent failed = Event(20, "record_failed", LogLevel::Warn, "raw");
  failed.fields.emplace_back("code", ast::Value::String("csv_type"));
  failed.fields.emplace_back("message", ast::Value::String("say \"hi\""));
  ASSERT_EQ(store->AddEvents("r", {started, failed}), std::nullopt);
  std::vector<StoredEvent> events;
  ASSERT_EQ(store->EventsOf("r", events), std::nullopt);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "run_started");
  EXPECT_EQ(events[0].level, "info");
  EXPECT_EQ(events[0].step, "");
  EXPECT_EQ(events[0].fields_json, "{\"workers\":2}");
  EXPECT_EQ(events[1].time_us, 20);
  EXPECT_EQ(events[1].level, "warn");
  EXPECT_EQ(events[1].step, "raw");
  EXPECT_EQ(events[1].fields_json, "{\"code\":\"csv_type\",\"message\":\"say \\\"hi\\\"\"}");

  StoredError a{"raw", "csv_type", "bad", "\"3,x\"", "in.csv", 4, 99};
  StoredError b{"m", "overflow", "too big", "{\"id\":1}", std::nullopt, std::nullopt, 100};
  ASSERT_EQ(store->AddErrors("r", {a, b}), std::nullopt);
  std::vector<StoredError> errors;
  ASSERT_EQ(store->ErrorsOf("r", errors), std::nullopt);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].source, "in.csv");
  EXPECT_EQ(errors[0].line, 4);
  EXPECT_EQ(errors[0].record, "\"3,x\"");
  EXPECT_EQ(errors[0].at_us, 99);
  EXPECT_EQ(errors[1].code, "overflow");
  EXPECT_EQ(errors[1].source, std::nullopt);
  EXPECT_EQ(errors[1].line, std::nullopt);
  EXPECT_EQ(errors[1].record, "{\"id\":1}");
  // Another run's rows are not mixed in; a row of an unknown run is refused (foreign key).
  ASSERT_EQ(store->ErrorsOf("other", errors), std::nullopt);
  EXPECT_TRUE(errors.empty());
  EXPECT_NE(store->AddErrors("other", {a}), std::nullopt);
}

TEST_P(RunStoreBackendTest, TheRecorderBuffersUntilFlushed) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(Run("r", "p", 1)), std::nullopt);
  StoreEventRecorder recorder(*store, "r", std::chrono::hours(1));
  for (int i = 0; i < 100; ++i) recorder.OnEvent(Event(i, "step_started"));
  std::vector<StoredEvent> events;
  ASSERT_EQ(store->EventsOf("r", events), std::nullopt);
  EXPECT_TRUE(events.empty());  // nothing written before the interval or Flush
  recorder.Flush();
  EXPECT_EQ(recorder.LastError(), std::nullopt);
  ASSERT_EQ(store->EventsOf("r", events), std::nullopt);
  ASSERT_EQ(events.size(), 100u);
  EXPECT_EQ(events[99].time_us, 99);

  // With a zero interval every event is written when it comes.
  StoreEventRecorder eager(*store, "r", std::chrono::milliseconds(0));
  eager.OnEvent(Event(500, "run_finished"));
  ASSERT_EQ(store->EventsOf("r", events), std::nullopt);
  EXPECT_EQ(events.size(), 101u);

  // A failed write is kept and reported, not thrown.
  StoreEventRecorder orphan(*store, "no-such-run", std::chrono::hours(1));
  orphan.OnEvent(Event(1, "run_started"));
  orphan.Flush();
  EXPECT_NE(orphan.LastError(), std::nullopt);
}


std::vector<std::string> Ids(RunStore& store) {
  std::vector<StoredRun> runs;
  RunQuery all;
  all.limit = 0;
  EXPECT_EQ(store.ListRuns(all, runs), std::nullopt);
  std::vector<std::string> ids;
  for (const auto& run : runs) ids.push_back(run.id);
  return ids;
}

TEST_P(RunStoreBackendTest, TiesOnStartOrderByIdBytewise) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  // Bytewise, "B" < "_" < "a"; a locale's collation would put them otherwise.
  for (const char* id : {"a", "B", "_"}) ASSERT_EQ(store->BeginRun(Run(id, "p", 5)), std::nullopt);
  EXPECT_EQ(Ids(*store), (std::vector<std::string>{"a", "_", "B"}));
}

TEST_P(RunStoreBackendTest, TextSurvivesExactly) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  StoredRun run = Run("r", "p", 1);
  run.params_json = "{\"s\":\"quote ' dollar $1 backslash \\\\ tab\\t \u00e9\u4e2d \"}";
  run.failure = "line1\nline2 'x' \"y\" é中";
  ASSERT_EQ(store->BeginRun(run), std::nullopt);
  std::optional<StoredRun> back;
  ASSERT_EQ(store->GetRun("r", back), std::nullopt);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->params_json, run.params_json);
  EXPECT_EQ(back->failure, run.failure);
  EXPECT_EQ(back->started_us, 1);
  EXPECT_EQ(back->attempts, 1);
  // Times are 64-bit microseconds.
  StoredRun late = Run("late", "p", INT64_C(4102444800000000));  // 2100-01-01
  ASSERT_EQ(store->BeginRun(late), std::nullopt);
  ASSERT_EQ(store->GetRun("late", back), std::nullopt);
  EXPECT_EQ(back->started_us, INT64_C(4102444800000000));

  // Batches too: quotes, backslashes, braces, commas, the word NULL and real nulls.
  StoredError tricky{"s", "NULL", "a \"b\" \\ c", "{\"a\":[1,2],\"b\":\"{x}\"}",
                     std::string("NULL"), std::nullopt, -5};
  StoredError plain{"", "", "", "", std::nullopt, INT64_C(-1), 0};
  ASSERT_EQ(store->AddErrors("r", {tricky, plain}), std::nullopt);
  std::vector<StoredError> errors;
  ASSERT_EQ(store->ErrorsOf("r", errors), std::nullopt);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, "NULL");
  EXPECT_EQ(errors[0].message, tricky.message);
  EXPECT_EQ(errors[0].record, tricky.record);
  EXPECT_EQ(errors[0].source, "NULL");
  EXPECT_EQ(errors[0].line, std::nullopt);
  EXPECT_EQ(errors[0].at_us, -5);
  EXPECT_EQ(errors[1].step, "");
  EXPECT_EQ(errors[1].source, std::nullopt);
  EXPECT_EQ(errors[1].line, -1);
}

TEST_P(RunStoreBackendTest, LargeBatchesKeepTheirOrderInOneTransaction) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(Run("r", "p", 1)), std::nullopt);
  std::vector<StoredError> errors;
  for (int i = 0; i < 1234; ++i) {
    errors.push_back(StoredError{"s", "c", "m" + std::to_string(i), "{}", std::nullopt,
                                 i % 2 == 0 ? std::optional<int64_t>(i) : std::nullopt, i});
  }
  ASSERT_EQ(store->AddErrors("r", errors), std::nullopt);
  std::vector<StoredError> back;
  ASSERT_EQ(store->ErrorsOf("r", back), std::nullopt);
  ASSERT_EQ(back.size(), errors.size());
  for (size_t i = 0; i < back.size(); ++i) {
    ASSERT_EQ(back[i].message, errors[i].message);
    ASSERT_EQ(back[i].line, errors[i].line);
  }
  // A batch with one bad row (an unknown run) stores none of its rows.
  EXPECT_NE(store->AddErrors("no-such-run", errors), std::nullopt);
  EXPECT_EQ(Query("SELECT count(*) FROM errors"), 1234);
  // The store is usable after a failed transaction.
  ASSERT_EQ(store->AddErrors("r", {errors[0]}), std::nullopt);
  EXPECT_EQ(Query("SELECT count(*) FROM errors"), 1235);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunStoreBackendTest,
                         ::testing::Values(testing::StoreBackend::Sqlite, testing::StoreBackend::Postgres),
                         testing::BackendParamName);

}  // namespace
}  // namespace etl::runtime
