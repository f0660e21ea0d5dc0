#include "lsp/text.h"

#include <algorithm>

namespace etl::lsp {

namespace {

// Length in bytes of the UTF-8 sequence starting with `lead` (1 for invalid bytes, which
// then count as one unit in every encoding, as VS Code does for lone bytes).
uint32_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Units of one code point of `bytes` UTF-8 bytes in `encoding`.
uint32_t Units(uint32_t bytes, PositionEncoding encoding) {
  switch (encoding) {
    case PositionEncoding::Utf8:
      return bytes;
    case PositionEncoding::Utf16:
      return bytes == 4 ? 2 : 1;
    case PositionEncoding::Utf32:
      return 1;
  }
  return 1;
}

}  // namespace

std::string_view Spelling(PositionEncoding encoding) {
  switch (encoding) {
    case PositionEncoding::Utf8:
      return "utf-8";
    case PositionEncoding::Utf16:
      return "utf-16";
    case PositionEncoding::Utf32:
      return "utf-32";
  }
  return "utf-16";
}

LineIndex::LineIndex(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    // LSP line ends: \n, \r\n and a lone \r.
    if (text[i] == '\n') {
      starts_.push_back(static_cast<uint32_t>(i + 1));
    } else if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      starts_.push_back(static_cast<uint32_t>(i + 1));
    }
  }
}

uint32_t LineIndex::Offset(std::string_view text, Position position, PositionEncoding encoding) const {
  if (position.line >= starts_.size()) return static_cast<uint32_t>(text.size());
  uint32_t begin = starts_[position.line];
  uint32_t end = position.line + 1 < starts_.size() ? starts_[position.line + 1] : static_cast<uint32_t>(text.size());
  // The line's content ends before its line break.
  while (end > begin && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  uint32_t offset = begin;
  uint32_t units = 0;
  while (offset < end && units < position.character) {
    uint32_t bytes = std::min(SequenceLength(static_cast<unsigned char>(text[offset])), end - offset);
    uint32_t width = Units(bytes, encoding);
    if (units + width > position.character) break;  // inside a code point: round down
    units += width;
    offset += bytes;
  }
  return offset;
}

Position LineIndex::PositionOf(std::string_view text, uint32_t offset, PositionEncoding encoding) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts_.begin()) - 1;
  uint32_t units = 0;
  for (uint32_t at = starts_[line]; at < offset;) {
    uint32_t bytes = std::min(SequenceLength(static_cast<unsigned char>(text[at])), offset - at);
    units += Units(bytes, encoding);
    at += bytes;
  }
  return Position{line, units};
}

Json PositionToJson(Position position) { return Json{{"line", position.line}, {"character", position.character}}; }

std::optional<Position> PositionFromJson(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  auto line = json.find("line");
  auto character = json.find("character");
  if (line == json.end() || character == json.end() || !line->is_number_unsigned() ||
      !character->is_number_unsigned())
    return std::nullopt;
  uint64_t l = line->get<uint64_t>(), c = character->get<uint64_t>();
  if (l > UINT32_MAX || c > UINT32_MAX) return std::nullopt;
  return Position{static_cast<uint32_t>(l), static_cast<uint32_t>(c)};
}

bool ApplyContentChange(std::string& text, const Json& change, PositionEncoding encoding, std::string& error) {
  if (!change.is_object() || !change.contains("text") || !change["text"].is_string()) {
    error = "a content change needs a string `text`";
    return false;
  }
  const std::string& inserted = change["text"].get_ref<const std::string&>();
  auto range = change.find("range");
  if (range == change.end() || range->is_null()) {
    text = inserted;
    return true;
  }
  std::optional<Position> start, end;
  if (range->is_object() && range->contains("start") && range->contains("end")) {
    start = PositionFromJson((*range)["start"]);
    end = PositionFromJson((*range)["end"]);
  }
  if (!start || !end) {
    error = "a content change's `range` needs `start` and `end` positions";
    return false;
  }
  LineIndex index(text);
  uint32_t from = index.Offset(text, *start, encoding);
  uint32_t to = index.Offset(text, *end, encoding);
  if (to < from) std::swap(from, to);
  text.replace(from, to - from, inserted);
  return true;
}

std::optional<std::string> UriToPath(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  std::string_view rest = uri.substr(kScheme.size());
  // file://host/path: only an empty host or localhost name this machine.
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view host = rest.substr(0, slash);
  if (!host.empty() && host != "localhost") return std::nullopt;
  rest = rest.substr(slash);
  std::string path;
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '?' || c == '#') break;
    if (c != '%') {
      path += c;
      continue;
    }
    if (i + 2 >= rest.size() || !std::isxdigit(static_cast<unsigned char>(rest[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(rest[i + 2])))
      return std::nullopt;
    path += static_cast<char>(std::stoi(std::string(rest.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return path;
}

std::string PathToUri(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string uri = "file://";
  for (unsigned char c : path) {
    bool keep = std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~';
    if (keep) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

}  // namespace etl::lsp
