#include "compiler/driver/replay_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "runtime/run_log.h"

namespace etl::driver {

namespace {

// Unfit records shown before "... and N more".
constexpr size_t kShownUnfit = 10;

std::string Records(uint64_t n) { return fmt::format("{} record{}", runtime::FormatCount(n), n == 1 ? "" : "s"); }

// The step's entry of `counts`, added (in order of first use) when missing.
ReplayStepCount& StepOf(ReplayCounts& counts, const std::string& step) {
  for (ReplayStepCount& count : counts.steps) {
    if (count.step == step) return count;
  }
  counts.steps.push_back(ReplayStepCount{step});
  return counts.steps.back();
}

}  // namespace

ReplayCounts CountReplay(const ReplaySet& set, const ReplayPipeline& replay,
                         const std::vector<runtime::StepMetrics>& metrics) {
  ReplayCounts counts;
  std::map<std::string, uint64_t> sent;
  for (const ReplayInput& input : set.inputs) sent[input.target.node] += input.records.size();
  for (const ReplaySourceFile& file : set.files) sent[file.node] += file.errors.size();
  std::set<std::string> given(replay.given_nodes.begin(), replay.given_nodes.end());
  for (const runtime::StepMetrics& step : metrics) {
    if (given.count(step.step) || !replay.replayed.count(step.step)) continue;
    auto it = sent.find(step.step);
    uint64_t replayed = it == sent.end() ? 0 : it->second;
    if (replayed == 0 && step.errors == 0) continue;
    ReplayStepCount& count = StepOf(counts, step.step);
    count.replayed = replayed;
    count.failed_again = step.errors;
  }
  for (const auto& [node, n] : sent) {
    if (StepOf(counts, node).replayed == 0) StepOf(counts, node).replayed = n;
  }
  for (const ReplayUnfit& unfit : set.unfit) ++StepOf(counts, unfit.node).unfit;
  for (const ReplayStepCount& count : counts.steps) {
    counts.replayed += count.replayed;
    counts.failed_again += count.failed_again;
    counts.unfit += count.unfit;
  }
  counts.succeeded = counts.replayed - std::min(counts.replayed, counts.failed_again);
  return counts;
}

void PrintUnfit(const std::vector<runtime::StoredError>& errors, const ReplaySet& set, Io& io) {
  if (set.unfit.empty()) return;
  io.err << fmt::format("{} cannot be replayed:\n", Records(set.unfit.size()));
  for (size_t i = 0; i < set.unfit.size() && i < kShownUnfit; ++i) {
    const ReplayUnfit& unfit = set.unfit[i];
    const runtime::StoredError& error = errors[unfit.error];
    std::string where = error.source && error.line ? fmt::format(" ({}:{})", *error.source, *error.line) : "";
    io.err << fmt::format("  `{}`{}: {}\n", unfit.node, where, unfit.reason);
  }
  if (set.unfit.size() > kShownUnfit) io.err << fmt::format("  ... and {} more\n", set.unfit.size() - kShownUnfit);
}

void PrintDryRun(const runtime::StoredRun& run, const std::string& file, const ir::Pipeline& fixed,
                 const std::vector<runtime::StoredError>& errors, const ReplaySet& set, Io& io) {
  io.out << fmt::format("replay of run {} ({}) through pipeline `{}` of {}:\n", run.id, Records(errors.size()),
                        fixed.name, file);
  std::vector<ReplayInjection> injections;
  for (const ReplayInput& input : set.inputs) {
    io.out << fmt::format("  {}: {} into its input `{}`\n", input.target.node, Records(input.records.size()),
                          input.target.port);
    injections.push_back(input.target);
  }
  std::vector<ReplayReread> rereads;
  std::set<std::string> reread_nodes;
  for (const ReplaySourceFile& source : set.files) {
    io.out << fmt::format("  {}: {} re-read ({}) from {}\n", source.node, Records(source.errors.size()), source.spec,
                          source.source);
    if (reread_nodes.insert(source.node).second) rereads.push_back(ReplayReread{source.node, "replay"});
  }
  if (!set.unfit.empty()) {
    io.out << fmt::format("  not replayable: {}\n", Records(set.unfit.size()));
    for (size_t i = 0; i < set.unfit.size() && i < kShownUnfit; ++i) {
      io.out << fmt::format("    `{}`: {}\n", set.unfit[i].node, set.unfit[i].reason);
    }
    if (set.unfit.size() > kShownUnfit) io.out << fmt::format("    ... and {} more\n", set.unfit.size() - kShownUnfit);
  }
  ReplayPipeline replay;
  std::string error;
  if (injections.empty() && rereads.empty()) {
    io.out << "nothing would run\n";
  } else if (!MakeReplayPipeline(fixed, injections, rereads, replay, error)) {
    io.out << fmt::format("the replay cannot run: {}\n", error);
  } else {
    std::vector<std::string> steps, sinks;
    for (const ir::Node& node : replay.pipeline.nodes) {
      if (std::find(replay.given_nodes.begin(), replay.given_nodes.end(), node.id) != replay.given_nodes.end()) {
        continue;
      }
      steps.push_back(replay.recomputed.count(node.id) ? node.id + " (recomputed)" : node.id);
      if (node.kind == ir::NodeKind::Sink) sinks.push_back(node.id);
    }
    io.out << fmt::format("steps that would run: {}\n", fmt::join(steps, ", "));
    io.out << fmt::format("sinks that would append: {}\n", sinks.empty() ? "none" : fmt::format("{}", fmt::join(sinks, ", ")));
    for (const std::string& warning : replay.warnings) io.out << fmt::format("warning: {}\n", warning);
  }
  io.out << "dry run: nothing ran\n";
}

void PrintReplaySummary(const std::string& old_run, const std::string& new_run, const runtime::RunResult& result,
                        const ReplayCounts& counts, const std::string& error_file, bool quiet, Io& io) {
  if (!quiet) {
    std::vector<std::vector<std::string>> rows = {{"step", "replayed", "failed again", "not replayable"}};
    for (const ReplayStepCount& step : counts.steps) {
      rows.push_back({step.step, runtime::FormatCount(step.replayed), runtime::FormatCount(step.failed_again),
                      runtime::FormatCount(step.unfit)});
    }
    std::vector<size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
      std::string line = fmt::format("{:<{}}", row[0], widths[0]);
      for (size_t i = 1; i < row.size(); ++i) line += fmt::format("  {:>{}}", row[i], widths[i]);
      io.err << line << "\n";
    }
  }
  std::string line = fmt::format("replay {} of run {} {} in {}: {} replayed, {} succeeded, {} failed again", new_run,
                                 old_run, runtime::Spelling(result.status),
                                 runtime::FormatSeconds(result.finished_us - result.started_us),
                                 Records(counts.replayed), runtime::FormatCount(counts.succeeded),
                                 runtime::FormatCount(counts.failed_again));
  if (counts.unfit > 0) line += fmt::format(", {} not replayable", runtime::FormatCount(counts.unfit));
  if (!error_file.empty()) line += fmt::format(" (see {})", error_file);
  io.err << line << "\n";
}

}  // namespace etl::driver
