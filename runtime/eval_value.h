// Value-level semantics shared by the reference evaluator and the interpreter's slow paths
// (composite values, functions without a vectorised loop): equality, ordering and the text
// form of a value (`string(x)`, interpolation).
#pragma once

#include "compiler/ast/calendar.h"

#include <string>
#include <string_view>

#include "compiler/ast/value.h"

namespace etl::runtime {

// A per-record failure of an operation on values (becomes a RowError).
struct ValueError {
  std::string code;     // "overflow", "division_by_zero", "cast", ...
  std::string message;
};

// `==` on values: null equals only null; ints and floats compare numerically (IEEE: NaN
// equals nothing); lists and records element-wise.
bool ValuesEqual(const ast::Value& a, const ast::Value& b);
// Ordering of two non-null values of one orderable kind: negative, 0 or positive (strings
// bytewise, false < true; NaN is neither smaller nor larger: callers use IEEE operators).
int CompareValues(const ast::Value& a, const ast::Value& b);
// The text of a value as `string(x)` and interpolation print it: strings as they are,
// floats in the shortest form that reads back (with `.0` when whole; `NaN`, `inf`, `-inf`),
// dates `2024-01-31`, timestamps `2024-01-31T12:00:00Z`, durations `1h30m`, lists and
// records as JSON, null as `null`.
std::string ValueText(const ast::Value& value);
// Appends the text of a float (see ValueText).
void AppendFloatText(std::string& out, double value);

// `json.field` / `json[key]` on JSON text: the member's JSON text, or null when the text
// has no such member (or is not JSON). A string key reads an object, an int key an array.
ast::Value JsonGet(std::string_view json_text, const ast::Value& key);

using ast::CivilFromDays;
using ast::DaysFromCivil;
inline constexpr int64_t kMicrosPerDay = 86400000000LL;
// Floor division (toward negative infinity), for days of a timestamp.
inline int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace etl::runtime
