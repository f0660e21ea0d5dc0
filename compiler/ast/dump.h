// A readable dump of the AST (`etlc compile --dump ast`, golden tests): one node per
// line as an indented S-expression with line:col and, once sema ran, `: type`.
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/diag/source.h"

namespace etl::ast {

// The whole module: declarations, their statements, types and expressions.
std::string DumpAst(const Module& module, const diag::SourceManager& sources);
// One expression subtree (tests and debugging).
std::string DumpExpr(const Expr& expr, const diag::SourceManager& sources);

}  // namespace etl::ast
