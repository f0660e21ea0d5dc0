#include "runtime/sink_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "compiler/ast/calendar.h"
#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

constexpr int64_t kMicrosPerDay = 86400000000LL;

// "00".."99": two digits per lookup.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char* Write2(char* p, unsigned value) {
  std::memcpy(p, kDigitPairs + 2 * value, 2);
  return p + 2;
}

char* WriteUint64(char* p, uint64_t value) { return std::to_chars(p, p + 24, value).ptr; }

// Decimal digits of `value` (1 for 0).
int CountDigits(uint64_t value) {
  static constexpr uint64_t kPowers[] = {1ULL,
                                         10ULL,
                                         100ULL,
                                         1000ULL,
                                         10000ULL,
                                         100000ULL,
                                         1000000ULL,
                                         10000000ULL,
                                         100000000ULL,
                                         1000000000ULL,
                                         10000000000ULL,
                                         100000000000ULL,
                                         1000000000000ULL,
                                         10000000000000ULL,
                                         100000000000000ULL,
                                         1000000000000000ULL,
                                         10000000000000000ULL,
                                         100000000000000000ULL,
                                         1000000000000000000ULL,
                                         10000000000000000000ULL};
  int guess = ((64 - __builtin_clzll(value | 1)) * 1233) >> 12;  // log10 from log2, may be 1 short
  return guess + ((value | 1) >= kPowers[guess] ? 1 : 0);  // | 1: 0 has one digit too
}

// Writes the 8 digits of `value` (< 10^8, zeros in front): four independent pair lookups.
void Write8Digits(char* p, uint32_t value) {
  uint32_t high = value / 10000, low = value % 10000;
  Write2(p, high / 100);
  Write2(p + 2, high % 100);
  Write2(p + 4, low / 100);
  Write2(p + 6, low % 100);
}

// Writes exactly `n` (= CountDigits(value)) digits: the low ones 8 at a time (32-bit
// arithmetic, short dependency chains; a float's significand has up to 17 digits), the rest
// two at a time from the right.
char* WriteDigitsN(char* p, uint64_t value, int n) {
  char* end = p + n;
  char* q = end;
  while (value >= 100000000) {
    q -= 8;
    Write8Digits(q, static_cast<uint32_t>(value % 100000000));
    value /= 100000000;
  }
  uint32_t rest = static_cast<uint32_t>(value);
  while (rest >= 100) {
    q -= 2;
    Write2(q, rest % 100);
    rest /= 100;
  }
  if (rest >= 10) {
    Write2(q - 2, rest);
  } else {
    q[-1] = static_cast<char>('0' + rest);
  }
  return end;
}

// `value` with at least `width` digits (zeros in front).
char* WritePadded(char* p, uint64_t value, int width) {
  int n = CountDigits(value);
  for (int i = n; i < width; ++i) *p++ = '0';
  return WriteDigitsN(p, value, n);
}

char* WriteUint128(char* p, unsigned __int128 value, int min_digits) {
  if (value <= UINT64_MAX) return WritePadded(p, static_cast<uint64_t>(value), min_digits);
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  for (int i = n; i < min_digits; ++i) digits[n++] = '0';
  while (n > 0) *p++ = digits[--n];
  return p;
}

}  // namespace

char* WriteInt64(char* p, int64_t value) { return std::to_chars(p, p + 24, value).ptr; }

// fmt "{}" prints a double as dragonbox's shortest round-trip digits laid out by
// do_write_float. The digits come from the same fmt function (so they are identical); the
// layout is written here because fmt's generic path (format-string parsing, a truncating
// iterator, locale digit grouping, padding) cost about as much as the digits themselves
// (fmt "{}" ~48 ns a value, to_decimal alone ~22 ns; std::to_chars is no faster than fmt
// and spells exponents and some integers differently: "1e+05" for 100000).
namespace {

// dragonbox's shortest digits of a positive double that is a decimal with at most 3
// fraction digits, without dragonbox. r = round(v * 1000) is tried once: r / 1000 == v (one
// correctly rounded division of two exact doubles) says r * 10^-3 lies in v's rounding
// interval. Below 2^50 that interval is narrower than a quarter of 10^-3, so it holds one
// such r at most, and v * 1000 is within 1/8 of it, so rounding finds it; a decimal with
// fewer fraction digits is the same number, so it is r without its trailing zeros (at
// most 3 dropped), and no shorter digits round-trip. The layout of (r, -k) is that of
// dragonbox's (significand, exponent), the trailing zeros of an integer written out as
// digits rather than as an exponent. Amounts like 18.32 cost a multiplication and a
// division here against ~22 ns for to_decimal (T1 profile: 4%); any other value pays the
// same one check before dragonbox.
bool ShortDecimal(double value, uint64_t& significand, int& exponent) {
  if (!(value > 0.0)) return false;
  const double scaled = value * 1000.0;
  if (!(scaled < 0x1p50)) return false;
  const double rounded = std::nearbyint(scaled);
  if (rounded / 1000.0 != value) return false;
  uint64_t digits = static_cast<uint64_t>(rounded);
  int k = 3;
  while (k > 0 && digits % 10 == 0) {
    digits /= 10;
    --k;
  }
  significand = digits;
  exponent = -k;
  return true;
}

}  // namespace

char* WriteFloat(char* p, double value) {
  if (std::signbit(value)) {
    *p++ = '-';
    value = -value;
  }
  fmt::detail::dragonbox::decimal_fp<double> dec;
  if (!ShortDecimal(value, dec.significand, dec.exponent)) dec = fmt::detail::dragonbox::to_decimal(value);
  // The digits are written once, where they end up, and moved by a byte or a few to make
  // room for the point: reading them back in wider loads right after the narrow stores
  // that wrote them would stall (store forwarding fails).
  static constexpr char kZeros[] = "0000000000000000";
  const int e = dec.exponent;
  const int n = CountDigits(dec.significand);
  const int output_exp = e + n - 1;
  if (output_exp < -4 || output_exp >= 16) {  // d[.ddd]e±XX, as fmt's exp_lower/exp_upper
    char* end = WriteDigitsN(p + 1, dec.significand, n);
    p[0] = p[1];
    if (n > 1) {
      p[1] = '.';
      p = end;
    } else {
      p += 1;
    }
    *p++ = 'e';
    unsigned x = output_exp < 0 ? static_cast<unsigned>(-output_exp) : static_cast<unsigned>(output_exp);
    *p++ = output_exp < 0 ? '-' : '+';
    if (x >= 100) {
      if (x >= 1000) *p++ = static_cast<char>('0' + x / 1000);
      *p++ = static_cast<char>('0' + x / 100 % 10);
      x %= 100;
    }
    return Write2(p, x);
  }
  if (e >= 0) {  // 1234e2 -> 123400 (at most 16 digits in all)
    p = WriteDigitsN(p, dec.significand, n);
    std::memcpy(p, kZeros, 16);
    return p + e;
  }
  const int point = output_exp + 1;
  if (point > 0) {  // 1234e-2 -> 12.34
    char* end = WriteDigitsN(p + 1, dec.significand, n);
    for (int k = 0; k < point; ++k) p[k] = p[k + 1];
    p[point] = '.';
    return end;
  }
  // 1234e-6 -> 0.001234 (at most 3 zeros after the point: output_exp >= -4)
  std::memcpy(p, "0.000", 5);
  return WriteDigitsN(p + 2 - point, dec.significand, n);
}

char* WriteDecimal(char* p, __int128 scaled, int scale) {
  bool negative = scaled < 0;
  unsigned __int128 magnitude = negative ? static_cast<unsigned __int128>(-(scaled + 1)) + 1
                                         : static_cast<unsigned __int128>(scaled);
  if (negative) *p++ = '-';
  if (scale <= 0) return WriteUint128(p, magnitude, 1);
  unsigned __int128 divisor = 1;
  for (int i = 0; i < scale; ++i) divisor *= 10;
  p = WriteUint128(p, magnitude / divisor, 1);
  *p++ = '.';
  return WriteUint128(p, magnitude % divisor, scale);
}

char* WriteDate(char* p, int64_t days) {
  int64_t year;
  unsigned month, day;
  ast::CivilFromDays(days, year, month, day);
  if (year >= 0 && year <= 9999) {
    p = Write2(p, static_cast<unsigned>(year / 100));
    p = Write2(p, static_cast<unsigned>(year % 100));
  } else {
    p = WriteInt64(p, year);
  }
  *p++ = '-';
  p = Write2(p, month);
  *p++ = '-';
  return Write2(p, day);
}

char* WriteTimestamp(char* p, int64_t micros) {
  int64_t days = micros >= 0 ? micros / kMicrosPerDay : -((-(micros + 1)) / kMicrosPerDay) - 1;
  int64_t rest = micros - days * kMicrosPerDay;  // 0 .. one day
  int64_t secs = rest / 1000000, fraction = rest % 1000000;
  p = WriteDate(p, days);
  *p++ = 'T';
  p = Write2(p, static_cast<unsigned>(secs / 3600));
  *p++ = ':';
  p = Write2(p, static_cast<unsigned>(secs / 60 % 60));
  *p++ = ':';
  p = Write2(p, static_cast<unsigned>(secs % 60));
  if (fraction != 0) {
    *p++ = '.';
    p = WritePadded(p, static_cast<uint64_t>(fraction), 6);
  }
  *p++ = 'Z';
  return p;
}

char* WriteDuration(char* p, int64_t micros) {
  if (micros == 0) {
    std::memcpy(p, "0s", 2);
    return p + 2;
  }
  if (micros < 0) *p++ = '-';
  uint64_t v = micros < 0 ? static_cast<uint64_t>(-(micros + 1)) + 1 : static_cast<uint64_t>(micros);
  struct Unit {
    uint64_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400000000ULL, "d"}, {3600000000ULL, "h"}, {60000000ULL, "m"},
                                    {1000000ULL, "s"},     {1000ULL, "ms"},      {1ULL, "us"}};
  for (const Unit& unit : kUnits) {
    if (v >= unit.size) {
      p = WriteUint64(p, v / unit.size);
      for (const char* c = unit.name; *c; ++c) *p++ = *c;
      v %= unit.size;
    }
  }
  return p;
}

// ---- StringCursor

namespace {
// The string grows by up to this much at a time (within its capacity): resize() zeroes the
// bytes just before they are written over, so the chunk stays small enough to be in cache.
constexpr size_t kCursorChunk = 64 * 1024;
}  // namespace

char* StringCursor::Grow(size_t n) {
  size_t used = static_cast<size_t>(p_ - out_.data());
  out_.resize(used + std::max(n, std::min(kCursorChunk, out_.capacity() - used)));
  p_ = out_.data() + used;
  end_ = out_.data() + out_.size();
  return p_;
}

void StringCursor::Append(std::string_view text) {
  char* p = Room(text.size());
  std::memcpy(p, text.data(), text.size());
  Advance(p + text.size());
}

std::string& StringCursor::Finish() {
  if (p_ != nullptr) out_.resize(static_cast<size_t>(p_ - out_.data()));
  p_ = end_ = nullptr;
  return out_;
}

void StringCursor::Resume() { p_ = end_ = out_.data() + out_.size(); }

// ---- JSON strings

namespace {

// The length of the valid UTF-8 sequence starting at text[i] (a byte >= 0x80), or 0 when it
// is invalid (a stray continuation, an overlong form, a surrogate, past U+10FFFF, truncated).
size_t ValidUtf8Length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  unsigned char c = byte(0);
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
  if (c == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && byte(1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
  return n;
}

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Non-zero when one of the 8 bytes of `w` needs a look in a JSON string: a control
// character, `"`, `\` or a byte >= 0x80 (not ASCII: its UTF-8 is checked). Tests 8 bytes
// at once where a byte loop takes 4 compares a byte (the usual "has a byte less than n" /
// "has a zero byte" tricks, exact as a yes/no; most strings need no escape at all).
inline uint64_t JsonSpecial(uint64_t w) {
  uint64_t quote = w ^ (kOnes * '"');
  uint64_t backslash = w ^ (kOnes * '\\');
  uint64_t control = (w - kOnes * 0x20) & ~w;
  uint64_t quotes = (quote - kOnes) & ~quote;
  uint64_t backslashes = (backslash - kOnes) & ~backslash;
  return (control | quotes | backslashes | w) & kHighBits;
}

// Writes text[i] (a byte that may need an escape) or the UTF-8 sequence it starts; returns
// the index after it. `verbatim` is whether the output is the input's bytes.
size_t WriteJsonSpecial(char*& p, std::string_view text, size_t i, bool& verbatim) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  verbatim = false;
  if (c >= 0x80) {
    // JSON text must be UTF-8: a byte that is not part of a valid sequence (raw input
    // kept in an error record) becomes U+FFFD, as every lossy UTF-8 decoder does.
    size_t n = ValidUtf8Length(text, i);
    if (n == 0) {
      std::memcpy(p, "\xEF\xBF\xBD", 3);
      p += 3;
      return i + 1;
    }
    std::memcpy(p, text.data() + i, n);
    p += n;
    verbatim = true;
    return i + n;
  }
  char escape = 0;
  switch (c) {
    case '"': escape = '"'; break;
    case '\\': escape = '\\'; break;
    case '\n': escape = 'n'; break;
    case '\r': escape = 'r'; break;
    case '\t': escape = 't'; break;
    case '\b': escape = 'b'; break;
    case '\f': escape = 'f'; break;
    default:
      if (c >= 0x20) {
        *p++ = static_cast<char>(c);
        verbatim = true;
        return i + 1;
      }
  }
  *p++ = '\\';
  if (escape != 0) {
    *p++ = escape;
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    std::memcpy(p, "u00", 3);
    p[3] = kHex[c >> 4];
    p[4] = kHex[c & 15];
    p += 5;
  }
  return i + 1;
}

}  // namespace

char* WriteJsonString(char* p, std::string_view text) {
  const char* s = text.data();
  const size_t n = text.size();
  *p++ = '"';
  size_t i = 0;
  size_t verbatim_from = 0;  // output since text[verbatim_from] is the input's bytes
  while (i < n) {
    if (n - i >= 8) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (JsonSpecial(w) == 0) {
        std::memcpy(p, &w, 8);
        p += 8;
        i += 8;
        continue;
      }
    } else if (n >= 8) {
      // Under 8 bytes left: test the last 8, overlapping bytes already copied as they are.
      if (n - 8 >= verbatim_from) {
        uint64_t w;
        std::memcpy(&w, s + n - 8, 8);
        if (JsonSpecial(w) == 0) {
          std::memcpy(p - (i - (n - 8)), &w, 8);
          p += n - i;
          break;
        }
      }
    } else if (n - i >= 4) {
      // A string of 4..7 bytes: two overlapping 4-byte halves.
      uint32_t head, tail;
      std::memcpy(&head, s + i, 4);
      std::memcpy(&tail, s + n - 4, 4);
      if (JsonSpecial(head | static_cast<uint64_t>(tail) << 32) == 0) {
        std::memcpy(p, &head, 4);
        std::memcpy(p + (n - i) - 4, &tail, 4);
        p += n - i;
        break;
      }
    }
    // Byte by byte through the next 8 bytes (one of them needs a look, or the string is short).
    for (size_t stop = std::min(n, i + 8); i < stop;) {
      bool verbatim;
      size_t next = WriteJsonSpecial(p, text, i, verbatim);
      if (!verbatim) verbatim_from = next;
      i = next;
    }
  }
  *p++ = '"';
  return p;
}

// ---- Values

namespace {

// Writes a scalar's JSON form at `p` (room: kMaxScalarChars); nullptr for the layouts that
// are not scalars (strings, lists, maps, records).
char* WriteScalarJson(char* p, const Column& column, size_t row) {
  const ast::Type& type = *column.type;
  switch (column.layout) {
    case Layout::Bool:
      if (column.bools[row]) {
        std::memcpy(p, "true", 4);
        return p + 4;
      }
      std::memcpy(p, "false", 5);
      return p + 5;
    case Layout::Int64:
      switch (type.kind) {
        case ast::TypeKind::Int: return WriteInt64(p, column.ints[row]);
        case ast::TypeKind::Decimal: return WriteDecimal(p, column.ints[row], type.scale);
        case ast::TypeKind::Duration:
          *p++ = '"';
          p = WriteDuration(p, column.ints[row]);
          *p++ = '"';
          return p;
        default:
          *p++ = '"';
          p = WriteTimestamp(p, column.ints[row]);
          *p++ = '"';
          return p;
      }
    case Layout::Int128: return WriteDecimal(p, column.wide[row], type.scale);
    case Layout::Int32:
      *p++ = '"';
      p = WriteDate(p, column.days[row]);
      *p++ = '"';
      return p;
    case Layout::Float64:
      if (std::isfinite(column.floats[row])) return WriteFloat(p, column.floats[row]);
      std::memcpy(p, "null", 4);
      return p + 4;
    default: return nullptr;
  }
}

void AppendJsonNonNull(std::string& out, const Column& column, size_t row);

void AppendJsonChild(std::string& out, const Column& child, size_t row) {
  if (child.IsNull(row)) {
    out += "null";
  } else {
    AppendJsonNonNull(out, child, row);
  }
}

void AppendJsonNonNull(std::string& out, const Column& column, size_t row) {
  char text[kMaxScalarChars];
  if (char* end = WriteScalarJson(text, column, row)) {
    out.append(text, end);
    return;
  }
  const ast::Type& type = *column.type;
  switch (column.layout) {
    case Layout::String:
      if (type.kind == ast::TypeKind::Json) {
        std::string_view json = column.String(row);
        out += json.empty() ? std::string_view("null") : json;
      } else {
        AppendJsonString(out, column.String(row));
      }
      return;
    case Layout::List: {
      const Column& element = *column.children[0];
      out += '[';
      for (uint32_t i = column.offsets[row]; i < column.offsets[row + 1]; ++i) {
        if (i != column.offsets[row]) out += ',';
        AppendJsonChild(out, element, i);
      }
      out += ']';
      return;
    }
    case Layout::Map: {
      const Column& keys = *column.children[0];
      const Column& values = *column.children[1];
      out += '{';
      for (uint32_t i = column.offsets[row]; i < column.offsets[row + 1]; ++i) {
        if (i != column.offsets[row]) out += ',';
        AppendJsonString(out, keys.String(i));
        out += ':';
        AppendJsonChild(out, values, i);
      }
      out += '}';
      return;
    }
    case Layout::Record:
      out += '{';
      for (size_t f = 0; f < column.children.size(); ++f) {
        if (f) out += ',';
        AppendJsonString(out, type.fields[f].name);
        out += ':';
        AppendJsonChild(out, *column.children[f], row);
      }
      out += '}';
      return;
    default: return;
  }
}

// A scalar's text form (CSV field, table cell); nullptr for the other layouts.
char* WriteScalarText(char* p, const Column& column, size_t row) {
  switch (column.layout) {
    case Layout::Int64:
      switch (column.type->kind) {
        case ast::TypeKind::Int: return WriteInt64(p, column.ints[row]);
        case ast::TypeKind::Decimal: return WriteDecimal(p, column.ints[row], column.type->scale);
        case ast::TypeKind::Duration: return WriteDuration(p, column.ints[row]);
        default: return WriteTimestamp(p, column.ints[row]);
      }
    case Layout::Int32: return WriteDate(p, column.days[row]);
    case Layout::Float64:
      return std::isfinite(column.floats[row]) ? WriteFloat(p, column.floats[row]) : p;  // NaN/Inf: nothing
    case Layout::Bool:
    case Layout::Int128: return WriteScalarJson(p, column, row);
    default: return nullptr;
  }
}

}  // namespace

void WriteValueJson(StringCursor& out, const Column& column, size_t row) {
  if (column.IsNull(row)) {
    out.Append("null");
    return;
  }
  if (column.layout == Layout::String && column.type->kind != ast::TypeKind::Json) {
    std::string_view text = column.String(row);
    char* p = out.Room(JsonStringRoom(text.size()));
    out.Advance(WriteJsonString(p, text));
    return;
  }
  char* p = out.Room(kMaxScalarChars);
  if (char* end = WriteScalarJson(p, column, row)) {
    out.Advance(end);
    return;
  }
  AppendJsonNonNull(out.Finish(), column, row);
  out.Resume();
}

void WriteValueText(StringCursor& out, const Column& column, size_t row) {
  char* p = out.Room(kMaxScalarChars);
  if (char* end = WriteScalarText(p, column, row)) {
    out.Advance(end);
    return;
  }
  if (column.layout == Layout::String) {
    out.Append(column.String(row));
    return;
  }
  AppendJsonNonNull(out.Finish(), column, row);
  out.Resume();
}

void AppendValueText(std::string& out, const Column& column, size_t row) {
  char text[kMaxScalarChars];
  if (char* end = WriteScalarText(text, column, row)) {
    out.append(text, end);
  } else if (column.layout == Layout::String) {
    out += column.String(row);
  } else {
    AppendJsonNonNull(out, column, row);
  }
}

void AppendValueJson(std::string& out, const Column& column, size_t row) { AppendJsonChild(out, column, row); }

// ---- std::string forms

void AppendInt64(std::string& out, int64_t value) {
  char text[kMaxScalarChars];
  out.append(text, WriteInt64(text, value));
}

void AppendFloat(std::string& out, double value) {
  char text[kMaxScalarChars];
  out.append(text, WriteFloat(text, value));
}

void AppendDecimal(std::string& out, __int128 scaled, int scale) {
  char text[kMaxScalarChars];
  out.append(text, WriteDecimal(text, scaled, scale));
}

void AppendDate(std::string& out, int64_t days) {
  char text[kMaxScalarChars];
  out.append(text, WriteDate(text, days));
}

void AppendTimestamp(std::string& out, int64_t micros) {
  char text[kMaxScalarChars];
  out.append(text, WriteTimestamp(text, micros));
}

void AppendDuration(std::string& out, int64_t micros) {
  char text[kMaxScalarChars];
  out.append(text, WriteDuration(text, micros));
}

}  // namespace etl::runtime
