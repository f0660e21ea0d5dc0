// `etlc run` records its runs in the run store and `etlc runs` lists them (in-process):
// statuses, counts, failures, step metrics, events and error records in the store, the
// filters and formats of `etlc runs`, a store that cannot be opened, and `etlc run --store`
// / `etlc runs --store` on the test PostgreSQL server (tests/unit/run_store_backends.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/driver/cli.h"
#include "tests/unit/driver_cli_util.h"
#include "runtime/run_store.h"
#include "tests/unit/run_store_backends.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Etlc;
using test::Result;

class DriverRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_runs_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("in.csv", "id,amount\n1,5.5\n2,50.5\n3,x\n4,500.5\n");
    Write("orders.etl", "schema Order {\n  id: int\n  amount: float\n}\n\nparam min: float = 10.0\n\n"
                        "pipeline p {\n  raw = from csv(\"" + P("in.csv") +
                            "\", schema: Order)\n  raw | filter amount > min | into csv(\"" + P("out.csv") +
                            "\")\n}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string State() const { return P("state"); }

  std::unique_ptr<runtime::RunStore> Store() {
    std::string error;
    auto store = runtime::OpenSqliteRunStore(runtime::RunStorePath(State()), error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  fs::path dir_;
};

TEST_F(DriverRuns, TwoRunsAreListedNewestFirstWithStatusAndCounts) {
  Result ok = Etlc({"run", P("orders.etl"), "--state-dir", State(), "--quiet", "--param", "min=100"});
  ASSERT_EQ(ok.code, kExitOk) << ok.err;
  Result failed = Etlc({"run", P("orders.etl"), "--state-dir", State(), "--quiet", "--max-errors", "0"});
  ASSERT_EQ(failed.code, kExitRunFailed) << failed.err;
  ASSERT_TRUE(fs::exists(fs::path(State()) / "etl.db"));

  Result json = Etlc({"runs", "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  auto runs = nlohmann::json::parse(json.out);
  ASSERT_EQ(runs.size(), 2u);
  const auto& newest = runs[0];
  const auto& oldest = runs[1];
  EXPECT_EQ(newest["status"], "failed");
  EXPECT_NE(newest["failure"].get<std::string>().find("max_errors 0"), std::string::npos) << newest;
  EXPECT_EQ(oldest["status"], "succeeded");
  EXPECT_TRUE(oldest["failure"].is_null());
  EXPECT_EQ(oldest["pipeline"], "p");
  EXPECT_EQ(oldest["rows_in"], 4);
  EXPECT_EQ(oldest["errors"], 1);
  EXPECT_EQ(oldest["params"]["min"], 100.0);
  EXPECT_EQ(newest["params"]["min"], 10.0);
  EXPECT_EQ(oldest["source_file"], P("orders.etl"));
  EXPECT_EQ(oldest["plan_hash"].get<std::string>().size(), 16u);
  EXPECT_TRUE(oldest["seconds"].is_number());
  EXPECT_FALSE(oldest["finished"].is_null());
  EXPECT_LE(oldest["started"].get<std::string>(), newest["started"].get<std::string>());
  // Each run folder is named by the run's id.
  for (const auto& run : runs) {
    EXPECT_TRUE(fs::is_directory(fs::path(State()) / "runs" / run["id"].get<std::string>())) << run;
  }

  Result text = Etlc({"runs", "--state-dir", State()});
  ASSERT_EQ(text.code, kExitOk) << text.err;
  std::istringstream lines(text.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 3u) << text.out;
  EXPECT_EQ(rows[0].rfind("id", 0), 0u) << rows[0];
  EXPECT_NE(rows[0].find("rows in"), std::string::npos);
  EXPECT_EQ(rows[1].rfind(newest["id"].get<std::string>(), 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find("failed"), std::string::npos);
  EXPECT_NE(rows[1].find("max_errors 0"), std::string::npos);
  EXPECT_EQ(rows[2].rfind(oldest["id"].get<std::string>(), 0), 0u) << rows[2];
  EXPECT_NE(rows[2].find("succeeded"), std::string::npos);

  Result limited = Etlc({"runs", "--state-dir", State(), "--limit", "1", "--format", "json"});
  ASSERT_EQ(limited.code, kExitOk);
  EXPECT_EQ(nlohmann::json::parse(limited.out).size(), 1u);
  Result other = Etlc({"runs", "--state-dir", State(), "--pipeline", "q", "--format", "json"});
  ASSERT_EQ(other.code, kExitOk);
  EXPECT_TRUE(nlohmann::json::parse(other.out).empty());
}

TEST_F(DriverRuns, TheStoreHoldsStepMetricsEventsAndErrors) {
  Result ok = Etlc({"run", P("orders.etl"), "--state-dir", State(), "--quiet"});
  ASSERT_EQ(ok.code, kExitOk) << ok.err;
  auto store = Store();
  ASSERT_NE(store, nullptr);
  std::vector<runtime::StoredRun> runs;
  ASSERT_EQ(store->ListRuns({}, runs), std::nullopt);
  ASSERT_EQ(runs.size(), 1u);
  const std::string id = runs[0].id;
  EXPECT_NE(runs[0].plan_json.find("\"pipelines\""), std::string::npos);

  std::vector<runtime::StepMetrics> steps;
  ASSERT_EQ(store->StepMetricsOf(id, steps), std::nullopt);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].step, "raw");
  EXPECT_EQ(steps[0].rows_in, 4u);
  EXPECT_EQ(steps[0].rows_out, 3u);
  EXPECT_EQ(steps[0].errors, 1u);
  EXPECT_EQ(steps[1].rows_in, 3u);
  EXPECT_EQ(steps[1].rows_out, 2u);
  EXPECT_EQ(steps[1].filtered, 1u);

  std::vector<runtime::StoredEvent> events;
  ASSERT_EQ(store->EventsOf(id, events), std::nullopt);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().event, "run_started");
  EXPECT_EQ(events.back().event, "run_finished");
  EXPECT_NE(events.back().fields_json.find("\"status\":\"succeeded\""), std::string::npos)
      << events.back().fields_json;

  // The error file's record, as the file has it.
  std::vector<runtime::StoredError> errors;
  ASSERT_EQ(store->ErrorsOf(id, errors), std::nullopt);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].step, "raw");
  EXPECT_EQ(errors[0].code, "csv_type");
  EXPECT_EQ(errors[0].record, "\"3,x\"");
  EXPECT_EQ(errors[0].source, P("in.csv"));
  EXPECT_EQ(errors[0].line, 4);
  EXPECT_GE(errors[0].at_us, runs[0].started_us);
  EXPECT_TRUE(fs::exists(fs::path(State()) / "runs" / id / "errors.jsonl"));  // kept as it was
}

TEST_F(DriverRuns, AStoreThatCannotBeOpenedStopsTheRunBeforeItStarts) {
  fs::create_directories(State());
  std::string db = (fs::path(State()) / "etl.db").string();
  std::ofstream(db, std::ios::binary) << std::string(8192, 'x');
  Result r = Etlc({"run", P("orders.etl"), "--state-dir", State()});
  EXPECT_EQ(r.code, kExitRunFailed);
  EXPECT_NE(r.err.find("etlc run: error: cannot open run store `" + db + "`"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(P("out.csv")));
  EXPECT_FALSE(fs::exists(fs::path(State()) / "runs"));

  Result list = Etlc({"runs", "--state-dir", State()});
  EXPECT_EQ(list.code, kExitRunFailed);
  EXPECT_NE(list.err.find(db), std::string::npos) << list.err;
}

TEST_F(DriverRuns, NoStoreMeansNoRunsAndNothingCreated) {
  Result r = Etlc({"runs", "--state-dir", State()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "no runs in " + State() + "\n");
  EXPECT_FALSE(fs::exists(State()));
  Result json = Etlc({"runs", "--state-dir", State(), "--format", "json"});
  EXPECT_EQ(json.out, "[]\n");
  EXPECT_EQ(Etlc({"runs", "--state-dir", State(), "--limit", "x"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"runs", "--state-dir", State(), "--format", "xml"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"runs", "extra"}).code, kExitUsage);
}


runtime::StoredRun PgRun(const std::string& id, const std::string& pipeline, int64_t started_us) {
  runtime::StoredRun run;
  run.id = id;
  run.pipeline = pipeline;
  run.source_file = "orders.etl";
  run.plan_json = "{}";
  run.plan_hash = "0123456789abcdef";
  run.params_json = "{\"min\":10.0}";
  run.status = "running";
  run.started_us = started_us;
  return run;
}

TEST_F(DriverRuns, RunsListsAPostgresStore) {
  testing::PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  Result empty = Etlc({"runs", "--store", schema.Url(), "--state-dir", State()});
  ASSERT_EQ(empty.code, kExitOk) << empty.err;
  EXPECT_EQ(empty.out, "no runs in " + schema.Url() + "\n");

  {
    std::string error;
    auto store = runtime::OpenRunStore(schema.Url(), State(), error);
    ASSERT_NE(store, nullptr) << error;
    ASSERT_EQ(store->BeginRun(PgRun("20240101T000000Z-aaaaaa", "p", 1'704'067'200'000'000)), std::nullopt);
    ASSERT_EQ(store->BeginRun(PgRun("20240102T000000Z-bbbbbb", "p", 1'704'153'600'000'000)), std::nullopt);
    ASSERT_EQ(store->BeginRun(PgRun("20240103T000000Z-cccccc", "q", 1'704'240'000'000'000)), std::nullopt);
    runtime::RunEnd end;
    end.status = "failed";
    end.failure = "`raw`: in.csv: no such file";
    end.finished_us = 1'704'067'201'500'000;
    end.rows_in = 7;
    end.errors = 2;
    ASSERT_EQ(store->FinishRun("20240101T000000Z-aaaaaa", end), std::nullopt);
    ASSERT_EQ(store->ReopenRun("20240101T000000Z-aaaaaa"), std::nullopt);
    end.status = "succeeded";
    end.failure = "";
    ASSERT_EQ(store->FinishRun("20240101T000000Z-aaaaaa", end), std::nullopt);
  }

  Result json = Etlc({"runs", "--store", schema.Url(), "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  auto runs = nlohmann::json::parse(json.out);
  ASSERT_EQ(runs.size(), 3u) << json.out;
  EXPECT_EQ(runs[0]["id"], "20240103T000000Z-cccccc");
  EXPECT_EQ(runs[0]["status"], "running");
  EXPECT_TRUE(runs[0]["finished"].is_null());
  EXPECT_EQ(runs[2]["id"], "20240101T000000Z-aaaaaa");
  EXPECT_EQ(runs[2]["status"], "succeeded");
  EXPECT_EQ(runs[2]["attempts"], 2);
  EXPECT_EQ(runs[2]["rows_in"], 7);
  EXPECT_EQ(runs[2]["seconds"], 1.5);
  EXPECT_EQ(runs[2]["started"], "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(runs[2]["params"]["min"], 10.0);
  EXPECT_FALSE(fs::exists(State()));  // the SQLite store of the state directory is not touched

  Result text = Etlc({"runs", "--store", schema.Url(), "--pipeline", "p", "--limit", "1"});
  ASSERT_EQ(text.code, kExitOk) << text.err;
  std::istringstream lines(text.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 2u) << text.out;
  EXPECT_EQ(rows[1].rfind("20240102T000000Z-bbbbbb", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find("2024-01-02 00:00:00"), std::string::npos) << rows[1];

  // ETL_STORE stands in for --store; `--store ""` is the SQLite store of the state dir.
  ::setenv("ETL_STORE", schema.Url().c_str(), 1);
  Result env = Etlc({"runs", "--state-dir", State(), "--format", "json"});
  Result sqlite = Etlc({"runs", "--state-dir", State(), "--store", ""});
  ::unsetenv("ETL_STORE");
  ASSERT_EQ(env.code, kExitOk) << env.err;
  EXPECT_EQ(nlohmann::json::parse(env.out).size(), 3u) << env.out;
  ASSERT_EQ(sqlite.code, kExitOk) << sqlite.err;
  EXPECT_EQ(sqlite.out, "no runs in " + State() + "\n");
}

TEST_F(DriverRuns, RunsOnADeadPostgresServerFailsNamingItWithoutThePassword) {
  std::string port = std::to_string(testing::UnusedLoopbackPort());
  Result r = Etlc({"runs", "--store", "postgres://etl:Sup3rSecretPw@127.0.0.1:" + port + "/postgres"});
  EXPECT_EQ(r.code, kExitRunFailed);
  std::string expected =
      "etlc runs: error: cannot open run store `postgres://etl@127.0.0.1:" + port + "/postgres`";
  EXPECT_NE(r.err.find(expected), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Sup3rSecretPw"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");

  Result other = Etlc({"runs", "--store", "mysql://u:Sup3rSecretPw@h/db"});
  EXPECT_EQ(other.code, kExitUsage);
  EXPECT_NE(other.err.find("postgres://"), std::string::npos) << other.err;
  EXPECT_EQ(other.err.find("Sup3rSecretPw"), std::string::npos) << other.err;
}

TEST_F(DriverRuns, RunRecordsIntoAPostgresStore) {
  testing::PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  Result ok = Etlc({"run", P("orders.etl"), "--state-dir", State(), "--store", schema.Url(), "--quiet"});
  ASSERT_EQ(ok.code, kExitOk) << ok.err;
  EXPECT_FALSE(fs::exists(fs::path(State()) / "etl.db"));  // the SQLite store is not used

  std::string error;
  auto store = runtime::OpenRunStore(schema.Url(), State(), error);
  ASSERT_NE(store, nullptr) << error;
  std::vector<runtime::StoredRun> runs;
  ASSERT_EQ(store->ListRuns({}, runs), std::nullopt);
  ASSERT_EQ(runs.size(), 1u);
  const std::string id = runs[0].id;
  EXPECT_EQ(runs[0].status, "succeeded");
  EXPECT_EQ(runs[0].rows_in, 4u);
  EXPECT_EQ(runs[0].errors, 1u);
  EXPECT_EQ(runs[0].attempts, 1);
  EXPECT_TRUE(runs[0].finished_us);
  std::vector<runtime::StepMetrics> steps;
  ASSERT_EQ(store->StepMetricsOf(id, steps), std::nullopt);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].step, "raw");
  EXPECT_EQ(steps[0].rows_out, 3u);
  EXPECT_EQ(steps[1].filtered, 1u);
  std::vector<runtime::StoredEvent> events;
  ASSERT_EQ(store->EventsOf(id, events), std::nullopt);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().event, "run_started");
  EXPECT_EQ(events.back().event, "run_finished");
  std::vector<runtime::StoredError> errors;
  ASSERT_EQ(store->ErrorsOf(id, errors), std::nullopt);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].record, "\"3,x\"");
  EXPECT_EQ(errors[0].line, 4);

  Result json = Etlc({"runs", "--store", schema.Url(), "--format", "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  auto listed = nlohmann::json::parse(json.out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], id);
}

TEST_F(DriverRuns, RunOnADeadPostgresServerStopsBeforeItStarts) {
  std::string port = std::to_string(testing::UnusedLoopbackPort());
  Result r = Etlc({"run", P("orders.etl"), "--state-dir", State(), "--store",
                   "postgres://etl:Sup3rSecretPw@127.0.0.1:" + port + "/postgres"});
  EXPECT_EQ(r.code, kExitRunFailed);
  EXPECT_NE(r.err.find("cannot open run store `postgres://etl@127.0.0.1:" + port + "/postgres`"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("Sup3rSecretPw"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(P("out.csv")));
}

}  // namespace
}  // namespace etl::driver
