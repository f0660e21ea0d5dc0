#include "runtime/jsonl_scan.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "runtime/csv_utf8.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/source_csv_convert.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace etl::runtime {

using ast::TypeKind;

namespace {

// Nesting (objects and arrays under unknown keys) the scanner follows itself; deeper
// values go to simdjson, which applies the reader's real depth limit.
constexpr int kMaxSkipDepth = 32;

// The bytes of a 64-byte window that end a string's plain run (a quote, a backslash, a
// control byte) as bits, and in `high` those with the high bit set.
uint64_t ClassifyWindow(const char* p, uint64_t& high) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i controls = _mm_set1_epi8(0x1F);
  uint64_t stops = 0;
  high = 0;
  for (int i = 0; i < 4; ++i) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    // max(v, 0x1F) == 0x1F exactly for the bytes 0x00..0x1F (unsigned).
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                               _mm_cmpeq_epi8(_mm_max_epu8(v, controls), controls));
    stops |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(hit))) << (16 * i);
    high |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(v))) << (16 * i);
  }
  return stops;
#else
  uint64_t stops = 0;
  high = 0;
  for (int i = 0; i < 64; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    stops |= static_cast<uint64_t>(c == '"' || c == '\\' || c < 0x20) << i;
    high |= static_cast<uint64_t>(c >= 0x80) << i;
  }
  return stops;
#endif
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at `p` (at least 4 bytes before `end`), or -1.
int32_t Hex4(const char* p, const char* end) {
  if (end - p < 4) return -1;
  int32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    int digit = HexValue(p[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

template <typename T>
T Load(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

bool IsDigit(char c) { return static_cast<unsigned>(c - '0') <= 9; }

}  // namespace

// The scanner's per-value steps are inlined into Scan (GCC's -O2 would call them: measured
// ~40% more instructions per line).
#define ETL_SCAN_INLINE [[gnu::always_inline]] inline

bool JsonlDirectKind(TypeKind kind) {
  switch (kind) {
    case TypeKind::Int: case TypeKind::Float: case TypeKind::Bool: case TypeKind::String:
    case TypeKind::Date: case TypeKind::Timestamp: case TypeKind::Duration:
      return true;
    default:
      return false;
  }
}

std::optional<int64_t> ParseJsonlTimeText(TypeKind kind, std::string_view text) {
  if (kind == TypeKind::Date) {
    if (auto days = ParseIsoDate(text)) return *days;
    return std::nullopt;
  }
  return kind == TypeKind::Timestamp ? ParseIsoTimestamp(text) : ParseDurationText(text);
}

JsonlDirectScanner::JsonlDirectScanner(const ast::Type& record, JsonFieldMatcher& matcher,
                                       std::vector<JsonlFastSlot>& slots)
    : matcher_(matcher), slots_(slots), decoded_(slots.size()) {
  for (const ast::Field& field : record.fields) {
    // A name that would need an escape never matches its pattern: ReadKey's general path
    // reads (and unescapes) such keys, and those too long for the pattern.
    KeyPattern& pattern = key_patterns_.emplace_back();
    bool plain = field.name.size() + 3 <= 16;
    for (char c : field.name) plain = plain && c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
    if (!plain) continue;
    char bytes[16] = {};
    std::string text = "\"" + field.name + "\":";
    std::memcpy(bytes, text.data(), std::min(text.size(), sizeof bytes));
    for (size_t i = 0; i < 2; ++i) {
      pattern.words[i] = Load<uint64_t>(bytes + 8 * i);
      size_t in_word = std::min<size_t>(8, text.size() > 8 * i ? text.size() - 8 * i : 0);
      pattern.masks[i] = in_word == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * in_word)) - 1;
    }
    pattern.size = text.size();
  }
}

ETL_SCAN_INLINE const char* JsonlDirectScanner::FindStringStop(const char* p) {
  while (p < end_) {
    const size_t offset = static_cast<size_t>(p - line_);
    const size_t window = offset & ~size_t{63};
    if (window != window_) {
      uint64_t high = 0;
      stops_ = ClassifyWindow(line_ + window, high);
      const size_t left = static_cast<size_t>(end_ - line_) - window;  // bytes of the line in it
      if (left < 64) high &= (uint64_t{1} << left) - 1;
      high_bytes_ = high_bytes_ || high != 0;
      window_ = window;
    }
    const uint64_t bits = stops_ & (~uint64_t{0} << (offset & 63));
    if (bits != 0) {
      const char* found = line_ + window + static_cast<size_t>(__builtin_ctzll(bits));
      return found < end_ ? found : end_;
    }
    p = line_ + window + 64;
  }
  return end_;
}

ETL_SCAN_INLINE bool JsonlDirectScanner::ReadString(std::string_view& out, std::string& decoded) {
  const char* start = ++p_;  // past the opening quote
  const char* stop = FindStringStop(start);
  if (stop >= end_) return false;  // unterminated on this line
  if (*stop == '"') {
    out = std::string_view(start, static_cast<size_t>(stop - start));
    p_ = stop + 1;
    return true;
  }
  if (*stop != '\\') return false;  // a raw control byte
  p_ = stop;
  return ReadEscapedString(start, out, decoded);
}

ETL_SCAN_INLINE bool JsonlDirectScanner::ReadLiteral(std::string_view word) {
  if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
  p_ += word.size();
  return true;
}

ETL_SCAN_INLINE const char* JsonlDirectScanner::AccumulateDigits(const char* p, uint64_t& value) const {
  while (p < end_) {
    const unsigned d = static_cast<unsigned char>(*p) - unsigned{'0'};
    if (d > 9) break;
    value = value * 10 + d;
    ++p;
  }
  return p;
}

ETL_SCAN_INLINE bool JsonlDirectScanner::ReadInt(int64_t& value) {
  // -?(0|[1-9][0-9]*) of at most 18 digits (always an int64 for simdjson; longer ones are
  // its call: int64, uint64 or an error). A fraction or exponent is a float: a mismatch.
  const char* p = p_;
  const bool negative = p < end_ && *p == '-';
  p += negative;
  const char* digits = p;
  uint64_t magnitude = 0;
  p = AccumulateDigits(p, magnitude);
  const size_t count = static_cast<size_t>(p - digits);
  if (count == 0 || count > 18 || (count > 1 && *digits == '0')) return false;
  if (p < end_ && (*p == '.' || *p == 'e' || *p == 'E')) return false;
  value = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  p_ = p;
  return true;
}

ETL_SCAN_INLINE bool JsonlDirectScanner::ReadFloat(double& value) {
  // Clinger's fast path as in ParseFloatText: "-?ddd[.ddd]" with at most 15 digits is a
  // mantissa below 2^53 divided by an exact power of ten, rounded once, exactly as
  // simdjson (and from_chars) round it. Anything else is read whole by ParseFloatText.
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = p_;
  const bool negative = p < end_ && *p == '-';
  p += negative;
  const char* digits = p;
  uint64_t mantissa = 0;
  p = AccumulateDigits(p, mantissa);
  size_t count = static_cast<size_t>(p - digits);
  if (count == 0 || (count > 1 && *digits == '0')) return false;
  int fraction = 0;
  if (p < end_ && *p == '.') {
    const char* first = ++p;
    p = AccumulateDigits(p, mantissa);
    fraction = static_cast<int>(p - first);
    if (fraction == 0) return false;
    count += static_cast<size_t>(fraction);
  }
  if (count <= 15 && !(p < end_ && (*p == 'e' || *p == 'E'))) {
    double magnitude = static_cast<double>(mantissa) / kPow10[fraction];
    // An integer is simdjson's int64 made a double: "-0" is 0.0, not -0.0.
    value = negative && (fraction > 0 || mantissa != 0) ? -magnitude : magnitude;
    p_ = p;
    return true;
  }
  return ReadFloatSlow(value);
}

bool JsonlDirectScanner::ReadFloatSlow(double& value) {
  // An exponent or many digits: the grammar again, then the exact conversion.
  std::string_view text;
  bool integer = false;
  if (!ReadNumber(text, integer)) return false;
  // simdjson reads an integer of 19 or more digits as uint64 or rejects it: its rules.
  if (integer && text.size() - (text[0] == '-') > 18) return false;
  // Both round correctly, so they agree on every double; out of range (1e999, and
  // underflow where from_chars reports it) goes to simdjson.
  std::optional<double> parsed = ParseFloatText(text);
  if (!parsed) return false;
  value = *parsed;
  return true;
}

ETL_SCAN_INLINE int JsonlDirectScanner::ReadKey() {
  // Compact JSON in schema order: the expected field's `"name":` is the next bytes (16
  // bytes are readable past the line; only the pattern's own bytes are compared).
  if (expected_ < key_patterns_.size()) {
    const KeyPattern& pattern = key_patterns_[expected_];
    if (pattern.size != 0 && static_cast<size_t>(end_ - p_) >= pattern.size &&
        (((Load<uint64_t>(p_) ^ pattern.words[0]) & pattern.masks[0]) |
         ((Load<uint64_t>(p_ + 8) ^ pattern.words[1]) & pattern.masks[1])) == 0) {
      p_ += pattern.size;
      int index = static_cast<int>(expected_);
      ++expected_;
      if (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ') SkipBlanks();
      return index;
    }
  }
  std::string_view key;
  if (!ReadString(key, scratch_)) return -2;
  SkipBlanks();
  if (p_ == end_ || *p_ != ':') return -2;
  ++p_;
  SkipBlanks();
  int index = matcher_.Match(key);
  if (index >= 0) expected_ = static_cast<size_t>(index) + 1;
  return index;
}

// The same rules as ConvertFast and jsonl_convert.cpp's Convert (docs/dev/runtime-jsonl.md):
// a value of another JSON type is a mismatch, which the general path reports.
ETL_SCAN_INLINE bool JsonlDirectScanner::ReadField(JsonlFastSlot& slot, size_t field) {
  // A repeated key: the last one wins, as in the DOM path (an earlier bad one fails there
  // too, so it fails here).
  slot.set = true;
  slot.null = false;
  const char c = *p_;
  if (c == 'n') {
    if (!ReadLiteral("null") || !slot.nullable) return false;
    slot.null = true;
    return true;
  }
  switch (slot.kind) {
    case TypeKind::Int:
      return ReadInt(slot.int_value);
    case TypeKind::Float:
      return ReadFloat(slot.float_value);
    case TypeKind::Bool:
      if (c == 't' && ReadLiteral("true")) {
        slot.int_value = 1;
        return true;
      }
      if (c == 'f' && ReadLiteral("false")) {
        slot.int_value = 0;
        return true;
      }
      return false;
    case TypeKind::String:
      return c == '"' && ReadString(slot.text, slot.skip_text ? scratch_ : decoded_[field]);
    case TypeKind::Date: case TypeKind::Timestamp: case TypeKind::Duration: {
      std::string_view text;
      if (c != '"' || !ReadString(text, decoded_[field])) return false;
      std::optional<int64_t> parsed = ParseJsonlTimeText(slot.kind, text);
      if (!parsed) return false;
      slot.int_value = *parsed;
      return true;
    }
    default:
      return false;
  }
}

bool JsonlDirectScanner::Scan(std::string_view line) {
  line_ = p_ = line.data();
  end_ = p_ + line.size();
  window_ = SIZE_MAX;
  high_bytes_ = false;
  expected_ = 0;
  for (JsonlFastSlot& slot : slots_) slot.set = false;
  matcher_.Reset();
  SkipBlanks();
  if (p_ == end_ || *p_ != '{') return false;
  ++p_;
  SkipBlanks();
  if (p_ < end_ && *p_ == '}') {
    ++p_;
  } else {
    for (;;) {
      if (p_ == end_ || *p_ != '"') return false;
      int index = ReadKey();
      if (index == -2 || p_ == end_) return false;
      if (index < 0) {
        if (!SkipValue(1)) return false;
      } else if (!ReadField(slots_[static_cast<size_t>(index)], static_cast<size_t>(index))) {
        return false;
      }
      if (p_ < end_ && *p_ == ',') {  // compact JSON: no blank before the comma
        ++p_;
        if (p_ < end_ && *p_ == '"') continue;
        SkipBlanks();
        continue;
      }
      SkipBlanks();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        SkipBlanks();
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      break;
    }
  }
  SkipBlanks();
  if (p_ != end_) return false;  // text after the object: simdjson names the error
  for (JsonlFastSlot& slot : slots_) {
    if (slot.set) continue;
    if (!slot.nullable) return false;  // missing: the general path names it
    slot.set = slot.null = true;
  }
  // Non-ASCII bytes can only be inside strings here (anywhere else is a syntax error, and
  // key patterns are ASCII): FindStringStop saw every string byte.
  return !high_bytes_ || simdjson::validate_utf8(line.data(), line.size());
}

bool JsonlDirectScanner::SkipValue(int depth) {
  const char c = *p_;
  std::string_view text;
  bool integer = false;
  if (c == '"') {
    std::string_view ignored;
    return ReadString(ignored, scratch_);
  }
  if (c == '-' || IsDigit(c)) {
    // simdjson checks every number, read or not: an int must fit (up to 18 digits here)
    // and a float must be finite.
    if (!ReadNumber(text, integer)) return false;
    if (integer) return text.size() - (text[0] == '-') <= 18;
    // Without an exponent a number below 300 characters is far from DBL_MAX: no parse.
    if (text.size() < 300 && text.find_first_of("eE") == std::string_view::npos) return true;
    return ParseFloatText(text).has_value();
  }
  if (c == 't') return ReadLiteral("true");
  if (c == 'f') return ReadLiteral("false");
  if (c == 'n') return ReadLiteral("null");
  if (c != '{' && c != '[') return false;
  if (depth >= kMaxSkipDepth) return false;
  const bool object = c == '{';
  const char close = object ? '}' : ']';
  ++p_;
  SkipBlanks();
  if (p_ < end_ && *p_ == close) {
    ++p_;
    return true;
  }
  for (;;) {
    if (p_ == end_) return false;
    if (object) {
      std::string_view key;
      if (*p_ != '"' || !ReadString(key, scratch_)) return false;
      SkipBlanks();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipBlanks();
      if (p_ == end_) return false;
    }
    if (!SkipValue(depth + 1)) return false;
    SkipBlanks();
    if (p_ == end_) return false;
    if (*p_ == ',') {
      ++p_;
      SkipBlanks();
      continue;
    }
    if (*p_ != close) return false;
    ++p_;
    return true;
  }
}

bool JsonlDirectScanner::ReadEscapedString(const char* start, std::string_view& out, std::string& decoded) {
  decoded.assign(start, p_);
  for (;;) {
    // p_ is at a backslash.
    if (end_ - p_ < 2) return false;
    char e = p_[1];
    p_ += 2;
    switch (e) {
      case '"': decoded.push_back('"'); break;
      case '\\': decoded.push_back('\\'); break;
      case '/': decoded.push_back('/'); break;
      case 'b': decoded.push_back('\b'); break;
      case 'f': decoded.push_back('\f'); break;
      case 'n': decoded.push_back('\n'); break;
      case 'r': decoded.push_back('\r'); break;
      case 't': decoded.push_back('\t'); break;
      case 'u': {
        int32_t code = Hex4(p_, end_);
        if (code < 0) return false;
        p_ += 4;
        if (code >= 0xDC00 && code <= 0xDFFF) return false;  // a lone low surrogate: simdjson's call
        if (code >= 0xD800 && code <= 0xDBFF) {
          // A high surrogate must be followed by an escaped low one.
          if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return false;
          int32_t low = Hex4(p_ + 2, end_);
          if (low < 0xDC00 || low > 0xDFFF) return false;
          p_ += 6;
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(static_cast<uint32_t>(code), decoded);
        break;
      }
      default:
        return false;
    }
    const char* stop = FindStringStop(p_);
    if (stop >= end_) return false;
    decoded.append(p_, stop);
    p_ = stop;
    if (*stop == '"') {
      ++p_;
      out = decoded;
      return true;
    }
    if (*stop != '\\') return false;
  }
}

bool JsonlDirectScanner::ReadNumber(std::string_view& text, bool& integer) {
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  const char* start = p_;
  const char* p = p_;
  if (p < end_ && *p == '-') ++p;
  if (p == end_ || !IsDigit(*p)) return false;
  if (*p == '0') {
    ++p;
  } else {
    while (p < end_ && IsDigit(*p)) ++p;
  }
  integer = true;
  if (p < end_ && *p == '.') {
    integer = false;
    ++p;
    if (p == end_ || !IsDigit(*p)) return false;
    while (p < end_ && IsDigit(*p)) ++p;
  }
  if (p < end_ && (*p == 'e' || *p == 'E')) {
    integer = false;
    ++p;
    if (p < end_ && (*p == '+' || *p == '-')) ++p;
    if (p == end_ || !IsDigit(*p)) return false;
    while (p < end_ && IsDigit(*p)) ++p;
  }
  // What follows must end the value ("01" and "1x" are errors); the callers check it.
  text = std::string_view(start, static_cast<size_t>(p - start));
  p_ = p;
  return true;
}

}  // namespace etl::runtime
