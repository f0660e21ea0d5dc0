// Internal to compiler/sema: the expression checker, one class whose parts live in
// expr_checker.cpp (names, fields, literals, control flow), operator_checker.cpp (unary and
// binary operators) and call_checker.cpp (user fns and stdlib functions).
#pragma once

#include "compiler/sema/checker.h"

namespace etl::sema {

// Checks one expression tree; a small class so the helpers share the environment.
class ExprChecker {
 public:
  ExprChecker(Checker& checker, const ExprEnv& env) : c_(checker), env_(env) {}

  // Checks `expr` and sets expr.type (an Error type after a diagnostic); returns it.
  TypeRef Check(ast::Expr& expr);

 private:
  TypeRef Visit(ast::Expr& e);
  bool RejectSecret(const ast::Expr& e, const std::string& where);
  TypeRef StringLit(ast::Expr& e);
  TypeRef ListLit(ast::Expr& e);
  TypeRef RecordLit(ast::Expr& e);
  // Every name visible here, for suggestions.
  std::vector<std::string> Candidates() const;
  TypeRef UseDecl(ast::Expr& e, ast::Decl* decl);
  TypeRef NameRef(ast::Expr& e);
  // In an aggregate output, a field outside an aggregate call must be a key.
  TypeRef KeyOutsideAggregate(ast::Expr& e);
  TypeRef FieldAccess(ast::Expr& e);
  TypeRef Index(ast::Expr& e);
  TypeRef Unary(ast::Expr& e);
  TypeRef IsNull(ast::Expr& e);
  TypeRef If(ast::Expr& e);
  TypeRef Match(ast::Expr& e);
  TypeRef Binary(ast::Expr& e);
  TypeRef Call(ast::Expr& e);
  TypeRef UserCall(ast::Expr& e, ast::FnDecl& fn, diag::SourceRange name_range);
  TypeRef BuiltinCall(ast::Expr& e, const stdlib::FunctionSpec& spec, diag::SourceRange name_range);

  Checker& c_;
  const ExprEnv& env_;
  int aggregate_depth_ = 0;  // > 0 inside the arguments of an aggregate call
};

}  // namespace etl::sema
