// The executor on DAGs: route with a broadcast port, union, error ports consumed and not
// (the error file), max_errors, and what `etlc test` uses (given, taps, dry sinks).
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/batch.h"
#include "tests/unit/driver_executor_util.h"

namespace etl::runtime {
namespace {

using test::RunEtl;
using test::ScratchDir;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

TEST(ExecutorFlow, RouteWithABroadcastPort) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  raw = from csv("$DIR/in.csv", schema: Item)
  sizes = raw | route {
    big: price >= 10
    small: else
  }
  sizes.big | into csv("$DIR/big.csv")
  sizes.big | into jsonl("$DIR/big.jsonl")
  sizes.small | into csv("$DIR/small.csv", header: false)
}
)";
  ScratchDir dir;
  test::WriteText(dir / "in.csv", "id,price\n1,5\n2,20\n3,10\n4,9\n");
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()));
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(test::ReadText(dir / "big.csv"), "id,price\n2,20\n3,10\n");
  EXPECT_EQ(test::ReadText(dir / "big.jsonl"), "{\"id\":2,\"price\":20}\n{\"id\":3,\"price\":10}\n");
  EXPECT_EQ(test::ReadText(dir / "small.csv"), "1,5\n4,9\n");
  StepMetrics sizes = test::StepOf(result, "sizes");
  EXPECT_EQ(sizes.rows_in, 4u);
  EXPECT_EQ(sizes.rows_out, 4u);
  test::ExpectBalanced(result);
}

TEST(ExecutorFlow, UnionOfTwoSources) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  a = from csv("$DIR/a.csv", schema: Item)
  b = from csv("$DIR/b.csv", schema: Item)
  union(a, b) | into csv("$DIR/all.csv", header: false)
}
)";
  for (size_t workers : {1u, 4u}) {
    ScratchDir dir;
    test::WriteText(dir / "a.csv", "id,price\n1,5\n2,6\n");
    test::WriteText(dir / "b.csv", "id,price\n3,7\n");
    RunOptions options;
    options.workers = workers;
    RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
    ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
    std::vector<std::string> lines = Lines(test::ReadText(dir / "all.csv"));
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(lines, (std::vector<std::string>{"1,5", "2,6", "3,7"}));
    test::ExpectBalanced(result);
  }
}

constexpr const char* kBadRows = "id,price\n1,10\n2,zero\n3,0\n4,5\n";

TEST(ExecutorFlow, UnconsumedErrorsGoToTheErrorFile) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  raw = from csv("$DIR/in.csv", schema: Item)
  raw | derive q = 100 / price | into csv("$DIR/out.csv")
}
)";
  ScratchDir dir;
  test::WriteText(dir / "in.csv", kBadRows);
  RunOptions options;
  options.error_file = dir / "errors.jsonl";
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(test::ReadText(dir / "out.csv"), "id,price,q\n1,10,10\n4,5,20\n");
  EXPECT_EQ(result.errors, 2u);
  EXPECT_EQ(result.unconsumed_error_count, 2u);
  ASSERT_EQ(result.unconsumed_errors.size(), 2u);
  std::vector<std::string> lines = Lines(test::ReadText(dir / "errors.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  // The source's error: raw text as a JSON string, the file and line.
  const std::string& bad = lines[0];
  EXPECT_EQ(bad.rfind("{\"step\":\"raw\",\"code\":", 0), 0u) << bad;
  EXPECT_NE(bad.find("\"record\":\"2,zero\""), std::string::npos) << bad;
  EXPECT_NE(bad.find("\"source\":\"" + dir.path() + "/in.csv\",\"line\":3,\"at\":\""), std::string::npos) << bad;
  // The derive's error: the record as a JSON object (not re-quoted).
  const std::string& zero = lines[1];
  EXPECT_NE(zero.find("\"code\":\"division_by_zero\""), std::string::npos) << zero;
  EXPECT_NE(zero.find("\"record\":{\"id\":3,\"price\":0}"), std::string::npos) << zero;
  EXPECT_NE(zero.find("\"source\":null,\"line\":null"), std::string::npos) << zero;
  // at: RFC 3339 UTC with microseconds.
  size_t at = zero.find("\"at\":\"");
  ASSERT_NE(at, std::string::npos);
  std::string stamp = zero.substr(at + 6, 27);
  EXPECT_EQ(stamp.size(), 27u);
  EXPECT_EQ(stamp[10], 'T');
  EXPECT_EQ(stamp[19], '.');
  EXPECT_EQ(stamp[26], 'Z');
  StepMetrics raw = test::StepOf(result, "raw");
  EXPECT_EQ(raw.rows_in, 4u);
  EXPECT_EQ(raw.errors, 1u);
  test::ExpectBalanced(result);
}

TEST(ExecutorFlow, ConsumedErrorsAreABatchOfTheErrorsSchema) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  raw = from csv("$DIR/in.csv", schema: Item)
  d = raw | derive q = 100 / price
  d | into csv("$DIR/out.csv")
  raw.errors | into jsonl("$DIR/rejects.jsonl")
}
)";
  ScratchDir dir;
  test::WriteText(dir / "in.csv", kBadRows);
  RunOptions options;
  options.error_file = dir / "errors.jsonl";
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(result.errors, 2u);
  EXPECT_EQ(result.unconsumed_error_count, 1u);
  std::vector<std::string> rejects = Lines(test::ReadText(dir / "rejects.jsonl"));
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].rfind("{\"step\":\"raw\",", 0), 0u) << rejects[0];
  EXPECT_NE(rejects[0].find("\"line\":3"), std::string::npos) << rejects[0];
  std::vector<std::string> unconsumed = Lines(test::ReadText(dir / "errors.jsonl"));
  ASSERT_EQ(unconsumed.size(), 1u);
  EXPECT_EQ(unconsumed[0].rfind("{\"step\":\"d\",", 0), 0u) << unconsumed[0];
  test::ExpectBalanced(result);
}

TEST(ExecutorFlow, MaxErrorsFailsTheRunAndLeavesNoOutput) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  max_errors 1
  raw = from csv("$DIR/in.csv", schema: Item)
  raw | derive q = 100 / price | into csv("$DIR/out.csv")
}
)";
  ScratchDir dir;
  test::WriteText(dir / "in.csv", kBadRows);
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()));
  EXPECT_EQ(result.status, RunStatus::Failed);
  EXPECT_EQ(result.failure, "more than 1 records failed (max_errors 1)");
  EXPECT_EQ(dir.List(), std::vector<std::string>{"in.csv"});

  RunOptions options;  // the option overrides the setting
  options.max_errors = 2;
  result = RunEtl(test::WithDir(kProgram, dir.path()), options);
  EXPECT_EQ(result.status, RunStatus::Succeeded) << result.failure;
}

TEST(ExecutorFlow, GivenTapsAndDrySinks) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  raw = from csv("$DIR/missing.csv", schema: Item)
  sizes = raw | route {
    big: price >= 10
    small: else
  }
  sizes.big | into csv("$DIR/big.csv")
  sizes.small | into csv("$DIR/small.csv")
}
)";
  ScratchDir dir;
  std::optional<ir::Plan> plan = test::CompileEtl(test::WithDir(kProgram, dir.path()));
  ASSERT_TRUE(plan);
  const ir::Pipeline& pipeline = plan->pipelines[0];
  Batch given;
  std::string error;
  auto item = [](int64_t id, int64_t price) {
    ast::Value record;
    record.kind = ast::Value::Kind::Record;
    record.fields = {{"id", ast::Value::Int(id)}, {"price", ast::Value::Int(price)}};
    return record;
  };
  ASSERT_TRUE(MakeBatch(pipeline.Find("raw")->outputs[0].type, {item(1, 50), item(2, 3)}, given, &error))
      << error;
  RunOptions options;
  options.workers = 2;
  options.given["raw"] = {given};
  options.dry_sinks = true;
  std::string big_sink;
  for (const ir::Node& node : pipeline.nodes) {
    if (node.kind == ir::NodeKind::Sink && node.args[0].value->string_value == dir / "big.csv") big_sink = node.id;
  }
  ASSERT_FALSE(big_sink.empty());
  options.taps = {{"sizes", "big"}, {"sizes", "small"}, {big_sink, "done"}};
  RunResult result = RunPipeline(*plan, pipeline, options);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_TRUE(dir.List().empty());  // dry sinks write nothing
  auto rows = [&](const PortRef& port) {
    std::vector<std::string> out;
    for (const Batch& batch : result.tapped[port]) {
      for (size_t i = 0; i < batch.Size(); ++i) out.push_back(ast::ToLiteral(batch.Row(i)));
    }
    return out;
  };
  EXPECT_EQ(rows({"sizes", "big"}), std::vector<std::string>{"{id: 1, price: 50}"});
  EXPECT_EQ(rows({"sizes", "small"}), std::vector<std::string>{"{id: 2, price: 3}"});
  EXPECT_EQ(rows({big_sink, "done"}),
            std::vector<std::string>{"{target: \"" + (dir / "big.csv") + "\", rows: 1, bytes: 0}"});
}

TEST(ExecutorFlow, AggregateAndSortEmitOnClose) {
  constexpr const char* kProgram = R"(
schema Sale { shop: string, amount: int }
pipeline p {
  sales = from csv("$DIR/in.csv", schema: Sale)
  sales | aggregate by shop { n = count(), total = sum(amount) } | sort by total desc | into csv("$DIR/out.csv")
}
)";
  for (size_t workers : {1u, 4u}) {
    ScratchDir dir;
    test::WriteText(dir / "in.csv", "shop,amount\na,1\nb,10\na,2\nc,5\nb,1\n");
    RunOptions options;
    options.workers = workers;
    RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
    ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
    EXPECT_EQ(test::ReadText(dir / "out.csv"), "shop,n,total\nb,2,11\nc,1,5\na,2,3\n");
  }
}

TEST(ExecutorFlow, SelfJoinThroughABroadcastDoesNotDeadlock) {
  // `users` feeds the join's left input directly and its right input through `right`: with
  // tiny queues, a scheduler that blocked on a full queue would deadlock here.
  constexpr const char* kProgram = R"(
schema U { user: int, n: int }
pipeline p {
  users = from generate(count: 40000, schema: U, seed: 3) | select user = n % 1000, n
  right = users | select u2 = user, n2 = n
  users | join right on user == right.u2 | into csv("$DIR/out.csv", header: false)
}
)";
  uint64_t rows[2] = {0, 0};
  int i = 0;
  for (size_t workers : {1u, 4u}) {
    ScratchDir dir;
    RunOptions options;
    options.workers = workers;
    options.channel_batches = 1;
    options.timeout_us = 120'000'000;  // a deadlock fails the test instead of hanging it
    RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
    ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
    for (const StepMetrics& s : result.steps) {
      if (s.kind == ir::NodeKind::Join) rows[i] = s.rows_out;
    }
    std::string out = test::ReadText(dir / "out.csv");
    EXPECT_EQ(static_cast<uint64_t>(std::count(out.begin(), out.end(), '\n')), rows[i]);
    ++i;
  }
  EXPECT_GE(rows[0], 40000u);  // every record matches at least itself
  EXPECT_EQ(rows[0], rows[1]);
}

TEST(ExecutorFlow, SinkFailureFailsTheRunNamingTheSink) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  raw = from csv("$DIR/in.csv", schema: Item)
  raw | into csv("$DIR/in.csv/out.csv")
  raw | into csv("$DIR/good.csv")
}
)";
  ScratchDir dir;
  test::WriteText(dir / "in.csv", "id,price\n1,5\n");
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()));
  EXPECT_EQ(result.status, RunStatus::Failed);
  EXPECT_EQ(result.failure.rfind("`into_csv@5`: ", 0), 0u) << result.failure;
  // good.csv was complete, but a failed run publishes none of its outputs.
  EXPECT_EQ(dir.List(), std::vector<std::string>{"in.csv"});
}

TEST(ExecutorFlow, AFailedRunPublishesNoOutputEvenOfBranchesThatFinished) {
  constexpr const char* kProgram = R"(
schema Item { id: int, price: int }
pipeline p {
  max_errors 1
  small = from csv("$DIR/small.csv", schema: Item)
  small | into csv("$DIR/small_out.csv")
  raw = from csv("$DIR/in.csv", schema: Item)
  raw | derive q = 100 / price | into csv("$DIR/out.csv")
}
)";
  ScratchDir dir;
  test::WriteText(dir / "small.csv", "id,price\n1,5\n");
  std::string rows = "id,price\n";
  for (int i = 0; i < 20000; ++i) rows += std::to_string(i) + (i % 5000 == 4999 ? ",0\n" : ",1\n");
  test::WriteText(dir / "in.csv", rows);
  for (size_t workers : {1, 4}) {
    RunOptions options;
    options.workers = workers;
    RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
    EXPECT_EQ(result.status, RunStatus::Failed);
    EXPECT_EQ(dir.List(), (std::vector<std::string>{"in.csv", "small.csv"})) << workers;
  }
  // The same run without the limit publishes all three.
  RunOptions options;
  options.max_errors = 100;
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
  EXPECT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(dir.List(), (std::vector<std::string>{"in.csv", "out.csv", "small.csv", "small_out.csv"}));
}

}  // namespace
}  // namespace etl::runtime
