#include "runtime/eval_reference.h"

#include <cmath>
#include <limits>

#include <re2/re2.h>

#include "runtime/decimal_math.h"
#include "runtime/fn_registry.h"
#include "runtime/regex_cache.h"

namespace etl::runtime {

namespace {

using ast::BinaryOp;
using ast::TypeKind;
using ir::Expr;
using ir::ExprKind;
using VK = ast::Value::Kind;
using Value = ast::Value;

struct Failed {};  // unwinds one record's evaluation to its first error (never escapes)

class RowEvaluator {
 public:
  RowEvaluator(const Value& record, const Value* right, const EvalContext& ctx) : record_(record), right_(right), ctx_(ctx) {}

  // A decimal value takes the scale of its expression's type (branches of `if`, `match`
  // and `??` may have other decimal types), as a column of that type holds it.
  Value Eval(const Expr& e) {
    Value v = EvalRaw(e);
    if (v.kind == VK::Decimal && e.type && e.type->kind == TypeKind::Decimal &&
        (v.scale != e.type->scale || !decimal::Fits(v.decimal_value, e.type->precision))) {
      __int128 x = 0;
      if (!decimal::Rescale(v.decimal_value, v.scale, e.type->scale, x) || !decimal::Fits(x, e.type->precision)) {
        Fail("overflow", ast::ToLiteral(v) + " does not fit " + ast::ToString(e.type));
      }
      v = Value::Decimal(x, e.type->scale);
    }
    return v;
  }

  Value EvalRaw(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Literal: return e.value;
      case ExprKind::Field: {
        const Value& rec = e.side == 1 && right_ ? *right_ : record_;
        return rec.fields.at(static_cast<size_t>(e.slot)).second;
      }
      case ExprKind::Param: {
        auto it = ctx_.params.find(e.name);
        if (it == ctx_.params.end()) Fail("param", "param `" + e.name + "` has no value");
        return it->second;
      }
      case ExprKind::Call: return Call(e);
      case ExprKind::Unary: return Unary(e);
      case ExprKind::Binary: return Binary(e);
      case ExprKind::IsNull: return Value::Bool((Eval(e.children[0]).kind == VK::Null) != e.negated);
      case ExprKind::If: {
        Value c = Eval(e.children[0]);
        if (c.kind == VK::Null) return Value::Null();
        return Eval(e.children[c.bool_value ? 1 : 2]);
      }
      case ExprKind::Match: {
        Value subject = Eval(e.children[0]);
        size_t at = 1;
        for (int patterns : e.arm_patterns) {
          bool hit = patterns == 0;
          for (int p = 0; p < patterns; ++p) hit = hit || ValuesEqual(subject, Eval(e.children[at + static_cast<size_t>(p)]));
          at += static_cast<size_t>(patterns);
          if (hit) return Eval(e.children[at]);
          ++at;
        }
        return Value::Null();
      }
      case ExprKind::List: {
        Value out;
        out.kind = VK::List;
        for (const Expr& c : e.children) out.items.push_back(Eval(c));
        return out;
      }
      case ExprKind::Record: {
        Value out;
        out.kind = VK::Record;
        for (size_t i = 0; i < e.children.size(); ++i) out.fields.emplace_back(e.names[i], Eval(e.children[i]));
        return out;
      }
      case ExprKind::Index: return Index(e);
      case ExprKind::GetField: {
        Value target = Eval(e.children[0]);
        if (target.kind == VK::Null) return Value::Null();
        if (e.children[0].type->kind == TypeKind::Json) return JsonGet(target.string_value, Value::String(e.name));
        const Value* v = target.Find(e.name);
        return v ? *v : Value::Null();
      }
      case ExprKind::Widen: {
        Value v = Eval(e.children[0]);
        if (v.kind == VK::Int && e.type->kind == TypeKind::Float) return Value::Float(static_cast<double>(v.int_value));
        if (v.kind == VK::Int && e.type->kind == TypeKind::Decimal) {
          __int128 x = 0;
          if (!decimal::Rescale(v.int_value, 0, e.type->scale, x) || !decimal::Fits(x, e.type->precision)) {
            Fail("overflow", "value does not fit " + ast::ToString(e.type));
          }
          return Value::Decimal(x, e.type->scale);
        }
        return v;
      }
      case ExprKind::Interpolate: {
        std::string text;
        for (const Expr& c : e.children) text += ValueText(Eval(c));
        return Value::String(std::move(text));
      }
      case ExprKind::AggregateRef: Fail("internal", "aggregate outside the aggregate operator");
    }
    return Value::Null();
  }

  std::optional<ValueError> error;

 private:
  [[noreturn]] void Fail(std::string code, std::string message) {
    error = ValueError{std::move(code), std::move(message)};
    throw Failed{};
  }

  Value Call(const Expr& e) {
    const FunctionImpl* impl = FindFunctionImpl(e.name);
    if (!impl) Fail("internal", "unknown function `" + e.name + "`");
    std::vector<Value> args;
    std::vector<TypeRef> types;
    for (const Expr& c : e.children) {
      args.push_back(Eval(c));
      types.push_back(c.type);
      if (args.back().kind == VK::Null && !impl->takes_nulls) return Value::Null();
    }
    FnCall call{e.type, types, ctx_};
    Value out;
    ValueError err;
    if (!impl->fn(args, call, out, err)) Fail(err.code, err.message);
    return out;
  }

  Value Unary(const Expr& e) {
    Value v = Eval(e.children[0]);
    if (v.kind == VK::Null) return v;
    if (e.unary_op == ast::UnaryOp::Not) return Value::Bool(!v.bool_value);
    if (v.kind == VK::Float) return Value::Float(-v.float_value);
    if (v.kind == VK::Decimal) return Value::Decimal(-v.decimal_value, v.scale);
    if (v.int_value == std::numeric_limits<int64_t>::min()) Fail("overflow", "integer overflow in negation");
    v.int_value = -v.int_value;
    return v;
  }

  Value Binary(const Expr& e) {
    BinaryOp op = e.binary_op;
    Value a = Eval(e.children[0]);
    if (op == BinaryOp::And || op == BinaryOp::Or) {
      if (a.kind == VK::Null) return a;
      if (a.bool_value == (op == BinaryOp::Or)) return a;
      return Eval(e.children[1]);
    }
    if (op == BinaryOp::Coalesce) return a.kind != VK::Null ? a : Eval(e.children[1]);
    Value b = Eval(e.children[1]);
    switch (op) {
      case BinaryOp::Eq: return Value::Bool(ValuesEqual(a, b));
      case BinaryOp::Ne: return Value::Bool(!ValuesEqual(a, b));
      case BinaryOp::In:
      case BinaryOp::NotIn: {
        if (b.kind == VK::Null) return Value::Null();
        bool found = false;
        for (const Value& item : b.items) found = found || ValuesEqual(a, item);
        return Value::Bool(found == (op == BinaryOp::In));
      }
      default: break;
    }
    if (a.kind == VK::Null || b.kind == VK::Null) return Value::Null();
    switch (op) {
      case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge: {
        if (a.kind == VK::Float) {  // IEEE: every comparison with NaN is false
          double x = a.float_value, y = b.float_value;
          return Value::Bool(op == BinaryOp::Lt ? x < y : op == BinaryOp::Le ? x <= y : op == BinaryOp::Gt ? x > y : x >= y);
        }
        int c = CompareValues(a, b);
        return Value::Bool(op == BinaryOp::Lt ? c < 0 : op == BinaryOp::Le ? c <= 0 : op == BinaryOp::Gt ? c > 0 : c >= 0);
      }
      case BinaryOp::Match: {
        std::string error;
        const re2::RE2* regex = CompileRegex(b.string_value, &error);
        if (!regex) Fail("regex", error);
        return Value::Bool(re2::RE2::PartialMatch(a.string_value, *regex));
      }
      default:
        if (a.kind == VK::Decimal || b.kind == VK::Decimal) return DecimalArithmetic(op, a, b, e.type);
        return Arithmetic(op, a, b);
    }
  }

  int64_t AddChecked(int64_t x, int64_t y) {
    int64_t r = 0;
    if (__builtin_add_overflow(x, y, &r)) Fail("overflow", "integer overflow");
    return r;
  }
  int64_t SubChecked(int64_t x, int64_t y) {
    int64_t r = 0;
    if (__builtin_sub_overflow(x, y, &r)) Fail("overflow", "integer overflow");
    return r;
  }
  int64_t MulChecked(int64_t x, int64_t y) {
    int64_t r = 0;
    if (__builtin_mul_overflow(x, y, &r)) Fail("overflow", "integer overflow");
    return r;
  }

  Value DecimalArithmetic(BinaryOp op, const Value& a, const Value& b, const TypeRef& type) {
    auto unscaled = [](const Value& v) { return v.kind == VK::Int ? static_cast<__int128>(v.int_value) : v.decimal_value; };
    auto scale = [](const Value& v) { return v.kind == VK::Int ? 0 : v.scale; };
    __int128 r = 0;
    if (const char* code = decimal::Arith(op, unscaled(a), scale(a), unscaled(b), scale(b), type->precision, type->scale, r)) {
      Fail(code, std::string(code) + " in decimal arithmetic");
    }
    return Value::Decimal(r, type->scale);
  }

  Value Arithmetic(BinaryOp op, const Value& a, const Value& b) {
    if (a.kind == VK::Float) {
      double x = a.float_value, y = b.float_value;
      switch (op) {
        case BinaryOp::Add: return Value::Float(x + y);
        case BinaryOp::Sub: return Value::Float(x - y);
        case BinaryOp::Mul: return Value::Float(x * y);
        case BinaryOp::Div: return Value::Float(x / y);
        default: return Value::Float(std::fmod(x, y));
      }
    }
    if (a.kind == VK::String) return Value::String(a.string_value + b.string_value);
    if (a.kind == VK::List) {
      Value out = a;
      out.items.insert(out.items.end(), b.items.begin(), b.items.end());
      return out;
    }
    if (a.kind == VK::Int && b.kind == VK::Int) {
      int64_t x = a.int_value, y = b.int_value;
      switch (op) {
        case BinaryOp::Add: return Value::Int(AddChecked(x, y));
        case BinaryOp::Sub: return Value::Int(SubChecked(x, y));
        case BinaryOp::Mul: return Value::Int(MulChecked(x, y));
        case BinaryOp::Div:
          if (y == 0) Fail("division_by_zero", "division by zero");
          if (y == -1) return Value::Int(SubChecked(int64_t{0}, x));
          return Value::Int(x / y);
        default:
          if (y == 0) Fail("division_by_zero", "modulo by zero");
          return Value::Int(y == -1 ? 0 : x % y);
      }
    }
    return TimeArithmetic(op, a, b);
  }

  static Value Kinded(VK kind, int64_t v) {
    Value out;
    out.kind = kind;
    out.int_value = v;
    return out;
  }

  Value TimeArithmetic(BinaryOp op, const Value& a, const Value& b) {
    int64_t x = a.int_value, y = b.int_value;
    if (a.kind == VK::Date && b.kind == VK::Duration) {
      int64_t us = MulChecked(x, kMicrosPerDay);
      us = op == BinaryOp::Add ? AddChecked(us, y) : SubChecked(us, y);
      int64_t days = FloorDiv(us, kMicrosPerDay);
      if (days < std::numeric_limits<int32_t>::min() || days > std::numeric_limits<int32_t>::max()) Fail("overflow", "date out of range");
      return Kinded(VK::Date, days);
    }
    if (a.kind == VK::Date && b.kind == VK::Date) {
      int64_t days = x - y;
      return Kinded(VK::Duration, MulChecked(days, kMicrosPerDay));
    }
    if (a.kind == VK::Timestamp && b.kind == VK::Timestamp) return Kinded(VK::Duration, SubChecked(x, y));
    if (a.kind == VK::Duration && b.kind == VK::Duration && op == BinaryOp::Div) {
      return Value::Float(static_cast<double>(x) / static_cast<double>(y));
    }
    if (op == BinaryOp::Mul) {  // duration * int, int * duration
      return Kinded(VK::Duration, MulChecked(x, y));
    }
    if (op == BinaryOp::Div) {  // duration / int
      if (y == 0) Fail("division_by_zero", "division by zero");
      if (y == -1) return Kinded(VK::Duration, SubChecked(int64_t{0}, x));
      return Kinded(VK::Duration, x / y);
    }
    // timestamp +- duration, duration +- duration, duration + timestamp
    VK kind = a.kind == VK::Duration ? b.kind : a.kind;
    return Kinded(kind, op == BinaryOp::Add ? AddChecked(x, y) : SubChecked(x, y));
  }

  Value Index(const Expr& e) {
    Value target = Eval(e.children[0]);
    Value key = Eval(e.children[1]);
    if (target.kind == VK::Null || key.kind == VK::Null) return Value::Null();
    if (e.children[0].type->kind == TypeKind::Json) return JsonGet(target.string_value, key);
    if (target.kind == VK::List) {
      if (key.int_value < 0 || static_cast<uint64_t>(key.int_value) >= target.items.size()) {
        Fail("index_out_of_range", "index " + std::to_string(key.int_value) + " out of range for a list of " +
                                       std::to_string(target.items.size()));
      }
      return target.items[static_cast<size_t>(key.int_value)];
    }
    const Value* v = target.Find(key.string_value);
    return v ? *v : Value::Null();
  }

  const Value& record_;
  const Value* right_;
  const EvalContext& ctx_;
};

}  // namespace

ReferenceResult EvaluateReference(const ir::Expr& expr, const ast::Value& record, const EvalContext& ctx, const ast::Value* right) {
  RowEvaluator evaluator(record, right, ctx);
  ReferenceResult result;
  try {
    result.value = evaluator.Eval(expr);
  } catch (const Failed&) {
    result.error = evaluator.error;
  }
  return result;
}

}  // namespace etl::runtime
