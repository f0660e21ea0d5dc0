// Helpers shared by the subcommands: option parsing with uniform --help and usage
// errors, loading and checking programs, and printing diagnostics in text or JSON.
#pragma once

#include <boost/program_options.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/diag/render.h"
#include "compiler/driver/cli.h"
#include "compiler/sema/program.h"

namespace etl::driver {

namespace po = boost::program_options;

// How a subcommand describes itself for `--help` and usage errors.
struct CommandInfo {
  std::string_view name;      // "check"
  std::string_view synopsis;  // "FILE... [options]"
  std::string_view summary;   // one paragraph
};

// Parses a subcommand's arguments into `vm`. Adds -h/--help. Returns an exit code when the
// command is done (help printed: 0; usage error printed: 2), nullopt to go on.
std::optional<int> ParseCommandLine(const CommandInfo& info, po::options_description& options,
                                    const po::options_description& hidden,
                                    const po::positional_options_description& positional,
                                    const std::vector<std::string>& args, po::variables_map& vm, Io& io);

// How many positional FILE arguments a command takes.
enum class FileArgs { None, One, Many, Any };  // Any: zero or more

// ParseCommandLine for a command whose positional arguments are files: collects them into
// `files` and reports a usage error (exit 2) when their number does not fit `count`.
// `word` names them in messages ("FILE", "DATA_FILE"); `hint` is added to those messages.
std::optional<int> ParseFileCommandLine(const CommandInfo& info, po::options_description& options, FileArgs count,
                                        const std::vector<std::string>& args, po::variables_map& vm,
                                        std::vector<std::string>& files, Io& io, std::string_view word = "FILE",
                                        std::string_view hint = "");

// Prints `etlc NAME: error: MESSAGE` and a hint to --help; returns kExitUsage.
int UsageError(std::string_view command, std::string_view message, Io& io);

// Adds `--color auto|always|never` to `options`.
void AddColorOption(po::options_description& options);

// The colour mode chosen with --color (auto when absent; validated by ParseCommandLine).
diag::ColorMode ColorOption(const po::variables_map& vm);

// Output format of diagnostics.
enum class DiagnosticFormat { Text, Json };

// Prints diagnostics of one or more programs: text (to err, with a summary at the end)
// or one JSON document (to out) when finished.
class DiagnosticPrinter {
 public:
  DiagnosticPrinter(Io& io, DiagnosticFormat format, diag::ColorMode color);
  // Prints (or collects, for JSON) every diagnostic of `diagnostics`.
  void Print(const diag::SourceManager& sources, const diag::Diagnostics& diagnostics);
  // Text: the "N errors, M warnings generated" line; JSON: the whole document.
  void Finish();
  size_t Errors() const { return errors_; }
  size_t Warnings() const { return warnings_; }

 private:
  Io& io_;
  DiagnosticFormat format_;
  diag::TextOptions text_options_;
  nlohmann::json json_ = nlohmann::json::array();
  size_t errors_ = 0;
  size_t warnings_ = 0;
};

// Loads `path` (and its imports) and type-checks it; nullptr when the root file cannot be
// read (the caller reports a usage error). Diagnostics are sorted by position.
std::unique_ptr<sema::Program> LoadAndCheck(const std::string& path);

// Reads a whole file (or stdin for "-"); nullopt when it cannot be read.
std::optional<std::string> ReadInput(const std::string& path, Io& io);

// Writes `text` to `path` atomically (a temporary file in the same folder, then rename);
// false with `error` set on failure.
bool WriteFileAtomically(const std::string& path, std::string_view text, std::string& error);

}  // namespace etl::driver
