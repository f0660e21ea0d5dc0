// Error records (the errors schema, language.md §4) in the two shapes the executor needs:
// one JSON object per line for the run's error file (records no step consumes), and a
// columnar batch of the `errors` port's type for steps that consume `x.errors`.
// docs/dev/runtime-executor.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/batch.h"
#include "runtime/step.h"

namespace etl::runtime {

// `at_us` as RFC 3339 UTC with microseconds: "2024-01-31T12:00:00.000123Z".
std::string FormatTimestampMicros(int64_t at_us);

// Appends `error` to `out` as one compact JSON object and "\n": keys step, code, message,
// record (the raw JSON text, not re-quoted; `null` when empty), source, line (null when
// absent) and at (FormatTimestampMicros).
void AppendErrorJsonLine(const ErrorRecord& error, std::string& out);

// A batch of `schema` (an `errors` port's type: {step, code, message, record: json,
// source: string?, line: int?, at: timestamp}) holding `errors` in order. Fields are matched
// by name, so a schema with its fields in another order works; an unknown field is null.
Batch MakeErrorsBatch(const TypeRef& schema, const std::vector<ErrorRecord>& errors);

}  // namespace etl::runtime
