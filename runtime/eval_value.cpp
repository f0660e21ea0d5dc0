#include "runtime/eval_value.h"

#include <fmt/format.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "runtime/decimal_math.h"
#include "runtime/value_json.h"

namespace etl::runtime {

using VK = ast::Value::Kind;

namespace {

bool IsNumber(const ast::Value& v) { return v.kind == VK::Int || v.kind == VK::Float || v.kind == VK::Decimal; }
double AsDouble(const ast::Value& v) {
  if (v.kind == VK::Decimal) return decimal::ToDouble(v.decimal_value, v.scale);
  return v.kind == VK::Int ? static_cast<double>(v.int_value) : v.float_value;
}
// Exact comparison of an int or decimal with an int or decimal.
bool IsExact(const ast::Value& v) { return v.kind == VK::Int || v.kind == VK::Decimal; }
int CompareExact(const ast::Value& a, const ast::Value& b) {
  auto unscaled = [](const ast::Value& v) { return v.kind == VK::Int ? static_cast<__int128>(v.int_value) : v.decimal_value; };
  auto scale = [](const ast::Value& v) { return v.kind == VK::Int ? 0 : v.scale; };
  return decimal::Compare(unscaled(a), scale(a), unscaled(b), scale(b));
}

}  // namespace

bool ValuesEqual(const ast::Value& a, const ast::Value& b) {
  if (a.kind == VK::Null || b.kind == VK::Null) return a.kind == b.kind;
  if (a.kind == VK::Int && b.kind == VK::Int) return a.int_value == b.int_value;
  if (IsExact(a) && IsExact(b)) return CompareExact(a, b) == 0;
  if (IsNumber(a) && IsNumber(b)) return AsDouble(a) == AsDouble(b);
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case VK::Bool: return a.bool_value == b.bool_value;
    case VK::String: return a.string_value == b.string_value;
    case VK::Duration:
    case VK::Date:
    case VK::Timestamp: return a.int_value == b.int_value;
    case VK::List:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (!ValuesEqual(a.items[i], b.items[i])) return false;
      }
      return true;
    case VK::Record:
      if (a.fields.size() != b.fields.size()) return false;
      for (size_t i = 0; i < a.fields.size(); ++i) {
        if (a.fields[i].first != b.fields[i].first || !ValuesEqual(a.fields[i].second, b.fields[i].second)) return false;
      }
      return true;
    default: return false;
  }
}

int CompareValues(const ast::Value& a, const ast::Value& b) {
  if (a.kind == VK::Int && b.kind == VK::Int) return a.int_value < b.int_value ? -1 : a.int_value > b.int_value;
  if (IsExact(a) && IsExact(b)) return CompareExact(a, b);
  if (IsNumber(a) && IsNumber(b)) {
    double x = AsDouble(a), y = AsDouble(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  switch (a.kind) {
    case VK::String: {
      int c = a.string_value.compare(b.string_value);
      return c < 0 ? -1 : c > 0;
    }
    case VK::Bool: return static_cast<int>(a.bool_value) - static_cast<int>(b.bool_value);
    default: return a.int_value < b.int_value ? -1 : a.int_value > b.int_value;
  }
}

void AppendFloatText(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-inf" : "inf";
  } else {
    size_t start = out.size();
    fmt::format_to(std::back_inserter(out), "{}", value);
    if (out.find_first_of(".eE", start) == std::string::npos) out += ".0";
  }
}

std::string ValueText(const ast::Value& value) {
  switch (value.kind) {
    case VK::Null: return "null";
    case VK::String: return value.string_value;
    case VK::Int: return std::to_string(value.int_value);
    case VK::Decimal: return ast::DecimalText(value.decimal_value, value.scale);
    case VK::Bool: return value.bool_value ? "true" : "false";
    case VK::Float: {
      std::string out;
      AppendFloatText(out, value.float_value);
      return out;
    }
    case VK::Date:
    case VK::Timestamp: return ast::ToLiteral(value).substr(1);
    case VK::Duration: return ast::ToLiteral(value);
    case VK::List:
    case VK::Record: return ValueToJson(value);
  }
  return "null";
}

ast::Value JsonGet(std::string_view json_text, const ast::Value& key) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return ast::Value::Null();
  if (key.kind == VK::String && doc.is_object()) {
    auto it = doc.find(key.string_value);
    if (it != doc.end()) return ast::Value::String(it->dump());
  } else if (key.kind == VK::Int && doc.is_array() && key.int_value >= 0 &&
             static_cast<uint64_t>(key.int_value) < doc.size()) {
    return ast::Value::String(doc[static_cast<size_t>(key.int_value)].dump());
  }
  return ast::Value::Null();
}



}  // namespace etl::runtime
