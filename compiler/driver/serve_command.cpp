// `etlc serve [DIR]` (issue 7): the scheduler, triggers and the REST + WebSocket API of a
// project (server/), until SIGINT or SIGTERM. docs/serve.md.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/run_signals.h"
#include "compiler/driver/serve_project.h"
#include "runtime/jsonl_scalars.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/service.h"

namespace etl::driver {

namespace fs = std::filesystem;

int RunServe(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"serve", "[DIR] [options]",
                   "Runs the pipelines of a project on their schedules and triggers, and serves the\n"
                   "REST API (/api/v1) and live events (WebSocket /api/v1/events). DIR (default: .)\n"
                   "holds the .etl files (every one under it, or those its etl.toml lists); relative\n"
                   "paths in pipelines are relative to DIR. A request needs a bearer token made\n"
                   "with `etlc token create`, unless --insecure-local. SIGINT/SIGTERM stop it:\n"
                   "running runs are cancelled, queued runs wait for the next start. docs/serve.md."};
  po::options_description options("options");
  options.add_options()("host", po::value<std::string>()->value_name("ADDRESS")->default_value("127.0.0.1"),
                        "the address to listen on")(
      "port", po::value<int>()->value_name("PORT")->default_value(8080), "the port (0: any free port)")(
      "port-file", po::value<std::string>()->value_name("FILE"), "write the port listened on to FILE")(
      "state-dir", po::value<std::string>()->value_name("DIR"), "runs, logs and the run store (default: DIR/.etl)")(
      "store", po::value<std::string>()->value_name("URL"),
      "the run store: a postgres:// URL (default: ETL_STORE, else <state-dir>/etl.db)")(
      "insecure-local", "no tokens: every request acts as admin (listens on 127.0.0.1 only)")(
      "catch-up", po::value<std::string>()->value_name("MODE")->default_value("once"),
      "fire times missed while the server was down: once (one run per pipeline) or none")(
      "poll-interval", po::value<std::string>()->value_name("DURATION")->default_value("1s"),
      "how often files are rescanned (project changes and `on file` triggers)")(
      "max-runs", po::value<int>()->value_name("N")->default_value(0),
      "runs at once across all pipelines (0: the number of cores, at least 2)")(
      "workers", po::value<int>()->value_name("N")->default_value(0), "worker threads of each run (0: cores)");
  po::variables_map vm;
  std::vector<std::string> dirs;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::Any, args, vm, dirs, io, "DIR")) return *done;
  if (dirs.size() > 1) return UsageError("serve", fmt::format("unexpected argument `{}`: expected one DIR", dirs[1]), io);
  server::ServiceOptions service_options;
  if (auto done = ResolveProject("serve", dirs.empty() ? "." : dirs[0], vm, service_options, io)) return *done;
  std::string catch_up = vm["catch-up"].as<std::string>();
  if (catch_up != "once" && catch_up != "none") {
    return UsageError("serve", fmt::format("--catch-up `{}`: expected once or none", catch_up), io);
  }
  service_options.catch_up = catch_up == "once" ? server::CatchUp::Once : server::CatchUp::None;
  auto poll = runtime::ParseDurationText(vm["poll-interval"].as<std::string>());
  if (!poll || *poll < 10'000) {
    return UsageError("serve", "--poll-interval: expected a duration of at least 10ms, like 1s", io);
  }
  service_options.poll_interval_us = *poll;
  if (vm["max-runs"].as<int>() < 0 || vm["workers"].as<int>() < 0) {
    return UsageError("serve", "--max-runs and --workers must be 0 or more", io);
  }
  service_options.max_runs = static_cast<size_t>(vm["max-runs"].as<int>());
  service_options.workers = static_cast<size_t>(vm["workers"].as<int>());
  int port = vm["port"].as<int>();
  if (port < 0 || port > 65535) return UsageError("serve", "--port must be from 0 to 65535", io);
  bool insecure = vm.count("insecure-local") > 0;
  std::string host = vm["host"].as<std::string>();
  if (insecure && host != "127.0.0.1" && host != "localhost" && host != "::1") {
    return UsageError("serve", "--insecure-local listens on loopback only: leave --host out", io);
  }

  std::optional<fs::path> port_file;
  if (vm.count("port-file")) port_file = fs::absolute(vm["port-file"].as<std::string>());

  if (auto failed = EnterProject("serve", service_options, io)) return *failed;

  server::SystemClock clock;
  server::Service service(service_options, clock);
  if (auto problem = service.Start()) {
    io.err << fmt::format("etlc serve: error: {}\n", *problem);
    return kExitRunFailed;
  }
  server::Api api(service, {insecure, ETL_VERSION});
  server::HttpServerOptions http_options;
  http_options.address = host == "localhost" ? "127.0.0.1" : host;
  http_options.port = static_cast<uint16_t>(port);
  http_options.threads = 4;
  server::HttpServer http(
      http_options, [&](const server::HttpRequest& request) { return api.Handle(request); },
      [&](const server::HttpRequest& request) { return api.AcceptWebSocket(request); });
  std::string error;
  if (!http.Start(error)) {
    io.err << fmt::format("etlc serve: error: {}\n", error);
    service.Stop();
    return kExitRunFailed;
  }
  service.SetPublisher([&](const std::map<std::string, std::string>& topic, const std::string& text) {
    http.Broadcast(topic, text);
  });
  if (port_file) {
    // Written whole under another name, then renamed: a reader never sees half a number.
    fs::path partial = port_file->string() + ".tmp";
    std::ofstream(partial) << http.Port() << "\n";
    std::error_code ec;
    fs::rename(partial, *port_file, ec);
    if (ec) io.err << fmt::format("etlc serve: warning: cannot write `{}`: {}\n", port_file->string(), ec.message());
  }
  auto snapshot = service.Snapshot();
  io.err << fmt::format("etlc serve: {} pipeline{} from {} file{} in {}\n", snapshot->pipelines.size(),
                        snapshot->pipelines.size() == 1 ? "" : "s", snapshot->files.size(),
                        snapshot->files.size() == 1 ? "" : "s", service_options.project_dir);
  io.err << fmt::format("etlc serve: listening on http://{}:{}{}\n", http_options.address, http.Port(),
                        insecure ? " (insecure-local: no tokens)" : "");
  io.err.flush();

  std::atomic<bool> stop{false};
  {
    CancelOnSignals signals(stop);
    while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  io.err << "etlc serve: stopping\n";
  io.err.flush();
  http.Stop();
  service.SetPublisher(nullptr);
  service.Stop();
  return kExitOk;
}

}  // namespace etl::driver
