// Turning a run's events (run_events.h) into output: JSON lines (`--log-format json` and the
// run's log.jsonl), the human console (warnings, a progress line on a terminal, the summary
// table at the end), and a fan-out to several observers. docs/running.md shows the output.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/run_events.h"

namespace etl::runtime {

// A count with thousands separators: 1234567 -> "1,234,567".
std::string FormatCount(uint64_t count);

// A duration for people: "0.05 s", "1.23 s", "59.9 s", "2m05s", "1h02m".
std::string FormatSeconds(int64_t us);

// A UTC instant as RFC 3339 with milliseconds: "2024-01-31T12:00:00.123Z".
std::string FormatRfc3339(int64_t time_us);

// One event as a JSON object on one line (no newline): {"time", "level", "run", "pipeline",
// "step" (null for run-level events), "event", then the event's fields in order}.
std::string EventToJson(const RunEvent& event);

// What the progress line shows, computed from a snapshot.
struct ProgressEstimate {
  uint64_t rows_read = 0;          // records read by every source
  double rows_per_second = 0;      // rows_read over the time since the run started
  std::optional<double> fraction;  // of the input bytes consumed, when every source knows its size
  std::optional<int64_t> eta_us;   // time left at the rate so far, when fraction is known and > 0
};

// Sums the sources of `progress` and extrapolates the time left from the bytes consumed.
ProgressEstimate EstimateProgress(const RunProgress& progress);

// The progress line's text: "1,234,567 rows read, 456,789 rows/s, 42% (eta 12 s)".
std::string RenderProgress(const ProgressEstimate& estimate);

// The per-step summary table (step, kind, in, out, filtered, errors, time), columns
// aligned, numbers right-aligned with separators; one line per step, a header first.
std::string RenderSummaryTable(const std::vector<StepMetrics>& steps);

// Records read by the sources of `steps`.
uint64_t RowsRead(const std::vector<StepMetrics>& steps);

// The last line of a run: `run ID succeeded in 1.23 s: 1,000 rows read, 3 errors (see
// FILE)`; `status` is "succeeded", "failed", "cancelled" or "timed_out"; `error_file` is
// named only when there are errors and it is not empty.
std::string RenderRunSummary(std::string_view run_id, std::string_view status, int64_t elapsed_us,
                             uint64_t rows_read, uint64_t errors, std::string_view error_file);

// Writes every event as one JSON line to a stream, flushed per line so a crash or a
// `tail -f` sees everything written so far.
class JsonLogWriter : public RunObserver {
 public:
  explicit JsonLogWriter(std::ostream& out) : out_(out) {}
  void OnEvent(const RunEvent& event) override;

 private:
  std::ostream& out_;
  std::string line_;  // reused buffer
};

// Forwards every call to several observers, in the order they were added.
class FanOutObserver : public RunObserver {
 public:
  // Adds `observer` (not owned; must outlive this); null is ignored.
  void Add(RunObserver* observer);
  void OnEvent(const RunEvent& event) override;
  void OnProgress(const RunProgress& progress) override;

 private:
  std::vector<RunObserver*> observers_;
};

// How the console reports.
struct ConsoleOptions {
  bool progress = false;                  // redraw a progress line (only on a terminal)
  bool warnings = true;                   // print warn events (`--quiet` turns them off)
  int64_t progress_every_us = 1'000'000;  // at most this often
};

// The human console on stderr: warn/error events as `warning: ` / `error: ` lines (warnings
// unless turned off; not run_finished and cancelled: the caller sums up the run), and on
// a terminal a progress line redrawn in place (carriage return + erase to end of line).
class ConsoleReporter : public RunObserver {
 public:
  ConsoleReporter(std::ostream& err, ConsoleOptions options) : err_(err), options_(options) {}
  void OnEvent(const RunEvent& event) override;
  void OnProgress(const RunProgress& progress) override;
  // Erases the progress line if one is shown, so what follows starts on a clean line.
  void ClearProgress();

 private:
  std::ostream& err_;
  ConsoleOptions options_;
  bool progress_shown_ = false;
  std::optional<int64_t> last_drawn_us_;
};

// The text of a warn/error event for the console: "`step`: message (field=value, ...)".
std::string RenderEventText(const RunEvent& event);

}  // namespace etl::runtime
