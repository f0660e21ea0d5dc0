#include "runtime/value_json.h"

#include <fmt/format.h>

#include <cmath>

namespace etl::runtime {

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

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    // Append the run of bytes that need no escape in one go (the sinks' hot path).
    size_t run = i;
    while (run < text.size()) {
      unsigned char b = static_cast<unsigned char>(text[run]);
      if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
      ++run;
    }
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == text.size()) break;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // JSON text must be UTF-8: a byte that is not part of a valid sequence (raw input
      // kept in an error record) becomes U+FFFD, as every lossy UTF-8 decoder does.
      size_t n = ValidUtf8Length(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

namespace {

void Append(std::string& out, const ast::Value& value) {
  using VK = ast::Value::Kind;
  switch (value.kind) {
    case VK::Null: out += "null"; break;
    case VK::Bool: out += value.bool_value ? "true" : "false"; break;
    case VK::Int: out += std::to_string(value.int_value); break;
    case VK::Float:
      if (!std::isfinite(value.float_value)) {
        out += "null";
      } else {
        out += fmt::format("{}", value.float_value);
      }
      break;
    case VK::String: AppendJsonString(out, value.string_value); break;
    case VK::Decimal: out += ast::DecimalText(value.decimal_value, value.scale); break;  // an exact number
    case VK::Date:
    case VK::Timestamp: {
      std::string literal = ast::ToLiteral(value);  // "@2024-01-31..." without quotes
      AppendJsonString(out, literal.substr(1));
      break;
    }
    case VK::Duration: AppendJsonString(out, ast::ToLiteral(value)); break;
    case VK::List:
      out += '[';
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i) out += ',';
        Append(out, value.items[i]);
      }
      out += ']';
      break;
    case VK::Record:
      out += '{';
      for (size_t i = 0; i < value.fields.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(out, value.fields[i].first);
        out += ':';
        Append(out, value.fields[i].second);
      }
      out += '}';
      break;
  }
}

}  // namespace

std::string ValueToJson(const ast::Value& value) {
  std::string out;
  Append(out, value);
  return out;
}

}  // namespace etl::runtime
