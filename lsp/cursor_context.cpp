#include "lsp/cursor_context.h"

#include <algorithm>
#include <set>

#include "compiler/syntax/tokens.h"

namespace etl::lsp {

namespace {

using syntax::TokenKind;

struct Tok {
  TokenKind kind = TokenKind::Bad;
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string_view text;
  size_t level = 0;  // open brackets around it (an opener and its closer share their level)
};

const std::set<std::string_view> kDeclKeywords = {"import", "schema", "const", "fn", "param", "pipeline", "test"};
const std::set<std::string_view> kSettings = {"schedule", "after",   "on",  "retry",      "timeout",
                                              "max_errors", "persist", "jit", "concurrency"};
// Keywords after which an expression or statement may end (everything else continues).
const std::set<std::string_view> kEndingKeywords = {"null", "true", "false", "else", "asc", "desc", "rows", "empty"};

bool IsWord(const Tok& t) { return t.kind == TokenKind::Identifier || t.kind == TokenKind::Keyword; }
bool Is(const Tok& t, std::string_view text) { return t.text == text; }

// Whether a statement may end after `t` (a following line then starts a new one).
bool Ends(const Tok& t) {
  switch (t.kind) {
    case TokenKind::Identifier:
    case TokenKind::String:
    case TokenKind::Number:
    case TokenKind::Duration:
    case TokenKind::Date:
      return true;
    case TokenKind::Keyword:
      return kEndingKeywords.count(t.text) > 0;
    case TokenKind::Punctuation:
      return Is(t, ")") || Is(t, "]") || Is(t, "}");
    default:
      return false;
  }
}

std::string Unquote(std::string_view name) {
  if (name.size() >= 2 && name.front() == '`' && name.back() == '`') return std::string(name.substr(1, name.size() - 2));
  return std::string(name);
}

bool LineBreakBetween(std::string_view text, uint32_t from, uint32_t to) {
  return text.substr(from, to - from).find('\n') != std::string_view::npos;
}

// Where the enclosing top-level declaration starts: the last line before the cursor that
// begins with a declaration keyword at column 0 (how formatted code looks), else 0.
uint32_t DeclStart(std::string_view text, uint32_t offset) {
  uint32_t line = offset;
  while (true) {
    while (line > 0 && text[line - 1] != '\n') --line;
    for (std::string_view keyword : kDeclKeywords) {
      uint32_t after = line + static_cast<uint32_t>(keyword.size());
      if (after < offset && text.substr(line, keyword.size()) == keyword &&
          (text[after] == ' ' || text[after] == '\t' || text[after] == '"')) {
        return line;
      }
    }
    if (line == 0) return 0;
    --line;
  }
}

// The tokens of one argument list or body: those at `level` from `first` to the end.
std::vector<const Tok*> AtLevel(const std::vector<Tok>& tokens, size_t first, size_t level) {
  std::vector<const Tok*> out;
  for (size_t i = first; i < tokens.size(); ++i) {
    if (tokens[i].level == level) out.push_back(&tokens[i]);
  }
  return out;
}

// The part of `items` after the last separator (`,` `;`, or a new line after a token that ends).
std::vector<const Tok*> CurrentItem(std::string_view text, const std::vector<const Tok*>& items, uint32_t cursor) {
  size_t start = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (Is(*items[i], ",") || Is(*items[i], ";")) start = i + 1;
    else if (i > 0 && Ends(*items[i - 1]) && LineBreakBetween(text, items[i - 1]->end, items[i]->begin)) start = i;
  }
  if (!items.empty() && Ends(*items.back()) && LineBreakBetween(text, items.back()->end, cursor)) start = items.size();
  return std::vector<const Tok*>(items.begin() + static_cast<long>(start), items.end());
}

bool Contains(const std::vector<const Tok*>& items, std::string_view text) {
  return std::any_of(items.begin(), items.end(), [&](const Tok* t) { return Is(*t, text); });
}

class ContextBuilder {
 public:
  ContextBuilder(std::string_view text, uint32_t cursor) : text_(text), cursor_(cursor) {}

  CursorContext Build() {
    uint32_t start = DeclStart(text_, cursor_);
    for (const auto& token : syntax::Tokenize(text_.substr(start, cursor_ - start))) {
      tokens_.push_back(Tok{token.kind, token.begin + start, token.end + start,
                            text_.substr(token.begin + start, token.end - token.begin), 0});
    }
    if (!tokens_.empty()) {
      const Tok& last = tokens_.back();
      bool open_string = last.kind == TokenKind::String &&
                         (last.text.size() < 2 || last.text.back() != '"' || (last.text == "r\""));
      bool open_comment = (last.kind == TokenKind::Comment || last.kind == TokenKind::DocComment) &&
                          last.end == cursor_ && (last.text.substr(0, 2) == "//" || last.text.size() < 4 ||
                                                  last.text.substr(last.text.size() - 2) != "*/");
      if (open_comment) return c_;
      // In a literal nothing completes, but signature help still wants the call around it.
      literal_ = open_string || last.kind == TokenKind::Bad ||
                 (last.end == cursor_ && (last.kind == TokenKind::Number || last.kind == TokenKind::Duration ||
                                          last.kind == TokenKind::Date || last.kind == TokenKind::String));
      if (literal_) tokens_.pop_back();
    }
    tokens_.erase(std::remove_if(tokens_.begin(), tokens_.end(),
                                 [](const Tok& t) {
                                   return t.kind == TokenKind::Comment || t.kind == TokenKind::DocComment;
                                 }),
                  tokens_.end());
    c_.prefix_begin = cursor_;
    if (!literal_ && !tokens_.empty() && IsWord(tokens_.back()) && tokens_.back().end == cursor_) {
      c_.prefix = Unquote(tokens_.back().text);
      c_.prefix_begin = tokens_.back().begin;
      tokens_.pop_back();
    }
    if (!literal_ && tokens_.size() >= 2 && (Is(tokens_.back(), ".") || Is(tokens_.back(), "?.")) &&
        tokens_.back().end == c_.prefix_begin && IsWord(tokens_[tokens_.size() - 2])) {
      c_.qualified = true;
      c_.qualifier = Unquote(tokens_[tokens_.size() - 2].text);
      tokens_.resize(tokens_.size() - 2);
    }
    // The brackets open at each token.
    std::vector<size_t> stack;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      Tok& t = tokens_[i];
      bool closer = Is(t, ")") || Is(t, "]") || Is(t, "}");
      if (closer && !stack.empty()) {
        std::string_view open = tokens_[stack.back()].text;
        if ((Is(t, ")") && open == "(") || (Is(t, "]") && open == "[") || (Is(t, "}") && open == "{")) stack.pop_back();
      }
      t.level = stack.size();
      if (Is(t, "(") || Is(t, "[") || Is(t, "{")) stack.push_back(i);
    }
    stack_ = stack;
    FindCall();
    if (c_.call && literal_) c_.call->at_arg_start = false;
    if (!literal_) Decide();
    return c_;
  }

 private:
  // The innermost open `(` that follows a callee.
  void FindCall() {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      size_t open = *it;
      if (!Is(tokens_[open], "(")) continue;
      if (open == 0 || !IsWord(tokens_[open - 1]) || tokens_[open - 1].end != tokens_[open].begin) return;
      OpenCall call;
      size_t callee = open - 1;
      if (callee >= 2 && Is(tokens_[callee - 1], ".") && IsWord(tokens_[callee - 2])) callee -= 2;
      call.callee_begin = tokens_[callee].begin;
      call.callee = std::string(text_.substr(call.callee_begin, tokens_[open - 1].end - call.callee_begin));
      call.open = tokens_[open].begin;
      if (callee > 0) {
        const Tok& before = tokens_[callee - 1];
        if (Is(before, "from")) call.step = stdlib::StepKind::Source;
        else if (Is(before, "into")) call.step = stdlib::StepKind::Sink;
        else if (Is(before, "|")) call.step = stdlib::StepKind::Transform;
        else if (Is(before, "window")) call.step = stdlib::StepKind::Window;
        else if (Is(before, "on")) {
          // `on` starts a trigger setting; in `join x on f(` it starts an expression.
          bool setting = callee < 2 || LineBreakBetween(text_, tokens_[callee - 2].end, before.begin) ||
                         Is(tokens_[callee - 2], "{");
          if (setting) call.step = stdlib::StepKind::Trigger;
        }
      }
      std::vector<const Tok*> args = AtLevel(tokens_, open + 1, tokens_[open].level + 1);
      size_t arg_start = 0;
      auto add_arg = [&](size_t from, size_t to) {
        if (to >= from + 2 && IsWord(*args[from]) && Is(*args[from + 1], ":")) {
          call.named.push_back(Unquote(args[from]->text));
        } else {
          ++call.positional_before;
        }
      };
      for (size_t i = 0; i < args.size(); ++i) {
        if (!Is(*args[i], ",")) continue;
        add_arg(arg_start, i);
        arg_start = i + 1;
        ++call.arg_index;
      }
      size_t rest = args.size() - arg_start;
      call.at_arg_start = rest == 0;
      if (rest >= 2 && IsWord(*args[arg_start]) && Is(*args[arg_start + 1], ":")) {
        call.arg_name = Unquote(args[arg_start]->text);
      }
      c_.call = call;
      return;
    }
  }

  void Decide() {
    if (tokens_.empty() || !kDeclKeywords.count(tokens_[0].text)) {
      c_.place = Place::TopLevel;
      return;
    }
    c_.decl_keyword = std::string(tokens_[0].text);
    if (tokens_.size() >= 2 && IsWord(tokens_[1])) c_.decl_name = Unquote(tokens_[1].text);
    if (c_.decl_keyword == "test" && tokens_.size() >= 4 && Is(tokens_[2], "for")) c_.decl_name = Unquote(tokens_[3].text);
    if (stack_.empty() && DeclOver()) {
      c_.place = Place::TopLevel;
      return;
    }
    if (tokens_.size() == 1 || (tokens_.size() == 2 && c_.decl_keyword == "test")) return;  // naming it
    const Tok& last = tokens_.back();
    if (c_.decl_keyword == "import") return;
    if (c_.decl_keyword == "pipeline") return PipelinePlace();
    if (c_.decl_keyword == "test") return TestPlace();
    // schema, const, fn, param: a type after `:`/`->`/`<`, an expression after `=`.
    if (Is(last, ":") || Is(last, "->") || Is(last, "<") || (Is(last, ",") && InTypeArgs())) {
      c_.place = Place::Type;
      return;
    }
    if (c_.call && c_.call->at_arg_start) {
      c_.place = Place::Argument;
      return;
    }
    size_t level = stack_.empty() ? 0 : tokens_[stack_.back()].level + 1;
    std::vector<const Tok*> item = CurrentItem(text_, AtLevel(tokens_, stack_.empty() ? 0 : stack_.back() + 1, level), cursor_);
    bool in_expression = Contains(item, "=") || !stack_.empty() || c_.decl_keyword == "const";
    if (c_.decl_keyword == "schema") in_expression = Contains(item, "=");
    if (c_.decl_keyword == "fn" && !stack_.empty() && stack_.front() == 2) in_expression = false;  // its parameters
    if (c_.decl_keyword == "fn") FnParams();
    if (in_expression) c_.place = Place::Expression;
  }

  void FnParams() {
    if (tokens_.size() < 3 || !Is(tokens_[2], "(")) return;
    for (size_t i = 3; i + 1 < tokens_.size() && tokens_[i].level == 1; ++i) {
      if (!IsWord(tokens_[i]) || !Is(tokens_[i + 1], ":")) continue;
      size_t end = i + 2;
      while (end < tokens_.size() && tokens_[end].level >= 1 && !Is(tokens_[end], ",") && !Is(tokens_[end], ")")) ++end;
      uint32_t type_begin = i + 2 < tokens_.size() ? tokens_[i + 2].begin : tokens_[i + 1].end;
      uint32_t type_end = end > i + 2 ? tokens_[end - 1].end : type_begin;
      c_.fn_params.emplace_back(Unquote(tokens_[i].text), std::string(text_.substr(type_begin, type_end - type_begin)));
      i = end - 1;
    }
  }

  bool InTypeArgs() const {
    for (size_t i = tokens_.size(); i-- > 0;) {
      if (Is(tokens_[i], "<")) return true;
      if (Is(tokens_[i], ">") || Is(tokens_[i], ":") || Is(tokens_[i], "=")) return false;
    }
    return false;
  }

  // Whether the declaration the tokens start is complete and the cursor starts a new one.
  bool DeclOver() const {
    const Tok& last = tokens_.back();
    if (Is(last, "}") && (c_.decl_keyword == "schema" || c_.decl_keyword == "pipeline" || c_.decl_keyword == "test")) {
      return true;
    }
    return Ends(last) && LineBreakBetween(text_, last.end, c_.prefix_begin) && tokens_.size() >= 3;
  }

  void TestPlace() {
    if (stack_.empty()) {
      if (Is(tokens_.back(), "for")) c_.place = Place::PipelineName;
      return;
    }
    std::vector<const Tok*> items = AtLevel(tokens_, stack_.front() + 1, 1);
    std::vector<const Tok*> item = CurrentItem(text_, items, cursor_);
    if (stack_.size() > 1) {
      c_.place = c_.call && c_.call->at_arg_start ? Place::Argument : Place::Expression;
      return;
    }
    if (item.empty()) {
      c_.place = Place::Words;
      c_.words = {"given", "expect"};
    } else if (item.size() == 1 && Is(*item[0], "given")) {
      c_.place = Place::StreamRef;
    } else if (Is(*item[0], "expect")) {
      c_.place = Place::Expression;
      if (item.size() == 1) c_.place = Place::StreamRef;
    } else if (Is(*item[0], "given") && Is(*item.back(), "=")) {
      c_.place = Place::Expression;
    }
  }

  void PipelinePlace() {
    if (stack_.empty()) return;  // `pipeline name` before its `{`
    size_t body = stack_.front();
    std::vector<const Tok*> items = AtLevel(tokens_, body + 1, 1);
    // The statement holding the cursor starts after the last `;`, or at a line whose
    // first token does not continue the previous one (newlines are not significant, but a
    // statement cannot continue after a token that ends one unless the line starts with `|`).
    size_t start = 0;
    for (size_t i = 1; i < items.size(); ++i) {
      if (Is(*items[i - 1], ";")) start = i;
      else if (Ends(*items[i - 1]) && !Is(*items[i], "|") && !Is(*items[i], ".") &&
               LineBreakBetween(text_, items[i - 1]->end, items[i]->begin)) {
        start = i;
      }
    }
    if (!items.empty() && Is(*items.back(), ";")) start = items.size();
    if (!items.empty() && stack_.size() == 1 && Ends(*items.back()) &&
        LineBreakBetween(text_, items.back()->end, c_.prefix_begin)) {
      start = items.size();
    }
    std::vector<const Tok*> statement(items.begin() + static_cast<long>(start), items.end());
    if (statement.empty()) {
      c_.place = Place::StatementStart;
      return;
    }
    bool binding = statement.size() >= 2 && IsWord(*statement[0]) && Is(*statement[1], "=");
    if (!binding && kSettings.count(statement[0]->text)) return SettingPlace(statement);
    size_t head = binding ? 2 : 0;
    if (head >= statement.size()) {
      c_.place = Place::Head;
      return;
    }
    c_.in_chain = true;
    c_.head_begin = statement[head]->begin;
    // The head: `from csv(..., schema: S)`, `union(a, ...)`, `step` or `step.port`.
    size_t first_pipe = statement.size();
    for (size_t i = head; i < statement.size(); ++i) {
      if (Is(*statement[i], "|")) {
        first_pipe = std::min(first_pipe, i);
        c_.ops.push_back(i + 1 < statement.size() ? statement[i + 1]->begin : c_.prefix_begin);
      }
    }
    ReadHead(*statement[head], first_pipe == statement.size() ? nullptr : statement[first_pipe]);
    if (first_pipe == statement.size()) {
      if (stack_.size() > 1) return NestedPlace();
      if (statement.size() == head + 1 && Is(*statement[head], "from")) c_.place = Place::Source;
      return;
    }
    size_t last_pipe = first_pipe;
    for (size_t i = first_pipe; i < statement.size(); ++i) {
      if (Is(*statement[i], "|")) last_pipe = i;
    }
    std::vector<const Tok*> op(statement.begin() + static_cast<long>(last_pipe) + 1, statement.end());
    c_.in_op = true;
    c_.op_keyword = op.empty() ? "" : Unquote(op[0]->text);
    if (stack_.size() > 1) return NestedPlace();
    if (op.empty()) {
      c_.place = Place::PipeOp;
      return;
    }
    OpPlace(op);
  }

  void ReadHead(const Tok& first, const Tok* end) {
    size_t i = static_cast<size_t>(&first - tokens_.data());
    size_t stop = end ? static_cast<size_t>(end - tokens_.data()) : tokens_.size();
    if (Is(first, "from")) {
      for (size_t j = i; j + 2 < stop; ++j) {
        if (Is(tokens_[j], "schema") && Is(tokens_[j + 1], ":") && IsWord(tokens_[j + 2])) {
          c_.head_schema = Unquote(tokens_[j + 2].text);
          if (j + 4 < stop && Is(tokens_[j + 3], ".") && IsWord(tokens_[j + 4])) {
            c_.head_schema += "." + Unquote(tokens_[j + 4].text);
          }
        }
      }
    } else if (Is(first, "union")) {
      if (i + 2 < stop && IsWord(tokens_[i + 2])) c_.head_step = Unquote(tokens_[i + 2].text);
      if (i + 4 < stop && Is(tokens_[i + 3], ".") && IsWord(tokens_[i + 4])) c_.head_port = Unquote(tokens_[i + 4].text);
    } else if (IsWord(first)) {
      c_.head_step = Unquote(first.text);
      if (i + 2 < stop && Is(tokens_[i + 1], ".") && IsWord(tokens_[i + 2])) c_.head_port = Unquote(tokens_[i + 2].text);
    }
  }

  void SettingPlace(const std::vector<const Tok*>& statement) {
    std::string_view keyword = statement[0]->text;
    if (stack_.size() > 1) {
      if (keyword == "after") c_.place = Place::PipelineName;  // `after any(a, `
      else if (c_.call && c_.call->at_arg_start) c_.place = Place::Argument;
      else c_.place = Place::Expression;
      return;
    }
    const Tok& last = *statement.back();
    if (keyword == "after" && (statement.size() == 1 || Is(last, ","))) {
      c_.place = Place::PipelineName;
      c_.words = {"any"};
    } else if (keyword == "on" && statement.size() == 1) {
      c_.place = Place::Trigger;
    } else if (statement.size() == 1 && (keyword == "persist" || keyword == "jit" || keyword == "schedule")) {
      c_.place = Place::Words;
      if (keyword == "persist") c_.words = {"disk", "memory"};
      if (keyword == "jit") c_.words = {"on", "off", "auto"};
      if (keyword == "schedule") c_.words = {"every"};
    } else if (keyword == "retry" && statement.size() == 2) {
      c_.place = Place::Words;
      c_.words = {"backoff"};
    } else if (keyword == "schedule" && statement.size() == 2 && statement[1]->kind == TokenKind::String) {
      c_.place = Place::Words;
      c_.words = {"tz"};
    }
  }

  // Inside brackets within a statement: a call's arguments, a route/aggregate/validate
  // body, a list, a record literal or parentheses.
  void NestedPlace() {
    const Tok& opener = tokens_[stack_.back()];
    std::vector<const Tok*> local = AtLevel(tokens_, stack_.back() + 1, opener.level + 1);
    std::vector<const Tok*> item = CurrentItem(text_, local, cursor_);
    size_t at = stack_.back();
    const Tok* before = at > 0 ? &tokens_[at - 1] : nullptr;
    c_.aggregate_body = false;
    for (size_t open : stack_) {
      if (Is(tokens_[open], "{") && c_.op_keyword == "aggregate" && tokens_[open].level == 1) c_.aggregate_body = true;
    }
    if (Is(opener, "(")) {
      if (before && Is(*before, "union")) {
        c_.place = Place::StreamRef;
      } else if (c_.call && c_.call->open == opener.begin) {
        c_.place = c_.call->at_arg_start ? Place::Argument : Place::Expression;
        // `join x on f(`: still the join's condition.
      } else {
        c_.place = Place::Expression;
      }
    } else if (Is(opener, "[")) {
      c_.place = Place::Expression;
    } else if (opener.level == 1 && c_.op_keyword == "route") {
      // `name: condition` per branch.
      if (!item.empty() && Contains(item, ":")) c_.place = Place::Expression;
      if (!item.empty() && Is(*item.back(), ":")) c_.words = {"else"};
    } else if (opener.level == 1 && c_.op_keyword == "aggregate") {
      if (Contains(item, "=")) c_.place = Place::Expression;
    } else if (opener.level == 1 && c_.op_keyword == "validate") {
      if (!Contains(item, ":")) c_.place = Place::Expression;
    } else if (!item.empty() && Is(*item.back(), ":")) {
      c_.place = Place::Expression;  // a record literal's value
    }
    if (c_.op_keyword == "join") JoinStep();
  }

  void JoinStep() {
    // `join [left|inner] step on`: the step after the keyword.
    for (size_t i = 0; i + 1 < tokens_.size(); ++i) {
      if (tokens_[i].begin < c_.ops.back() || !Is(tokens_[i], "join")) continue;
      size_t j = i + 1;
      if (j < tokens_.size() && (Is(tokens_[j], "left") || Is(tokens_[j], "inner"))) ++j;
      if (j < tokens_.size() && IsWord(tokens_[j]) && !Is(tokens_[j], "on")) c_.join_step = Unquote(tokens_[j].text);
      return;
    }
  }

  void OpPlace(const std::vector<const Tok*>& op) {
    std::string_view keyword = op[0]->text;
    std::vector<const Tok*> rest(op.begin() + 1, op.end());
    std::vector<const Tok*> item = CurrentItem(text_, rest, cursor_);
    const Tok* last = rest.empty() ? nullptr : rest.back();
    if (keyword == "into") {
      if (rest.empty()) c_.place = Place::Sink;
    } else if (keyword == "filter") {
      c_.place = Place::Expression;
    } else if (keyword == "derive") {
      if (Contains(item, "=")) c_.place = Place::Expression;
    } else if (keyword == "select") {
      c_.place = Contains(item, "=") ? Place::Expression : item.empty() ? Place::Fields : Place::None;
    } else if (keyword == "drop") {
      if (item.empty()) c_.place = Place::Fields;
    } else if (keyword == "rename") {
      if (item.empty()) c_.place = Place::Fields;
      else if (item.size() == 1) c_.words = {"as"}, c_.place = Place::Words;
    } else if (keyword == "explode") {
      if (!Contains(rest, "as")) {
        c_.place = Place::Expression;
        if (last && Ends(*last)) c_.words = {"as"};
      }
    } else if (keyword == "dedup" || keyword == "sort") {
      if (rest.empty()) {
        c_.place = Place::Words;
        c_.words = {"by"};
      } else if (!Contains(rest, "within")) {
        c_.place = Place::Expression;
        if (last && Ends(*last)) c_.words = keyword == "sort" ? std::vector<std::string>{"desc", "asc"}
                                                              : std::vector<std::string>{"within"};
      }
    } else if (keyword == "join") {
      JoinPlace(rest);
    } else if (keyword == "aggregate") {
      if (rest.empty()) {
        c_.place = Place::Words;
        c_.words = {"by", "window"};
      } else if (Is(*last, "window")) {
        c_.place = Place::Window;
      } else if (Is(*rest[0], "by")) {
        c_.place = Place::Expression;
      }
    }
  }

  void JoinPlace(const std::vector<const Tok*>& rest) {
    size_t i = 0;
    if (i < rest.size() && (Is(*rest[i], "left") || Is(*rest[i], "inner"))) ++i;
    if (i == rest.size()) {
      c_.place = Place::StreamRef;
      if (rest.empty()) c_.words = {"left", "inner"};
      return;
    }
    c_.join_step = Unquote(rest[i]->text);
    bool on = false;
    for (size_t j = i; j < rest.size(); ++j) on = on || Is(*rest[j], "on");
    if (on) {
      c_.place = Place::Expression;
    } else if (Ends(*rest.back())) {
      c_.place = Place::Words;
      c_.words = {"on"};
    }
  }

  std::string_view text_;
  uint32_t cursor_;
  std::vector<Tok> tokens_;
  std::vector<size_t> stack_;
  bool literal_ = false;  // the cursor is in a string, number or other literal
  CursorContext c_;
};

const Symbol* FindSymbol(const Analysis& analysis, SymbolKind kind, const std::string& name, const std::string& container) {
  for (const auto& symbol : analysis.Symbols()) {
    if (symbol.kind == kind && symbol.name == name && symbol.container == container &&
        symbol.name_range.file == analysis.File()) {
      return &symbol;
    }
  }
  return nullptr;
}

bool Usable(const ast::TypeRef& type) { return type && type->kind == ast::TypeKind::Record; }

}  // namespace

CursorContext ContextAt(std::string_view text, uint32_t offset) {
  return ContextBuilder(text, std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()))).Build();
}

ast::TypeRef StepOutput(const Analysis& analysis, const std::string& pipeline, const std::string& name,
                        const std::string& port) {
  if (port == "errors") return stdlib::ErrorsType();
  if (port == "done") return stdlib::DoneType();
  if (!port.empty()) {
    const Symbol* symbol = FindSymbol(analysis, SymbolKind::Port, port, name);
    return symbol ? symbol->type : nullptr;
  }
  const Symbol* symbol = FindSymbol(analysis, SymbolKind::Step, name, pipeline);
  return symbol ? symbol->type : nullptr;
}

InputRecord InputRecordAt(const Analysis& analysis, const CursorContext& context) {
  InputRecord out;
  if (!context.in_chain) return out;
  const auto& scopes = analysis.Scopes();
  auto scope_at = [&](uint32_t begin, bool head) -> const StepScope* {
    for (const auto& scope : scopes) {
      if (scope.range.file != analysis.File()) continue;
      if (head ? (!scope.op && scope.range.begin == begin)
               : (scope.op && scope.op->keyword_range.Valid() && scope.op->keyword_range.begin == begin)) {
        return &scope;
      }
    }
    return nullptr;
  };
  size_t current = context.ops.size() - (context.in_op && !context.ops.empty() ? 1 : 0);
  if (context.in_op) {
    if (const StepScope* scope = scope_at(context.ops.back(), false); scope && Usable(scope->input)) {
      return InputRecord{scope->input, scope->right};
    }
  }
  // The chain's earlier parts: the head, then each op that parsed (an op the AST lacks
  // keeps its input: most ops do).
  ast::TypeRef type;
  if (const StepScope* head = scope_at(context.head_begin, true); head && Usable(head->output)) {
    type = head->output;
  } else if (!context.head_schema.empty()) {
    auto it = analysis.VisibleDecls().find(context.head_schema);
    if (it != analysis.VisibleDecls().end()) {
      if (const auto* schema = it->second->As<ast::SchemaDecl>()) type = schema->type;
    }
  } else if (!context.head_step.empty()) {
    type = StepOutput(analysis, context.decl_name, context.head_step, context.head_port);
  }
  for (size_t i = 0; i < current; ++i) {
    const StepScope* scope = scope_at(context.ops[i], false);
    if (scope && Usable(scope->output)) type = scope->output;
  }
  out.input = type;
  if (!context.join_step.empty()) out.right = StepOutput(analysis, context.decl_name, context.join_step);
  return out;
}

}  // namespace etl::lsp
