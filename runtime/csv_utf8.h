// Locating invalid UTF-8 in a CSV record. Whole buffers are checked with simdjson's
// validator (fast path); only a buffer that fails is searched record by record with this.
#pragma once

#include <cstddef>
#include <string_view>

namespace etl::runtime {

// Offset of the first byte of `text` that is not part of valid UTF-8 (RFC 3629: no
// overlongs, no surrogates, at most U+10FFFF), or text.size() when all of it is valid.
size_t FindInvalidUtf8(std::string_view text);

// Whether `text` is valid UTF-8 (SIMD; used on whole blocks).
bool IsValidUtf8(std::string_view text);

}  // namespace etl::runtime
