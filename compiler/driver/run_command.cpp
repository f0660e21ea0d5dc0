// `etlc run FILE [PIPELINE] [options]` (language.md §8): compile (or load a plan.json),
// resolve params, run one pipeline with the executor, and report: events as JSON lines or
// a human console, always the run's log.jsonl, and the error file. docs/running.md.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/jit_setup.h"
#include "compiler/driver/plan_loader.h"
#include "compiler/driver/run_signals.h"
#include "compiler/ir/json.h"
#include "runtime/executor.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/run_log.h"
#include "runtime/run_params.h"
#include "runtime/run_record.h"
#include "runtime/run_resume.h"
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
  std::string persist;                // "disk", "memory", "" = the pipeline's setting
  std::optional<std::string> resume;  // a run id or "last"
  std::string store;                  // --store, else ETL_STORE; "" = SQLite in the state dir
  int64_t checkpoint_interval_us = 100'000;
  std::string jit;                    // "on", "off", "auto", "" = the pipeline's setting
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
      "persist", po::value<std::string>()->value_name("MODE"),
      "disk (checkpoint so that --resume continues a crashed run) or memory (default: the pipeline's "
      "`persist` setting, else memory)")(
      "resume", po::value<std::string>()->value_name("RUN"),
      "continue run RUN (an id, or `last`: the newest run of the pipeline that did not succeed; "
      "with none, a new run starts) where it stopped")(
      "store", po::value<std::string>()->value_name("URL"),
      "the run store: a postgres:// URL (default: ETL_STORE, else <state-dir>/etl.db)")(
      "checkpoint-interval", po::value<std::string>()->value_name("DURATION"),
      "persist disk: how often a sink checkpoints (default 100ms; 0 = after every batch turn)")(
      "jit", po::value<std::string>()->value_name("MODE")->implicit_value("on"),
      "compile expressions to machine code: --jit (= on), --jit=off or --jit=auto (only steps whose input is "
      "large; default: the pipeline's `jit` setting, else off)");
  AddColorOption(options);
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::Any, JoinJitMode(args), vm, files, io)) return done;
  if (vm.count("resume")) run.resume = vm["resume"].as<std::string>();
  if (files.empty() && !run.resume) return UsageError("run", "missing FILE argument", io);
  if (files.empty() && run.resume == "last") {
    return UsageError("run", "--resume last needs FILE (the newest failed run of which pipeline?)", io);
  }
  if (vm.count("persist")) {
    run.persist = vm["persist"].as<std::string>();
    if (run.persist != "disk" && run.persist != "memory") {
      return UsageError("run", fmt::format("--persist `{}`: expected disk or memory", run.persist), io);
    }
  }
  if (vm.count("store")) run.store = vm["store"].as<std::string>();
  else if (const char* env = std::getenv("ETL_STORE")) run.store = env;
  if (vm.count("checkpoint-interval")) {
    std::string text = vm["checkpoint-interval"].as<std::string>();
    auto us = text == "0" ? std::optional<int64_t>(0) : runtime::ParseDurationText(text);
    if (!us || *us < 0) {
      return UsageError("run", fmt::format("--checkpoint-interval `{}`: expected a duration like 100ms", text), io);
    }
    run.checkpoint_interval_us = *us;
  }
  if (files.size() > 2) {
    return UsageError("run", fmt::format("unexpected argument `{}`: expected FILE [PIPELINE]", files[2]), io);
  }
  if (vm.count("jit")) {
    run.jit = vm["jit"].as<std::string>();
    if (!runtime::ParseJitMode(run.jit)) {
      return UsageError("run", fmt::format("--jit `{}`: expected on, off or auto", run.jit), io);
    }
  }
  if (!files.empty()) run.file = files[0];
  run.color = ColorOption(vm);
  if (files.size() == 2) run.pipeline = files[1];
  if (vm.count("param")) run.params = vm["param"].as<std::vector<std::string>>();
  if (run.resume && *run.resume != "last" && !run.params.empty()) {
    return UsageError("run", "--param cannot be combined with --resume RUN: a resumed run keeps its params", io);
  }
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

// Writes the run's end to the store; a store problem is a warning: the run itself is done.
void RecordRunEnd(runtime::RunStore& store, runtime::StoreEventRecorder& events,
                  const runtime::RunOptions& options, const runtime::RunResult& result, uint64_t errors_stored,
                  Io& io) {
  if (auto problem = runtime::RecordRunEnd(store, events, options.run_id, options.error_file, result, errors_stored)) {
    io.err << fmt::format("etlc run: warning: the run store is incomplete: {}\n", *problem);
  }
}

// The run `--resume` names: an id, or `last` (the newest run of `pipeline`, when it did not
// succeed). `resumed` stays empty for `last` when there is nothing to resume (a new run
// starts). An exit code when there is nothing to run at all.
std::optional<int> FindRunToResume(const RunArgs& run, const ir::Pipeline* pipeline, runtime::RunStore& store, Io& io,
                                   std::optional<runtime::StoredRun>& resumed) {
  if (*run.resume == "last") {
    runtime::RunQuery query;
    query.limit = 1;
    query.pipeline = pipeline->name;
    std::vector<runtime::StoredRun> runs;
    if (auto error = store.ListRuns(query, runs)) return RunError(*error, io);
    if (!runs.empty() && runs.front().status != "succeeded") resumed = runs.front();
    if (!resumed) {
      io.err << fmt::format("etlc run: note: no run of `{}` to resume: starting a new run\n", pipeline->name);
    }
    return std::nullopt;
  }
  if (auto error = store.GetRun(*run.resume, resumed)) return RunError(*error, io);
  if (!resumed) return UsageError("run", fmt::format("--resume: no run `{}` in the run store", *run.resume), io);
  if (resumed->status == "succeeded") {
    io.err << fmt::format("etlc run: run {} already succeeded: nothing to resume\n", resumed->id);
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace

int RunRun(const std::vector<std::string>& args, Io& io) {
  RunArgs run;
  if (auto done = ParseRunArgs(args, io, run)) return *done;

  // The run store before the run: one that cannot be opened stops the run before it starts
  // (but after what the command line and the file can get wrong, which leave no state).
  std::error_code ec;
  std::unique_ptr<runtime::RunStore> store;
  auto open_store = [&]() -> std::optional<int> {
    fs::create_directories(run.state_dir, ec);
    if (ec) return RunError(fmt::format("cannot create `{}`: {}", run.state_dir, ec.message()), io);
    std::string store_error;
    store = runtime::OpenRunStore(run.store, run.state_dir, store_error);
    if (!store) return RunError(store_error, io);
    return std::nullopt;
  };

  std::optional<ir::Plan> plan;
  if (!run.file.empty()) {
    DiagnosticPrinter printer(io, DiagnosticFormat::Text, run.color);
    int code = PlanFor("run", run.file, printer, io, plan);
    printer.Finish();
    if (code != kExitOk) return code;
    if (int selected = SelectPipeline(run, io, *plan); selected != kExitOk) return selected;
  }
  std::optional<runtime::StoredRun> resumed;
  if (run.resume) {
    if (auto failed = open_store()) return *failed;
    if (auto done = FindRunToResume(run, plan ? &plan->pipelines.front() : nullptr, *store, io, resumed)) return *done;
  }
  if (resumed) {
    if (plan) {
      std::string now_hash = runtime::PlanHash(ir::PlanToJson(*plan));
      if (now_hash != resumed->plan_hash) {
        return UsageError("run",
                          fmt::format("--resume: the pipeline changed since run {} started (plan {} then, {} now); "
                                      "a resumed run runs the plan it started with: resume without FILE, or run "
                                      "without --resume to start over",
                                      resumed->id, resumed->plan_hash, now_hash),
                          io);
      }
    } else {
      std::string why;
      plan = ir::PlanFromJson(resumed->plan_json, &why);
      if (!plan || plan->pipelines.empty()) {
        return RunError(fmt::format("run {}: its stored plan is not readable: {}", resumed->id, why), io);
      }
      run.file = resumed->source_file;
    }
    if (!run.params.empty()) {
      return UsageError("run", "--param cannot be combined with --resume: a resumed run keeps its params", io);
    }
  }
  const ir::Pipeline& pipeline = plan->pipelines.front();

  runtime::RunOptions options;
  runtime::RunMeta meta;
  fs::path run_dir;
  if (resumed) {
    options.run_id = resumed->id;
    run_dir = fs::path(run.state_dir) / "runs" / options.run_id;
    if (auto problem = runtime::ReadRunMeta(run_dir.string(), meta)) {
      return RunError(fmt::format("run {} cannot be resumed: {}", resumed->id, *problem), io);
    }
  } else {
    std::string error;
    if (!runtime::ResolveParams(*plan, run.params, runtime::ProcessEnv(), meta.params, error)) return UsageError("run", error, io);
    meta.now_us = NowUs();
    meta.seed = run.seed;
    if (meta.seed == 0) meta.seed = runtime::RandomSeed();
    meta.persist_disk = run.persist.empty() ? pipeline.settings.persist == "disk" : run.persist == "disk";
    options.run_id = runtime::MakeRunId(meta.now_us);
    run_dir = fs::path(run.state_dir) / "runs" / options.run_id;
  }
  runtime::ApplyRunMeta(meta, run_dir.string(), options);
  options.workers = run.workers;
  options.max_errors = run.max_errors;
  options.timeout_us = run.timeout_us;
  // A resumed `persist memory` run had published nothing: it starts again from the beginning.
  options.resume = resumed.has_value() && meta.persist_disk;
  options.checkpoint_interval_us = run.checkpoint_interval_us;
  // The JIT changes how fast, never what: a resumed run may use another mode.
  std::unique_ptr<runtime::KernelCompiler> jit = MakeJit(run.jit, pipeline, run.state_dir, run.quiet, options, io);
  if (auto problem = runtime::CheckRunnable(*plan, pipeline, options)) return RunError(*problem, io);
  if (!store) {
    if (auto failed = open_store()) return *failed;
  }

  fs::create_directories(run_dir, ec);
  if (ec) return RunError(fmt::format("cannot create `{}`: {}", run_dir.string(), ec.message()), io);
  runtime::RunLock lock;
  std::string lock_error;
  if (!lock.Acquire(run_dir.string(), lock_error)) {
    return RunError(fmt::format("run {}: {}", options.run_id, lock_error), io);
  }
  if (resumed) {
    if (auto problem = store->ReopenRun(options.run_id)) return RunError(*problem, io);
  } else {
    if (auto problem = runtime::WriteRunMeta(run_dir.string(), meta)) return RunError(*problem, io);
    runtime::StoredRun row;
    row.id = options.run_id;
    row.pipeline = pipeline.name;
    row.source_file = run.file;
    row.plan_json = ir::PlanToJson(*plan);
    row.plan_hash = runtime::PlanHash(row.plan_json);
    row.params_json = runtime::ParamsJson(options.params);
    row.status = "running";
    row.started_us = options.now_us;
    if (auto problem = store->BeginRun(row)) return RunError(*problem, io);
  }

  options.error_file = (run_dir / "errors.jsonl").string();
  // Errors of an earlier attempt are already in the store; a resumed memory run starts over.
  uint64_t errors_stored = 0;
  if (resumed && !options.resume) fs::remove(options.error_file, ec);
  if (resumed && options.resume) {
    std::vector<runtime::StoredError> stored;
    if (!store->ErrorsOf(options.run_id, stored)) errors_stored = stored.size();
  }
  std::string log_path = (run_dir / "log.jsonl").string();
  std::ofstream log_file(log_path, std::ios::binary | (resumed ? std::ios::app : std::ios::trunc));
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
  RecordRunEnd(*store, store_events, options, result, errors_stored, io);

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
