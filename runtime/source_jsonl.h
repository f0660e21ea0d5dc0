// The `jsonl` source (language.md §6): reads one file or a glob of files (sorted, gzip and
// zstd detected) with the JSON-lines reader and converts records into typed columnar
// batches. Invalid lines and records that do not fit the schema go to `.errors`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/jsonl_convert.h"
#include "runtime/jsonl_reader.h"
#include "runtime/source_common.h"
#include "runtime/step.h"

namespace etl::runtime {

// The bound parameters of `jsonl(path, schema:)` (stdlib/param_names.h names).
struct JsonlSourceOptions {
  std::string path;                       // `path`: a file or a glob
  ast::TypeRef schema;                    // `schema`: the output record type
  size_t batch_rows = kDefaultBatchRows;  // records per batch at most
};

// Reads records of `options.schema` from JSON-lines files.
class JsonlSource : public Source {
 public:
  JsonlSource(std::string step, JsonlSourceOptions options);
  ~JsonlSource() override;
  // Emits one batch of up to batch_rows records read (and their errors); false at the end.
  bool Next(Emitter& out) override;
  // Set when the source stopped on a configuration or I/O problem (no file matches, an
  // unreadable or corrupt file): the run must fail with this message.
  const std::optional<InputError>& failure() const { return failure_; }
  // Counters so far (records_in == rows_out + errors).
  const SourceStats& stats() const { return stats_; }

 private:
  bool OpenNextFile();
  // The direct columnar path for schemas of top-level scalars: converts one record's fields
  // into `slots_` without building an ast::Value. False when the record needs the general
  // path (a type mismatch, a missing field, ...), which then produces the exact error.
  bool ConvertFast(simdjson::dom::object object);

  // One converted field of the record being read (strings point into the parsed document).
  struct FastSlot {
    // The field's type kind and nullability, read once at open rather than through the
    // shared type pointer for every value.
    ast::TypeKind kind = ast::TypeKind::Int;
    bool nullable = false;
    bool set = false;
    bool null = false;
    int64_t int_value = 0;  // int, date (days), timestamp and duration (µs), bool
    double float_value = 0;
    std::string_view text;
  };

  std::string step_;
  JsonlSourceOptions options_;
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  bool expanded_ = false;
  std::string file_;
  std::unique_ptr<JsonlReader> reader_;
  std::optional<InputError> failure_;
  SourceStats stats_;
  uint64_t sequence_ = 0;
  bool fast_ = false;  // every field is a top-level scalar: ConvertFast applies
  std::unique_ptr<JsonFieldMatcher> matcher_;
  std::vector<FastSlot> slots_;
};

}  // namespace etl::runtime
