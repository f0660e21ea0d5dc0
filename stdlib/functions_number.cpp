// Number functions (language.md §7): abs round floor ceil min max (scalar) pow sqrt.
#include "stdlib/catalog.h"
#include "stdlib/function_support.h"

namespace etl::stdlib::catalog {

using namespace fn;
using ast::FloatType;
using ast::IntType;

namespace {

// The argument's own type, non-null (abs, floor, ceil keep int/float/decimal as they are).
TypeRef SameNumber(const CallContext& call) {
  if (call.arg_types.size() != 1 || !IsNumber(call.arg_types[0])) return nullptr;
  return call.arg_types[0];
}

FunctionSpec MinMax(const std::string& name, const std::string& which) {
  auto spec = Make(
      name, "number", {name + "(a: T, b: T, ...) -> T"},
      {Param("a", "T", "A value of an orderable type."), Param("b", "T", "More values of the same type.")},
      "The " + which + " of two or more values.",
      "The values must have one orderable type after widening (`" + name + "(1, 2.5)` is a float). "
      "With one argument inside `aggregate { }`, `" + name + "` is the aggregate instead.",
      {Example("price: float, floor_price: float", "derive price = " + name + "(price, floor_price)")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() < 2) return nullptr;
        TypeRef common;
        for (const auto& t : call.arg_types) {
          if (!IsNonNull(t)) return nullptr;
          common = common ? ast::CommonType(common, t) : t;
          if (!common) return nullptr;
        }
        if (!ast::IsError(common) && !ast::IsOrderable(common)) return nullptr;
        return common;
      });
  return spec;
}

}  // namespace

void AddNumberFunctions(std::vector<FunctionSpec>& out) {
  out.push_back(Make("abs", "number", {"abs(x: int) -> int", "abs(x: float) -> float", "abs(x: decimal(p, s)) -> decimal(p, s)"},
                     {Param("x", "number", "The number.")}, "The absolute value.",
                     "Keeps the argument's type. `abs` of the smallest int overflows: a record error.",
                     {Example("delta: int", "derive distance = abs(delta)")}, SameNumber));
  out.push_back(Make(
      "round", "number",
      {"round(x: float, digits: int = 0) -> float", "round(x: int) -> int", "round(x: decimal(p, s), digits: int = 0) -> decimal(p, s)"},
      {Param("x", "number", "The number."), Param("digits", "int", "Digits kept after the decimal point.", "0")},
      "Round to a number of decimal places.",
      "Rounds half away from zero (`round(2.5)` is `3.0`). An int is returned unchanged.",
      {Example("amount: float", "derive amount = round(amount, 2)")},
      [](const CallContext& call) -> TypeRef {
        size_t n = call.arg_types.size();
        if (n < 1 || n > 2 || !IsNumber(call.arg_types[0])) return nullptr;
        if (n == 2 && !Fits(call.arg_types[1], IntType())) return nullptr;
        return call.arg_types[0];
      }));
  out.push_back(Make("floor", "number", {"floor(x: float) -> float", "floor(x: int) -> int", "floor(x: decimal(p, s)) -> decimal(p, s)"},
                     {Param("x", "number", "The number.")}, "Round down to a whole number.",
                     "Keeps the argument's type: `floor(2.7)` is `2.0`; use `int(floor(x))` for an int.",
                     {Example("score: float", "derive bucket = int(floor(score / 10.0))")}, SameNumber));
  out.push_back(Make("ceil", "number", {"ceil(x: float) -> float", "ceil(x: int) -> int", "ceil(x: decimal(p, s)) -> decimal(p, s)"},
                     {Param("x", "number", "The number.")}, "Round up to a whole number.",
                     "Keeps the argument's type: `ceil(2.1)` is `3.0`.",
                     {Example("weight: float", "derive billed = ceil(weight)")}, SameNumber));
  out.push_back(MinMax("min", "smallest"));
  out.push_back(MinMax("max", "largest"));
  out.push_back(Make("pow", "number", {"pow(base: float, exponent: float) -> float"},
                     {Param("base", "float", "The base (an int widens)."), Param("exponent", "float", "The exponent (an int widens).")},
                     "Raise a number to a power.", "Always a float: `pow(2, 10)` is `1024.0`.",
                     {Example("rate: float, years: int", "derive growth = pow(1.0 + rate, years)")},
                     Sigs({{{FloatType(), FloatType()}, 2, FloatType()}})));
  out.push_back(Make("sqrt", "number", {"sqrt(x: float) -> float"}, {Param("x", "float", "The number (an int widens).")},
                     "The square root.", "The square root of a negative number is a record error.",
                     {Example("x: float, y: float", "derive length = sqrt(x * x + y * y)")},
                     Sigs({{{FloatType()}, 1, FloatType()}})));
}

}  // namespace etl::stdlib::catalog
