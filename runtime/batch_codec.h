// The byte encoding of a batch in a persisted channel log (`persist disk`): the row count,
// then each column's rows in the sort operator's cell encoding (op_sort_codec.h). The
// schema is not stored: the reader knows the port's type from the plan.
#pragma once

#include <string>
#include <string_view>

#include "runtime/batch.h"

namespace etl::runtime {

// Appends the rows of `batch` (its selection applied) to `out`.
void EncodeBatch(const Batch& batch, std::string& out);

// Reads a batch of `schema` written by EncodeBatch; false when the bytes do not decode
// (damage the record checksum did not catch, or a schema that changed).
bool DecodeBatch(std::string_view bytes, const TypeRef& schema, Batch& out);

}  // namespace etl::runtime
