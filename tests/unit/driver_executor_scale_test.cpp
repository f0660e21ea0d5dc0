// The executor at scale: back-pressure keeps queues bounded, `take` stops a huge source at
// once, cancellation and timeout stop promptly and leave no partial or temporary file.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "tests/unit/driver_executor_util.h"

namespace etl::runtime {
namespace {

using test::RunEtl;
using test::ScratchDir;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr const char* kHuge = R"(
schema Row { id: int, x: int, s: string }
pipeline p {
  from generate(count: 100000000, schema: Row, seed: 1)
    | derive t = upper(s) + lower(s)
    | into csv("$DIR/out.csv")
}
)";

TEST(ExecutorScale, BackPressureKeepsQueuesBounded) {
  constexpr const char* kProgram = R"(
schema Row { id: int, x: int, s: string }
pipeline p {
  from generate(count: 2000000, schema: Row, seed: 1)
    | derive t = upper(s) + lower(s) + upper(s)
    | into jsonl("$DIR/out.jsonl")
}
)";
  ScratchDir dir;
  RunResult result = test::RunInDir(kProgram, dir, 4, 4);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(test::StepOf(result, "into_jsonl@6").rows_out, 2000000u);
  // A producer only runs while every queue it feeds is below 4; one call emits one batch.
  EXPECT_LE(result.max_queued_batches, 5u);
  EXPECT_GE(result.max_queued_batches, 1u);
}

// A stream whose every write takes 150 ms: a slow sink.
class SlowStreamBuf : public std::stringbuf {
 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    return std::stringbuf::xsputn(s, n);
  }
};

TEST(ExecutorScale, ASlowSinkDoesNotStallAnUnrelatedBranch) {
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string }
pipeline p {
  from generate(count: 300000, schema: Row, seed: 1) | into stdout(format: "jsonl")
  from generate(count: 300000, schema: Row, seed: 2) | into csv("$DIR/fast.csv")
}
)";
  ScratchDir dir;
  SlowStreamBuf slow;
  std::ostream stream(&slow);
  RunOptions options;
  options.workers = 2;
  options.channel_batches = 4;
  options.out = &stream;
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()), options);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  const StepMetrics& slow_sink = test::StepOf(result, "into_stdout@4");
  const StepMetrics& fast_sink = test::StepOf(result, "into_csv@5");
  EXPECT_EQ(slow_sink.rows_out, 300000u);
  EXPECT_EQ(fast_sink.rows_out, 300000u);
  // The slow branch is held back by its own channel only: the other one finishes in a
  // fraction of the slow one's time.
  int64_t slow_us = slow_sink.finished_us - result.started_us;
  int64_t fast_us = fast_sink.finished_us - result.started_us;
  EXPECT_GT(slow_us, 600'000) << "the stream is not slow enough for this test";
  EXPECT_LT(fast_us, slow_us / 2) << fast_us << " us vs " << slow_us << " us";
}

TEST(ExecutorScale, TakeStopsAHugeSourcePromptly) {
  constexpr const char* kProgram = R"(
schema Row { id: int, x: int }
pipeline p {
  from generate(count: 100000000, schema: Row, seed: 1) | take 10 | into csv("$DIR/out.csv", header: false)
}
)";
  ScratchDir dir;
  auto start = std::chrono::steady_clock::now();
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()));
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_LT(SecondsSince(start), 5.0);
  std::string out = test::ReadText(dir / "out.csv");
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 10);
  StepMetrics source = result.steps[0];
  EXPECT_EQ(source.kind, ir::NodeKind::Source);
  EXPECT_LT(source.rows_in, 1000000u);
  test::ExpectBalanced(result);
}

TEST(ExecutorScale, TakeZeroReadsAlmostNothing) {
  constexpr const char* kProgram = R"(
schema Row { id: int, x: int }
pipeline p {
  from generate(count: 100000000, schema: Row, seed: 1) | take 0 | into csv("$DIR/out.csv")
}
)";
  ScratchDir dir;
  auto start = std::chrono::steady_clock::now();
  RunResult result = RunEtl(test::WithDir(kProgram, dir.path()));
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_LT(SecondsSince(start), 5.0);
  EXPECT_EQ(test::ReadText(dir / "out.csv"), "id,x\n");
  EXPECT_LT(result.steps[0].rows_in, 1000000u);
  test::ExpectBalanced(result);
}

TEST(ExecutorScale, CancellationStopsAndLeavesNoFile) {
  ScratchDir dir;
  std::atomic<bool> cancel{false};
  RunOptions options;
  options.cancel = &cancel;
  options.workers = 2;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  RunResult result = RunEtl(test::WithDir(kHuge, dir.path()), options);
  double seconds = SecondsSince(start);
  canceller.join();
  EXPECT_EQ(result.status, RunStatus::Cancelled);
  EXPECT_EQ(result.failure, "cancelled");
  EXPECT_LT(seconds, 10.0);
  EXPECT_TRUE(dir.List().empty());  // neither out.csv nor its temporary file
  EXPECT_GT(result.steps[0].rows_in, 0u);
}

TEST(ExecutorScale, TimeoutStopsAndLeavesNoFile) {
  ScratchDir dir;
  RunOptions options;
  options.timeout_us = 200'000;
  auto start = std::chrono::steady_clock::now();
  RunResult result = RunEtl(test::WithDir(kHuge, dir.path()), options);
  EXPECT_EQ(result.status, RunStatus::TimedOut);
  EXPECT_EQ(result.failure, "timed out after 200ms");
  EXPECT_LT(SecondsSince(start), 10.0);
  EXPECT_TRUE(dir.List().empty());
}

}  // namespace
}  // namespace etl::runtime
