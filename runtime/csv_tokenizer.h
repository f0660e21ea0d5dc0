// RFC 4180 record tokenizer over one in-memory buffer (internal to the CSV reader). It
// works on a whole buffer at a time and restarts a record from its first byte when the
// buffer ends inside it, so it keeps no state between buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/csv_block.h"
#include "runtime/csv_scan.h"

namespace etl::runtime {

// What went wrong inside a record (the reader turns it into a message).
enum class CsvSyntaxError { kNone, kUnterminatedQuote, kTextAfterQuote };

// Result of tokenizing one record.
struct CsvRecordScan {
  size_t next = 0;      // first byte after the record's line terminator
  size_t text_end = 0;  // end of the record's text (its terminator excluded)
  uint64_t lines = 0;   // line terminators consumed, embedded ones included
  CsvSyntaxError error = CsvSyntaxError::kNone;
  size_t error_pos = 0;  // buffer offset of the problem
};

// Tokenizes records of base[0, end); `eof` says no bytes follow `end`.
class CsvTokenizer {
 public:
  CsvTokenizer(const char* base, size_t end, bool eof, char delimiter, char quote)
      : base_(base), end_(end), eof_(eof), delimiter_(delimiter), quote_(quote),
        scanner_(base, end, delimiter, quote) {}

  // Appends the fields of the record starting at `start` to `out` and describes it in
  // `scan`. Returns false, appending nothing, when the record may continue past `end`.
  bool Record(size_t start, CsvBlock& out, CsvRecordScan* scan);

  // Where the reader is in the file at `start`, for the records SimpleRecords appends.
  struct Position {
    uint64_t ordinal = 0;        // the record's ordinal
    uint64_t line = 1;           // its first line
    uint64_t buffer_offset = 0;  // file offset of base[0]
  };
  // The run of simple records from `start` on, appended to `out` (fields and CsvRecordInfo)
  // in one pass over the structural bits: each ends with a LF, holds no quote and no CR, is
  // not blank and has exactly `fields` fields, so it is what Record gives, and a good
  // record. Stops before the first record that is not simple (the caller reads it with
  // Record), before the first one starting at or after `stop`, after `max_records`, or
  // where the buffer ends. Returns the number of records; `*next` is where it stopped.
  size_t SimpleRecords(size_t start, size_t stop, size_t max_records, uint32_t fields, Position at, CsvBlock& out,
                       size_t* next);

 private:
  const char* base_;
  size_t end_;
  bool eof_;
  char delimiter_;
  char quote_;
  CsvStructuralScanner scanner_;
};

}  // namespace etl::runtime
