// Text forms of column values for the sinks (CSV fields, JSON values, table cells), appended
// straight into an output buffer: no allocation per value. The forms match the rest of etl:
// floats as fmt "{}" (shortest round-trip, as ValueToJson and ast::ToLiteral), dates
// YYYY-MM-DD, timestamps ISO-8601 UTC with Z, durations as etl literals. docs/dev/runtime-sinks.md.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/column.h"

namespace etl::runtime {

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
