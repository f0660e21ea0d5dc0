// Number functions (language.md §11, stdlib/functions_number.cpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/decimal_math.h"
#include "runtime/fn_registry.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using VK = Value::Kind;
using Args = std::span<const Value>;

// A decimal with its fraction dropped toward -inf (floor), +inf (ceil) or rounded half away
// from zero to `digits` places (round), at its own scale; "overflow" when rounding up
// leaves the precision.
enum class Mode { Floor, Ceil, Round };
bool DecimalRound(const Value& v, int64_t digits, Mode mode, const FnCall& call, Value& out, ValueError& err) {
  int drop = digits >= v.scale ? 0 : static_cast<int>(std::min<int64_t>(v.scale - digits, 39));
  __int128 unit = drop > 38 ? 0 : decimal::Pow10(drop);
  __int128 x = v.decimal_value, r = 0;
  if (drop == 0) {
    r = x;
  } else if (drop > 38) {
    r = 0;  // rounding to a place beyond 10^38 leaves nothing of a value below it
  } else if (mode == Mode::Round) {
    decimal::Rescale(x, drop, 0, r);
    r *= unit;
  } else {
    __int128 q = x / unit, rest = x % unit;
    if (mode == Mode::Floor && rest < 0) --q;
    if (mode == Mode::Ceil && rest > 0) ++q;
    r = q * unit;
  }
  int precision = call.result_type && call.result_type->kind == ast::TypeKind::Decimal ? call.result_type->precision : 38;
  if (!decimal::Fits(r, precision)) {
    err = {"overflow", "rounding " + ast::ToLiteral(v) + " does not fit " + ast::ToString(call.result_type)};
    return false;
  }
  out = Value::Decimal(r, v.scale);
  return true;
}

bool Abs(Args a, const FnCall&, Value& out, ValueError& err) {
  if (a[0].kind == VK::Decimal) {
    out = Value::Decimal(a[0].decimal_value < 0 ? -a[0].decimal_value : a[0].decimal_value, a[0].scale);
    return true;
  }
  if (a[0].kind == VK::Float) {
    out = Value::Float(std::fabs(a[0].float_value));
    return true;
  }
  if (a[0].int_value == std::numeric_limits<int64_t>::min()) {
    err = {"overflow", "abs of the smallest int"};
    return false;
  }
  out = Value::Int(a[0].int_value < 0 ? -a[0].int_value : a[0].int_value);
  return true;
}
// Half away from zero, like std::round; ints unchanged.
bool Round(Args a, const FnCall& call, Value& out, ValueError& err) {
  if (a[0].kind == VK::Decimal) return DecimalRound(a[0], a.size() > 1 ? a[1].int_value : 0, Mode::Round, call, out, err);
  if (a[0].kind != VK::Float) {
    out = a[0];
    return true;
  }
  int64_t digits = a.size() > 1 ? a[1].int_value : 0;
  if (digits == 0) {
    out = Value::Float(std::round(a[0].float_value));
  } else {
    double scale = std::pow(10.0, static_cast<double>(digits));
    out = Value::Float(std::round(a[0].float_value * scale) / scale);
  }
  return true;
}
bool Floor(Args a, const FnCall& call, Value& out, ValueError& err) {
  if (a[0].kind == VK::Decimal) return DecimalRound(a[0], 0, Mode::Floor, call, out, err);
  out = a[0].kind == VK::Float ? Value::Float(std::floor(a[0].float_value)) : a[0];
  return true;
}
bool Ceil(Args a, const FnCall& call, Value& out, ValueError& err) {
  if (a[0].kind == VK::Decimal) return DecimalRound(a[0], 0, Mode::Ceil, call, out, err);
  out = a[0].kind == VK::Float ? Value::Float(std::ceil(a[0].float_value)) : a[0];
  return true;
}
// Scalar min/max of two or more values of one orderable type (ints widened by the lowering).
bool MinMax(Args a, bool is_max, Value& out) {
  out = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    int c = CompareValues(a[i], out);
    if (is_max ? c > 0 : c < 0) out = a[i];
  }
  return true;
}
bool Min(Args a, const FnCall&, Value& out, ValueError&) { return MinMax(a, false, out); }
bool Max(Args a, const FnCall&, Value& out, ValueError&) { return MinMax(a, true, out); }
double D(const Value& v) { return v.kind == VK::Int ? static_cast<double>(v.int_value) : v.float_value; }
bool Pow(Args a, const FnCall&, Value& out, ValueError&) {
  out = Value::Float(std::pow(D(a[0]), D(a[1])));
  return true;
}
bool Sqrt(Args a, const FnCall&, Value& out, ValueError& err) {
  double x = D(a[0]);
  if (x < 0) {
    err = {"argument", "sqrt of a negative number"};
    return false;
  }
  out = Value::Float(std::sqrt(x));
  return true;
}

constexpr FunctionImpl kFunctions[] = {
    {"abs", Abs}, {"round", Round}, {"floor", Floor}, {"ceil", Ceil},
    {"min", Min}, {"max", Max},     {"pow", Pow},     {"sqrt", Sqrt},
};

}  // namespace

std::span<const FunctionImpl> NumberFunctions() { return kFunctions; }

}  // namespace etl::runtime
