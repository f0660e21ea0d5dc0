#include "compiler/ast/value.h"

#include "compiler/ast/calendar.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

namespace etl::ast {

namespace {

std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '$': out += "\\$"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{{{:x}}}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string DurationLiteral(int64_t us) {
  if (us == 0) return "0s";
  std::string sign = us < 0 ? "-" : "";
  uint64_t v = us < 0 ? static_cast<uint64_t>(-(us + 1)) + 1 : static_cast<uint64_t>(us);
  struct Unit { uint64_t size; const char* name; };
  static const Unit units[] = {{86400000000ULL, "d"}, {3600000000ULL, "h"}, {60000000ULL, "m"},
                               {1000000ULL, "s"}, {1000ULL, "ms"}, {1ULL, "us"}};
  std::string out;
  for (const auto& unit : units) {
    if (v >= unit.size) {
      out += std::to_string(v / unit.size) + unit.name;
      v %= unit.size;
    }
  }
  return sign + out;
}


std::string DateText(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

}  // namespace

std::string DecimalText(__int128 unscaled, int scale) {
  unsigned __int128 v = unscaled < 0 ? -static_cast<unsigned __int128>(unscaled) : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale)) digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return unscaled < 0 ? "-" + digits : digits;
}

std::string ToLiteral(const Value& value) {
  switch (value.kind) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Int: return std::to_string(value.int_value);
    case Value::Kind::Float: {
      if (std::isnan(value.float_value) || std::isinf(value.float_value)) return "null";
      std::string text = fmt::format("{}", value.float_value);
      if (text.find_first_of(".eE") == std::string::npos) text += ".0";
      return text;
    }
    case Value::Kind::Bool: return value.bool_value ? "true" : "false";
    case Value::Kind::Decimal: return DecimalText(value.decimal_value, value.scale);
    case Value::Kind::String: return Quote(value.string_value);
    case Value::Kind::Duration: return DurationLiteral(value.int_value);
    case Value::Kind::Date: return "@" + DateText(value.int_value);
    case Value::Kind::Timestamp: {
      int64_t us = value.int_value;
      int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86399999999LL) / 86400000000LL);
      int64_t rest = us - days * 86400000000LL;
      int64_t secs = rest / 1000000, micros = rest % 1000000;
      std::string text = fmt::format("@{}T{:02}:{:02}:{:02}", DateText(days), secs / 3600, secs / 60 % 60, secs % 60);
      if (micros) text += fmt::format(".{:06}", micros);
      return text + "Z";
    }
    case Value::Kind::List: {
      std::string out = "[";
      for (size_t i = 0; i < value.items.size(); ++i) out += (i ? ", " : "") + ToLiteral(value.items[i]);
      return out + "]";
    }
    case Value::Kind::Record: {
      std::string out = "{";
      for (size_t i = 0; i < value.fields.size(); ++i) {
        out += (i ? ", " : "") + value.fields[i].first + ": " + ToLiteral(value.fields[i].second);
      }
      return out + "}";
    }
  }
  return "null";
}

}  // namespace etl::ast
