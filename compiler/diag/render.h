// Rendering diagnostics for people (clang/rustc-like text with caret lines) and for tools
// (one JSON document). Rendering never changes a diagnostic: the LSP reads the same objects.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compiler/diag/diagnostic.h"

namespace etl::diag {

// When to colour text output: `--color auto|always|never`.
enum class ColorMode { Auto, Always, Never };

// Parses "auto" / "always" / "never"; false on anything else.
bool ParseColorMode(std::string_view text, ColorMode& mode);

// Whether output to file descriptor `fd` gets colour: Always, or Auto on a terminal
// with NO_COLOR unset (https://no-color.org).
bool ShouldColor(ColorMode mode, int fd);

// Options of the text renderer.
struct TextOptions {
  bool color = false;
};

// One diagnostic as text: `path:line:col: error[E0203]: message`, the source line as
// written, a caret line under the primary range (clang style), then its notes. Ends with
// a newline.
std::string RenderText(const SourceManager& sources, const Diagnostic& diagnostic,
                       const TextOptions& options = {});

// The caret line for `range` on 1-based line `line` of `file`: spaces
// (tabs kept) up to the start, `^` on the first byte, `~` on the rest; empty when the
// range does not touch that line. Exposed for tests.
std::string CaretLine(const SourceFile& file, uint32_t line, const SourceRange& range);

// The closing summary: "2 errors, 1 warning generated"; empty when both are zero.
std::string RenderSummary(size_t errors, size_t warnings, const TextOptions& options = {});

// One diagnostic as a JSON object: code, level, message, file, range (1-based line/col
// plus byte offset; null without a location), notes and fixes.
nlohmann::json DiagnosticToJson(const SourceManager& sources, const Diagnostic& diagnostic);

// A range as {"start": {line, col, offset}, "end": {...}}; null when invalid.
nlohmann::json RangeToJson(const SourceManager& sources, const SourceRange& range);

}  // namespace etl::diag
