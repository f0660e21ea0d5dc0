// Batches: the unit records move in between steps (architecture.md "Data model"): one
// column per field of the edge's schema, plus an optional selection vector so `filter` and
// `route` pass rows on without copying them. Batches are immutable once built, so a port
// with several consumers hands the same batch to each (broadcast).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/column.h"

namespace etl::runtime {

// Rows per batch unless a step has a reason to differ.
inline constexpr size_t kDefaultBatchRows = 4096;

struct Batch {
  TypeRef schema;                  // a record type: one column per field, in order
  size_t rows = 0;                 // rows stored in the columns
  std::vector<ColumnPtr> columns;
  // The rows of the batch, as indexes into the columns (ascending); null = all rows.
  std::shared_ptr<const std::vector<uint32_t>> selection;
  uint64_t sequence = 0;           // per port, increasing (acknowledgements refer to it)

  // Rows the batch carries (after selection).
  size_t Size() const { return selection ? selection->size() : rows; }
  // The column row of the i-th row of the batch.
  uint32_t RowAt(size_t i) const { return selection ? (*selection)[i] : static_cast<uint32_t>(i); }
  // The i-th row as a record constant (tests, error records; not for the hot path).
  ast::Value Row(size_t i) const;
};

// A batch of `schema` holding `records` (constants such as a test's `given` rows). Returns
// false and names the first record that does not fit (`error`) instead.
bool MakeBatch(const TypeRef& schema, const std::vector<ast::Value>& records, Batch& out, std::string* error);

// The same rows with the selection applied to the columns (no selection left).
Batch Compact(const Batch& batch);

// A batch with the same columns and `selection` (rows of the columns) as its rows.
Batch Select(const Batch& batch, std::vector<uint32_t> selection);

}  // namespace etl::runtime
