// The `generate` source (language.md §6): deterministic synthetic records of any schema
// for tests, demos and the memory-bound run of issue 3. Every value is a hash of (seed,
// row number, field path), so the output depends only on the seed and the row, never on
// batch boundaries, and columns are produced a whole batch at a time.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/source_common.h"
#include "runtime/step.h"

namespace etl::runtime {

// One value in this many percent of a nullable field is null.
inline constexpr uint64_t kGenerateNullPercent = 10;

// The bound parameters of `generate(count:, schema:, seed:)` (stdlib/param_names.h names).
struct GenerateOptions {
  uint64_t count = 0;                     // `count`: records to produce
  ast::TypeRef schema;                    // `schema`: a record type
  uint64_t seed = 0;                      // `seed`
  size_t batch_rows = kDefaultBatchRows;  // rows per batch at most
};

// Produces `count` records of `schema`. It splits: each piece is one batch of rows, so
// several workers generate batches at once (values depend only on the row number).
class GenerateSource : public Source {
 public:
  GenerateSource(std::string step, GenerateOptions options);
  // Emits the next batch; false once `count` rows were produced (or the schema is unusable).
  bool Next(Emitter& out) override { return ReadOnePiece(*this, out); }
  bool Splits() const override { return true; }
  // The next batch's rows; null once `count` rows were claimed (or the schema is unusable).
  std::unique_ptr<SourcePiece> Claim() override;
  // Emits the piece's batch.
  bool Deliver(SourcePiece& piece, Emitter& out) override;
  // Set when the schema is not a record type.
  const std::optional<InputError>& failure() const { return failure_; }
  const SourceStats& stats() const { return stats_; }

 private:
  std::string step_;
  GenerateOptions options_;
  uint64_t next_row_ = 0;  // the first row not claimed yet
  uint64_t sequence_ = 0;
  std::optional<InputError> failure_;
  SourceStats stats_;
};

// The column of `type` whose row i is generated from keys[i] (exposed for tests).
ColumnPtr GenerateColumn(const ast::TypeRef& type, const std::vector<uint64_t>& keys);

}  // namespace etl::runtime
