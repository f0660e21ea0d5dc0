#include "compiler/syntax/literals.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace etl::syntax {
namespace {

std::string WithoutSeparators(std::string_view spelling) {
  std::string digits;
  digits.reserve(spelling.size());
  for (char c : spelling) {
    if (c != '_') digits.push_back(c);
  }
  return digits;
}

LiteralError WholeError(std::string_view spelling, std::string message) {
  return LiteralError{std::move(message), 0, static_cast<uint32_t>(spelling.size())};
}

// Parses exactly `count` decimal digits at `pos`; -1 if they are not all digits.
int Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Validates `@YYYY-MM-DD` at the start of `spelling`; returns days or an error.
IntResult DecodeDatePart(std::string_view spelling) {
  IntResult result;
  int year = Digits(spelling, 1, 4), month = Digits(spelling, 6, 2), day = Digits(spelling, 9, 2);
  if (spelling.size() < 11 || spelling[0] != '@' || year < 0 || month < 0 || day < 0) {
    result.error = WholeError(spelling, "malformed date");
    return result;
  }
  if (month < 1 || month > 12) {
    result.error = LiteralError{"invalid month " + std::to_string(month) + " (expected 01-12)", 6, 2};
    return result;
  }
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month)) {
    result.error = LiteralError{"invalid day " + std::to_string(day) + ": " + std::to_string(year) + "-" +
                                    (month < 10 ? "0" : "") + std::to_string(month) + " has " +
                                    std::to_string(DaysInMonth(year, month)) + " days",
                                9, 2};
    return result;
  }
  result.value = DaysFromCivil(year, month, day);
  return result;
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
uint32_t HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Finds the `}` closing an interpolation whose body starts at `pos`, mirroring the
// lexer's INTERP fragment (nested strings and braces); npos when there is none.
size_t SkipString(std::string_view body, size_t pos);
size_t SkipInterpolation(std::string_view body, size_t pos) {
  while (pos < body.size()) {
    char c = body[pos];
    if (c == '}') return pos;
    if (c == '"') {
      pos = SkipString(body, pos + 1);
      if (pos == std::string_view::npos) return pos;
      ++pos;
    } else if (c == '{') {
      pos = SkipInterpolation(body, pos + 1);
      if (pos == std::string_view::npos) return pos;
      ++pos;
    } else {
      ++pos;
    }
  }
  return std::string_view::npos;
}

// From just after an opening quote, returns the index of the closing quote, or npos.
size_t SkipString(std::string_view body, size_t pos) {
  while (pos < body.size()) {
    char c = body[pos];
    if (c == '\\') {
      pos += 2;
    } else if (c == '"') {
      return pos;
    } else if (c == '$' && pos + 1 < body.size() && body[pos + 1] == '{') {
      pos = SkipInterpolation(body, pos + 2);
      if (pos == std::string_view::npos) return pos;
      ++pos;
    } else {
      ++pos;
    }
  }
  return std::string_view::npos;
}

}  // namespace

IntResult DecodeInt(std::string_view spelling) {
  IntResult result;
  std::string digits = WithoutSeparators(spelling);
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() ||
      value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    result.error = WholeError(spelling, "integer literal `" + std::string(spelling) +
                                            "` is too large (the largest int is 9223372036854775807)");
    return result;
  }
  result.value = static_cast<int64_t>(value);
  return result;
}

bool IsInt64MinMagnitude(std::string_view spelling) {
  std::string digits = WithoutSeparators(spelling);
  size_t first = digits.find_first_not_of('0');
  return first != std::string::npos && digits.substr(first) == "9223372036854775808";
}

FloatResult DecodeFloat(std::string_view spelling) {
  FloatResult result;
  std::string digits = WithoutSeparators(spelling);
  double value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Out of range is either overflow (an error) or underflow (rounds to zero): tell
    // them apart by the decimal exponent of the first significant digit.
    size_t exp_pos = digits.find_first_of("eE");
    std::string mantissa = digits.substr(0, exp_pos);
    int64_t exponent = 0;
    if (exp_pos != std::string::npos) {
      std::string exp_text = digits.substr(exp_pos + 1);
      if (!exp_text.empty() && exp_text[0] == '+') exp_text.erase(0, 1);
      std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    }
    size_t dot = mantissa.find('.');
    std::string int_part = mantissa.substr(0, dot);
    size_t first = int_part.find_first_not_of('0');
    int64_t magnitude = first == std::string::npos ? -1 : static_cast<int64_t>(int_part.size() - first);
    if (magnitude + exponent > 0) {
      result.error = WholeError(spelling, "float literal `" + std::string(spelling) + "` is out of range");
    }
    return result;
  }
  if (ec != std::errc() || ptr != digits.data() + digits.size() || !std::isfinite(value)) {
    result.error = WholeError(spelling, "invalid float literal `" + std::string(spelling) + "`");
    return result;
  }
  result.value = value;
  return result;
}

IntResult DecodeDuration(std::string_view spelling) {
  IntResult result;
  int64_t total = 0;
  size_t pos = 0;
  auto too_large = [&] {
    result.error = WholeError(spelling, "duration `" + std::string(spelling) +
                                            "` is too large (at most about 292,000 years)");
    return result;
  };
  while (pos < spelling.size()) {
    uint64_t number = 0;
    size_t digits_start = pos;
    while (pos < spelling.size() && ((spelling[pos] >= '0' && spelling[pos] <= '9') || spelling[pos] == '_')) {
      if (spelling[pos] != '_') {
        if (number > (std::numeric_limits<uint64_t>::max() - 9) / 10) return too_large();
        number = number * 10 + static_cast<uint64_t>(spelling[pos] - '0');
      }
      ++pos;
    }
    if (pos == digits_start || pos >= spelling.size()) {
      result.error = WholeError(spelling, "malformed duration `" + std::string(spelling) + "`");
      return result;
    }
    int64_t unit = 0;
    char c = spelling[pos];
    bool two = pos + 1 < spelling.size() && spelling[pos + 1] == 's';
    if (c == 'u' && two) {
      unit = 1, pos += 2;
    } else if (c == 'm' && two) {
      unit = 1000, pos += 2;
    } else if (c == 's') {
      unit = 1000000, ++pos;
    } else if (c == 'm') {
      unit = 60LL * 1000000, ++pos;
    } else if (c == 'h') {
      unit = 3600LL * 1000000, ++pos;
    } else if (c == 'd') {
      unit = 86400LL * 1000000, ++pos;
    } else if (c == 'w') {
      unit = 7LL * 86400 * 1000000, ++pos;
    } else {
      result.error = WholeError(spelling, "malformed duration `" + std::string(spelling) + "`");
      return result;
    }
    int64_t part = 0;
    if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(static_cast<int64_t>(number), unit, &part) ||
        __builtin_add_overflow(total, part, &total)) {
      return too_large();
    }
  }
  result.value = total;
  return result;
}


IntResult DecodeDate(std::string_view spelling) {
  IntResult result = DecodeDatePart(spelling);
  if (!result.error && spelling.size() != 11) result.error = WholeError(spelling, "malformed date");
  return result;
}

IntResult DecodeTimestamp(std::string_view spelling) {
  IntResult result = DecodeDatePart(spelling);
  if (result.error) return result;
  int64_t days = result.value;
  // @YYYY-MM-DDTHH:MM[:SS[.frac]][Z|+hh:mm|-hh:mm]
  size_t pos = 11;
  auto fail = [&](std::string message, size_t offset, size_t length) {
    result.error = LiteralError{std::move(message), static_cast<uint32_t>(offset), static_cast<uint32_t>(length)};
    return result;
  };
  if (pos >= spelling.size() || spelling[pos] != 'T') return fail("malformed timestamp", 0, spelling.size());
  int hour = Digits(spelling, pos + 1, 2), minute = Digits(spelling, pos + 4, 2);
  if (hour < 0 || minute < 0 || spelling.size() < pos + 6 || spelling[pos + 3] != ':') {
    return fail("malformed timestamp", 0, spelling.size());
  }
  if (hour > 23) return fail("invalid hour " + std::to_string(hour) + " (expected 00-23)", pos + 1, 2);
  if (minute > 59) return fail("invalid minute " + std::to_string(minute) + " (expected 00-59)", pos + 4, 2);
  pos += 6;
  int second = 0;
  int64_t micros = 0;
  if (pos < spelling.size() && spelling[pos] == ':') {
    second = Digits(spelling, pos + 1, 2);
    if (second < 0) return fail("malformed timestamp", 0, spelling.size());
    if (second > 59) return fail("invalid second " + std::to_string(second) + " (expected 00-59)", pos + 1, 2);
    pos += 3;
    if (pos < spelling.size() && spelling[pos] == '.') {
      size_t start = ++pos;
      while (pos < spelling.size() && spelling[pos] >= '0' && spelling[pos] <= '9') ++pos;
      size_t count = pos - start;
      if (count == 0) return fail("malformed timestamp", 0, spelling.size());
      if (count > 6) {
        return fail("too many fractional digits (at most 6: microseconds)", start, count);
      }
      micros = Digits(spelling, start, count);
      for (size_t i = count; i < 6; ++i) micros *= 10;
    }
  }
  int64_t offset_minutes = 0;
  if (pos < spelling.size()) {
    char c = spelling[pos];
    if (c == 'Z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      int oh = Digits(spelling, pos + 1, 2), om = Digits(spelling, pos + 4, 2);
      if (oh < 0 || om < 0 || spelling.size() < pos + 6 || spelling[pos + 3] != ':') {
        return fail("malformed time zone offset", pos, spelling.size() - pos);
      }
      if (oh > 23 || om > 59) return fail("invalid time zone offset", pos, 6);
      offset_minutes = (oh * 60 + om) * (c == '-' ? -1 : 1);
      pos += 6;
    }
  }
  if (pos != spelling.size()) return fail("malformed timestamp", 0, spelling.size());
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  result.value = seconds * 1000000 + micros;
  return result;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool StringResult::HasInterpolation() const {
  for (const StringPiece& piece : pieces) {
    if (piece.interpolation) return true;
  }
  return false;
}

std::string StringResult::Text() const {
  std::string text;
  for (const StringPiece& piece : pieces) {
    if (!piece.interpolation) text += piece.text;
  }
  return text;
}

StringResult DecodeStringBody(std::string_view body, bool interpolate) {
  StringResult result;
  StringPiece current;
  auto flush = [&](size_t end) {
    current.length = static_cast<uint32_t>(end - current.offset);
    if (current.length > 0) result.pieces.push_back(std::move(current));
    current = StringPiece{};
    current.offset = static_cast<uint32_t>(end);
  };
  size_t pos = 0;
  while (pos < body.size()) {
    char c = body[pos];
    if (c == '\\') {
      size_t start = pos;
      char e = pos + 1 < body.size() ? body[pos + 1] : '\0';
      pos += 2;
      switch (e) {
        case 'n': current.text += '\n'; continue;
        case 't': current.text += '\t'; continue;
        case 'r': current.text += '\r'; continue;
        case '0': current.text += '\0'; continue;
        case '\\': current.text += '\\'; continue;
        case '"': current.text += '"'; continue;
        case '$': current.text += '$'; continue;
        case '\'': current.text += '\''; continue;
        default: break;
      }
      if (e == 'u') {
        uint32_t cp = 0;
        bool ok = true;
        if (pos < body.size() && body[pos] == '{') {
          size_t digits_start = ++pos;
          while (pos < body.size() && IsHex(body[pos]) && pos - digits_start < 8) cp = cp * 16 + HexValue(body[pos++]);
          size_t count = pos - digits_start;
          if (pos < body.size() && body[pos] == '}') {
            ++pos;
          } else {
            ok = false;
          }
          if (count == 0 || count > 6) ok = false;
        } else {
          for (int i = 0; i < 4; ++i) {
            if (pos >= body.size() || !IsHex(body[pos])) {
              ok = false;
              break;
            }
            cp = cp * 16 + HexValue(body[pos++]);
          }
        }
        if (ok && (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) {
          result.errors.push_back(LiteralError{"invalid unicode code point in escape",
                                               static_cast<uint32_t>(start), static_cast<uint32_t>(pos - start)});
          continue;
        }
        if (ok) {
          AppendUtf8(current.text, cp);
          continue;
        }
        result.errors.push_back(LiteralError{"invalid unicode escape (write `\\u{1F600}` or `\\u00e9`)",
                                             static_cast<uint32_t>(start), static_cast<uint32_t>(pos - start)});
        continue;
      }
      // Unknown escape: its range covers the backslash and the whole next character.
      size_t len = 2;
      if (start + 1 >= body.size()) {
        len = 1;
      } else {
        unsigned char lead = static_cast<unsigned char>(e);
        size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
        len = std::min(body.size() - start, 2 + extra);
        pos = start + len;
      }
      std::string shown = e == '\n' ? "\\n (a line break)" : std::string(body.substr(start, len));
      result.errors.push_back(LiteralError{"unknown escape `" + shown +
                                               "` (valid: \\n \\t \\r \\0 \\\\ \\\" \\$ \\' \\u{...})",
                                           static_cast<uint32_t>(start), static_cast<uint32_t>(len)});
      continue;
    }
    if (interpolate && c == '$' && pos + 1 < body.size() && body[pos + 1] == '{') {
      size_t close = SkipInterpolation(body, pos + 2);
      if (close == std::string_view::npos) {
        result.errors.push_back(
            LiteralError{"unterminated interpolation: missing `}`", static_cast<uint32_t>(pos), 2, true});
        current.text += "${";
        pos += 2;
        continue;
      }
      flush(pos);
      StringPiece piece;
      piece.interpolation = true;
      piece.offset = static_cast<uint32_t>(pos);
      piece.length = static_cast<uint32_t>(close + 1 - pos);
      piece.expr_offset = static_cast<uint32_t>(pos + 2);
      piece.expr_length = static_cast<uint32_t>(close - pos - 2);
      result.pieces.push_back(std::move(piece));
      pos = close + 1;
      current.offset = static_cast<uint32_t>(pos);
      continue;
    }
    current.text += c;
    ++pos;
  }
  flush(body.size());
  return result;
}

}  // namespace etl::syntax
