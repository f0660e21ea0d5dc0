// The machinery the sinks share: rows are formatted into one large buffer, written to a
// SinkOutput when it is full, and committed on Close, which then emits the `done` record
// {target, rows, bytes} on port 0. A failed write stops the sink (Done() becomes true), keeps
// the failure for the executor and leaves nothing behind; Commit() publishes the output
// once the run succeeded. docs/dev/runtime-sinks.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/sink_output.h"
#include "runtime/sink_step.h"

namespace etl::runtime {

// A sink step writing formatted text to a SinkOutput.
class BufferedSink : public SinkStep {
 public:
  // `target` is the done record's target (the path, or "stdout").
  BufferedSink(std::string target, std::unique_ptr<SinkOutput> output);

  void Push(size_t input, const Batch& batch, Emitter& out) final;

  // ---- formatting on several workers (csv, jsonl; docs/dev/runtime-sinks.md)
  // Whether FormatApart and PushFormatted may stand for Push: the text of a batch depends on
  // that batch only, so the executor formats batches on several workers at once and hands
  // the texts back in input order. A sink that says so overrides FormatApart.
  virtual bool FormatsApart() const { return false; }
  // Appends the text of `batch`'s rows to `text`. Called on several workers at once, at the
  // same time as PushFormatted: it reads only what is fixed after construction.
  virtual void FormatApart(const Batch& batch, std::string& text) const {
    (void)batch;
    (void)text;
  }
  // Takes what FormatApart made of a batch of `rows` rows numbered `sequence`, in input
  // order: the same as Push of that batch.
  void PushFormatted(std::string_view text, size_t rows, uint64_t sequence);
  // Flushes and prepares the output (durable, not yet visible) and emits the done record; on
  // a failure emits nothing (see failure()). The executor publishes with Commit() once the
  // whole run succeeded, so a failed run publishes no output at all.
  void Close(size_t input, Emitter& out) final;
  // Publishes the prepared output (a file sink renames its temporary file into place); false
  // (with failure() set, the output discarded) when that fails or the sink did not close.
  bool Commit() override;
  // True once the sink failed or was aborted: it takes no more input.
  bool Done() const override { return failure_.has_value() || aborted_; }
  // The run failed or was cancelled: discard the output (a file sink removes its temporary
  // file, so nothing is visible at the path). Safe to call at any point, more than once.
  void Abort() override;
  // Set when writing or committing failed (disk full, permission, a path under a file):
  // the run must fail with this message; the output has already been discarded.
  const std::optional<InputError>& failure() const override { return failure_; }
  // Data rows formatted so far, and bytes handed to the output so far.
  int64_t rows() const override { return rows_; }
  int64_t bytes() const override { return bytes_; }
  // `persist disk`: files checkpoint (flush, fsync the temporary file, then record its name,
  // size, rows and the executor's progress in durability().state_file); stdout cannot.
  bool Durable() const override { return output_->Resumable(); }
  bool Checkpoint(const std::string& progress) override;
  std::optional<std::string> Restore() override;
  // Suspend keeps the temporary file for `--resume`.
  void Suspend() override;
  // A file output stages under `<path>.tmp-<run id>` so a resumed run finds it.
  void SetDurability(SinkDurability durability) override;

 protected:
  // Appends the start of the output (a CSV header) to `buffer`; called once, before rows.
  virtual void Start(std::string& buffer) {}
  // The output (a CSV sink asks whether it appends to existing bytes).
  const SinkOutput& output() const { return *output_; }
  // Appends the selected rows of `batch` to `buffer`.
  virtual void Format(const Batch& batch, std::string& buffer) = 0;
  // Appends the end of the output (a table's rendering) to `buffer`; called once on Close.
  virtual void Finish(std::string& buffer) {}

 private:
  bool Flush();
  void EnsureStarted();
  // After a batch's text went into the buffer: counts its rows and writes a full buffer.
  void Took(size_t rows, uint64_t sequence);

  std::string target_;
  std::unique_ptr<SinkOutput> output_;
  std::string buffer_;
  std::optional<InputError> failure_;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  bool started_ = false;
  bool closed_ = false;
  bool prepared_ = false;
  bool aborted_ = false;
  std::optional<uint64_t> last_sequence_;
};

}  // namespace etl::runtime
