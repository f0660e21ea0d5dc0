#include "compiler/driver/inspect_check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/persist_channel.h"
#include "runtime/persist_log.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

// Holds `<run_dir>/lock` (the lock `etlc run` takes) while a run is inspected.
class InspectLock {
 public:
  ~InspectLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  // False when another process holds it (a run in progress). A missing lock file means no
  // process ever ran the run here: nothing to take (and nothing is created).
  bool Take(const std::string& run_dir) {
    fd_ = ::open((run_dir + "/lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return true;
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
    bool busy = errno == EWOULDBLOCK;
    ::close(fd_);
    fd_ = -1;
    return !busy;
  }

 private:
  int fd_ = -1;
};

// The names (without extension) of the entries of `dir` that end in `extension`, or of its
// folders when `extension` is empty; sorted.
std::vector<std::string> Names(const fs::path& dir, const std::string& extension) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (extension.empty() ? it->is_directory(type_ec) : it->path().extension() == extension) {
      names.push_back(it->path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool Exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Adds the finding of a record file's damage: its torn tail (which `resume` describes).
// Truncatable when the file was readable and only its tail is bad.
void AddRecordDamage(InspectedRun& run, const std::string& path, const runtime::RecordScan& scan, std::string resume,
                     InspectSeverity severity = InspectSeverity::Harmless) {
  InspectFinding finding;
  finding.file = path;
  finding.byte = scan.valid_bytes;
  finding.problem = scan.damage;
  if (scan.file_bytes > scan.valid_bytes) {
    finding.problem += fmt::format(" ({} of {} bytes are valid)", scan.valid_bytes, scan.file_bytes);
    finding.truncatable = true;
  }
  finding.resume = std::move(resume);
  finding.severity = severity;
  run.findings.push_back(std::move(finding));
}

void AddProblem(InspectedRun& run, const std::string& path, uint64_t byte, std::string problem, std::string resume,
                InspectSeverity severity) {
  InspectFinding finding;
  finding.file = path;
  finding.byte = byte;
  finding.problem = std::move(problem);
  finding.resume = std::move(resume);
  finding.severity = severity;
  run.findings.push_back(std::move(finding));
}

// `meta` (runtime/run_resume.cpp ReadRunMeta): the last valid record is used.
void CheckMeta(InspectedRun& run) {
  const std::string path = run.dir + "/meta";
  runtime::RecordScan scan = runtime::ScanRecordFile(path);
  run.persist = "unknown";
  if (scan.missing) {
    AddProblem(run, path, 0, "missing", "fails: the run cannot be resumed without its now(), seed and params",
               InspectSeverity::Fatal);
    return;
  }
  if (scan.records.empty()) {
    AddRecordDamage(run, path, scan, "fails: there is no valid record of the run's now(), seed and params",
                    InspectSeverity::Fatal);
    return;
  }
  if (!scan.damage.empty()) {
    AddRecordDamage(run, path, scan, "ignores the torn tail and uses the last valid record");
  }
  nlohmann::json json = nlohmann::json::parse(scan.records.back(), nullptr, false);
  bool readable = json.is_object() && json.contains("now_us") && json["now_us"].is_number_integer() &&
                  json.contains("seed") && json["seed"].is_number_unsigned() && json.contains("persist") &&
                  json["persist"].is_string() && json.contains("params") && json["params"].is_object();
  if (!readable) {
    AddProblem(run, path, 0, "its last record is not the run's meta (now_us, seed, persist, params)",
               "fails: the run cannot be resumed", InspectSeverity::Fatal);
    return;
  }
  run.persist = json["persist"].get<std::string>() == "disk" ? "disk" : "memory";
}

// The progress part of a sink checkpoint: "origin,lane,seq,rows;" repeated
// (runtime/exec_persist.cpp DecodeProgress).
bool ProgressReadable(const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(';', at);
    if (end == std::string::npos) return false;
    unsigned long long o = 0, l = 0, seq = 0, rows = 0;
    if (std::sscanf(text.substr(at, end - at).c_str(), "%llu,%llu,%llu,%llu", &o, &l, &seq, &rows) != 4) return false;
    at = end + 1;
  }
  return true;
}

// The target a staging file `<path>.tmp-<run id>` is published to.
std::string TargetOf(const std::string& staging, const std::string& run_id) {
  std::string suffix = ".tmp-" + run_id;
  if (staging.size() > suffix.size() && staging.ends_with(suffix)) return staging.substr(0, staging.size() - suffix.size());
  return {};
}

// One sink checkpoint file and the staging file its last record names
// (runtime/sink_common.cpp BufferedSink::Restore, runtime/sink_output.cpp Reopen).
void CheckSink(InspectedRun& run, const std::string& node, const std::string& path) {
  runtime::RecordScan scan = runtime::ScanRecordFile(path);
  if (scan.records.empty()) {
    if (!scan.damage.empty()) {
      AddRecordDamage(run, path, scan,
                      fmt::format("finds no checkpoint of sink `{}`: it writes its output again from the start", node));
    }
    return;
  }
  if (!scan.damage.empty()) {
    AddRecordDamage(run, path, scan,
                    fmt::format("ignores the torn tail and restores sink `{}` from its checkpoint {} (the last valid "
                                "one); checkpoints appended after the tail would not be read back: repair it",
                                node, scan.records.size()));
  }
  const std::string& record = scan.records.back();
  std::vector<std::string> parts;
  size_t at = 0;
  for (int i = 0; i < 5; ++i) {
    size_t nl = record.find('\n', at);
    if (nl == std::string::npos) break;
    parts.push_back(record.substr(at, nl - at));
    at = nl + 1;
  }
  int64_t bytes = -1, rows = -1;
  if (parts.size() == 5) {
    std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), bytes);
    std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), rows);
  }
  const std::string fails = fmt::format("fails: sink `{}` cannot be restored", node);
  if (parts.size() != 5 || parts[0] != "sink v1" || bytes < 0 || rows < 0) {
    AddProblem(run, path, 0, "its last valid record is not a file sink checkpoint", fails, InspectSeverity::Fatal);
    return;
  }
  if (!ProgressReadable(record.substr(at))) {
    AddProblem(run, path, 0, "the progress in its last valid record is not readable", fails, InspectSeverity::Fatal);
    return;
  }
  if (parts[1].empty() && bytes == 0) return;  // nothing was staged yet
  if (run.phase == "published") return;        // the resume has nothing to restore
  const std::string& staging = parts[1];
  struct stat st {};
  if (staging.empty() || ::stat(staging.c_str(), &st) != 0) {
    std::string target = TargetOf(staging, run.id);
    if (run.phase == "publishing" && !target.empty() && Exists(target)) return;  // renamed into place already
    AddProblem(run, staging.empty() ? path : staging, 0,
               fmt::format("the staging file of sink `{}` (named by {}) is missing", node, path),
               fails + ": its checkpointed output is gone (run the pipeline again without --resume)",
               InspectSeverity::Fatal);
    return;
  }
  if (static_cast<uint64_t>(st.st_size) < static_cast<uint64_t>(bytes)) {
    AddProblem(run, staging, static_cast<uint64_t>(st.st_size),
               fmt::format("the staging file of sink `{}` holds {} bytes, its checkpoint says {}", node, st.st_size,
                           bytes),
               fails + ": checkpointed output is missing (run the pipeline again without --resume)",
               InspectSeverity::Fatal);
  }
}

// A stateful step: its completion checkpoint and its channel log
// (runtime/exec_persist.cpp PreparePersistence).
void CheckStep(InspectedRun& run, const std::string& node) {
  const std::string persist = run.dir + "/persist";
  const std::string ckpt = persist + "/steps/" + node + ".ckpt";
  const std::string logs = persist + "/logs/" + node;
  std::optional<unsigned long long> complete;
  if (Exists(ckpt)) {
    runtime::RecordScan scan = runtime::ScanRecordFile(ckpt);
    unsigned long long entries = 0;
    if (!scan.records.empty() && std::sscanf(scan.records.back().c_str(), "complete %llu", &entries) == 1) {
      complete = entries;
    }
    if (!scan.damage.empty()) {
      AddRecordDamage(run, ckpt, scan,
                      complete ? "ignores the torn tail: the step's log is complete"
                               : fmt::format("finds no completion record: it computes `{}` again", node));
    }
  }
  if (run.phase != "running") return;  // the resume only publishes: logs are not read
  if (!Exists(logs)) {
    if (complete) {
      AddProblem(run, logs, 0, fmt::format("the log of `{}` is missing, its checkpoint says it is complete", node),
                 fmt::format("computes `{}` again from its input (a log_damaged warning)", node),
                 InspectSeverity::Recompute);
    }
    return;
  }
  runtime::ChannelLogCheck check = runtime::CheckChannelLog(logs);
  if (!check.damage.empty()) {
    std::string problem = check.damage.substr(std::min(check.damage.size(), check.damaged_segment.size() + 2));
    InspectFinding finding;
    finding.file = check.damaged_segment;
    finding.byte = check.valid_bytes;
    finding.problem = problem + (check.damaged_last ? " (the last segment)" : " (a segment before the last)");
    // Only the last segment's tail can be cut off; a damaged earlier segment stays (the
    // resume recomputes the step, which rewrites the whole log).
    struct stat st {};
    finding.truncatable = check.damaged_last && ::stat(check.damaged_segment.c_str(), &st) == 0 &&
                          S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > check.valid_bytes;
    if (!complete) {
      finding.resume = fmt::format("discards the incomplete log and computes `{}` again", node);
      finding.severity = InspectSeverity::Harmless;
    } else {
      finding.resume = fmt::format("discards the log and computes `{}` again from its input (a log_damaged warning)",
                                   node);
      finding.severity = InspectSeverity::Recompute;
    }
    run.findings.push_back(std::move(finding));
  } else if (complete && check.entries != *complete) {
    AddProblem(run, logs, 0,
               fmt::format("the log of `{}` holds {} records, its checkpoint says {}", node, check.entries, *complete),
               fmt::format("discards the log and computes `{}` again from its input (a log_damaged warning)", node),
               InspectSeverity::Recompute);
  }
}

// errors.jsonl: a torn last line is cut off by a resume (exec_persist.cpp ReadErrorIds).
void CheckErrorFile(InspectedRun& run) {
  const std::string path = run.dir + "/errors.jsonl";
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.empty() || data.back() == '\n') return;
  size_t complete = data.rfind('\n');
  complete = complete == std::string::npos ? 0 : complete + 1;
  InspectFinding finding;
  finding.file = path;
  finding.byte = complete;
  finding.problem = fmt::format("a torn last line at byte {} ({} bytes without a newline)", complete,
                                data.size() - complete);
  finding.resume = "cuts the torn line off (its errors are written again when their batch is replayed)";
  finding.truncatable = true;
  run.findings.push_back(std::move(finding));
}

// A commit record (`persist/publish`, `persist/published`): its presence is what counts.
void CheckMarker(InspectedRun& run, const std::string& name) {
  const std::string path = run.dir + "/persist/" + name;
  runtime::RecordScan scan = runtime::ScanRecordFile(path);
  if (scan.missing) return;
  if (name == "published") {
    run.phase = "published";
  } else if (run.phase != "published") {
    run.phase = "publishing";
  }
  if (!scan.damage.empty()) {
    AddRecordDamage(run, path, scan, "goes by the file's presence: the torn record does not matter");
  }
}

void Repair(InspectedRun& run) {
  for (InspectFinding& finding : run.findings) {
    if (!finding.truncatable) continue;
    if (auto error = runtime::TruncateFile(finding.file, finding.byte)) {
      finding.repair_error = *error;
    } else {
      finding.repaired = true;
    }
  }
}

}  // namespace

const char* SeverityName(InspectSeverity severity) {
  switch (severity) {
    case InspectSeverity::Harmless:
      return "harmless";
    case InspectSeverity::Recompute:
      return "recompute";
    case InspectSeverity::Fatal:
      return "fatal";
  }
  return "fatal";
}

std::vector<std::string> RunFolders(const std::string& state_dir) {
  std::vector<std::string> out;
  fs::path runs = fs::path(state_dir) / "runs";
  for (const std::string& name : Names(runs, "")) out.push_back((runs / name).string());
  return out;
}

InspectedRun InspectRun(const std::string& run_dir, bool repair) {
  InspectedRun run;
  run.dir = run_dir;
  run.id = fs::path(run_dir).filename().string();
  InspectLock lock;
  if (!lock.Take(run_dir)) {
    run.persist = "running";
    return run;
  }
  CheckMeta(run);
  CheckErrorFile(run);
  const fs::path persist = fs::path(run_dir) / "persist";
  if (run.persist == "memory" || !Exists(persist)) {
    if (repair) Repair(run);
    return run;
  }
  CheckMarker(run, "publish");
  CheckMarker(run, "published");
  for (const std::string& node : Names(persist / "sinks", ".ckpt")) {
    ++run.sinks;
    CheckSink(run, node, (persist / "sinks" / (node + ".ckpt")).string());
  }
  std::set<std::string> steps;
  for (const std::string& node : Names(persist / "steps", ".ckpt")) steps.insert(node);
  for (const std::string& node : Names(persist / "logs", "")) steps.insert(node);
  run.steps = steps.size();
  for (const std::string& node : steps) CheckStep(run, node);
  if (repair) {
    Repair(run);
    // A complete log whose last segment only had garbage after its last record is whole
    // again once cut: the resume then uses it.
    for (InspectFinding& finding : run.findings) {
      if (!finding.repaired || finding.severity != InspectSeverity::Recompute || !finding.file.ends_with(".seg")) continue;
      fs::path logs = fs::path(finding.file).parent_path();
      std::string ckpt = (persist / "steps" / (logs.filename().string() + ".ckpt")).string();
      std::optional<std::string> done = runtime::LastCheckpoint(ckpt);
      unsigned long long entries = 0;
      runtime::ChannelLogCheck check = runtime::CheckChannelLog(logs.string());
      if (done && std::sscanf(done->c_str(), "complete %llu", &entries) == 1 && check.damage.empty() &&
          check.entries == entries) {
        finding.severity = InspectSeverity::Harmless;
        finding.resume = "uses the log: cut back, it holds every record its checkpoint counts";
      }
    }
  }
  return run;
}

}  // namespace etl::driver
