// Helpers shared by the step specs: parameter declarations in one line, reading constant
// arguments, validating field and write-mode arguments, building example programs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/spec.h"

namespace etl::stdlib::support {

// A required parameter; `positional` ones may be given without their name.
ParamSpec Required(std::string_view name, std::string type, std::string doc, bool positional = false);
// An optional parameter; `default_value` is in etl literal spelling ("" when it has none).
ParamSpec Optional(std::string_view name, std::string type, std::string default_value, std::string doc);
// The same parameter, accepting a `secret` value too.
ParamSpec Secret(ParamSpec param);

// The constant string/int/bool/duration (microseconds) value of an argument, if given as one.
std::optional<std::string> ConstString(const StepBindContext& ctx, std::string_view param);
std::optional<int64_t> ConstInt(const StepBindContext& ctx, std::string_view param);
std::optional<bool> ConstBool(const StepBindContext& ctx, std::string_view param);
std::optional<int64_t> ConstDuration(const StepBindContext& ctx, std::string_view param);

// The field name written for a "field" parameter (value, or a bare name / string as written).
std::optional<std::string> FieldArgName(const BoundArg& arg);

// Resolves a "field" argument against `record`: reports E0203 with a suggestion when the
// field does not exist; returns the field or nullptr (also when the argument is absent).
const ast::Field* ResolveFieldArg(const StepBindContext& ctx, std::string_view param, const TypeRef& record);

// Checks that every name in `keys` is a field of `record` (E0203 with a suggestion at `range`).
bool CheckKeyFields(const StepBindContext& ctx, const std::vector<std::string>& keys, const TypeRef& record,
                    diag::SourceRange range);

// Reports E0312 unless the constant argument is exactly one character. True when valid or absent.
bool CheckSingleChar(const StepBindContext& ctx, std::string_view param);
// Reports E0312 unless the constant argument is one of `choices`. True when valid or absent.
bool CheckChoice(const StepBindContext& ctx, std::string_view param, const std::vector<std::string>& choices);
// Reports E0312 unless the constant int/duration argument is > 0. True when valid or absent.
bool CheckPositive(const StepBindContext& ctx, std::string_view param);

// A parsed "mode" argument: `append`, `replace`, `upsert(keys: [..])`, `scd2(keys: [..])`.
struct WriteMode {
  std::string name;               // "append" when the argument is absent
  std::vector<std::string> keys;  // upsert / scd2
  diag::SourceRange range;
};
// Parses and validates a write mode (E0312 for an unknown mode or malformed keys, E0203 for
// keys that are not fields of `input`); nullopt after reporting.
std::optional<WriteMode> ParseWriteMode(const StepBindContext& ctx, std::string_view param, const TypeRef& input);

// The record type of a "schema" parameter, or nullptr when absent.
TypeRef SchemaArg(const StepBindContext& ctx, std::string_view param);

// A complete example program: top-level declarations then one pipeline `example`.
std::string Program(std::string_view decls, std::string_view pipeline_body);

}  // namespace etl::stdlib::support
