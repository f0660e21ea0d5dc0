// Casts (language.md §7): int float string bool decimal json. A cast accepts a nullable
// value and then returns a nullable one; a value that does not convert is a record error.
#include <algorithm>
#include <initializer_list>

#include "stdlib/catalog.h"
#include "stdlib/function_support.h"

namespace etl::stdlib::catalog {

using namespace fn;

namespace {

// Whether `type` is one of `kinds` (any nullability; the null literal converts to null).
bool OneOf(const TypeRef& type, std::initializer_list<TypeKind> kinds) {
  if (ast::IsError(type) || type->kind == TypeKind::Null) return true;
  for (TypeKind kind : kinds) {
    if (type->kind == kind) return true;
  }
  return false;
}

bool Nullable(const TypeRef& type) { return !ast::IsError(type) && type->nullable; }

// A one-argument cast from `kinds` (empty: any type but secret) to `result`.
Check CastFrom(std::vector<TypeKind> kinds, TypeRef result) {
  return [kinds = std::move(kinds), result = std::move(result)](const CallContext& call) -> TypeRef {
    if (call.arg_types.size() != 1 || !IsUsable(call.arg_types[0])) return nullptr;
    const TypeRef& from = call.arg_types[0];
    if (!kinds.empty() && !ast::IsError(from) && from->kind != TypeKind::Null &&
        std::find(kinds.begin(), kinds.end(), from->kind) == kinds.end()) {
      return nullptr;
    }
    return ast::WithNullable(result, Nullable(from));
  };
}

}  // namespace

void AddCastFunctions(std::vector<FunctionSpec>& out) {
  out.push_back(Make("int", "cast", {"int(x: int | float | decimal | string | bool | json) -> int", "int(x: T?) -> int?"},
                     {Param("x", "int | float | decimal | string | bool | json", "The value to convert (may be null).")},
                     "Convert to an int.",
                     "Floats and decimals are truncated toward zero; strings are parsed (`\"42\"`); `true` is 1. "
                     "A value that does not convert (`\"abc\"`, an out-of-range float) is a record error.",
                     {Example("qty: string", "derive qty = int(qty)")},
                     CastFrom({TypeKind::Int, TypeKind::Float, TypeKind::Decimal, TypeKind::String, TypeKind::Bool, TypeKind::Json},
                              ast::IntType())));
  out.push_back(Make("float", "cast", {"float(x: int | float | decimal | string | bool | json) -> float", "float(x: T?) -> float?"},
                     {Param("x", "int | float | decimal | string | bool | json", "The value to convert (may be null).")},
                     "Convert to a float.", "Strings are parsed (`\"2.5\"`, `\"1e3\"`); a string that is not a number is a record error.",
                     {Example("price: string", "derive price = float(price)")},
                     CastFrom({TypeKind::Int, TypeKind::Float, TypeKind::Decimal, TypeKind::String, TypeKind::Bool, TypeKind::Json},
                              ast::FloatType())));
  out.push_back(Make("string", "cast", {"string(x: any) -> string", "string(x: T?) -> string?"},
                     {Param("x", "any", "The value to convert (may be null; never a secret).")},
                     "Convert any value to its text.",
                     "Numbers print in the shortest form that reads back the same; dates and timestamps in "
                     "ISO-8601; durations like `90s`; lists, maps and records as JSON.",
                     {Example("id: int", "derive key = \"order-\" + string(id)")},
                     CastFrom({}, ast::StringType())));
  out.push_back(Make("bool", "cast", {"bool(x: bool | string | int | json) -> bool", "bool(x: T?) -> bool?"},
                     {Param("x", "bool | string | int | json", "The value to convert (may be null).")},
                     "Convert to a bool.",
                     "Strings `\"true\"`/`\"false\"` (any case), `\"1\"`/`\"0\"`, `\"yes\"`/`\"no\"`; ints 1 and 0. "
                     "Anything else is a record error.",
                     {Example("active: string", "derive active = bool(active)")},
                     CastFrom({TypeKind::Bool, TypeKind::String, TypeKind::Int, TypeKind::Json}, ast::BoolType())));
  out.push_back(Make(
      "decimal", "cast", {"decimal(x: int | float | decimal | string | json, p: int, s: int) -> decimal(p, s)"},
      {Param("x", "int | float | decimal | string | json", "The value to convert (may be null)."),
       Param("p", "int", "The precision: total digits, a constant from 1 to 38."),
       Param("s", "int", "The scale: digits after the point, a constant from 0 to `p`.")},
      "Convert to a fixed-point decimal.",
      "Rounds half away from zero to `s` digits; a value with more than `p - s` integer digits is a record error.",
      {Example("amount: string", "derive amount = decimal(amount, 12, 2)")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() != 3 || !IsUsable(call.arg_types[0])) return nullptr;
        if (!OneOf(call.arg_types[0], {TypeKind::Int, TypeKind::Float, TypeKind::Decimal, TypeKind::String, TypeKind::Json})) {
          return nullptr;
        }
        if (!Fits(call.arg_types[1], ast::IntType()) || !Fits(call.arg_types[2], ast::IntType())) return nullptr;
        const ast::Value* p = Const(call, 1);
        const ast::Value* s = Const(call, 2);
        if (!p || p->kind != ast::Value::Kind::Int) return Invalid(call, 1, "the precision of `decimal` must be a constant int");
        if (!s || s->kind != ast::Value::Kind::Int) return Invalid(call, 2, "the scale of `decimal` must be a constant int");
        if (p->int_value < 1 || p->int_value > 38) {
          return Invalid(call, 1, "the precision must be from 1 to 38, found " + std::to_string(p->int_value));
        }
        if (s->int_value < 0 || s->int_value > p->int_value) {
          return Invalid(call, 2, "the scale must be from 0 to the precision (" + std::to_string(p->int_value) + "), found " +
                                      std::to_string(s->int_value));
        }
        TypeRef result = ast::DecimalType(static_cast<int>(p->int_value), static_cast<int>(s->int_value));
        return ast::WithNullable(result, Nullable(call.arg_types[0]));
      }));
  out.push_back(Make("json", "cast", {"json(x: any) -> json", "json(x: T?) -> json?"},
                     {Param("x", "any", "The value to convert (may be null; never a secret).")},
                     "Convert any value to a dynamic JSON value.",
                     "Records become objects, lists arrays, dates and timestamps ISO-8601 strings. Use "
                     "`parse_json` to read JSON text.",
                     {Example("id: int, tags: list<string>", "derive payload = json({id: id, tags: tags})")},
                     CastFrom({}, ast::JsonType())));
}

}  // namespace etl::stdlib::catalog
