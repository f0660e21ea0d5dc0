#include "compiler/driver/run_lookup.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace etl::driver {
namespace {

// Where the runs are, for messages.
std::string StoreName(const runtime::RunStore* store, const StoreArgs& args) {
  return store != nullptr ? store->Describe() : runtime::RunStorePath(args.state_dir);
}

// More candidates than this are summed up rather than listed.
constexpr size_t kMaxCandidatesShown = 10;

}  // namespace

void AddStoreOptions(po::options_description& options) {
  options.add_options()("state-dir", po::value<std::string>()->value_name("DIR")->default_value(".etl"),
                        "the state directory `etlc run` used")(
      "store", po::value<std::string>()->value_name("URL"),
      "the run store: a postgres:// URL (default: $ETL_STORE, else <state-dir>/etl.db)");
}

std::optional<int> StoreArgsFrom(std::string_view command, const po::variables_map& vm, StoreArgs& args, Io& io) {
  args.state_dir = vm["state-dir"].as<std::string>();
  if (args.state_dir.empty()) return UsageError(command, "--state-dir must not be empty", io);
  if (vm.count("store")) {
    args.store = vm["store"].as<std::string>();
  } else if (const char* env = std::getenv("ETL_STORE"); env != nullptr) {
    args.store = env;
  }
  return std::nullopt;
}

int StoreError(std::string_view command, std::string_view message, Io& io) {
  io.err << fmt::format("etlc {}: error: {}\n", command, message);
  return kExitRunFailed;
}

std::optional<int> OpenStoreOf(std::string_view command, const StoreArgs& args, std::unique_ptr<runtime::RunStore>& store,
                               Io& io) {
  store.reset();
  std::error_code ec;
  // Reading the history must not leave an empty database behind in a folder with no runs.
  if (args.store.empty() && !std::filesystem::exists(runtime::RunStorePath(args.state_dir), ec)) return std::nullopt;
  std::string error;
  store = runtime::OpenRunStore(args.store, args.state_dir, error);
  if (!store) return StoreError(command, error, io);
  return std::nullopt;
}

std::optional<int> ResolveRun(std::string_view command, runtime::RunStore* store, const StoreArgs& args,
                              const std::string& spec, runtime::StoredRun& run, Io& io) {
  auto none = [&](std::string_view what) {
    io.err << fmt::format("etlc {}: error: {} in {}\n", command, what, StoreName(store, args));
    io.err << "see the recorded runs with `etlc runs`\n";
    return kExitUsage;
  };
  if (spec.empty()) return UsageError(command, "RUN must not be empty", io);
  if (store == nullptr) return none(spec == "last" ? "no runs yet" : fmt::format("no run `{}`", spec));
  if (spec == "last") {
    std::vector<runtime::StoredRun> runs;
    if (auto error = store->ListRuns(runtime::RunQuery{1, std::nullopt}, runs)) return StoreError(command, *error, io);
    if (runs.empty()) return none("no runs yet");
    run = std::move(runs[0]);
    return std::nullopt;
  }
  std::optional<runtime::StoredRun> exact;
  if (auto error = store->GetRun(spec, exact)) return StoreError(command, *error, io);
  if (exact) {
    run = std::move(*exact);
    return std::nullopt;
  }
  std::vector<runtime::StoredRun> runs;
  if (auto error = store->ListRuns(runtime::RunQuery{0, std::nullopt}, runs)) return StoreError(command, *error, io);
  std::vector<runtime::StoredRun> matches;
  for (auto& candidate : runs) {
    if (candidate.id.starts_with(spec)) matches.push_back(std::move(candidate));
  }
  if (matches.empty()) return none(fmt::format("no run `{}`", spec));
  if (matches.size() > 1) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < matches.size() && i < kMaxCandidatesShown; ++i) ids.push_back(matches[i].id);
    std::string more = matches.size() > ids.size() ? fmt::format(" and {} more", matches.size() - ids.size()) : "";
    return UsageError(command,
                      fmt::format("RUN `{}` is ambiguous: it starts {} run ids: {}{}", spec, matches.size(),
                                  fmt::join(ids, ", "), more),
                      io);
  }
  run = std::move(matches[0]);
  return std::nullopt;
}

}  // namespace etl::driver
