// Positions and URIs as LSP speaks them: line/character in a negotiated encoding
// (UTF-16 by default, UTF-8 or UTF-32 when the client offers them) over our byte offsets,
// incremental edits, and file:// URIs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace etl::lsp {

using Json = nlohmann::json;

// The unit of LSP `character` offsets (LSP 3.17 `PositionEncodingKind`).
enum class PositionEncoding { Utf8, Utf16, Utf32 };
std::string_view Spelling(PositionEncoding encoding);

// A zero-based LSP position.
struct Position {
  uint32_t line = 0;
  uint32_t character = 0;
};

// Line starts of one text, for converting between byte offsets and LSP positions.
// Built in one pass; lookups are O(log lines) plus the length of the line.
class LineIndex {
 public:
  LineIndex() = default;
  explicit LineIndex(std::string_view text);
  // The byte offset of `position`: a line past the end clamps to the end of the text, a
  // character past the end of its line clamps to the line's end (LSP 3.17 §Position), a
  // character inside a multi-unit code point rounds down to its first byte.
  uint32_t Offset(std::string_view text, Position position, PositionEncoding encoding) const;
  // The position of byte `offset` (clamped to the text).
  Position PositionOf(std::string_view text, uint32_t offset, PositionEncoding encoding) const;
  uint32_t LineCount() const { return static_cast<uint32_t>(starts_.size()); }
  uint32_t LineStart(uint32_t line) const { return starts_.at(line); }

 private:
  std::vector<uint32_t> starts_{0};
};

// Position/Range as LSP JSON objects.
Json PositionToJson(Position position);
std::optional<Position> PositionFromJson(const Json& json);

// Applies one `TextDocumentContentChangeEvent` (a ranged edit, or a full replacement when it
// has no range) to `text`. False when the event is malformed (`error` says why).
bool ApplyContentChange(std::string& text, const Json& change, PositionEncoding encoding, std::string& error);

// `file:///a/b%20c.etl` -> `/a/b c.etl`; nullopt for other schemes or malformed escapes.
std::optional<std::string> UriToPath(std::string_view uri);
// An absolute path -> a `file://` URI (percent-encoding what RFC 3986 requires).
std::string PathToUri(std::string_view path);

}  // namespace etl::lsp
