// `etlc gc --keep DURATION [--dry-run] [--verbose] [--format text|json]`: retention. Deletes
// the runs that finished more than DURATION ago from the run store (with their metrics,
// log and error table) and their folders `<state-dir>/runs/<id>/`, and the JIT's cached
// object code not used for as long (`<state-dir>/jit-cache/`). A running run is never
// deleted. docs/cli.md.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/run_lookup.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/run_log.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The runs the store would delete at `cutoff_us` (the same rule as
// RunStore::DeleteRunsFinishedBefore), for --dry-run.
std::optional<std::string> RunsToDelete(runtime::RunStore& store, int64_t cutoff_us, std::vector<std::string>& ids) {
  std::vector<runtime::StoredRun> runs;
  if (auto error = store.ListRuns(runtime::RunQuery{0, std::nullopt}, runs)) return error;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->finished_us && *it->finished_us < cutoff_us && it->status != "running") ids.push_back(it->id);
  }
  return std::nullopt;
}

// A run id that names one folder inside runs/ (ids come from the store: a damaged or
// foreign row must not make gc remove anything else).
bool PlainFolderName(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
         id.find('\\') == std::string::npos;
}

// Removes the folders of the deleted runs; the ones that could not be removed in `failed`.
void RemoveRunFolders(const std::string& state_dir, const std::vector<std::string>& ids,
                      std::vector<std::string>& failed) {
  for (const std::string& id : ids) {
    if (!PlainFolderName(id)) continue;
    fs::path folder = fs::path(state_dir) / "runs" / id;
    std::error_code ec;
    fs::remove_all(folder, ec);
    if (ec) failed.push_back(fmt::format("{}: {}", folder.string(), ec.message()));
  }
}

// Removes the JIT's cache entries (`<state-dir>/jit-cache/*.o`) last used before
// `cutoff_us` (a hit refreshes an entry's time); returns how many (would be) removed.
size_t RemoveOldJitCode(const std::string& state_dir, int64_t cutoff_us, bool dry_run, std::vector<std::string>& failed) {
  fs::path dir = fs::path(state_dir) / "jit-cache";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  // The file clock is not the system clock: measure the cutoff back from its now.
  auto cutoff = fs::file_time_type::clock::now() - std::chrono::microseconds(NowUs() - cutoff_us);
  size_t removed = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".o") continue;
    auto used = fs::last_write_time(entry.path(), ec);
    if (ec || used >= cutoff) continue;
    ++removed;
    if (dry_run) continue;
    fs::remove(entry.path(), ec);
    if (ec) failed.push_back(fmt::format("{}: {}", entry.path().string(), ec.message()));
  }
  return removed;
}

}  // namespace

int RunGc(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"gc", "--keep DURATION [options]",
                   "Deletes the runs that finished more than DURATION ago (30d, 12h, 90m, ...):\n"
                   "their rows in the run store (run, step metrics, log, error table) and their\n"
                   "folders <state-dir>/runs/<id>/ (log, error file, persisted channel data). Runs\n"
                   "still running are kept, whatever their age; step state is kept. Running it\n"
                   "again deletes nothing more.\n"
                   "Exit: 0 done (also when there was nothing to delete), 2 usage, 3 the store\n"
                   "cannot be read or written, or a run folder cannot be removed."};
  po::options_description options("options");
  options.add_options()("keep", po::value<std::string>()->value_name("DURATION"),
                        "keep the runs that finished within this long (required)");
  AddStoreOptions(options);
  options.add_options()("dry-run", "print what would be deleted, delete nothing")(
      "verbose,v", "print the id of every deleted run")(
      "format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
      "text or json ({\"deleted\", \"ids\", \"cutoff\", \"dry_run\"})");
  po::variables_map vm;
  std::vector<std::string> none;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::None, args, vm, none, io)) return *done;
  if (!vm.count("keep")) return UsageError("gc", "--keep DURATION is required (e.g. --keep 30d)", io);
  std::string keep = vm["keep"].as<std::string>();
  auto keep_us = runtime::ParseDurationText(keep);
  if (!keep_us || *keep_us < 0) {
    return UsageError("gc", fmt::format("--keep `{}`: expected a duration like 30d, 12h or 90m", keep), io);
  }
  StoreArgs where;
  if (auto done = StoreArgsFrom("gc", vm, where, io)) return *done;
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("gc", "--format must be text or json", io);
  bool dry_run = vm.count("dry-run") > 0;
  bool verbose = vm.count("verbose") > 0;
  int64_t cutoff_us = NowUs() - *keep_us;

  std::unique_ptr<runtime::RunStore> store;
  if (auto done = OpenStoreOf("gc", where, store, io)) return *done;
  std::vector<std::string> ids;
  std::vector<std::string> failed;
  if (store) {  // no store yet: nothing to delete
    auto error = dry_run ? RunsToDelete(*store, cutoff_us, ids) : store->DeleteRunsFinishedBefore(cutoff_us, ids);
    if (error) return StoreError("gc", *error, io);
  }
  if (!dry_run) RemoveRunFolders(where.state_dir, ids, failed);
  size_t jit_removed = RemoveOldJitCode(where.state_dir, cutoff_us, dry_run, failed);

  std::string cutoff = runtime::FormatRfc3339(cutoff_us);
  if (format == "json") {
    nlohmann::ordered_json json;
    json["deleted"] = ids.size();
    json["ids"] = ids;
    json["cutoff"] = cutoff;
    json["dry_run"] = dry_run;
    json["jit_cache_entries"] = jit_removed;
    io.out << json.dump() << "\n";
  } else {
    io.out << fmt::format("{} {} run{} that finished before {}\n", dry_run ? "would delete" : "deleted",
                          runtime::FormatCount(ids.size()), ids.size() == 1 ? "" : "s", cutoff);
    if (verbose || dry_run) {
      for (const std::string& id : ids) io.out << "  " << id << "\n";
    }
    if (jit_removed > 0) {
      io.out << fmt::format("{} {} JIT cache entr{} unused since then\n", dry_run ? "would delete" : "deleted",
                            runtime::FormatCount(jit_removed), jit_removed == 1 ? "y" : "ies");
    }
  }
  for (const std::string& problem : failed) io.err << fmt::format("etlc gc: error: cannot remove {}\n", problem);
  return failed.empty() ? kExitOk : kExitRunFailed;
}

}  // namespace etl::driver
