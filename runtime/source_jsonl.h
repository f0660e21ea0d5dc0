// The `jsonl` source (language.md §6): reads one file or a glob of files (sorted, gzip and
// zstd detected) and converts records into typed columnar batches. Invalid lines and
// records that do not fit the schema go to `.errors`. It is a splitting source (step.h):
// a plain file is mapped and cut into pieces of whole lines, a stream is cut as it is read,
// and the pieces are parsed and converted on several workers at once
// (docs/dev/runtime-jsonl.md, "Pieces").
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/jsonl_split.h"
#include "runtime/source_common.h"
#include "runtime/step.h"

namespace etl::runtime {

// The bound parameters of `jsonl(path, schema:)` (stdlib/param_names.h names).
struct JsonlSourceOptions {
  std::string path;                       // `path`: a file or a glob
  ast::TypeRef schema;                    // `schema`: the output record type
  size_t batch_rows = kDefaultBatchRows;  // records per batch at most
  std::vector<bool> fields_read;  // per schema field: whether a later step reads it; empty means every field
  // The target size of a piece (kJsonlPieceBytes). Internal: tests set a few bytes to cut
  // inputs everywhere; a run never changes it (batch boundaries depend on it).
  size_t piece_bytes = kJsonlPieceBytes;
};

// Reads records of `options.schema` from JSON-lines files.
class JsonlSource : public Source {
 public:
  JsonlSource(std::string step, JsonlSourceOptions options);
  ~JsonlSource() override;
  // One piece claimed, read and delivered on this thread (ReadOnePiece); false at the end.
  bool Next(Emitter& out) override;
  bool Splits() const override { return true; }
  // The next piece of whole lines: a range of the mapped file, or the next lines of a
  // stream copied out; opens the next file of a glob when one is done.
  std::unique_ptr<SourcePiece> Claim() override;
  // Emits the piece's batches and errors with file line numbers and updates the counters.
  bool Deliver(SourcePiece& piece, Emitter& out) override;
  // Set when the source stopped on a configuration or I/O problem (no file matches, an
  // unreadable, truncated or corrupt file): the run must fail with this message.
  const std::optional<InputError>& failure() const { return failure_; }
  // Counters so far (records_in == rows_out + errors).
  const SourceStats& stats() const { return stats_; }

 private:
  class Piece;
  bool OpenNextFile();
  // SourcePiece::Read: converts the piece with a converter of the pool.
  void ReadPiece(Piece& piece);

  // Read-only while pieces are out.
  JsonlSourceOptions options_;
  JsonlConvertPlan plan_;
  // Claim's state.
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  bool expanded_ = false;
  std::string file_;
  std::shared_ptr<const MappedFile> map_;  // the current file, mapped
  uint64_t map_pos_ = 0;                   // where its next piece starts
  std::unique_ptr<JsonlStreamChunker> chunker_;  // or the current file as a stream
  bool first_chunk_ = false;                     // the chunker's next piece starts the file
  std::optional<InputError> failure_;
  // Deliver's state.
  SourceStats stats_;
  uint64_t sequence_ = 0;
  uint64_t line_base_ = 0;  // lines of the current file before the next piece delivered
  // Converters not in use: a piece takes one for its Read (parsers are allocated once).
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<JsonlPieceConverter>> pool_;
};

}  // namespace etl::runtime
