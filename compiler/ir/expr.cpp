#include "compiler/ir/expr.h"

#include <utility>

namespace etl::ir {

std::string_view Spelling(ExprKind kind) {
  switch (kind) {
#define ETL_IR_EXPR_SPELL(name, spelling) \
  case ExprKind::name:                    \
    return spelling;
    ETL_IR_EXPR_KINDS(ETL_IR_EXPR_SPELL)
#undef ETL_IR_EXPR_SPELL
  }
  return "?";
}

bool ParseExprKind(std::string_view text, ExprKind* kind) {
#define ETL_IR_EXPR_PARSE(name, spelling) \
  if (text == spelling) {                 \
    *kind = ExprKind::name;               \
    return true;                          \
  }
  ETL_IR_EXPR_KINDS(ETL_IR_EXPR_PARSE)
#undef ETL_IR_EXPR_PARSE
  return false;
}

Expr LiteralExpr(Value value, TypeRef type) {
  Expr e;
  e.kind = ExprKind::Literal;
  e.value = std::move(value);
  e.type = std::move(type);
  return e;
}

Expr FieldExpr(int slot, std::string name, TypeRef type, int side) {
  Expr e;
  e.kind = ExprKind::Field;
  e.slot = slot;
  e.side = side;
  e.name = std::move(name);
  e.type = std::move(type);
  return e;
}

Expr ParamExpr(std::string name, TypeRef type) {
  Expr e;
  e.kind = ExprKind::Param;
  e.name = std::move(name);
  e.type = std::move(type);
  return e;
}

Expr CallExpr(std::string function, std::vector<Expr> args, TypeRef type) {
  Expr e;
  e.kind = ExprKind::Call;
  e.name = std::move(function);
  e.children = std::move(args);
  e.type = std::move(type);
  return e;
}

Expr BinaryExpr(ast::BinaryOp op, Expr left, Expr right, TypeRef type) {
  Expr e;
  e.kind = ExprKind::Binary;
  e.binary_op = op;
  e.children.push_back(std::move(left));
  e.children.push_back(std::move(right));
  e.type = std::move(type);
  return e;
}

Expr WidenExpr(Expr inner, TypeRef to) {
  Expr e;
  e.kind = ExprKind::Widen;
  e.type = std::move(to);
  e.children.push_back(std::move(inner));
  return e;
}

namespace {

std::string Join(const std::vector<Expr>& items, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < items.size(); ++i) {
    if (i > from) out += ", ";
    out += ToText(items[i]);
  }
  return out;
}

// Operands that are themselves operators are parenthesised: the text is for people, and
// explicit grouping is clearer than relying on precedence.
std::string Operand(const Expr& expr) {
  bool compound = expr.kind == ExprKind::Binary || expr.kind == ExprKind::If || expr.kind == ExprKind::IsNull;
  return compound ? "(" + ToText(expr) + ")" : ToText(expr);
}

}  // namespace

std::string ToText(const Expr& expr) {
  const auto& c = expr.children;
  switch (expr.kind) {
    case ExprKind::Literal:
      return ast::ToLiteral(expr.value);
    case ExprKind::Field:
      return expr.side == 1 ? "right." + expr.name : expr.name;
    case ExprKind::Param:
      return "param." + expr.name;
    case ExprKind::Call:
      return expr.name + "(" + Join(c, 0, c.size()) + ")";
    case ExprKind::Unary:
      if (c.empty()) return "?";
      return expr.unary_op == ast::UnaryOp::Neg ? "-" + Operand(c[0]) : "not " + Operand(c[0]);
    case ExprKind::Binary:
      if (c.size() < 2) return "?";
      return Operand(c[0]) + " " + std::string(ast::Spelling(expr.binary_op)) + " " + Operand(c[1]);
    case ExprKind::IsNull:
      if (c.empty()) return "?";
      return Operand(c[0]) + (expr.negated ? " is not null" : " is null");
    case ExprKind::If:
      if (c.size() < 3) return "?";
      return "if " + ToText(c[0]) + " then " + ToText(c[1]) + " else " + ToText(c[2]);
    case ExprKind::Match: {
      if (c.empty()) return "?";
      std::string out = "match " + Operand(c[0]) + " { ";
      size_t at = 1;
      for (size_t arm = 0; arm < expr.arm_patterns.size(); ++arm) {
        size_t n = static_cast<size_t>(expr.arm_patterns[arm]);
        if (arm) out += ", ";
        out += n == 0 ? "_" : "";
        for (size_t i = 0; i < n && at + i < c.size(); ++i) out += (i ? " | " : "") + ToText(c[at + i]);
        at += n;
        out += " => " + (at < c.size() ? ToText(c[at]) : std::string("?"));
        ++at;
      }
      return out + " }";
    }
    case ExprKind::List:
      return "[" + Join(c, 0, c.size()) + "]";
    case ExprKind::Record: {
      std::string out = "{";
      for (size_t i = 0; i < c.size(); ++i) {
        out += (i ? ", " : "") + (i < expr.names.size() ? expr.names[i] : std::string("?")) + ": " + ToText(c[i]);
      }
      return out + "}";
    }
    case ExprKind::Index:
      if (c.size() < 2) return "?";
      return Operand(c[0]) + "[" + ToText(c[1]) + "]";
    case ExprKind::GetField:
      if (c.empty()) return "?";
      return Operand(c[0]) + (expr.safe ? "?." : ".") + expr.name;
    case ExprKind::Widen:
      if (c.empty()) return "?";
      return std::string(ast::KindName(expr.type ? expr.type->kind : ast::TypeKind::Error)) + "(" + ToText(c[0]) + ")";
    case ExprKind::Interpolate: {
      std::string out = "\"";
      for (const auto& part : c) {
        if (part.kind == ExprKind::Literal && part.value.kind == Value::Kind::String) {
          std::string quoted = ast::ToLiteral(part.value);
          out += quoted.substr(1, quoted.size() - 2);
        } else {
          out += "${" + ToText(part) + "}";
        }
      }
      return out + "\"";
    }
    case ExprKind::AggregateRef:
      return "$agg" + std::to_string(expr.slot);
  }
  return "?";
}

}  // namespace etl::ir
