// Byte encodings of the sort operator: memcmp-ordered sort keys (so comparing two rows is
// one memcmp whatever the key types), and a compact binary row encoding, used both for
// rows buffered in memory and for spill files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/column.h"

namespace etl::runtime {

// Appends row `row` of `column` as an order-preserving key: ascending, nulls last; with
// `descending` every byte after the null marker is inverted (nulls stay last, as DuckDB does).
// Ints and timestamps big-endian with the sign flipped; floats by their IEEE bits (-0.0
// as 0.0, NaN after +inf); strings with 0x00 escaped and a 0x00 0x00 terminator.
void EncodeSortKey(const Column& column, size_t row, bool descending, std::string& out);

// Appends row `row` of `column` in the row encoding (a null byte, then the value).
void EncodeCell(const Column& column, size_t row, std::string& out);

// Reads one cell written by EncodeCell from `in` (advanced past it) into `builder`;
// false when the bytes are truncated.
bool DecodeCell(std::string_view& in, Layout layout, ColumnBuilder& builder);

}  // namespace etl::runtime
