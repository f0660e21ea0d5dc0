#include "compiler/driver/command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <fmt/format.h>

namespace etl::driver {

namespace fs = std::filesystem;

int UsageError(std::string_view command, std::string_view message, Io& io) {
  io.err << fmt::format("etlc {}: error: {}\n", command, message);
  io.err << fmt::format("try `etlc {} --help`\n", command);
  return kExitUsage;
}

void AddColorOption(po::options_description& options) {
  options.add_options()("color", po::value<std::string>()->value_name("WHEN")->default_value("auto"),
                        "colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never");
}

diag::ColorMode ColorOption(const po::variables_map& vm) {
  diag::ColorMode mode = diag::ColorMode::Auto;
  if (vm.count("color")) diag::ParseColorMode(vm["color"].as<std::string>(), mode);
  return mode;
}

std::optional<int> ParseCommandLine(const CommandInfo& info, po::options_description& options,
                                    const po::options_description& hidden,
                                    const po::positional_options_description& positional,
                                    const std::vector<std::string>& args, po::variables_map& vm, Io& io) {
  options.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(options).add(hidden);
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(positional)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& error) {
    return UsageError(info.name, error.what(), io);
  }
  if (vm.count("help")) {
    io.out << fmt::format("usage: etlc {} {}\n\n{}\n\n", info.name, info.synopsis, info.summary);
    io.out << options;
    io.out << "\nexit codes: 0 ok, 1 errors found, 2 usage error (bad option, unreadable file)\n";
    return kExitOk;
  }
  if (vm.count("color")) {
    diag::ColorMode mode;
    if (!diag::ParseColorMode(vm["color"].as<std::string>(), mode)) {
      return UsageError(info.name, "--color must be one of auto, always, never", io);
    }
  }
  return std::nullopt;
}

DiagnosticPrinter::DiagnosticPrinter(Io& io, DiagnosticFormat format, diag::ColorMode color)
    : io_(io), format_(format) {
  text_options_.color = diag::ShouldColor(color, io.err_fd);
}

void DiagnosticPrinter::Print(const diag::SourceManager& sources, const diag::Diagnostics& diagnostics) {
  for (const diag::Diagnostic& d : diagnostics.All()) {
    if (d.level == diag::Level::Error) ++errors_;
    if (d.level == diag::Level::Warning) ++warnings_;
    if (format_ == DiagnosticFormat::Json) {
      json_.push_back(diag::DiagnosticToJson(sources, d));
    } else {
      io_.err << diag::RenderText(sources, d, text_options_);
    }
  }
}

void DiagnosticPrinter::Finish() {
  if (format_ == DiagnosticFormat::Json) {
    nlohmann::json document = {{"diagnostics", json_}, {"errors", errors_}, {"warnings", warnings_}};
    // Messages may quote invalid UTF-8 from the source: replace it rather than throw.
    io_.out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    io_.err << diag::RenderSummary(errors_, warnings_, text_options_);
  }
  io_.out.flush();
  io_.err.flush();
}

std::unique_ptr<sema::Program> LoadAndCheck(const std::string& path) {
  std::unique_ptr<sema::Program> program = sema::LoadProgram(path);
  if (!program || program->modules.empty()) return nullptr;
  sema::Check(*program);
  program->diagnostics.Sort();
  return program;
}

std::optional<std::string> ReadInput(const std::string& path, Io& io) {
  std::ostringstream buffer;
  if (path == "-") {
    buffer << io.in.rdbuf();
    return buffer.str();
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

bool WriteFileAtomically(const std::string& path, std::string_view text, std::string& error) {
  fs::path target(path);
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::random_device random;
  fs::path temp = folder / fmt::format(".{}.etlc-{:08x}.tmp", target.filename().string(), random());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = fmt::format("cannot create `{}`", temp.string());
      return false;
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      error = fmt::format("cannot write `{}`", temp.string());
      std::error_code ignored;
      fs::remove(temp, ignored);
      return false;
    }
  }
  std::error_code ec;
  // Keep the permissions of the file being replaced.
  fs::perms perms = fs::status(target, ec).permissions();
  if (!ec) fs::permissions(temp, perms, ec);
  fs::rename(temp, target, ec);
  if (ec) {
    error = fmt::format("cannot replace `{}`: {}", path, ec.message());
    std::error_code ignored;
    fs::remove(temp, ignored);
    return false;
  }
  return true;
}

std::optional<int> ParseFileCommandLine(const CommandInfo& info, po::options_description& options, FileArgs count,
                                        const std::vector<std::string>& args, po::variables_map& vm,
                                        std::vector<std::string>& files, Io& io, std::string_view word,
                                        std::string_view hint) {
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("file", -1);
  if (auto done = ParseCommandLine(info, options, hidden, positional, args, vm, io)) return done;
  files = vm.count("file") ? vm["file"].as<std::vector<std::string>>() : std::vector<std::string>{};
  std::string suffix = hint.empty() ? "" : fmt::format(" ({})", hint);
  if (count == FileArgs::None && !files.empty()) {
    return UsageError(info.name, fmt::format("unexpected argument `{}`{}", files[0], suffix), io);
  }
  if (count != FileArgs::None && count != FileArgs::Any && files.empty()) {
    return UsageError(info.name, fmt::format("missing {} argument{}", word, suffix), io);
  }
  if (count == FileArgs::One && files.size() != 1) {
    return UsageError(info.name, fmt::format("expected exactly one {}", word), io);
  }
  return std::nullopt;
}

}  // namespace etl::driver
