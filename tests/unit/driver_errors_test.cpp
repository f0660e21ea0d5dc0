// `etlc errors RUN` (in-process) after real `etlc run`s: JSON lines in the error file's
// shape and content, text blocks, --step, --code and --limit, a run without errors, RUN
// resolution and usage errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/driver_history_util.h"

namespace etl::driver {
namespace {

using test::Etlc;
using test::HistoryTest;
using test::Result;

using DriverErrors = HistoryTest;

TEST_F(DriverErrors, JsonIsTheErrorFile) {
  std::string id = RunPipeline();
  ASSERT_FALSE(id.empty());
  Result r = Etlc({"errors", id, "--state-dir", State(), "--format", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto lines = Lines(r.out);
  auto file = Lines(ReadFile(RunDir(id) / "errors.jsonl"));
  ASSERT_EQ(lines.size(), 3u) << r.out;
  ASSERT_EQ(file.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto got = nlohmann::ordered_json::parse(lines[i]);
    auto want = nlohmann::ordered_json::parse(file[i]);
    EXPECT_EQ(got, want) << lines[i] << "\n" << file[i];
    std::vector<std::string> keys;
    for (const auto& [key, value] : got.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"step", "code", "message", "record", "source", "line", "at"}));
  }
  auto csv = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(csv["step"], "raw");
  EXPECT_EQ(csv["code"], "csv_type");
  EXPECT_EQ(csv["record"], "3,x,2");
  EXPECT_EQ(csv["source"], P("in.csv"));
  EXPECT_EQ(csv["line"], 4);
}

TEST_F(DriverErrors, TextIsOneBlockPerErrorAndACount) {
  std::string id = RunPipeline();
  ASSERT_FALSE(id.empty());
  Result r = Etlc({"errors", id, "--state-dir", State()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  // `raw` csv_type: ...\n  source: IN:4\n  record: "3,x,2"\n  at: ...\n\n`calc` division_by_zero: ...
  EXPECT_EQ(r.out.rfind("`raw` csv_type: ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\n  source: " + P("in.csv") + ":4\n  record: \"3,x,2\"\n  at:     "), std::string::npos)
      << r.out;
  size_t calc = r.out.find("\n\n`calc` division_by_zero: division by zero in `id / n`\n  record: {");
  ASSERT_NE(calc, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("source:", calc), std::string::npos);  // not a source error
  EXPECT_NE(r.out.find("\"id\":2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"id\":4"), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.ends_with("\n\n3 errors in run " + id + "\n")) << r.out;
}

TEST_F(DriverErrors, StepCodeAndLimitFilters) {
  std::string id = RunPipeline();
  ASSERT_FALSE(id.empty());
  Result calc = Etlc({"errors", id, "--state-dir", State(), "--step", "calc", "--format", "json"});
  ASSERT_EQ(calc.code, kExitOk) << calc.err;
  auto lines = Lines(calc.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["record"]["id"], 2);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["record"]["id"], 4);

  Result code = Etlc({"errors", id, "--state-dir", State(), "--code", "csv_type", "--format", "json"});
  ASSERT_EQ(code.code, kExitOk) << code.err;
  ASSERT_EQ(Lines(code.out).size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(code.out)["step"], "raw");

  Result limited = Etlc({"errors", id, "--state-dir", State(), "--step", "calc", "--limit", "1"});
  ASSERT_EQ(limited.code, kExitOk) << limited.err;
  EXPECT_NE(limited.out.find("\"id\":2"), std::string::npos) << limited.out;
  EXPECT_EQ(limited.out.find("\"id\":4"), std::string::npos) << limited.out;
  EXPECT_NE(limited.out.find("\n1 of 2 errors matching in run " + id + "\n"), std::string::npos) << limited.out;

  Result nothing = Etlc({"errors", id, "--state-dir", State(), "--code", "nope"});
  ASSERT_EQ(nothing.code, kExitOk);
  EXPECT_EQ(nothing.out, "0 errors matching in run " + id + "\n");
  Result nothing_json = Etlc({"errors", id, "--state-dir", State(), "--code", "nope", "--format", "json"});
  EXPECT_EQ(nothing_json.out, "");

  EXPECT_EQ(Etlc({"errors", id, "--state-dir", State(), "--limit", "-1"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"errors", id, "--state-dir", State(), "--limit", "x"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"errors", id, "--state-dir", State(), "--format", "csv"}).code, kExitUsage);
}

TEST_F(DriverErrors, ARunWithoutErrorsAndRunResolution) {
  Write("in.csv", "id,amount,n\n1,5.5,1\n");
  std::string clean = RunPipeline();
  ASSERT_FALSE(clean.empty());
  Result r = Etlc({"errors", "last", "--state-dir", State()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "0 errors in run " + clean + "\n");

  Result unknown = Etlc({"errors", "nope", "--state-dir", State()});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_NE(unknown.err.find("etlc errors: error: no run `nope`"), std::string::npos) << unknown.err;
  Result prefix = Etlc({"errors", clean.substr(0, 10), "--state-dir", State(), "--format", "json"});
  EXPECT_EQ(prefix.code, kExitOk) << prefix.err;  // the only run
  EXPECT_EQ(Etlc({"errors", "--state-dir", State()}).code, kExitUsage);
}

TEST_F(DriverErrors, AStoreThatCannotBeReadIsExit3) {
  std::filesystem::create_directories(State());
  std::ofstream(runtime::RunStorePath(State()), std::ios::binary) << std::string(8192, 'x');
  Result r = Etlc({"errors", "last", "--state-dir", State()});
  EXPECT_EQ(r.code, kExitRunFailed);
  EXPECT_NE(r.err.find("etlc errors: error: cannot open run store `" + runtime::RunStorePath(State()) + "`"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace etl::driver
