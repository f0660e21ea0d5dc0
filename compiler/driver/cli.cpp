#include "compiler/driver/cli.h"

#include <array>
#include <iostream>
#include <string_view>

#include <fmt/format.h>

#include "compiler/diag/diagnostic.h"
#include "compiler/driver/commands.h"

#ifndef ETL_VERSION
#define ETL_VERSION "0.0.0"
#endif

namespace etl::driver {
namespace {

// One subcommand: its name, the one-line summary shown by `etlc --help`, its entry point.
struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args, Io& io);
};

const std::vector<Command> kCommands = {
    Command{"check", "parse and type-check files, print diagnostics", RunCheck},
    Command{"compile", "check a file and write its plan as JSON", RunCompile},
    Command{"graph", "print the DAG of a pipeline (dot, mermaid or json)", RunGraph},
    Command{"explain", "print every step with its input and output schema", RunExplain},
    Command{"fmt", "format files canonically (comments kept)", RunFmt},
    Command{"docs", "print the reference of every step and function", RunDocs},
    Command{"infer", "print an inferred `schema` for a CSV or JSONL file", RunInfer},
    Command{"run", "run a pipeline (a .etl file or a plan.json)", RunRun},
    Command{"test", "run the `test` blocks of a file", RunTest},
    Command{"runs", "list the recorded runs, newest first", RunRuns},
    Command{"logs", "print the structured log of a recorded run", RunLogs},
    Command{"errors", "print the error table of a recorded run", RunErrors},
    Command{"gc", "delete the runs that finished longer ago than --keep", RunGc},
    Command{"inspect", "check (and --repair) a state directory's persisted runs", RunInspect},
    Command{"serve", "run pipelines on schedules and triggers, with the REST API", RunServe},
    Command{"backfill", "run a pipeline for the past fire times of its schedule", RunBackfill},
    Command{"token", "create, list or revoke API tokens of etlc serve", RunToken},
    Command{"lsp", "run the language server on stdio (for editors)", RunLsp},
};

void PrintHelp(std::ostream& out) {
  out << "etlc " ETL_VERSION " - the etl pipeline compiler\n\n"
         "usage: etlc <command> [options] [arguments]\n"
         "       etlc help <command>    (or etlc <command> --help)\n\n"
         "commands:\n";
  for (const Command& command : kCommands) out << fmt::format("  {:<9} {}\n", command.name, command.summary);
  out << "  help      show the help of a command\n\noptions:\n"
         "  -h, --help     show this help\n"
         "  --version      print the version\n\n"
         "exit codes: 0 ok, 1 compile errors, 2 usage error, 3 run failed\n";
}

const Command* FindCommand(std::string_view name) {
  for (const Command& command : kCommands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

int UnknownCommand(std::string_view name, Io& io) {
  std::vector<std::string> names;
  for (const Command& command : kCommands) names.emplace_back(command.name);
  names.emplace_back("help");
  io.err << fmt::format("etlc: error: unknown command `{}`", name);
  auto closest = diag::ClosestNames(name, names);
  if (!closest.empty()) io.err << fmt::format("; did you mean `{}`?", closest[0]);
  io.err << "\ntry `etlc --help`\n";
  return kExitUsage;
}

}  // namespace

int RunEtlc(const std::vector<std::string>& args, Io& io) {
  if (args.empty()) {
    PrintHelp(io.err);
    return kExitUsage;
  }
  const std::string& first = args[0];
  if (first == "-h" || first == "--help") {
    PrintHelp(io.out);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    io.out << "etlc " ETL_VERSION "\n";
    return kExitOk;
  }
  if (first == "help") {
    if (args.size() == 1) {
      PrintHelp(io.out);
      return kExitOk;
    }
    if (args.size() > 2) {
      io.err << "etlc help: error: expected one command name\n";
      return kExitUsage;
    }
    const Command* command = FindCommand(args[1]);
    if (command == nullptr) return UnknownCommand(args[1], io);
    return command->run({"--help"}, io);
  }
  if (!first.empty() && first[0] == '-') {
    io.err << fmt::format("etlc: error: unknown option `{}`\ntry `etlc --help`\n", first);
    return kExitUsage;
  }
  const Command* command = FindCommand(first);
  if (command == nullptr) return UnknownCommand(first, io);
  std::vector<std::string> rest(args.begin() + 1, args.end());
  int code = command->run(rest, io);
  io.out.flush();
  io.err.flush();
  return code;
}

}  // namespace etl::driver
