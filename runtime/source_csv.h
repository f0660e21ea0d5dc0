// The `csv` source (language.md §6): reads one file or a glob of files (in sorted order)
// with the CSV format layer and converts each block into a typed columnar batch. Records
// that do not fit the schema go to `.errors`; nothing is dropped. It is a splitting source
// (step.h): a mapped file is cut into pieces that several workers parse and convert at once,
// delivered in input order with results identical to reading it front to back.
// docs/dev/runtime-sources.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/csv_reader.h"
#include "runtime/source_common.h"
#include "runtime/step.h"

namespace etl::runtime {

// The bound parameters of `csv(path, schema:, header:, delimiter:, quote:, null:)`
// (stdlib/param_names.h names; the runtime does not depend on stdlib).
struct CsvSourceOptions {
  std::string path;                        // `path`: a file or a glob
  ast::TypeRef schema;                     // `schema`: the output record type
  bool header = true;                      // `header`
  char delimiter = ',';                    // `delimiter`
  char quote = '"';                        // `quote`
  std::optional<std::string> null_marker;  // `null`: unset means the empty field
  size_t batch_rows = kDefaultBatchRows;   // rows per batch at most
  size_t buffer_size = 4 << 20;            // the reader's initial buffer
  // Per schema field: whether a later step reads it; empty means every field. An unread
  // plain string field is not built (its column holds empty views); every other check
  // (UTF-8, field counts, other types' parses) still runs, so errors do not change.
  std::vector<bool> fields_read;
  // Internal: the target size of a piece of a mapped file. A constant, never derived from
  // the worker count, so batch boundaries are the same at any --workers (`persist disk`
  // resume relies on it); tests set a few bytes to cut everywhere.
  uint64_t piece_bytes = uint64_t{1} << 20;
};

// Reads records of `options.schema` from CSV files.
class CsvSource : public Source {
 public:
  // `step` is the plan node id written into error records.
  CsvSource(std::string step, CsvSourceOptions options);
  ~CsvSource() override;

  // Claims, reads and delivers one piece (its batches and errors); false at the end or on a
  // failure.
  bool Next(Emitter& out) override { return ReadOnePiece(*this, out); }
  // Always: pieces of a mapped file, or blocks a serial reader tokenized (gzip, pipes).
  bool Splits() const override { return true; }
  // The next piece: opens the next file of the glob when the current one is done (its
  // header is read here). Null at the end or on a failure.
  std::unique_ptr<SourcePiece> Claim() override;
  // Emits a piece's batches and errors with file-wide line numbers; re-reads it first when
  // it does not start where the previous piece stopped (a cut guessed wrong on bad quoting).
  bool Deliver(SourcePiece& piece, Emitter& out) override;
  // Set when the source stopped on a configuration or I/O problem (missing column, no file
  // matches the glob, unreadable or corrupt file): the run must fail with this message.
  const std::optional<InputError>& failure() const { return failure_; }
  // Counters so far (records_in == rows_out + errors).
  const SourceStats& stats() const { return stats_; }


 private:
  struct File;
  class Piece;
  bool OpenNextFile();

  std::string step_;
  CsvSourceOptions options_;
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  bool expanded_ = false;
  std::shared_ptr<File> file_;           // the file being claimed
  uint64_t claimed_bytes_ = 0;           // bytes of the files claimed to their end
  std::optional<InputError> failure_;
  SourceStats stats_;
  uint64_t sequence_ = 0;
  bool needs_text_ = false;              // some converted field is a string
  size_t strings_read_ = 0;              // converted fields of the string layout
};

}  // namespace etl::runtime
