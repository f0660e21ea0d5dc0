// Helpers shared by the syntax unit tests.
#pragma once

#include <memory>
#include <string>

#include "compiler/ast/dump.h"
#include "compiler/syntax/parser.h"
#include "tests/unit/language_examples.h"

namespace etl::syntax::test {

// Parses `text` as file "test.etl" and keeps everything needed to inspect the result.
struct Parsed {
  explicit Parsed(std::string text) {
    file = sources.Add("test.etl", std::move(text));
    module = ParseModule(sources, file, diagnostics);
  }
  std::string Pos(const diag::SourceRange& range) const {
    diag::LineCol pos = sources.File(range.file).Position(range.begin);
    return std::to_string(pos.line) + ":" + std::to_string(pos.col);
  }
  std::string Text(const diag::SourceRange& range) const { return std::string(sources.Text(range)); }
  // "line:col CODE message" per diagnostic, one per line.
  std::string Errors() const {
    std::string out;
    for (const diag::Diagnostic& d : diagnostics.All()) {
      out += Pos(d.range) + " " + std::string(diag::Info(d.code).id) + " " + d.message + "\n";
    }
    return out;
  }
  diag::SourceManager sources;
  diag::FileId file = diag::kNoFile;
  diag::Diagnostics diagnostics;
  std::unique_ptr<ast::Module> module;
};

// Parses `text` with ParseExpression and dumps it (or the errors).
inline std::string DumpExpression(const std::string& text) {
  diag::SourceManager sources;
  diag::FileId file = sources.Add("expr.etl", text);
  diag::Diagnostics diagnostics;
  ast::ExprPtr expr = ParseExpression(sources, file, 0, static_cast<uint32_t>(text.size()), diagnostics);
  std::string out = expr ? ast::DumpExpr(*expr, sources) : "<null>\n";
  for (const diag::Diagnostic& d : diagnostics.All()) out += "error: " + d.message + "\n";
  return out;
}

using etl::test::kOrdersProgram;
using etl::test::kTestBlock;

}  // namespace etl::syntax::test
