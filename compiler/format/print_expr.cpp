// Printing names, literals, types and expressions.
#include <cctype>

#include "compiler/format/printer.h"

namespace etl::format {
namespace {

int BinaryPrec(ast::BinaryOp op) {
  using ast::BinaryOp;
  switch (op) {
    case BinaryOp::Or:
      return kOr;
    case BinaryOp::And:
      return kAnd;
    case BinaryOp::Coalesce:
      return kCoalesce;
    case BinaryOp::Add:
    case BinaryOp::Sub:
      return kAdd;
    case BinaryOp::Mul:
    case BinaryOp::Div:
    case BinaryOp::Mod:
      return kMul;
    default:
      return kCmp;  // == != < <= > >= in, not in, ~
  }
}

bool IsSoftKeyword(std::string_view text) {
  static constexpr std::string_view kSoft[] = {
      "as",      "schema",   "const",      "fn",      "param",   "pipeline",    "test",   "for",
      "import",  "schedule", "every",      "tz",      "after",   "any",         "on",     "retry",
      "backoff", "timeout",  "max_errors", "persist", "jit",     "concurrency", "filter", "derive",
      "select",  "drop",     "rename",     "route",   "explode", "aggregate",   "by",     "window",
      "dedup",   "within",   "sort",       "asc",     "desc",    "take",        "join",   "left",
      "inner",   "validate", "union",      "given",   "expect",  "has",         "rows",   "empty"};
  for (std::string_view word : kSoft) {
    if (text == word) return true;
  }
  return false;
}

}  // namespace

void Printer::PrintName(std::string_view text, diag::SourceRange range) {
  // A soft keyword written in backticks keeps them: the parser may read it as a keyword there.
  std::string_view written = Source(range);
  if (IsSoftKeyword(text) && !written.empty() && written.front() == '`') {
    Write("`" + std::string(text) + "`");
    return;
  }
  Write(NameText(text));
}

void Printer::PrintName(const ast::Name& name) { PrintName(name.text, name.range); }

size_t Printer::NameWidth(const ast::Name& name) {
  return Measure([&] { PrintName(name); }).size();
}

void Printer::PrintQualified(const ast::QualifiedName& name) {
  if (name.module) {
    PrintName(*name.module);
    Write(".");
  }
  PrintName(name.name);
}

void Printer::PrintStringToken(diag::SourceRange range, std::string_view decoded) {
  std::string_view written = Source(range);
  if (!written.empty() && (written.front() == '"' || written.substr(0, 2) == "r\"")) {
    Write(written);
  } else {
    Write(QuoteString(decoded));
  }
}

std::string Printer::DurationText(diag::SourceRange range, int64_t micros, bool last) const {
  std::vector<std::string_view> tokens = Tokens(range);
  if (!tokens.empty()) {
    std::string_view token = last ? tokens.back() : tokens.front();
    if (std::isdigit(static_cast<unsigned char>(token.front())) &&
        std::isalpha(static_cast<unsigned char>(token.back()))) {
      return std::string(token);
    }
  }
  return FormatDuration(micros);
}

std::string Printer::NumberText(diag::SourceRange range, int64_t value, int token_index) const {
  std::vector<std::string_view> tokens = Tokens(range);
  int index = token_index < 0 ? static_cast<int>(tokens.size()) + token_index : token_index;
  if (index >= 0 && index < static_cast<int>(tokens.size())) {
    std::string_view token = tokens[index];
    bool digits = true;
    for (char c : token) digits = digits && (std::isdigit(static_cast<unsigned char>(c)) || c == '_');
    if (digits && std::isdigit(static_cast<unsigned char>(token.front()))) return std::string(token);
  }
  return std::to_string(value);
}

void Printer::PrintType(const ast::TypeExpr& type) {
  switch (type.kind) {
    case ast::TypeExpr::Kind::Named:
      PrintQualified(type.name);
      break;
    case ast::TypeExpr::Kind::Generic:
      PrintQualified(type.name);
      Write("<");
      for (size_t i = 0; i < type.args.size(); ++i) {
        if (i > 0) Write(", ");
        if (type.args[i]) PrintType(*type.args[i]);
      }
      Write(">");
      break;
    case ast::TypeExpr::Kind::Decimal:
      if (type.name.name.Empty()) {
        Write("decimal");
      } else {
        PrintQualified(type.name);
      }
      Write("(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")");
      break;
    case ast::TypeExpr::Kind::Record:
      Write("{");
      for (size_t i = 0; i < type.fields.size(); ++i) {
        if (i > 0) Write(", ");
        PrintFieldDecl(type.fields[i], 0, 0);
      }
      Write("}");
      break;
  }
  if (type.nullable) Write("?");
}

void Printer::PrintFieldDecl(const ast::FieldDecl& field, size_t key_width, int indent) {
  size_t before = out_.size();
  PrintName(field.name);
  Write(":");
  size_t written = out_.size() - before;
  out_.append(key_width > written ? key_width - written : 0, ' ');
  Write(" ");
  if (field.type) PrintType(*field.type);
  if (field.default_value) {
    Write(" = ");
    PrintExpr(*field.default_value, indent);
  }
}

namespace {

int ExprPrec(const ast::Expr& expr, std::string_view written) {
  using ast::ExprKind;
  switch (expr.kind) {
    case ExprKind::If:
      return kIf;
    case ExprKind::Binary:
      return BinaryPrec(expr.binary_op);
    case ExprKind::Unary:
      return expr.unary_op == ast::UnaryOp::Not ? kNot : kNeg;
    case ExprKind::IsNull:
      return kCmp;
    case ExprKind::FieldAccess:
    case ExprKind::Index:
    case ExprKind::Call:
      return kPostfix;
    case ExprKind::IntLit:
    case ExprKind::FloatLit:
      return !written.empty() && written.front() == '-' ? kNeg : kPrimary;
    default:
      return kPrimary;
  }
}

}  // namespace

void Printer::PrintExpr(const ast::Expr& expr, int indent, int min_prec) {
  bool parens = ExprPrec(expr, Source(expr.range)) < min_prec;
  if (parens) Write("(");
  PrintExprBare(expr, indent);
  if (parens) Write(")");
}

void Printer::PrintLiteral(const ast::Expr& expr) {
  using ast::ExprKind;
  std::string_view written = Source(expr.range);
  if (!written.empty()) {
    Write(written);
    return;
  }
  switch (expr.kind) {  // synthetic nodes (no source): print the value
    case ExprKind::IntLit:
      Write(std::to_string(expr.int_value));
      break;
    case ExprKind::FloatLit:
      Write(expr.text.empty() ? std::to_string(expr.float_value) : expr.text);
      break;
    case ExprKind::StringLit:
      Write(expr.raw ? "r\"" + expr.text + "\"" : QuoteString(expr.text));
      break;
    case ExprKind::DurationLit:
      Write(expr.text.empty() ? FormatDuration(expr.int_value) : expr.text);
      break;
    default:
      Write(expr.text);
      break;
  }
}

void Printer::PrintExprBare(const ast::Expr& expr, int indent) {
  using ast::ExprKind;
  auto child = [&](size_t i, int min_prec) {
    if (i < expr.children.size() && expr.children[i]) PrintExpr(*expr.children[i], indent, min_prec);
  };
  switch (expr.kind) {
    case ExprKind::IntLit:
    case ExprKind::FloatLit:
    case ExprKind::StringLit:
    case ExprKind::DurationLit:
    case ExprKind::DateLit:
    case ExprKind::TimestampLit:
      PrintLiteral(expr);
      break;
    case ExprKind::BoolLit:
      Write(expr.bool_value ? "true" : "false");
      break;
    case ExprKind::NullLit:
      Write("null");
      break;
    case ExprKind::ListLit:
      PrintList(expr, indent);
      break;
    case ExprKind::RecordLit:
      PrintRecord(expr, indent);
      break;
    case ExprKind::NameRef:
      PrintName(expr.text, expr.name_range);
      break;
    case ExprKind::FieldAccess:
      child(0, kPostfix);
      Write(expr.safe ? "?." : ".");
      PrintName(expr.text, expr.name_range);
      break;
    case ExprKind::Index:
      child(0, kPostfix);
      Write("[");
      child(1, kIf);
      Write("]");
      break;
    case ExprKind::Call:
      child(0, kPostfix);
      PrintArgs(expr.args, indent);
      break;
    case ExprKind::Unary:
      if (expr.unary_op == ast::UnaryOp::Not) {
        Write("not ");
      } else {
        // `- -a` rather than `--a`: the same tokens, but readable.
        std::string operand = expr.children.empty() || !expr.children[0]
                                  ? std::string()
                                  : Measure([&] { PrintExpr(*expr.children[0], indent, kNeg); });
        Write(!operand.empty() && operand.front() == '-' ? "- " : "-");
      }
      child(0, expr.unary_op == ast::UnaryOp::Not ? kNot : kNeg);
      break;
    case ExprKind::Binary: {
      int prec = BinaryPrec(expr.binary_op);
      // Comparisons do not chain (`a < b < c` is a syntax error): both sides bind tighter.
      child(0, prec == kCmp ? prec + 1 : prec);
      Write(" ");
      Write(ast::Spelling(expr.binary_op));
      Write(" ");
      child(1, prec + 1);
      break;
    }
    case ExprKind::IsNull:
      child(0, kCmp + 1);
      Write(expr.negated ? " is not null" : " is null");
      break;
    case ExprKind::If:
      Write("if ");
      child(0, kIf);
      Write(" then ");
      child(1, kIf);
      Write(" else ");
      child(2, kIf);
      break;
    case ExprKind::Match:
      PrintMatch(expr, indent);
      break;
    case ExprKind::Paren:
      Write("(");
      child(0, kIf);
      Write(")");
      break;
  }
}

void Printer::PrintArgs(const std::vector<ast::Argument>& args, int indent) {
  Write("(");
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) Write(", ");
    if (args[i].name) {
      PrintName(*args[i].name);
      Write(": ");
    }
    if (args[i].value) PrintExpr(*args[i].value, indent);
  }
  Write(")");
}

void Printer::PrintCall(const ast::StepCall& call, int indent) {
  PrintQualified(call.callee);
  PrintArgs(call.args, indent);
}

void Printer::PrintList(const ast::Expr& expr, int indent) {
  const auto& items = expr.children;
  bool all_records = !items.empty();
  for (const auto& item : items) all_records = all_records && item && item->kind == ast::ExprKind::RecordLit;
  // A list of records (test data, lookup tables) gets a line per record, unless it sits
  // inside another literal (`items: [{...}]` in a test record stays inline).
  bool multi_line = (all_records && collection_depth_ == 0) ||
                    (!items.empty() && HasCommentIn(expr.range.begin, expr.range.end));
  ++collection_depth_;
  PrintListItems(expr, indent, multi_line);
  --collection_depth_;
}

void Printer::PrintListItems(const ast::Expr& expr, int indent, bool multi_line) {
  const auto& items = expr.children;
  if (!multi_line) {
    Write("[");
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) Write(", ");
      if (items[i]) PrintExpr(*items[i], indent);
    }
    Write("]");
    return;
  }
  Write("[");
  EndLine();
  suppress_blank_ = true;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i]) continue;
    BeginItem(items[i]->range, indent + kIndent);
    PrintExpr(*items[i], indent + kIndent);
    if (i + 1 < items.size()) Write(",");
    EndItem(items[i]->range);
  }
  FlushComments(expr.range.end, indent + kIndent);
  suppress_blank_ = false;
  WriteIndent(indent);
  Write("]");
  last_end_ = std::max(last_end_, expr.range.end);
}

void Printer::PrintRecord(const ast::Expr& expr, int indent) {
  const auto& fields = expr.fields;
  auto print_field = [&](const ast::RecordFieldInit& field, int field_indent) {
    std::string_view written = Source(field.name.range);
    if (!written.empty() && written.front() == '"') {
      Write(written);  // a key written as a string stays one
    } else {
      PrintName(field.name);
    }
    Write(": ");
    ++collection_depth_;
    if (field.value) PrintExpr(*field.value, field_indent);
    --collection_depth_;
  };
  auto print_inline = [&] {
    Write("{");
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) Write(", ");
      print_field(fields[i], indent);
    }
    Write("}");
  };
  // One line when it fits (and holds no comment); a record inside a list or record (rows of
  // test data) may run to kMaxRowWidth, so such data reads as a table, one record per row.
  // Otherwise one field per line, like rustfmt. While measuring, always one line, so the
  // decision depends only on the text.
  bool fits = true;
  if (!measuring_ && !fields.empty()) {
    size_t line_start = out_.rfind('\n');
    size_t column = out_.size() - (line_start == std::string::npos ? 0 : line_start + 1);
    size_t width = collection_depth_ > 0 ? kMaxRowWidth : kMaxWidth;
    fits = column + Measure(print_inline).size() + 1 <= width;
  }
  if (fields.empty() || (fits && !HasCommentIn(expr.range.begin, expr.range.end))) {
    print_inline();
    return;
  }
  Write("{");
  EndLine();
  suppress_blank_ = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    BeginItem(fields[i].range, indent + kIndent);
    print_field(fields[i], indent + kIndent);
    if (i + 1 < fields.size()) Write(",");
    EndItem(fields[i].range);
  }
  FlushComments(expr.range.end, indent + kIndent);
  suppress_blank_ = false;
  WriteIndent(indent);
  Write("}");
  last_end_ = std::max(last_end_, expr.range.end);
}

void Printer::PrintMatch(const ast::Expr& expr, int indent) {
  Write("match ");
  if (!expr.children.empty() && expr.children[0]) PrintExpr(*expr.children[0], indent);
  auto print_patterns = [&](const ast::MatchArm& arm) {
    bool first = true;
    for (const auto& pattern : arm.patterns) {
      if (!first) Write(" | ");
      first = false;
      if (pattern) PrintExpr(*pattern, indent + kIndent);
    }
    if (arm.wildcard) Write(first ? "_" : " | _");
  };
  // The `=>` of the arms line up, like route conditions.
  std::vector<diag::SourceRange> ranges;
  std::vector<size_t> widths;
  for (const auto& arm : expr.arms) {
    ranges.push_back(arm.range);
    widths.push_back(Measure([&] { print_patterns(arm); }).size());
  }
  std::vector<size_t> pads = AlignRuns(ranges, widths);
  Block(
      expr.range, indent, expr.arms.size(), [&](size_t i) { return expr.arms[i].range; },
      [&](size_t i) {
        const ast::MatchArm& arm = expr.arms[i];
        size_t before = out_.size();
        print_patterns(arm);
        size_t written = out_.size() - before;
        if (pads[i] > written) out_.append(pads[i] - written, ' ');
        Write(" => ");
        if (arm.value) PrintExpr(*arm.value, indent + kIndent);
        Write(",");
      });
}

}  // namespace etl::format
