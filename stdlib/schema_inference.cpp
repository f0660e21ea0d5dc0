#include "stdlib/schema_inference.h"

#include <glob.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace etl::stdlib {

using namespace ast;

namespace {

// What the sample says about one value position; merged over every record.
struct Guess {
  enum class Kind { None, Int, Float, Bool, Date, Timestamp, String, Json, List, Record };
  Kind kind = Kind::None;
  bool nullable = false;
  std::shared_ptr<Guess> element;                      // List
  std::vector<std::pair<std::string, Guess>> fields;   // Record
  std::vector<size_t> present;                         // Record: records holding each field
  size_t records = 0;                                  // Record: objects merged
};
using Kind = Guess::Kind;

bool IsText(Kind kind) { return kind == Kind::Date || kind == Kind::Timestamp || kind == Kind::String; }

// Merges `from` into `into`. CSV values are all text, so a mixed column is a string there;
// in JSON, values of different JSON kinds make the field `json`.
void Merge(Guess& into, const Guess& from, bool csv) {
  bool nullable = into.nullable || from.nullable;
  if (from.kind == Kind::None) {
    into.nullable = nullable;
    return;
  }
  if (into.kind == Kind::None) {
    into = from;
    into.nullable = nullable;
    return;
  }
  if (into.kind == from.kind) {
    if (into.kind == Kind::List) {
      Merge(*into.element, *from.element, csv);
    } else if (into.kind == Kind::Record) {
      into.records += from.records;
      for (size_t i = 0; i < from.fields.size(); ++i) {
        const auto& [name, guess] = from.fields[i];
        size_t j = 0;
        while (j < into.fields.size() && into.fields[j].first != name) ++j;
        if (j == into.fields.size()) {
          into.fields.push_back({name, guess});
          into.present.push_back(from.present[i]);
        } else {
          Merge(into.fields[j].second, guess, csv);
          into.present[j] += from.present[i];
        }
      }
    }
  } else if ((into.kind == Kind::Int && from.kind == Kind::Float) ||
             (into.kind == Kind::Float && from.kind == Kind::Int)) {
    into.kind = Kind::Float;
  } else if ((into.kind == Kind::Date && from.kind == Kind::Timestamp) ||
             (into.kind == Kind::Timestamp && from.kind == Kind::Date)) {
    into.kind = Kind::Timestamp;
  } else if (csv || (IsText(into.kind) && IsText(from.kind))) {
    into.kind = Kind::String;
  } else {
    into = Guess{};
    into.kind = Kind::Json;
  }
  into.nullable = nullable;
}

bool Digits(std::string_view text, size_t begin, size_t count) {
  if (begin + count > text.size()) return false;
  for (size_t i = begin; i < begin + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

int Number(std::string_view text, size_t begin, size_t count) {
  int value = 0;
  for (size_t i = begin; i < begin + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  if (!Digits(text, 0, 4) || !Digits(text, 5, 2) || !Digits(text, 8, 2)) return false;
  int year = Number(text, 0, 4), month = Number(text, 5, 2), day = Number(text, 8, 2);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

// ISO-8601: a date, `T` or a space, HH:MM[:SS[.fraction]], then optional `Z` or an offset.
bool IsTimestamp(std::string_view text) {
  if (text.size() < 16 || !IsDate(text.substr(0, 10)) || (text[10] != 'T' && text[10] != ' ')) return false;
  if (!Digits(text, 11, 2) || text[13] != ':' || !Digits(text, 14, 2)) return false;
  if (Number(text, 11, 2) > 23 || Number(text, 14, 2) > 59) return false;
  size_t i = 16;
  if (i < text.size() && text[i] == ':') {
    if (!Digits(text, i + 1, 2) || Number(text, i + 1, 2) > 60) return false;
    i += 3;
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      size_t start = ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      if (i == start) return false;
    }
  }
  if (i == text.size()) return true;
  if (text[i] == 'Z' || text[i] == 'z') return i + 1 == text.size();
  if (text[i] != '+' && text[i] != '-') return false;
  std::string_view offset = text.substr(i + 1);
  if (offset.size() == 5) return Digits(offset, 0, 2) && offset[2] == ':' && Digits(offset, 3, 2);
  return (offset.size() == 4 && Digits(offset, 0, 4)) || (offset.size() == 2 && Digits(offset, 0, 2));
}

bool IsInt(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool IsFloat(std::string_view text) {
  if (text.empty()) return false;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return false;  // rejects "nan", "inf", hex and thousands separators
    }
  }
  if (!digit) return false;
  std::string copy(text);
  char* end = nullptr;
  std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

bool IsBool(std::string_view text) {
  auto lower = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
    }
    return true;
  };
  return lower("true") || lower("false");
}

Guess GuessText(std::string_view text, bool csv) {
  Guess guess;
  if (csv && IsInt(text)) {
    guess.kind = Kind::Int;
  } else if (csv && IsFloat(text)) {
    guess.kind = Kind::Float;
  } else if (csv && IsBool(text)) {
    guess.kind = Kind::Bool;
  } else if (IsDate(text)) {
    guess.kind = Kind::Date;
  } else if (IsTimestamp(text)) {
    guess.kind = Kind::Timestamp;
  } else {
    guess.kind = Kind::String;
  }
  return guess;
}

Guess GuessJson(const nlohmann::ordered_json& value) {
  Guess guess;
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::null:
      guess.nullable = true;
      break;
    case nlohmann::ordered_json::value_t::boolean:
      guess.kind = Kind::Bool;
      break;
    case nlohmann::ordered_json::value_t::number_integer:
      guess.kind = Kind::Int;
      break;
    case nlohmann::ordered_json::value_t::number_unsigned:
      guess.kind = value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? Kind::Float : Kind::Int;
      break;
    case nlohmann::ordered_json::value_t::number_float:
      guess.kind = Kind::Float;
      break;
    case nlohmann::ordered_json::value_t::string:
      guess = GuessText(value.get_ref<const std::string&>(), false);
      break;
    case nlohmann::ordered_json::value_t::array:
      guess.kind = Kind::List;
      guess.element = std::make_shared<Guess>();
      for (const auto& item : value) Merge(*guess.element, GuessJson(item), false);
      break;
    case nlohmann::ordered_json::value_t::object:
      guess.kind = Kind::Record;
      guess.records = 1;
      for (const auto& [key, item] : value.items()) {
        guess.fields.push_back({key, GuessJson(item)});
        guess.present.push_back(1);
      }
      break;
    default:  // binary, discarded
      guess.kind = Kind::Json;
      break;
  }
  return guess;
}

TypeRef ToType(const Guess& guess, bool csv) {
  TypeRef type;
  switch (guess.kind) {
    case Kind::None:
      return WithNullable(csv ? StringType() : JsonType(), true);
    case Kind::Int: type = IntType(); break;
    case Kind::Float: type = FloatType(); break;
    case Kind::Bool: type = BoolType(); break;
    case Kind::Date: type = DateType(); break;
    case Kind::Timestamp: type = TimestampType(); break;
    case Kind::String: type = StringType(); break;
    case Kind::Json: type = JsonType(); break;
    case Kind::List:
      // An array that was always empty says nothing about its elements.
      type = ListType(guess.element->kind == Kind::None && !guess.element->nullable ? JsonType()
                                                                                     : ToType(*guess.element, csv));
      break;
    case Kind::Record: {
      std::vector<Field> fields;
      for (size_t i = 0; i < guess.fields.size(); ++i) {
        TypeRef field = ToType(guess.fields[i].second, csv);
        if (guess.present[i] < guess.records) field = WithNullable(field, true);
        fields.push_back({guess.fields[i].first, field, false});
      }
      type = RecordType(std::move(fields));
      break;
    }
  }
  return WithNullable(type, guess.nullable);
}

// One CSV field as read: its text and whether it was quoted ("" is the empty string, an
// empty unquoted field is null).
struct CsvField {
  std::string text;
  bool quoted = false;
};

// Reads one RFC 4180 record; false at end of input.
bool ReadCsvRecord(std::istream& in, const InferOptions& options, std::vector<CsvField>& record) {
  record.clear();
  int c = in.get();
  if (c == EOF) return false;
  CsvField field;
  bool in_quotes = false;
  while (true) {
    if (c == EOF) break;
    char ch = static_cast<char>(c);
    if (in_quotes) {
      if (ch == options.quote) {
        if (in.peek() == options.quote) {
          field.text += ch;
          in.get();
        } else {
          in_quotes = false;
        }
      } else {
        field.text += ch;
      }
    } else if (ch == options.quote && field.text.empty() && !field.quoted) {
      in_quotes = true;
      field.quoted = true;
    } else if (ch == options.delimiter) {
      record.push_back(std::move(field));
      field = CsvField{};
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && in.peek() == '\n') in.get();
      break;
    } else {
      field.text += ch;
    }
    c = in.get();
  }
  record.push_back(std::move(field));
  return true;
}

std::optional<TypeRef> InferCsv(std::istream& in, const InferOptions& options, std::string* error,
                                const std::string& shown) {
  std::vector<std::string> names;
  std::vector<Guess> columns;
  std::vector<CsvField> record;
  auto column_name = [&](size_t i) { return "column" + std::to_string(i + 1); };
  if (options.header) {
    if (!ReadCsvRecord(in, options, record)) {
      *error = "cannot infer the schema of `" + shown + "`: the file is empty";
      return std::nullopt;
    }
    for (size_t i = 0; i < record.size(); ++i) {
      std::string name = record[i].text;
      if (i == 0 && name.rfind("\xEF\xBB\xBF", 0) == 0) name.erase(0, 3);  // UTF-8 byte order mark
      if (name.empty()) name = column_name(i);
      std::string unique = name;
      for (int n = 2; std::find(names.begin(), names.end(), unique) != names.end(); ++n) {
        unique = name + "_" + std::to_string(n);
      }
      names.push_back(unique);
    }
    columns.resize(names.size());
  }
  size_t records = 0;
  while (records < options.max_records && ReadCsvRecord(in, options, record)) {
    if (record.size() == 1 && record[0].text.empty() && !record[0].quoted) continue;  // blank line
    ++records;
    while (names.size() < record.size()) {
      names.push_back(column_name(names.size()));
      columns.emplace_back();
      if (records > 1) columns.back().nullable = true;  // absent from earlier records
    }
    for (size_t i = 0; i < names.size(); ++i) {
      Guess guess;
      if (i >= record.size()) {
        guess.nullable = true;
      } else if (!record[i].quoted && (record[i].text.empty() || (!options.null_marker.empty() &&
                                                                   record[i].text == options.null_marker))) {
        guess.nullable = true;
      } else {
        guess = GuessText(record[i].text, true);
      }
      Merge(columns[i], guess, true);
    }
  }
  if (names.empty()) {
    *error = "cannot infer the schema of `" + shown + "`: the file has no records";
    return std::nullopt;
  }
  std::vector<Field> fields;
  for (size_t i = 0; i < names.size(); ++i) fields.push_back({names[i], ToType(columns[i], true), false});
  return RecordType(std::move(fields));
}

std::optional<TypeRef> InferJsonl(std::istream& in, const InferOptions& options, std::string* error,
                                  const std::string& shown) {
  Guess row;
  std::string line;
  size_t line_number = 0, records = 0;
  while (records < options.max_records && std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto value = nlohmann::ordered_json::parse(line, nullptr, false);
    if (value.is_discarded()) {
      *error = "cannot infer the schema of `" + shown + "`: line " + std::to_string(line_number) +
               " is not valid JSON";
      return std::nullopt;
    }
    if (!value.is_object()) {
      *error = "cannot infer the schema of `" + shown + "`: line " + std::to_string(line_number) +
               " is not a JSON object";
      return std::nullopt;
    }
    ++records;
    Merge(row, GuessJson(value), false);
  }
  if (records == 0) {
    *error = "cannot infer the schema of `" + shown + "`: the file has no records";
    return std::nullopt;
  }
  return ToType(row, false);
}

// The file a path or glob names: the path itself, or the first match in sorted order.
std::optional<std::string> ResolvePath(const std::string& path) {
  if (path.find_first_of("*?[") == std::string::npos) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return path;
    return std::nullopt;
  }
  glob_t matches{};
  std::optional<std::string> first;
  if (glob(path.c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(matches.gl_pathv[i], ec)) {
        first = matches.gl_pathv[i];
        break;
      }
    }
  }
  globfree(&matches);
  return first;
}

}  // namespace

std::optional<TypeRef> InferSchema(std::string_view path, std::string_view format, const InferOptions& options,
                                   std::string* error) {
  std::string scratch;
  if (!error) error = &scratch;
  std::string shown(path);
  if (format != "csv" && format != "jsonl") {
    *error = "cannot infer the schema of `" + shown + "`: unsupported format `" + std::string(format) + "`";
    return std::nullopt;
  }
  auto file = ResolvePath(shown);
  if (!file) {
    bool is_glob = shown.find_first_of("*?[") != std::string::npos;
    *error = "cannot infer the schema of `" + shown + "`: " + (is_glob ? "no file matches" : "file not found");
    return std::nullopt;
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    *error = "cannot infer the schema of `" + shown + "`: cannot read the file";
    return std::nullopt;
  }
  return format == "csv" ? InferCsv(in, options, error, shown) : InferJsonl(in, options, error, shown);
}

}  // namespace etl::stdlib
