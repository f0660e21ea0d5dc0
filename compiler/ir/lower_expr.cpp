#include <algorithm>
#include <optional>

#include "compiler/ir/lower_internal.h"
#include "stdlib/spec.h"

namespace etl::ir::lowering {

using ast::ExprKind;
using ast::RefKind;
using ast::TypeKind;

namespace {

constexpr int kMaxInlineDepth = 64;

bool IsWidenable(const TypeRef& from, const TypeRef& to) {
  return from && to && from->kind == TypeKind::Int && (to->kind == TypeKind::Float || to->kind == TypeKind::Decimal);
}

// The widened type keeps the source's nullability: `int?` widens to `float?`.
TypeRef WidenedType(const TypeRef& from, const TypeRef& to) {
  TypeRef base = to->kind == TypeKind::Float ? ast::FloatType() : ast::DecimalType(to->precision, to->scale);
  return ast::WithNullable(base, from->nullable);
}

}  // namespace

Expr Coerce(Expr expr, const TypeRef& target) {
  if (!IsWidenable(expr.type, target)) return expr;
  TypeRef to = WidenedType(expr.type, target);
  // An int constant becomes a float constant: constants are folded, never widened at run time.
  if (expr.kind == ir::ExprKind::Literal && expr.value.kind == Value::Kind::Int && to->kind == TypeKind::Float) {
    return LiteralExpr(Value::Float(static_cast<double>(expr.value.int_value)), to);
  }
  return WidenExpr(std::move(expr), to);
}

bool IsAggregateCall(const std::string& name, size_t arg_count) {
  if ((name == "min" || name == "max") && arg_count >= 2) return false;
  const stdlib::FunctionSpec* spec = stdlib::FindFunction(name, /*aggregate=*/true);
  return spec && spec->aggregate;
}

TypeRef ExprLowerer::TypeOf(const ast::Expr& expr) const {
  if (!expr.type || expr.type->kind == TypeKind::Error) {
    throw InternalError("expression of kind " + std::string(ast::KindName(expr.kind)) + " has no type", expr.range);
  }
  return expr.type;
}

Expr ExprLowerer::Lower(const ast::Expr& expr) {
  const auto& c = expr.children;
  auto child = [&](size_t i) -> const ast::Expr& {
    if (i >= c.size() || !c[i]) throw InternalError("missing operand", expr.range);
    return *c[i];
  };
  Expr out;
  switch (expr.kind) {
    case ExprKind::IntLit:
      return LiteralExpr(Value::Int(expr.int_value), ast::IntType());
    case ExprKind::FloatLit:
      return LiteralExpr(Value::Float(expr.float_value), ast::FloatType());
    case ExprKind::BoolLit:
      return LiteralExpr(Value::Bool(expr.bool_value), ast::BoolType());
    case ExprKind::NullLit:
      return LiteralExpr(Value::Null(), expr.type ? expr.type : ast::NullType());
    case ExprKind::DurationLit:
    case ExprKind::DateLit:
    case ExprKind::TimestampLit: {
      Value value;
      value.kind = expr.kind == ExprKind::DurationLit ? Value::Kind::Duration
                   : expr.kind == ExprKind::DateLit   ? Value::Kind::Date
                                                      : Value::Kind::Timestamp;
      value.int_value = expr.int_value;
      TypeRef type = expr.kind == ExprKind::DurationLit ? ast::DurationType()
                     : expr.kind == ExprKind::DateLit   ? ast::DateType()
                                                        : ast::TimestampType();
      return LiteralExpr(value, type);
    }
    case ExprKind::StringLit: {
      if (expr.parts.empty()) return LiteralExpr(Value::String(expr.text), ast::StringType());
      out.kind = ir::ExprKind::Interpolate;
      out.type = TypeOf(expr);
      for (const auto& part : expr.parts) {
        if (part.expr) {
          out.children.push_back(Lower(*part.expr));
        } else if (!part.text.empty()) {
          out.children.push_back(LiteralExpr(Value::String(part.text), ast::StringType()));
        }
      }
      return out;
    }
    case ExprKind::ListLit: {
      out.kind = ir::ExprKind::List;
      out.type = TypeOf(expr);
      for (const auto& item : c) {
        if (!item) throw InternalError("missing list element", expr.range);
        out.children.push_back(Coerce(Lower(*item), out.type->element));
      }
      return out;
    }
    case ExprKind::RecordLit:
      out.kind = ir::ExprKind::Record;
      out.type = TypeOf(expr);
      for (const auto& field : expr.fields) {
        if (!field.value) throw InternalError("missing record field value", field.range);
        out.names.push_back(field.name.text);
        out.children.push_back(Lower(*field.value));
      }
      return out;
    case ExprKind::NameRef:
      return LowerName(expr);
    case ExprKind::FieldAccess:
      return LowerFieldAccess(expr);
    case ExprKind::Index: {
      Expr target = Lower(child(0));
      Expr index = Lower(child(1));
      // `record["field"]` with a constant name is a field access.
      if (target.type && target.type->kind == TypeKind::Record && index.kind == ir::ExprKind::Literal &&
          index.value.kind == Value::Kind::String) {
        int slot = target.type->FieldIndex(index.value.string_value);
        if (slot >= 0) {
          out.kind = ir::ExprKind::GetField;
          out.type = TypeOf(expr);
          out.name = index.value.string_value;
          out.slot = slot;
          out.children.push_back(std::move(target));
          return out;
        }
      }
      out.kind = ir::ExprKind::Index;
      out.type = TypeOf(expr);
      out.children.push_back(std::move(target));
      out.children.push_back(std::move(index));
      return out;
    }
    case ExprKind::Call:
      return LowerCall(expr);
    case ExprKind::Unary:
      out.kind = ir::ExprKind::Unary;
      out.type = TypeOf(expr);
      out.unary_op = expr.unary_op;
      out.children.push_back(Lower(child(0)));
      return out;
    case ExprKind::Binary:
      return LowerBinary(expr);
    case ExprKind::IsNull:
      out.kind = ir::ExprKind::IsNull;
      out.type = ast::BoolType();
      out.negated = expr.negated;
      out.children.push_back(Lower(child(0)));
      return out;
    case ExprKind::If:
      out.kind = ir::ExprKind::If;
      out.type = TypeOf(expr);
      out.children.push_back(Lower(child(0)));
      out.children.push_back(Coerce(Lower(child(1)), out.type));
      out.children.push_back(Coerce(Lower(child(2)), out.type));
      return out;
    case ExprKind::Match: {
      out.kind = ir::ExprKind::Match;
      out.type = TypeOf(expr);
      out.children.push_back(Lower(child(0)));
      TypeRef subject = out.children[0].type;
      for (const auto& arm : expr.arms) {
        if (!arm.value) throw InternalError("match arm without a value", arm.range);
        int count = 0;
        for (const auto& pattern : arm.patterns) {
          if (!pattern) throw InternalError("missing match pattern", arm.range);
          out.children.push_back(Coerce(Lower(*pattern), subject));
          ++count;
        }
        if (count == 0 && !arm.wildcard) throw InternalError("match arm without patterns", arm.range);
        out.arm_patterns.push_back(count);
        out.children.push_back(Coerce(Lower(*arm.value), out.type));
      }
      return out;
    }
    case ExprKind::Paren:
      return Lower(child(0));
  }
  throw InternalError("unknown expression kind", expr.range);
}

Expr ExprLowerer::Field(const ast::Expr& expr, int side) {
  // In aggregate outputs (outside aggregate calls) a field names a key of the group record.
  const TypeRef& record = side == 1 ? scope_.right : scope_.left;
  if (!record || record->kind != TypeKind::Record) throw InternalError("field `" + expr.text + "` outside a record scope", expr.range);
  // Slots are recomputed by name against the record this node evaluates (sema's slot is
  // used only as a fallback): the runtime layout is the plan's, documented in plan.md.
  int slot = record->FieldIndex(expr.text);
  if (slot < 0 && expr.ref.slot >= 0 && static_cast<size_t>(expr.ref.slot) < record->fields.size()) slot = expr.ref.slot;
  if (slot < 0) throw InternalError("field `" + expr.text + "` is not in " + ast::ToString(record, true), expr.range);
  return FieldExpr(slot, expr.text, TypeOf(expr), side);
}

Expr ExprLowerer::LowerName(const ast::Expr& expr) {
  switch (expr.ref.kind) {
    case RefKind::Field:
      return Field(expr, expr.ref.side);
    case RefKind::Const: {
      const auto* decl = expr.ref.decl ? expr.ref.decl->As<ast::ConstDecl>() : nullptr;
      if (!decl) throw InternalError("const `" + expr.text + "` has no declaration", expr.range);
      if (decl->folded) return LiteralExpr(*decl->folded, TypeOf(expr));
      // Not foldable at compile time (it calls a stdlib function): inline its expression,
      // which sema checked to depend on constants only.
      if (!decl->value) throw InternalError("const `" + expr.text + "` has no value", expr.range);
      ExprLowerer inner(Scope{});
      return Coerce(inner.Lower(*decl->value), TypeOf(expr));
    }
    case RefKind::Param: {
      const auto* decl = expr.ref.decl ? expr.ref.decl->As<ast::ParamDecl>() : nullptr;
      return ParamExpr(decl ? decl->name.text : expr.text, TypeOf(expr));
    }
    case RefKind::FnParam: {
      if (fn_args_.empty() || expr.ref.slot < 0 || static_cast<size_t>(expr.ref.slot) >= fn_args_.back().size()) {
        throw InternalError("fn parameter `" + expr.text + "` outside its fn", expr.range);
      }
      return fn_args_.back()[static_cast<size_t>(expr.ref.slot)];
    }
    case RefKind::Step:
      return Stream(expr, expr.text);
    default:
      throw InternalError("name `" + expr.text + "` does not denote a value here", expr.range);
  }
}

Expr ExprLowerer::Stream(const ast::Expr& expr, const std::string& key) {
  if (!scope_.streams) throw InternalError("stream `" + key + "` outside a test", expr.range);
  auto it = scope_.streams->find(key);
  if (it == scope_.streams->end()) throw InternalError("unknown stream `" + key + "`", expr.range);
  return FieldExpr(it->second, key, TypeOf(expr));
}

Expr ExprLowerer::LowerFieldAccess(const ast::Expr& expr) {
  switch (expr.ref.kind) {
    case RefKind::Field:
      return Field(expr, expr.ref.side);
    case RefKind::Const:
    case RefKind::Param:
      return LowerName(expr);  // `module.name` of an import
    case RefKind::Port:  // `step.port` in a test expectation
      if (expr.children.empty() || !expr.children[0]) throw InternalError("port without a step", expr.range);
      return Stream(expr, expr.children[0]->text + "." + expr.text);
    default:
      break;
  }
  if (expr.children.empty() || !expr.children[0]) throw InternalError("field access without a target", expr.range);
  Expr target = Lower(*expr.children[0]);
  Expr out;
  out.kind = ir::ExprKind::GetField;
  out.type = TypeOf(expr);
  out.name = expr.text;
  out.safe = expr.safe;
  out.slot = -1;
  if (target.type && target.type->kind == TypeKind::Record) {
    out.slot = target.type->FieldIndex(expr.text);
    if (out.slot < 0) throw InternalError("record has no field `" + expr.text + "`", expr.range);
  } else if (!target.type || target.type->kind != TypeKind::Json) {
    throw InternalError("`." + expr.text + "` on a value that is neither a record nor json", expr.range);
  }
  out.children.push_back(std::move(target));
  return out;
}

Expr ExprLowerer::LowerBinary(const ast::Expr& expr) {
  if (expr.children.size() < 2 || !expr.children[0] || !expr.children[1]) throw InternalError("missing operand", expr.range);
  Expr left = Lower(*expr.children[0]);
  Expr right = Lower(*expr.children[1]);
  TypeRef type = TypeOf(expr);
  using ast::BinaryOp;
  switch (expr.binary_op) {
    case BinaryOp::In:
    case BinaryOp::NotIn:
      if (right.type && right.type->kind == TypeKind::List) left = Coerce(std::move(left), right.type->element);
      break;
    case BinaryOp::Coalesce:
      left = Coerce(std::move(left), type);
      right = Coerce(std::move(right), type);
      break;
    default:
      // Mixed int and float/decimal operands: the int side widens (arithmetic and comparisons).
      if (IsWidenable(left.type, right.type)) {
        left = Coerce(std::move(left), right.type);
      } else if (IsWidenable(right.type, left.type)) {
        right = Coerce(std::move(right), left.type);
      }
  }
  return BinaryExpr(expr.binary_op, std::move(left), std::move(right), type);
}

Expr ExprLowerer::LowerCall(const ast::Expr& expr) {
  if (expr.ref.kind != RefKind::Fn) throw InternalError("call of something that is not a function", expr.range);
  if (expr.ref.decl) {
    const auto* fn = expr.ref.decl->As<ast::FnDecl>();
    if (!fn) throw InternalError("call of a declaration that is not a fn", expr.range);
    return InlineFn(expr, *fn);
  }
  const std::string& name = expr.ref.builtin;
  if (name.empty()) throw InternalError("call without a resolved function", expr.range);
  // Arguments in the function's parameter order: positional first, named at their position.
  std::vector<const ast::Expr*> ordered;
  std::vector<std::pair<size_t, const ast::Expr*>> named;
  const stdlib::FunctionSpec* spec = stdlib::FindFunction(name, IsAggregateCall(name, expr.args.size()));
  for (const auto& arg : expr.args) {
    if (!arg.value) throw InternalError("missing call argument", arg.range);
    if (!arg.name) {
      ordered.push_back(arg.value.get());
      continue;
    }
    size_t index = SIZE_MAX;
    for (size_t i = 0; spec && i < spec->params.size(); ++i) {
      if (spec->params[i].name == arg.name->text) index = i;
    }
    if (index == SIZE_MAX) throw InternalError("unknown named argument `" + arg.name->text + "`", arg.range);
    named.emplace_back(index, arg.value.get());
  }
  std::sort(named.begin(), named.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [index, value] : named) {
    if (index != ordered.size()) throw InternalError("named arguments leave a gap in `" + name + "`", expr.range);
    ordered.push_back(value);
  }

  bool aggregate = scope_.aggregates && IsAggregateCall(name, ordered.size());
  if (aggregate) {
    // The aggregate's arguments read the input records, not the group record.
    AggregateCall call;
    call.function = name;
    call.type = TypeOf(expr);
    ExprLowerer inner(Scope{scope_.aggregate_input, nullptr, nullptr, nullptr});
    inner.fn_args_ = fn_args_;
    for (const auto* arg : ordered) call.args.push_back(inner.Lower(*arg));
    // The same call twice (`sum(x) / count()` next to `n = count()`) is computed once.
    std::string text = ToText(CallExpr(call.function, call.args, call.type));
    for (size_t i = 0; i < scope_.aggregates->size(); ++i) {
      const auto& have = (*scope_.aggregates)[i];
      if (ToText(CallExpr(have.function, have.args, have.type)) == text && ast::SameType(have.type, call.type)) {
        Expr ref;
        ref.kind = ir::ExprKind::AggregateRef;
        ref.slot = static_cast<int>(i);
        ref.type = call.type;
        return ref;
      }
    }
    scope_.aggregates->push_back(std::move(call));
    Expr ref;
    ref.kind = ir::ExprKind::AggregateRef;
    ref.slot = static_cast<int>(scope_.aggregates->size() - 1);
    ref.type = TypeOf(expr);
    return ref;
  }
  std::vector<Expr> args;
  for (const auto* arg : ordered) args.push_back(Lower(*arg));
  return CallExpr(name, std::move(args), TypeOf(expr));
}

Expr ExprLowerer::InlineFn(const ast::Expr& call, const ast::FnDecl& fn) {
  if (fn_args_.size() >= kMaxInlineDepth) throw InternalError("fn `" + fn.name.text + "` inlined too deeply", call.range);
  if (!fn.body) throw InternalError("fn `" + fn.name.text + "` has no body", fn.range);
  std::vector<std::optional<Expr>> bound(fn.params.size());
  size_t position = 0;
  for (const auto& arg : call.args) {
    if (!arg.value) throw InternalError("missing call argument", arg.range);
    size_t index = position;
    if (arg.name) {
      index = fn.params.size();
      for (size_t i = 0; i < fn.params.size(); ++i) {
        if (fn.params[i].name.text == arg.name->text) index = i;
      }
    } else {
      ++position;
    }
    if (index >= fn.params.size()) throw InternalError("argument does not match a parameter of `" + fn.name.text + "`", arg.range);
    TypeRef param_type = fn.params[index].type ? fn.params[index].type->resolved : nullptr;
    bound[index] = Coerce(Lower(*arg.value), param_type);
  }
  std::vector<Expr> args;
  for (size_t i = 0; i < bound.size(); ++i) {
    if (!bound[i]) throw InternalError("missing argument `" + fn.params[i].name.text + "` of `" + fn.name.text + "`", call.range);
    args.push_back(std::move(*bound[i]));
  }
  // The body sees only its parameters (and consts/params): no field scope of its own.
  fn_args_.push_back(std::move(args));
  Expr body = Lower(*fn.body);
  fn_args_.pop_back();
  return Coerce(std::move(body), fn.result_type ? fn.result_type : call.type);
}

}  // namespace etl::ir::lowering
