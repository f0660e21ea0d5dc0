// `etlc backfill PIPELINE --from T --to T [DIR]` (issue 7): runs a pipeline once for each
// fire time of its schedule in a past range (each day without a schedule), with its time
// param set to that fire time; runs are recorded like any other (trigger `backfill`) and
// run at most `concurrency` at once. docs/serve.md#backfills.
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/run_signals.h"
#include "compiler/driver/serve_project.h"
#include "runtime/jsonl_scalars.h"
#include "server/service.h"

namespace etl::driver {

int RunBackfill(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"backfill", "PIPELINE --from TIME --to TIME [--dir DIR] [options]",
                   "Runs PIPELINE of the project in DIR (default: .) once per fire time of its\n"
                   "schedule from --from to --to (both included; one per day at 00:00 UTC without a\n"
                   "schedule), each with its date or timestamp param set to that time. TIME is a\n"
                   "date (2024-01-31) or an RFC 3339 time. Exit 0 when every run succeeded, 3 if not."};
  po::options_description options("options");
  options.add_options()("from", po::value<std::string>()->value_name("TIME"), "the first fire time to run")(
      "to", po::value<std::string>()->value_name("TIME"), "the last fire time to run")(
      "param", po::value<std::string>()->value_name("NAME"), "the time param to set (default: the only one)")(
      "dir", po::value<std::string>()->value_name("DIR")->default_value("."), "the project")(
      "state-dir", po::value<std::string>()->value_name("DIR"), "runs and the run store (default: DIR/.etl)")(
      "store", po::value<std::string>()->value_name("URL"), "the run store: a postgres:// URL")(
      "workers", po::value<int>()->value_name("N")->default_value(0), "worker threads of each run (0: cores)");
  po::variables_map vm;
  std::vector<std::string> words;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::One, args, vm, words, io, "PIPELINE")) return *done;
  if (!vm.count("from") || !vm.count("to")) return UsageError("backfill", "--from and --to are required", io);
  std::optional<int64_t> from = runtime::ParseTimeOrDate(vm["from"].as<std::string>());
  std::optional<int64_t> to = runtime::ParseTimeOrDate(vm["to"].as<std::string>());
  if (!from || !to) return UsageError("backfill", "--from and --to take a date (2024-01-31) or an RFC 3339 time", io);
  server::ServiceOptions service_options;
  if (auto done = ResolveProject("backfill", vm["dir"].as<std::string>(), vm, service_options, io)) return *done;
  service_options.scheduling = false;
  service_options.poll_interval_us = 200'000;
  service_options.workers = static_cast<size_t>(std::max(0, vm["workers"].as<int>()));
  if (auto failed = EnterProject("backfill", service_options, io)) return *failed;

  server::SystemClock clock;
  server::Service service(service_options, clock);
  if (auto problem = service.Start()) {
    io.err << fmt::format("etlc backfill: error: {}\n", *problem);
    return kExitRunFailed;
  }
  std::vector<runtime::StoredRun> queued;
  std::string param = vm.count("param") ? vm["param"].as<std::string>() : "";
  if (auto error = service.Backfill(words[0], *from, *to, param, queued)) {
    service.Stop();
    if (error->status == 404 || error->status == 400) return UsageError("backfill", error->message, io);
    io.err << fmt::format("etlc backfill: error: {}\n", error->message);
    return kExitRunFailed;
  }
  io.err << fmt::format("etlc backfill: {} run{} of `{}` queued\n", queued.size(), queued.size() == 1 ? "" : "s",
                        words[0]);
  std::vector<std::string> ids;
  for (const auto& run : queued) ids.push_back(run.id);
  std::atomic<bool> interrupted{false};
  std::vector<runtime::StoredRun> ended;
  {
    CancelOnSignals signals(interrupted);
    while (!interrupted && !service.AllEnded(ids, ended)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  service.Stop();
  if (interrupted) {
    io.err << "etlc backfill: interrupted: the runs not started yet stay queued for `etlc serve`\n";
    return kExitRunFailed;
  }
  size_t failed = 0;
  for (const auto& run : ended) {
    std::string params = run.params_json;
    io.out << fmt::format("{}  {:<10}  {}{}\n", run.id, run.status, params,
                          run.failure.empty() ? "" : "  " + run.failure);
    if (run.status != "succeeded") ++failed;
  }
  io.err << fmt::format("etlc backfill: {} of {} run{} succeeded\n", ended.size() - failed, ended.size(),
                        ended.size() == 1 ? "" : "s");
  return failed == 0 ? kExitOk : kExitRunFailed;
}

}  // namespace etl::driver
