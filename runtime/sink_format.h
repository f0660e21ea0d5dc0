// Text forms of column values for the sinks (CSV fields, JSON values, table cells), written
// straight into an output buffer: no allocation per value. The forms match the rest of etl:
// floats as fmt "{}" (shortest round-trip, as ValueToJson and ast::ToLiteral), dates
// YYYY-MM-DD, timestamps ISO-8601 UTC with Z, durations as etl literals. docs/dev/runtime-sinks.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/column.h"

namespace etl::runtime {

// ---- Raw writers: each writes at `p`, which must have room for kMaxScalarChars bytes, and
// returns the end of what it wrote. The sinks' hot path (no std::string per value).

// Room a scalar's text needs at most (an int128 decimal: 39 digits, sign, point, "0.").
inline constexpr size_t kMaxScalarChars = 64;

// Writes `value` in decimal.
char* WriteInt64(char* p, int64_t value);
// Writes a finite float exactly as fmt "{}" does (shortest round-trip digits; fixed
// notation for exponents -4..15, else d[.ddd]e±XX; "2" for 2.0, "1e+16", "-0").
char* WriteFloat(char* p, double value);
// Writes a scaled decimal exactly ("-12.30" for -1230 at scale 2).
char* WriteDecimal(char* p, __int128 scaled, int scale);
// Writes a date as YYYY-MM-DD.
char* WriteDate(char* p, int64_t days);
// Writes a timestamp (µs since the epoch) as 2024-01-31T12:00:00Z, with .ffffff only when
// the microseconds are not zero.
char* WriteTimestamp(char* p, int64_t micros);
// Writes a duration (µs) as an etl literal ("1h30m", "-90s", "0s").
char* WriteDuration(char* p, int64_t micros);

// Room WriteJsonString needs for `bytes` bytes of text: every byte may become \u00XX.
inline size_t JsonStringRoom(size_t bytes) { return 6 * bytes + 2; }
// Writes `text` as a JSON string literal (quotes included): `"`, `\` and control
// characters escaped, bytes that are not valid UTF-8 as U+FFFD. `p` needs
// JsonStringRoom(text.size()) bytes.
char* WriteJsonString(char* p, std::string_view text);

// Writes into a std::string's bytes through a pointer, past its current end: the string is
// grown ahead of the writes in chunks (so no per-byte capacity check, no push_back) and cut
// to what was written by Finish() (or the destructor). While a cursor is open the string's
// size() includes unwritten room: use the string itself only between Finish() and Resume().
class StringCursor {
 public:
  explicit StringCursor(std::string& out) : out_(out) { Resume(); }
  ~StringCursor() { Finish(); }
  StringCursor(const StringCursor&) = delete;
  StringCursor& operator=(const StringCursor&) = delete;

  // Where to write at least `n` bytes.
  char* Room(size_t n) { return static_cast<size_t>(end_ - p_) >= n ? p_ : Grow(n); }
  // Marks everything before `to` (a pointer from Room, moved past what was written) as written.
  void Advance(char* to) { p_ = to; }
  // Appends `text` (any length).
  void Append(std::string_view text);
  // Cuts the string to what was written and returns it, to append through its own API.
  std::string& Finish();
  // Continues after appends made through the string's API since Finish().
  void Resume();

 private:
  char* Grow(size_t n);

  std::string& out_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

// Writes the value at `row` of `column` as a JSON value (AppendValueJson's form).
void WriteValueJson(StringCursor& out, const Column& column, size_t row);
// Writes the non-null value at `row` as AppendValueText does.
void WriteValueText(StringCursor& out, const Column& column, size_t row);

// ---- std::string forms (the same text; for callers off the hot path).

// Appends `value` in decimal.
void AppendInt64(std::string& out, int64_t value);
// Appends a finite float in its shortest round-trip form ("1.5", "2", "1e+300").
void AppendFloat(std::string& out, double value);
// Appends a scaled decimal exactly ("-12.30" for -1230 at scale 2).
void AppendDecimal(std::string& out, __int128 scaled, int scale);
// Appends a date as YYYY-MM-DD.
void AppendDate(std::string& out, int64_t days);
// Appends a timestamp (µs since the epoch) as 2024-01-31T12:00:00Z, with .ffffff only when
// the microseconds are not zero.
void AppendTimestamp(std::string& out, int64_t micros);
// Appends a duration (µs) as an etl literal ("1h30m", "-90s", "0s").
void AppendDuration(std::string& out, int64_t micros);

// Appends the text of the non-null value at `row` of `column` as a CSV field or table cell
// shows it (unquoted): scalars in the forms above, `json` its text, NaN/Inf nothing (like
// null), lists, maps and records as compact JSON.
void AppendValueText(std::string& out, const Column& column, size_t row);

// Appends the value at `row` as a JSON value: null as null, dates, timestamps and durations
// as strings, decimals as exact numbers, NaN/Inf as null, `json` values as their text.
void AppendValueJson(std::string& out, const Column& column, size_t row);

}  // namespace etl::runtime
