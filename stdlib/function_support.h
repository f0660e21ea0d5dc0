// Helpers shared by the function specs: type tests that follow the strict nullability rule,
// simple signature matching, constant-argument validation and example programs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/spec.h"

namespace etl::stdlib::fn {

using ast::TypeKind;
using Check = std::function<TypeRef(const CallContext&)>;

// A non-null value of kind `kind` (an Error type matches anything: errors do not cascade).
bool Is(const TypeRef& type, TypeKind kind);
// A non-null int, float or decimal.
bool IsNumber(const TypeRef& type);
// A non-null date or timestamp.
bool IsTime(const TypeRef& type);
// Any non-null value that is not a secret.
bool IsNonNull(const TypeRef& type);
// Any value, nullable or not, that is not a secret (casts, to_json, hash, aggregates).
bool IsUsable(const TypeRef& type);
// `arg` may be passed where `param` is expected (widening, T -> T?), and is not a secret.
bool Fits(const TypeRef& arg, const TypeRef& param);
// Whether any argument is an Error type (the rule then answers Error: nothing to add).
bool AnyError(const CallContext& call);

// One fixed signature: parameter types (the first `required` of them must be given) and result.
struct Sig {
  std::vector<TypeRef> params;
  size_t required = 0;
  TypeRef result;
};
// A check that accepts the first signature the arguments fit.
TypeRef MatchSigs(const CallContext& call, const std::vector<Sig>& sigs);
Check Sigs(std::vector<Sig> sigs);

// The constant value of argument `i`, if it is one.
const ast::Value* Const(const CallContext& call, size_t i);
// Reports E0312 at argument `i` (or the call) unless probing; returns an Error type.
TypeRef Invalid(const CallContext& call, size_t i, std::string message);
// Validates a constant RE2 pattern at argument `i`; returns its capture group count, or
// nullopt after reporting (also when the argument is not a constant: then -1 is returned).
std::optional<int> CheckRegex(const CallContext& call, size_t i);
// Validates a constant strftime-style format at argument `i`; false after reporting.
bool CheckTimeFormat(const CallContext& call, size_t i);

// A function parameter, for docs and named arguments.
ParamSpec Param(std::string_view name, std::string type, std::string doc, std::string default_value = "");

// Builds a spec; `aggregate`/`pure` are set by the caller when they differ.
FunctionSpec Make(std::string name, std::string category, std::vector<std::string> signatures,
                  std::vector<ParamSpec> params, std::string summary, std::string doc,
                  std::vector<std::string> examples, Check check);

// An example program: a schema `Row` with `fields`, read from CSV, through `ops`, to stdout.
std::string Example(std::string_view fields, std::string_view ops);

// Shared types, spelled short.
TypeRef Opt(const TypeRef& type);  // T?

}  // namespace etl::stdlib::fn
