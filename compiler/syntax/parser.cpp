// ParseModule / ParseExpression: lex, split into declarations, parse each, build the AST.
#include "compiler/syntax/parser.h"

#include <cstdio>

#include <algorithm>

#include "compiler/syntax/ast_builder.h"

namespace etl::syntax {

using grammar::EtlLexer;

namespace {

bool IsNameToken(size_t type) {
  return type == EtlLexer::IDENT || type == EtlLexer::BACKTICK_IDENT || (type >= EtlLexer::AS && type <= EtlLexer::EMPTY);
}

// Whether tokens[i] begins a declaration: a declaration keyword first on its line and
// followed by what only a declaration has there (`schema Name {`, `fn name(`...). Each
// declaration is parsed on its own, so an error inside one cannot swallow the next.
bool StartsDeclaration(const ParseState& state, const DecodedText& decoded,
                       const std::vector<std::unique_ptr<antlr4::Token>>& tokens, size_t i) {
  auto type = [&](size_t k) -> size_t { return k < tokens.size() ? tokens[k]->getType() : antlr4::Token::EOF; };
  bool fits = false;
  switch (type(i)) {
    case EtlLexer::IMPORT: fits = type(i + 1) == EtlLexer::STRING; break;
    case EtlLexer::SCHEMA: case EtlLexer::PIPELINE:
      fits = IsNameToken(type(i + 1)) && type(i + 2) == EtlLexer::LBRACE;
      break;
    case EtlLexer::CONST:
      fits = IsNameToken(type(i + 1)) && (type(i + 2) == EtlLexer::COLON || type(i + 2) == EtlLexer::ASSIGN);
      break;
    case EtlLexer::FN: fits = IsNameToken(type(i + 1)) && type(i + 2) == EtlLexer::LPAREN; break;
    case EtlLexer::PARAM: fits = IsNameToken(type(i + 1)) && type(i + 2) == EtlLexer::COLON; break;
    case EtlLexer::TEST: fits = type(i + 1) == EtlLexer::STRING && type(i + 2) == EtlLexer::FOR; break;
    default: return false;
  }
  if (!fits || i == 0) return fits;
  uint32_t prev_end = TokenRange(state, decoded, tokens[i - 1].get()).end;
  uint32_t begin = TokenRange(state, decoded, tokens[i].get()).begin;
  return state.Slice(prev_end, begin).find('\n') != std::string_view::npos;
}

// The first token nested deeper than kMaxNesting (brackets, or a run of prefix
// operators), or npos.
size_t TooDeep(const std::vector<std::unique_ptr<antlr4::Token>>& tokens, size_t first, size_t last) {
  int depth = 0, prefix_run = 0;
  for (size_t i = first; i < last; ++i) {
    size_t type = tokens[i]->getType();
    if (type == EtlLexer::LPAREN || type == EtlLexer::LBRACKET || type == EtlLexer::LBRACE) {
      if (++depth > kMaxNesting) return i;
    } else if (type == EtlLexer::RPAREN || type == EtlLexer::RBRACKET || type == EtlLexer::RBRACE) {
      depth = std::max(0, depth - 1);
    }
    bool prefix = type == EtlLexer::MINUS || type == EtlLexer::NOT || type == EtlLexer::IF ||
                  type == EtlLexer::THEN || type == EtlLexer::ELSE;
    prefix_run = prefix ? prefix_run + 1 : 0;
    if (prefix_run > kMaxNesting) return i;
  }
  return std::string::npos;
}

// The lexer handles `"${"${...}"}"` by recursion, which costs super-linear time and
// memory in the nesting depth. This linear pre-scan mirrors its string/interpolation
// structure and blanks out (with spaces, keeping offsets) any string literal nested
// deeper than a reasonable program would, after reporting it.
void GuardStringNesting(ParseState& state, DecodedText& decoded) {
  constexpr size_t kMaxStringNesting = 2 * kMaxInterpolationDepth;
  std::u32string& cps = decoded.code_points;
  size_t n = cps.size();
  auto ident = [](char32_t c) { return c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'); };
  size_t i = 0;
  while (i < n) {
    char32_t c = cps[i];
    if (c == '/' && i + 1 < n && cps[i + 1] == '/') {
      while (i < n && cps[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && cps[i + 1] == '*') {
      i += 2;
      while (i + 1 < n && !(cps[i] == '*' && cps[i + 1] == '/')) ++i;
      i += 2;
      continue;
    }
    if (c == '`') {
      ++i;
      while (i < n && cps[i] != '`' && cps[i] != '\n') ++i;
      ++i;
      continue;
    }
    if (c != '"') {
      ++i;
      continue;
    }
    if (i > 0 && cps[i - 1] == 'r' && (i < 2 || !ident(cps[i - 2]))) {  // raw string
      ++i;
      while (i < n && cps[i] != '"') ++i;
      ++i;
      continue;
    }
    // A string literal: walk it with a stack of `"` (string), `$` (interpolation), `{`.
    size_t start = i, too_deep = std::string::npos;
    std::vector<char> stack{'"'};
    ++i;
    while (i < n && !stack.empty()) {
      char32_t d = cps[i];
      char top = stack.back();
      if (top == '"') {
        if (d == '\\') {
          i += 2;
          continue;
        }
        if (d == '\n' || d == '\r') {  // unterminated: the lexer ends the token here
          stack.pop_back();
          continue;
        }
        if (d == '"') stack.pop_back();
        if (d == '$' && i + 1 < n && cps[i + 1] == '{') {
          stack.push_back('$');
          ++i;
        }
      } else {
        if (d == '"') stack.push_back('"');
        if (d == '{') stack.push_back('{');
        if (d == '}') stack.pop_back();
      }
      if (stack.size() > kMaxStringNesting && too_deep == std::string::npos) too_deep = i;
      ++i;
    }
    if (too_deep != std::string::npos) {
      state.SyntaxError(state.RangeOf(decoded.offsets[too_deep], decoded.offsets[too_deep + 1]),
                        "nesting too deep (strings and interpolations nested more than " +
                            std::to_string(kMaxStringNesting) + " levels)");
      for (size_t k = start; k < i && k < n; ++k) {
        if (cps[k] != '\n') cps[k] = ' ';
      }
      size_t next = std::min(i, n);
      while (next < n && (cps[next] == ' ' || cps[next] == '\t' || cps[next] == '\r' || cps[next] == '\n')) ++next;
      state.SuppressSyntaxErrorAt(decoded.offsets[next]);  // the gap left would be reported again
    }
  }
}

// `///` lines ending on the line just above `begin` (each directly above the next),
// with `///` and one following space removed, joined by '\n'.
std::string DocAbove(const ParseState& state, const std::vector<ast::Comment>& comments, uint32_t begin) {
  auto it = std::lower_bound(comments.begin(), comments.end(), begin,
                             [](const ast::Comment& c, uint32_t offset) { return c.range.begin < offset; });
  std::vector<const ast::Comment*> lines;
  uint32_t next = begin;
  while (it != comments.begin()) {
    --it;
    if (!it->doc) break;
    std::string_view gap = state.Slice(it->range.end, next);
    if (gap.find_first_not_of(" \t\r\n") != std::string_view::npos || std::count(gap.begin(), gap.end(), '\n') != 1) break;
    lines.push_back(&*it);
    next = it->range.begin;
  }
  std::string doc;
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    std::string_view text = (*line)->text;
    text.remove_prefix(std::min<size_t>(3, text.size()));
    if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!doc.empty()) doc += '\n';
    doc += text;
  }
  return doc;
}

void AttachDocs(const ParseState& state, ast::Module& module) {
  for (auto& decl : module.decls) {
    decl->doc = DocAbove(state, module.comments, decl->range.begin);
    if (auto* schema = decl->As<ast::SchemaDecl>()) {
      for (ast::FieldDecl& field : schema->fields) field.doc = DocAbove(state, module.comments, field.range.begin);
    }
  }
}

// Source files are UTF-8 (language.md §2). A byte that is not valid UTF-8 inside a token
// (a string literal, a backtick name) would end up in the plan and the output files, so
// it is an error; inside comments it is harmless and ignored. Bad characters outside
// tokens are already reported as BAD_CHAR.
void ReportInvalidUtf8(ParseState& state, const DecodedText& decoded,
                       const std::vector<std::unique_ptr<antlr4::Token>>& tokens) {
  for (const auto& token : tokens) {
    if (token->getType() == grammar::EtlLexer::BAD_CHAR || token->getType() == antlr4::Token::EOF) continue;
    size_t start = token->getStartIndex(), stop = token->getStopIndex();
    for (size_t i = start; i <= stop && i < decoded.code_points.size(); ++i) {
      if (decoded.code_points[i] != 0xFFFD || decoded.offsets[i + 1] - decoded.offsets[i] != 1) continue;
      unsigned char byte = static_cast<unsigned char>(state.Text()[decoded.offsets[i]]);
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", byte);
      state.Error(diag::Code::InvalidCharacter, state.RangeOf(decoded.offsets[i], decoded.offsets[i] + 1),
                  std::string("invalid UTF-8: byte ") + hex + " does not start a valid character (files must be UTF-8)");
    }
  }
}

}  // namespace

std::unique_ptr<ast::Module> ParseModule(const diag::SourceManager& sources, diag::FileId file,
                                         diag::Diagnostics& diagnostics) {
  auto module = std::make_unique<ast::Module>();
  module->file = file;
  ParseState state(sources, file, diagnostics);
  try {
    DecodedText decoded = DecodeUtf8(state.Text(), 0);
    GuardStringNesting(state, decoded);
    LexedSlice lexed = LexSlice(state, decoded);
    module->comments = std::move(lexed.comments);
    std::vector<std::unique_ptr<antlr4::Token>>& tokens = lexed.tokens;
    ReportInvalidUtf8(state, decoded, tokens);

    std::vector<size_t> starts{0};
    for (size_t i = 1; i < tokens.size(); ++i) {
      if (StartsDeclaration(state, decoded, tokens, i)) starts.push_back(i);
    }
    starts.push_back(tokens.size());

    AstBuilder builder(state, decoded, lexed.unterminated_strings);
    for (size_t s = 0; s + 1 < starts.size(); ++s) {
      size_t first = starts[s], last = starts[s + 1];
      if (first == last) continue;
      if (size_t deep = TooDeep(tokens, first, last); deep != std::string::npos) {
        state.SyntaxError(TokenRange(state, decoded, tokens[deep].get()),
                          "nesting too deep (more than " + std::to_string(kMaxNesting) + " levels)");
        continue;
      }
      size_t eof_index = last < tokens.size() ? tokens[last]->getStartIndex() : decoded.code_points.size();
      std::string eof_description =
          last < tokens.size() ? DescribeToken(state, decoded, tokens[last].get()) : "end of file";
      std::vector<std::unique_ptr<antlr4::Token>> run;
      run.reserve(last - first);
      for (size_t i = first; i < last; ++i) run.push_back(std::move(tokens[i]));
      TokenParser parser(state, decoded, lexed, std::move(run), eof_index, std::move(eof_description));
      builder.BuildFile(parser.ParseFile(), module->decls);
    }
    AttachDocs(state, *module);
  } catch (const std::exception& e) {
    state.SyntaxError(state.RangeOf(0, 0), std::string("internal parser error: ") + e.what());
  }
  module->has_syntax_errors = state.HadErrors();
  return module;
}

ast::ExprPtr ParseExpressionIn(ParseState& state, uint32_t begin, uint32_t end) {
  try {
    std::string_view text = state.Slice(begin, end);
    DecodedText decoded = DecodeUtf8(text, begin);
    GuardStringNesting(state, decoded);
    LexedSlice lexed = LexSlice(state, decoded);
    if (size_t deep = TooDeep(lexed.tokens, 0, lexed.tokens.size()); deep != std::string::npos) {
      state.SyntaxError(TokenRange(state, decoded, lexed.tokens[deep].get()),
                        "nesting too deep (more than " + std::to_string(kMaxNesting) + " levels)");
      return nullptr;
    }
    AstBuilder builder(state, decoded, lexed.unterminated_strings);
    TokenParser parser(state, decoded, lexed, std::move(lexed.tokens), decoded.code_points.size(),
                       "`}`");
    return builder.Expr(parser.ParseExpr());
  } catch (const std::exception& e) {
    state.SyntaxError(state.RangeOf(begin, begin), std::string("internal parser error: ") + e.what());
    return nullptr;
  }
}

ast::ExprPtr ParseExpression(const diag::SourceManager& sources, diag::FileId file, uint32_t begin, uint32_t end,
                             diag::Diagnostics& diagnostics) {
  ParseState state(sources, file, diagnostics);
  return ParseExpressionIn(state, begin, end);
}

}  // namespace etl::syntax
