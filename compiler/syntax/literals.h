// Decoding of literal tokens (numbers, durations, dates, timestamps, string escapes).
// Pure functions over the token's spelling, so they are unit-testable without a parser.
#pragma once

#include "compiler/ast/calendar.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etl::syntax {

// Why a literal could not be decoded; `offset`/`length` locate the problem inside the
// spelling (the whole literal unless a part is to blame).
struct LiteralError {
  std::string message;
  uint32_t offset = 0;
  uint32_t length = 0;
  bool syntax = false;  // a structural problem (E0001) rather than a bad value
};

// The outcome of decoding an integer-like literal.
struct IntResult {
  int64_t value = 0;
  std::optional<LiteralError> error;
};

// `1_000` -> 1000; values past INT64_MAX are an error (the caller folds `-9223372036854775808`).
IntResult DecodeInt(std::string_view spelling);
// True when the spelling (with `_` removed) is exactly 9223372036854775808.
bool IsInt64MinMagnitude(std::string_view spelling);

// The outcome of decoding a float literal.
struct FloatResult {
  double value = 0;
  std::optional<LiteralError> error;
};
FloatResult DecodeFloat(std::string_view spelling);

// `1h30m` -> microseconds (sum of the parts); overflow is an error.
IntResult DecodeDuration(std::string_view spelling);

// `@2024-01-31` -> days since 1970-01-01; invalid calendar dates are an error.
IntResult DecodeDate(std::string_view spelling);
// `@2024-01-31T12:00:00.5+02:00` -> microseconds since the epoch (UTC).
IntResult DecodeTimestamp(std::string_view spelling);

using ast::DaysFromCivil;

// One piece of a string literal's body: decoded text, or an interpolation `${...}` whose
// expression text is body[expr_offset, expr_offset + expr_length).
struct StringPiece {
  std::string text;
  bool interpolation = false;
  uint32_t offset = 0;   // of the piece within the body (for `${`, of the `$`)
  uint32_t length = 0;   // of the piece within the body (for `${...}`, up to and with `}`)
  uint32_t expr_offset = 0;
  uint32_t expr_length = 0;
};

// The decoded body of a string (between the quotes), split at interpolations when
// `interpolate` is set; invalid escapes are reported in `errors` (offsets in the body).
struct StringResult {
  std::vector<StringPiece> pieces;
  std::vector<LiteralError> errors;
  bool HasInterpolation() const;
  // The concatenated text of the literal pieces (the value when there is no interpolation).
  std::string Text() const;
};
StringResult DecodeStringBody(std::string_view body, bool interpolate);

// Appends the UTF-8 encoding of a code point.
void AppendUtf8(std::string& out, uint32_t code_point);

}  // namespace etl::syntax
