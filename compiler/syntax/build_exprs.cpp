// Parse tree -> AST: expressions and literals.
#include <limits>

#include "compiler/syntax/ast_builder.h"

namespace etl::syntax {

using ast::BinaryOp;
using ast::ExprKind;
using ast::ExprPtr;
using grammar::EtlParser;

ExprPtr MakeExpr(ExprKind kind, diag::SourceRange range) {
  auto expr = std::make_unique<ast::Expr>();
  expr->kind = kind;
  expr->range = range;
  return expr;
}

namespace {

std::optional<BinaryOp> OperatorOf(size_t type) {
  switch (type) {
    case EtlParser::OR: return BinaryOp::Or;
    case EtlParser::AND: return BinaryOp::And;
    case EtlParser::COALESCE: return BinaryOp::Coalesce;
    case EtlParser::PLUS: return BinaryOp::Add;
    case EtlParser::MINUS: return BinaryOp::Sub;
    case EtlParser::STAR: return BinaryOp::Mul;
    case EtlParser::SLASH: return BinaryOp::Div;
    case EtlParser::PERCENT: return BinaryOp::Mod;
    case EtlParser::EQ: return BinaryOp::Eq;
    case EtlParser::NEQ: return BinaryOp::Ne;
    case EtlParser::LT: return BinaryOp::Lt;
    case EtlParser::LE: return BinaryOp::Le;
    case EtlParser::GT: return BinaryOp::Gt;
    case EtlParser::GE: return BinaryOp::Ge;
    default: return std::nullopt;
  }
}

ExprPtr MakeBinary(BinaryOp op, ExprPtr left, ExprPtr right) {
  auto expr = MakeExpr(ExprKind::Binary, left->range.Join(right->range));
  expr->binary_op = op;
  expr->children.push_back(std::move(left));
  expr->children.push_back(std::move(right));
  return expr;
}

}  // namespace

template <typename Ctx, typename Build>
ExprPtr AstBuilder::BinaryChain(Ctx* ctx, Build build) {
  if (Broken(ctx)) return nullptr;
  ExprPtr result;
  std::optional<BinaryOp> pending;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(child)) {
      ExprPtr operand = build(rule);
      if (!operand) return nullptr;
      if (!result) {
        result = std::move(operand);
      } else {
        if (!pending) return nullptr;
        result = MakeBinary(*pending, std::move(result), std::move(operand));
        pending.reset();
      }
    } else if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
      if (dynamic_cast<antlr4::tree::ErrorNode*>(child)) continue;
      pending = OperatorOf(terminal->getSymbol()->getType());
    }
  }
  if (pending) return nullptr;  // an operator without its right operand
  return result;
}

ExprPtr AstBuilder::Expr(P::ExprContext* ctx) {
  if (Broken(ctx)) return nullptr;
  if (auto* if_ctx = dynamic_cast<P::IfExprContext*>(ctx)) {
    auto expr = MakeExpr(ExprKind::If, Range(ctx));
    if (if_ctx->expr().size() != 3) return nullptr;
    for (P::ExprContext* part : if_ctx->expr()) {
      ExprPtr child = Expr(part);
      if (!child) return nullptr;
      expr->children.push_back(std::move(child));
    }
    return expr;
  }
  if (auto* plain = dynamic_cast<P::PlainExprContext*>(ctx)) return Or(plain->orExpr());
  return nullptr;
}

ExprPtr AstBuilder::Or(P::OrExprContext* ctx) {
  return BinaryChain(ctx, [this](antlr4::ParserRuleContext* c) { return And(dynamic_cast<P::AndExprContext*>(c)); });
}

ExprPtr AstBuilder::And(P::AndExprContext* ctx) {
  return BinaryChain(ctx, [this](antlr4::ParserRuleContext* c) { return Not(dynamic_cast<P::NotExprContext*>(c)); });
}

ExprPtr AstBuilder::Not(P::NotExprContext* ctx) {
  if (Broken(ctx)) return nullptr;
  if (ctx->NOT()) {
    ExprPtr operand = Not(ctx->notExpr());
    if (!operand) return nullptr;
    auto expr = MakeExpr(ExprKind::Unary, Range(ctx));
    expr->unary_op = ast::UnaryOp::Not;
    expr->children.push_back(std::move(operand));
    return expr;
  }
  return Cmp(ctx->cmpExpr());
}

ExprPtr AstBuilder::Cmp(P::CmpExprContext* ctx) {
  if (Broken(ctx)) return nullptr;
  ExprPtr left = Coalesce(ctx->coalesceExpr(0));
  if (!left) return nullptr;
  if (ctx->IS()) {
    if (!ctx->NULL_KW()) return nullptr;
    auto expr = MakeExpr(ExprKind::IsNull, Range(ctx));
    expr->negated = ctx->NOT() != nullptr;
    expr->children.push_back(std::move(left));
    return expr;
  }
  std::optional<BinaryOp> op;
  if (P::CmpOpContext* cmp = ctx->cmpOp()) {
    if (Broken(cmp) || !cmp->start) return nullptr;
    op = OperatorOf(cmp->start->getType());
  } else if (ctx->IN()) {
    op = ctx->NOT() ? BinaryOp::NotIn : BinaryOp::In;
  } else if (ctx->TILDE()) {
    op = BinaryOp::Match;
  } else {
    return left;
  }
  ExprPtr right = op ? Coalesce(ctx->coalesceExpr(1)) : nullptr;
  if (!right) return nullptr;
  return MakeBinary(*op, std::move(left), std::move(right));
}

ExprPtr AstBuilder::Coalesce(P::CoalesceExprContext* ctx) {
  return BinaryChain(ctx, [this](antlr4::ParserRuleContext* c) { return Add(dynamic_cast<P::AddExprContext*>(c)); });
}

ExprPtr AstBuilder::Add(P::AddExprContext* ctx) {
  return BinaryChain(ctx, [this](antlr4::ParserRuleContext* c) { return Mul(dynamic_cast<P::MulExprContext*>(c)); });
}

ExprPtr AstBuilder::Mul(P::MulExprContext* ctx) {
  return BinaryChain(ctx,
                     [this](antlr4::ParserRuleContext* c) { return Unary(dynamic_cast<P::UnaryExprContext*>(c)); });
}

ExprPtr AstBuilder::Unary(P::UnaryExprContext* ctx) {
  if (Broken(ctx)) return nullptr;
  if (!ctx->MINUS()) return Postfix(ctx->postfixExpr());
  P::UnaryExprContext* inner = ctx->unaryExpr();
  if (Broken(inner)) return nullptr;
  // `-9223372036854775808` is the one int literal only valid under a minus: fold it.
  if (P::PostfixExprContext* postfix = inner->postfixExpr(); postfix && !Broken(postfix) && postfix->postfix().empty()) {
    if (auto* lit = dynamic_cast<P::IntLitContext*>(postfix->primary()); lit && lit->INT()) {
      diag::SourceRange lit_range = Range(lit->INT());
      if (IsInt64MinMagnitude(Text(lit_range))) {
        auto expr = MakeExpr(ExprKind::IntLit, Range(ctx));
        expr->int_value = std::numeric_limits<int64_t>::min();
        expr->text = "-" + std::string(Text(lit_range));
        return expr;
      }
    }
  }
  ExprPtr operand = Unary(inner);
  if (!operand) return nullptr;
  auto expr = MakeExpr(ExprKind::Unary, Range(ctx));
  expr->unary_op = ast::UnaryOp::Neg;
  expr->children.push_back(std::move(operand));
  return expr;
}

std::optional<std::vector<ast::Argument>> AstBuilder::Arguments(const std::vector<P::ArgumentContext*>& ctxs) {
  std::vector<ast::Argument> args;
  for (P::ArgumentContext* ctx : ctxs) {
    if (Broken(ctx)) return std::nullopt;
    ast::Argument arg;
    arg.range = Range(ctx);
    if (ctx->COLON() && ctx->NULL_KW()) {
      arg.name = ast::Name{"null", Range(ctx->NULL_KW())};
    } else if (ctx->COLON()) {
      arg.name = Name(ctx->name());
      if (!arg.name) return std::nullopt;
    }
    arg.value = Expr(ctx->expr());
    if (!arg.value) return std::nullopt;
    args.push_back(std::move(arg));
  }
  return args;
}

ExprPtr AstBuilder::Postfix(P::PostfixExprContext* ctx) {
  if (Broken(ctx)) return nullptr;
  ExprPtr base = Primary(ctx->primary());
  if (!base) return nullptr;
  for (P::PostfixContext* post : ctx->postfix()) {
    if (Broken(post)) return nullptr;
    diag::SourceRange range = base->range.Join(Range(post));
    ExprPtr next;
    if (auto* call = dynamic_cast<P::CallPostfixContext*>(post)) {
      auto args = Arguments(call->argument());
      if (!args) return nullptr;
      next = MakeExpr(ExprKind::Call, range);
      next->args = std::move(*args);
    } else if (auto* field = dynamic_cast<P::FieldPostfixContext*>(post)) {
      auto name = Name(field->name());
      if (!name) return nullptr;
      next = MakeExpr(ExprKind::FieldAccess, range);
      next->text = name->text;
      next->name_range = name->range;
    } else if (auto* safe = dynamic_cast<P::SafeFieldPostfixContext*>(post)) {
      auto name = Name(safe->name());
      if (!name) return nullptr;
      next = MakeExpr(ExprKind::FieldAccess, range);
      next->text = name->text;
      next->name_range = name->range;
      next->safe = true;
    } else if (auto* index = dynamic_cast<P::IndexPostfixContext*>(post)) {
      ExprPtr key = Expr(index->expr());
      if (!key) return nullptr;
      next = MakeExpr(ExprKind::Index, range);
      next->children.push_back(std::move(base));
      next->children.push_back(std::move(key));
      base = std::move(next);
      continue;
    } else {
      return nullptr;
    }
    next->children.insert(next->children.begin(), std::move(base));
    base = std::move(next);
  }
  return base;
}

ExprPtr AstBuilder::Primary(P::PrimaryContext* ctx) {
  if (Broken(ctx)) return nullptr;
  diag::SourceRange range = Range(ctx);
  if (auto* name_ref = dynamic_cast<P::NameRefContext*>(ctx)) {
    auto name = Name(name_ref->name());
    if (!name) return nullptr;
    auto expr = MakeExpr(ExprKind::NameRef, range);
    expr->text = name->text;
    expr->name_range = name->range;
    return expr;
  }
  if (auto* paren = dynamic_cast<P::ParenExprContext*>(ctx)) {
    ExprPtr inner = Expr(paren->expr());
    if (!inner) return nullptr;
    auto expr = MakeExpr(ExprKind::Paren, range);
    expr->children.push_back(std::move(inner));
    return expr;
  }
  if (auto* list = dynamic_cast<P::ListLitContext*>(ctx)) {
    auto expr = MakeExpr(ExprKind::ListLit, range);
    for (P::ExprContext* element : list->expr()) {
      ExprPtr child = Expr(element);
      if (!child) return nullptr;
      expr->children.push_back(std::move(child));
    }
    return expr;
  }
  if (auto* record = dynamic_cast<P::RecordLitContext*>(ctx)) {
    auto expr = MakeExpr(ExprKind::RecordLit, range);
    for (P::RecordFieldContext* field : record->recordField()) {
      if (Broken(field)) return nullptr;
      ast::RecordFieldInit init;
      init.range = Range(field);
      if (field->STRING()) {
        auto key = PlainString(field->STRING(), &init.name.range);
        if (!key) return nullptr;
        init.name.text = *key;
      } else {
        auto name = Name(field->name());
        if (!name) return nullptr;
        init.name = *name;
      }
      init.value = Expr(field->expr());
      if (!init.value) return nullptr;
      expr->fields.push_back(std::move(init));
    }
    return expr;
  }
  if (auto* match = dynamic_cast<P::MatchExprContext*>(ctx)) {
    ExprPtr subject = Expr(match->expr());
    if (!subject) return nullptr;
    auto expr = MakeExpr(ExprKind::Match, range);
    expr->children.push_back(std::move(subject));
    for (P::MatchArmContext* arm_ctx : match->matchArm()) {
      if (Broken(arm_ctx)) return nullptr;
      ast::MatchArm arm;
      arm.range = Range(arm_ctx);
      for (P::PatternContext* pattern : arm_ctx->pattern()) {
        bool wildcard = false;
        ExprPtr value = Pattern(pattern, &wildcard);
        if (wildcard) {
          arm.wildcard = true;
        } else if (!value) {
          return nullptr;
        } else {
          arm.patterns.push_back(std::move(value));
        }
      }
      arm.value = Expr(arm_ctx->expr());
      if (!arm.value || (arm.patterns.empty() && !arm.wildcard)) return nullptr;
      expr->arms.push_back(std::move(arm));
    }
    return expr;
  }
  // A single-token literal.
  if (ctx->children.size() != 1) return nullptr;
  auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(ctx->children[0]);
  if (!terminal || dynamic_cast<antlr4::tree::ErrorNode*>(terminal)) return nullptr;
  return Literal(terminal->getSymbol());
}

ExprPtr AstBuilder::Pattern(P::PatternContext* ctx, bool* wildcard) {
  if (Broken(ctx)) return nullptr;
  if (ctx->UNDERSCORE()) {
    *wildcard = true;
    return nullptr;
  }
  if (P::QualifiedNameContext* qualified = ctx->qualifiedName()) {
    auto name = Qualified(qualified);
    if (!name) return nullptr;
    if (!name->module) {
      auto expr = MakeExpr(ExprKind::NameRef, name->range);
      expr->text = name->name.text;
      expr->name_range = name->name.range;
      return expr;
    }
    auto module = MakeExpr(ExprKind::NameRef, name->module->range);
    module->text = name->module->text;
    module->name_range = name->module->range;
    auto expr = MakeExpr(ExprKind::FieldAccess, name->range);
    expr->text = name->name.text;
    expr->name_range = name->name.range;
    expr->children.push_back(std::move(module));
    return expr;
  }
  antlr4::tree::TerminalNode* literal = nullptr;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (terminal && !dynamic_cast<antlr4::tree::ErrorNode*>(child) &&
        terminal->getSymbol()->getType() != EtlParser::MINUS) {
      literal = terminal;
    }
  }
  if (!literal) return nullptr;
  if (ctx->MINUS()) {
    diag::SourceRange range = Range(ctx);
    if (literal->getSymbol()->getType() == EtlParser::INT && IsInt64MinMagnitude(Text(Range(literal)))) {
      auto expr = MakeExpr(ExprKind::IntLit, range);
      expr->int_value = std::numeric_limits<int64_t>::min();
      expr->text = "-" + std::string(Text(Range(literal)));
      return expr;
    }
    ExprPtr operand = Literal(literal->getSymbol());
    if (!operand) return nullptr;
    auto expr = MakeExpr(ExprKind::Unary, range);
    expr->unary_op = ast::UnaryOp::Neg;
    expr->children.push_back(std::move(operand));
    return expr;
  }
  return Literal(literal->getSymbol());
}

ExprPtr AstBuilder::Literal(antlr4::Token* token) {
  diag::SourceRange range = Range(token);
  if (!range.Valid()) return nullptr;
  std::string spelling(Text(range));
  switch (token->getType()) {
    case EtlParser::INT: {
      auto expr = MakeExpr(ExprKind::IntLit, range);
      IntResult value = DecodeInt(spelling);
      if (value.error) ReportLiteral(diag::Code::InvalidNumber, range, 0, *value.error);
      expr->int_value = value.value;
      expr->text = spelling;
      return expr;
    }
    case EtlParser::FLOAT: {
      auto expr = MakeExpr(ExprKind::FloatLit, range);
      FloatResult value = DecodeFloat(spelling);
      if (value.error) ReportLiteral(diag::Code::InvalidNumber, range, 0, *value.error);
      expr->float_value = value.value;
      expr->text = spelling;
      return expr;
    }
    case EtlParser::DURATION: case EtlParser::DATE: case EtlParser::TIMESTAMP: {
      size_t type = token->getType();
      auto expr = MakeExpr(type == EtlParser::DURATION ? ExprKind::DurationLit
                           : type == EtlParser::DATE   ? ExprKind::DateLit
                                                       : ExprKind::TimestampLit,
                           range);
      IntResult value = type == EtlParser::DURATION ? DecodeDuration(spelling)
                        : type == EtlParser::DATE   ? DecodeDate(spelling)
                                                    : DecodeTimestamp(spelling);
      if (value.error) {
        ReportLiteral(type == EtlParser::DURATION ? diag::Code::InvalidDuration : diag::Code::InvalidDateTime, range, 0,
                      *value.error);
      }
      expr->int_value = value.value;
      expr->text = spelling;
      return expr;
    }
    case EtlParser::STRING:
      return StringLiteral(token);
    case EtlParser::RAW_STRING: {
      auto expr = MakeExpr(ExprKind::StringLit, range);
      expr->raw = true;
      expr->text = spelling.size() >= 3 ? spelling.substr(2, spelling.size() - 3) : "";
      return expr;
    }
    case EtlParser::TRUE: case EtlParser::FALSE: {
      auto expr = MakeExpr(ExprKind::BoolLit, range);
      expr->bool_value = token->getType() == EtlParser::TRUE;
      return expr;
    }
    case EtlParser::NULL_KW:
      return MakeExpr(ExprKind::NullLit, range);
    default:
      return nullptr;
  }
}

ExprPtr AstBuilder::StringLiteral(antlr4::Token* token) {
  diag::SourceRange range = Range(token);
  std::string_view spelling = Text(range);
  if (spelling.empty()) return nullptr;
  bool unterminated = unterminated_.count(range.begin) > 0;
  size_t body_size = spelling.size() - 1 - (unterminated ? 0 : 1);
  if (spelling.size() < 2 && !unterminated) return nullptr;
  std::string_view body = spelling.substr(1, body_size);
  uint32_t body_begin = range.begin + 1;
  StringResult decoded = DecodeStringBody(body, true);
  for (const LiteralError& error : decoded.errors) {
    ReportLiteral(error.syntax ? diag::Code::SyntaxError : diag::Code::InvalidEscape, range, 1, error);
  }
  auto expr = MakeExpr(ExprKind::StringLit, range);
  if (!decoded.HasInterpolation()) {
    expr->text = decoded.Text();
    return expr;
  }
  for (StringPiece& piece : decoded.pieces) {
    ast::StringPart part;
    part.range = state_.RangeOf(body_begin + piece.offset, body_begin + piece.offset + piece.length);
    if (!piece.interpolation) {
      part.text = std::move(piece.text);
      expr->parts.push_back(std::move(part));
      continue;
    }
    uint32_t begin = body_begin + piece.expr_offset, end = begin + piece.expr_length;
    if (Text(state_.RangeOf(begin, end)).find_first_not_of(" \t\r\n") == std::string_view::npos) {
      state_.SyntaxError(part.range, "empty interpolation: write an expression inside `${}`");
      return nullptr;
    }
    if (state_.interpolation_depth >= kMaxInterpolationDepth) {
      state_.SyntaxError(part.range, "nesting too deep (interpolations inside strings inside interpolations)");
      return nullptr;
    }
    ++state_.interpolation_depth;
    part.expr = ParseExpressionIn(state_, begin, end);
    --state_.interpolation_depth;
    if (!part.expr) return nullptr;
    expr->parts.push_back(std::move(part));
  }
  return expr;
}

}  // namespace etl::syntax
