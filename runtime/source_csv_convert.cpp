#include "runtime/source_csv_convert.h"

#include <charconv>
#include <cstring>

#include "runtime/jsonl_reader.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/source_common.h"

namespace etl::runtime {

using ast::TypeKind;

bool CsvCanHold(const ast::TypeRef& type) {
  switch (type->kind) {
    case TypeKind::List:
    case TypeKind::Map:
    case TypeKind::Record:
    case TypeKind::Null:
    case TypeKind::Error:
    case TypeKind::Secret: return false;
    default: return true;
  }
}

namespace {

// A number's text after its leading '+' (which from_chars does not take), or nullopt when
// nothing or another sign follows: one sign only, "+-5" is not a number.
std::optional<std::string_view> AfterPlus(std::string_view text) {
  text.remove_prefix(1);
  if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  return text;
}

}  // namespace

std::optional<int64_t> ParseIntText(std::string_view text) {
  int64_t value = 0;
  if (ParseShortInt(text, value)) return value;
  if (!text.empty() && text[0] == '+') {
    std::optional<std::string_view> unsigned_text = AfterPlus(text);
    if (!unsigned_text) return std::nullopt;
    text = *unsigned_text;
    if (ParseShortInt(text, value)) return value;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseFloatText(std::string_view text) {
  double value = 0;
  if (ParseShortFloat(text, value)) return value;
  if (!text.empty() && text[0] == '+') {
    std::optional<std::string_view> unsigned_text = AfterPlus(text);
    if (!unsigned_text) return std::nullopt;
    text = *unsigned_text;
    if (ParseShortFloat(text, value)) return value;
  }
  if (text.empty()) return std::nullopt;
  // from_chars also reads "nan", "inf" and "infinity": a CSV float is a number.
  char first = text[0] == '-' && text.size() > 1 ? text[1] : text[0];
  if (!((first >= '0' && first <= '9') || first == '.')) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> ParseBoolText(std::string_view text) {
  auto is = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if ((text[i] | 0x20) != word[i]) return false;
    }
    return true;
  };
  if (is("true")) return true;
  if (is("false")) return false;
  return std::nullopt;
}

std::optional<int64_t> ParseTimestampText(std::string_view text) {
  if (auto micros = ParseIsoTimestamp(text)) return micros;
  // `etlc infer` types zone-less "YYYY-MM-DD HH:MM[:SS[.f]]" as timestamps: read them as UTC.
  char buffer[48];
  if (text.size() < 16 || text.size() > 40) return std::nullopt;
  char last = text.back();
  if (last == 'Z' || last == 'z' || text.find_first_of("+", 10) != std::string_view::npos ||
      text.find('-', 11) != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buffer, text.data(), text.size());
  size_t size = text.size();
  if (size == 16) {
    std::memcpy(buffer + size, ":00", 3);
    size += 3;
  }
  buffer[size++] = 'Z';
  return ParseIsoTimestamp(std::string_view(buffer, size));
}

void CsvFieldPosition(std::string_view raw, size_t index, char delimiter, char quote, uint64_t record_line,
                      uint64_t* line, uint64_t* column) {
  size_t field = 0, line_start = 0, pos = 0;
  bool quoted = false;
  *line = record_line;
  for (; pos < raw.size() && field < index; ++pos) {
    char c = raw[pos];
    if (c == quote) {
      quoted = !quoted;  // a doubled quote toggles twice
    } else if (c == '\n' || (c == '\r' && (pos + 1 >= raw.size() || raw[pos + 1] != '\n'))) {
      ++*line;
      line_start = pos + 1;
    } else if (c == delimiter && !quoted) {
      ++field;
    }
  }
  *column = pos - line_start + 1;
}

namespace {

// What one column conversion works on.
struct Job {
  const CsvBlock& block;
  const ast::Field& field;
  size_t column;
  std::string_view marker;
  std::vector<uint8_t>& bad;
  std::vector<CsvFieldError>& errors;
  Column& out;
  size_t rows;
};

inline bool IsMarker(const CsvBlock& block, const CsvField& f, std::string_view marker) {
  return (f.flags & kCsvQuoted) == 0 && f.size == marker.size() &&
         (marker.empty() || block.Text(f) == marker);
}

void Fail(Job& job, size_t row, std::string what) {
  job.bad[row] = 1;
  job.errors.push_back({static_cast<uint32_t>(row), static_cast<uint32_t>(job.column),
                        "field `" + job.field.name + "`: " + what});
}

std::string TypeName(const ast::TypeRef& type) { return ast::ToString(ast::WithNullable(type, false)); }

// The null marker in a field: null when the field is nullable, else a record error.
void NullField(Job& job, size_t row) {
  if (job.field.type->nullable) {
    job.out.validity.SetNull(row, job.rows);
    return;
  }
  Fail(job, row,
       job.marker.empty() ? "empty value for non-nullable " + TypeName(job.field.type)
                          : "null (" + QuoteForMessage(job.marker) + ") for non-nullable " + TypeName(job.field.type));
}

// Fixed-width columns: `parse(text, slot)` returns false when the text does not convert.
template <typename T, typename Parse>
void Fixed(Job& job, std::vector<T>& values, std::string_view expected, Parse parse) {
  values.resize(job.rows);
  const CsvBlock& block = job.block;
  for (size_t r = 0; r < job.rows; ++r) {
    if (job.bad[r]) continue;
    const CsvField& f = block.field(r, job.column);
    if (IsMarker(block, f, job.marker)) {
      NullField(job, r);
      continue;
    }
    std::string_view text = block.Text(f);
    if (!parse(text, values[r])) Fail(job, r, "expected " + std::string(expected) + ", found " + QuoteForMessage(text));
  }
}

void Strings(Job& job, CsvBatchBytes& bytes) {
  job.out.strings.resize(job.rows);
  const CsvBlock& block = job.block;
  const TypeKind kind = job.field.type->kind;
  const bool nullable = job.field.type->nullable;
  std::string scratch;
  for (size_t r = 0; r < job.rows; ++r) {
    if (job.bad[r]) continue;
    const CsvField& f = block.field(r, job.column);
    // A non-nullable string keeps the marker's text: "" for the default marker (language.md §6).
    if (IsMarker(block, f, job.marker) && (nullable || kind != TypeKind::String)) {
      if (nullable) {
        job.out.validity.SetNull(r, job.rows);
      } else {
        NullField(job, r);
      }
      continue;
    }
    StringView& view = job.out.strings[r];
    if (kind == TypeKind::Bytes) {
      scratch.clear();
      if (!DecodeBase64(block.Text(f), scratch)) {
        Fail(job, r, "expected base64 bytes, found " + QuoteForMessage(block.Text(f)));
        continue;
      }
      view = {static_cast<uint32_t>(bytes.text.size()), static_cast<uint32_t>(scratch.size())};
      bytes.text += scratch;
      continue;
    }
    if (kind == TypeKind::Json) {
      std::string reason = ValidateJsonDocument(block.Text(f));
      if (!reason.empty()) {
        Fail(job, r, "expected json, found " + QuoteForMessage(block.Text(f)) + " (" + reason + ")");
        continue;
      }
    }
    if ((f.flags & kCsvEscaped) || bytes.dense) {
      view = {static_cast<uint32_t>(bytes.text.size()), f.size};
      bytes.text.append(block.Text(f));
    } else {
      view = {static_cast<uint32_t>(f.offset - bytes.base), f.size};
    }
  }
}

}  // namespace

std::shared_ptr<Column> ConvertCsvColumn(const CsvBlock& block, const ast::Field& field, size_t column,
                                         std::string_view null_marker, CsvBatchBytes& bytes,
                                         std::vector<uint8_t>& bad, std::vector<CsvFieldError>& errors) {
  auto out = std::make_shared<Column>();
  out->type = field.type;
  out->layout = LayoutOf(field.type);
  out->rows = block.size();
  Job job{block, field, column, null_marker, bad, errors, *out, block.size()};
  const ast::Type& type = *field.type;
  switch (type.kind) {
    case TypeKind::Int:
      Fixed(job, out->ints, "int", [](std::string_view text, int64_t& slot) {
        if (ParseShortInt(text, slot)) return true;
        auto v = ParseIntText(text);
        slot = v.value_or(0);
        return v.has_value();
      });
      break;
    case TypeKind::Float:
      Fixed(job, out->floats, "float", [](std::string_view text, double& slot) {
        if (ParseShortFloat(text, slot)) return true;
        auto v = ParseFloatText(text);
        slot = v.value_or(0);
        return v.has_value();
      });
      break;
    case TypeKind::Bool:
      Fixed(job, out->bools, "bool (true or false)", [](std::string_view text, uint8_t& slot) {
        auto v = ParseBoolText(text);
        slot = v.value_or(false) ? 1 : 0;
        return v.has_value();
      });
      break;
    case TypeKind::Date:
      Fixed(job, out->days, "date (YYYY-MM-DD)", [](std::string_view text, int32_t& slot) {
        auto v = ParseIsoDate(text);
        slot = v.value_or(0);
        return v.has_value();
      });
      break;
    case TypeKind::Timestamp:
      Fixed(job, out->ints, "timestamp (ISO-8601)", [](std::string_view text, int64_t& slot) {
        auto v = ParseTimestampText(text);
        slot = v.value_or(0);
        return v.has_value();
      });
      break;
    case TypeKind::Duration:
      Fixed(job, out->ints, "duration (like 1h30m)", [](std::string_view text, int64_t& slot) {
        auto v = ParseDurationText(text);
        slot = v.value_or(0);
        return v.has_value();
      });
      break;
    case TypeKind::Decimal: {
      std::string expected = TypeName(field.type);
      int precision = type.precision, scale = type.scale;
      std::string why;
      if (out->layout == Layout::Int64) {
        Fixed(job, out->ints, expected, [&](std::string_view text, int64_t& slot) {
          __int128 unscaled = 0;
          bool ok = ParseDecimalText(text, precision, scale, unscaled, why);
          slot = static_cast<int64_t>(unscaled);
          return ok;
        });
      } else {
        Fixed(job, out->wide, expected, [&](std::string_view text, __int128& slot) {
          return ParseDecimalText(text, precision, scale, slot, why);
        });
      }
      break;
    }
    default:
      Strings(job, bytes);
      break;
  }
  return out;
}

}  // namespace etl::runtime
