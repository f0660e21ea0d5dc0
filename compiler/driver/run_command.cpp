// `etlc run FILE [PIPELINE] [options]` (language.md §8): compile (or load a plan.json),
// resolve params, run one pipeline with the executor, and report: events as JSON lines or
// a human console, always the run's log.jsonl, and the error file. docs/running.md.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/plan_loader.h"
#include "compiler/driver/run_params.h"
#include "compiler/driver/run_record.h"
#include "compiler/driver/run_signals.h"
#include "compiler/ir/json.h"
#include "runtime/executor.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/run_log.h"
#include "runtime/run_store.h"
#include "runtime/source_csv_convert.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `YYYYMMDDTHHMMSSZ-<6 hex>`: sorts by start time, unique enough for one state dir.
std::string MakeRunId(int64_t now_us) {
  std::string stamp = runtime::FormatRfc3339(now_us);  // 2024-01-31T12:00:00.000Z
  std::string compact;
  for (char c : stamp.substr(0, 19)) {
    if (c != '-' && c != ':') compact += c;
  }
  std::random_device random;
  return fmt::format("{}Z-{:06x}", compact, random() & 0xffffff);
}

// A run-time failure (exit 3) before or after the run.
int RunError(std::string_view message, Io& io) {
  io.err << fmt::format("etlc run: error: {}\n", message);
  io.err.flush();
  return kExitRunFailed;
}

// The options after validation.
struct RunArgs {
  std::string file;
  std::optional<std::string> pipeline;
  std::vector<std::string> params;
  size_t workers = 0;
  bool json_log = false;
  bool quiet = false;
  std::string state_dir = ".etl";
  std::optional<int64_t> max_errors;
  std::optional<int64_t> timeout_us;
  uint64_t seed = 0;
  diag::ColorMode color = diag::ColorMode::Auto;
};

// Parses and validates the command line; an exit code when done (help, usage error).
std::optional<int> ParseRunArgs(const std::vector<std::string>& args, Io& io, RunArgs& run) {
  CommandInfo info{"run", "FILE [PIPELINE] [options]",
                   "Runs PIPELINE of FILE (an .etl file, checked and compiled first, or a plan.json).\n"
                   "PIPELINE may be left out when FILE has exactly one pipeline.\n"
                   "Params come from --param name=value, else the environment (ETL_PARAM_NAME),\n"
                   "else their default. The run's events go to <state-dir>/runs/<id>/log.jsonl and\n"
                   "records that failed without an errors port consuming them to\n"
                   "<state-dir>/runs/<id>/errors.jsonl. Ctrl-C cancels the run cleanly.\n"
                   "Exit: 0 succeeded, 1 compile errors, 2 usage, 3 the run failed, was cancelled\n"
                   "or timed out."};
  po::options_description options("options");
  options.add_options()("param,p",
                        po::value<std::vector<std::string>>()->value_name("NAME=VALUE")->composing(),
                        "a param's value, parsed as its declared type (repeatable)")(
      "workers,w", po::value<std::string>()->value_name("N"),
      "worker threads (default: the number of cores)")(
      "log-format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
      "text (progress and summary on stderr) or json (events as JSON lines on stderr)")(
      "state-dir", po::value<std::string>()->value_name("DIR")->default_value(".etl"),
      "where runs keep their log and error file")(
      "max-errors", po::value<std::string>()->value_name("N"),
      "fail once more than N records failed (default: the pipeline's max_errors, else unlimited)")(
      "timeout", po::value<std::string>()->value_name("DURATION"),
      "cancel the run after this long, e.g. 30s or 1h (default: the pipeline's timeout)")(
      "seed", po::value<std::string>()->value_name("N"), "seed of uuid() and generate (default: random)")(
      "quiet,q", "no warnings, summary table or summary line (errors are still printed)")(
      "jit", "compile kernels to machine code (not in this build yet)");
  AddColorOption(options);
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::Many, args, vm, files, io)) return done;
  if (files.size() > 2) {
    return UsageError("run", fmt::format("unexpected argument `{}`: expected FILE [PIPELINE]", files[2]), io);
  }
  if (vm.count("jit")) {
    return UsageError("run",
                      "--jit: the JIT compiler is not in this build yet (issue 5); runs are interpreted", io);
  }
  run.file = files[0];
  run.color = ColorOption(vm);
  if (files.size() == 2) run.pipeline = files[1];
  if (vm.count("param")) run.params = vm["param"].as<std::vector<std::string>>();
  std::string format = vm["log-format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("run", "--log-format must be text or json", io);
  run.json_log = format == "json";
  run.quiet = vm.count("quiet") > 0;
  run.state_dir = vm["state-dir"].as<std::string>();
  if (run.state_dir.empty()) return UsageError("run", "--state-dir must not be empty", io);
  if (vm.count("workers")) {
    std::string text = vm["workers"].as<std::string>();
    auto n = runtime::ParseIntText(text);
    if (!n || *n < 1 || *n > 1024) {
      return UsageError("run", fmt::format("--workers `{}`: expected a number from 1 to 1024", text), io);
    }
    run.workers = static_cast<size_t>(*n);
  }
  if (vm.count("max-errors")) {
    std::string text = vm["max-errors"].as<std::string>();
    auto n = runtime::ParseIntText(text);
    if (!n || *n < 0)
      return UsageError("run", fmt::format("--max-errors `{}`: expected a number >= 0", text), io);
    run.max_errors = *n;
  }
  if (vm.count("timeout")) {
    std::string text = vm["timeout"].as<std::string>();
    auto us = runtime::ParseDurationText(text);
    if (!us || *us <= 0) {
      return UsageError("run",
                        fmt::format("--timeout `{}`: expected a positive duration like 30s or 1h", text), io);
    }
    run.timeout_us = *us;
  }
  if (vm.count("seed")) {
    std::string text = vm["seed"].as<std::string>();
    auto n = runtime::ParseIntText(text);
    if (!n || *n < 0) return UsageError("run", fmt::format("--seed `{}`: expected a number >= 0", text), io);
    run.seed = static_cast<uint64_t>(*n);
  }
  return std::nullopt;
}

// Narrows `plan` to the pipeline to run; a usage error when it is ambiguous or unknown.
int SelectPipeline(const RunArgs& run, Io& io, ir::Plan& plan) {
  if (run.pipeline) return KeepPipeline("run", *run.pipeline, io, plan);
  if (plan.pipelines.size() == 1) return kExitOk;
  if (plan.pipelines.empty())
    return UsageError("run", fmt::format("`{}` has no pipeline to run", run.file), io);
  std::vector<std::string> names;
  for (const ir::Pipeline& pipeline : plan.pipelines) names.push_back(pipeline.name);
  return UsageError(
      "run",
      fmt::format("`{}` has {} pipelines: name one of {}", run.file, names.size(), fmt::join(names, ", ")),
      io);
}

// Whether `path` exists and has bytes.
bool NonEmptyFile(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return !ec && size > 0;
}

// Writes the run's end to the store: the buffered events, the error file's records, the
// final status and step metrics. A store problem is a warning: the run itself is done.
void RecordRunEnd(runtime::RunStore& store, runtime::StoreEventRecorder& events,
                  const runtime::RunOptions& options, const runtime::RunResult& result, Io& io) {
  events.Flush();
  std::optional<std::string> problem = events.LastError();
  if (!problem) problem = StoreErrorFile(store, options.run_id, options.error_file);
  runtime::RunEnd end;
  end.status = std::string(runtime::Spelling(result.status));
  end.failure = result.failure;
  end.finished_us = result.finished_us;
  end.rows_in = runtime::RowsRead(result.steps);
  end.errors = result.errors;
  end.steps = result.steps;
  if (auto finish = store.FinishRun(options.run_id, end); finish && !problem) problem = finish;
  if (problem) io.err << fmt::format("etlc run: warning: the run store is incomplete: {}\n", *problem);
}

}  // namespace

int RunRun(const std::vector<std::string>& args, Io& io) {
  RunArgs run;
  if (auto done = ParseRunArgs(args, io, run)) return *done;

  std::optional<ir::Plan> plan;
  {
    DiagnosticPrinter printer(io, DiagnosticFormat::Text, run.color);
    int code = PlanFor("run", run.file, printer, io, plan);
    printer.Finish();
    if (code != kExitOk) return code;
  }
  if (int code = SelectPipeline(run, io, *plan); code != kExitOk) return code;
  const ir::Pipeline& pipeline = plan->pipelines.front();

  runtime::RunOptions options;
  std::string error;
  if (!ResolveParams(*plan, run.params, ProcessEnv(), options.params, error))
    return UsageError("run", error, io);
  options.now_us = NowUs();
  options.run_id = MakeRunId(options.now_us);
  options.workers = run.workers;
  options.seed = run.seed;
  options.max_errors = run.max_errors;
  options.timeout_us = run.timeout_us;
  if (auto problem = runtime::CheckRunnable(*plan, pipeline, options)) return RunError(*problem, io);

  // The run store first: one that cannot be opened stops the run before it starts.
  std::error_code ec;
  fs::create_directories(run.state_dir, ec);
  if (ec) return RunError(fmt::format("cannot create `{}`: {}", run.state_dir, ec.message()), io);
  std::string store_error;
  std::unique_ptr<runtime::RunStore> store =
      runtime::OpenSqliteRunStore(runtime::RunStorePath(run.state_dir), store_error);
  if (!store) return RunError(store_error, io);
  {
    runtime::StoredRun row;
    row.id = options.run_id;
    row.pipeline = pipeline.name;
    row.source_file = run.file;
    row.plan_json = ir::PlanToJson(*plan);
    row.plan_hash = PlanHash(row.plan_json);
    row.params_json = ParamsJson(options.params);
    row.status = "running";
    row.started_us = options.now_us;
    if (auto problem = store->BeginRun(row)) return RunError(*problem, io);
  }

  fs::path run_dir = fs::path(run.state_dir) / "runs" / options.run_id;
  fs::create_directories(run_dir, ec);
  if (ec) return RunError(fmt::format("cannot create `{}`: {}", run_dir.string(), ec.message()), io);
  options.error_file = (run_dir / "errors.jsonl").string();
  std::string log_path = (run_dir / "log.jsonl").string();
  std::ofstream log_file(log_path, std::ios::binary | std::ios::trunc);
  if (!log_file) return RunError(fmt::format("cannot create `{}`", log_path), io);

  // The log file always gets JSON lines; stderr gets JSON lines or the human console.
  runtime::JsonLogWriter log_writer(log_file);
  runtime::JsonLogWriter json_console(io.err);
  bool terminal = io.err_fd >= 0 && ::isatty(io.err_fd) == 1;
  runtime::ConsoleReporter console(
      io.err, runtime::ConsoleOptions{.progress = terminal && !run.quiet, .warnings = !run.quiet});
  runtime::StoreEventRecorder store_events(*store, options.run_id);
  runtime::FanOutObserver observers;
  observers.Add(&log_writer);
  observers.Add(&store_events);
  observers.Add(run.json_log ? static_cast<runtime::RunObserver*>(&json_console) : &console);
  options.observer = &observers;
  options.out = &io.out;
  options.progress_interval_us = !run.json_log && terminal && !run.quiet ? 1'000'000 : 0;

  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  runtime::RunResult result;
  {
    CancelOnSignals signals(cancel);
    // std::cerr is tied to std::cout: every event written to stderr would flush stdout
    // from the observer's thread while a stdout() sink writes it from another (a data
    // race that duplicated output). Untied for the run; the sink flushes when it commits.
    std::ostream* tied = io.err.tie(nullptr);
    result = runtime::RunPipeline(*plan, pipeline, options);
    io.err.tie(tied);
  }
  console.ClearProgress();
  if (!log_file.flush()) io.err << fmt::format("etlc run: warning: cannot write `{}`\n", log_path);
  RecordRunEnd(*store, store_events, options, result, io);

  bool succeeded = result.status == runtime::RunStatus::Succeeded;
  bool error_file_used = NonEmptyFile(options.error_file);
  if (!run.json_log) {
    if (!run.quiet) {
      io.err << "\n" << runtime::RenderSummaryTable(result.steps);
      io.err << runtime::RenderRunSummary(
                    options.run_id, runtime::Spelling(result.status), result.finished_us - result.started_us,
                    runtime::RowsRead(result.steps), result.errors, error_file_used ? options.error_file : "")
             << "\n";
    } else if (error_file_used) {
      io.err << fmt::format("etlc run: {} failed record{} in {}\n",
                            runtime::FormatCount(result.unconsumed_error_count),
                            result.unconsumed_error_count == 1 ? "" : "s", options.error_file);
    }
  }
  // Also after JSON lines: one plain line that says why, as every other failure does.
  if (!succeeded) {
    std::string failure =
        result.failure.empty() ? std::string(runtime::Spelling(result.status)) : result.failure;
    int signal = CancelOnSignals::Received();
    if (result.status == runtime::RunStatus::Cancelled && signal != 0) {
      failure += signal == SIGINT ? " (interrupted: SIGINT)" : " (terminated: SIGTERM)";
    }
    io.err << fmt::format("etlc run: error: {}\n", failure);
  }
  io.err.flush();
  return succeeded ? kExitOk : kExitRunFailed;
}

}  // namespace etl::driver
