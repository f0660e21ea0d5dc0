// `etlc inspect STATE_DIR [--repair] [--format text|json]`: checks what `persist disk`
// keeps of every run of a state directory (compiler/driver/inspect_check.h) and reports each
// problem with its file, byte and what `etlc run --resume` does about it; --repair cuts torn
// tails off, nothing else. docs/cli.md, docs/delivery.md.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/inspect_check.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

std::string RunSummary(const InspectedRun& run) {
  if (run.persist == "running") return "running (its lock is held): not checked";
  if (run.persist == "memory") return "persist memory: nothing persisted (a resume starts over)";
  std::string text = fmt::format("persist {}, {} sink checkpoint{}, {} stateful step{}", run.persist, run.sinks,
                                 run.sinks == 1 ? "" : "s", run.steps, run.steps == 1 ? "" : "s");
  if (run.phase != "running") text += ", " + run.phase;
  return text;
}

void PrintText(const std::string& state_dir, const std::vector<InspectedRun>& runs, Io& io) {
  io.out << fmt::format("state directory `{}`: {} run{}\n", state_dir, runs.size(), runs.size() == 1 ? "" : "s");
  for (const InspectedRun& run : runs) {
    io.out << fmt::format("run {}: {}: {}\n", run.id, run.findings.empty() ? "ok" : "damaged", RunSummary(run));
    for (const InspectFinding& finding : run.findings) {
      io.out << fmt::format("  {} (byte {}): {}\n", finding.file, finding.byte, finding.problem);
      io.out << fmt::format("    resume: {} [{}]\n", finding.resume, SeverityName(finding.severity));
      if (finding.repaired) {
        io.out << fmt::format("    repaired: cut to {} bytes\n", finding.byte);
      } else if (!finding.repair_error.empty()) {
        io.out << fmt::format("    not repaired: {}\n", finding.repair_error);
      } else if (finding.truncatable) {
        io.out << fmt::format("    --repair cuts it to {} bytes\n", finding.byte);
      }
    }
  }
}

void PrintJson(const std::string& state_dir, const std::vector<InspectedRun>& runs, bool damaged, bool usable,
               Io& io) {
  nlohmann::ordered_json json;
  json["state_dir"] = state_dir;
  json["damaged"] = damaged;
  json["usable"] = usable;
  json["runs"] = nlohmann::ordered_json::array();
  for (const InspectedRun& run : runs) {
    nlohmann::ordered_json r;
    r["id"] = run.id;
    r["persist"] = run.persist;
    r["phase"] = run.phase;
    r["sinks"] = run.sinks;
    r["steps"] = run.steps;
    r["findings"] = nlohmann::ordered_json::array();
    for (const InspectFinding& finding : run.findings) {
      nlohmann::ordered_json f;
      f["file"] = finding.file;
      f["byte"] = finding.byte;
      f["problem"] = finding.problem;
      f["resume"] = finding.resume;
      f["severity"] = SeverityName(finding.severity);
      f["truncatable"] = finding.truncatable;
      f["repaired"] = finding.repaired;
      if (!finding.repair_error.empty()) f["repair_error"] = finding.repair_error;
      r["findings"].push_back(std::move(f));
    }
    json["runs"].push_back(std::move(r));
  }
  // File names and checkpoint contents may be any bytes: never throw on invalid UTF-8.
  io.out << json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace

int RunInspect(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"inspect", "STATE_DIR [options]",
                   "Checks what `persist disk` keeps of every run in STATE_DIR/runs/: the run's meta,\n"
                   "sink checkpoints and the staging files they name, stateful steps' checkpoints\n"
                   "and channel log segments (framing and checksums), errors.jsonl. Each problem is\n"
                   "reported with its file and byte and what `etlc run --resume` does about it.\n"
                   "--repair cuts torn tails off (the record files' invalid tails, a torn last line\n"
                   "of errors.jsonl), with a warning per file; it never deletes anything. A run whose\n"
                   "process is still running (its lock is held) is not checked.\n"
                   "Exit: 0 healthy (or, with --repair, every run left resumable), 2 usage, 3 damage\n"
                   "found (with --repair: damage a resume cannot get past remains)."};
  po::options_description options("options");
  options.add_options()("repair", "cut torn tails off (with a warning per file)")(
      "format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
      "text or json ({\"state_dir\", \"damaged\", \"usable\", \"runs\": [{\"id\", \"findings\", ...}]})");
  po::variables_map vm;
  std::vector<std::string> dirs;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::One, args, vm, dirs, io, "STATE_DIR")) return *done;
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("inspect", "--format must be text or json", io);
  bool repair = vm.count("repair") > 0;
  const std::string& state_dir = dirs[0];
  std::error_code ec;
  if (fs::exists(state_dir, ec) && !fs::is_directory(state_dir, ec)) {
    return UsageError("inspect", fmt::format("`{}` is not a directory", state_dir), io);
  }

  std::vector<InspectedRun> runs;
  for (const std::string& dir : RunFolders(state_dir)) runs.push_back(InspectRun(dir, repair));
  bool damaged = false, usable = true;
  for (const InspectedRun& run : runs) {
    for (const InspectFinding& finding : run.findings) {
      damaged = true;
      if (finding.severity == InspectSeverity::Fatal || !finding.repair_error.empty()) usable = false;
      if (finding.repaired) {
        io.err << fmt::format("etlc inspect: warning: cut `{}` to its valid {} bytes ({})\n", finding.file,
                              finding.byte, finding.problem);
      } else if (!finding.repair_error.empty()) {
        io.err << fmt::format("etlc inspect: error: cannot repair `{}`: {}\n", finding.file, finding.repair_error);
      }
    }
  }
  if (!fs::exists(state_dir, ec)) {
    io.err << fmt::format("etlc inspect: note: `{}` does not exist: nothing to check\n", state_dir);
  } else if (runs.empty()) {
    io.err << fmt::format("etlc inspect: note: `{}` holds no runs: nothing to check\n", state_dir);
  }
  if (format == "json") {
    PrintJson(state_dir, runs, damaged, usable, io);
  } else {
    PrintText(state_dir, runs, io);
  }
  if (repair) return usable ? kExitOk : kExitRunFailed;
  return damaged ? kExitRunFailed : kExitOk;
}

}  // namespace etl::driver
