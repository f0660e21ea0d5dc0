// The runtime's UTF-8 helpers. Locating invalid UTF-8 in a CSV record: whole buffers are
// checked with simdjson's validator (fast path); only a buffer that fails is searched
// record by record. Encoding a code point (string functions, JSON escapes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace etl::runtime {

// Offset of the first byte of `text` that is not part of valid UTF-8 (RFC 3629: no
// overlongs, no surrogates, at most U+10FFFF), or text.size() when all of it is valid.
size_t FindInvalidUtf8(std::string_view text);

// Whether `text` is valid UTF-8 (SIMD; used on whole blocks).
bool IsValidUtf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF) to `out`.
void AppendUtf8(uint32_t code_point, std::string& out);

}  // namespace etl::runtime
