// Internal to compiler/syntax: the ANTLR side of parsing (lexing into our token list,
// running the generated parser with our error strategy). ANTLR types stop here and in
// the AST builder; nothing outside compiler/syntax includes this header.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "EtlLexer.h"
#include "EtlParser.h"
#include "antlr4-runtime.h"
#include "compiler/syntax/parse_state.h"

namespace etl::syntax {

// A CharStream over code points decoded by DecodeUtf8 (so token indexes map to bytes).
class CodePointStream : public antlr4::ANTLRInputStream {
 public:
  explicit CodePointStream(std::u32string code_points) {
    _data = std::move(code_points);
    p = 0;
  }
};

// Byte range of a token in the file; invalid for tokens conjured by error recovery.
diag::SourceRange TokenRange(const ParseState& state, const DecodedText& decoded, const antlr4::Token* token);
// Byte range of a rule context (empty at its start when it matched nothing).
diag::SourceRange ContextRange(const ParseState& state, const DecodedText& decoded,
                               const antlr4::ParserRuleContext* ctx);

// The tokens of a slice: default-channel tokens (without EOF; lexical error tokens
// reported and removed, unterminated strings kept as STRING) and the comments.
struct LexedSlice {
  std::unique_ptr<CodePointStream> input;  // kept alive: tokens point at it
  std::unique_ptr<grammar::EtlLexer> lexer;
  std::vector<std::unique_ptr<antlr4::Token>> tokens;
  std::vector<ast::Comment> comments;
  std::unordered_set<uint32_t> unterminated_strings;  // byte offsets of their opening quote
};
LexedSlice LexSlice(ParseState& state, const DecodedText& decoded);

// Human wording of a token for messages: "`)`", "a name", "end of file".
std::string DescribeToken(const ParseState& state, const DecodedText& decoded, const antlr4::Token* token);

// Runs the generated parser over a run of tokens (which it takes over) with our error
// strategy, depth guard and SLL-then-LL prediction. Keep it alive while reading the tree.
class TokenParser {
 public:
  // The run ends at code point `eof_index` (where the next token starts);
  // `eof_description` words that end ("`fn`" when the next declaration follows).
  TokenParser(ParseState& state, const DecodedText& decoded, LexedSlice& lexed,
              std::vector<std::unique_ptr<antlr4::Token>> tokens, size_t eof_index, std::string eof_description);
  ~TokenParser();
  // The `file` rule; null when parsing had to stop (nesting too deep, internal error).
  grammar::EtlParser::FileContext* ParseFile();
  // One expression that must span every token; null when it does not.
  grammar::EtlParser::ExprContext* ParseExpr();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace etl::syntax
