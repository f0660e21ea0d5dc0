// `etlc fmt FILE... [--check] [--write]`.
#include "compiler/driver/commands.h"

#include <fmt/format.h>

#include "compiler/driver/command.h"
#include "compiler/format/formatter.h"
#include "compiler/syntax/parser.h"

namespace etl::driver {

int RunFmt(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"fmt", "FILE... [--check | --write]",
                   "Formats each FILE canonically (comments kept; formatting twice changes nothing).\n"
                   "Prints the formatted text to stdout; `-` reads stdin. With --write the files are\n"
                   "rewritten in place; with --check the names of files that would change are\n"
                   "printed and the exit code is 1 if there is any. A file with syntax errors is\n"
                   "reported with its diagnostics (exit 1) and never rewritten."};
  po::options_description options("options");
  options.add_options()("check", "list files whose formatting would change; exit 1 if any")(
      "write,w", "rewrite the files in place");
  AddColorOption(options);
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::Many, args, vm, files, io, "FILE", "use `-` for stdin")) {
    return *done;
  }
  bool check = vm.count("check") > 0;
  bool write = vm.count("write") > 0;
  if (check && write) return UsageError("fmt", "--check and --write exclude each other", io);
  if (write && std::find(files.begin(), files.end(), "-") != files.end()) {
    return UsageError("fmt", "--write cannot rewrite stdin (`-`)", io);
  }

  DiagnosticPrinter printer(io, DiagnosticFormat::Text, ColorOption(vm));
  bool unreadable = false;
  bool failed = false;
  bool would_change = false;
  for (const std::string& path : files) {
    std::optional<std::string> text = ReadInput(path, io);
    if (!text) {
      io.err << fmt::format("etlc fmt: error: cannot read `{}`\n", path);
      unreadable = true;
      continue;
    }
    diag::SourceManager sources;
    diag::Diagnostics diagnostics;
    diag::FileId file = sources.Add(path == "-" ? "<stdin>" : path, *text);
    std::unique_ptr<ast::Module> module = syntax::ParseModule(sources, file, diagnostics);
    if (diagnostics.HasErrors() || module->has_syntax_errors) {
      printer.Print(sources, diagnostics);
      failed = true;
      continue;
    }
    std::string formatted = format::FormatModule(*module, sources);
    if (check) {
      if (formatted != *text) {
        io.out << path << "\n";
        would_change = true;
      }
    } else if (write) {
      std::string error;
      if (formatted != *text && !WriteFileAtomically(path, formatted, error)) {
        io.err << fmt::format("etlc fmt: error: {}\n", error);
        failed = true;
      }
    } else {
      io.out << formatted;
    }
  }
  printer.Finish();
  if (unreadable) return kExitUsage;
  return failed || would_change ? kExitCompileErrors : kExitOk;
}

}  // namespace etl::driver
