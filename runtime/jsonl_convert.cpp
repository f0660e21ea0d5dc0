#include "runtime/jsonl_convert.h"

#include <charconv>
#include <cstdio>

#include "runtime/jsonl_scalars.h"

namespace etl::runtime {

namespace dom = simdjson::dom;
using ast::TypeKind;
using ast::Value;

namespace {

// Where a value sits, rendered only when an error is reported ("items[2].sku").
struct Path {
  const Path* parent = nullptr;
  std::string_view name;  // field or map key
  int64_t index = -1;     // list element when >= 0
};

std::string Render(const Path& path) {
  std::string parent = path.parent ? Render(*path.parent) : "";
  if (path.index >= 0) return parent + "[" + std::to_string(path.index) + "]";
  return parent.empty() ? std::string(path.name) : parent + "." + std::string(path.name);
}

bool Fail(const Path& path, std::string what, std::string& error) {
  error = "field `" + Render(path) + "`: " + what;
  return false;
}

bool Mismatch(const Path& path, const ast::TypeRef& type, dom::element json, std::string& error) {
  return Fail(path, "expected " + ast::ToString(ast::WithNullable(type, false)) + ", found " + DescribeJsonValue(json),
              error);
}

std::string_view StringOf(dom::element json) {
  std::string_view text;
  if (json.get_string().get(text) != simdjson::SUCCESS) return {};
  return text;
}

bool Convert(dom::element json, const ast::TypeRef& type, const Path& path, Value& out, std::string& error,
             const JsonFieldDefault& defaults);

bool ConvertRecord(dom::object json, const ast::Type& record, const Path* parent, Value& out, std::string& error,
                   const JsonFieldDefault& defaults) {
  out = Value();
  out.kind = Value::Kind::Record;
  out.fields.resize(record.fields.size());
  std::vector<bool> seen(record.fields.size(), false);
  JsonFieldMatcher matcher(record);
  for (auto [key, value] : json) {
    int index = matcher.Match(key);
    if (index < 0) continue;
    const ast::Field& field = record.fields[static_cast<size_t>(index)];
    Path path{parent, field.name, -1};
    if (!Convert(value, field.type, path, out.fields[static_cast<size_t>(index)].second, error, defaults)) return false;
    seen[static_cast<size_t>(index)] = true;
  }
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const ast::Field& field = record.fields[i];
    out.fields[i].first = field.name;
    if (seen[i] || field.type->nullable) continue;
    const Value* fallback = field.has_default && defaults ? defaults(record, static_cast<int>(i)) : nullptr;
    if (fallback) {
      out.fields[i].second = *fallback;
      continue;
    }
    Path path{parent, field.name, -1};
    return Fail(path, "missing, and " + ast::ToString(field.type) + " is not nullable", error);
  }
  return true;
}

bool Convert(dom::element json, const ast::TypeRef& type, const Path& path, Value& out, std::string& error,
             const JsonFieldDefault& defaults) {
  dom::element_type json_type = json.type();
  if (json_type == dom::element_type::NULL_VALUE) {
    out = Value::Null();
    if (type->nullable) return true;
    if (type->kind == TypeKind::Json) {  // a non-nullable json field holds the JSON null itself
      out = Value::String("null");
      return true;
    }
    return Fail(path, "null for non-nullable " + ast::ToString(type), error);
  }
  switch (type->kind) {
    case TypeKind::Int: {
      if (json_type == dom::element_type::INT64) {
        out = Value::Int(json.get_int64().value_unsafe());
        return true;
      }
      if (json_type == dom::element_type::UINT64) {
        return Fail(path, "integer " + std::to_string(json.get_uint64().value_unsafe()) + " overflows int", error);
      }
      return Mismatch(path, type, json, error);
    }
    case TypeKind::Float: {
      double value;
      if (json_type == dom::element_type::STRING || json.get_double().get(value) != simdjson::SUCCESS) {
        return Mismatch(path, type, json, error);
      }
      out = Value::Float(value);
      return true;
    }
    case TypeKind::Decimal: {
      // A number, or a string holding one ("12.30") so no digit is lost to a double.
      char buffer[64];
      std::string_view text;
      if (json_type == dom::element_type::STRING) {
        text = StringOf(json);
      } else if (json_type == dom::element_type::INT64) {
        auto end = std::to_chars(buffer, buffer + sizeof buffer, json.get_int64().value_unsafe()).ptr;
        text = std::string_view(buffer, static_cast<size_t>(end - buffer));
      } else if (json_type == dom::element_type::UINT64) {
        auto end = std::to_chars(buffer, buffer + sizeof buffer, json.get_uint64().value_unsafe()).ptr;
        text = std::string_view(buffer, static_cast<size_t>(end - buffer));
      } else if (json_type == dom::element_type::DOUBLE) {
        // The shortest text that reads back as the same double: "0.1", not 0.1000000000000000055.
        auto end = std::to_chars(buffer, buffer + sizeof buffer, json.get_double().value_unsafe()).ptr;
        text = std::string_view(buffer, static_cast<size_t>(end - buffer));
      } else {
        return Mismatch(path, type, json, error);
      }
      __int128 unscaled;
      std::string why;
      if (!ParseDecimalText(text, type->precision, type->scale, unscaled, why)) {
        return Fail(path, "expected " + ast::ToString(ast::WithNullable(type, false)) + ", found " +
                              DescribeJsonValue(json) + " (" + why + ")",
                    error);
      }
      out = Value::String(DecimalToText(unscaled, type->scale));
      return true;
    }
    case TypeKind::Bool:
      if (json_type != dom::element_type::BOOL) return Mismatch(path, type, json, error);
      out = Value::Bool(json.get_bool().value_unsafe());
      return true;
    case TypeKind::String:
      if (json_type != dom::element_type::STRING) return Mismatch(path, type, json, error);
      out = Value::String(std::string(StringOf(json)));
      return true;
    case TypeKind::Bytes: {
      if (json_type != dom::element_type::STRING) return Mismatch(path, type, json, error);
      std::string bytes;
      if (!DecodeBase64(StringOf(json), bytes)) {
        return Fail(path, "expected base64 bytes, found " + DescribeJsonValue(json), error);
      }
      out = Value::String(std::move(bytes));
      return true;
    }
    case TypeKind::Date: {
      auto days = json_type == dom::element_type::STRING ? ParseIsoDate(StringOf(json)) : std::nullopt;
      if (!days) return Fail(path, "expected date \"YYYY-MM-DD\", found " + DescribeJsonValue(json), error);
      out = Value::Int(*days);
      out.kind = Value::Kind::Date;
      return true;
    }
    case TypeKind::Timestamp: {
      auto micros = json_type == dom::element_type::STRING ? ParseIsoTimestamp(StringOf(json)) : std::nullopt;
      if (!micros) return Fail(path, "expected ISO-8601 timestamp with zone, found " + DescribeJsonValue(json), error);
      out = Value::Int(*micros);
      out.kind = Value::Kind::Timestamp;
      return true;
    }
    case TypeKind::Duration: {
      auto micros = json_type == dom::element_type::STRING ? ParseDurationText(StringOf(json)) : std::nullopt;
      if (!micros) return Fail(path, "expected duration like \"30s\", found " + DescribeJsonValue(json), error);
      out = Value::Int(*micros);
      out.kind = Value::Kind::Duration;
      return true;
    }
    case TypeKind::Json:
      out = Value::String(simdjson::minify(json));
      return true;
    case TypeKind::List: {
      dom::array array;
      if (json.get_array().get(array) != simdjson::SUCCESS) return Mismatch(path, type, json, error);
      out = Value();
      out.kind = Value::Kind::List;
      out.items.resize(array.size());
      int64_t i = 0;
      for (dom::element item : array) {
        Path child{&path, {}, i};
        if (!Convert(item, type->element, child, out.items[static_cast<size_t>(i)], error, defaults)) return false;
        ++i;
      }
      return true;
    }
    case TypeKind::Map: {
      dom::object object;
      if (json.get_object().get(object) != simdjson::SUCCESS) return Mismatch(path, type, json, error);
      out = Value();
      out.kind = Value::Kind::Record;  // ast::Value has no map kind: keys in input order
      out.fields.reserve(object.size());
      for (auto [key, value] : object) {
        Path child{&path, key, -1};
        Value item;
        if (!Convert(value, type->element, child, item, error, defaults)) return false;
        out.fields.emplace_back(std::string(key), std::move(item));
      }
      return true;
    }
    case TypeKind::Record: {
      dom::object object;
      if (json.get_object().get(object) != simdjson::SUCCESS) return Mismatch(path, type, json, error);
      return ConvertRecord(object, *type, &path, out, error, defaults);
    }
    case TypeKind::Null:
    case TypeKind::Error:
    case TypeKind::Secret:
      return Fail(path, "a jsonl field cannot have type " + ast::ToString(type), error);
  }
  return Mismatch(path, type, json, error);
}

}  // namespace

JsonFieldMatcher::JsonFieldMatcher(const ast::Type& record) {
  names_.reserve(record.fields.size());
  for (const auto& field : record.fields) names_.push_back(field.name);
}

int JsonFieldMatcher::MatchOthers(std::string_view key) {
  size_t n = names_.size();
  for (size_t k = 1; k < n; ++k) {  // k = 0, the expected field, was tried by Match
    size_t i = next_ + k < n ? next_ + k : next_ + k - n;
    if (SameText(names_[i], key)) {
      next_ = i + 1 < n ? i + 1 : 0;
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool JsonToValue(dom::element json, const ast::TypeRef& type, std::string_view field, Value& out, std::string& error) {
  Path path{nullptr, field, -1};
  return Convert(json, type, path, out, error, {});
}

bool JsonRecordToValue(dom::object json, const ast::Type& record, Value& out, std::string& error,
                       const JsonFieldDefault& defaults) {
  return ConvertRecord(json, record, nullptr, out, error, defaults);
}

std::string DescribeJsonValue(dom::element json) {
  switch (json.type()) {
    case dom::element_type::ARRAY: return "array";
    case dom::element_type::OBJECT: return "object";
    case dom::element_type::NULL_VALUE: return "null";
    case dom::element_type::BOOL: return json.get_bool().value_unsafe() ? "bool true" : "bool false";
    case dom::element_type::INT64: return "int " + std::to_string(json.get_int64().value_unsafe());
    case dom::element_type::UINT64: return "int " + std::to_string(json.get_uint64().value_unsafe());
    case dom::element_type::DOUBLE: {
      char buffer[64];
      auto end = std::to_chars(buffer, buffer + sizeof buffer, json.get_double().value_unsafe()).ptr;
      return "float " + std::string(buffer, static_cast<size_t>(end - buffer));
    }
    case dom::element_type::STRING: {
      std::string quoted = simdjson::minify(json);
      if (quoted.size() <= 42) return "string " + quoted;
      size_t cut = 41;  // keep whole UTF-8 sequences
      while (cut > 1 && (static_cast<unsigned char>(quoted[cut]) & 0xC0) == 0x80) --cut;
      return "string " + quoted.substr(0, cut) + "…\"";
    }
  }
  return "value";
}

}  // namespace etl::runtime
