// `etlc check FILE...`.
#include <fmt/format.h>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"

namespace etl::driver {

int RunCheck(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"check", "FILE... [options]",
                   "Parses and type-checks each FILE (and the files it imports) and prints every\n"
                   "diagnostic: `file:line:col: error[E0203]: message`, the source line and a caret.\n"
                   "Text goes to stderr; --format json prints one JSON document to stdout."};
  po::options_description options("options");
  options.add_options()("format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
                        "text or json")(
      "deny-warnings", "treat warnings as errors for the exit code");
  AddColorOption(options);
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::Many, args, vm, files, io)) return *done;

  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("check", "--format must be text or json", io);

  DiagnosticPrinter printer(io, format == "json" ? DiagnosticFormat::Json : DiagnosticFormat::Text,
                            ColorOption(vm));
  bool unreadable = false;
  for (const std::string& path : files) {
    std::unique_ptr<sema::Program> program = LoadAndCheck(path);
    if (!program) {
      io.err << fmt::format("etlc check: error: cannot read `{}`\n", path);
      unreadable = true;
      continue;
    }
    printer.Print(program->sources, program->diagnostics);
  }
  printer.Finish();
  if (unreadable) return kExitUsage;
  if (printer.Errors() > 0) return kExitCompileErrors;
  if (vm.count("deny-warnings") && printer.Warnings() > 0) return kExitCompileErrors;
  return kExitOk;
}

}  // namespace etl::driver
