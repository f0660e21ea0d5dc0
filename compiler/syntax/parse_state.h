// Internal to compiler/syntax: state shared by one ParseModule/ParseExpression call
// (source text, code point -> byte mapping, error bookkeeping). No ANTLR types here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"

namespace etl::syntax {

// Syntax errors reported per file before the parser stops reporting more.
inline constexpr size_t kMaxSyntaxErrors = 100;
// Deepest bracket nesting accepted before parsing.
inline constexpr int kMaxNesting = 200;
// Deepest interpolation-in-string nesting (each level is a nested parse).
inline constexpr int kMaxInterpolationDepth = 16;

// A slice of source decoded to code points (what the ANTLR lexer reads), with the byte
// offset in the file of every code point and one past the last.
struct DecodedText {
  std::u32string code_points;
  std::vector<uint32_t> offsets;  // size() == code_points.size() + 1
};

// Decodes UTF-8; each byte of an invalid sequence becomes U+FFFD so no input is rejected.
DecodedText DecodeUtf8(std::string_view text, uint32_t base_offset);

// Diagnostics and error bookkeeping of one file's parse.
class ParseState {
 public:
  ParseState(const diag::SourceManager& sources, diag::FileId file, diag::Diagnostics& diagnostics)
      : sources_(sources), file_(file), diagnostics_(diagnostics), text_(sources.File(file).Text()) {}

  diag::FileId File() const { return file_; }
  const diag::SourceManager& Sources() const { return sources_; }
  diag::Diagnostics& Diagnostics() { return diagnostics_; }
  // The whole file's text.
  std::string_view Text() const { return text_; }
  std::string_view Slice(uint32_t begin, uint32_t end) const {
    if (begin > text_.size()) begin = static_cast<uint32_t>(text_.size());
    if (end > text_.size()) end = static_cast<uint32_t>(text_.size());
    return end > begin ? text_.substr(begin, end - begin) : std::string_view();
  }
  diag::SourceRange RangeOf(uint32_t begin, uint32_t end) const { return {file_, begin, end}; }

  // Reports a syntax error (E0001): at most one per position and kMaxSyntaxErrors per file.
  // Returns the reported diagnostic, or nullptr when it was suppressed (duplicate, cascade, cap).
  diag::Diagnostic* SyntaxError(diag::SourceRange range, std::string message);
  // No syntax error is reported at this offset: it follows a character the lexer
  // already reported and dropped, so an error there would only repeat that one.
  void SuppressSyntaxErrorAt(uint32_t offset) { error_offsets_.insert(offset); }
  // Reports any other lexical error (E0002-E0008).
  diag::Diagnostic& Error(diag::Code code, diag::SourceRange range, std::string message);
  bool HadErrors() const { return had_errors_; }
  bool ErrorLimitReached() const { return syntax_errors_ >= kMaxSyntaxErrors; }

  int interpolation_depth = 0;

 private:
  const diag::SourceManager& sources_;
  diag::FileId file_;
  diag::Diagnostics& diagnostics_;
  std::string_view text_;
  size_t syntax_errors_ = 0;
  std::unordered_set<uint32_t> error_offsets_;
  std::unordered_set<uint32_t> error_lines_;  // lines that already have a syntax error
  bool had_errors_ = false;
};

// Parses the bytes [begin, end) of the file as one expression (null when it is broken).
ast::ExprPtr ParseExpressionIn(ParseState& state, uint32_t begin, uint32_t end);

}  // namespace etl::syntax
