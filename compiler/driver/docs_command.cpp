// `etlc docs [--out DIR]`: the reference pages generated from the stdlib specs.
#include <filesystem>

#include <fmt/format.h>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "stdlib/reference.h"

namespace etl::driver {

int RunDocs(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"docs", "[--out DIR]",
                   "Prints the reference of every source, transform, sink and function, generated\n"
                   "from their specs in stdlib/. With --out the pages are written into DIR\n"
                   "(docs/reference in this repository; a test keeps the committed pages current)."};
  po::options_description options("options");
  options.add_options()("out", po::value<std::string>()->value_name("DIR"), "write the pages into DIR");
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::None, args, vm, files, io, "FILE", "did you mean --out DIR?")) {
    return *done;
  }

  auto pages = stdlib::RenderReference();
  if (!vm.count("out")) {
    for (size_t i = 0; i < pages.size(); ++i) {
      if (i > 0) io.out << "\n";
      io.out << pages[i].second;
    }
    return kExitOk;
  }
  std::filesystem::path dir = vm["out"].as<std::string>();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    io.err << fmt::format("etlc docs: error: cannot create `{}`: {}\n", dir.string(), ec.message());
    return kExitUsage;
  }
  for (const auto& [name, text] : pages) {
    std::string error;
    if (!WriteFileAtomically((dir / name).string(), text, error)) {
      io.err << fmt::format("etlc docs: error: {}\n", error);
      return kExitUsage;
    }
  }
  io.err << fmt::format("wrote {} pages to {}\n", pages.size(), dir.string());
  return kExitOk;
}

}  // namespace etl::driver
