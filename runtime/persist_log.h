// The on-disk record format of `persist disk` (docs/delivery.md, docs/dev/persistence.md):
// append-only files of checksummed records, used for checkpoint files (a step's or sink's
// last state wins) and for the segmented logs of channels. A record is
//   magic "ETLR" (4 bytes) | payload length (u32 LE) | CRC-32 of the payload (u32 LE) | payload
// so a torn write (a crash in the middle of an append) is recognised at the first record
// that is incomplete or fails its checksum: everything from there on is the torn tail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etl::runtime {

// What reading a record file found.
struct RecordScan {
  std::vector<std::string> records;  // the valid records, in order
  uint64_t valid_bytes = 0;          // where the valid prefix ends
  uint64_t file_bytes = 0;           // the file's size
  // Why reading stopped before the end of the file ("checksum mismatch at byte 120",
  // "truncated record at byte 4096"); empty when the whole file is valid.
  std::string damage;
  bool missing = false;              // the file does not exist
};

// Reads every valid record of `path` (never throws; an unreadable file is `damage`).
RecordScan ScanRecordFile(const std::string& path);

// Writes all of `bytes` to `fd` (retrying short writes and EINTR); false with errno set on
// an error. Every file the executor, the logs and the file sinks append to goes through it.
bool WriteAll(int fd, std::string_view bytes);

// Cuts `path` to `bytes` (the valid prefix) and syncs it; an error message when it fails.
std::optional<std::string> TruncateFile(const std::string& path, uint64_t bytes);

// Appends records to one file. Write failures are sticky and name the file.
class RecordWriter {
 public:
  RecordWriter() = default;
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Opens `path` for appending (created when missing; parent directories too).
  std::optional<std::string> Open(const std::string& path);
  // Appends one record (buffered by the kernel; durable after Sync).
  std::optional<std::string> Append(std::string_view payload);
  // fsync: everything appended so far survives a power loss.
  std::optional<std::string> Sync();
  void Close();
  bool IsOpen() const { return fd_ >= 0; }
  uint64_t bytes() const { return bytes_; }  // the file's size (what was there + appended)

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
  std::string frame_;
};

// Appends one record to `path` and syncs it (a checkpoint): the file keeps every
// checkpoint; the last valid one is the state.
std::optional<std::string> AppendCheckpoint(const std::string& path, std::string_view payload);

// The last valid record of a checkpoint file; nullopt when there is none. A torn tail is
// ignored (and reported in `damage` when given); with `repair` it is also cut off, so that
// checkpoints appended later are read back (a resume does this before it goes on).
std::optional<std::string> LastCheckpoint(const std::string& path, std::string* damage = nullptr,
                                          bool repair = false);

// fsyncs a directory (so that files created or renamed in it survive a power loss).
void SyncDirectory(const std::string& path);

}  // namespace etl::runtime
