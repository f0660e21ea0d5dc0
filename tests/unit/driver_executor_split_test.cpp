// Splitting sources (step.h Source::Splits): several workers read pieces of one source at
// once, yet every output, error and counter is the same as with one worker, in input order.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/driver_executor_util.h"

namespace etl::runtime {
namespace {

using test::RunEtl;
using test::ScratchDir;

// Runs `program` (with $DIR) at `workers` workers; the output file's text.
std::string RunWith(const char* program, size_t workers, size_t channel_batches, RunResult* result_out = nullptr) {
  ScratchDir dir;
  RunResult result = test::RunInDir(program, dir, workers, channel_batches);
  EXPECT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  test::ExpectBalanced(result);
  if (result_out) *result_out = result;
  return test::ReadText(dir / "out.jsonl");
}

TEST(ExecutorSplit, GeneratedRowsKeepTheirOrderAtAnyWorkerCount) {
  // 300 batches: pieces are read out of order on 4 workers and must be delivered in order.
  constexpr const char* kProgram = R"(
schema Row { id: int, x: float, s: string, t: timestamp? }
pipeline p {
  from generate(count: 1200000, schema: Row, seed: 7)
    | derive y = x * 2.0, u = upper(s)
    | filter id % 3 != 0
    | into jsonl("$DIR/out.jsonl")
}
)";
  RunResult one, four;
  std::string serial = RunWith(kProgram, 1, 8, &one);
  ASSERT_FALSE(serial.empty());
  EXPECT_EQ(RunWith(kProgram, 2, 8), serial);
  EXPECT_EQ(RunWith(kProgram, 4, 2, &four), serial);
  EXPECT_EQ(test::StepOf(four, "from_generate@4").rows_out, 1200000u);
  EXPECT_EQ(test::StepOf(four, "into_jsonl@7").rows_out, test::StepOf(one, "into_jsonl@7").rows_out);
}

TEST(ExecutorSplit, BackPressureStillBoundsQueuesWithManyReaders) {
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string }
pipeline p {
  from generate(count: 600000, schema: Row, seed: 3)
    | derive t = upper(s) + lower(s) + upper(s)
    | into jsonl("$DIR/out.jsonl")
}
)";
  RunResult result;
  RunWith(kProgram, 4, 3, &result);
  // Pieces read ahead wait in the source, not in the queues: one delivery at a time, each
  // after a room check, so a queue holds at most its limit plus the batch just delivered.
  EXPECT_LE(result.max_queued_batches, 4u);
}

TEST(ExecutorSplit, TakeStopsEveryReader) {
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string }
pipeline p {
  from generate(count: 1000000000, schema: Row, seed: 1)
    | take 10
    | into jsonl("$DIR/out.jsonl")
}
)";
  RunResult result;
  std::string text = RunWith(kProgram, 4, 8, &result);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10);
  // The source stopped long before its billion rows.
  EXPECT_LT(test::StepOf(result, "from_generate@4").rows_out, 10000000u);
}

}  // namespace
}  // namespace etl::runtime
