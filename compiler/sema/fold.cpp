// Constant folding: the values of consts, defaults and literal step arguments.
// Folding is best effort: what cannot be folded (a stdlib call without a compile-time
// evaluator, an overflow) yields nullopt and is evaluated at run time instead.
#include <cmath>
#include <limits>

#include "compiler/sema/checker.h"

namespace etl::sema {

using ast::BinaryOp;
using ast::Expr;
using ast::ExprKind;
using ast::Value;
using VK = ast::Value::Kind;

namespace {

std::optional<std::string> Stringify(const Value& v) {
  switch (v.kind) {
    case VK::String: return v.string_value;
    case VK::Null: return std::string("null");
    case VK::Int: case VK::Float: case VK::Bool: return ast::ToLiteral(v);
    default: return std::nullopt;  // time values are formatted by the runtime
  }
}

std::optional<double> AsDouble(const Value& v) {
  if (v.kind == VK::Int) return static_cast<double>(v.int_value);
  if (v.kind == VK::Float) return v.float_value;
  return std::nullopt;
}

std::optional<Value> Arithmetic(BinaryOp op, const Value& a, const Value& b) {
  if (a.kind == VK::Int && b.kind == VK::Int) {
    int64_t x = a.int_value, y = b.int_value, r = 0;
    switch (op) {
      case BinaryOp::Add: if (__builtin_add_overflow(x, y, &r)) return std::nullopt; return Value::Int(r);
      case BinaryOp::Sub: if (__builtin_sub_overflow(x, y, &r)) return std::nullopt; return Value::Int(r);
      case BinaryOp::Mul: if (__builtin_mul_overflow(x, y, &r)) return std::nullopt; return Value::Int(r);
      case BinaryOp::Div:
        if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1)) return std::nullopt;
        return Value::Int(x / y);
      case BinaryOp::Mod:
        if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1)) return std::nullopt;
        return Value::Int(x % y);
      default: return std::nullopt;
    }
  }
  auto x = AsDouble(a), y = AsDouble(b);
  if (x && y) {
    switch (op) {
      case BinaryOp::Add: return Value::Float(*x + *y);
      case BinaryOp::Sub: return Value::Float(*x - *y);
      case BinaryOp::Mul: return Value::Float(*x * *y);
      case BinaryOp::Div: return Value::Float(*x / *y);
      case BinaryOp::Mod: return Value::Float(std::fmod(*x, *y));
      default: return std::nullopt;
    }
  }
  if (op == BinaryOp::Add && a.kind == VK::String && b.kind == VK::String) return Value::String(a.string_value + b.string_value);
  if (op == BinaryOp::Add && a.kind == VK::List && b.kind == VK::List) {
    Value out = a;
    out.items.insert(out.items.end(), b.items.begin(), b.items.end());
    return out;
  }
  return std::nullopt;
}

bool Equal(const Value& a, const Value& b) {
  auto x = AsDouble(a), y = AsDouble(b);
  if (x && y) return *x == *y;
  return ast::ToLiteral(a) == ast::ToLiteral(b) && a.kind == b.kind;
}

std::optional<int> Compare(const Value& a, const Value& b) {
  auto x = AsDouble(a), y = AsDouble(b);
  if (x && y) return *x < *y ? -1 : *x > *y ? 1 : 0;
  if (a.kind != b.kind) return std::nullopt;
  switch (a.kind) {
    case VK::String: return a.string_value.compare(b.string_value) < 0 ? -1 : a.string_value == b.string_value ? 0 : 1;
    case VK::Bool: return a.bool_value == b.bool_value ? 0 : a.bool_value ? 1 : -1;
    case VK::Duration: case VK::Date: case VK::Timestamp:
      return a.int_value < b.int_value ? -1 : a.int_value > b.int_value ? 1 : 0;
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<Value> Checker::Fold(const Expr& e, std::vector<std::optional<Value>>* fn_args) {
  auto fold = [&](const ast::ExprPtr& child) -> std::optional<Value> {
    return child ? Fold(*child, fn_args) : std::nullopt;
  };
  switch (e.kind) {
    case ExprKind::IntLit: return Value::Int(e.int_value);
    case ExprKind::FloatLit: return Value::Float(e.float_value);
    case ExprKind::BoolLit: return Value::Bool(e.bool_value);
    case ExprKind::NullLit: return Value::Null();
    case ExprKind::DurationLit: { Value v; v.kind = VK::Duration; v.int_value = e.int_value; return v; }
    case ExprKind::DateLit: { Value v; v.kind = VK::Date; v.int_value = e.int_value; return v; }
    case ExprKind::TimestampLit: { Value v; v.kind = VK::Timestamp; v.int_value = e.int_value; return v; }
    case ExprKind::StringLit: {
      if (e.parts.empty()) return Value::String(e.text);
      std::string out;
      for (const auto& part : e.parts) {
        if (!part.expr) { out += part.text; continue; }
        auto v = Fold(*part.expr, fn_args);
        if (!v) return std::nullopt;
        auto s = Stringify(*v);
        if (!s) return std::nullopt;
        out += *s;
      }
      return Value::String(out);
    }
    case ExprKind::ListLit: {
      Value list; list.kind = VK::List;
      for (const auto& child : e.children) {
        auto v = fold(child);
        if (!v) return std::nullopt;
        list.items.push_back(std::move(*v));
      }
      return list;
    }
    case ExprKind::RecordLit: {
      Value record; record.kind = VK::Record;
      for (const auto& field : e.fields) {
        auto v = fold(field.value);
        if (!v) return std::nullopt;
        record.fields.emplace_back(field.name.text, std::move(*v));
      }
      return record;
    }
    case ExprKind::Paren: return e.children.empty() ? std::nullopt : fold(e.children[0]);
    case ExprKind::NameRef:
    case ExprKind::FieldAccess:
      if (e.ref.kind == ast::RefKind::Const && e.ref.decl) {
        auto* decl = const_cast<ast::ConstDecl*>(e.ref.decl->As<ast::ConstDecl>());
        if (!decl) return std::nullopt;
        ConstType(*decl);
        return decl->folded;
      }
      if (e.ref.kind == ast::RefKind::FnParam && fn_args && e.ref.slot >= 0 &&
          static_cast<size_t>(e.ref.slot) < fn_args->size()) {
        return (*fn_args)[static_cast<size_t>(e.ref.slot)];
      }
      if (e.kind == ExprKind::FieldAccess && e.ref.kind == ast::RefKind::Unresolved && !e.children.empty()) {
        auto base = fold(e.children[0]);
        if (base && base->kind == VK::Record) {
          if (const Value* v = base->Find(e.text)) return *v;
        }
      }
      return std::nullopt;
    case ExprKind::Index: {
      if (e.children.size() < 2) return std::nullopt;
      auto base = fold(e.children[0]);
      auto index = fold(e.children[1]);
      if (!base || !index) return std::nullopt;
      if (base->kind == VK::Record && index->kind == VK::String) {
        const Value* v = base->Find(index->string_value);
        return v ? *v : Value::Null();
      }
      if (base->kind == VK::List && index->kind == VK::Int && index->int_value >= 0 &&
          static_cast<size_t>(index->int_value) < base->items.size()) {
        return base->items[static_cast<size_t>(index->int_value)];
      }
      return std::nullopt;
    }
    case ExprKind::Unary: {
      auto v = e.children.empty() ? std::nullopt : fold(e.children[0]);
      if (!v) return std::nullopt;
      if (e.unary_op == ast::UnaryOp::Not) return v->kind == VK::Bool ? std::optional(Value::Bool(!v->bool_value)) : std::nullopt;
      if (v->kind == VK::Int && v->int_value != std::numeric_limits<int64_t>::min()) return Value::Int(-v->int_value);
      if (v->kind == VK::Float) return Value::Float(-v->float_value);
      if (v->kind == VK::Duration) { v->int_value = -v->int_value; return v; }
      return std::nullopt;
    }
    case ExprKind::IsNull: {
      auto v = e.children.empty() ? std::nullopt : fold(e.children[0]);
      if (!v) return std::nullopt;
      return Value::Bool((v->kind == VK::Null) != e.negated);
    }
    case ExprKind::If: {
      if (e.children.size() < 3) return std::nullopt;
      auto c = fold(e.children[0]);
      if (!c || c->kind != VK::Bool) return std::nullopt;
      return fold(e.children[c->bool_value ? 1 : 2]);
    }
    case ExprKind::Binary: {
      if (e.children.size() < 2) return std::nullopt;
      auto a = fold(e.children[0]);
      if (!a) return std::nullopt;
      if (e.binary_op == BinaryOp::Coalesce) return a->kind == VK::Null ? fold(e.children[1]) : a;
      if (e.binary_op == BinaryOp::And || e.binary_op == BinaryOp::Or) {
        if (a->kind != VK::Bool) return std::nullopt;
        if (a->bool_value == (e.binary_op == BinaryOp::Or)) return a;
        return fold(e.children[1]);
      }
      auto b = fold(e.children[1]);
      if (!b) return std::nullopt;
      switch (e.binary_op) {
        case BinaryOp::Eq: return Value::Bool(Equal(*a, *b));
        case BinaryOp::Ne: return Value::Bool(!Equal(*a, *b));
        case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge: {
          auto c = Compare(*a, *b);
          if (!c) return std::nullopt;
          bool r = e.binary_op == BinaryOp::Lt ? *c < 0 : e.binary_op == BinaryOp::Le ? *c <= 0
                 : e.binary_op == BinaryOp::Gt ? *c > 0 : *c >= 0;
          return Value::Bool(r);
        }
        case BinaryOp::In: case BinaryOp::NotIn: {
          if (b->kind != VK::List) return std::nullopt;
          bool found = false;
          for (const auto& item : b->items) found |= Equal(*a, item);
          return Value::Bool(found == (e.binary_op == BinaryOp::In));
        }
        case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod:
          if (a->kind == VK::Duration && b->kind == VK::Duration &&
              (e.binary_op == BinaryOp::Add || e.binary_op == BinaryOp::Sub)) {
            Value d = *a;
            if (e.binary_op == BinaryOp::Add ? __builtin_add_overflow(a->int_value, b->int_value, &d.int_value)
                                             : __builtin_sub_overflow(a->int_value, b->int_value, &d.int_value)) {
              return std::nullopt;
            }
            return d;
          }
          if (e.type && e.type->kind == ast::TypeKind::Float) {
            // int operands widened to a float result (`1 + 2.0`) fold as floats.
            auto x = AsDouble(*a), y = AsDouble(*b);
            if (x && y) return Arithmetic(e.binary_op, Value::Float(*x), Value::Float(*y));
          }
          return Arithmetic(e.binary_op, *a, *b);
        default: return std::nullopt;
      }
    }
    case ExprKind::Match: {
      if (e.children.empty()) return std::nullopt;
      auto subject = fold(e.children[0]);
      if (!subject) return std::nullopt;
      for (const auto& arm : e.arms) {
        if (arm.wildcard) return fold(arm.value);
        for (const auto& pattern : arm.patterns) {
          auto p = Fold(*pattern, fn_args);
          if (!p) return std::nullopt;
          if (Equal(*subject, *p)) return fold(arm.value);
        }
      }
      return std::nullopt;
    }
    case ExprKind::Call: {
      if (e.ref.kind != ast::RefKind::Fn || !e.ref.decl) return std::nullopt;  // stdlib: at run time
      const auto* fn = e.ref.decl->As<ast::FnDecl>();
      if (!fn || !fn->body || state_[fn] != 2) return std::nullopt;
      std::vector<std::optional<Value>> args(fn->params.size());
      size_t position = 0;
      for (const auto& arg : e.args) {
        size_t index = position;
        if (arg.name) {
          for (size_t i = 0; i < fn->params.size(); ++i) {
            if (fn->params[i].name.text == arg.name->text) index = i;
          }
        } else {
          ++position;
        }
        if (index >= args.size()) return std::nullopt;
        args[index] = fold(arg.value);
        if (!args[index]) return std::nullopt;
      }
      auto v = Fold(*fn->body, &args);
      // A float-typed fn returns floats even when its arguments were ints.
      if (v && v->kind == VK::Int && fn->result_type && fn->result_type->kind == ast::TypeKind::Float) {
        return Value::Float(static_cast<double>(v->int_value));
      }
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace etl::sema
