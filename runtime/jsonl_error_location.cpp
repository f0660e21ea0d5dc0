#include "runtime/jsonl_error_location.h"

#include <cstdint>

namespace etl::runtime {

namespace ondemand = simdjson::ondemand;

namespace {

// First byte of an invalid UTF-8 sequence (overlong forms, surrogates and code points past
// U+10FFFF included), or text.size().
size_t FirstInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) { ++i; continue; }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return i;
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return n;
}

// Scans structure outside strings: the opening quote of an unterminated string, the first
// raw control character inside a string, or the bracket that nests past `max_depth`.
struct Scan {
  size_t unclosed_string = std::string_view::npos;
  size_t control_char = std::string_view::npos;
  size_t too_deep = std::string_view::npos;
};

Scan ScanStructure(std::string_view text, size_t max_depth) {
  Scan scan;
  size_t depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t open = i++;
      while (i < text.size() && text[i] != '"') {
        if (static_cast<unsigned char>(text[i]) < 0x20 && scan.control_char == std::string_view::npos) {
          scan.control_char = i;
        }
        i += text[i] == '\\' ? 2 : 1;
      }
      if (i >= text.size()) scan.unclosed_string = open;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth && scan.too_deep == std::string_view::npos) scan.too_deep = i;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return scan;
}

// Walks every value so on-demand validates all of it (it only checks what is visited).
simdjson::error_code Walk(ondemand::value value, size_t depth, size_t max_depth) {
  if (depth > max_depth) return simdjson::DEPTH_ERROR;
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case ondemand::json_type::array: {
      ondemand::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto element : array) {
        ondemand::value child;
        if (auto error = element.get(child)) return error;
        if (auto error = Walk(child, depth + 1, max_depth)) return error;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::object: {
      ondemand::object object;
      if (auto error = value.get_object().get(object)) return error;
      for (auto field : object) {
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return error;
        ondemand::value child;
        if (auto error = field.value().get(child)) return error;
        if (auto error = Walk(child, depth + 1, max_depth)) return error;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: return value.get_double().error();
    case ondemand::json_type::string: return value.get_string().error();
    case ondemand::json_type::boolean: return value.get_bool().error();
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

simdjson::error_code WalkDocument(ondemand::document& doc, size_t max_depth) {
  bool scalar = false;
  if (auto error = doc.is_scalar().get(scalar)) return error;
  if (scalar) {
    ondemand::json_type type;
    if (auto error = doc.type().get(type)) return error;
    simdjson::error_code error = simdjson::SUCCESS;
    switch (type) {
      case ondemand::json_type::number: error = doc.get_double().error(); break;
      case ondemand::json_type::string: error = doc.get_string().error(); break;
      case ondemand::json_type::boolean: error = doc.get_bool().error(); break;
      case ondemand::json_type::null: {
        bool is_null = false;
        error = doc.is_null().get(is_null);
        if (!error && !is_null) error = simdjson::N_ATOM_ERROR;
        break;
      }
      default: error = simdjson::TAPE_ERROR;
    }
    if (error) return error;
  } else {
    ondemand::value root;
    if (auto error = doc.get_value().get(root)) return error;
    if (auto error = Walk(root, 1, max_depth)) return error;
  }
  return simdjson::SUCCESS;
}

}  // namespace

size_t LocateJsonError(std::string_view text, simdjson::error_code code, size_t max_depth) {
  size_t first_content = 0;
  while (first_content < text.size() &&
         (text[first_content] == ' ' || text[first_content] == '\t' || text[first_content] == '\r')) {
    ++first_content;
  }
  if (code == simdjson::UTF8_ERROR) return FirstInvalidUtf8(text);
  Scan scan = ScanStructure(text, max_depth);
  if (code == simdjson::DEPTH_ERROR && scan.too_deep != std::string_view::npos) return scan.too_deep;
  if (code == simdjson::UNCLOSED_STRING && scan.unclosed_string != std::string_view::npos) {
    return scan.unclosed_string;
  }
  if (code == simdjson::UNESCAPED_CHARS && scan.control_char != std::string_view::npos) return scan.control_char;
  if (code == simdjson::EMPTY) return first_content;
  // Deep input would make the recursive walk below deep too; the DOM parser has already
  // rejected it, so the first bracket past the limit is the answer.
  if (scan.too_deep != std::string_view::npos) return scan.too_deep;
  ondemand::parser parser;
  ondemand::document doc;
  if (parser.iterate(text.data(), text.size(), text.size() + simdjson::SIMDJSON_PADDING).get(doc)) {
    return first_content;
  }
  simdjson::error_code walked = WalkDocument(doc, max_depth);
  // After an error the iterator points at the token at fault; after a clean walk it is
  // either at the end (nothing found: fall back) or at trailing content.
  const char* at = nullptr;
  if (doc.current_location().get(at)) return walked ? text.size() : first_content;
  if (at < text.data() || at > text.data() + text.size()) return first_content;
  return static_cast<size_t>(at - text.data());
}

std::string_view JsonErrorReason(simdjson::error_code code) {
  switch (code) {
    case simdjson::TAPE_ERROR: return "unexpected character or misplaced comma, bracket or colon";
    case simdjson::DEPTH_ERROR: return "nesting too deep";
    case simdjson::STRING_ERROR: return "invalid string (bad escape or unpaired surrogate)";
    case simdjson::T_ATOM_ERROR: return "invalid literal (expected `true`)";
    case simdjson::F_ATOM_ERROR: return "invalid literal (expected `false`)";
    case simdjson::N_ATOM_ERROR: return "invalid literal (expected `null`)";
    case simdjson::NUMBER_ERROR: return "invalid number";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::EMPTY: return "empty document";
    case simdjson::UNESCAPED_CHARS: return "unescaped control character in a string";
    case simdjson::UNCLOSED_STRING: return "unterminated string";
    case simdjson::TRAILING_CONTENT: return "unexpected content after the value";
    case simdjson::CAPACITY: return "line too long for the JSON parser";
    case simdjson::MEMALLOC: return "out of memory";
    default: return simdjson::error_message(code);
  }
}

}  // namespace etl::runtime
