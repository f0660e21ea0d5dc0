// Lowered expressions of the plan: names resolved to slots or params, consts folded to
// literals, user fns inlined, widening explicit. Every node carries its result type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/types.h"
#include "compiler/ast/value.h"

namespace etl::ir {

using ast::TypeRef;
using ast::Value;

// The closed set of lowered expression kinds: X(Enum, "json spelling").
#define ETL_IR_EXPR_KINDS(X)        \
  X(Literal, "literal")             \
  X(Field, "field")                 \
  X(Param, "param")                 \
  X(Call, "call")                   \
  X(Unary, "unary")                 \
  X(Binary, "binary")               \
  X(IsNull, "is_null")              \
  X(If, "if")                       \
  X(Match, "match")                 \
  X(List, "list")                   \
  X(Record, "record")               \
  X(Index, "index")                 \
  X(GetField, "get_field")          \
  X(Widen, "widen")                 \
  X(Interpolate, "interpolate")     \
  X(AggregateRef, "aggregate")

// Kinds of lowered expressions.
enum class ExprKind {
#define ETL_IR_EXPR_ENUM(name, spelling) name,
  ETL_IR_EXPR_KINDS(ETL_IR_EXPR_ENUM)
#undef ETL_IR_EXPR_ENUM
};

// The JSON spelling of a kind ("is_null").
std::string_view Spelling(ExprKind kind);
// The kind of a JSON spelling; false when unknown.
bool ParseExprKind(std::string_view text, ExprKind* kind);

// A lowered expression. Members used per kind:
//   Literal      value
//   Field        slot (index in the node's input record), side (join: 0 left, 1 right), name
//   Param        name
//   Call         name (stdlib function), children = arguments
//   Unary        unary_op, children[0]
//   Binary       binary_op, children[0], children[1]
//   IsNull       negated, children[0]
//   If           children = condition, then, else
//   Match        children = subject, then per arm its patterns followed by its value;
//                arm_patterns[i] = number of patterns of arm i (0 = the `_` arm)
//   List         children = elements
//   Record       names[i] = children[i]'s field name
//   Index        children = target, index
//   GetField     children[0] (a record or json), name, slot (index in the record type;
//                -1 for json), safe (`?.`)
//   Widen        children[0] (int or int?), type = the float/decimal it widens to
//   Interpolate  children = parts (string literals and values), concatenated as text
//   AggregateRef slot = index into the aggregate node's aggregate calls (outputs only)
struct Expr {
  ExprKind kind = ExprKind::Literal;
  TypeRef type;
  Value value;
  int slot = -1;
  int side = 0;
  std::string name;
  ast::UnaryOp unary_op = ast::UnaryOp::Neg;
  ast::BinaryOp binary_op = ast::BinaryOp::Add;
  bool negated = false;
  bool safe = false;
  std::vector<Expr> children;
  std::vector<std::string> names;
  std::vector<int> arm_patterns;
};

// Constructors used by the lowering and by tests that build plans by hand.
Expr LiteralExpr(Value value, TypeRef type);
Expr FieldExpr(int slot, std::string name, TypeRef type, int side = 0);
Expr ParamExpr(std::string name, TypeRef type);
Expr CallExpr(std::string function, std::vector<Expr> args, TypeRef type);
Expr BinaryExpr(ast::BinaryOp op, Expr left, Expr right, TypeRef type);
Expr WidenExpr(Expr inner, TypeRef to);

// A compact one-line rendering for explain output and test messages:
// `$3:amount > param(min_amount)`, `usd(...)` is shown inlined.
std::string ToText(const Expr& expr);

}  // namespace etl::ir
