#include "compiler/diag/render.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

namespace etl::diag {
namespace {

// ANSI SGR sequences; only emitted when TextOptions::color is set.
constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kBoldRed = "\x1b[1;31m";
constexpr std::string_view kBoldYellow = "\x1b[1;33m";
constexpr std::string_view kBoldCyan = "\x1b[1;36m";
constexpr std::string_view kBoldGreen = "\x1b[1;32m";
constexpr std::string_view kBlue = "\x1b[34m";

// More than this many lines of a multi-line range are elided in the middle.
constexpr uint32_t kMaxShownLines = 4;

std::string Paint(std::string_view text, std::string_view style, bool color) {
  if (!color || text.empty()) return std::string(text);
  return fmt::format("{}{}{}", style, text, kReset);
}

std::string_view LevelStyle(Level level) {
  switch (level) {
    case Level::Error: return kBoldRed;
    case Level::Warning: return kBoldYellow;
    case Level::Note: return kBoldCyan;
  }
  return kBold;
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool ValidIn(const SourceManager& sources, const SourceRange& range) {
  return range.Valid() && range.file < sources.Count();
}

// Offset of the first byte of 1-based `line`.
uint32_t LineStart(const SourceFile& file, uint32_t line) { return file.Offset({line, 1}); }

// `path:line:col: ` for a located message, "" otherwise.
std::string LocationPrefix(const SourceManager& sources, const SourceRange& range) {
  if (!ValidIn(sources, range)) return "";
  const SourceFile& file = sources.File(range.file);
  LineCol pos = file.Position(range.begin);
  return fmt::format("{}:{}:{}: ", file.Path(), pos.line, pos.col);
}

// The source lines covered by `range`, each as written (like clang: no gutter, so the
// caret's column is the diagnostic's column) with a caret line under it.
void RenderSnippet(const SourceManager& sources, const SourceRange& range, const TextOptions& options,
                   std::string& out) {
  const SourceFile& file = sources.File(range.file);
  uint32_t first = file.Position(range.begin).line;
  uint32_t last = file.Position(std::max(range.begin, range.end)).line;
  // A range ending right after a newline does not really touch the next line.
  if (last > first && range.end == LineStart(file, last)) --last;
  uint32_t previous = 0;
  for (uint32_t line = first; line <= last; ++line) {
    if (last - first + 1 > kMaxShownLines && line > first + 1 && line < last) continue;
    if (previous != 0 && line != previous + 1) out += Paint("...", kBlue, options.color) + "\n";
    previous = line;
    out += std::string(file.Line(line)) + "\n";
    std::string caret = CaretLine(file, line, range);
    if (caret.empty()) continue;
    // The caret itself is painted, the alignment prefix is not (it may hold tabs).
    size_t mark = caret.find_first_of("^~");
    out += caret.substr(0, mark) + Paint(caret.substr(mark), kBoldGreen, options.color) + "\n";
  }
}

}  // namespace

bool ParseColorMode(std::string_view text, ColorMode& mode) {
  if (text == "auto") mode = ColorMode::Auto;
  else if (text == "always") mode = ColorMode::Always;
  else if (text == "never") mode = ColorMode::Never;
  else return false;
  return true;
}

bool ShouldColor(ColorMode mode, int fd) {
  switch (mode) {
    case ColorMode::Always: return true;
    case ColorMode::Never: return false;
    case ColorMode::Auto: {
      const char* no_color = std::getenv("NO_COLOR");
      if (no_color != nullptr && no_color[0] != '\0') return false;
      return isatty(fd) == 1;
    }
  }
  return false;
}

std::string CaretLine(const SourceFile& file, uint32_t line, const SourceRange& range) {
  if (line == 0 || line > file.LineCount()) return "";
  std::string_view text = file.Line(line);
  uint32_t line_begin = LineStart(file, line);
  uint32_t line_end = line_begin + static_cast<uint32_t>(text.size());
  uint32_t end = std::max(range.begin, range.end);
  bool starts_here = range.begin >= line_begin && range.begin <= line_end;
  if (!starts_here && (range.begin > line_end || end <= line_begin)) return "";
  uint32_t seg_begin = std::max(range.begin, line_begin);
  if (!starts_here) {
    // A continuation line: underline from its first non-blank byte.
    while (seg_begin < line_end && (text[seg_begin - line_begin] == ' ' || text[seg_begin - line_begin] == '\t'))
      ++seg_begin;
  }
  uint32_t seg_end = std::min(end, line_end);
  if (!starts_here && seg_begin >= seg_end) return "";

  std::string caret;
  for (uint32_t i = line_begin; i < seg_begin; ++i) {
    char c = text[i - line_begin];
    if (c == '\t') caret += '\t';
    else if (!IsContinuationByte(c)) caret += ' ';
  }
  caret += starts_here ? '^' : '~';
  for (uint32_t i = seg_begin + 1; i < seg_end; ++i) {
    if (!IsContinuationByte(text[i - line_begin])) caret += '~';
  }
  return caret;
}

std::string RenderText(const SourceManager& sources, const Diagnostic& diagnostic, const TextOptions& options) {
  std::string out;
  std::string heading = fmt::format("{}[{}]", LevelName(diagnostic.level), Info(diagnostic.code).id);
  out += Paint(LocationPrefix(sources, diagnostic.range), kBold, options.color);
  out += Paint(heading, LevelStyle(diagnostic.level), options.color);
  out += Paint(": " + diagnostic.message, kBold, options.color);
  out += "\n";
  if (ValidIn(sources, diagnostic.range)) RenderSnippet(sources, diagnostic.range, options, out);
  for (const Note& note : diagnostic.notes) {
    out += Paint(LocationPrefix(sources, note.range), kBold, options.color);
    out += Paint("note", kBoldCyan, options.color);
    out += ": " + note.message + "\n";
    if (ValidIn(sources, note.range)) RenderSnippet(sources, note.range, options, out);
  }
  return out;
}

std::string RenderSummary(size_t errors, size_t warnings, const TextOptions& options) {
  if (errors == 0 && warnings == 0) return "";
  std::vector<std::string> parts;
  if (errors > 0) parts.push_back(fmt::format("{} error{}", errors, errors == 1 ? "" : "s"));
  if (warnings > 0) parts.push_back(fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s"));
  std::string text = parts[0];
  if (parts.size() > 1) text += ", " + parts[1];
  return Paint(text + " generated", kBold, options.color) + "\n";
}

nlohmann::json RangeToJson(const SourceManager& sources, const SourceRange& range) {
  if (!ValidIn(sources, range)) return nullptr;
  const SourceFile& file = sources.File(range.file);
  auto point = [&](uint32_t offset) {
    offset = std::min<uint32_t>(offset, static_cast<uint32_t>(file.Text().size()));
    LineCol pos = file.Position(offset);
    return nlohmann::json{{"line", pos.line}, {"col", pos.col}, {"offset", offset}};
  };
  return {{"start", point(range.begin)}, {"end", point(std::max(range.begin, range.end))}};
}

namespace {
nlohmann::json FileToJson(const SourceManager& sources, const SourceRange& range) {
  if (!ValidIn(sources, range)) return nullptr;
  return sources.File(range.file).Path();
}
}  // namespace

nlohmann::json DiagnosticToJson(const SourceManager& sources, const Diagnostic& diagnostic) {
  nlohmann::json notes = nlohmann::json::array();
  for (const Note& note : diagnostic.notes) {
    notes.push_back({{"message", note.message},
                     {"file", FileToJson(sources, note.range)},
                     {"range", RangeToJson(sources, note.range)}});
  }
  nlohmann::json fixes = nlohmann::json::array();
  for (const Fix& fix : diagnostic.fixes) {
    fixes.push_back({{"title", fix.title},
                     {"file", FileToJson(sources, fix.range)},
                     {"range", RangeToJson(sources, fix.range)},
                     {"replacement", fix.replacement}});
  }
  return {{"code", std::string(Info(diagnostic.code).id)},
          {"level", std::string(LevelName(diagnostic.level))},
          {"message", diagnostic.message},
          {"file", FileToJson(sources, diagnostic.range)},
          {"range", RangeToJson(sources, diagnostic.range)},
          {"notes", std::move(notes)},
          {"fixes", std::move(fixes)}};
}

}  // namespace etl::diag
