// The CSV reader's output: a block of up to N tokenized records. This is the interface
// between the format layer (csv_reader) and typed conversion into columnar batches.
// See docs/dev/runtime-csv.md for positions, error rules and lifetime (zero-copy) rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace etl::runtime {

// A read buffer shared by the reader and the blocks whose unquoted fields point into it:
// either owned bytes, or a window of a memory-mapped input file (no copy, input_stream.h).
struct CsvBuffer {
  const char* data = nullptr;       // capacity + kCsvPadding readable bytes (SIMD loads overrun)
  size_t capacity = 0;              // usable bytes
  std::unique_ptr<char[]> owned;    // the bytes when they are owned (data == owned.get())
  std::shared_ptr<const void> keep; // the mapping a window points into, kept alive by blocks
};

// One field of a record. `offset` is into the block's read buffer, or into its unescape
// buffer when kCsvEscaped is set (a quoted field that contained `""`).
struct CsvField {
  uint32_t offset;
  uint32_t size;
  uint32_t flags;  // kCsvQuoted | kCsvEscaped
};
inline constexpr uint32_t kCsvQuoted = 1;   // the field was written in quotes
inline constexpr uint32_t kCsvEscaped = 2;  // text lives in the block's unescape buffer

// Where a record came from: enough to report an error or to trace a value back.
struct CsvRecordInfo {
  uint64_t ordinal;      // 0-based index among the file's data records (good and bad)
  uint64_t line;         // 1-based line where the record starts (physical lines)
  uint64_t byte_offset;  // offset of the record's first byte in the (decompressed) file
  uint32_t raw_offset;   // the record's text (without line terminator) in the read buffer
  uint32_t raw_size;
  uint32_t first_field;  // index into the block's field array
  uint32_t field_count;
};

// A record that could not be tokenized or failed a check (ragged, invalid UTF-8...). It owns
// a copy of its raw text, so it can outlive the block and go to the `.errors` port.
struct CsvRecordError {
  uint64_t ordinal;      // as in CsvRecordInfo: errors and good records share one numbering
  uint64_t line;         // 1-based line of the problem (not always the record's first line)
  uint64_t column;       // 1-based byte column of the problem within that line
  uint64_t record_line;  // 1-based line where the record starts
  uint64_t byte_offset;  // offset of the record's first byte in the file
  std::string message;   // e.g. "expected 8 fields, found 7"
  std::string raw;       // the record's text as in the file (capped, see raw_truncated)
  bool raw_truncated = false;
};

// Up to `max_records` tokenized records, good ones and errors kept apart. Field text stays
// valid while the block is alive and not reused (NextBlock clears it).
class CsvBlock {
 public:
  // Number of good records.
  size_t size() const { return records_.size(); }
  // Records that failed, in file order; ordinal tells where they sat among good ones.
  const std::vector<CsvRecordError>& errors() const { return errors_; }
  // Position and raw-text span of good record `r`.
  const CsvRecordInfo& record(size_t r) const { return records_[r]; }
  // Number of fields of good record `r` (equal to the header's when field counts are checked).
  size_t field_count(size_t r) const { return records_[r].field_count; }
  // Field `c` of record `r`.
  const CsvField& field(size_t r, size_t c) const { return fields_[records_[r].first_field + c]; }
  // Text of field `c` of record `r` (unquoted, `""` unescaped).
  std::string_view text(size_t r, size_t c) const { return Text(field(r, c)); }
  // Whether field `c` of record `r` was quoted (`""` is the empty string, never null).
  bool quoted(size_t r, size_t c) const { return (field(r, c).flags & kCsvQuoted) != 0; }
  // Whether the field is the null marker: unquoted and equal to `null_marker` ("" by default).
  bool IsNull(size_t r, size_t c, std::string_view null_marker) const {
    const CsvField& f = field(r, c);
    return (f.flags & kCsvQuoted) == 0 && Text(f) == null_marker;
  }
  // The record's text as it is in the file, without its line terminator.
  std::string_view raw(size_t r) const {
    return {buffer_->data + records_[r].raw_offset, records_[r].raw_size};
  }
  // Text of any field of this block.
  std::string_view Text(const CsvField& f) const {
    const char* base = (f.flags & kCsvEscaped) ? unescaped_.data() : buffer_->data;
    return {base + f.offset, f.size};
  }
  // Records in this block, good plus bad: the reader's accounting adds these up.
  size_t records_in() const { return records_.size() + errors_.size(); }

 private:
  friend class CsvReader;
  friend class CsvTokenizer;
  void Clear() {
    records_.clear();
    fields_.clear();
    errors_.clear();
    unescaped_.clear();
    buffer_.reset();
  }
  std::shared_ptr<const CsvBuffer> buffer_;
  std::vector<CsvRecordInfo> records_;
  std::vector<CsvField> fields_;
  std::vector<CsvRecordError> errors_;
  std::string unescaped_;
};

}  // namespace etl::runtime
