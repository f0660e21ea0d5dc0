// `etlc inspect`: checks what `persist disk` keeps of each run in a state directory
// (docs/dev/persistence.md "Files of a run") and says, per problem, which file and byte it
// is and what `etlc run --resume` will do about it; optionally cuts torn tails off. The
// verdicts follow what the resume code does (runtime/exec_persist.cpp PreparePersistence,
// runtime/sink_common.cpp BufferedSink::Restore, compiler/driver/run_resume.cpp ReadRunMeta).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace etl::driver {

// How bad a finding is for a resume.
enum class InspectSeverity {
  Harmless,   // the resume ignores or cuts it off by itself
  Recompute,  // the resume discards a stateful step's log and computes the step again
  Fatal,      // the resume fails (a file it needs is gone or unreadable)
};

// One problem in one file.
struct InspectFinding {
  std::string file;     // the damaged file
  uint64_t byte = 0;    // where the damage starts (the end of the valid prefix)
  std::string problem;  // what is wrong ("checksum mismatch in the record at byte 120")
  std::string resume;   // what `etl run --resume` does about it
  InspectSeverity severity = InspectSeverity::Harmless;
  // Cutting the file at `byte` removes the damage (a torn tail of a record file or a torn
  // last line of errors.jsonl); nothing else is ever changed.
  bool truncatable = false;
  bool repaired = false;     // --repair cut it
  std::string repair_error;  // --repair tried and failed
};

// What was found in one run's folder.
struct InspectedRun {
  std::string id;
  std::string dir;
  // "disk", "memory" (nothing persisted to check), "running" (its lock is held: not
  // checked), "unknown" (meta unreadable).
  std::string persist;
  // "running" (no commit record), "publishing" (persist/publish), "published".
  std::string phase = "running";
  size_t sinks = 0;           // sink checkpoint files
  size_t steps = 0;           // stateful steps with a log or a checkpoint
  std::vector<InspectFinding> findings;
};

// Checks (and with `repair`, cuts torn tails of) the run in `run_dir`. Never throws: an
// unreadable file is a finding. While it works it holds the run's lock, so a resume cannot
// start in between; a run whose lock is held is reported as running and left alone.
InspectedRun InspectRun(const std::string& run_dir, bool repair);

// The run folders of `state_dir` (`<state_dir>/runs/*/`), sorted; empty when there is none.
std::vector<std::string> RunFolders(const std::string& state_dir);

// The text of a severity for reports ("harmless", "recompute", "fatal").
const char* SeverityName(InspectSeverity severity);

}  // namespace etl::driver
