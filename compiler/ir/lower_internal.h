// Internal to the lowering: the expression lowerer shared by lower.cpp and lower_expr.cpp.
#pragma once

#include <map>
#include <stdexcept>
#include <utility>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ir/plan.h"
#include "compiler/sema/program.h"

namespace etl::ir::lowering {

// An unexpected tree shape (a compiler bug, not a user error); Lower turns it into a diagnostic.
struct InternalError : std::runtime_error {
  InternalError(const std::string& message, diag::SourceRange where)
      : std::runtime_error(message), range(where) {}
  diag::SourceRange range;
};

// What field references resolve against while lowering one expression.
struct Scope {
  TypeRef left;    // the record on the node's input (join: the left side)
  TypeRef right;   // join: the right side
  // Aggregate outputs: fields are the group record (keys, then window bounds), and
  // aggregate calls are collected into `aggregates`.
  std::vector<AggregateCall>* aggregates = nullptr;
  TypeRef aggregate_input;  // the record the aggregate calls' arguments read
  // Test expectations: "step" / "step.port" -> the field of the record of streams.
  const std::map<std::string, int>* streams = nullptr;
};

// Lowers annotated AST expressions: folds consts, inlines user fns, makes widening explicit.
class ExprLowerer {
 public:
  explicit ExprLowerer(Scope scope) : scope_(std::move(scope)) {}

  Expr Lower(const ast::Expr& expr);

 private:
  Expr LowerName(const ast::Expr& expr);
  Expr LowerFieldAccess(const ast::Expr& expr);
  Expr LowerCall(const ast::Expr& expr);
  Expr LowerBinary(const ast::Expr& expr);
  Expr InlineFn(const ast::Expr& call, const ast::FnDecl& fn);
  Expr Field(const ast::Expr& expr, int side);
  Expr Stream(const ast::Expr& expr, const std::string& key);
  TypeRef TypeOf(const ast::Expr& expr) const;

  Scope scope_;
  // Arguments of the user fns being inlined, innermost last.
  std::vector<std::vector<Expr>> fn_args_;
};

// `expr` converted to `target` when an int flows into a float or decimal; otherwise unchanged.
Expr Coerce(Expr expr, const TypeRef& target);

// Appends the root module's `test` blocks to plan.tests (after its pipelines are lowered).
void LowerTests(const sema::Program& program, Plan& plan);

// Whether a call of `name` with `arg_count` arguments is an aggregate (in aggregate outputs).
bool IsAggregateCall(const std::string& name, size_t arg_count);

}  // namespace etl::ir::lowering
