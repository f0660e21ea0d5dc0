// The executor's event stream: the run's lifecycle, per-step events, at most 5
// record_failed events per step, serialised observer calls, and progress snapshots.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "tests/unit/driver_executor_util.h"

namespace etl::runtime {
namespace {

// Records events and checks that calls never overlap.
class RecordingObserver : public RunObserver {
 public:
  void OnEvent(const RunEvent& event) override {
    Enter();
    events.push_back(event);
    Leave();
  }
  void OnProgress(const RunProgress& progress) override {
    Enter();
    ++progress_calls;
    last_progress_steps = progress.steps.size();
    Leave();
  }
  size_t Count(const std::string& name, const std::string& step = "*") const {
    size_t n = 0;
    for (const RunEvent& e : events) {
      if (e.event == name && (step == "*" || e.step == step)) ++n;
    }
    return n;
  }
  const ast::Value* Field(const std::string& name, const std::string& step, const std::string& field) const {
    for (const RunEvent& e : events) {
      if (e.event != name || e.step != step) continue;
      for (const auto& [key, value] : e.fields) {
        if (key == field) return &value;
      }
    }
    return nullptr;
  }

  std::vector<RunEvent> events;
  size_t progress_calls = 0;
  size_t last_progress_steps = 0;
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};

 private:
  void Enter() {
    if (inside.fetch_add(1) != 0) overlapped = true;
  }
  void Leave() { inside.fetch_sub(1); }
};

TEST(ExecutorEvents, LifecycleAndCappedRecordFailures) {
  constexpr const char* kProgram = R"(
schema Row { id: int, x: int }
pipeline p {
  rows = from generate(count: 300000, schema: Row, seed: 5)
  rows | derive q = 100 / (x % 2) | into csv("$DIR/out.csv")
}
)";
  test::ScratchDir dir;
  RecordingObserver observer;
  RunOptions options;
  options.workers = 4;
  options.observer = &observer;
  options.progress_interval_us = 1000;
  options.run_id = "run-1";
  RunResult result = test::RunEtl(test::WithDir(kProgram, dir.path()), options);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_FALSE(observer.overlapped);
  ASSERT_FALSE(observer.events.empty());
  EXPECT_EQ(observer.events.front().event, "run_started");
  EXPECT_EQ(observer.events.back().event, "run_finished");
  EXPECT_EQ(observer.events.front().run, "run-1");
  EXPECT_EQ(observer.events.front().pipeline, "p");
  EXPECT_EQ(observer.Count("step_started"), 3u);
  EXPECT_EQ(observer.Count("step_finished"), 3u);
  EXPECT_EQ(observer.Count("sink_committed"), 1u);
  // About half the rows divide by zero: many errors, 5 events, the rest counted.
  uint64_t errors = 0;
  std::string derive;
  for (const StepMetrics& s : result.steps) {
    if (s.kind == ir::NodeKind::Derive) {
      errors = s.errors;
      derive = s.step;
    }
  }
  EXPECT_GT(errors, 100000u);
  EXPECT_EQ(result.errors, errors);
  EXPECT_EQ(observer.Count("record_failed", derive), 5u);
  const ast::Value* not_logged = observer.Field("step_finished", derive, "errors_not_logged");
  ASSERT_NE(not_logged, nullptr);
  EXPECT_EQ(static_cast<uint64_t>(not_logged->int_value), errors - 5);
  const ast::Value* status = observer.Field("run_finished", "", "status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->string_value, "succeeded");
  // Events of a step come in order: started before finished.
  size_t started = 0, finished = 0;
  for (size_t i = 0; i < observer.events.size(); ++i) {
    if (observer.events[i].step != derive) continue;
    if (observer.events[i].event == "step_started") started = i;
    if (observer.events[i].event == "step_finished") finished = i;
  }
  EXPECT_LT(started, finished);
  EXPECT_EQ(observer.last_progress_steps == 0 || observer.last_progress_steps == 3, true);
  test::ExpectBalanced(result);
}

TEST(ExecutorEvents, ProgressIsReportedWhileRunning) {
  constexpr const char* kProgram = R"(
schema Row { id: int, s: string }
pipeline p {
  from generate(count: 3000000, schema: Row, seed: 5) | derive t = upper(s) | into jsonl("$DIR/out.jsonl")
}
)";
  test::ScratchDir dir;
  RecordingObserver observer;
  RunOptions options;
  options.observer = &observer;
  options.progress_interval_us = 20'000;
  RunResult result = test::RunEtl(test::WithDir(kProgram, dir.path()), options);
  ASSERT_EQ(result.status, RunStatus::Succeeded) << result.failure;
  EXPECT_GE(observer.progress_calls, 1u);
  EXPECT_EQ(observer.last_progress_steps, 3u);
  EXPECT_FALSE(observer.overlapped);
}

TEST(ExecutorEvents, MaxErrorsEvent) {
  constexpr const char* kProgram = R"(
schema Row { id: int, x: int }
pipeline p {
  max_errors 10
  from generate(count: 100000, schema: Row, seed: 5) | derive q = 100 / (x % 2) | into csv("$DIR/out.csv")
}
)";
  test::ScratchDir dir;
  RecordingObserver observer;
  RunOptions options;
  options.observer = &observer;
  RunResult result = test::RunEtl(test::WithDir(kProgram, dir.path()), options);
  EXPECT_EQ(result.status, RunStatus::Failed);
  EXPECT_EQ(result.failure, "more than 10 records failed (max_errors 10)");
  EXPECT_EQ(observer.Count("max_errors_exceeded"), 1u);
  EXPECT_TRUE(dir.List().empty());
}

}  // namespace
}  // namespace etl::runtime
