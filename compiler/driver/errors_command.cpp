// `etlc errors RUN [--step ID] [--code CODE] [--limit N] [--format text|json]`: the error
// table of a recorded run (the records no `.errors` port consumed), from the run store.
// docs/cli.md.
#include <fmt/format.h>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/replay.h"
#include "compiler/driver/run_lookup.h"
#include "runtime/error_file.h"
#include "runtime/run_log.h"
#include "runtime/source_csv_convert.h"

namespace etl::driver {
namespace {

// What to show, after validation.
struct ErrorsArgs {
  std::string run;  // the RUN argument
  StoreArgs where;
  std::optional<std::string> step;
  std::optional<std::string> code;
  size_t limit = 0;  // 0 = all
  bool json = false;
};

void AddErrorsOptions(po::options_description& options) {
  AddStoreOptions(options);
  options.add_options()("step", po::value<std::string>()->value_name("ID"), "only the errors of this step")(
      "code", po::value<std::string>()->value_name("CODE"), "only errors with this code (cast, validate, ...)")(
      "limit,n", po::value<std::string>()->value_name("N")->default_value("0"), "at most N errors (0 = all)")(
      "format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
      "text (a block per error) or json (JSON lines, as errors.jsonl)");
}

// Validates the options of AddErrorsOptions into `args`; an exit code on a usage error.
std::optional<int> ErrorsArgsFrom(const po::variables_map& vm, ErrorsArgs& args, Io& io) {
  if (auto done = StoreArgsFrom("errors", vm, args.where, io)) return done;
  if (vm.count("step")) args.step = vm["step"].as<std::string>();
  if (vm.count("code")) args.code = vm["code"].as<std::string>();
  std::string limit = vm["limit"].as<std::string>();
  auto n = runtime::ParseIntText(limit);
  if (!n || *n < 0) return UsageError("errors", fmt::format("--limit `{}`: expected a number >= 0", limit), io);
  args.limit = static_cast<size_t>(*n);
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("errors", "--format must be text or json", io);
  args.json = format == "json";
  return std::nullopt;
}

runtime::ErrorRecord ToErrorRecord(const runtime::StoredError& e) {
  return runtime::ErrorRecord{e.step, e.code, e.message, e.record, e.source, e.line, e.at_us};
}

// One error for people: the step, code and message, where it was read, the record.
std::string ErrorBlock(const runtime::StoredError& e) {
  std::string text = fmt::format("`{}` {}: {}\n", e.step, e.code, e.message);
  if (e.source) text += fmt::format("  source: {}{}\n", *e.source, e.line ? fmt::format(":{}", *e.line) : "");
  text += fmt::format("  record: {}\n", e.record);
  text += fmt::format("  at:     {}\n", runtime::FormatRfc3339(e.at_us));
  return text;
}

// Prints the errors of `run` that pass the filters.
int PrintErrors(const ErrorsArgs& args, runtime::RunStore& store, const runtime::StoredRun& run, Io& io) {
  std::vector<runtime::StoredError> errors;
  if (auto error = store.ErrorsOf(run.id, errors)) return StoreError("errors", *error, io);
  size_t matching = 0, shown = 0;
  std::string out;
  for (const runtime::StoredError& e : errors) {
    if ((args.step && e.step != *args.step) || (args.code && e.code != *args.code)) continue;
    ++matching;
    if (args.limit != 0 && shown >= args.limit) continue;
    ++shown;
    if (args.json) {
      runtime::AppendErrorJsonLine(ToErrorRecord(e), out);
    } else {
      if (shown > 1) out += '\n';
      out += ErrorBlock(e);
    }
  }
  if (!args.json) {
    bool filtered = args.step || args.code;
    std::string what = fmt::format("{} error{}{}", runtime::FormatCount(matching), matching == 1 ? "" : "s",
                                   filtered ? " matching" : "");
    if (shown > 0) out += '\n';
    out += shown < matching ? fmt::format("{} of {} in run {}\n", runtime::FormatCount(shown), what, run.id)
                            : fmt::format("{} in run {}\n", what, run.id);
  }
  io.out << out;
  return kExitOk;
}

}  // namespace

int RunErrors(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"errors", "RUN [--replay [FILE]] [options]",
                   "Prints the error table of a recorded run from the run store: the records that\n"
                   "failed in a step whose `.errors` port nothing consumed (the run's errors.jsonl),\n"
                   "in the order they were recorded. RUN is a run id (see `etlc runs`), a unique\n"
                   "prefix of one, or `last` (the newest run). With --replay the records go through\n"
                   "the fixed pipeline in FILE (default: the file RUN ran) into its outputs, as a new run.\n"
                   "Exit: 0 printed (also when there are none), 2 usage (also an unknown or\n"
                   "ambiguous RUN), 3 the store cannot be read."};
  po::options_description options("options");
  AddErrorsOptions(options);
  options.add_options()("replay", "send the records through the fixed pipeline FILE (docs/running.md)");
  AddReplayOptions(options);
  po::variables_map vm;
  std::vector<std::string> positional;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::Many, args, vm, positional, io, "RUN")) return *done;
  bool replay = vm.count("replay") > 0;
  if (positional.size() > (replay ? 2u : 1u)) {
    return UsageError("errors", fmt::format("unexpected argument `{}`: expected RUN{}", positional.back(),
                                            replay ? " [FILE]" : " (a FILE only with --replay)"),
                      io);
  }
  ErrorsArgs errors;
  errors.run = positional[0];
  if (auto done = ErrorsArgsFrom(vm, errors, io)) return *done;

  std::unique_ptr<runtime::RunStore> store;
  if (auto done = OpenStoreOf("errors", errors.where, store, io)) return *done;
  runtime::StoredRun run;
  if (auto done = ResolveRun("errors", store.get(), errors.where, errors.run, run, io)) return *done;
  if (replay) {
    ReplayRequest request;
    request.run_id = run.id;
    request.step = errors.step;
    request.code = errors.code;
    request.state_dir = errors.where.state_dir;
    request.store = errors.where.store;
    if (positional.size() == 2) request.file = positional[1];
    if (auto done = ReplayOptionsFrom(vm, request, io)) return *done;
    store.reset();  // RunReplay opens it again for the new run
    return RunReplay(request, io);
  }
  return PrintErrors(errors, *store, run, io);
}

}  // namespace etl::driver
