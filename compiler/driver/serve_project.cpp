#include "compiler/driver/serve_project.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

namespace etl::driver {

namespace fs = std::filesystem;

std::optional<int> ResolveProject(std::string_view command, const std::string& dir, const po::variables_map& vm,
                                  server::ServiceOptions& options, Io& io) {
  std::error_code ec;
  fs::path path = fs::absolute(dir, ec);
  if (ec || !fs::is_directory(path, ec)) return UsageError(command, fmt::format("`{}` is not a directory", dir), io);
  path = fs::canonical(path, ec);
  options.project_dir = path.string();
  options.state_dir =
      vm.count("state-dir") ? fs::absolute(vm["state-dir"].as<std::string>()).string() : (path / ".etl").string();
  if (vm.count("store")) {
    options.store = vm["store"].as<std::string>();
  } else if (const char* env = std::getenv("ETL_STORE")) {
    options.store = env;
  }
  return std::nullopt;
}

std::optional<int> EnterProject(std::string_view command, const server::ServiceOptions& options, Io& io) {
  std::error_code ec;
  fs::create_directories(options.state_dir, ec);
  if (ec) {
    io.err << fmt::format("etlc {}: error: cannot create `{}`: {}\n", command, options.state_dir, ec.message());
    return kExitRunFailed;
  }
  fs::current_path(options.project_dir, ec);
  if (ec) {
    io.err << fmt::format("etlc {}: error: cannot enter `{}`: {}\n", command, options.project_dir, ec.message());
    return kExitRunFailed;
  }
  return std::nullopt;
}

}  // namespace etl::driver
