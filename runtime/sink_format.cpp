#include "runtime/sink_format.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iterator>

#include "compiler/ast/calendar.h"
#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

constexpr int64_t kMicrosPerDay = 86400000000LL;

void AppendDigits(std::string& out, uint64_t value, int width) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = n; i < width; ++i) out += '0';
  while (n > 0) out += digits[--n];
}

void AppendUint128(std::string& out, unsigned __int128 value, int min_digits) {
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  for (int i = n; i < min_digits; ++i) digits[n++] = '0';
  while (n > 0) out += digits[--n];
}

}  // namespace

void AppendInt64(std::string& out, int64_t value) {
  char text[24];
  auto result = std::to_chars(text, text + sizeof(text), value);
  out.append(text, result.ptr);
}

void AppendFloat(std::string& out, double value) {
  char text[40];
  // fmt's "{}" is shortest round-trip, the form ValueToJson and ToLiteral use.
  auto result = fmt::format_to_n(text, sizeof(text), "{}", value);
  out.append(text, result.out);
}

void AppendDecimal(std::string& out, __int128 scaled, int scale) {
  bool negative = scaled < 0;
  unsigned __int128 magnitude = negative ? static_cast<unsigned __int128>(-(scaled + 1)) + 1
                                         : static_cast<unsigned __int128>(scaled);
  if (negative) out += '-';
  if (scale <= 0) {
    AppendUint128(out, magnitude, 1);
    return;
  }
  unsigned __int128 divisor = 1;
  for (int i = 0; i < scale; ++i) divisor *= 10;
  AppendUint128(out, magnitude / divisor, 1);
  out += '.';
  AppendUint128(out, magnitude % divisor, scale);
}

void AppendDate(std::string& out, int64_t days) {
  int64_t year;
  unsigned month, day;
  ast::CivilFromDays(days, year, month, day);
  if (year >= 0 && year <= 9999) {
    AppendDigits(out, static_cast<uint64_t>(year), 4);
  } else {
    AppendInt64(out, year);
  }
  out += '-';
  AppendDigits(out, month, 2);
  out += '-';
  AppendDigits(out, day, 2);
}

void AppendTimestamp(std::string& out, int64_t micros) {
  int64_t days = micros >= 0 ? micros / kMicrosPerDay : -((-(micros + 1)) / kMicrosPerDay) - 1;
  int64_t rest = micros - days * kMicrosPerDay;  // 0 .. one day
  int64_t secs = rest / 1000000, fraction = rest % 1000000;
  AppendDate(out, days);
  out += 'T';
  AppendDigits(out, static_cast<uint64_t>(secs / 3600), 2);
  out += ':';
  AppendDigits(out, static_cast<uint64_t>(secs / 60 % 60), 2);
  out += ':';
  AppendDigits(out, static_cast<uint64_t>(secs % 60), 2);
  if (fraction != 0) {
    out += '.';
    AppendDigits(out, static_cast<uint64_t>(fraction), 6);
  }
  out += 'Z';
}

void AppendDuration(std::string& out, int64_t micros) {
  if (micros == 0) {
    out += "0s";
    return;
  }
  if (micros < 0) out += '-';
  uint64_t v = micros < 0 ? static_cast<uint64_t>(-(micros + 1)) + 1 : static_cast<uint64_t>(micros);
  struct Unit {
    uint64_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400000000ULL, "d"}, {3600000000ULL, "h"}, {60000000ULL, "m"},
                                    {1000000ULL, "s"},     {1000ULL, "ms"},      {1ULL, "us"}};
  for (const Unit& unit : kUnits) {
    if (v >= unit.size) {
      AppendDigits(out, v / unit.size, 1);
      out += unit.name;
      v %= unit.size;
    }
  }
}

namespace {

// Scalars shared by the text and JSON forms; false for the layouts that differ.
bool AppendNumber(std::string& out, const Column& column, size_t row) {
  const ast::Type& type = *column.type;
  switch (column.layout) {
    case Layout::Bool: out += column.bools[row] ? "true" : "false"; return true;
    case Layout::Int64:
      if (type.kind == ast::TypeKind::Decimal) {
        AppendDecimal(out, column.ints[row], type.scale);
        return true;
      }
      if (type.kind == ast::TypeKind::Int) {
        AppendInt64(out, column.ints[row]);
        return true;
      }
      return false;  // timestamp, duration
    case Layout::Int128: AppendDecimal(out, column.wide[row], type.scale); return true;
    default: return false;
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
  if (AppendNumber(out, column, row)) return;
  const ast::Type& type = *column.type;
  switch (column.layout) {
    case Layout::Int64:  // timestamp, duration (numbers were handled above)
      out += '"';
      if (type.kind == ast::TypeKind::Duration) {
        AppendDuration(out, column.ints[row]);
      } else {
        AppendTimestamp(out, column.ints[row]);
      }
      out += '"';
      return;
    case Layout::Int32:
      out += '"';
      AppendDate(out, column.days[row]);
      out += '"';
      return;
    case Layout::Float64:
      if (std::isfinite(column.floats[row])) {
        AppendFloat(out, column.floats[row]);
      } else {
        out += "null";
      }
      return;
    case Layout::String:
      if (type.kind == ast::TypeKind::Json) {
        std::string_view text = column.String(row);
        out += text.empty() ? std::string_view("null") : text;
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

}  // namespace

void AppendValueText(std::string& out, const Column& column, size_t row) {
  if (AppendNumber(out, column, row)) return;
  switch (column.layout) {
    case Layout::Int64:
      if (column.type->kind == ast::TypeKind::Duration) {
        AppendDuration(out, column.ints[row]);
      } else {
        AppendTimestamp(out, column.ints[row]);
      }
      return;
    case Layout::Int32: AppendDate(out, column.days[row]); return;
    case Layout::Float64:
      if (std::isfinite(column.floats[row])) AppendFloat(out, column.floats[row]);
      return;
    case Layout::String: out += column.String(row); return;
    default: AppendJsonNonNull(out, column, row); return;
  }
}

void AppendValueJson(std::string& out, const Column& column, size_t row) { AppendJsonChild(out, column, row); }

}  // namespace etl::runtime
