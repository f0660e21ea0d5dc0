// The direct path of the jsonl source (docs/dev/runtime-jsonl.md, "The direct scanner"):
// reads one line's JSON object straight into typed slots, for schemas whose fields are all
// top-level scalars, without building simdjson's tape. simdjson's DOM stays the reference:
// the scanner accepts only text it validates completely and converts exactly as the DOM
// path does, and says "not mine" for everything else (a syntax error, a type mismatch, a
// missing field, a number simdjson could read differently, a lone surrogate, deep nesting),
// so that line goes through simdjson and gets the same record or the same error as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/types.h"
#include "runtime/jsonl_convert.h"

namespace etl::runtime {

// One converted field of the record being read by the fast paths (the direct scanner and
// JsonlPieceConverter::ConvertFast); strings point into the line, the parsed document or
// the scanner's decoded copy, valid until the next record.
struct JsonlFastSlot {
  // The field's type kind and nullability, read once at open rather than through the
  // shared type pointer for every value.
  ast::TypeKind kind = ast::TypeKind::Int;
  bool nullable = false;
  bool skip_text = false;  // String layout and no later step reads it: appended empty
  bool set = false;
  bool null = false;
  int64_t int_value = 0;  // int, date (days), timestamp and duration (µs), bool
  double float_value = 0;
  std::string_view text;
};

// True when a field of `kind` can be read by the fast paths (the direct scanner and
// ConvertFast): the top-level scalar kinds. A schema of such fields is a `fast` plan.
bool JsonlDirectKind(ast::TypeKind kind);

// The value of a date (days), timestamp or duration (µs) field from its JSON string, as
// the fast paths store it; nullopt when the text is not one (the general path words it).
std::optional<int64_t> ParseJsonlTimeText(ast::TypeKind kind, std::string_view text);

// Reads JSON-lines records of a schema of JsonlDirectKind fields into slots.
class JsonlDirectScanner {
 public:
  // Slots in the order of `record`'s fields, as JsonlPieceConverter keeps them; the
  // matcher and the slots outlive the scanner.
  JsonlDirectScanner(const ast::Type& record, JsonFieldMatcher& matcher, std::vector<JsonlFastSlot>& slots);

  // Reads `line` (a line without its LF and trailing CR) into the slots. True when the
  // line is exactly one JSON object whose fields convert without error, with the values
  // the DOM path would give; false otherwise (the slots are then undefined). The line
  // must be followed by 64 readable bytes (the piece's padding or the next lines); its
  // UTF-8 is validated here when it has non-ASCII bytes.
  bool Scan(std::string_view line);

 private:
  // Each reader starts at the value's first byte and leaves `p_` just past it; false
  // when the value is not one the direct path accepts.
  bool ReadField(JsonlFastSlot& slot, size_t field);
  bool ReadInt(int64_t& value);
  // The digits from `p` on (to the first other byte or the line's end) appended to
  // `value` (it wraps past 19 digits: the callers check the count); returns the byte after.
  const char* AccumulateDigits(const char* p, uint64_t& value) const;
  bool ReadFloat(double& value);
  bool ReadFloatSlow(double& value);  // ReadFloat beyond Clinger's fast path
  bool SkipValue(int depth);
  // A string at `p_` (its opening quote): `out` views its decoded bytes, in the line when
  // it holds no escape, else in `decoded`.
  bool ReadString(std::string_view& out, std::string& decoded);
  // Decodes the escapes of a string whose plain prefix [start, p_) was scanned.
  bool ReadEscapedString(const char* start, std::string_view& out, std::string& decoded);
  // A number's text per the JSON grammar; `integer`: no fraction and no exponent.
  bool ReadNumber(std::string_view& text, bool& integer);
  bool ReadLiteral(std::string_view word);
  // The field whose key starts at `p_` (at its quote), with `p_` moved past the colon and
  // the blanks after it; -1 for a key the schema does not have, -2 on a syntax error.
  int ReadKey();
  // The first byte at or after `p` that ends a string's plain run (a quote, a backslash or
  // a control byte), or `end_`. Positions are asked in increasing order within a line.
  const char* FindStringStop(const char* p);
  void SkipBlanks() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }

  JsonFieldMatcher& matcher_;
  std::vector<JsonlFastSlot>& slots_;
  // Per field, `"name":` as it appears in compact JSON: a key is first compared with the
  // expected field's (the one after the previous key) in one go, as two masked 8-byte
  // words (size 0: the name is longer than 13 bytes or needs an escape).
  struct KeyPattern {
    uint64_t words[2] = {0, 0};
    uint64_t masks[2] = {0, 0};
    size_t size = 0;
  };
  std::vector<KeyPattern> key_patterns_;
  size_t expected_ = 0;
  std::vector<std::string> decoded_;  // per field: the text of a string with escapes
  std::string scratch_;               // escaped keys and strings that are not kept
  const char* line_ = nullptr;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  // FindStringStop's classification of the line, 64 bytes at a time: the window that
  // starts `window_` bytes into the line, its stop bits, and whether any byte of the line
  // classified so far has its high bit set (then the line's UTF-8 must be validated).
  size_t window_ = 0;
  uint64_t stops_ = 0;
  bool high_bytes_ = false;
};

}  // namespace etl::runtime
