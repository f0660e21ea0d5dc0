// Helpers for the executor tests: compile .etl text to a plan in-process (sema + lower, as
// the driver does), run one of its pipelines, and look at files in a scratch directory.
#pragma once

#include <gtest/gtest.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/ir/lower.h"
#include "compiler/sema/program.h"
#include "runtime/executor.h"

namespace etl::test {

// Checks and lowers `text`; fails the test (and returns nullopt) on any diagnostic error.
inline std::optional<ir::Plan> CompileEtl(const std::string& text, const std::string& path = "test.etl") {
  auto program = sema::LoadProgram(path, [&](const std::string& p) -> std::optional<std::string> {
    if (p == path) return text;
    return std::nullopt;
  });
  if (!program || program->modules.empty()) {
    ADD_FAILURE() << "cannot load the program";
    return std::nullopt;
  }
  sema::Check(*program);
  if (program->diagnostics.HasErrors()) {
    std::string messages;
    for (const auto& d : program->diagnostics.All()) messages += d.message + "\n";
    ADD_FAILURE() << "sema errors:\n" << messages;
    return std::nullopt;
  }
  diag::Diagnostics lowering;
  std::optional<ir::Plan> plan = ir::Lower(*program, lowering);
  for (const auto& d : lowering.All()) ADD_FAILURE() << d.message;
  return plan;
}

// A fresh directory under /tmp, removed with everything in it at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/etl-exec-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  // The names in the directory, sorted.
  std::vector<std::string> List() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// Replaces every `$DIR` in `text` by `dir` (programs name files in the scratch directory).
inline std::string WithDir(std::string text, const std::string& dir) {
  for (size_t at = text.find("$DIR"); at != std::string::npos; at = text.find("$DIR", at + dir.size())) {
    text.replace(at, 4, dir);
  }
  return text;
}

// Compiles `text` and runs its pipeline `name` (the first when empty).
inline runtime::RunResult RunEtl(const std::string& text, runtime::RunOptions options = {},
                                 const std::string& name = "") {
  std::optional<ir::Plan> plan = CompileEtl(text);
  if (!plan || plan->pipelines.empty()) {
    runtime::RunResult failed;
    failed.status = runtime::RunStatus::Failed;
    failed.failure = "test: the program did not compile";
    return failed;
  }
  const ir::Pipeline* pipeline = name.empty() ? &plan->pipelines[0] : plan->Find(name);
  if (options.workers == 0) options.workers = 2;
  return runtime::RunPipeline(*plan, *pipeline, options);
}

// Runs `program` with its `$DIR` in `dir`, at `workers` workers and input queues of
// `channel_batches` messages.
inline runtime::RunResult RunInDir(const char* program, const ScratchDir& dir, size_t workers,
                                   size_t channel_batches = 8) {
  runtime::RunOptions options;
  options.workers = workers;
  options.channel_batches = channel_batches;
  return RunEtl(WithDir(program, dir.path()), options);
}

// The metrics of step `id` (fails the test when absent).
inline runtime::StepMetrics StepOf(const runtime::RunResult& result, const std::string& id) {
  for (const auto& step : result.steps) {
    if (step.step == id) return step;
  }
  ADD_FAILURE() << "no step `" << id << "`";
  return {};
}

// Every finished step of a kind with the in = out + filtered + errors law balances.
inline void ExpectBalanced(const runtime::RunResult& result) {
  for (const auto& s : result.steps) {
    if (!s.finished) continue;
    if (s.kind == ir::NodeKind::Explode || s.kind == ir::NodeKind::Aggregate || s.kind == ir::NodeKind::Join) continue;
    EXPECT_EQ(s.rows_in, s.rows_out + s.filtered + s.errors) << "step " << s.step;
  }
}

}  // namespace etl::test
