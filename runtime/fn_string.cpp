// String functions (language.md §11, stdlib/functions_string.cpp). Positions and lengths
// count Unicode code points; case mapping is Unicode's simple (one code point to one)
// mapping, from glibc's C.UTF-8 locale tables, so no ICU is needed; white space is Unicode's
// White_Space property.
#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cctype>

#include "runtime/csv_utf8.h"
#include "runtime/fn_registry.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using VK = Value::Kind;
using Args = std::span<const Value>;

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += !IsContinuation(c);
  return n;
}
// Byte offset of code point `cp` (s.size() when past the end).
size_t ByteOffset(std::string_view s, size_t cp) {
  size_t i = 0;
  while (i < s.size() && cp > 0) {
    ++i;
    while (i < s.size() && IsContinuation(static_cast<unsigned char>(s[i]))) ++i;
    --cp;
  }
  return i;
}
// Decodes the UTF-8 code point at s[i] into `cp` and returns its length; invalid or truncated
// sequences decode as one byte (length 1, cp = -1) so they pass through unchanged.
size_t DecodeUtf8(std::string_view s, size_t i, int32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  cp = -1;
  if (c < 0x80) return cp = c, 1;
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 1;
  int32_t v = c & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    if (!IsContinuation(b(k))) return 1;
    v = (v << 6) | (b(k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF stay raw bytes.
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF)) return 1;
  cp = v;
  return n;
}
// The C.UTF-8 locale (glibc >= 2.35 ships it), opened once; its LC_CTYPE has the Unicode
// case tables.
locale_t Utf8Locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return locale;
}
// Maps every code point of `s` with `map` (towlower_l / towupper_l); ASCII stays a byte loop.
std::string MapCase(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  locale_t locale = Utf8Locale();
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
      ++i;
      continue;
    }
    int32_t cp;
    size_t n = DecodeUtf8(s, i, cp);
    if (cp < 0 || !locale) {
      out.append(s.substr(i, n));
    } else {
      auto mapped = upper ? towupper_l(static_cast<wint_t>(cp), locale) : towlower_l(static_cast<wint_t>(cp), locale);
      AppendUtf8(static_cast<uint32_t>(mapped), out);
    }
    i += n;
  }
  return out;
}
// Unicode's White_Space property (PropList.txt), a fixed list.
bool IsWhiteSpace(int32_t cp) {
  switch (cp) {
    case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
      return true;
    default:
      return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x2000 && cp <= 0x200A);
  }
}
// The length of the white-space code point starting at s[i], 0 when it is not one.
size_t SpaceAt(std::string_view s, size_t i) {
  int32_t cp;
  size_t n = DecodeUtf8(s, i, cp);
  return IsWhiteSpace(cp) ? n : 0;
}
// The length of the white-space code point ending at s[e - 1], 0 when it is not one.
size_t SpaceBefore(std::string_view s, size_t e) {
  size_t start = e - 1;
  while (start > 0 && e - start < 4 && IsContinuation(static_cast<unsigned char>(s[start]))) --start;
  int32_t cp;
  size_t n = DecodeUtf8(s, start, cp);
  if (start + n != e) return 0;
  return IsWhiteSpace(cp) ? n : 0;
}

bool Len(Args a, const FnCall&, Value& out, ValueError&) {
  if (a[0].kind == VK::List) {
    out = Value::Int(static_cast<int64_t>(a[0].items.size()));
  } else if (a[0].kind == VK::Record) {
    out = Value::Int(static_cast<int64_t>(a[0].fields.size()));
  } else {
    out = Value::Int(static_cast<int64_t>(CodePoints(a[0].string_value)));
  }
  return true;
}
bool Lower(Args a, const FnCall&, Value& out, ValueError&) {
  out = Value::String(MapCase(a[0].string_value, false));
  return true;
}
bool Upper(Args a, const FnCall&, Value& out, ValueError&) {
  out = Value::String(MapCase(a[0].string_value, true));
  return true;
}
Value Trimmed(std::string_view s, bool left, bool right) {
  size_t b = 0, e = s.size();
  while (left && b < e) {
    size_t n = SpaceAt(s, b);
    if (n == 0) break;
    b += n;
  }
  while (right && e > b) {
    size_t n = SpaceBefore(s, e);
    if (n == 0) break;
    e -= n;
  }
  return Value::String(std::string(s.substr(b, e - b)));
}
bool Trim(Args a, const FnCall&, Value& out, ValueError&) { out = Trimmed(a[0].string_value, true, true); return true; }
bool Ltrim(Args a, const FnCall&, Value& out, ValueError&) { out = Trimmed(a[0].string_value, true, false); return true; }
bool Rtrim(Args a, const FnCall&, Value& out, ValueError&) { out = Trimmed(a[0].string_value, false, true); return true; }
bool Substr(Args a, const FnCall&, Value& out, ValueError& err) {
  const std::string& s = a[0].string_value;
  int64_t start = a[1].int_value;
  int64_t length = a.size() > 2 ? a[2].int_value : INT64_MAX;
  if (start < 0 || length < 0) {
    err = {"argument", "substr: a negative start or length"};
    return false;
  }
  size_t b = ByteOffset(s, static_cast<size_t>(start));
  size_t e = length == INT64_MAX ? s.size() : b + ByteOffset(std::string_view(s).substr(b), static_cast<size_t>(length));
  out = Value::String(s.substr(b, e - b));
  return true;
}
bool Replace(Args a, const FnCall&, Value& out, ValueError&) {
  const std::string& s = a[0].string_value;
  const std::string& from = a[1].string_value;
  if (from.empty()) {
    out = a[0];
    return true;
  }
  std::string r;
  size_t i = 0;
  for (size_t at; (at = s.find(from, i)) != std::string::npos; i = at + from.size()) r.append(s, i, at - i).append(a[2].string_value);
  r.append(s, i);
  out = Value::String(std::move(r));
  return true;
}
bool Split(Args a, const FnCall&, Value& out, ValueError&) {
  const std::string& s = a[0].string_value;
  const std::string& sep = a[1].string_value;
  out = Value();
  out.kind = VK::List;
  if (sep.empty()) {
    for (size_t i = 0; i < s.size();) {
      size_t j = i + 1;
      while (j < s.size() && IsContinuation(static_cast<unsigned char>(s[j]))) ++j;
      out.items.push_back(Value::String(s.substr(i, j - i)));
      i = j;
    }
    return true;
  }
  size_t i = 0;
  for (size_t at; (at = s.find(sep, i)) != std::string::npos; i = at + sep.size()) out.items.push_back(Value::String(s.substr(i, at - i)));
  out.items.push_back(Value::String(s.substr(i)));
  return true;
}
bool StartsWith(Args a, const FnCall&, Value& out, ValueError&) { out = Value::Bool(std::string_view(a[0].string_value).starts_with(a[1].string_value)); return true; }
bool EndsWith(Args a, const FnCall&, Value& out, ValueError&) { out = Value::Bool(std::string_view(a[0].string_value).ends_with(a[1].string_value)); return true; }
bool Contains(Args a, const FnCall&, Value& out, ValueError&) {
  if (a[0].kind == VK::List) {
    bool found = false;
    for (const Value& item : a[0].items) found = found || ValuesEqual(item, a[1]);
    out = Value::Bool(found);
  } else {
    out = Value::Bool(a[0].string_value.find(a[1].string_value) != std::string::npos);
  }
  return true;
}
bool Concat(Args a, const FnCall&, Value& out, ValueError&) {
  std::string s;
  for (const Value& v : a) s += v.string_value;
  out = Value::String(std::move(s));
  return true;
}
// format("{} and {}", a, b): `{}` placeholders in order, `{{` and `}}` escape braces; a null
// argument prints as `null` (the spec), a null template gives null.
bool Format(Args a, const FnCall&, Value& out, ValueError& err) {
  if (a[0].kind == VK::Null) {
    out = Value::Null();
    return true;
  }
  const std::string& f = a[0].string_value;
  std::string s;
  size_t next = 1;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '{' && i + 1 < f.size() && f[i + 1] == '{') {
      s += '{', ++i;
    } else if (f[i] == '}' && i + 1 < f.size() && f[i + 1] == '}') {
      s += '}', ++i;
    } else if (f[i] == '{' && i + 1 < f.size() && f[i + 1] == '}') {
      if (next >= a.size()) {
        err = {"argument", "format: more placeholders than arguments"};
        return false;
      }
      s += ValueText(a[next++]), ++i;
    } else {
      s += f[i];
    }
  }
  out = Value::String(std::move(s));
  return true;
}
bool Pad(Args a, bool left, Value& out, ValueError& err) {
  const std::string& s = a[0].string_value;
  std::string fill = a.size() > 2 ? a[2].string_value : " ";
  int64_t width = a[1].int_value;
  size_t have = CodePoints(s);
  if (width <= 0 || have >= static_cast<size_t>(width)) {
    out = a[0];
    return true;
  }
  if (fill.empty()) {
    err = {"argument", "pad: an empty fill"};
    return false;
  }
  std::string pad;
  size_t fill_cps = CodePoints(fill);
  size_t need = static_cast<size_t>(width) - have;
  while (need >= fill_cps) pad += fill, need -= fill_cps;
  pad.append(fill, 0, ByteOffset(fill, need));
  out = Value::String(left ? pad + s : s + pad);
  return true;
}
bool PadLeft(Args a, const FnCall&, Value& out, ValueError& err) { return Pad(a, true, out, err); }
bool PadRight(Args a, const FnCall&, Value& out, ValueError& err) { return Pad(a, false, out, err); }

constexpr FunctionImpl kFunctions[] = {
    {"len", Len},           {"lower", Lower},       {"upper", Upper},
    {"trim", Trim},         {"ltrim", Ltrim},       {"rtrim", Rtrim},
    {"substr", Substr},     {"replace", Replace},   {"split", Split},
    {"starts_with", StartsWith}, {"ends_with", EndsWith}, {"contains", Contains},
    {"concat", Concat},     {"format", Format, true},     {"pad_left", PadLeft},
    {"pad_right", PadRight},
};

}  // namespace

std::span<const FunctionImpl> StringFunctions() { return kFunctions; }

}  // namespace etl::runtime
