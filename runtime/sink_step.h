// What the executor needs from every sink (files, stdout, databases): publication once the
// whole run succeeded, abort, the failure, counters, and, under `persist disk`, checkpoints
// that survive a crash (docs/delivery.md). BufferedSink (text files, stdout) and the
// database sinks implement it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/input_stream.h"
#include "runtime/step.h"

namespace etl::runtime {

// Where a sink keeps what it needs to resume after a crash (`persist disk`); disabled for
// `persist memory` and `etlc test` (run_id is set for every run: a file sink stages under
// `<path>.tmp-<run id>`).
struct SinkDurability {
  bool enabled = false;
  std::string run_id;      // the run (a database sink's progress and staging rows are per run)
  std::string step;        // the sink's plan node id
  std::string persist_dir; // the run's persist directory
  std::string state_file;  // a file sink's checkpoint file: <persist_dir>/sinks/<step>.ckpt
  // The resumed run had already started publishing its outputs (its publish record exists):
  // an output that is gone from its staging place was published before the crash.
  bool publishing = false;
};

// A sink step.
class SinkStep : public Step {
 public:
  // Publishes the prepared output (a file is renamed into place, a database's staged rows
  // are moved into the table in one transaction); false (with failure() set) when that
  // fails or the sink did not close. Under `persist disk` it is idempotent across a crash:
  // after Restore(), calling it again finishes a publication that was cut short.
  virtual bool Commit() = 0;
  // The run failed or was cancelled: discard the output. Safe at any point, more than once.
  // Under `persist disk` a failed run keeps its checkpointed output for `--resume`; the
  // executor then calls Suspend() instead.
  virtual void Abort() = 0;
  // The run stopped but may be resumed (`persist disk`): release files and connections and
  // keep everything checkpointed. Default: Abort().
  virtual void Suspend() { Abort(); }
  // Set when writing or publishing failed: the run fails with this message.
  virtual const std::optional<InputError>& failure() const = 0;
  // Data rows written so far (after Restore: including the restored ones), and bytes.
  virtual int64_t rows() const = 0;
  virtual int64_t bytes() const = 0;

  // ---- `persist disk`
  // Whether this sink can checkpoint (Checkpoint/Restore below); a sink that cannot (stdout)
  // is at-least-once after a resume.
  virtual bool Durable() const { return false; }
  // Makes every row pushed so far durable together with `progress` (the executor's record
  // of which input batches they came from; opaque to the sink), atomically: after a crash,
  // Restore() returns the progress of the last Checkpoint that returned true, and the sink
  // then holds exactly the rows it had at that point. False with failure() set on an error.
  virtual bool Checkpoint(const std::string& progress) {
    (void)progress;
    return true;
  }
  // Called once, before Open and any input, when the run is resumed: brings the sink back
  // to its last checkpoint and returns that checkpoint's progress (nullopt: there was none,
  // the sink starts empty). Sets failure() when the saved state cannot be used.
  virtual std::optional<std::string> Restore() { return std::nullopt; }

  // Set by the binder before anything else is called.
  virtual void SetDurability(SinkDurability durability) { durability_ = std::move(durability); }
  const SinkDurability& durability() const { return durability_; }

 protected:
  SinkDurability durability_;
};

}  // namespace etl::runtime
