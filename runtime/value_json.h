// Constants as JSON text: the `json` type's storage, error records (`record: json`) and
// JSON-lines output of test values.
#pragma once

#include <string>

#include "compiler/ast/value.h"

namespace etl::runtime {

// Compact JSON for a value: records as objects (field order kept), lists as arrays, dates
// and timestamps as ISO-8601 strings ("2024-01-31", "2024-01-31T12:00:00Z"), durations as
// etl duration strings ("1h30m"), non-finite floats as null.
std::string ValueToJson(const ast::Value& value);

// Appends `text` to `out` as a JSON string literal (quotes and escapes included).
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace etl::runtime
