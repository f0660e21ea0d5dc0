// parse_timestamp and format_timestamp (stdlib/functions_time.cpp): strptime/strftime
// directives, in UTC, written out here because the C library's versions depend on the
// locale and the process time zone. The directives are those the compiler accepts in a
// constant format (stdlib CheckTimeFormat): Y m d H M S f z :z Z j a A b B p y e I l T D F
// s u w U W % n t.
#include <charconv>
#include <cstring>

#include "runtime/fn_registry.h"
#include "runtime/jsonl_scalars.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using VK = Value::Kind;
using Args = std::span<const Value>;

constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kWeekdays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

// The parts of a UTC time.
struct Civil {
  int64_t year = 1970;
  unsigned month = 1, day = 1;
  int64_t hour = 0, minute = 0, second = 0, micros = 0;
  int64_t days = 0;    // since 1970-01-01
  unsigned weekday = 4;  // 0 = Sunday; 1970-01-01 was a Thursday
  unsigned yday = 0;     // 0-based day of the year
};

Civil CivilOf(int64_t us) {
  Civil c;
  c.days = FloorDiv(us, kMicrosPerDay);
  int64_t rest = us - c.days * kMicrosPerDay;
  CivilFromDays(c.days, c.year, c.month, c.day);
  c.hour = rest / 3600000000LL;
  c.minute = rest / 60000000 % 60;
  c.second = rest / 1000000 % 60;
  c.micros = rest % 1000000;
  c.weekday = static_cast<unsigned>(((c.days + 4) % 7 + 7) % 7);
  c.yday = static_cast<unsigned>(c.days - DaysFromCivil(c.year, 1, 1));
  return c;
}

void Pad(std::string& out, int64_t value, int width, char fill = '0') {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value < 0 ? -value : value);
  int length = static_cast<int>(end - digits);
  if (value < 0) out += '-';
  for (int i = length; i < width; ++i) out += fill;
  out.append(digits, end);
}

// Appends one directive; false for an unknown one (the compiler rejects those in constant
// formats; a format computed at run time gets a record error).
bool FormatDirective(std::string& out, char d, bool colon, const Civil& c, int64_t us) {
  int64_t hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
  switch (d) {
    case 'Y': Pad(out, c.year, 4); return true;
    case 'y': Pad(out, ((c.year % 100) + 100) % 100, 2); return true;
    case 'm': Pad(out, c.month, 2); return true;
    case 'd': Pad(out, c.day, 2); return true;
    case 'e': Pad(out, c.day, 2, ' '); return true;
    case 'H': Pad(out, c.hour, 2); return true;
    case 'I': Pad(out, hour12, 2); return true;
    case 'l': Pad(out, hour12, 2, ' '); return true;
    case 'M': Pad(out, c.minute, 2); return true;
    case 'S': Pad(out, c.second, 2); return true;
    case 'f': Pad(out, c.micros, 6); return true;
    case 'p': out += c.hour < 12 ? "AM" : "PM"; return true;
    case 'z': out += colon ? "+00:00" : "+0000"; return true;
    case 'Z': out += "UTC"; return true;
    case 'j': Pad(out, c.yday + 1, 3); return true;
    case 'a': out.append(kWeekdays[c.weekday], 3); return true;
    case 'A': out += kWeekdays[c.weekday]; return true;
    case 'b': out.append(kMonths[c.month - 1], 3); return true;
    case 'B': out += kMonths[c.month - 1]; return true;
    case 'u': Pad(out, c.weekday == 0 ? 7 : c.weekday, 1); return true;
    case 'w': Pad(out, c.weekday, 1); return true;
    case 'U': Pad(out, (c.yday + 7 - c.weekday) / 7, 2); return true;
    case 'W': Pad(out, (c.yday + 7 - (c.weekday + 6) % 7) / 7, 2); return true;
    case 's': Pad(out, FloorDiv(us, 1000000), 1); return true;
    case 'T': Pad(out, c.hour, 2); out += ':'; Pad(out, c.minute, 2); out += ':'; Pad(out, c.second, 2); return true;
    case 'D': Pad(out, c.month, 2); out += '/'; Pad(out, c.day, 2); out += '/'; Pad(out, ((c.year % 100) + 100) % 100, 2); return true;
    case 'F': Pad(out, c.year, 4); out += '-'; Pad(out, c.month, 2); out += '-'; Pad(out, c.day, 2); return true;
    case 'n': out += '\n'; return true;
    case 't': out += '\t'; return true;
    case '%': out += '%'; return true;
    default: return false;
  }
}

// format_timestamp(t | d, fmt)
bool FormatTimestamp(Args a, const FnCall&, Value& out, ValueError& err) {
  int64_t us = a[0].kind == VK::Date ? a[0].int_value * kMicrosPerDay : a[0].int_value;
  const std::string& format = a[1].string_value;
  Civil c = CivilOf(us);
  std::string text;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      text += format[i];
      continue;
    }
    bool colon = i + 2 < format.size() && format[i + 1] == ':' && format[i + 2] == 'z';
    if (colon) ++i;
    if (i + 1 >= format.size() || !FormatDirective(text, format[i + 1], colon, c, us)) {
      err = {"argument", "format_timestamp: unsupported format \"" + format + "\""};
      return false;
    }
    ++i;
  }
  out = Value::String(std::move(text));
  return true;
}

// Reads up to `max_digits` digits (at least one) as a number, after an optional sign.
bool ReadNumber(std::string_view s, size_t& at, int max_digits, int64_t& value, bool allow_space = false,
                bool allow_sign = false) {
  if (allow_space && at < s.size() && s[at] == ' ') ++at;
  bool negative = false;
  if (allow_sign && at < s.size() && (s[at] == '-' || s[at] == '+')) negative = s[at++] == '-';
  size_t start = at;
  value = 0;
  while (at < s.size() && at - start < static_cast<size_t>(max_digits) && s[at] >= '0' && s[at] <= '9') {
    value = value * 10 + (s[at++] - '0');
  }
  if (negative) value = -value;
  return at > start;
}

// Matches one of `names` (full or first three letters, any case); returns its index.
bool ReadName(std::string_view s, size_t& at, const char* const* names, size_t count, unsigned& index) {
  auto matches = [&](const char* name, size_t length) {
    if (at + length > s.size()) return false;
    for (size_t k = 0; k < length; ++k) {
      if (std::tolower(static_cast<unsigned char>(s[at + k])) != std::tolower(static_cast<unsigned char>(name[k]))) {
        return false;
      }
    }
    return true;
  };
  for (size_t i = 0; i < count; ++i) {
    size_t full = std::strlen(names[i]);
    if (matches(names[i], full)) {
      at += full;
      index = static_cast<unsigned>(i);
      return true;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (matches(names[i], 3)) {
      at += 3;
      index = static_cast<unsigned>(i);
      return true;
    }
  }
  return false;
}

// The fields a strptime format sets; unset ones keep the epoch's (1970-01-01 00:00:00 UTC).
struct Parsed {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0, offset_s = 0;
  int64_t yday = -1;          // %j, 1-based
  int64_t epoch_seconds = 0;  // %s
  bool has_epoch = false, pm = false, has_ampm = false;
};

// The format with the composite directives spelled out (%T = %H:%M:%S, %D = %m/%d/%y,
// %F = %Y-%m-%d), so the parser only knows simple ones.
std::string ExpandFormat(std::string_view format) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      out += format[i];
      continue;
    }
    char d = format[++i];
    if (d == 'T') out += "%H:%M:%S";
    else if (d == 'D') out += "%m/%d/%y";
    else if (d == 'F') out += "%Y-%m-%d";
    else out += {'%', d};
  }
  return out;
}

// Parses `s` with `format` (composites expanded); false when the text does not match.
bool ParseWith(std::string_view s, std::string_view format, Parsed& p) {
  size_t at = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char f = format[i];
    if (f != '%') {
      if (f == ' ') {  // a space in the format matches any run of spaces
        while (at < s.size() && s[at] == ' ') ++at;
        continue;
      }
      if (at >= s.size() || s[at] != f) return false;
      ++at;
      continue;
    }
    if (++i >= format.size()) return false;
    char d = format[i];
    bool colon = d == ':' && i + 1 < format.size() && format[i + 1] == 'z';
    if (colon) d = format[++i];
    unsigned index = 0;
    int64_t v = 0;
    switch (d) {
      case 'Y': if (!ReadNumber(s, at, 4, p.year, false, true)) return false; break;
      case 'y':
        if (!ReadNumber(s, at, 2, v)) return false;
        p.year = v < 69 ? 2000 + v : 1900 + v;  // POSIX: 69-99 are 1969-1999
        break;
      case 'm': if (!ReadNumber(s, at, 2, p.month)) return false; break;
      case 'd': if (!ReadNumber(s, at, 2, p.day)) return false; break;
      case 'e': if (!ReadNumber(s, at, 2, p.day, true)) return false; break;
      case 'H': if (!ReadNumber(s, at, 2, p.hour)) return false; break;
      case 'I': case 'l': if (!ReadNumber(s, at, 2, p.hour, d == 'l')) return false; p.has_ampm = true; break;
      case 'M': if (!ReadNumber(s, at, 2, p.minute)) return false; break;
      case 'S': if (!ReadNumber(s, at, 2, p.second)) return false; break;
      case 'f': {
        size_t start = at;
        if (!ReadNumber(s, at, 9, v)) return false;
        for (size_t k = at - start; k < 6; ++k) v *= 10;
        for (size_t k = at - start; k > 6; --k) v /= 10;  // past microseconds: truncated
        p.micros = v;
        break;
      }
      case 'p': {
        static const char* const kAmPm[] = {"AM", "PM"};
        if (!ReadName(s, at, kAmPm, 2, index)) return false;
        p.pm = index == 1;
        p.has_ampm = true;
        break;
      }
      case 'z': case 'Z': {
        if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
          ++at;
          break;
        }
        if (d == 'Z' && s.substr(at, 3) == "UTC") {
          at += 3;
          break;
        }
        if (at >= s.size() || (s[at] != '+' && s[at] != '-')) return false;
        int64_t sign = s[at++] == '-' ? -1 : 1, hours = 0, minutes = 0;
        if (!ReadNumber(s, at, 2, hours)) return false;
        if (at < s.size() && s[at] == ':') ++at;
        if (!ReadNumber(s, at, 2, minutes)) return false;
        p.offset_s = sign * (hours * 3600 + minutes * 60);
        break;
      }
      case 'j': if (!ReadNumber(s, at, 3, p.yday)) return false; break;
      case 'a': case 'A': if (!ReadName(s, at, kWeekdays, 7, index)) return false; break;
      case 'b': case 'B': if (!ReadName(s, at, kMonths, 12, index)) return false; p.month = index + 1; break;
      case 'u': case 'w': if (!ReadNumber(s, at, 1, v)) return false; break;
      case 'U': case 'W': if (!ReadNumber(s, at, 2, v)) return false; break;
      case 's': if (!ReadNumber(s, at, 18, p.epoch_seconds, false, true)) return false; p.has_epoch = true; break;
      case 'n': case 't': while (at < s.size() && (s[at] == ' ' || s[at] == '\t' || s[at] == '\n')) ++at; break;
      case '%': if (at >= s.size() || s[at] != '%') return false; ++at; break;
      default: return false;
    }
  }
  return at == s.size();
}

// The instant `p` denotes, or false when its fields are out of range (Feb 30, hour 25, ...).
bool InstantOf(const Parsed& p, int64_t& us) {
  if (p.has_epoch) {
    us = p.epoch_seconds * 1000000 + p.micros;
    return true;
  }
  int64_t hour = p.hour;
  if (p.has_ampm) {
    if (hour < 1 || hour > 12) return false;
    hour = hour % 12 + (p.pm ? 12 : 0);
  }
  if (hour > 23 || p.minute > 59 || p.second > 60) return false;
  int64_t days;
  if (p.yday >= 0) {
    if (p.yday < 1 || p.yday > 366) return false;
    days = DaysFromCivil(p.year, 1, 1) + p.yday - 1;
  } else {
    if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31) return false;
    days = DaysFromCivil(p.year, static_cast<unsigned>(p.month), static_cast<unsigned>(p.day));
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, y, m, d);
    if (m != static_cast<unsigned>(p.month)) return false;  // Feb 30 rolled over
  }
  us = days * kMicrosPerDay + ((hour * 60 + p.minute) * 60 + p.second - p.offset_s) * 1000000 + p.micros;
  return true;
}

// parse_timestamp(s) (ISO-8601; no zone = UTC) and parse_timestamp(s, fmt)
bool ParseTimestamp(Args a, const FnCall&, Value& out, ValueError& err) {
  const std::string& text = a[0].string_value;
  std::optional<int64_t> us;
  if (a.size() < 2) {
    us = ParseIsoTimestamp(text);
    if (!us) us = ParseIsoTimestamp(text + "Z");
    if (!us) {
      if (auto days = ParseIsoDate(text)) us = int64_t{*days} * kMicrosPerDay;
    }
  } else {
    Parsed parsed;
    int64_t instant = 0;
    if (ParseWith(text, ExpandFormat(a[1].string_value), parsed) && InstantOf(parsed, instant)) us = instant;
  }
  if (!us) {
    err = {"cast", "cannot parse " + ast::ToLiteral(a[0]) + " as a timestamp" +
                       (a.size() < 2 ? std::string(" (ISO-8601)") : " with format \"" + a[1].string_value + "\"")};
    return false;
  }
  out.kind = VK::Timestamp;
  out.int_value = *us;
  return true;
}

constexpr FunctionImpl kFunctions[] = {
    {"parse_timestamp", ParseTimestamp},
    {"format_timestamp", FormatTimestamp},
};

}  // namespace

std::span<const FunctionImpl> TimeFormatFunctions() { return kFunctions; }

}  // namespace etl::runtime
