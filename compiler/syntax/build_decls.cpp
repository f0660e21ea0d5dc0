// Parse tree -> AST: shared helpers, declarations, types and test items.
#include "compiler/syntax/ast_builder.h"

namespace etl::syntax {

using grammar::EtlParser;

std::optional<ast::Name> AstBuilder::Name(P::NameContext* ctx) {
  if (Broken(ctx) || ctx->children.empty() || !ctx->start) return std::nullopt;
  diag::SourceRange range = Range(ctx->start);
  if (!range.Valid()) return std::nullopt;
  std::string_view text = Text(range);
  if (ctx->start->getType() == EtlParser::BACKTICK_IDENT && text.size() >= 2) text = text.substr(1, text.size() - 2);
  return ast::Name{std::string(text), range};
}

std::optional<ast::QualifiedName> AstBuilder::Qualified(P::QualifiedNameContext* ctx) {
  if (Broken(ctx)) return std::nullopt;
  std::vector<P::NameContext*> names = ctx->name();
  if (names.empty() || (ctx->DOT() && names.size() < 2)) return std::nullopt;
  ast::QualifiedName out;
  out.range = Range(ctx);
  auto first = Name(names[0]);
  if (!first) return std::nullopt;
  if (names.size() == 1) {
    out.name = *first;
    return out;
  }
  auto second = Name(names[1]);
  if (!second) return std::nullopt;
  out.module = *first;
  out.name = *second;
  return out;
}

void AstBuilder::ReportLiteral(diag::Code code, diag::SourceRange range, uint32_t body_offset,
                               const LiteralError& error) {
  // Escapes point at themselves; a bad number, date or duration is reported at the whole
  // literal (the message names the part that is wrong).
  diag::SourceRange at = range;
  if (error.length > 0 && code == diag::Code::InvalidEscape) {
    at.begin = range.begin + body_offset + error.offset;
    at.end = std::min(range.end, at.begin + error.length);
  }
  if (code == diag::Code::SyntaxError) {
    state_.SyntaxError(at, error.message);
  } else {
    state_.Error(code, at, error.message);
  }
}

std::optional<std::string> AstBuilder::PlainString(antlr4::tree::TerminalNode* node, diag::SourceRange* out_range) {
  if (!node || dynamic_cast<antlr4::tree::ErrorNode*>(node)) return std::nullopt;
  diag::SourceRange range = Range(node);
  std::string_view spelling = Text(range);
  if (!range.Valid() || spelling.empty()) return std::nullopt;
  if (out_range) *out_range = range;
  if (node->getSymbol()->getType() == EtlParser::RAW_STRING) {
    return spelling.size() >= 3 ? std::string(spelling.substr(2, spelling.size() - 3)) : std::string();
  }
  bool unterminated = unterminated_.count(range.begin) > 0;
  if (spelling.size() < 2 && !unterminated) return std::nullopt;
  StringResult decoded = DecodeStringBody(spelling.substr(1, spelling.size() - 1 - (unterminated ? 0 : 1)), false);
  for (const LiteralError& error : decoded.errors) ReportLiteral(diag::Code::InvalidEscape, range, 1, error);
  return decoded.Text();
}

std::optional<int64_t> AstBuilder::IntToken(antlr4::tree::TerminalNode* node) {
  if (!node || dynamic_cast<antlr4::tree::ErrorNode*>(node)) return std::nullopt;
  diag::SourceRange range = Range(node);
  if (!range.Valid()) return std::nullopt;
  IntResult value = DecodeInt(Text(range));
  if (value.error) ReportLiteral(diag::Code::InvalidNumber, range, 0, *value.error);
  return value.value;
}

std::optional<int64_t> AstBuilder::DurationToken(antlr4::tree::TerminalNode* node) {
  if (!node || dynamic_cast<antlr4::tree::ErrorNode*>(node)) return std::nullopt;
  diag::SourceRange range = Range(node);
  if (!range.Valid()) return std::nullopt;
  IntResult value = DecodeDuration(Text(range));
  if (value.error) ReportLiteral(diag::Code::InvalidDuration, range, 0, *value.error);
  return value.value;
}

void AstBuilder::BuildFile(P::FileContext* ctx, std::vector<std::unique_ptr<ast::Decl>>& out) {
  if (!ctx) return;
  for (P::DeclContext* decl_ctx : ctx->decl()) {
    if (auto decl = Decl(decl_ctx)) out.push_back(std::move(decl));
  }
}

std::unique_ptr<ast::TypeExpr> AstBuilder::Type(P::TypeContext* ctx) {
  if (Broken(ctx)) return nullptr;
  P::BaseTypeContext* base = ctx->baseType();
  if (Broken(base)) return nullptr;
  auto type = std::make_unique<ast::TypeExpr>();
  type->range = Range(ctx);
  type->nullable = ctx->QUESTION() != nullptr;
  if (auto* named = dynamic_cast<P::NamedTypeContext*>(base)) {
    auto name = Qualified(named->qualifiedName());
    if (!name) return nullptr;
    type->kind = ast::TypeExpr::Kind::Named;
    type->name = *name;
  } else if (auto* generic = dynamic_cast<P::GenericTypeContext*>(base)) {
    auto name = Name(generic->name());
    auto arg = Type(generic->type());
    if (!name || !arg) return nullptr;
    type->kind = ast::TypeExpr::Kind::Generic;
    type->name.name = *name;
    type->name.range = name->range;
    type->args.push_back(std::move(arg));
  } else if (auto* decimal = dynamic_cast<P::DecimalTypeContext*>(base)) {
    auto name = Name(decimal->name());
    if (!name || decimal->INT().size() != 2) return nullptr;
    auto precision = IntToken(decimal->INT(0));
    auto scale = IntToken(decimal->INT(1));
    if (!precision || !scale) return nullptr;
    type->kind = ast::TypeExpr::Kind::Decimal;
    type->name.name = *name;
    type->name.range = name->range;
    type->precision = *precision;
    type->scale = *scale;
  } else if (auto* record = dynamic_cast<P::RecordTypeContext*>(base)) {
    type->kind = ast::TypeExpr::Kind::Record;
    type->fields = Fields(record->fieldDecl());
  } else {
    return nullptr;
  }
  return type;
}

std::optional<ast::FieldDecl> AstBuilder::Field(P::FieldDeclContext* ctx) {
  if (Broken(ctx)) return std::nullopt;
  ast::FieldDecl field;
  field.range = Range(ctx);
  auto name = Name(ctx->name());
  field.type = Type(ctx->type());
  if (!name || !field.type) return std::nullopt;
  field.name = *name;
  if (ctx->ASSIGN()) {
    field.default_value = Expr(ctx->expr());
    if (!field.default_value) return std::nullopt;
  }
  return field;
}

std::vector<ast::FieldDecl> AstBuilder::Fields(const std::vector<P::FieldDeclContext*>& ctxs) {
  std::vector<ast::FieldDecl> fields;
  for (P::FieldDeclContext* ctx : ctxs) {
    if (auto field = Field(ctx)) fields.push_back(std::move(*field));
  }
  return fields;
}

std::unique_ptr<ast::Decl> AstBuilder::Decl(P::DeclContext* ctx) {
  if (Broken(ctx)) return nullptr;
  if (auto* c = ctx->importDecl()) {
    if (Broken(c)) return nullptr;
    auto decl = std::make_unique<ast::ImportDecl>();
    decl->range = Range(c);
    auto path = PlainString(c->STRING(), &decl->path_range);
    if (!path) return nullptr;
    decl->path = *path;
    if (c->AS()) {
      auto alias = Name(c->name());
      if (!alias) return nullptr;
      decl->name = *alias;
    }
    return decl;
  }
  if (auto* c = ctx->schemaDecl()) {
    if (Broken(c)) return nullptr;
    auto decl = std::make_unique<ast::SchemaDecl>();
    decl->range = Range(c);
    auto name = Name(c->name());
    if (!name) return nullptr;
    decl->name = *name;
    decl->fields = Fields(c->fieldDecl());
    return decl;
  }
  if (auto* c = ctx->constDecl()) {
    if (Broken(c)) return nullptr;
    auto decl = std::make_unique<ast::ConstDecl>();
    decl->range = Range(c);
    auto name = Name(c->name());
    if (!name) return nullptr;
    decl->name = *name;
    if (c->COLON()) {
      decl->type = Type(c->type());
      if (!decl->type) return nullptr;
    }
    decl->value = Expr(c->expr());
    if (!decl->value) return nullptr;
    return decl;
  }
  if (auto* c = ctx->fnDecl()) {
    if (Broken(c)) return nullptr;
    auto decl = std::make_unique<ast::FnDecl>();
    decl->range = Range(c);
    auto name = Name(c->name());
    if (!name) return nullptr;
    decl->name = *name;
    for (P::FnParamContext* param_ctx : c->fnParam()) {
      if (Broken(param_ctx)) return nullptr;
      ast::FnParam param;
      param.range = Range(param_ctx);
      auto param_name = Name(param_ctx->name());
      param.type = Type(param_ctx->type());
      if (!param_name || !param.type) return nullptr;
      param.name = *param_name;
      decl->params.push_back(std::move(param));
    }
    if (c->ARROW()) {
      decl->result = Type(c->type());
      if (!decl->result) return nullptr;
    }
    decl->body = Expr(c->expr());
    if (!decl->body) return nullptr;
    return decl;
  }
  if (auto* c = ctx->paramDecl()) {
    if (Broken(c)) return nullptr;
    auto decl = std::make_unique<ast::ParamDecl>();
    decl->range = Range(c);
    auto name = Name(c->name());
    decl->type = Type(c->type());
    if (!name || !decl->type) return nullptr;
    decl->name = *name;
    if (c->ASSIGN()) {
      decl->default_value = Expr(c->expr());
      if (!decl->default_value) return nullptr;
    }
    return decl;
  }
  if (auto* c = ctx->pipelineDecl()) {
    if (Broken(c)) return nullptr;
    auto decl = std::make_unique<ast::PipelineDecl>();
    decl->range = Range(c);
    auto name = Name(c->name());
    if (!name) return nullptr;
    decl->name = *name;
    for (P::PipelineItemContext* item : c->pipelineItem()) {
      if (auto statement = Statement(item)) decl->statements.push_back(std::move(*statement));
    }
    return decl;
  }
  if (auto* c = ctx->testDecl()) {
    if (Broken(c)) return nullptr;
    auto decl = std::make_unique<ast::TestDecl>();
    decl->range = Range(c);
    auto title = PlainString(c->STRING(), &decl->title_range);
    auto pipeline = Name(c->name());
    if (!title || !pipeline) return nullptr;
    decl->title = *title;
    decl->pipeline = *pipeline;
    for (P::TestItemContext* item : c->testItem()) {
      if (auto test_item = TestItem(item)) decl->items.push_back(std::move(*test_item));
    }
    return decl;
  }
  return nullptr;
}

std::optional<ast::TestItem> AstBuilder::TestItem(P::TestItemContext* ctx) {
  if (Broken(ctx)) return std::nullopt;
  ast::TestItem item;
  item.range = Range(ctx);
  if (auto* given = dynamic_cast<P::GivenItemContext*>(ctx)) {
    auto name = Name(given->name());
    item.expr = Expr(given->expr());
    if (!name || !item.expr) return std::nullopt;
    item.kind = ast::TestItem::Kind::Given;
    item.name = *name;
    return item;
  }
  if (auto* rows = dynamic_cast<P::ExpectRowsContext*>(ctx)) {
    auto stream = Stream(rows->streamRef());
    item.expr = Expr(rows->expr());
    if (!stream || !item.expr || !rows->ROWS()) return std::nullopt;
    item.kind = ast::TestItem::Kind::ExpectRows;
    item.stream = *stream;
    return item;
  }
  if (auto* empty = dynamic_cast<P::ExpectEmptyContext*>(ctx)) {
    auto stream = Stream(empty->streamRef());
    if (!stream || !empty->EMPTY()) return std::nullopt;
    item.kind = ast::TestItem::Kind::ExpectEmpty;
    item.stream = *stream;
    return item;
  }
  if (auto* expect = dynamic_cast<P::ExpectExprContext*>(ctx)) {
    item.expr = Expr(expect->expr());
    if (!item.expr) return std::nullopt;
    item.kind = ast::TestItem::Kind::Expect;
    return item;
  }
  return std::nullopt;  // `;` or broken
}

}  // namespace etl::syntax
