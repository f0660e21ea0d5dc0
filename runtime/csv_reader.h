// Streaming RFC 4180 CSV reader (format layer of the `csv` source, language.md §6): bytes
// from an InputStream in, blocks of tokenized records (CsvBlock) out. Typed conversion into
// columnar batches is done by the caller. Behaviour: docs/dev/runtime-csv.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "runtime/csv_block.h"
#include "runtime/csv_header.h"
#include "runtime/input_stream.h"

namespace etl::runtime {

// The dialect and limits of one csv source.
struct CsvOptions {
  char delimiter = ',';                   // one byte
  char quote = '"';                       // one byte, doubled inside a quoted field
  bool header = true;                     // the first line names the columns
  std::optional<std::string> null_marker; // unquoted text meaning null; unset means ""
  bool skip_blank_lines = true;           // a line with no bytes at all is not a record
  bool check_field_count = true;          // a record with another field count is an error
  size_t expected_fields = 0;             // without header: 0 = the first record decides
  bool validate_utf8 = true;              // invalid UTF-8 makes the record an error
  size_t block_records = 4096;            // records per block (good + bad)
  size_t buffer_size = 4 << 20;           // initial read buffer; grows for longer records
  size_t max_error_raw_bytes = 1 << 20;   // raw text kept per error record
  bool simple_runs = true;                // tokenize runs of plain records in one pass (tests
                                          // turn it off to compare with record by record)
};

// Counters of one reader: records_in == good + bad always holds.
struct CsvStats {
  uint64_t records_in = 0;    // data records seen (header and skipped blank lines excluded)
  uint64_t good = 0;          // records delivered in blocks
  uint64_t bad = 0;           // records delivered as errors
  uint64_t blank_lines = 0;   // blank lines skipped
  uint64_t bytes = 0;         // decompressed bytes consumed
};

class CsvTokenizer;

// Reads one file. Not thread-safe; one reader per file (globs: one after the other).
class CsvReader {
 public:
  // Reads from `stream`; `stream->path()` is used in messages.
  CsvReader(std::unique_ptr<InputStream> stream, CsvOptions options);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the records that start in [begin, end) of a mapped file (a piece of a splitting
  // source, runtime/csv_split.h): `begin` must be a record start; the last record may run
  // past `end`. No BOM or header is read; ordinals count from 0 and lines from 1 at `begin`;
  // `options.expected_fields` must be set (the file's header decided it). Touches the mapping
  // read-only (never Release), so several piece readers of one file may run at once.
  CsvReader(std::shared_ptr<const MappedFile> map, std::string path, uint64_t begin, uint64_t end,
            CsvOptions options);

  // Opens a file (gzip/zstd detected). Null and `error` set when it cannot be opened.
  static std::unique_ptr<CsvReader> Open(const std::string& path, CsvOptions options,
                                         InputError* error);

  // The header; reads it on first call (NextBlock calls this too).
  const CsvHeader& header();
  // Fills `out` (cleared first) with the next records; false when the input is exhausted
  // or a fatal error happened (see error()). A block may hold only errors.
  bool NextBlock(CsvBlock& out);
  // The fatal error that stopped reading (I/O, corrupt compression, record over 4 GiB).
  const std::optional<InputError>& error() const { return error_; }
  // Counters so far.
  const CsvStats& stats() const { return stats_; }
  // The options in force.
  const CsvOptions& options() const { return options_; }
  // The null marker in force ("" unless set).
  std::string_view null_marker() const {
    return options_.null_marker ? std::string_view(*options_.null_marker) : std::string_view();
  }
  // The stream, for progress (source bytes read / size); not for piece readers.
  const InputStream& stream() const { return *stream_; }
  // The mapping of the input, once the first bytes were read (after header()), when the
  // input is a plain regular file; null otherwise.
  const std::shared_ptr<const MappedFile>& mapping() const { return map_; }
  // File offset of the next unread byte (after header(): where the first record starts).
  uint64_t position() const { return buffer_offset_ + pos_; }
  // The 1-based line number at position().
  uint64_t line() const { return line_; }

 private:
  bool Refill();
  // Refill for mapped input: the next window of the mapping, without copying.
  bool RefillMapped(size_t tail, size_t capacity);
  void Start();
  bool EnsureBytes(size_t count);
  void CheckUtf8(CsvBlock& out, size_t first_error);

  bool AtLimit() const { return buffer_offset_ + pos_ >= limit_; }

  std::unique_ptr<InputStream> stream_;  // null for a piece reader
  std::string path_;                     // for messages
  CsvOptions options_;
  CsvHeader header_;
  std::optional<InputError> error_;
  CsvStats stats_;
  std::shared_ptr<CsvBuffer> buffer_;
  std::shared_ptr<const MappedFile> map_;  // the input file mapped, when it is a plain file
  size_t pos_ = 0;            // next unread byte in buffer_
  size_t end_ = 0;            // bytes valid in buffer_
  uint64_t buffer_offset_ = 0;// file offset of buffer_[0]
  uint64_t line_ = 1;         // line number at pos_
  uint64_t ordinal_ = 0;      // next record's ordinal
  size_t expected_fields_ = 0;
  uint64_t limit_ = ~uint64_t{0};  // no record starts at or after this offset (pieces)
  uint64_t window_ = 0;            // a piece reader's first window size
  bool piece_ = false;
  bool eof_ = false;
  bool started_ = false;
};

}  // namespace etl::runtime
