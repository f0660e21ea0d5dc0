// Where in a line a JSON error is (internal to the jsonl reader). simdjson's DOM parser,
// which the reader validates with, reports only an error code; this finds a column on the
// error path only, so valid lines pay nothing for it.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>

namespace etl::runtime {

// 0-based byte offset of the error `code` in `text` (best effort: the offset simdjson's
// on-demand iterator stops at, else a scan for the construct at fault). `text` must be
// followed by SIMDJSON_PADDING readable bytes.
size_t LocateJsonError(std::string_view text, simdjson::error_code code, size_t max_depth);

// A short lowercase reason for a simdjson error code ("invalid number").
std::string_view JsonErrorReason(simdjson::error_code code);

}  // namespace etl::runtime
