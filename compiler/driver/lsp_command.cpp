// `etlc lsp`: the language server on stdio (lsp/, docs/editors.md).
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "lsp/features.h"
#include "lsp/server.h"

namespace etl::driver {

int RunLsp(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"lsp", "[options]",
                   "Runs the language server: LSP 3.17 over JSON-RPC on stdin/stdout, for editors\n"
                   "(VS Code, Neovim, Emacs: docs/editors.md). Diagnostics, hover, completion,\n"
                   "signature help, definition, references, rename, symbols, formatting, semantic\n"
                   "tokens, code actions and inlay hints. Exits 0 after `shutdown` + `exit`."};
  po::options_description options("options");
  options.add_options()("stdio", "talk over stdin/stdout (the default and only transport)")(
      "debounce-ms", po::value<int>()->value_name("MS")->default_value(150),
      "publish diagnostics this long after the last edit")(
      "log", po::value<std::string>()->value_name("FILE"), "append one line per message handled, with timings");
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::None, args, vm, files, io)) return *done;
  lsp::ServerOptions server_options;
  server_options.debounce_ms = vm["debounce-ms"].as<int>();
  if (server_options.debounce_ms < 0) return UsageError("lsp", "--debounce-ms must be 0 or more", io);
  std::ofstream log;
  if (vm.count("log")) {
    log.open(vm["log"].as<std::string>(), std::ios::app);
    if (!log) return UsageError("lsp", fmt::format("cannot write the log file `{}`", vm["log"].as<std::string>()), io);
    server_options.log = &log;
  }
  // The reader thread stays blocked on stdin when `exit` arrives; the process ends anyway.
  server_options.join_reader = false;
  lsp::Server server(io.in, io.out, server_options);
  lsp::RegisterAllFeatures(server);
  return server.Run();
}

}  // namespace etl::driver
