// Stateless steps run as one instance per worker, plain aggregates as instances sharing
// partitioned groups, and csv/jsonl sinks format batches on several workers (exec_run.cpp
// PushTurn): several workers push (format) batches of one step at once, yet every output
// file, error record and counter is the serial one, in input order, and queues stay bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "runtime/exec_run.h"
#include "tests/unit/driver_executor_util.h"
#include "tests/unit/file_size_limit.h"

namespace etl::runtime {
namespace {

using test::RunEtl;
using test::ScratchDir;

// The lines of `text`; with `without_at`, each line's `"at":"..."` (the wall-clock time of
// an error record) blanked.
std::vector<std::string> Lines(const std::string& text, bool without_at = false) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find("\"at\":\"");
    if (without_at && at != std::string::npos) line.erase(at + 6, line.find('"', at + 6) - (at + 6));
    lines.push_back(line);
  }
  return lines;
}

// The error records of `step` (its id quoted) among `lines`, in order.
std::vector<std::string> OfStep(const std::vector<std::string>& lines, const std::string& step) {
  std::vector<std::string> of;
  for (const std::string& line : lines) {
    if (line.rfind("{\"step\":" + step + ",", 0) == 0) of.push_back(line);
  }
  return of;
}

struct Outcome {
  std::vector<std::string> large, small, rejected;  // the three outputs' lines
  std::vector<std::string> errors;     // the first unconsumed error records: step, code, record
  RunResult result;
};

Outcome RunWith(const char* program, size_t workers, size_t channel_batches) {
  ScratchDir dir;
  Outcome o;
  o.result = test::RunInDir(program, dir, workers, channel_batches);
  EXPECT_EQ(o.result.status, RunStatus::Succeeded) << o.result.failure;
  test::ExpectBalanced(o.result);
  o.large = Lines(test::ReadText(dir / "large.jsonl"));
  o.small = Lines(test::ReadText(dir / "small.csv"));
  o.rejected = Lines(test::ReadText(dir / "rejected.jsonl"), /*without_at=*/true);
  for (const ErrorRecord& e : o.result.unconsumed_errors) o.errors.push_back(e.step + " " + e.code + " " + e.record);
  return o;
}

// `got` equals `want`; else the first difference (the lists are long).
void ExpectSameLines(const char* what, const std::vector<std::string>& got, const std::vector<std::string>& want,
                     size_t workers) {
  EXPECT_EQ(got.size(), want.size()) << what << ", " << workers << " workers";
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] == want[i]) continue;
    ADD_FAILURE() << what << ", " << workers << " workers: line " << i << " is\n  " << got[i] << "\nnot\n  " << want[i];
    return;
  }
}

// Every stateless kind in one chain, with row errors (division by zero, a failed rule)
// left unconsumed and a consumed errors port, over 120 batches whose cost varies (a
// regex on some rows), so that calls on different instances finish out of order.
constexpr const char* kChain = R"(
schema Row { id: int, x: float, s: string, t: timestamp? }
pipeline p {
  checked = from generate(count: 480000, schema: Row, seed: 11)
    | derive per = 1000 / (id % 97), tag = if id % 5 == 0 then regex_replace(upper(s) + s, "[AEIOU]+", "-") else s
    | filter id % 3 != 0
    | validate { id % 11 != 0 : "a multiple of 11" }
  sized = checked
    | rename x as weight
    | drop t
    | select id, per, tag, weight, ratio = 100 / (id % 89), parts = [id, id % 7]
    | explode parts as part
    | route { large: id % 4 == 0 or weight > 1000000.0, small: else }
  sized.large | into jsonl("$DIR/large.jsonl")
  sized.small | select id, part, tag | into csv("$DIR/small.csv")
  checked.errors | into jsonl("$DIR/rejected.jsonl")
}
)";

TEST(ExecutorParallel, StatelessStepsKeepTheSerialOutputsAndErrorOrder) {
  Outcome one = RunWith(kChain, 1, 8);
  ASSERT_FALSE(one.large.empty());
  ASSERT_FALSE(one.small.empty());
  ASSERT_FALSE(one.rejected.empty());
  ASSERT_EQ(one.errors.size(), 1000u);  // the first RunOptions::keep_errors of 3,314
  for (size_t workers : {2, 4}) {
    for (size_t channel : {2, 8}) {
      Outcome many = RunWith(kChain, workers, channel);
      ExpectSameLines("large.jsonl", many.large, one.large, workers);
      ExpectSameLines("small.csv", many.small, one.small, workers);
      // Several steps feed `checked.errors`: their records interleave as they come, but
      // each step's keep their order.
      for (const char* step : {"\"checked#1\"", "\"checked\""}) {
        EXPECT_FALSE(OfStep(one.rejected, step).empty()) << step;
        ExpectSameLines(step, OfStep(many.rejected, step), OfStep(one.rejected, step), workers);
      }
      ExpectSameLines("unconsumed errors", many.errors, one.errors, workers);
      for (const StepMetrics& step : one.result.steps) {
        StepMetrics other = test::StepOf(many.result, step.step);
        EXPECT_EQ(other.rows_in, step.rows_in) << step.step;
        EXPECT_EQ(other.rows_out, step.rows_out) << step.step;
        EXPECT_EQ(other.filtered, step.filtered) << step.step;
        EXPECT_EQ(other.errors, step.errors) << step.step;
      }
    }
  }
}

// A partitioned aggregate behind a parallel filter: many groups (several output batches),
// every aggregate function, row errors (division by zero), a group whose int sum overflows
// and an output expression that fails for some groups.
constexpr const char* kGroups = R"(
schema Row { id: int, x: float, s: string, t: timestamp? }
pipeline p {
  totals = from generate(count: 300000, schema: Row, seed: 13)
    | filter id % 13 != 0
    | aggregate by k = id % 7919, even = id % 2 == 0 {
        n = count(), nt = count(t), cd = count_distinct(s)
        big = sum(if id % 7919 == 3 then 4000000000000000000 else id)
        per = sum(1000 / (id % 97)), sx = sum(x), ax = avg(x), sd = stddev(x), p = percentile(x, 0.9)
        mn = min(s), mx = max(x), fi = first(s), la = last(x), ids = list(id)
        ratio = 100 / (count() - 19)
      }
  totals | into jsonl("$DIR/large.jsonl")
  totals.errors | into jsonl("$DIR/rejected.jsonl")
}
)";

TEST(ExecutorParallel, APartitionedAggregateKeepsTheSerialGroupsValuesAndErrors) {
  Outcome one = RunWith(kGroups, 1, 8);
  ASSERT_GT(one.large.size(), 2 * kDefaultBatchRows);
  // 2,826 row errors, then the failing groups: 22 divisions by zero and 2 overflows.
  ASSERT_EQ(one.rejected.size(), 2850u);
  EXPECT_EQ(std::count_if(one.rejected.begin(), one.rejected.end(),
                          [](const std::string& line) { return line.find("\"code\":\"overflow\"") != std::string::npos; }),
            2);
  for (size_t workers : {2, 4}) {
    for (size_t channel : {2, 8}) {
      Outcome many = RunWith(kGroups, workers, channel);
      ExpectSameLines("large.jsonl", many.large, one.large, workers);
      ExpectSameLines("rejected.jsonl", many.rejected, one.rejected, workers);
      EXPECT_EQ(many.result.errors, one.result.errors);
    }
  }
}

// A JIT that compiles nothing: every step is interpreted (BindActors only asks the mode).
class NoKernels : public KernelCompiler {
 public:
  std::unique_ptr<ValuesKernel> CompileValues(const StepExprs&, JitCompileInfo*) override { return nullptr; }
  std::unique_ptr<ConditionsKernel> CompileConditions(const StepExprs&, ConditionMode, JitCompileInfo*) override {
    return nullptr;
  }
};

// The node kinds whose actors BindActors made parallel, with their slots ("filter/2").
std::vector<std::string> ParallelActors(const RunOptions& options, const std::string& dir) {
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string, t: timestamp }
pipeline p {
  rows = from generate(count: 10, schema: Row, seed: 1) | filter id > 0 | derive u = upper(s)
  rows | into csv("$DIR/a.csv")
  rows | take 3 | into jsonl("$DIR/b.jsonl")
  rows | aggregate by s { n = count() } | into csv("$DIR/c.csv")
  rows | aggregate by s window tumbling(5m, on: t) { n = count() } | into csv("$DIR/d.csv")
}
)";
  std::optional<ir::Plan> plan = test::CompileEtl(test::WithDir(kProgram, dir));
  if (!plan) return {"the program did not compile"};
  std::vector<Actor> actors;
  std::string error;
  if (!BindActors(*plan, plan->pipelines[0], options, &actors, &error)) return {error};
  std::vector<std::string> parallel;
  for (const Actor& a : actors) {
    if (!a.parallel) continue;
    parallel.push_back(a.node->step.empty() ? std::string(ir::Spelling(a.node->kind)) : a.node->step);
    parallel.back() += "/" + std::to_string(a.push_slots) + (a.text_sink ? " text" : "");
  }
  return parallel;
}

TEST(ExecutorParallel, BindingChoosesWhatRunsInParallel) {
  ScratchDir dir;
  RunOptions options;
  options.workers = 3;
  // A plain aggregate is partitioned; a windowed one is not.
  EXPECT_EQ(ParallelActors(options, dir.path()),
            (std::vector<std::string>{"filter/3", "derive/3", "csv/3 text", "jsonl/3 text", "aggregate/3", "csv/3 text",
                                      "csv/3 text"}));
  options.workers = 1;
  EXPECT_TRUE(ParallelActors(options, dir.path()).empty());
  // Under `persist disk` a sink checkpoints what it was pushed, and an aggregate logs what
  // its calls emit: one call at a time.
  options.workers = 2;
  options.persist_disk = true;
  options.persist_dir = dir / "persist";
  EXPECT_EQ(ParallelActors(options, dir.path()), (std::vector<std::string>{"filter/2", "derive/2"}));
  // Under the JIT each instance would compile again: operators keep one.
  NoKernels jit;
  options.persist_disk = false;
  options.jit = JitMode::On;
  options.jit_compiler = &jit;
  EXPECT_EQ(ParallelActors(options, dir.path()),
            (std::vector<std::string>{"csv/2 text", "jsonl/2 text", "csv/2 text", "csv/2 text"}));
}

TEST(ExecutorParallel, CallsOutCountAgainstTheConsumersRoom) {
  // Four instances of a slow derive in front of a jsonl sink, queues of 3: a call is taken
  // only while the sink's queue plus the calls already out are below the bound.
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string }
pipeline p {
  from generate(count: 400000, schema: Row, seed: 5)
    | derive t = regex_replace(upper(s) + lower(s), "[aeiou]", "_")
    | into jsonl("$DIR/out.jsonl")
}
)";
  ScratchDir dir;
  RunResult result = test::RunInDir(kProgram, dir, 4, 3);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(test::StepOf(result, "into_jsonl@6").rows_out, 400000u);
  EXPECT_LE(result.max_queued_batches, 4u);
}

TEST(ExecutorParallel, AWriteThatFailsWhileOthersFormatFailsTheRunAndPublishesNothing) {
  // Texts are written by one worker outside the run's lock while others format: a write
  // that fails (the file size limit) stops the run at once with the sink's message, and
  // the output is not published.
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string }
pipeline p {
  from generate(count: 2000000, schema: Row, seed: 5) | into jsonl("$DIR/out.jsonl")
}
)";
  ScratchDir dir;
  RunResult result;
  {
    test::FileSizeLimit limit(4 << 20);
    ASSERT_TRUE(limit.set());
    result = test::RunInDir(kProgram, dir, 4);
  }
  EXPECT_EQ(result.status, RunStatus::Failed);
  EXPECT_NE(result.failure.find("`into_jsonl@"), std::string::npos) << result.failure;
  EXPECT_NE(result.failure.find("write failed"), std::string::npos) << result.failure;
  // The run stopped at the failed write (4 MiB is ~90,000 rows), not at the close.
  EXPECT_LT(test::StepOf(result, "from_generate@4").rows_out, 1'000'000u);
  EXPECT_EQ(dir.List(), std::vector<std::string>{}) << "nothing published, no temporary file left";
}

TEST(ExecutorParallel, ATakeAfterAParallelStepStopsIt) {
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string }
pipeline p {
  from generate(count: 100000000, schema: Row, seed: 5)
    | derive u = upper(s)
    | filter id % 2 == 0
    | take 10
    | into jsonl("$DIR/out.jsonl")
}
)";
  ScratchDir dir;
  RunResult result = test::RunInDir(kProgram, dir, 4);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_EQ(test::StepOf(result, "into_jsonl@8").rows_out, 10u);
  EXPECT_LT(test::StepOf(result, "from_generate@4").rows_out, 10'000'000u);
}

}  // namespace
}  // namespace etl::runtime
