// Parsing: .etl text -> AST (the only entry point; ANTLR types stay in compiler/syntax).
#pragma once

#include <memory>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"

namespace etl::syntax {

// Parses one file. Never fails: syntax errors are reported into `diagnostics` (E0001-E0008)
// and recovered from, so one run reports several and the AST holds every well-formed
// declaration (the LSP relies on this for half-typed files).
std::unique_ptr<ast::Module> ParseModule(const diag::SourceManager& sources, diag::FileId file,
                                         diag::Diagnostics& diagnostics);

// Parses a standalone expression (e.g. from an interpolated string or a test); ranges
// point into `file` starting at `offset`.
ast::ExprPtr ParseExpression(const diag::SourceManager& sources, diag::FileId file, uint32_t begin,
                             uint32_t end, diag::Diagnostics& diagnostics);

}  // namespace etl::syntax
