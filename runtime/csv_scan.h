// The CSV tokenizer's hot loop primitive: find the next structural byte (delimiter, quote,
// LF, CR). Written by hand because this loop is the product's core (architecture.md): one
// 64-byte window is classified at a time into a bitmask (SSE2 on x86-64, a scalar loop
// elsewhere), then structural positions are taken from the mask with count-trailing-zeros,
// so short fields cost a few instructions and long fields are skipped 64 bytes at a time.
// A later AVX2/NEON version only has to replace ClassifyWindow.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace etl::runtime {

// Bytes readable past the end of a CSV buffer, so a window load never leaves the allocation.
inline constexpr size_t kCsvPadding = 64;

// Finds structural bytes in [base, base + end); `base` must have kCsvPadding readable bytes
// past `end`. Positions must be asked in increasing order (it caches the current window).
class CsvStructuralScanner {
 public:
  CsvStructuralScanner(const char* base, size_t end, char delimiter, char quote)
      : base_(base), end_(end), delimiter_(delimiter), quote_(quote) {}

  // Index of the first structural byte at or after `pos`, or `end` if there is none.
  size_t Next(size_t pos) {
    while (pos < end_) {
      size_t window = pos & ~size_t{63};
      if (window != window_) {
        mask_ = ClassifyWindow(base_ + window);
        window_ = window;
      }
      uint64_t bits = mask_ & (~uint64_t{0} << (pos & 63));
      if (bits != 0) {
        size_t found = window + static_cast<size_t>(__builtin_ctzll(bits));
        return found < end_ ? found : end_;
      }
      pos = window + 64;
    }
    return end_;
  }

  // The structural bits of the 64-byte window that starts at `window` (bit i: byte
  // window + i), bytes at or past `end` included (callers bound the positions they take).
  uint64_t WindowBits(size_t window) const { return ClassifyWindow(base_ + window); }

 private:
  uint64_t ClassifyWindow(const char* p) const {
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi8(delimiter_);
    const __m128i q = _mm_set1_epi8(quote_);
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r');
    uint64_t mask = 0;
    for (int i = 0; i < 4; ++i) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
      mask |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(hit))) << (16 * i);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int i = 0; i < 64; ++i) {
      char c = p[i];
      bool hit = c == delimiter_ || c == quote_ || c == '\n' || c == '\r';
      mask |= static_cast<uint64_t>(hit) << i;
    }
    return mask;
#endif
  }

  const char* base_;
  size_t end_;
  char delimiter_;
  char quote_;
  size_t window_ = ~size_t{0};
  uint64_t mask_ = 0;
};

}  // namespace etl::runtime
