// The header line of a CSV file and the binding of a schema's field names to its columns.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "runtime/csv_block.h"

namespace etl::runtime {

// Column names read from the first line (when the source has `header: true`).
struct CsvHeader {
  bool present = false;            // false for `header: false` and for an empty file
  std::vector<std::string> names;  // as written, BOM removed, quotes removed
  // Names that occur more than once, e.g. "duplicate column name `id` (columns 1 and 4)".
  std::vector<std::string> duplicates;
  // Set when the header line itself could not be read (unterminated quote, bad UTF-8).
  std::optional<CsvRecordError> error;
};

// Maps each schema field to a column index. With a header, by name (a missing or duplicated
// name is an error naming it, with a did-you-mean); without one, by position. Returns false
// and fills `errors` (one message per field) when some field cannot be bound.
bool ResolveCsvColumns(const CsvHeader& header, const std::vector<std::string>& fields,
                       std::vector<size_t>* indexes, std::vector<std::string>* errors);

// Fills header->duplicates from header->names.
void FindDuplicateCsvNames(CsvHeader* header);

}  // namespace etl::runtime
