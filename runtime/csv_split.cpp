#include "runtime/csv_split.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace etl::runtime {

bool OddCsvByteCount(const char* data, uint64_t size, char byte) {
  unsigned odd = 0;
  uint64_t i = 0;
#if defined(__SSE2__)
  // Each lane flips on every match in it; the total's parity is the parity of the flipped lanes.
  const __m128i needle = _mm_set1_epi8(byte);
  __m128i a = _mm_setzero_si128(), b = a, c = a, d = a;
  for (; i + 64 <= size; i += 64) {
    const char* p = data + i;
    a = _mm_xor_si128(a, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), needle));
    b = _mm_xor_si128(b, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), needle));
    c = _mm_xor_si128(c, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)), needle));
    d = _mm_xor_si128(d, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)), needle));
  }
  const __m128i lanes = _mm_xor_si128(_mm_xor_si128(a, b), _mm_xor_si128(c, d));
  odd = static_cast<unsigned>(__builtin_parity(static_cast<unsigned>(_mm_movemask_epi8(lanes))));
#endif
  for (; i < size; ++i) odd ^= data[i] == byte ? 1u : 0u;
  return odd != 0;
}

uint64_t FindCsvCut(const char* data, uint64_t size, uint64_t begin, uint64_t target, char quote) {
  if (target == 0) target = 1;
  if (begin >= size || size - begin <= target) return size;
  uint64_t p = begin + target;
  bool quoted = OddCsvByteCount(data + begin, p - begin, quote);
  // Usually a few dozen bytes to the next line end: a plain loop (memchr would need two
  // needles and the quote).
  for (; p < size; ++p) {
    char c = data[p];
    if (c == quote) {
      quoted = !quoted;
    } else if (!quoted && (c == '\n' || c == '\r')) {
      if (c == '\r' && p + 1 < size && data[p + 1] == '\n') return p + 2;
      return p + 1;
    }
  }
  return size;
}

}  // namespace etl::runtime
