// `etlc run`'s params: `--param name=value` parsed by the param's declared type, else the
// environment (`ETL_PARAM_<NAME>`), else the default (language.md §2 `param`).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/value.h"
#include "compiler/ir/plan.h"

namespace etl::runtime {

// Parses `text` as a value of `type` (int, float, decimal as float, bool, string, secret,
// date `2024-01-31`, timestamp `2024-01-31T12:00:00Z`, duration `15m`; `null` for a
// nullable type); nullopt when it does not parse.
std::optional<ast::Value> ParseParamValue(const ast::TypeRef& type, std::string_view text);

// How a param's value is spelled, for messages: "an int", "a date like 2024-01-31".
std::string ExpectedParamText(const ast::TypeRef& type);

// The environment variable a param falls back to: `ETL_PARAM_MIN_AMOUNT`.
std::string ParamEnvName(std::string_view param);

// Looks up an environment variable (injectable for tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
EnvLookup ProcessEnv();

// Resolves every param of `plan`: `--param` arguments (`name=value`, in `args`) first, then
// the environment, then the default. On a problem (malformed argument, unknown name with
// a suggestion, a value that does not parse naming the expected type, a required param
// without a value) returns false with `error` set to a message for a usage error.
bool ResolveParams(const ir::Plan& plan, const std::vector<std::string>& args, const EnvLookup& env,
                   std::map<std::string, ast::Value, std::less<>>& params, std::string& error);

}  // namespace etl::runtime
