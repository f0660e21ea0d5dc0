// The printer's output buffer, comment placement and blank-line rules.
#include "compiler/format/printer.h"

#include <algorithm>
#include <cctype>

#include "compiler/format/formatter.h"

namespace etl::format {

std::string FormatModule(const ast::Module& module, const diag::SourceManager& sources) {
  if (module.has_syntax_errors) {
    if (module.file == diag::kNoFile || module.file >= sources.Count()) return {};
    return sources.File(module.file).Text();
  }
  Printer printer(module, sources);
  return printer.PrintModule();
}

Printer::Printer(const ast::Module& module, const diag::SourceManager& sources)
    : module_(module), sources_(sources) {
  if (module.file != diag::kNoFile && module.file < sources.Count()) text_ = sources.File(module.file).Text();
  for (const auto& comment : module.comments) comments_.push_back(&comment);
  std::stable_sort(comments_.begin(), comments_.end(), [](const ast::Comment* a, const ast::Comment* b) {
    return a->range.begin < b->range.begin;
  });
  for (const ast::Comment* comment : comments_) {
    bool trailing = false;
    for (uint32_t i = std::min<uint32_t>(comment->range.begin, text_.size()); i > 0; --i) {
      char c = text_[i - 1];
      if (c == '\n') break;
      if (!std::isspace(static_cast<unsigned char>(c))) {
        trailing = true;
        break;
      }
    }
    trailing_.push_back(trailing);
  }
}

void Printer::Write(std::string_view text) {
  out_ += text;
  if (!text.empty()) line_has_code_ = true;
}

void Printer::WriteIndent(int indent) { out_.append(static_cast<size_t>(std::max(indent, 0)), ' '); }

void Printer::EndLine() {
  while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) out_.pop_back();
  out_ += '\n';
  last_line_open_ = line_has_code_;
  line_has_code_ = false;
}

void Printer::FlushComments(uint32_t limit, int indent) {
  if (measuring_) return;
  while (next_comment_ < comments_.size() && comments_[next_comment_]->range.begin < limit) {
    const ast::Comment& comment = *comments_[next_comment_];
    std::string text = comment.text.empty() ? std::string(Source(comment.range)) : comment.text;
    if (!comment.block) {
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    }
    bool multi_line = comment.block && text.find('\n') != std::string::npos;
    if (trailing_[next_comment_] && last_line_open_ && AtLineStart() && !out_.empty()) {
      out_.pop_back();  // the '\n' of the line the comment trails
      out_ += "  ";
      out_ += text;
      out_ += '\n';
      last_line_open_ = comment.block && !multi_line;
    } else {
      if (!AtLineStart()) EndLine();
      if (!suppress_blank_ && BlankBetween(last_end_, comment.range.begin)) out_ += '\n';
      WriteIndent(indent);
      out_ += text;
      line_has_code_ = false;
      out_ += '\n';
      last_line_open_ = false;
      suppress_blank_ = false;
    }
    last_end_ = std::max(last_end_, comment.range.end);
    ++next_comment_;
  }
}

void Printer::BeginItem(diag::SourceRange range, int indent, bool allow_blank) {
  FlushComments(range.begin, indent);
  if (!measuring_ && allow_blank && !suppress_blank_ && BlankBetween(last_end_, range.begin)) out_ += '\n';
  suppress_blank_ = false;
  WriteIndent(indent);
}

void Printer::EndItem(diag::SourceRange range) {
  EndLine();
  last_end_ = std::max(last_end_, range.end);
}

void Printer::Block(diag::SourceRange owner, int indent, size_t count,
                    const std::function<diag::SourceRange(size_t)>& range_of,
                    const std::function<void(size_t)>& print_member) {
  uint32_t code_start = CodeStart(owner);
  if (count == 0 && !HasCommentIn(code_start, owner.end)) {
    Write(" {}");
    return;
  }
  Write(" {");
  EndLine();
  suppress_blank_ = true;
  for (size_t i = 0; i < count; ++i) {
    diag::SourceRange range = range_of(i);
    BeginItem(range, indent + kIndent);
    print_member(i);
    EndItem(range);
  }
  FlushComments(owner.end, indent + kIndent);
  suppress_blank_ = false;
  WriteIndent(indent);
  Write("}");
  last_end_ = std::max(last_end_, owner.end);
}

std::vector<size_t> Printer::AlignRuns(const std::vector<diag::SourceRange>& ranges,
                                       const std::vector<size_t>& widths) const {
  std::vector<size_t> result(widths.size(), std::string::npos);
  size_t i = 0;
  while (i < widths.size()) {
    if (widths[i] == std::string::npos) {
      ++i;
      continue;
    }
    size_t j = i, widest = widths[i];
    while (j + 1 < widths.size() && widths[j + 1] != std::string::npos &&
           !BlankBetween(ranges[j].end, ranges[j + 1].begin)) {
      ++j;
      widest = std::max(widest, widths[j]);
    }
    for (size_t k = i; k <= j; ++k) result[k] = widest;
    i = j + 1;
  }
  return result;
}

bool Printer::BlankBetween(uint32_t begin, uint32_t end) const {
  end = std::min<uint32_t>(end, text_.size());
  int newlines = 0;
  bool content = false;
  for (uint32_t i = begin; i < end; ++i) {
    char c = text_[i];
    if (c == '\n') {
      if (newlines > 0 && !content) return true;
      ++newlines;
      content = false;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      content = true;
    }
  }
  return false;
}

bool Printer::HasCommentIn(uint32_t begin, uint32_t end) const {
  auto it = std::lower_bound(comments_.begin(), comments_.end(), begin,
                             [](const ast::Comment* c, uint32_t offset) { return c->range.begin < offset; });
  return it != comments_.end() && (*it)->range.begin < end;
}

uint32_t Printer::CodeStart(diag::SourceRange range) const {
  uint32_t pos = range.begin;
  uint32_t end = std::min<uint32_t>(range.end, text_.size());
  size_t c = 0;
  while (pos < end) {
    if (std::isspace(static_cast<unsigned char>(text_[pos]))) {
      ++pos;
      continue;
    }
    while (c < comments_.size() && comments_[c]->range.begin < pos) ++c;
    if (c < comments_.size() && comments_[c]->range.begin == pos && comments_[c]->range.end > pos) {
      pos = comments_[c]->range.end;
      continue;
    }
    break;
  }
  return pos;
}

std::string_view Printer::Source(diag::SourceRange range) const {
  if (!range.Valid() || range.file != module_.file) return {};
  return sources_.Text(range);
}

std::vector<std::string_view> Printer::Tokens(diag::SourceRange range) const {
  std::vector<std::string_view> tokens;
  if (!range.Valid() || range.file != module_.file) return tokens;
  uint32_t end = std::min<uint32_t>(range.end, text_.size());
  uint32_t i = range.begin;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < end) {
    char c = text_[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '/' && i + 1 < end && text_[i + 1] == '/') {
      while (i < end && text_[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < end && text_[i + 1] == '*') {
      size_t close = text_.find("*/", i + 2);
      i = close == std::string_view::npos || close + 2 > end ? end : static_cast<uint32_t>(close + 2);
    } else if (c == '"' || (c == 'r' && i + 1 < end && text_[i + 1] == '"')) {
      uint32_t start = i;
      bool raw = c == 'r';
      i += raw ? 2 : 1;
      while (i < end && text_[i] != '"') i += (!raw && text_[i] == '\\') ? 2 : 1;
      i = std::min(i + 1, end);
      tokens.push_back(text_.substr(start, i - start));
    } else if (word(c)) {
      uint32_t start = i;
      while (i < end && word(text_[i])) ++i;
      tokens.push_back(text_.substr(start, i - start));
    } else {
      tokens.push_back(text_.substr(i, 1));
      ++i;
    }
  }
  return tokens;
}

std::string Printer::Measure(const std::function<void()>& print) {
  std::string saved_out;
  std::swap(saved_out, out_);
  uint32_t saved_last_end = last_end_;
  bool saved_suppress = suppress_blank_, saved_code = line_has_code_, saved_open = last_line_open_;
  bool saved_measuring = measuring_;
  measuring_ = true;
  print();
  std::string result;
  std::swap(result, out_);
  out_ = std::move(saved_out);
  last_end_ = saved_last_end;
  suppress_blank_ = saved_suppress;
  line_has_code_ = saved_code;
  last_line_open_ = saved_open;
  measuring_ = saved_measuring;
  return result;
}

std::string NameText(std::string_view text) {
  static constexpr std::string_view kReserved[] = {"from", "into", "if", "then", "else", "match", "and",
                                                   "or",   "not",  "in", "is",   "null", "true",  "false"};
  bool plain =
      !text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_') && text != "_";
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') plain = false;
  }
  for (std::string_view word : kReserved) {
    if (text == word) plain = false;
  }
  if (plain || text.empty()) return std::string(text);
  return "`" + std::string(text) + "`";
}

std::string QuoteString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '$':
        out += "\\$";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string FormatDuration(int64_t micros) {
  static constexpr std::pair<int64_t, std::string_view> kUnits[] = {
      {86'400'000'000LL, "d"}, {3'600'000'000LL, "h"}, {60'000'000LL, "m"},
      {1'000'000LL, "s"},      {1'000LL, "ms"},        {1LL, "us"}};
  if (micros <= 0) return "0s";
  std::string out;
  for (auto [size, unit] : kUnits) {
    if (micros >= size) {
      out += std::to_string(micros / size);
      out += unit;
      micros %= size;
    }
  }
  return out;
}

}  // namespace etl::format
