#include "compiler/driver/replay.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "compiler/driver/plan_loader.h"
#include "compiler/driver/replay_plan.h"
#include "compiler/driver/replay_records.h"
#include "compiler/driver/replay_report.h"
#include "compiler/driver/run_signals.h"
#include "compiler/ir/json.h"
#include "runtime/error_file.h"
#include "runtime/executor.h"
#include "runtime/io_factory.h"
#include "runtime/run_log.h"
#include "runtime/run_params.h"
#include "runtime/run_record.h"
#include "runtime/run_store.h"
#include "runtime/source_csv_convert.h"

namespace etl::driver {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCommand = "errors";

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A failure of the replay (exit 3).
int ReplayError(std::string_view message, Io& io) {
  io.err << fmt::format("etlc errors: error: {}\n", message);
  io.err.flush();
  return kExitRunFailed;
}

// The run's params as `name=value` arguments (the fixed plan's params only; a param the
// fix removed is left out), so ResolveParams parses them as the params' types and a
// `--param` given after them wins.
std::vector<std::string> StoredParamArgs(const std::string& params_json, const ir::Plan& plan) {
  std::vector<std::string> args;
  auto json = nlohmann::ordered_json::parse(params_json, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return args;
  for (const ir::Param& param : plan.params) {
    auto it = json.find(param.name);
    if (it == json.end()) continue;
    args.push_back(param.name + "=" + (it->is_string() ? it->get<std::string>() : it->dump()));
  }
  return args;
}

// Whether the csv source `node` reads a header line (its `header:` argument, default true).
bool ReadsHeader(const ir::Pipeline& pipeline, const std::string& node,
                 const std::map<std::string, ast::Value, std::less<>>& params) {
  const ir::Node* source = pipeline.Find(node);
  runtime::EvalContext eval;
  eval.params = params;
  for (const ir::StepArg& arg : source->args) {
    if (arg.name != "header") continue;
    std::string ignored;
    std::optional<ast::Value> value = runtime::EvaluateArg(arg, eval, &ignored);
    if (value && value->kind == ast::Value::Kind::Bool) return value->bool_value;
  }
  return true;
}

// Removes a folder and everything in it when it goes out of scope.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::string path) : path_(std::move(path)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  ~RemoveOnExit() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }

 private:
  std::string path_;
};

// The stored run to replay; an exit code when there is none or it cannot be replayed.
std::optional<int> LoadRun(const ReplayRequest& request, Io& io, std::unique_ptr<runtime::RunStore>& store,
                           runtime::StoredRun& run, std::vector<runtime::StoredError>& errors) {
  if (request.store.empty() && !fs::exists(runtime::RunStorePath(request.state_dir))) {
    return UsageError(kCommand, fmt::format("no run `{}`: there is no run store in `{}`", request.run_id,
                                            request.state_dir),
                      io);
  }
  std::string problem;
  store = runtime::OpenRunStore(request.store, request.state_dir, problem);
  if (!store) return ReplayError(problem, io);
  std::optional<runtime::StoredRun> found;
  if (auto failed = store->GetRun(request.run_id, found)) return ReplayError(*failed, io);
  if (!found) return UsageError(kCommand, fmt::format("no run `{}` in {}", request.run_id, store->Describe()), io);
  run = std::move(*found);
  if (run.status != "succeeded") {
    return UsageError(kCommand,
                      fmt::format("run `{}` {}: its outputs were not written, so there is nothing to add its "
                                  "failed records to; run the pipeline again instead",
                                  run.id, run.status == "running" ? "is still running (or was killed)" : run.status),
                      io);
  }
  // Replaying a run twice would add the records that succeeded the first time again.
  std::vector<runtime::StoredRun> later;
  if (auto failed = store->ListRuns(runtime::RunQuery{0, run.pipeline}, later)) return ReplayError(*failed, io);
  for (const runtime::StoredRun& other : later) {
    auto params = nlohmann::json::parse(other.params_json, nullptr, false);
    if (other.status != "succeeded" || !params.is_object() || params.value("replay_of", "") != run.id) continue;
    if (request.dry_run) break;
    return UsageError(kCommand,
                      fmt::format("run `{}` was already replayed by run `{}`, whose outputs hold its records that "
                                  "succeeded; replay `{}` instead (its error table holds what still failed)",
                                  run.id, other.id, other.id),
                      io);
  }
  if (auto failed = store->ErrorsOf(run.id, errors)) return ReplayError(*failed, io);
  std::erase_if(errors, [&](const runtime::StoredError& e) {
    return (request.step && e.step != *request.step) || (request.code && e.code != *request.code);
  });
  return std::nullopt;
}

// Turns converted records into the given batches of their synthetic nodes.
bool GivenBatches(const std::vector<ReplayInput>& inputs, runtime::RunOptions& options, std::string& error) {
  for (const ReplayInput& input : inputs) {
    std::vector<runtime::Batch>& batches = options.given[ReplayNodeId(input.target)];
    for (size_t begin = 0; begin < input.records.size(); begin += runtime::kDefaultBatchRows) {
      size_t end = std::min(input.records.size(), begin + runtime::kDefaultBatchRows);
      std::vector<ast::Value> chunk(input.records.begin() + begin, input.records.begin() + end);
      runtime::Batch batch;
      if (!runtime::MakeBatch(input.type, chunk, batch, &error)) return false;
      batches.push_back(std::move(batch));
    }
  }
  return true;
}

// The stored error of a record that stays failed without running.
runtime::StoredError UnfitError(const runtime::StoredError& original, const ReplayUnfit& unfit, int64_t now_us) {
  runtime::StoredError error = original;
  error.step = unfit.node;
  error.code = "replay";
  error.message = fmt::format("not replayed: {}; it failed with {}: {}", unfit.reason, original.code,
                              original.message);
  error.at_us = now_us;
  return error;
}

}  // namespace

void AddReplayOptions(po::options_description& options) {
  options.add_options()("pipeline", po::value<std::string>()->value_name("NAME"),
                        "replay: the pipeline of FILE (default: the run's)")(
      "param,p", po::value<std::vector<std::string>>()->value_name("NAME=VALUE")->composing(),
      "replay: a param's value over the run's (repeatable)")(
      "dry-run", "replay: print how many records would go to which step, run nothing")(
      "workers,w", po::value<std::string>()->value_name("N"), "replay: worker threads (default: the cores)")(
      "quiet,q", "replay: no warnings or summary table");
}

std::optional<int> ReplayOptionsFrom(const po::variables_map& vm, ReplayRequest& request, Io& io) {
  if (vm.count("pipeline")) request.pipeline = vm["pipeline"].as<std::string>();
  if (vm.count("param")) request.params = vm["param"].as<std::vector<std::string>>();
  request.dry_run = vm.count("dry-run") > 0;
  request.quiet = vm.count("quiet") > 0;
  if (vm.count("workers")) {
    std::string text = vm["workers"].as<std::string>();
    auto n = runtime::ParseIntText(text);
    if (!n || *n < 1 || *n > 1024) {
      return UsageError(kCommand, fmt::format("--workers `{}`: expected a number from 1 to 1024", text), io);
    }
    request.workers = static_cast<size_t>(*n);
  }
  return std::nullopt;
}

int RunReplay(const ReplayRequest& request, Io& io) {
  std::unique_ptr<runtime::RunStore> store;
  runtime::StoredRun run;
  std::vector<runtime::StoredError> errors;
  if (auto done = LoadRun(request, io, store, run, errors)) return *done;
  if (errors.empty()) {
    io.err << fmt::format("run {} has no failed records{} to replay\n", run.id,
                          request.step || request.code ? " matching" : "");
    return kExitOk;
  }

  // The fixed pipeline, checked and compiled first.
  std::string file = request.file.value_or(run.source_file);
  std::optional<ir::Plan> plan;
  {
    DiagnosticPrinter printer(io, DiagnosticFormat::Text, request.color);
    int code = PlanFor(kCommand, file, printer, io, plan);
    printer.Finish();
    if (code != kExitOk) return code;
  }
  if (int code = KeepPipeline(kCommand, request.pipeline.value_or(run.pipeline), io, *plan); code != kExitOk) {
    return code;
  }
  const ir::Pipeline& fixed = plan->pipelines.front();
  std::optional<ir::Plan> old_plan = ir::PlanFromJson(run.plan_json, nullptr);
  const ir::Pipeline* old = old_plan ? old_plan->Find(run.pipeline) : nullptr;

  runtime::RunOptions options;
  std::string error;
  std::vector<std::string> param_args = StoredParamArgs(run.params_json, *plan);
  param_args.insert(param_args.end(), request.params.begin(), request.params.end());
  if (!runtime::ResolveParams(*plan, param_args, runtime::ProcessEnv(), options.params, error)) return UsageError(kCommand, error, io);

  ReplaySet set = ClassifyErrors(errors, old, fixed);
  if (request.dry_run) {
    PrintDryRun(run, file, fixed, errors, set, io);
    return kExitOk;
  }

  options.now_us = NowUs();
  options.run_id = runtime::MakeRunId(options.now_us);
  options.workers = request.workers;
  fs::path run_dir = fs::path(request.state_dir) / "runs" / options.run_id;
  std::string reread_dir = (run_dir / "replay").string();
  RemoveOnExit reread_cleanup(reread_dir);
  RereadFiles reread;
  if (!set.files.empty()) {
    auto header = [&](const std::string& node) { return ReadsHeader(fixed, node, options.params); };
    if (!WriteRereadFiles(set, errors, header, reread_dir, reread, error)) return ReplayError(error, io);
  }
  if (set.inputs.empty() && set.files.empty()) {
    PrintUnfit(errors, set, io);
    return ReplayError(fmt::format("none of the {} failed records of run {} can be replayed", errors.size(), run.id),
                       io);
  }
  std::vector<ReplayInjection> injections;
  for (const ReplayInput& input : set.inputs) injections.push_back(input.target);
  ReplayPipeline replay;
  if (!MakeReplayPipeline(fixed, injections, reread.rereads, replay, error)) return ReplayError(error, io);
  if (!GivenBatches(set.inputs, options, error)) return ReplayError(error, io);
  options.append_outputs = true;  // the replayed records are added to the outputs, atomically
  options.keep_errors = SIZE_MAX;  // every unconsumed error is filtered and stored below
  if (auto problem = runtime::CheckRunnable(*plan, replay.pipeline, options)) return ReplayError(*problem, io);

  {
    runtime::StoredRun row;
    row.id = options.run_id;
    row.pipeline = fixed.name;
    row.source_file = file;
    row.plan_json = ir::PlanToJson(*plan);
    row.plan_hash = runtime::PlanHash(row.plan_json);
    auto params = options.params;
    params["replay_of"] = ast::Value::String(run.id);
    row.params_json = runtime::ParamsJson(params);
    row.status = "running";
    row.started_us = options.now_us;
    if (auto problem = store->BeginRun(row)) return ReplayError(*problem, io);
  }
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) return ReplayError(fmt::format("cannot create `{}`: {}", run_dir.string(), ec.message()), io);
  std::string log_path = (run_dir / "log.jsonl").string();
  std::ofstream log_file(log_path, std::ios::binary | std::ios::trunc);
  if (!log_file) return ReplayError(fmt::format("cannot create `{}`", log_path), io);

  for (const std::string& warning : replay.warnings) io.err << fmt::format("etlc errors: warning: {}\n", warning);
  runtime::JsonLogWriter log_writer(log_file);
  bool terminal = io.err_fd >= 0 && ::isatty(io.err_fd) == 1;
  runtime::ConsoleReporter console(
      io.err, runtime::ConsoleOptions{.progress = terminal && !request.quiet, .warnings = !request.quiet});
  runtime::StoreEventRecorder store_events(*store, options.run_id);
  runtime::FanOutObserver observers;
  observers.Add(&log_writer);
  observers.Add(&store_events);
  observers.Add(&console);
  options.observer = &observers;
  options.out = &io.out;
  options.progress_interval_us = terminal && !request.quiet ? 1'000'000 : 0;

  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  runtime::RunResult result;
  {
    CancelOnSignals signals(cancel);
    std::ostream* tied = io.err.tie(nullptr);  // as in `etlc run`: no flush of stdout from the observer's thread
    result = runtime::RunPipeline(*plan, replay.pipeline, options);
    io.err.tie(tied);
  }
  console.ClearProgress();
  log_file.flush();

  // The new run's error table: what failed again where the replayed records went (errors of
  // steps recomputed for a join are the original run's, already stored there), source
  // errors pointed back at their original files, and the records that could not be replayed.
  std::vector<runtime::StoredError> failed;
  for (const runtime::ErrorRecord& record : result.unconsumed_errors) {
    if (!replay.replayed.count(record.step)) continue;
    runtime::StoredError stored{record.step, record.code, record.message, record.record,
                                record.source, record.line, record.at_us};
    MapRereadError(reread, stored);
    failed.push_back(std::move(stored));
  }
  for (const ReplayUnfit& unfit : set.unfit) failed.push_back(UnfitError(errors[unfit.error], unfit, options.now_us));
  ReplayCounts counts = CountReplay(set, replay, result.steps);

  std::optional<std::string> problem;
  std::string error_file = (run_dir / "errors.jsonl").string();
  if (!failed.empty()) {
    std::string text;
    for (const runtime::StoredError& e : failed) {
      runtime::AppendErrorJsonLine(runtime::ErrorRecord{e.step, e.code, e.message, e.record, e.source, e.line, e.at_us},
                                   text);
    }
    std::ofstream out(error_file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) problem = fmt::format("cannot write `{}`", error_file);
  }
  store_events.Flush();
  if (!problem) problem = store_events.LastError();
  if (!problem) problem = store->AddErrors(options.run_id, failed);
  runtime::RunEnd end;
  end.status = std::string(runtime::Spelling(result.status));
  end.failure = result.failure;
  end.finished_us = result.finished_us;
  end.rows_in = runtime::RowsRead(result.steps);
  end.errors = counts.failed_again + counts.unfit;
  end.steps = result.steps;
  if (auto finish = store->FinishRun(options.run_id, end); finish && !problem) problem = finish;
  if (problem) io.err << fmt::format("etlc errors: warning: the run store is incomplete: {}\n", *problem);

  if (!request.quiet) io.err << "\n" << runtime::RenderSummaryTable(result.steps) << "\n";
  PrintReplaySummary(run.id, options.run_id, result, counts, failed.empty() ? "" : error_file, request.quiet, io);
  bool succeeded = result.status == runtime::RunStatus::Succeeded;
  if (!succeeded) {
    io.err << fmt::format("etlc errors: error: {}\n",
                          result.failure.empty() ? std::string(runtime::Spelling(result.status)) : result.failure);
  }
  io.err.flush();
  return succeeded ? kExitOk : kExitRunFailed;
}

}  // namespace etl::driver
