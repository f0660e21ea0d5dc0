// Operators: unary `-`/`not` and every binary operator (language.md §5, and the typing
// rules of docs/dev/frontend-plan.md: strict nullability, int -> float widening, time arithmetic).
#include <fmt/format.h>
#include <re2/re2.h>

#include "compiler/sema/expr_checker.h"

namespace etl::sema {

using ast::BinaryOp;
using ast::Expr;
using ast::ExprKind;
using ast::TypeKind;
using diag::Code;
using Mode = ExprEnv::Mode;

namespace {

// The numeric type of `a op b` for + - * / %, or nullptr.
TypeRef NumericResult(const TypeRef& a, const TypeRef& b) {
  if (!ast::IsNumeric(a) || !ast::IsNumeric(b)) return nullptr;
  if (a->kind == TypeKind::Float || b->kind == TypeKind::Float) {
    if (a->kind == TypeKind::Decimal || b->kind == TypeKind::Decimal) return nullptr;
    return ast::FloatType();
  }
  if (a->kind == TypeKind::Decimal || b->kind == TypeKind::Decimal) {
    return ast::WithNullable(ast::CommonType(ast::WithNullable(a, false), ast::WithNullable(b, false)), false);
  }
  return ast::IntType();
}

}  // namespace

TypeRef ExprChecker::Unary(Expr& e) {
  if (e.children.empty()) return ast::ErrorType();
  Expr& operand = *e.children[0];
  TypeRef type = Check(operand);
  if (ast::IsError(type)) return type;
  if (RejectSecret(operand, "an expression")) return ast::ErrorType();
  if (e.unary_op == ast::UnaryOp::Not) {
    if (type->kind != TypeKind::Bool) {
      c_.Report(Code::InvalidOperands, e.range, fmt::format("`not` needs a `bool`, found {}", Quoted(type)));
      return ast::ErrorType();
    }
    if (type->nullable) c_.ReportNullable(operand, "`not`");
    return ast::BoolType();
  }
  if (!ast::IsNumeric(type) && type->kind != TypeKind::Duration) {
    c_.Report(Code::InvalidOperands, e.range, fmt::format("cannot negate {}", Quoted(type)));
    return ast::ErrorType();
  }
  if (type->nullable) c_.ReportNullable(operand, "`-`");
  return ast::WithNullable(type, false);
}

TypeRef ExprChecker::Binary(Expr& e) {
  if (e.children.size() < 2) return ast::ErrorType();
  Expr& l = *e.children[0];
  Expr& r = *e.children[1];
  TypeRef a = Check(l);
  TypeRef b = Check(r);
  BinaryOp op = e.binary_op;
  std::string spelling(ast::Spelling(op));
  if (ast::IsError(a) || ast::IsError(b)) return op >= BinaryOp::Eq && op <= BinaryOp::Match ? ast::BoolType() : ast::ErrorType();
  if (RejectSecret(l, fmt::format("`{}`", spelling)) || RejectSecret(r, fmt::format("`{}`", spelling))) {
    return ast::ErrorType();
  }
  auto invalid = [&](const std::string& why) {
    auto& d = c_.Report(Code::InvalidOperands, e.range,
                        fmt::format("`{}` cannot be applied to {} and {}", spelling, Quoted(a), Quoted(b)));
    if (!why.empty()) d.notes.push_back({why, {}});
    return ast::ErrorType();
  };
  auto non_null = [&](Expr& side, const TypeRef& type) {
    if (type->nullable && type->kind != TypeKind::Null) {
      c_.ReportNullable(side, fmt::format("`{}`", spelling));
      return false;
    }
    return true;
  };
  switch (op) {
    case BinaryOp::And:
    case BinaryOp::Or: {
      for (auto* side : {&l, &r}) {
        if (side->type->kind != TypeKind::Bool) {
          c_.Report(Code::InvalidOperands, side->range,
                    fmt::format("`{}` needs `bool` operands, found {}", spelling, Quoted(side->type)));
          return ast::BoolType();
        }
      }
      non_null(l, a);
      non_null(r, b);
      return ast::BoolType();
    }
    case BinaryOp::Eq:
    case BinaryOp::Ne:
      if (!ast::CommonType(a, b)) return invalid("compare values of the same type (convert one side first)"), ast::BoolType();
      if (!ast::IsHashable(a)) return invalid(""), ast::BoolType();
      return ast::BoolType();
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge: {
      TypeRef common = ast::CommonType(a, b);
      if (!common || !ast::IsOrderable(common) || a->kind == TypeKind::Null || b->kind == TypeKind::Null) {
        return invalid(common ? "values of this type have no order" : "compare values of the same type"), ast::BoolType();
      }
      non_null(l, a) && non_null(r, b);
      return ast::BoolType();
    }
    case BinaryOp::In:
    case BinaryOp::NotIn: {
      if (b->kind != TypeKind::List) {
        return invalid(fmt::format("`{}` needs a list on its right: `x in [1, 2]`", spelling)), ast::BoolType();
      }
      non_null(r, b);
      if (!IsKind(b->element, TypeKind::Error) && !ast::CommonType(ast::WithNullable(a, false), b->element)) {
        c_.Report(Code::InvalidOperands, e.range,
                  fmt::format("{} cannot be in a list of {}", Quoted(a), Quoted(b->element)));
      }
      return ast::BoolType();
    }
    case BinaryOp::Match: {
      if (a->kind != TypeKind::String || b->kind != TypeKind::String) {
        return invalid("`~` matches a string against a regular expression string"), ast::BoolType();
      }
      non_null(l, a);
      non_null(r, b);
      if (r.kind == ExprKind::StringLit && r.parts.empty()) {
        RE2::Options options;
        options.set_log_errors(false);
        RE2 regex(r.text, options);
        if (!regex.ok()) {
          c_.Report(Code::InvalidArgumentValue, r.range,
                    fmt::format("invalid regular expression: {}", regex.error()));
        }
      }
      return ast::BoolType();
    }
    case BinaryOp::Coalesce: {
      if (!a->nullable && a->kind != TypeKind::Json) {
        c_.Report(Code::UnnecessaryNullCheck, l.range,
                  fmt::format("`{}` is {} and never null; `??` is not needed", c_.Text(l.range), Quoted(a)));
      }
      if (a->kind == TypeKind::Null) return b;
      TypeRef common = ast::CommonType(ast::WithNullable(a, false), b);
      if (!common) {
        c_.Report(Code::IncompatibleElements, r.range,
                  fmt::format("the default after `??` must be {}, found {}", Quoted(ast::WithNullable(a, false)), Quoted(b)));
        return ast::WithNullable(a, false);
      }
      return common;
    }
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::Mul:
    case BinaryOp::Div:
    case BinaryOp::Mod:
      break;
  }
  // Arithmetic and concatenation: operands must be non-null.
  if (a->kind == TypeKind::Null || b->kind == TypeKind::Null) return invalid("`null` has no arithmetic");
  if (!non_null(l, a) || !non_null(r, b)) return ast::ErrorType();
  TypeRef x = ast::WithNullable(a, false), y = ast::WithNullable(b, false);
  if (TypeRef numeric = NumericResult(x, y)) {
    if (op == BinaryOp::Mod && numeric->kind == TypeKind::Decimal) return numeric;
    return numeric;
  }
  if (ast::IsNumeric(x) && ast::IsNumeric(y)) {
    return invalid("`float` and `decimal` do not mix implicitly; convert one with `float(...)` or `decimal(...)`");
  }
  auto is = [](const TypeRef& t, TypeKind k) { return t->kind == k; };
  switch (op) {
    case BinaryOp::Add:
      if (is(x, TypeKind::String) && is(y, TypeKind::String)) return ast::StringType();
      if (is(x, TypeKind::List) && is(y, TypeKind::List)) {
        if (TypeRef common = ast::CommonType(x, y)) return common;
        return invalid("both lists must have the same element type");
      }
      if ((is(x, TypeKind::Timestamp) || is(x, TypeKind::Date)) && is(y, TypeKind::Duration)) return x;
      if (is(x, TypeKind::Duration) && (is(y, TypeKind::Timestamp) || is(y, TypeKind::Date))) return y;
      if (is(x, TypeKind::Duration) && is(y, TypeKind::Duration)) return x;
      if (is(x, TypeKind::String) || is(y, TypeKind::String)) {
        return invalid("`+` joins two strings; convert the other side with `string(...)` or use \"${...}\"");
      }
      return invalid("");
    case BinaryOp::Sub:
      if ((is(x, TypeKind::Timestamp) || is(x, TypeKind::Date)) && is(y, TypeKind::Duration)) return x;
      if (is(x, TypeKind::Timestamp) && is(y, TypeKind::Timestamp)) return ast::DurationType();
      if (is(x, TypeKind::Date) && is(y, TypeKind::Date)) return ast::DurationType();
      if (is(x, TypeKind::Duration) && is(y, TypeKind::Duration)) return x;
      return invalid("");
    case BinaryOp::Mul:
      if (is(x, TypeKind::Duration) && is(y, TypeKind::Int)) return x;
      if (is(x, TypeKind::Int) && is(y, TypeKind::Duration)) return y;
      return invalid("");
    case BinaryOp::Div:
      if (is(x, TypeKind::Duration) && is(y, TypeKind::Int)) return x;
      if (is(x, TypeKind::Duration) && is(y, TypeKind::Duration)) return ast::FloatType();
      return invalid("");
    default:
      return invalid("");
  }
}

}  // namespace etl::sema
