// Casts (language.md §11, stdlib/functions_cast.cpp): a value that does not convert is a
// record error with code "cast". A null converts to null.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "runtime/decimal_math.h"
#include "runtime/fn_registry.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using VK = Value::Kind;
using Args = std::span<const Value>;

bool CastError(ValueError& err, const Value& v, const char* to) {
  err = {"cast", "cannot convert " + ast::ToLiteral(v) + " to " + to};
  return false;
}

std::string_view Stripped(const std::string& s) {
  std::string_view v(s);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool Int(Args a, const FnCall& call, Value& out, ValueError& err) {
  const Value& v = a[0];
  switch (v.kind) {
    case VK::Int: out = v; return true;
    case VK::Bool: out = Value::Int(v.bool_value ? 1 : 0); return true;
    case VK::Decimal: {  // truncated toward zero, as floats are
      int64_t x = 0;
      if (!decimal::ToInt(v.decimal_value, v.scale, x)) return CastError(err, v, "int");
      out = Value::Int(x);
      return true;
    }
    case VK::Float: {
      double t = std::trunc(v.float_value);
      if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return CastError(err, v, "int");
      out = Value::Int(static_cast<int64_t>(t));
      return true;
    }
    case VK::String: {
      std::string_view s = Stripped(v.string_value);
      if (call.arg_types[0]->kind == ast::TypeKind::Json && s.size() >= 2 && s.front() == '"') s = s.substr(1, s.size() - 2);
      int64_t x = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
      if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return CastError(err, v, "int");
      out = Value::Int(x);
      return true;
    }
    default: return CastError(err, v, "int");
  }
}

bool Float(Args a, const FnCall& call, Value& out, ValueError& err) {
  const Value& v = a[0];
  switch (v.kind) {
    case VK::Float: out = v; return true;
    case VK::Int: out = Value::Float(static_cast<double>(v.int_value)); return true;
    case VK::Decimal: out = Value::Float(decimal::ToDouble(v.decimal_value, v.scale)); return true;  // the nearest double
    case VK::Bool: out = Value::Float(v.bool_value ? 1 : 0); return true;
    case VK::String: {
      std::string s(Stripped(v.string_value));
      if (call.arg_types[0]->kind == ast::TypeKind::Json && s.size() >= 2 && s.front() == '"') s = s.substr(1, s.size() - 2);
      char* end = nullptr;
      errno = 0;
      double x = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return CastError(err, v, "float");
      out = Value::Float(x);
      return true;
    }
    default: return CastError(err, v, "float");
  }
}

bool String(Args a, const FnCall&, Value& out, ValueError&) {
  out = Value::String(ValueText(a[0]));
  return true;
}

bool Bool(Args a, const FnCall&, Value& out, ValueError& err) {
  const Value& v = a[0];
  if (v.kind == VK::Bool) {
    out = v;
    return true;
  }
  if (v.kind == VK::Int) {
    if (v.int_value != 0 && v.int_value != 1) return CastError(err, v, "bool");
    out = Value::Bool(v.int_value == 1);
    return true;
  }
  std::string s(Stripped(v.string_value));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "true" || s == "1" || s == "yes") {
    out = Value::Bool(true);
  } else if (s == "false" || s == "0" || s == "no") {
    out = Value::Bool(false);
  } else {
    return CastError(err, v, "bool");
  }
  return true;
}

// decimal(x, p, s): rounds half away from zero to s digits; more than p - s integer digits,
// a non-finite float or text that is not a number is a cast error.
bool Decimal(Args a, const FnCall& call, Value& out, ValueError& err) {
  const Value& v = a[0];
  int precision = call.result_type->precision, scale = call.result_type->scale;
  std::string to = ast::ToString(ast::WithNullable(call.result_type, false));
  __int128 x = 0;
  std::string why;
  bool ok = false;
  switch (v.kind) {
    case VK::Int: ok = decimal::Rescale(v.int_value, 0, scale, x) && decimal::Fits(x, precision); break;
    case VK::Decimal: ok = decimal::Rescale(v.decimal_value, v.scale, scale, x) && decimal::Fits(x, precision); break;
    case VK::Float: ok = decimal::FromDouble(v.float_value, precision, scale, x, why); break;
    case VK::String: {
      std::string_view s = Stripped(v.string_value);
      if (call.arg_types[0]->kind == ast::TypeKind::Json && s.size() >= 2 && s.front() == '"') s = s.substr(1, s.size() - 2);
      ok = !s.empty() && ParseDecimalText(s, precision, scale, x, why);
      break;
    }
    default: break;
  }
  if (!ok) return CastError(err, v, to.c_str());
  out = Value::Decimal(x, scale);
  return true;
}

// json(x): the JSON text of any value (strings become JSON strings).
bool Json(Args a, const FnCall& call, Value& out, ValueError&) {
  if (a[0].kind == VK::Null) {
    out = Value::Null();
  } else if (call.arg_types[0]->kind == ast::TypeKind::Json) {
    out = a[0];
  } else {
    out = Value::String(ValueToJson(a[0]));
  }
  return true;
}

constexpr FunctionImpl kFunctions[] = {
    {"int", Int}, {"float", Float}, {"string", String}, {"bool", Bool}, {"json", Json}, {"decimal", Decimal},
};

}  // namespace

std::span<const FunctionImpl> CastFunctions() { return kFunctions; }

}  // namespace etl::runtime
