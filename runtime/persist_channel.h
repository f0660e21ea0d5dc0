// The channel log of a stateful step under `persist disk` (docs/dev/persistence.md): the
// step's outputs, in order, as records in segment files `<dir>/000001.seg`, ... (a new
// segment every kSegmentBytes). Each record is the output port (u16) and the batch
// (batch_codec.h). The step's checkpoint says how many records are complete; a log is only
// read back once it is complete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/batch.h"
#include "runtime/persist_log.h"

namespace etl::runtime {

// A new segment starts once the current one holds this many bytes.
inline constexpr uint64_t kSegmentBytes = uint64_t{64} << 20;

// Appends batches to a channel log.
class ChannelLogWriter {
 public:
  // Starts an empty log in `dir` (anything there is removed first).
  std::optional<std::string> Create(const std::string& dir);
  std::optional<std::string> Append(size_t port, const Batch& batch);
  // Makes every segment durable.
  std::optional<std::string> Sync();
  uint64_t entries() const { return entries_; }

 private:
  std::string dir_;
  RecordWriter writer_;
  uint32_t segment_ = 0;
  uint64_t entries_ = 0;
  std::string scratch_;
};

// What a check of a channel log found.
struct ChannelLogCheck {
  std::vector<std::string> segments;  // the segment files, in order
  uint64_t entries = 0;               // valid records, all segments
  std::string damage;                 // the first problem (segment and byte), empty if none
  std::string damaged_segment;        // where it is
  uint64_t valid_bytes = 0;           // of the damaged segment
  bool damaged_last = false;          // the damage is in the last segment (a torn tail)
};

// Checks every record of the log in `dir` (checksums, framing).
ChannelLogCheck CheckChannelLog(const std::string& dir);

// Reads a complete log back.
class ChannelLogReader {
 public:
  // Opens the log in `dir`; an error when it cannot be listed.
  std::optional<std::string> Open(const std::string& dir);
  // The next record: its port and payload; false at the end. `error` is set when a record
  // is damaged (the caller recomputes the step instead of trusting the log).
  bool Next(size_t& port, std::string& payload, std::string& error);

 private:
  std::vector<std::string> segments_;
  size_t segment_ = 0;
  std::vector<std::string> records_;  // of the current segment
  size_t record_ = 0;
};

}  // namespace etl::runtime
