// The format layer of the `jsonl` source (language.md §6): splits a byte stream into
// lines and validates each line as one JSON document with simdjson's DOM parser.
// Typed conversion into columns sits on top (see jsonl_convert.h for the Value helpers).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace etl::runtime {

// Where a JSON-lines reader gets its bytes from. Temporary: the reader will read through
// runtime/input_stream.h (files, gzip, zstd) once that exists.
class JsonlByteSource {
 public:
  virtual ~JsonlByteSource() = default;
  // Reads up to `capacity` bytes into `out`; returns how many, 0 at end of input, or -1 on
  // an I/O failure (then `failure` says why).
  virtual std::ptrdiff_t Read(char* out, size_t capacity, std::string& failure) = 0;
};

// Reads a file with plain read(2) calls.
std::unique_ptr<JsonlByteSource> OpenJsonlFileSource(const std::string& path, std::string& failure);
// Serves an in-memory text in pieces of at most `max_piece` bytes (tests: chunk boundaries).
std::unique_ptr<JsonlByteSource> MakeJsonlStringSource(std::string text, size_t max_piece = SIZE_MAX);

// Reader settings.
struct JsonlOptions {
  size_t chunk_size = 1 << 20;  // initial buffer size; grows to hold a line of any length
  bool objects_only = true;     // a JSON-lines record must be an object; false: any value
  size_t max_depth = 1024;      // deeper nesting is a record error (never a stack overflow)
  bool parse_blocks = true;     // validate the buffered lines with one parse_many (false:
                                // each line alone; same results, tests compare the two)
  // Bytes of lines per parse_many: the block's text and structural indexes (4 bytes per
  // token) stay in the L2 cache for stage 2 (measured: a whole 1 MiB buffer made stage 2
  // slower than parsing line by line).
  size_t block_bytes = 64 << 10;
};

// What Next() found.
enum class JsonlEvent {
  kRecord,  // a valid line: line() and value()
  kError,   // an invalid line: line() and error(); the reader goes on with the next line
  kEnd,     // end of input
  kFailed,  // the input could not be read (failure()); nothing more follows
  kLine,    // NextUnvalidated: a non-blank line, not validated yet
};

// The position and raw text of the current line (without its LF or CRLF).
struct JsonlLine {
  uint64_t number = 0;     // 1-based line number
  uint64_t offset = 0;     // byte offset of the line's first byte in the input
  std::string_view text;   // valid until the next Next()
};

// Why the current line is not a record.
struct JsonlError {
  uint64_t column = 0;   // 1-based byte within the line (best effort for some errors)
  std::string reason;    // "invalid number", "expected an object, found array"
  std::string message;   // "invalid JSON at line 7, column 12: invalid number"
};

// Counts; lines == blank_lines + records + errors at every point.
struct JsonlStats {
  uint64_t lines = 0;
  uint64_t blank_lines = 0;  // empty or whitespace-only lines, skipped
  uint64_t records = 0;
  uint64_t errors = 0;
  uint64_t bytes = 0;        // bytes consumed so far, BOM and line ends included
};

// Pull reader: call Next() until kEnd or kFailed. Line text and values point into the
// reader's buffer and parser, so they stay valid only until the next call.
class JsonlReader {
 public:
  explicit JsonlReader(std::unique_ptr<JsonlByteSource> source, JsonlOptions options = {});
  // A reader of in-memory pieces (ReadText): no byte source; one per worker, reused so
  // that its parser's memory is allocated once.
  explicit JsonlReader(JsonlOptions options);
  ~JsonlReader();
  JsonlReader(const JsonlReader&) = delete;
  JsonlReader& operator=(const JsonlReader&) = delete;

  // Advances to the next non-blank line and validates it.
  JsonlEvent Next();
  // Next() in two halves, for a caller that reads some lines itself (the jsonl source's
  // direct scanner): NextUnvalidated() advances to the next non-blank line and returns
  // kLine (or kEnd, kFailed); then exactly one of AcceptLine() (the caller validated the
  // line: it counts as a record) or ValidateLine() (kRecord or kError, as Next() would
  // have returned; the line is parsed alone, not in a block, since the lines around it
  // were not parsed). The counts are those Next() gives.
  JsonlEvent NextUnvalidated();
  void AcceptLine() { ++stats_.records; }
  JsonlEvent ValidateLine();
  // Starts reading `text` in place (no copy) as a whole input, forgetting what was read
  // before (counts restart at zero, line numbers at 1). SIMDJSON_PADDING bytes after the
  // text must be readable (their content does not matter). `input_start`: the text begins
  // the file, so a UTF-8 BOM is skipped; elsewhere it is an ordinary byte. Used for the
  // pieces of a splitting jsonl source, which are cut after a LF: the lines are the same.
  void ReadText(std::string_view text, bool input_start);

  const JsonlLine& line() const { return line_; }
  // The parsed document of a kRecord line (an object unless objects_only is off).
  simdjson::dom::element value() const { return value_; }
  // The record of a kRecord line as an object (objects_only must be on).
  simdjson::dom::object object() const;
  const JsonlError& error() const { return error_; }
  const std::string& failure() const { return failure_; }
  const JsonlStats& stats() const { return stats_; }

 private:
  // Finds the next line in the buffer, reading more input as needed; false at the end.
  bool NextLine();
  // Reads more input behind the unconsumed bytes, growing the buffer when it is full.
  bool Fill();
  // Validates the current line: in a block (parse_blocks) or alone.
  void Validate(bool in_block);
  // The fast path of Validate: takes the current line's document from a parse_many over
  // all complete lines in the buffer. False when that document does not stand for exactly
  // this line (then Validate parses the line alone, which gives the exact error).
  bool ValidateInBlock();
  // Starts a parse_many over the lines from the current one to the last complete line.
  void StartBlock();
  void SetError(uint64_t column, std::string reason, bool json_error);

  std::unique_ptr<JsonlByteSource> source_;
  JsonlOptions options_;
  std::unique_ptr<char[]> buffer_;  // capacity_ + SIMDJSON_PADDING bytes (byte source only)
  const char* data_ = nullptr;      // the bytes read: buffer_, or the text of ReadText
  size_t capacity_ = 0;
  size_t begin_ = 0;     // first unconsumed byte
  size_t end_ = 0;       // end of the bytes read
  size_t scan_ = 0;      // where the search for LF resumes (long lines are scanned once)
  uint64_t buffer_offset_ = 0;  // input offset of buffer_[0]
  bool eof_ = false;
  bool bom_checked_ = false;
  bool failed_ = false;
  simdjson::dom::parser parser_;
  simdjson::dom::element value_;
  // Batch validation (ValidateInBlock): simdjson's per-call setup dominates a ~160-byte
  // document, so one stage 1 runs over a whole block of lines and stage 2 per document.
  simdjson::dom::document_stream stream_;
  simdjson::dom::document_stream::iterator doc_;
  uint64_t block_begin_ = 0;          // input offsets of the block's first byte
  uint64_t block_end_ = 0;            //   and of the byte after its last line
  uint64_t block_buffer_offset_ = 0;  // buffer_offset_ when the block was parsed
  const char* block_base_ = nullptr;  // buffer_ when the block was parsed
  bool block_ok_ = false;             // every line so far matched its document
  bool block_advance_ = false;        // doc_ holds the previous line's document
  int block_restarts_ = 0;            // new streams after an error line in this block
  JsonlLine line_;
  JsonlError error_;
  std::string failure_;
  JsonlStats stats_;
};

// Parses one whole text as a single JSON document with the reader's validation (the
// conformance runner checks the JSON layer apart from line framing). Returns the error
// reason, or empty when the text is valid JSON.
std::string ValidateJsonDocument(std::string_view text, size_t max_depth = 1024);

}  // namespace etl::runtime
