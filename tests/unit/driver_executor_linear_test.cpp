// The executor on linear pipelines: csv -> filter -> derive -> csv with exact output files,
// metrics that add up, workers 1 vs 4, bind and source failures.
#include <gtest/gtest.h>

#include "tests/unit/driver_executor_util.h"

namespace etl::runtime {
namespace {

using test::RunEtl;
using test::ScratchDir;

constexpr const char* kLinear = R"(
schema Item { id: int, name: string, price: int }
pipeline p {
  raw = from csv("$DIR/in.csv", schema: Item)
  raw | filter price > 10 | derive total = price * 2 | into csv("$DIR/out.csv")
}
)";

TEST(ExecutorLinear, CsvFilterDeriveCsvWritesExactFile) {
  ScratchDir dir;
  const std::string input = "id,name,price\n1,a,5\n2,b,20\n3,c,11\n4,d,10\n";
  test::WriteText(dir / "in.csv", input);
  RunResult result = RunEtl(test::WithDir(kLinear, dir.path()));
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(test::ReadText(dir / "out.csv"), "id,name,price,total\n2,b,20,40\n3,c,11,22\n");
  EXPECT_EQ(dir.List(), (std::vector<std::string>{"in.csv", "out.csv"}));
  StepMetrics raw = test::StepOf(result, "raw");
  EXPECT_EQ(raw.rows_in, 4u);
  EXPECT_EQ(raw.rows_out, 4u);
  EXPECT_EQ(raw.bytes_total, std::optional<uint64_t>(input.size()));
  EXPECT_GT(raw.bytes_in, 0u);
  EXPECT_TRUE(raw.finished);
  test::ExpectBalanced(result);
  uint64_t filtered = 0, sink_rows = 0, sink_bytes = 0;
  for (const StepMetrics& s : result.steps) {
    if (s.kind == ir::NodeKind::Filter) filtered = s.filtered;
    if (s.kind == ir::NodeKind::Sink) {
      sink_rows = s.rows_out;
      sink_bytes = s.bytes_out;
    }
  }
  EXPECT_EQ(filtered, 2u);
  EXPECT_EQ(sink_rows, 2u);
  EXPECT_EQ(sink_bytes, test::ReadText(dir / "out.csv").size());
  EXPECT_EQ(result.errors, 0u);
}

TEST(ExecutorLinear, SameOutputWithOneAndFourWorkers) {
  constexpr const char* kProgram = R"(
schema Row { id: int, x: int, s: string }
pipeline p {
  from generate(count: 50000, schema: Row, seed: 7)
    | filter x % 3 != 0
    | derive y = x % 1000, label = "r${id}"
    | into jsonl("$DIR/out.jsonl")
}
)";
  std::string outputs[2];
  int i = 0;
  for (size_t workers : {1u, 4u}) {
    ScratchDir dir;
    RunOptions options;
    options.workers = workers;
    options.channel_batches = 2;
    RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
    ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
    test::ExpectBalanced(result);
    outputs[i++] = test::ReadText(dir / "out.jsonl");
  }
  EXPECT_GT(outputs[0].size(), 100000u);
  EXPECT_EQ(outputs[0], outputs[1]);
}

TEST(ExecutorLinear, MissingInputFileFailsAndLeavesNoOutput) {
  ScratchDir dir;
  RunResult result = RunEtl(test::WithDir(kLinear, dir.path()));
  EXPECT_EQ(result.status, RunStatus::Failed);
  EXPECT_NE(result.failure.find("`raw`"), std::string::npos) << result.failure;
  EXPECT_NE(result.failure.find("in.csv"), std::string::npos) << result.failure;
  EXPECT_TRUE(dir.List().empty());
}

TEST(ExecutorLinear, UnsupportedSourceIsABindErrorNamingTheNode) {
  constexpr const char* kProgram = R"(
schema Row { id: int }
pipeline p {
  rows = from postgres("postgres://localhost/db", query: "select id from t", schema: Row)
  rows | into stdout()
}
)";
  std::optional<ir::Plan> plan = test::CompileEtl(kProgram);
  ASSERT_TRUE(plan);
  std::optional<std::string> problem = CheckRunnable(*plan, plan->pipelines[0], {});
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "`rows`: source `postgres` is not supported by this build yet");
  RunResult result = RunPipeline(*plan, plan->pipelines[0], {});
  EXPECT_EQ(result.status, RunStatus::Failed);
  EXPECT_EQ(result.failure, *problem);
}

TEST(ExecutorLinear, UnsupportedStepAndSinkAreBindErrors) {
  constexpr const char* kProgram = R"(
schema Row { id: int }
pipeline p {
  rows = from generate(count: 3, schema: Row)
  scored = rows | exec("python3 score.py")
  scored | into stdout()
}
pipeline q {
  from generate(count: 3, schema: Row) | into parquet("out.parquet")
}
)";
  std::optional<ir::Plan> plan = test::CompileEtl(kProgram);
  ASSERT_TRUE(plan);
  EXPECT_EQ(CheckRunnable(*plan, *plan->Find("p"), {}),
            std::optional<std::string>("`scored`: step `exec` is not supported by this build yet"));
  std::optional<std::string> sink = CheckRunnable(*plan, *plan->Find("q"), {});
  ASSERT_TRUE(sink);
  EXPECT_NE(sink->find(": sink `parquet` is not supported by this build yet"), std::string::npos) << *sink;
}

TEST(ExecutorLinear, CheckRunnableAcceptsARunnablePipeline) {
  std::optional<ir::Plan> plan = test::CompileEtl(test::WithDir(kLinear, "/nonexistent"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(CheckRunnable(*plan, plan->pipelines[0], {}), std::nullopt);
}

TEST(ExecutorLinear, ParamArgumentsAreEvaluatedAtBind) {
  constexpr const char* kProgram = R"(
schema Item { id: int, name: string, price: int }
param out_dir: string
pipeline p {
  from csv("${out_dir}/in.csv", schema: Item) | into jsonl("${out_dir}/out.jsonl")
}
)";
  ScratchDir dir;
  test::WriteText(dir / "in.csv", "id,name,price\n1,a,5\n");
  RunOptions options;
  options.params["out_dir"] = ast::Value::String(dir.path());
  RunResult result = RunEtl(kProgram, options);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(test::ReadText(dir / "out.jsonl"), "{\"id\":1,\"name\":\"a\",\"price\":5}\n");
}

}  // namespace
}  // namespace etl::runtime
