#include "compiler/syntax/parse_state.h"

namespace etl::syntax {

DecodedText DecodeUtf8(std::string_view text, uint32_t base_offset) {
  DecodedText out;
  out.code_points.reserve(text.size());
  out.offsets.reserve(text.size() + 1);
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0, n = text.size();
  while (i < n) {
    unsigned char b = bytes[i];
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    auto cont = [&](size_t k) { return i + k < n && (bytes[i + k] & 0xC0) == 0x80; };
    if (b < 0x80) {
      cp = b;
    } else if (b >= 0xC2 && b <= 0xDF && cont(1)) {
      cp = ((b & 0x1Fu) << 6) | (bytes[i + 1] & 0x3Fu);
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF && cont(1) && cont(2)) {
      uint32_t v = ((b & 0x0Fu) << 12) | ((bytes[i + 1] & 0x3Fu) << 6) | (bytes[i + 2] & 0x3Fu);
      if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) cp = v, len = 3;  // no overlongs, no surrogates
    } else if (b >= 0xF0 && b <= 0xF4 && cont(1) && cont(2) && cont(3)) {
      uint32_t v = ((b & 0x07u) << 18) | ((bytes[i + 1] & 0x3Fu) << 12) | ((bytes[i + 2] & 0x3Fu) << 6) |
                   (bytes[i + 3] & 0x3Fu);
      if (v >= 0x10000 && v <= 0x10FFFF) cp = v, len = 4;
    }
    out.code_points.push_back(cp);
    out.offsets.push_back(base_offset + static_cast<uint32_t>(i));
    i += len;
  }
  out.offsets.push_back(base_offset + static_cast<uint32_t>(n));
  return out;
}

diag::Diagnostic* ParseState::SyntaxError(diag::SourceRange range, std::string message) {
  had_errors_ = true;
  if (syntax_errors_ >= kMaxSyntaxErrors) return nullptr;
  if (!error_offsets_.insert(range.begin).second) return nullptr;
  // A second syntax error on the line of an error found inside that line is almost always
  // the parser's recovery stumbling over the rest of the same mistake: report one per line.
  // (An error at the first token of a line is about the line before: the line may still
  // hold a mistake of its own.)
  const diag::SourceFile& file = sources_.File(range.file);
  diag::LineCol pos = file.Position(range.begin);
  if (error_lines_.count(pos.line)) return nullptr;
  std::string_view before = file.Line(pos.line).substr(0, pos.col - 1);
  if (before.find_first_not_of(" \t") != std::string_view::npos) error_lines_.insert(pos.line);
  ++syntax_errors_;
  if (syntax_errors_ == kMaxSyntaxErrors) message += " (too many syntax errors; the rest are not shown)";
  return &diagnostics_.Report(diag::Code::SyntaxError, range, std::move(message));
}

diag::Diagnostic& ParseState::Error(diag::Code code, diag::SourceRange range, std::string message) {
  had_errors_ = true;
  return diagnostics_.Report(code, range, std::move(message));
}

}  // namespace etl::syntax
