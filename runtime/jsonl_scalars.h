// Strict text forms of the scalar types read from JSON strings (dates, timestamps,
// durations, decimals, base64 bytes). No allocation except DecodeBase64's output; the typed
// column layer can call these directly. Not JSON-specific: the CSV reader could share them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace etl::runtime {

// "YYYY-MM-DD" (a real calendar day) -> days since 1970-01-01.
std::optional<int32_t> ParseIsoDate(std::string_view text);

// ISO-8601 "YYYY-MM-DDTHH:MM:SS[.f]" followed by `Z` or an offset `+HH:MM` / `+HHMM`
// (`t`, `z` and a space for `T` accepted) -> microseconds since the epoch, UTC. Up to 9
// fraction digits; digits past microseconds are truncated. A time without a zone is rejected.
std::optional<int64_t> ParseIsoTimestamp(std::string_view text);
// A timestamp as ParseIsoTimestamp, or a date "YYYY-MM-DD" (its 00:00 UTC): the times
// `etlc backfill` and the serve API take.
std::optional<int64_t> ParseTimeOrDate(std::string_view text);

// The language's duration literal: an optional `-`, then number+unit groups in any
// combination of d, h, m, s, ms, us ("30s", "1h30m", "250ms") -> microseconds.
std::optional<int64_t> ParseDurationText(std::string_view text);

// A decimal number ("-12.345", "1e3") rounded half away from zero to `scale` digits, as the
// unscaled integer (12.35 at scale 2 -> 1235). Fails (with `error` set) when the text is not
// a number or has more than precision - scale integer digits.
bool ParseDecimalText(std::string_view text, int precision, int scale, __int128& unscaled, std::string& error);
// Renders an unscaled decimal with exactly `scale` fraction digits ("12.30").
std::string DecimalToText(__int128 unscaled, int scale);

// Standard base64 (RFC 4648 §4, `+/`; `=` padding optional, no whitespace) -> bytes
// appended to `out`. False on any other character or a bad length.
bool DecodeBase64(std::string_view text, std::string& out);

}  // namespace etl::runtime
