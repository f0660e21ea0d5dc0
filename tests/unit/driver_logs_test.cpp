// `etlc logs RUN` (in-process) after real `etlc run`s: JSON lines identical to the run's
// log.jsonl, the console's text with times, --level and --step filters, RUN as `last` and
// as a unique prefix, an ambiguous prefix and an unknown run, ETL_STORE.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/unit/driver_history_util.h"

namespace etl::driver {
namespace {

using test::Etlc;
using test::HistoryTest;
using test::Result;

using DriverLogs = HistoryTest;

TEST_F(DriverLogs, JsonIsTheRunsLogFileLineForLine) {
  std::string id = RunPipeline();
  ASSERT_FALSE(id.empty());
  Result r = Etlc({"logs", id, "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  std::string file = ReadFile(RunDir(id) / "log.jsonl");
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(r.out, file);
  auto lines = Lines(r.out);
  ASSERT_GE(lines.size(), 4u);
  auto first = nlohmann::json::parse(lines.front());
  EXPECT_EQ(first["event"], "run_started");
  EXPECT_EQ(first["run"], id);
  EXPECT_EQ(first["pipeline"], "p");
  EXPECT_TRUE(first["step"].is_null());
  EXPECT_EQ(nlohmann::json::parse(lines.back())["event"], "run_finished");
}

TEST_F(DriverLogs, TextShowsEveryEventAsTheConsoleDoesWithItsTime) {
  std::string id = RunPipeline();
  ASSERT_FALSE(id.empty());
  Result r = Etlc({"logs", id, "--state-dir", State()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), Lines(ReadFile(RunDir(id) / "log.jsonl")).size());
  // 2026-11-21T13:03:24.259Z info: run_started (workers=2)
  EXPECT_EQ(lines.front().size() > 25 && lines.front()[4] == '-' && lines.front()[23] == 'Z', true) << lines.front();
  EXPECT_NE(lines.front().find(" info: run_started (workers="), std::string::npos) << lines.front();
  bool division = false, csv = false;
  for (const std::string& line : lines) {
    if (line.find(" warning: `calc`: division by zero in `id / n`") != std::string::npos) division = true;
    if (line.find(" warning: `raw`: ") != std::string::npos && line.find("code=csv_type") != std::string::npos)
      csv = true;
  }
  EXPECT_TRUE(division) << r.out;
  EXPECT_TRUE(csv) << r.out;
  EXPECT_NE(lines.back().find(" info: run_finished (status=succeeded"), std::string::npos) << lines.back();
}

TEST_F(DriverLogs, LevelAndStepFilters) {
  std::string id = RunPipeline();
  ASSERT_FALSE(id.empty());
  Result warn = Etlc({"logs", id, "--state-dir", State(), "--level", "warn", "--format", "json"});
  ASSERT_EQ(warn.code, kExitOk) << warn.err;
  auto lines = Lines(warn.out);
  ASSERT_EQ(lines.size(), 3u) << warn.out;  // the three failed records
  for (const std::string& line : lines) {
    auto event = nlohmann::json::parse(line);
    EXPECT_EQ(event["level"], "warn");
    EXPECT_EQ(event["event"], "record_failed");
  }
  Result calc = Etlc({"logs", id, "--state-dir", State(), "--step", "calc", "--format", "json"});
  ASSERT_EQ(calc.code, kExitOk) << calc.err;
  lines = Lines(calc.out);
  ASSERT_GE(lines.size(), 3u);
  size_t failed = 0;
  for (const std::string& line : lines) {
    auto event = nlohmann::json::parse(line);
    EXPECT_EQ(event["step"], "calc");
    if (event["event"] == "record_failed") ++failed;
  }
  EXPECT_EQ(failed, 2u);
  Result error = Etlc({"logs", id, "--state-dir", State(), "--level", "error"});
  ASSERT_EQ(error.code, kExitOk);
  EXPECT_EQ(error.out, "");  // the run succeeded
  Result bad = Etlc({"logs", id, "--state-dir", State(), "--level", "loud"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_NE(bad.err.find("--level must be debug, info, warn or error"), std::string::npos) << bad.err;
  EXPECT_EQ(Etlc({"logs", id, "--state-dir", State(), "--format", "xml"}).code, kExitUsage);
}

TEST_F(DriverLogs, LastAndUniquePrefixesNameARun) {
  std::string first = RunPipeline();
  std::string second = RunPipeline({"--max-errors", "0"});
  ASSERT_FALSE(first.empty());
  ASSERT_NE(first, second);
  Result last = Etlc({"logs", "last", "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(last.code, kExitOk) << last.err;
  EXPECT_EQ(last.out, ReadFile(RunDir(second) / "log.jsonl"));
  EXPECT_NE(last.out.find("\"status\":\"failed\""), std::string::npos);

  // The ids differ in their random suffix at least: the shortest unique prefix of each.
  size_t common = 0;
  while (first[common] == second[common]) ++common;
  Result prefix = Etlc({"logs", first.substr(0, common + 1), "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(prefix.code, kExitOk) << prefix.err;
  EXPECT_EQ(prefix.out, ReadFile(RunDir(first) / "log.jsonl"));

  Result ambiguous = Etlc({"logs", first.substr(0, common), "--state-dir", State()});
  EXPECT_EQ(ambiguous.code, kExitUsage);
  EXPECT_NE(ambiguous.err.find("is ambiguous: it starts 2 run ids"), std::string::npos) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find(first), std::string::npos) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find(second), std::string::npos) << ambiguous.err;
  EXPECT_EQ(ambiguous.out, "");
}

TEST_F(DriverLogs, AnUnknownRunIsAUsageErrorNamingTheStore) {
  Result none = Etlc({"logs", "last", "--state-dir", State()});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_NE(none.err.find("etlc logs: error: no runs yet in"), std::string::npos) << none.err;
  EXPECT_FALSE(std::filesystem::exists(State()));  // reading creates no store

  ASSERT_FALSE(RunPipeline().empty());
  Result unknown = Etlc({"logs", "20990101T000000Z-abcdef", "--state-dir", State()});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_NE(unknown.err.find("no run `20990101T000000Z-abcdef` in " + runtime::RunStorePath(State())),
            std::string::npos)
      << unknown.err;
  EXPECT_EQ(Etlc({"logs", "--state-dir", State()}).code, kExitUsage);  // RUN missing
  EXPECT_EQ(Etlc({"logs", "a", "b", "--state-dir", State()}).code, kExitUsage);
}

TEST_F(DriverLogs, TheStoreComesFromEtlStoreWhenNotGiven) {
  // A URL that is not a store: proves the variable is read, and --store wins over it.
  ASSERT_EQ(::setenv("ETL_STORE", "mysql://nowhere", 1), 0);
  Result fromEnv = Etlc({"logs", "last", "--state-dir", State()});
  Result fromOption = Etlc({"logs", "last", "--state-dir", State(), "--store", ""});
  ::unsetenv("ETL_STORE");
  EXPECT_EQ(fromEnv.code, kExitRunFailed);
  EXPECT_NE(fromEnv.err.find("mysql://nowhere"), std::string::npos) << fromEnv.err;
  EXPECT_EQ(fromOption.code, kExitUsage) << fromOption.err;  // the SQLite store: no runs yet
  EXPECT_NE(fromOption.err.find("no runs yet"), std::string::npos) << fromOption.err;
}

}  // namespace
}  // namespace etl::driver
