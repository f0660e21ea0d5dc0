// The `etlc` command line: subcommand dispatch, help and exit codes (language.md §8).
// Everything goes through an Io so tests run the CLI in-process with string streams.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace etl::driver {

// Process exit codes of etlc (language.md §8).
enum ExitCode : int {
  kExitOk = 0,
  kExitCompileErrors = 1,  // the input has errors (or `fmt --check` found unformatted files)
  kExitUsage = 2,          // unknown command/option, missing or unreadable file
  kExitRunFailed = 3,      // a run failed (the runtime; not used by the front end)
};

// The streams of one invocation; fds tell whether a stream is a terminal (-1: it is not).
struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  int out_fd = -1;
  int err_fd = -1;
};

// Runs `etlc` with its arguments (argv[0] excluded) and returns the exit code.
int RunEtlc(const std::vector<std::string>& args, Io& io);

}  // namespace etl::driver
