// textDocument/semanticTokens/full and /range: the lexer's tokens (keywords, strings,
// numbers, comments, operators) refined by the index: a name is coloured by what it
// resolves to (a schema is a type, a field a property, a stdlib function a
// defaultLibrary function, ...), so a typo'd field stays plain.
#include <algorithm>
#include <set>

#include "compiler/syntax/tokens.h"
#include "lsp/features.h"

namespace etl::lsp {

namespace {

// The legend: indexes are the token types/modifiers the encoding refers to.
const std::vector<std::string> kTokenTypes = {
    "keyword", "string", "number", "comment", "operator", "type", "property", "function",
    "parameter", "variable", "namespace", "enumMember", "macro",
};
enum TokenType { kKeyword, kString, kNumber, kComment, kOperator, kType, kProperty, kFunction,
                 kParameter, kVariable, kNamespace, kEnumMember, kMacro };
const std::vector<std::string> kTokenModifiers = {"declaration", "readonly", "defaultLibrary", "documentation"};
enum TokenModifier { kDeclaration = 1, kReadonly = 2, kDefaultLibrary = 4, kDocumentation = 8 };

// Built-in type names (language.md §3): lexed as identifiers, coloured as types.
const std::set<std::string_view> kBuiltinTypes = {"int",  "float",     "decimal",  "bool", "string", "bytes", "date",
                                                  "timestamp", "duration", "json", "list",   "map",   "secret"};

struct Classified {
  uint32_t begin = 0, end = 0;
  int type = 0;
  int modifiers = 0;
};

// The colour of a resolved name.
Classified ForSymbol(const Symbol& symbol, bool definition) {
  Classified c;
  c.modifiers = definition ? kDeclaration : 0;
  switch (symbol.kind) {
    case SymbolKind::Schema: c.type = kType; break;
    case SymbolKind::Field: c.type = kProperty; break;
    case SymbolKind::Const: c.type = kVariable; c.modifiers |= kReadonly; break;
    case SymbolKind::Fn: c.type = kFunction; break;
    case SymbolKind::FnParam: c.type = kParameter; break;
    case SymbolKind::Param: c.type = kVariable; c.modifiers |= kReadonly; break;
    case SymbolKind::Pipeline: c.type = kNamespace; break;
    case SymbolKind::Step: c.type = kVariable; break;
    case SymbolKind::Port: c.type = kEnumMember; break;
    case SymbolKind::Import: c.type = kNamespace; break;
    case SymbolKind::Test: c.type = kString; break;
    case SymbolKind::Function: c.type = kFunction; c.modifiers |= kDefaultLibrary; break;
    case SymbolKind::StdlibStep: c.type = kFunction; c.modifiers |= kDefaultLibrary; break;
    case SymbolKind::StdlibParam: c.type = kParameter; c.modifiers |= kDefaultLibrary; break;
  }
  return c;
}

// The first occurrence (sorted by start) that starts at or after `offset`.
std::vector<const Occurrence*>::const_iterator FirstFrom(const std::vector<const Occurrence*>& names, uint32_t offset) {
  return std::lower_bound(names.begin(), names.end(), offset,
                          [](const Occurrence* o, uint32_t at) { return o->range.begin < at; });
}

// Classifies every token of [from, to) of the document.
std::vector<Classified> Classify(const Analysis& analysis, uint32_t from, uint32_t to) {
  std::string_view text = analysis.Text();
  // Occurrences of the document by start, for names and for names inside interpolations.
  std::vector<const Occurrence*> names;
  for (const auto& o : analysis.Occurrences()) {
    if (o.range.file == analysis.File() && o.symbol >= 0) names.push_back(&o);
  }
  std::vector<Classified> out;
  for (const syntax::Token& token : syntax::Tokenize(text)) {
    if (token.end <= from || token.begin >= to) continue;
    Classified c{token.begin, token.end, kOperator, 0};
    // A soft keyword used as a name (`schema:` as an argument name) gets the name's colour.
    if (token.kind == syntax::TokenKind::Keyword) {
      auto named = FirstFrom(names, token.begin);
      if (named != names.end() && (*named)->range.begin == token.begin && (*named)->range.end == token.end) {
        Classified n = ForSymbol(analysis.Symbols()[(*named)->symbol], (*named)->definition);
        out.push_back(Classified{token.begin, token.end, n.type, n.modifiers});
        continue;
      }
    }
    switch (token.kind) {
      case syntax::TokenKind::Keyword: c.type = kKeyword; break;
      case syntax::TokenKind::Number:
      case syntax::TokenKind::Duration:
      case syntax::TokenKind::Date: c.type = kNumber; break;
      case syntax::TokenKind::Comment: c.type = kComment; break;
      case syntax::TokenKind::DocComment: c.type = kComment; c.modifiers = kDocumentation; break;
      case syntax::TokenKind::Operator: c.type = kOperator; break;
      case syntax::TokenKind::Punctuation:
      case syntax::TokenKind::Bad: continue;  // left to the editor's grammar
      case syntax::TokenKind::Identifier: {
        auto it = FirstFrom(names, token.begin);
        if (it != names.end() && (*it)->range.end <= token.end) {
          Classified named = ForSymbol(analysis.Symbols()[(*it)->symbol], (*it)->definition);
          c.type = named.type;
          c.modifiers = named.modifiers;
        } else if (kBuiltinTypes.count(text.substr(token.begin, token.end - token.begin))) {
          c.type = kType;
          c.modifiers = kDefaultLibrary;
        } else {
          c.type = kVariable;  // unresolved: plain
        }
        break;
      }
      case syntax::TokenKind::String: {
        // Names inside `${...}` keep their own colour: split the string around them.
        uint32_t at = token.begin;
        for (auto it = FirstFrom(names, token.begin); it != names.end() && (*it)->range.begin < token.end; ++it) {
          const Occurrence* o = *it;
          if (o->range.end > token.end || o->range.begin < at) continue;
          if (o->range.begin > at) out.push_back(Classified{at, o->range.begin, kString, 0});
          Classified named = ForSymbol(analysis.Symbols()[o->symbol], o->definition);
          named.begin = o->range.begin;
          named.end = o->range.end;
          out.push_back(named);
          at = o->range.end;
        }
        if (at < token.end) out.push_back(Classified{at, token.end, kString, 0});
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

// LSP's relative encoding, one token per line piece (no multiline tokens).
Json Encode(const Analysis& analysis, const std::vector<Classified>& tokens) {
  std::string_view text = analysis.Text();
  LineIndex lines(text);
  std::vector<uint32_t> data;
  uint32_t last_line = 0, last_char = 0;
  auto emit = [&](uint32_t begin, uint32_t end, const Classified& c) {
    if (end <= begin) return;
    Position start = lines.PositionOf(text, begin, analysis.Encoding());
    Position stop = lines.PositionOf(text, end, analysis.Encoding());
    if (stop.line != start.line || stop.character <= start.character) return;
    uint32_t delta_line = start.line - last_line;
    uint32_t delta_char = delta_line == 0 ? start.character - last_char : start.character;
    data.insert(data.end(), {delta_line, delta_char, stop.character - start.character, static_cast<uint32_t>(c.type),
                             static_cast<uint32_t>(c.modifiers)});
    last_line = start.line;
    last_char = start.character;
  };
  for (const Classified& c : tokens) {
    // Split tokens that cross lines (block comments, strings with escaped newlines).
    uint32_t begin = c.begin;
    while (begin < c.end) {
      size_t newline = text.find_first_of("\r\n", begin);
      uint32_t end = newline == std::string_view::npos || newline >= c.end ? c.end : static_cast<uint32_t>(newline);
      emit(begin, end, c);
      begin = end;
      while (begin < c.end && (text[begin] == '\r' || text[begin] == '\n')) ++begin;
    }
  }
  return Json{{"data", data}};
}

}  // namespace

void RegisterSemanticTokens(Server& server) {
  server.Capabilities()["semanticTokensProvider"] = Json{
      {"legend", {{"tokenTypes", kTokenTypes}, {"tokenModifiers", kTokenModifiers}}},
      {"full", true},
      {"range", true},
  };
  server.OnRequest("textDocument/semanticTokens/full", [&server](const Json& params) {
    auto analysis = server.DocumentAnalysis(params);
    return Encode(*analysis, Classify(*analysis, 0, static_cast<uint32_t>(analysis->Text().size())));
  });
  server.OnRequest("textDocument/semanticTokens/range", [&server](const Json& params) {
    auto analysis = server.DocumentAnalysis(params);
    const Json& range = params.at("range");
    auto start = PositionFromJson(range.at("start"));
    auto end = PositionFromJson(range.at("end"));
    if (!start || !end) throw RequestError(ErrorCode::kInvalidParams, "`range` needs `start` and `end`");
    return Encode(*analysis, Classify(*analysis, analysis->Offset(*start), analysis->Offset(*end)));
  });
}

}  // namespace etl::lsp
