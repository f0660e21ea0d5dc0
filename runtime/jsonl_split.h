// The pieces of a splitting `jsonl` source (docs/dev/runtime-jsonl.md, "Pieces"): where a
// piece of input ends, the serial line chunker for streams (gzip, zstd, pipes), and the
// per-worker converter that parses a piece's lines and converts them into typed batches.
// A piece always ends right after a LF (or at the end of the file): a JSON line never
// holds a raw LF, so each piece is whole lines, and reading the pieces one after the other
// gives exactly the lines of the whole file.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/batch.h"
#include "runtime/input_stream.h"
#include "runtime/jsonl_convert.h"
#include "runtime/jsonl_reader.h"
#include "runtime/jsonl_scan.h"
#include "runtime/step.h"

namespace etl::runtime {

// The target size of a piece: about this many bytes, then up to the next LF. Fixed, never
// derived from the worker count, so batch boundaries (and with them `persist disk`
// sequence numbers) are the same at any --workers.
inline constexpr size_t kJsonlPieceBytes = size_t{1} << 20;

// The end of the piece of `data[0, size)` that starts at `start`: one past the first LF at
// or after start + target - 1, or `size` when there is none. `target` >= 1.
size_t CutJsonlPiece(const char* data, size_t size, size_t start, size_t target);

// Text with SIMDJSON_PADDING readable bytes after it, owned (copied from a stream or from
// the end of a mapping).
struct PaddedText {
  // Copies `text` into a new padded buffer.
  static PaddedText Copy(std::string_view text);
  std::unique_ptr<char[]> bytes;
  size_t size = 0;
  std::string_view view() const { return {bytes.get(), size}; }
};

// Cuts a stream (compressed or not mappable) into pieces of whole lines, serially. It
// reads like JsonlReader does (the same buffer sizes and read calls), so a stream that
// fails part-way loses exactly the bytes the serial reader lost.
class JsonlStreamChunker {
 public:
  explicit JsonlStreamChunker(std::unique_ptr<InputStream> stream, size_t chunk_size = 1 << 20);
  // The next piece (about `target` bytes of whole lines, less when the buffer holds fewer
  // complete lines) copied into `out`; false at the end of the input or on a failure.
  bool Next(size_t target, PaddedText& out);
  // Why the stream stopped early (empty when it did not).
  const std::string& failure() const { return failure_; }

 private:
  bool Fill();

  std::unique_ptr<InputStream> stream_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;  // first byte not yet in a piece
  size_t end_ = 0;    // end of the bytes read
  size_t scan_ = 0;   // [begin_, scan_) holds no LF
  bool eof_ = false;
  bool bom_checked_ = false;
  std::string failure_;
};

// What the converter needs of the source, fixed for its life (shared read-only by workers).
struct JsonlConvertPlan {
  std::string step;                 // the plan node id, for error records
  ast::TypeRef schema;              // a record type
  size_t batch_rows = kDefaultBatchRows;
  bool fast = false;                // every field is a top-level scalar: ConvertFast applies
  bool direct = true;               // fast schemas: try the direct scanner first (tests
                                    // turn it off to compare with the simdjson path)
  std::vector<bool> skip_text;      // per field: String layout and no later step reads it
};

// The results of one piece. Error records carry piece-relative line numbers and their
// message without the "file:line" prefix; JsonlSource::Deliver completes both.
struct JsonlPieceResult {
  std::vector<Batch> batches;       // sequence numbers not set yet
  std::vector<ErrorRecord> errors;  // in input order
  uint64_t lines = 0;               // lines of the piece, blank ones included
  uint64_t records = 0;             // records read: rows + errors
  uint64_t direct_rows = 0;         // rows the direct scanner read (for tests and profiles)
  std::string failure;              // the parser could not be set up (out of memory)
};

// Parses and converts pieces; one per worker at a time (the source keeps a pool), so its
// parser memory is allocated once and reused.
class JsonlPieceConverter {
 public:
  explicit JsonlPieceConverter(const JsonlConvertPlan& plan);
  // Reads `text` (SIMDJSON_PADDING readable bytes after it) as whole lines; `input_start`:
  // the text begins its file (BOM). `file` names the input in error records.
  void Convert(std::string_view text, bool input_start, const std::string& file, JsonlPieceResult& out);

 private:
  // The direct columnar path for schemas of top-level scalars: converts one record's fields
  // into `slots_` without building an ast::Value. False when the record needs the general
  // path (a type mismatch, a missing field, ...), which then produces the exact error.
  bool ConvertFast(simdjson::dom::object object);

  const JsonlConvertPlan& plan_;
  JsonlReader reader_;
  JsonFieldMatcher matcher_;
  std::vector<JsonlFastSlot> slots_;
  JsonlDirectScanner scanner_;
};

}  // namespace etl::runtime
