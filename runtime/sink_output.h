// Where the sinks' bytes go: an atomically committed file (language.md §6: written under a
// temporary name in the same directory, fsynced and renamed on commit, removed on abort) or
// a caller's std::ostream (stdout). Plus the pieces every sink shares: the `done` record.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "runtime/input_stream.h"
#include "runtime/step.h"

namespace etl::runtime {

// A byte destination with commit/abort. Write failures are sticky: after the first one,
// every call returns false and error() says what happened.
class SinkOutput {
 public:
  virtual ~SinkOutput() = default;
  // Appends `bytes`; false on a write error.
  virtual bool Write(std::string_view bytes) = 0;
  // Makes everything written durable without publishing it (a file: fsynced under its
  // temporary name), so that the run can publish all its outputs together; false on an error.
  virtual bool Prepare() { return !error_; }
  // Makes everything written visible at the target (preparing first when not done); false on
  // an error (nothing is visible).
  virtual bool Commit() = 0;
  // Discards everything written; the target is left as it was before the sink started.
  virtual void Abort() = 0;

  // ---- `persist disk` (SinkStep::Checkpoint/Restore)
  // Whether the output can be made durable and reopened after a crash.
  virtual bool Resumable() const { return false; }
  // Makes everything written so far durable without publishing it; false on an error.
  virtual bool Sync() { return !error_; }
  // Where the unpublished bytes are (a file's temporary name), for the checkpoint.
  virtual std::string StagingName() const { return {}; }
  // After a crash: continues the staged output `staging` cut to its first `bytes` bytes;
  // with `published_ok`, a staging file that is gone while the target exists means it was
  // already published (Commit then succeeds without doing anything). False on an error.
  virtual bool Reopen(const std::string& staging, uint64_t bytes, bool published_ok) {
    (void)staging, (void)bytes, (void)published_ok;
    return false;
  }
  // Bytes the output held before this sink wrote anything (append mode), so a CSV sink
  // knows not to repeat its header.
  virtual uint64_t ExistingBytes() const { return 0; }
  // Stages under this exact name (`persist disk`: the name must be known before a crash,
  // so a resumed run finds it and a fresh attempt overwrites it). Before the first write.
  virtual void UseStagingName(const std::string& name) { (void)name; }
  // The run stopped but may be resumed: close, keep what is staged.
  virtual void Detach() {}
  // The first error, naming the target.
  const std::optional<InputError>& error() const { return error_; }

 protected:
  std::optional<InputError> error_;
};

// A file written to `<path>.tmp-<random>` in the same directory (missing parent directories
// are created) and renamed to `path` on Commit. The destructor aborts if not committed, so a
// failing or cancelled run never leaves a partial file at `path` nor a temporary file.
class AtomicFileOutput : public SinkOutput {
 public:
  // With `append`, the temporary file starts as a copy of the existing file at `path`, so
  // the published file holds the old bytes followed by the new ones (`etlc errors --replay`).
  explicit AtomicFileOutput(std::string path, bool append = false);
  ~AtomicFileOutput() override;
  AtomicFileOutput(const AtomicFileOutput&) = delete;
  AtomicFileOutput& operator=(const AtomicFileOutput&) = delete;

  bool Write(std::string_view bytes) override;
  bool Prepare() override;
  bool Commit() override;
  void Abort() override;
  bool Resumable() const override { return true; }
  bool Sync() override;
  std::string StagingName() const override { return temp_path_; }
  bool Reopen(const std::string& staging, uint64_t bytes, bool published_ok) override;
  uint64_t ExistingBytes() const override;
  void UseStagingName(const std::string& name) override { fixed_temp_path_ = name; }
  void Detach() override;
  // Opens the temporary file now (it is otherwise opened by the first write).
  bool EnsureOpen() { return fd_ >= 0 || prepared_ || committed_ || Open(); }
  // The temporary file's name (empty until the first write opens it; tests).
  const std::string& temp_path() const { return temp_path_; }

 private:
  bool Open();
  bool CopyExisting();  // append mode: the existing file's bytes into the temporary file
  bool Failed(std::string message);  // records the error, removes the temporary file

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool prepared_ = false;
  bool committed_ = false;
  bool append_ = false;
  uint64_t existing_bytes_ = 0;
  bool already_published_ = false;  // Reopen found it published before a crash
  bool detached_ = false;           // Detach(): the temporary file stays
  std::string fixed_temp_path_;     // UseStagingName
};

// Writes to a std::ostream owned by the caller (stdout, or a test's stringstream). Commit
// flushes; Abort cannot take back what was printed and only stops.
class StreamOutput : public SinkOutput {
 public:
  explicit StreamOutput(std::ostream& stream) : stream_(stream) {}
  bool Write(std::string_view bytes) override;
  bool Commit() override;
  void Abort() override {}

 private:
  std::ostream& stream_;
};

// The type of a sink's `done` record: {target: string, rows: int, bytes: int}.
ast::TypeRef DoneRecordType();

// A one-row batch holding the `done` record.
Batch MakeDoneBatch(const std::string& target, int64_t rows, int64_t bytes);

// Sinks format rows into one buffer and write it whole once it holds this many bytes.
inline constexpr size_t kSinkBufferBytes = 1 << 20;

}  // namespace etl::runtime
