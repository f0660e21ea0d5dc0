#include "compiler/syntax/tokens.h"

#include <cctype>
#include <string>

#include "compiler/syntax/antlr_support.h"

namespace etl::syntax {

namespace {

using grammar::EtlLexer;

// Keywords are the lexer rules whose literal is a word: `'from'`.
bool IsKeyword(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  std::string literal = vocabulary.getLiteralName(type);
  if (literal.size() < 3 || literal.front() != '\'') return false;
  for (size_t i = 1; i + 1 < literal.size(); ++i) {
    if (!std::isalpha(static_cast<unsigned char>(literal[i])) && literal[i] != '_') return false;
  }
  return true;
}

TokenKind KindOf(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  switch (type) {
    case EtlLexer::IDENT:
    case EtlLexer::BACKTICK_IDENT:
      return TokenKind::Identifier;
    case EtlLexer::STRING:
    case EtlLexer::RAW_STRING:
    case EtlLexer::UNTERMINATED_STRING:
      return TokenKind::String;
    case EtlLexer::INT:
    case EtlLexer::FLOAT:
      return TokenKind::Number;
    case EtlLexer::DURATION:
      return TokenKind::Duration;
    case EtlLexer::DATE:
    case EtlLexer::TIMESTAMP:
      return TokenKind::Date;
    case EtlLexer::LINE_COMMENT:
    case EtlLexer::BLOCK_COMMENT:
    case EtlLexer::UNTERMINATED_BLOCK_COMMENT:
      return TokenKind::Comment;
    case EtlLexer::DOC_COMMENT:
      return TokenKind::DocComment;
    case EtlLexer::LPAREN:
    case EtlLexer::RPAREN:
    case EtlLexer::LBRACKET:
    case EtlLexer::RBRACKET:
    case EtlLexer::LBRACE:
    case EtlLexer::RBRACE:
    case EtlLexer::COMMA:
    case EtlLexer::SEMI:
    case EtlLexer::COLON:
    case EtlLexer::DOT:
      return TokenKind::Punctuation;
    case EtlLexer::BAD_CHAR:
      return TokenKind::Bad;
    default:
      return IsKeyword(vocabulary, type) ? TokenKind::Keyword : TokenKind::Operator;
  }
}

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  DecodedText decoded = DecodeUtf8(text, 0);
  CodePointStream input(decoded.code_points);
  EtlLexer lexer(&input);
  lexer.removeErrorListeners();  // errors are the parser's to report; here they are Bad tokens
  const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
  std::vector<Token> tokens;
  for (;;) {
    std::unique_ptr<antlr4::Token> token = lexer.nextToken();
    size_t type = token->getType();
    if (type == antlr4::Token::EOF) break;
    if (type == EtlLexer::WS) continue;
    size_t start = token->getStartIndex(), stop = token->getStopIndex();
    if (start == INVALID_INDEX || start >= decoded.code_points.size() || stop < start) continue;
    if (stop >= decoded.code_points.size()) stop = decoded.code_points.size() - 1;
    tokens.push_back(Token{KindOf(vocabulary, type), decoded.offsets[start], decoded.offsets[stop + 1]});
  }
  return tokens;
}

}  // namespace etl::syntax
