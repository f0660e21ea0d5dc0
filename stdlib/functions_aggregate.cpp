// Aggregates (language.md §4): count count_distinct sum avg min max first last list stddev
// percentile. Usable only as outputs of `aggregate { }`; nulls are skipped, so nullable
// arguments are accepted (and make sum/avg/min/max/first/last nullable: a group may hold
// only nulls).
#include "stdlib/catalog.h"
#include "stdlib/function_support.h"

namespace etl::stdlib::catalog {

using namespace fn;
using ast::FloatType;
using ast::IntType;

namespace {

FunctionSpec Aggregate(FunctionSpec spec) {
  spec.aggregate = true;
  return spec;
}

bool Nullable(const TypeRef& type) { return !ast::IsError(type) && type->nullable; }
// A number, nullable or not.
bool AnyNumber(const TypeRef& type) { return ast::IsError(type) || ast::IsNumeric(type); }
// The single argument of a one-argument aggregate, or nullptr.
TypeRef OneArg(const CallContext& call) {
  if (call.arg_types.size() != 1 || !IsUsable(call.arg_types[0])) return nullptr;
  if (!ast::IsError(call.arg_types[0]) && call.arg_types[0]->kind == TypeKind::Null) return nullptr;
  return call.arg_types[0];
}

std::string Agg(std::string_view fields, std::string_view outputs) {
  return Example(fields, "aggregate by country { " + std::string(outputs) + " }");
}

FunctionSpec Extreme(const std::string& name, const std::string& which) {
  return Aggregate(Make(name, "aggregate", {name + "(x: T) -> T"},
                        {Param("x", "T", "An orderable value (number, string, date, timestamp, ...).")},
                        "The " + which + " value of a group.",
                        "Nulls are skipped; the result is nullable when `x` is. With two or more arguments `" + name +
                            "` is the scalar function.",
                        {Agg("country: string, amount: float", name + "_amount = " + name + "(amount)")},
                        [](const CallContext& call) -> TypeRef {
                          TypeRef x = OneArg(call);
                          if (!x || (!ast::IsError(x) && !ast::IsOrderable(x))) return nullptr;
                          return x;
                        }));
}

FunctionSpec Positional(const std::string& name, const std::string& which) {
  return Aggregate(Make(name, "aggregate", {name + "(x: T) -> T"}, {Param("x", "T", "Any value.")},
                        "The " + which + " value of a group, in input order.",
                        "Input order is the order records arrive in (sort first for a defined order).",
                        {Agg("country: string, ts: timestamp", name + "_seen = " + name + "(ts)")},
                        [](const CallContext& call) -> TypeRef { return OneArg(call); }));
}

}  // namespace

void AddAggregateFunctions(std::vector<FunctionSpec>& out) {
  {
    auto spec = Aggregate(Make("count", "aggregate", {"count() -> int", "count(x: any?) -> int"},
                               {Param("x", "any", "Optional: count only records where `x` is not null.")},
                               "The number of records in a group.",
                               "`count()` counts records; `count(x)` counts records where `x` is not null.",
                               {Agg("country: string, note: string?", "orders = count(), with_note = count(note)")},
                               [](const CallContext& call) -> TypeRef {
                                 if (call.arg_types.size() > 1) return nullptr;
                                 if (call.arg_types.size() == 1 && !IsUsable(call.arg_types[0])) return nullptr;
                                 return IntType();
                               }));
    spec.params[0].required = false;
    out.push_back(std::move(spec));
  }
  out.push_back(Aggregate(Make("count_distinct", "aggregate", {"count_distinct(x: any?) -> int"},
                               {Param("x", "any", "A hashable value.")}, "The number of distinct non-null values in a group.",
                               "Exact (not an estimate); memory grows with the number of distinct values.",
                               {Agg("country: string, customer: string", "customers = count_distinct(customer)")},
                               [](const CallContext& call) -> TypeRef {
                                 TypeRef x = OneArg(call);
                                 if (!x || !ast::IsHashable(x)) return nullptr;
                                 return IntType();
                               })));
  out.push_back(Aggregate(Make(
      "sum", "aggregate", {"sum(x: int) -> int", "sum(x: float) -> float", "sum(x: decimal(p, s)) -> decimal(38, s)"},
      {Param("x", "number", "The values to add.")}, "The sum of a group's values.",
      "Nulls are skipped; the result is nullable when `x` is (a group of only nulls sums to null). "
      "Int overflow is an error.",
      {Agg("country: string, amount: float", "revenue = sum(amount)")},
      [](const CallContext& call) -> TypeRef {
        TypeRef x = OneArg(call);
        if (!x || !AnyNumber(x)) return nullptr;
        if (ast::IsError(x)) return x;
        TypeRef result = x->kind == TypeKind::Decimal ? ast::DecimalType(38, x->scale) : ast::WithNullable(x, false);
        return ast::WithNullable(result, x->nullable);
      })));
  out.push_back(Aggregate(Make("avg", "aggregate", {"avg(x: number) -> float"},
                               {Param("x", "number", "The values to average.")}, "The mean of a group's values.",
                               "Nulls are skipped; the result is nullable when `x` is.",
                               {Agg("country: string, amount: float", "mean = avg(amount)")},
                               [](const CallContext& call) -> TypeRef {
                                 TypeRef x = OneArg(call);
                                 if (!x || !AnyNumber(x)) return nullptr;
                                 return ast::WithNullable(FloatType(), Nullable(x));
                               })));
  out.push_back(Extreme("min", "smallest"));
  out.push_back(Extreme("max", "largest"));
  out.push_back(Positional("first", "first"));
  out.push_back(Positional("last", "last"));
  out.push_back(Aggregate(Make("list", "aggregate", {"list(x: T) -> list<T>"}, {Param("x", "T", "Any value.")},
                               "Every value of a group, as a list in input order.",
                               "Nulls are kept (a `T?` argument gives `list<T?>`).",
                               {Agg("country: string, customer: string", "customers = list(customer)")},
                               [](const CallContext& call) -> TypeRef {
                                 TypeRef x = OneArg(call);
                                 if (!x) return nullptr;
                                 return ast::IsError(x) ? x : ast::ListType(x);
                               })));
  out.push_back(Aggregate(Make("stddev", "aggregate", {"stddev(x: number) -> float?"},
                               {Param("x", "number", "The values.")}, "The sample standard deviation of a group's values.",
                               "Null when the group has fewer than two non-null values.",
                               {Agg("country: string, amount: float", "spread = stddev(amount)")},
                               [](const CallContext& call) -> TypeRef {
                                 TypeRef x = OneArg(call);
                                 if (!x || !AnyNumber(x)) return nullptr;
                                 return Opt(FloatType());
                               })));
  out.push_back(Aggregate(Make(
      "percentile", "aggregate", {"percentile(x: number, p: float) -> float"},
      {Param("x", "number", "The values."), Param("p", "float", "The percentile: a constant from 0 to 1 (0.5: the median).")},
      "A percentile of a group's values (linear interpolation).",
      "Exact: keeps the group's values in memory. `p` must be a constant in [0, 1].",
      {Agg("country: string, amount: float", "p95 = percentile(amount, 0.95)")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() != 2 || !IsUsable(call.arg_types[0]) || !AnyNumber(call.arg_types[0]) ||
            !Fits(call.arg_types[1], FloatType())) {
          return nullptr;
        }
        const ast::Value* p = Const(call, 1);
        double value = 0;
        if (p && p->kind == ast::Value::Kind::Float) {
          value = p->float_value;
        } else if (p && p->kind == ast::Value::Kind::Int) {
          value = static_cast<double>(p->int_value);
        } else {
          return Invalid(call, 1, "the percentile must be a constant, e.g. `0.95`");
        }
        if (value < 0 || value > 1) return Invalid(call, 1, "the percentile must be from 0 to 1, found " + ast::ToLiteral(*p));
        return FloatType();
      })));
}

}  // namespace etl::stdlib::catalog
