// Internal to compiler/syntax: parse tree -> AST. Every accessor of the (possibly
// partial, error-recovered) parse tree is null-checked; a piece that is broken yields
// null/nullopt and the enclosing item (statement, field, declaration) is dropped, so the
// AST never holds half-built nodes.
#pragma once

#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "compiler/syntax/antlr_support.h"
#include "compiler/syntax/literals.h"

namespace etl::syntax {

class AstBuilder {
 public:
  AstBuilder(ParseState& state, const DecodedText& decoded, const std::unordered_set<uint32_t>& unterminated)
      : state_(state), decoded_(decoded), unterminated_(unterminated) {}

  // Appends the well-formed declarations of a `file` parse.
  void BuildFile(grammar::EtlParser::FileContext* ctx, std::vector<std::unique_ptr<ast::Decl>>& out);
  // An expression; null when it is broken (an error was reported).
  ast::ExprPtr Expr(grammar::EtlParser::ExprContext* ctx);

 private:
  using P = grammar::EtlParser;

  // ---- shared helpers (ast_builder.cpp)
  diag::SourceRange Range(const antlr4::ParserRuleContext* ctx) const { return ContextRange(state_, decoded_, ctx); }
  diag::SourceRange Range(const antlr4::Token* token) const { return TokenRange(state_, decoded_, token); }
  diag::SourceRange Range(antlr4::tree::TerminalNode* node) const {
    return node ? Range(node->getSymbol()) : diag::SourceRange{};
  }
  std::string_view Text(diag::SourceRange range) const { return state_.Slice(range.begin, range.end); }
  static bool Broken(const antlr4::ParserRuleContext* ctx) { return !ctx || ctx->exception != nullptr; }
  std::optional<ast::Name> Name(P::NameContext* ctx);
  std::optional<ast::QualifiedName> Qualified(P::QualifiedNameContext* ctx);
  // The decoded text of a string token where no interpolation is allowed (titles, paths).
  std::optional<std::string> PlainString(antlr4::tree::TerminalNode* node, diag::SourceRange* range = nullptr);
  std::optional<int64_t> IntToken(antlr4::tree::TerminalNode* node);
  std::optional<int64_t> DurationToken(antlr4::tree::TerminalNode* node);
  void ReportLiteral(diag::Code code, diag::SourceRange range, uint32_t body_offset, const LiteralError& error);

  // ---- declarations and types (build_decls.cpp)
  std::unique_ptr<ast::Decl> Decl(P::DeclContext* ctx);
  std::unique_ptr<ast::TypeExpr> Type(P::TypeContext* ctx);
  std::optional<ast::FieldDecl> Field(P::FieldDeclContext* ctx);
  std::vector<ast::FieldDecl> Fields(const std::vector<P::FieldDeclContext*>& ctxs);
  std::optional<ast::TestItem> TestItem(P::TestItemContext* ctx);

  // ---- pipelines (build_pipeline.cpp)
  std::optional<ast::Statement> Statement(P::PipelineItemContext* ctx);
  std::optional<ast::Setting> Setting(P::SettingContext* ctx);
  std::optional<ast::Chain> Chain(P::ChainContext* ctx);
  std::optional<ast::Op> Op(P::OpContext* ctx);
  std::optional<ast::StreamRef> Stream(P::StreamRefContext* ctx);
  std::unique_ptr<ast::StepCall> Call(P::CallContext* ctx);
  std::optional<ast::Assignment> Assign(P::NameContext* name, P::ExprContext* expr, antlr4::ParserRuleContext* ctx,
                                        bool value_required);

  // ---- expressions (build_exprs.cpp)
  ast::ExprPtr Or(P::OrExprContext* ctx);
  ast::ExprPtr And(P::AndExprContext* ctx);
  ast::ExprPtr Not(P::NotExprContext* ctx);
  ast::ExprPtr Cmp(P::CmpExprContext* ctx);
  ast::ExprPtr Coalesce(P::CoalesceExprContext* ctx);
  ast::ExprPtr Add(P::AddExprContext* ctx);
  ast::ExprPtr Mul(P::MulExprContext* ctx);
  ast::ExprPtr Unary(P::UnaryExprContext* ctx);
  ast::ExprPtr Postfix(P::PostfixExprContext* ctx);
  ast::ExprPtr Primary(P::PrimaryContext* ctx);
  ast::ExprPtr Literal(antlr4::Token* token);
  ast::ExprPtr StringLiteral(antlr4::Token* token);
  ast::ExprPtr Pattern(P::PatternContext* ctx, bool* wildcard);
  std::optional<std::vector<ast::Argument>> Arguments(const std::vector<P::ArgumentContext*>& ctxs);
  // Folds `operand (op operand)*` children left-associatively.
  template <typename Ctx, typename Build>
  ast::ExprPtr BinaryChain(Ctx* ctx, Build build);

  ParseState& state_;
  const DecodedText& decoded_;
  const std::unordered_set<uint32_t>& unterminated_;
};

// A new expression node of `kind` over `range`.
ast::ExprPtr MakeExpr(ast::ExprKind kind, diag::SourceRange range);

}  // namespace etl::syntax
