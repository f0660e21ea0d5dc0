// `etlc runs [--state-dir DIR] [--store URL] [--limit N] [--pipeline NAME] [--format
// text|json]`: the runs recorded in the run store (runtime/run_store.h: the SQLite file of
// the state directory, or the PostgreSQL store of --store), newest first. docs/cli.md.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "runtime/source_csv_convert.h"
#include "runtime/run_log.h"
#include "runtime/run_store.h"

namespace etl::driver {
namespace {

// A run's start for people: "2024-01-31 12:00:00" (UTC).
std::string StartText(int64_t us) {
  std::string text = runtime::FormatRfc3339(us);  // 2024-01-31T12:00:00.123Z
  text = text.substr(0, 19);
  text[10] = ' ';
  return text;
}

std::string DurationText(const runtime::StoredRun& run) {
  return run.finished_us ? runtime::FormatSeconds(*run.finished_us - run.started_us) : "-";
}

// The table: a header, then one line per run; text columns left-aligned, numbers right.
std::string RenderRuns(const std::vector<runtime::StoredRun>& runs) {
  std::vector<std::vector<std::string>> rows = {
      {"id", "pipeline", "status", "started (UTC)", "duration", "rows in", "errors", "failure"}};
  for (const runtime::StoredRun& run : runs) {
    rows.push_back({run.id, run.pipeline, run.status, StartText(run.started_us), DurationText(run),
                    runtime::FormatCount(run.rows_in), runtime::FormatCount(run.errors), run.failure});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      bool number = i == 4 || i == 5 || i == 6;
      if (i > 0) line += "  ";
      if (i + 1 == row.size()) line += row[i];  // the last column is not padded
      else if (number) line += fmt::format("{:>{}}", row[i], widths[i]);
      else line += fmt::format("{:<{}}", row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

nlohmann::ordered_json RunJson(const runtime::StoredRun& run) {
  nlohmann::ordered_json json;
  json["id"] = run.id;
  json["pipeline"] = run.pipeline;
  json["status"] = run.status;
  json["failure"] = run.failure.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(run.failure);
  json["started"] = runtime::FormatRfc3339(run.started_us);
  json["finished"] = run.finished_us ? nlohmann::ordered_json(runtime::FormatRfc3339(*run.finished_us))
                                     : nlohmann::ordered_json();
  json["seconds"] = run.finished_us
                        ? nlohmann::ordered_json(static_cast<double>(*run.finished_us - run.started_us) / 1e6)
                        : nlohmann::ordered_json();
  json["rows_in"] = run.rows_in;
  json["errors"] = run.errors;
  json["attempts"] = run.attempts;
  json["source_file"] = run.source_file;
  json["plan_hash"] = run.plan_hash;
  json["params"] = nlohmann::ordered_json::parse(run.params_json, nullptr, false);
  return json;
}

}  // namespace

int RunRuns(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"runs", "[options]",
                   "Lists the runs recorded in the run store (<state-dir>/etl.db, or the PostgreSQL\n"
                   "store of --store or $ETL_STORE), newest first:\n"
                   "id, pipeline, status, start, duration, rows read, failed records and why a run\n"
                   "did not succeed. Exit: 0 listed (also when there are none), 2 usage, 3 the\n"
                   "run store cannot be read."};
  po::options_description options("options");
  options.add_options()("state-dir", po::value<std::string>()->value_name("DIR")->default_value(".etl"),
                        "the state directory `etlc run` used")(
      "store", po::value<std::string>()->value_name("URL"),
      "the run store: a postgres:// URL (default: $ETL_STORE, else <state-dir>/etl.db)")(
      "limit,n", po::value<std::string>()->value_name("N")->default_value("20"), "at most N runs (0 = all)")(
      "pipeline", po::value<std::string>()->value_name("NAME"), "only runs of this pipeline")(
      "format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
      "text (a table) or json (an array of runs)");
  po::variables_map vm;
  std::vector<std::string> none;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::None, args, vm, none, io)) return *done;
  runtime::RunQuery query;
  std::string limit = vm["limit"].as<std::string>();
  auto n = runtime::ParseIntText(limit);
  if (!n || *n < 0) return UsageError("runs", fmt::format("--limit `{}`: expected a number >= 0", limit), io);
  query.limit = static_cast<size_t>(*n);
  if (vm.count("pipeline")) query.pipeline = vm["pipeline"].as<std::string>();
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("runs", "--format must be text or json", io);
  std::string state_dir = vm["state-dir"].as<std::string>();
  if (state_dir.empty()) return UsageError("runs", "--state-dir must not be empty", io);

  // --store, else ETL_STORE (as `etlc run`), else the SQLite store; `--store ""` forces it.
  std::string store_url;
  if (vm.count("store")) {
    store_url = vm["store"].as<std::string>();
  } else if (const char* env = std::getenv("ETL_STORE"); env != nullptr) {
    store_url = env;
  }
  bool postgres = store_url.starts_with("postgres://") || store_url.starts_with("postgresql://");
  if (!store_url.empty() && !postgres) {
    // The value is not shown: it may hold a password.
    return UsageError("runs", "--store: expected a postgres:// or postgresql:// URL", io);
  }

  std::vector<runtime::StoredRun> runs;
  std::string where = state_dir;
  std::error_code ec;
  // No SQLite store yet: no runs, and nothing created. A PostgreSQL store is opened (and
  // its tables made) as `etlc run` would.
  if (!store_url.empty() || std::filesystem::exists(runtime::RunStorePath(state_dir), ec)) {
    std::string error;
    auto store = runtime::OpenRunStore(store_url, state_dir, error);
    if (store) {
      if (!store_url.empty()) where = store->Describe();
      if (auto problem = store->ListRuns(query, runs)) error = *problem;
    }
    if (!error.empty()) {
      io.err << fmt::format("etlc runs: error: {}\n", error);
      return kExitRunFailed;
    }
  }
  if (format == "json") {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const auto& run : runs) array.push_back(RunJson(run));
    io.out << array.dump(2) << "\n";
  } else if (runs.empty()) {
    io.out << fmt::format("no runs in {}\n", where);
  } else {
    io.out << RenderRuns(runs);
  }
  return kExitOk;
}

}  // namespace etl::driver
