// Number functions (language.md §11, stdlib/functions_number.cpp).
#include <cmath>
#include <limits>

#include "runtime/fn_registry.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using VK = Value::Kind;
using Args = std::span<const Value>;

bool Abs(Args a, const FnCall&, Value& out, ValueError& err) {
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
bool Round(Args a, const FnCall&, Value& out, ValueError&) {
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
bool Floor(Args a, const FnCall&, Value& out, ValueError&) {
  out = a[0].kind == VK::Float ? Value::Float(std::floor(a[0].float_value)) : a[0];
  return true;
}
bool Ceil(Args a, const FnCall&, Value& out, ValueError&) {
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
