#include "compiler/syntax/antlr_support.h"

#include <fmt/format.h>

namespace etl::syntax {

using grammar::EtlLexer;
using grammar::EtlParser;

namespace {

constexpr size_t kNoIndex = INVALID_INDEX;
// Rule invocations deeper than this stop the parse (one paren level is ~11 rules).
constexpr int kMaxRuleDepth = 2600;

bool IsSoftKeyword(size_t type) { return type >= EtlParser::AS && type <= EtlParser::EMPTY; }
bool IsNameToken(size_t type) {
  return type == EtlParser::IDENT || type == EtlParser::BACKTICK_IDENT || IsSoftKeyword(type);
}
bool StartsExpression(size_t type) {
  switch (type) {
    case EtlParser::INT: case EtlParser::FLOAT: case EtlParser::STRING: case EtlParser::RAW_STRING:
    case EtlParser::TRUE: case EtlParser::FALSE: case EtlParser::NULL_KW: case EtlParser::DURATION:
    case EtlParser::DATE: case EtlParser::TIMESTAMP: case EtlParser::LBRACKET: case EtlParser::LBRACE:
    case EtlParser::MATCH: case EtlParser::LPAREN: case EtlParser::MINUS: case EtlParser::NOT:
    case EtlParser::IF:
      return true;
    default:
      return IsNameToken(type);
  }
}

// The token vocabulary (literal names such as `'filter'`), from a lexer over no input.
const antlr4::dfa::Vocabulary& Vocabulary() {
  static CodePointStream empty{std::u32string()};
  static EtlLexer lexer(&empty);
  return lexer.getVocabulary();
}

// The category word for token kinds whose text varies.
std::string Category(size_t type) {
  switch (type) {
    case EtlParser::IDENT: case EtlParser::BACKTICK_IDENT: return "a name";
    case EtlParser::STRING: case EtlParser::RAW_STRING: return "a string";
    case EtlParser::INT: case EtlParser::FLOAT: return "a number";
    case EtlParser::DURATION: return "a duration";
    case EtlParser::DATE: return "a date";
    case EtlParser::TIMESTAMP: return "a timestamp";
    case antlr4::Token::EOF: return "end of file";
    default: return "";
  }
}

// "`)`" for tokens with a fixed spelling, else their category.
std::string ExpectedWord(size_t type) {
  std::string category = Category(type);
  if (!category.empty()) return category;
  std::string literal = Vocabulary().getLiteralName(type);
  if (literal.size() >= 2 && literal.front() == '\'') return "`" + literal.substr(1, literal.size() - 2) + "`";
  return Vocabulary().getDisplayName(type);
}

// Words an expected-token set ("an expression", "`)` or `,`"); empty when it is too
// large to be helpful.
std::string DescribeExpected(const antlr4::misc::IntervalSet& set) {
  std::vector<ssize_t> types = set.toList();
  bool expression = set.contains(static_cast<size_t>(EtlParser::INT)) && set.contains(static_cast<size_t>(EtlParser::IDENT));
  bool name = set.contains(static_cast<size_t>(EtlParser::IDENT));
  std::vector<std::string> words;
  if (set.contains(static_cast<size_t>(EtlParser::INTO)) && set.contains(static_cast<size_t>(EtlParser::FILTER))) {
    return "an operator (`filter`, `derive`, `into`, a step call, ...)";
  }
  if (name && !expression && set.contains(static_cast<size_t>(EtlParser::LBRACE))) {
    bool only_type = true;  // a name or `{` and nothing else is where a type goes
    for (ssize_t t : types) {
      if (t < 0 || (!IsNameToken(static_cast<size_t>(t)) && t != EtlParser::LBRACE)) only_type = false;
    }
    if (only_type) return "a type";
  }
  if (expression) {
    words.push_back("an expression");
  } else if (name) {
    words.push_back("a name");
  }
  for (ssize_t t : types) {
    size_t type = t < 0 ? antlr4::Token::EOF : static_cast<size_t>(t);
    if (expression && StartsExpression(type)) continue;
    if (name && IsNameToken(type)) continue;
    std::string word = ExpectedWord(type);
    if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(word);
  }
  if (words.empty() || words.size() > 4) return "";
  std::string out = words[0];
  for (size_t i = 1; i < words.size(); ++i) out += (i + 1 == words.size() ? " or " : ", ") + words[i];
  return out;
}

// Thrown by the depth guard; unwinds the whole parse.
struct NestingTooDeep : std::exception {
  const char* what() const noexcept override { return "nesting too deep"; }
};

// Counts rule nesting so pathological input cannot exhaust the stack.
class DepthGuard : public antlr4::tree::ParseTreeListener {
 public:
  void visitTerminal(antlr4::tree::TerminalNode*) override {}
  void visitErrorNode(antlr4::tree::ErrorNode*) override {}
  void enterEveryRule(antlr4::ParserRuleContext*) override {
    if (++depth_ > kMaxRuleDepth) throw NestingTooDeep();
  }
  void exitEveryRule(antlr4::ParserRuleContext*) override { --depth_; }
  void Reset() { depth_ = 0; }

 private:
  int depth_ = 0;
};

// The words that can never be names (grammar/Etl.g4: "Reserved words").
bool IsReservedWord(size_t type) {
  switch (type) {
    case EtlParser::FROM: case EtlParser::INTO: case EtlParser::IF: case EtlParser::THEN: case EtlParser::ELSE:
    case EtlParser::MATCH: case EtlParser::AND: case EtlParser::OR: case EtlParser::NOT: case EtlParser::IN:
    case EtlParser::IS: case EtlParser::NULL_KW: case EtlParser::TRUE: case EtlParser::FALSE:
      return true;
    default:
      return false;
  }
}

// Whether the word ending at `end` is followed by `=` or `:` (not `==`, `=>`): written
// where a field or parameter name goes (`derive from = ...`, `{if: 1}`).
bool LooksLikeAName(std::string_view text, size_t end) {
  size_t i = text.find_first_not_of(" \t", end);
  if (i == std::string_view::npos) return false;
  if (text[i] == ':') return true;
  return text[i] == '=' && (i + 1 >= text.size() || (text[i + 1] != '=' && text[i + 1] != '>'));
}

// Turns parser errors (already worded by ErrorStrategy) into E0001 diagnostics.
class DiagnosticListener : public antlr4::BaseErrorListener {
 public:
  DiagnosticListener(ParseState& state, const DecodedText& decoded) : state_(state), decoded_(decoded) {}
  void syntaxError(antlr4::Recognizer*, antlr4::Token* offending, size_t, size_t, const std::string& msg,
                   std::exception_ptr) override {
    diag::SourceRange range = offending ? TokenRange(state_, decoded_, offending) : diag::SourceRange{};
    if (!range.Valid()) range = state_.RangeOf(decoded_.offsets.back(), decoded_.offsets.back());
    diag::Diagnostic* d = state_.SyntaxError(range, msg);
    if (d && offending && IsReservedWord(offending->getType()) &&
        (msg.find("a name") != std::string::npos || LooksLikeAName(state_.Text(), range.end))) {
      std::string word(state_.Slice(range.begin, range.end));
      d->notes.push_back({"`" + word + "` is a reserved word; to use it as a name, write it in backticks: `` `" + word +
                              "` ``",
                          {}});
      d->fixes.push_back({"write `` `" + word + "` ``", range, "`" + word + "`"});
    }
  }

 private:
  ParseState& state_;
  const DecodedText& decoded_;
};

// DefaultErrorStrategy's recovery with rustc-like wording.
class ErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  ErrorStrategy(ParseState& state, const DecodedText& decoded, std::string eof_description)
      : state_(state), decoded_(decoded), eof_description_(std::move(eof_description)) {}

 protected:
  void reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) override {
    antlr4::Token* found = e.getOffendingToken();
    std::string expected;
    if (e.getStartToken() == found || (found && e.getStartToken() &&
                                       e.getStartToken()->getTokenIndex() == found->getTokenIndex())) {
      expected = DescribeExpected(parser->getExpectedTokens());
    } else if (found && e.getStartToken() && e.getStartToken()->getType() == EtlParser::COMMA &&
               found->getTokenIndex() == e.getStartToken()->getTokenIndex() + 1 && !StartsExpression(found->getType())) {
      // `[1, 2,, 3]`, `f(a,,b)`: the decision after a `,` failed; in these lists of
      // expressions what was missing is one.
      size_t rule = parser->getContext() ? parser->getContext()->getRuleIndex() : 0;
      if (rule == EtlParser::RulePrimary || rule == EtlParser::RulePostfix || rule == EtlParser::RuleCall) {
        expected = "an expression";
      }
    }
    Notify(parser, found, expected);
  }
  void reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) override {
    Notify(parser, e.getOffendingToken(), DescribeExpected(e.getExpectedTokens()));
  }
  void reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) override {
    Notify(parser, e.getOffendingToken(), "");
  }
  void reportUnwantedToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    Notify(parser, parser->getCurrentToken(), DescribeExpected(getExpectedTokens(parser)));
  }
  void reportMissingToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    Notify(parser, parser->getCurrentToken(), DescribeExpected(getExpectedTokens(parser)));
  }

 private:
  void Notify(antlr4::Parser* parser, antlr4::Token* found, const std::string& expected) {
    std::string message = expected.empty() ? "unexpected " + Found(found) : "expected " + expected + ", found " + Found(found);
    parser->notifyErrorListeners(found, message, nullptr);
  }
  std::string Found(antlr4::Token* token) {
    if (token && token->getType() == antlr4::Token::EOF) return eof_description_;
    return DescribeToken(state_, decoded_, token);
  }

  ParseState& state_;
  const DecodedText& decoded_;
  std::string eof_description_;
};

}  // namespace

diag::SourceRange TokenRange(const ParseState& state, const DecodedText& decoded, const antlr4::Token* token) {
  if (!token) return {};
  size_t start = token->getStartIndex(), stop = token->getStopIndex();
  if (start == kNoIndex) return {};
  size_t n = decoded.code_points.size();
  if (start > n) start = n;
  size_t end = (stop == kNoIndex || stop + 1 < start) ? start : stop + 1;
  if (end > n) end = n;
  return state.RangeOf(decoded.offsets[start], decoded.offsets[end]);
}

diag::SourceRange ContextRange(const ParseState& state, const DecodedText& decoded,
                               const antlr4::ParserRuleContext* ctx) {
  diag::SourceRange range = TokenRange(state, decoded, ctx->start);
  if (!range.Valid()) return range;
  const antlr4::Token* stop = ctx->stop;
  if (stop && stop->getTokenIndex() != kNoIndex && stop->getTokenIndex() >= ctx->start->getTokenIndex()) {
    diag::SourceRange last = TokenRange(state, decoded, stop);
    if (last.Valid() && last.end >= range.begin) range.end = last.end;
  } else {
    range.end = range.begin;
  }
  return range;
}

std::string DescribeToken(const ParseState& state, const DecodedText& decoded, const antlr4::Token* token) {
  if (!token) return "end of file";
  size_t type = token->getType();
  if (type == antlr4::Token::EOF) return "end of file";
  diag::SourceRange range = TokenRange(state, decoded, token);
  std::string_view text = state.Slice(range.begin, range.end);
  if (text.empty() || text.size() > 30 || text.find('\n') != std::string_view::npos) {
    std::string category = Category(type);
    return category.empty() ? ExpectedWord(type) : category;
  }
  return "`" + std::string(text) + "`";
}

LexedSlice LexSlice(ParseState& state, const DecodedText& decoded) {
  LexedSlice out;
  out.input = std::make_unique<CodePointStream>(decoded.code_points);
  out.lexer = std::make_unique<EtlLexer>(out.input.get());
  out.lexer->removeErrorListeners();
  DiagnosticListener listener(state, decoded);
  out.lexer->addErrorListener(&listener);
  bool suppress_next = false;
  uint32_t skip_line = 0;  // a line after `#`, skipped as a comment (1-based; 0 = none)
  for (;;) {
    std::unique_ptr<antlr4::Token> token = out.lexer->nextToken();
    size_t type = token->getType();
    if (type == antlr4::Token::EOF) {
      if (suppress_next) state.SuppressSyntaxErrorAt(decoded.offsets.back());
      break;
    }
    diag::SourceRange range = TokenRange(state, decoded, token.get());
    if (token->getChannel() == 2) {
      ast::Comment comment;
      comment.range = range;
      comment.text = std::string(state.Slice(range.begin, range.end));
      comment.doc = type == EtlLexer::DOC_COMMENT;
      comment.block = type == EtlLexer::BLOCK_COMMENT;
      out.comments.push_back(std::move(comment));
      continue;
    }
    if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    if (skip_line && state.Sources().File(range.file).Position(range.begin).line == skip_line) continue;
    skip_line = 0;
    if (suppress_next) {
      state.SuppressSyntaxErrorAt(range.begin);
      suppress_next = false;
    }
    if (type == EtlLexer::UNTERMINATED_STRING) {
      state.Error(diag::Code::UnterminatedString, range, "unterminated string literal: missing closing `\"`");
      if (auto* common = dynamic_cast<antlr4::CommonToken*>(token.get())) {
        common->setType(EtlLexer::STRING);
        out.unterminated_strings.insert(range.begin);
        out.tokens.push_back(std::move(token));
      }
      continue;
    }
    if (type == EtlLexer::UNTERMINATED_BLOCK_COMMENT) {
      suppress_next = true;
      state.Error(diag::Code::UnterminatedComment, state.RangeOf(range.begin, std::min(range.begin + 2, range.end)),
                  "unterminated block comment: missing `*/`");
      continue;
    }
    if (type == EtlLexer::BAD_CHAR) {
      uint32_t cp = decoded.code_points[token->getStartIndex()];
      std::string shown = cp >= 0x21 && cp < 0x7F ? fmt::format("`{}`", static_cast<char>(cp)) : fmt::format("U+{:04X}", cp);
      if (cp == 0xFFFD && range.end - range.begin == 1) shown = "(a byte that is not valid UTF-8)";
      auto& d = state.Error(diag::Code::InvalidCharacter, range, "invalid character " + shown);
      suppress_next = true;  // the parser would only complain about the gap it left
      const diag::SourceFile& file = state.Sources().File(range.file);
      diag::LineCol at = file.Position(range.begin);
      bool starts_line = file.Line(at.line).substr(0, at.col - 1).find_first_not_of(" \t") == std::string_view::npos;
      if (cp == '#' && starts_line) {
        // `# ...` is a comment in YAML, TOML and shell: recover by skipping the line as one.
        d.notes.push_back({"comments start with `//`", {}});
        d.fixes.push_back({"write `//`", range, "//"});
        skip_line = at.line;
      }
      continue;
    }
    out.tokens.push_back(std::move(token));
  }
  return out;
}

struct TokenParser::Impl {
  Impl(ParseState& state, const DecodedText& decoded, std::vector<std::unique_ptr<antlr4::Token>> tokens,
       std::string eof_description)
      : state(state),
        decoded(decoded),
        source(std::move(tokens)),
        stream(&source),
        parser(&stream),
        listener(state, decoded),
        strategy(std::make_shared<ErrorStrategy>(state, decoded, std::move(eof_description))) {
    parser.removeErrorListeners();
    parser.addParseListener(&guard);
  }

  // Runs `rule` with SLL and bail-out first, then (only if that failed) with full LL
  // and error recovery; null if the parse had to stop.
  template <typename Rule>
  auto Run(Rule rule, bool sll_first) -> decltype(rule()) {
    auto* interpreter = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
    try {
      if (sll_first) {
        parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
        interpreter->setPredictionMode(antlr4::atn::PredictionMode::SLL);
        try {
          return rule();
        } catch (antlr4::ParseCancellationException&) {
        }
        parser.reset();
        guard.Reset();
      }
      parser.setErrorHandler(strategy);
      parser.addErrorListener(&listener);
      interpreter->setPredictionMode(antlr4::atn::PredictionMode::LL);
      return rule();
    } catch (const NestingTooDeep&) {
      Stop("nesting too deep (more than " + std::to_string(kMaxNesting) + " levels)");
    } catch (const std::exception& e) {
      Stop(std::string("internal parser error: ") + e.what());
    }
    return nullptr;
  }

  void Stop(const std::string& message) {
    diag::SourceRange range = TokenRange(state, decoded, parser.getCurrentToken());
    if (!range.Valid()) range = state.RangeOf(decoded.offsets.back(), decoded.offsets.back());
    state.SyntaxError(range, message);
  }

  ParseState& state;
  const DecodedText& decoded;
  antlr4::ListTokenSource source;
  antlr4::CommonTokenStream stream;
  EtlParser parser;
  DiagnosticListener listener;
  std::shared_ptr<ErrorStrategy> strategy;
  DepthGuard guard;
};

TokenParser::TokenParser(ParseState& state, const DecodedText& decoded, LexedSlice& lexed,
                         std::vector<std::unique_ptr<antlr4::Token>> tokens, size_t eof_index,
                         std::string eof_description) {
  // The run ends in an EOF placed where the next token starts, so ranges and messages
  // at the end of a run point at the right place.
  size_t eof_start = eof_index;
  auto eof = std::make_unique<antlr4::CommonToken>(
      std::make_pair<antlr4::TokenSource*, antlr4::CharStream*>(lexed.lexer.get(), lexed.input.get()),
      antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL, eof_start, eof_start - 1);
  tokens.push_back(std::move(eof));
  impl_ = std::make_unique<Impl>(state, decoded, std::move(tokens), std::move(eof_description));
}

TokenParser::~TokenParser() = default;

EtlParser::FileContext* TokenParser::ParseFile() {
  return impl_->Run([this] { return impl_->parser.file(); }, true);
}

EtlParser::ExprContext* TokenParser::ParseExpr() {
  EtlParser::ExprContext* expr = impl_->Run([this] { return impl_->parser.expr(); }, false);
  if (!expr) return nullptr;
  antlr4::Token* next = impl_->parser.getCurrentToken();
  if (next && next->getType() != antlr4::Token::EOF) {
    diag::SourceRange range = TokenRange(impl_->state, impl_->decoded, next);
    impl_->state.SyntaxError(range, "unexpected " + DescribeToken(impl_->state, impl_->decoded, next) +
                                        " after the expression");
    return nullptr;
  }
  return expr;
}

}  // namespace etl::syntax
