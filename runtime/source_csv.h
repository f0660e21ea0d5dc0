// The `csv` source (language.md §6): reads one file or a glob of files (in sorted order)
// with the CSV format layer and converts each block into a typed columnar batch. Records
// that do not fit the schema go to `.errors`; nothing is dropped. docs/dev/runtime-sources.md.
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
};

// Reads records of `options.schema` from CSV files.
class CsvSource : public Source {
 public:
  // `step` is the plan node id written into error records.
  CsvSource(std::string step, CsvSourceOptions options);
  ~CsvSource() override;

  // Emits one batch (and the errors of its block); false at the end or on a failure.
  bool Next(Emitter& out) override;
  // Set when the source stopped on a configuration or I/O problem (missing column, no file
  // matches the glob, unreadable or corrupt file): the run must fail with this message.
  const std::optional<InputError>& failure() const { return failure_; }
  // Counters so far (records_in == rows_out + errors).
  const SourceStats& stats() const { return stats_; }

 private:
  bool OpenNextFile();
  void ConvertBlock(Emitter& out);

  std::string step_;
  CsvSourceOptions options_;
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  bool expanded_ = false;
  std::string file_;                     // the file being read
  std::unique_ptr<CsvReader> reader_;
  std::vector<size_t> columns_;          // CSV column of each schema field
  CsvBlock block_;
  std::vector<uint8_t> bad_;
  std::optional<InputError> failure_;
  SourceStats stats_;
  uint64_t finished_bytes_ = 0;          // bytes of the files read to their end (progress)
  uint64_t sequence_ = 0;
  bool has_strings_ = false;
};

}  // namespace etl::runtime
