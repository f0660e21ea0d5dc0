// `etlc errors RUN --replay` (compiler/driver/replay.h), in process: a run whose cast fails
// for some rows is fixed and its failed records replayed into the same outputs (each good
// row exactly once, the new run's error table holding only what still fails, replaying the
// replay, but not the same run twice), a source type error replayed after fixing the
// schema (errors still pointing at the original file and line), --dry-run, records that no
// longer fit the fixed pipeline, a join whose other side is recomputed, and the runs a
// replay refuses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/driver/cli.h"
#include "compiler/driver/replay.h"
#include "runtime/run_store.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Etlc;
using test::Result;

class DriverReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_replay_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string State() const { return P("state"); }

  std::unique_ptr<runtime::RunStore> Store() {
    std::string error;
    auto store = runtime::OpenSqliteRunStore(runtime::RunStorePath(State()), error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
  // The newest run's id.
  std::string LatestRun() {
    std::vector<runtime::StoredRun> runs;
    auto store = Store();
    EXPECT_FALSE(store->ListRuns(runtime::RunQuery{1, std::nullopt}, runs).has_value());
    return runs.empty() ? "" : runs[0].id;
  }
  std::vector<runtime::StoredError> Errors(const std::string& run) {
    std::vector<runtime::StoredError> errors;
    EXPECT_FALSE(Store()->ErrorsOf(run, errors).has_value());
    return errors;
  }
  size_t RunCount() {
    std::vector<runtime::StoredRun> runs;
    EXPECT_FALSE(Store()->ListRuns(runtime::RunQuery{0, std::nullopt}, runs).has_value());
    return runs.size();
  }
  // Runs `file` with `etlc run`; the run's id.
  std::string RunPipeline(const std::string& file) {
    Result result = Etlc({"run", P(file), "--state-dir", State(), "--quiet", "--workers", "2"});
    EXPECT_EQ(result.code, kExitOk) << result.err;
    return LatestRun();
  }
  // Replays `run` through `file` (in process, as `etlc errors RUN --replay FILE` does).
  Result Replay(const std::string& run, const std::string& file, bool dry_run = false) {
    ReplayRequest request;
    request.run_id = run;
    if (!file.empty()) request.file = P(file);
    request.state_dir = State();
    request.dry_run = dry_run;
    request.workers = 2;
    std::istringstream in;
    std::ostringstream out, err;
    Io io{in, out, err};
    int code = RunReplay(request, io);
    return {code, out.str(), err.str()};
  }
  // A pipeline whose `calc` step computes `n` with `expr` from `s`.
  std::string CastPipeline(const std::string& expr) {
    return "schema Row {\n  id: int\n  s: string\n}\n\npipeline p {\n  raw = from csv(\"" + P("in.csv") +
           "\", schema: Row)\n  calc = raw | derive n = " + expr + "\n  calc | into csv(\"" + P("out.csv") +
           "\")\n}\n";
  }

  fs::path dir_;
};

// The lines of `text`, sorted (the order of rows across batches is not defined).
std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(DriverReplay, FixedCastReplaysFailedRowsIntoTheOutputsOnce) {
  Write("in.csv", "id,s\n1,10\n2,abc\n3,30\n4,x4\n5,x5\n");
  Write("broken.etl", CastPipeline("int(s)"));
  std::string first = RunPipeline("broken.etl");
  ASSERT_EQ(Errors(first).size(), 3u);
  EXPECT_EQ(Read("out.csv"), "id,s,n\n1,10,10\n3,30,30\n");

  // Half a fix: `x4` and `x5` parse now, `abc` still does not.
  Write("half.etl", CastPipeline("int(replace(s, \"x\", \"\"))"));
  Result half = Replay(first, "half.etl");
  ASSERT_EQ(half.code, kExitOk) << half.err;
  EXPECT_NE(half.err.find("3 records replayed, 2 succeeded, 1 failed again"), std::string::npos) << half.err;
  EXPECT_EQ(SortedLines(Read("out.csv")),
            (std::vector<std::string>{"1,10,10", "3,30,30", "4,x4,4", "5,x5,5", "id,s,n"}));
  std::string second = LatestRun();
  ASSERT_NE(second, first);
  std::vector<runtime::StoredError> again = Errors(second);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].step, "calc");
  EXPECT_EQ(again[0].code, "cast");
  EXPECT_EQ(nlohmann::json::parse(again[0].record), nlohmann::json::parse(R"({"id": 2, "s": "abc"})"));
  std::optional<runtime::StoredRun> row;
  ASSERT_FALSE(Store()->GetRun(second, row).has_value());
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, "succeeded");
  EXPECT_EQ(nlohmann::json::parse(row->params_json)["replay_of"], first);
  EXPECT_EQ(row->source_file, P("half.etl"));
  EXPECT_EQ(row->errors, 1u);
  // The first run's table is untouched.
  EXPECT_EQ(Errors(first).size(), 3u);
  // The first run cannot be replayed again: 4 and 5 would be written twice.
  Result twice = Replay(first, "half.etl");
  EXPECT_EQ(twice.code, kExitUsage) << twice.err;
  EXPECT_NE(twice.err.find("was already replayed by run `" + second + "`"), std::string::npos) << twice.err;

  // The full fix, replaying the replay (its file by default).
  Write("half.etl", CastPipeline("len(s)"));
  Result full = Etlc({"errors", second, "--replay", "--state-dir", State(), "--workers", "2"});
  ASSERT_EQ(full.code, kExitOk) << full.err;
  EXPECT_NE(full.err.find("1 record replayed, 1 succeeded, 0 failed again"), std::string::npos) << full.err;
  EXPECT_EQ(SortedLines(Read("out.csv")),
            (std::vector<std::string>{"1,10,10", "2,abc,3", "3,30,30", "4,x4,4", "5,x5,5", "id,s,n"}));
  EXPECT_TRUE(Errors(LatestRun()).empty());
}

TEST_F(DriverReplay, SourceTypeErrorsAreReReadWithTheFixedSchema) {
  Write("in.csv", "id,amount\n1,10\n2,2.5\n3,30\n4,abc\n");
  auto pipeline = [&](const std::string& type) {
    return "schema Row {\n  id: int\n  amount: " + type + "\n}\n\npipeline p {\n  raw = from csv(\"" +
           P("in.csv") + "\", schema: Row)\n  raw | into jsonl(\"" + P("out.jsonl") + "\")\n}\n";
  };
  Write("p.etl", pipeline("int"));
  std::string first = RunPipeline("p.etl");
  std::vector<runtime::StoredError> errors = Errors(first);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, "csv_type");

  Write("p.etl", pipeline("float"));
  Result replay = Replay(first, "");
  ASSERT_EQ(replay.code, kExitOk) << replay.err;
  EXPECT_EQ(SortedLines(Read("out.jsonl")),
            (std::vector<std::string>{R"({"id":1,"amount":10})", R"({"id":2,"amount":2.5})",
                                      R"({"id":3,"amount":30})"}));
  // `abc` is no float either: it failed again, still at line 5 of the original file.
  std::vector<runtime::StoredError> again = Errors(LatestRun());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].step, "raw");
  EXPECT_EQ(again[0].source, P("in.csv"));
  EXPECT_EQ(again[0].line, 5);
  EXPECT_EQ(again[0].message.rfind(P("in.csv") + ":5:", 0), 0u) << again[0].message;
  EXPECT_EQ(nlohmann::json::parse(again[0].record), "4,abc");
  EXPECT_FALSE(fs::exists(fs::path(State()) / "runs" / LatestRun() / "replay"));
}

TEST_F(DriverReplay, DryRunSaysWhereRecordsWouldGoAndRunsNothing) {
  Write("in.csv", "id,s\n1,10\n2,abc\n3,x\n");
  Write("p.etl", CastPipeline("int(s)"));
  std::string first = RunPipeline("p.etl");
  std::string before = Read("out.csv");
  Write("p.etl", CastPipeline("len(s)"));
  Result dry = Replay(first, "", /*dry_run=*/true);
  ASSERT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_NE(dry.out.find("calc: 2 records into its input `in`"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("steps that would run: calc, into_csv@"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("dry run: nothing ran"), std::string::npos) << dry.out;
  EXPECT_EQ(Read("out.csv"), before);
  EXPECT_EQ(RunCount(), 1u);
  // The same through the command line: `last`, FILE after --replay, --step.
  Result cli = Etlc({"errors", "last", "--replay", P("p.etl"), "--dry-run", "--step", "calc", "--state-dir", State()});
  ASSERT_EQ(cli.code, kExitOk) << cli.err;
  EXPECT_NE(cli.out.find("replay of run " + first + " (2 records)"), std::string::npos) << cli.out;
  Result extra = Etlc({"errors", "last", P("p.etl"), "--state-dir", State()});
  EXPECT_EQ(extra.code, kExitUsage) << extra.err;
  EXPECT_EQ(RunCount(), 1u);
}

TEST_F(DriverReplay, RecordsThatNoLongerFitStayFailedWithTheReason) {
  Write("in.csv", "id,s\n1,10\n2,abc\n");
  Write("p.etl", CastPipeline("int(s)"));
  std::string first = RunPipeline("p.etl");
  // The fix adds a field upstream of `calc`: the stored record never got it.
  Write("fixed.etl", "schema Row {\n  id: int\n  s: string\n}\n\npipeline p {\n  raw = from csv(\"" + P("in.csv") +
                         "\", schema: Row)\n  pre = raw | derive k = 1\n  calc = pre | derive n = len(s)\n"
                         "  calc | into csv(\"" + P("out.csv") + "\")\n}\n");
  Result dry = Replay(first, "fixed.etl", /*dry_run=*/true);
  ASSERT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_NE(dry.out.find("not replayable: 1 record"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("the input of `calc` now has field `k`, which the record does not"), std::string::npos)
      << dry.out;
  Result replay = Replay(first, "fixed.etl");
  EXPECT_EQ(replay.code, kExitRunFailed) << replay.err;
  EXPECT_NE(replay.err.find("none of the 1 failed records"), std::string::npos) << replay.err;
  EXPECT_EQ(Read("out.csv"), "id,s,n\n1,10,10\n");
  EXPECT_EQ(RunCount(), 1u);
}

TEST_F(DriverReplay, UnfitAndReplayableRecordsMixInOneReplay) {
  Write("in.csv", "id,s\n1,10\n2,abc\n");
  Write("data.jsonl", "{\"id\": 7, \"s\": \"x\"}\n{\"id\": \"eight\", \"s\": \"y\"}\n");
  Write("p.etl", "schema Row {\n  id: int\n  s: string\n}\n\npipeline p {\n  a = from csv(\"" + P("in.csv") +
                     "\", schema: Row)\n  b = from jsonl(\"" + P("data.jsonl") +
                     "\", schema: Row)\n  calc = union(a, b) | derive n = int(s)\n  calc | into csv(\"" +
                     P("out.csv") + "\")\n}\n");
  std::string first = RunPipeline("p.etl");
  ASSERT_EQ(Errors(first).size(), 3u);  // `eight` in b; `abc` and `x` in calc
  // The fix turns b into a different kind of step: its record stays failed, calc's replay.
  Write("fixed.etl", "schema Row {\n  id: int\n  s: string\n}\n\npipeline p {\n  a = from csv(\"" + P("in.csv") +
                         "\", schema: Row)\n  b = a | filter id > 100\n  calc = union(a, b) | derive n = len(s)\n"
                         "  calc | into csv(\"" + P("out.csv") + "\")\n}\n");
  Result replay = Replay(first, "fixed.etl");
  ASSERT_EQ(replay.code, kExitOk) << replay.err;
  EXPECT_EQ(SortedLines(Read("out.csv")),
            (std::vector<std::string>{"1,10,10", "2,abc,3", "7,x,1", "id,s,n"}));
  std::vector<runtime::StoredError> again = Errors(LatestRun());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].step, "b");
  EXPECT_EQ(again[0].code, "replay");
  EXPECT_NE(again[0].message.find("not replayed: step `b` is a filter now"), std::string::npos) << again[0].message;
  EXPECT_NE(replay.err.find("2 records replayed, 2 succeeded, 0 failed again, 1 not replayable"), std::string::npos)
      << replay.err;
}

TEST_F(DriverReplay, JoinDownstreamRecomputesItsOtherSide) {
  Write("in.csv", "id,s\n1,10\n2,abc\n");
  Write("names.csv", "id,name\n1,one\n2,two\n");
  auto pipeline = [&](const std::string& expr) {
    return "schema Row {\n  id: int\n  s: string\n}\nschema Name {\n  id: int\n  name: string\n}\n\npipeline p {\n"
           "  raw = from csv(\"" + P("in.csv") + "\", schema: Row)\n  names = from csv(\"" + P("names.csv") +
           "\", schema: Name)\n  calc = raw | derive n = " + expr +
           "\n  named = calc | select id, n | join names on id == names.id\n  named | select name, n | into csv(\"" +
           P("out.csv") + "\")\n  names | into csv(\"" + P("names_copy.csv") + "\")\n}\n";
  };
  Write("p.etl", pipeline("int(s)"));
  std::string first = RunPipeline("p.etl");
  ASSERT_EQ(Read("out.csv"), "name,n\none,10\n");
  std::string copy = Read("names_copy.csv");
  Write("p.etl", pipeline("len(s)"));
  Result replay = Replay(first, "");
  ASSERT_EQ(replay.code, kExitOk) << replay.err;
  EXPECT_EQ(SortedLines(Read("out.csv")), (std::vector<std::string>{"name,n", "one,10", "two,3"}));
  EXPECT_EQ(Read("names_copy.csv"), copy);  // not appended: only the join needed `names`
}

TEST_F(DriverReplay, RefusesUnknownAndFailedRuns) {
  Write("in.csv", "id,s\n1,10\n2,abc\n");
  Write("p.etl", CastPipeline("int(s)"));
  Result none = Replay("20260101T000000Z-000000", "p.etl");
  EXPECT_EQ(none.code, kExitUsage) << none.err;
  EXPECT_NE(none.err.find("there is no run store"), std::string::npos) << none.err;
  Result failed = Etlc({"run", P("p.etl"), "--state-dir", State(), "--quiet", "--max-errors", "0"});
  ASSERT_EQ(failed.code, kExitRunFailed);
  Result replay = Replay(LatestRun(), "p.etl");
  EXPECT_EQ(replay.code, kExitUsage) << replay.err;
  EXPECT_NE(replay.err.find("its outputs were not written"), std::string::npos) << replay.err;
  Write("bad.etl", "pipeline p {\n  nothing | into stdout()\n}\n");
  Result ok = Etlc({"run", P("p.etl"), "--state-dir", State(), "--quiet"});
  ASSERT_EQ(ok.code, kExitOk);
  Result compile = Replay(LatestRun(), "bad.etl");
  EXPECT_EQ(compile.code, kExitCompileErrors) << compile.err;
}

}  // namespace
}  // namespace etl::driver
