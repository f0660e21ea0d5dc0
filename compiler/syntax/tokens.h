// The token stream of a text, for editors (LSP semantic tokens): every token and comment
// with its byte range and a coarse kind. No ANTLR types leave compiler/syntax.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace etl::syntax {

// What a token is, as an editor colours it.
enum class TokenKind {
  Keyword,      // `pipeline`, `filter`, `and`, `true`, `null`, ...
  Identifier,   // a name (backticked names included, with their backticks)
  String,       // "..." (interpolations included) and r"..."
  Number,       // 42, 1_000, 3.14, 1e6
  Duration,     // 250ms, 5m
  Date,         // @2024-01-31 and timestamps
  Operator,     // | ?? ?. == + ...
  Punctuation,  // ( ) [ ] { } , ; : .
  Comment,      // // and /* */
  DocComment,   // ///
  Bad,          // a character the language does not know
};

// One token: [begin, end) in bytes of the text.
struct Token {
  TokenKind kind = TokenKind::Bad;
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Every token and comment of `text`, in order (whitespace skipped). Never fails: lexical
// errors become Bad tokens or end a token where the lexer resumed.
std::vector<Token> Tokenize(std::string_view text);

}  // namespace etl::syntax
