// Specs of stdlib steps and functions: the one declaration that drives the type checker,
// argument validation, LSP completion and hover, and `etlc docs` (docs/reference).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/types.h"
#include "compiler/ast/value.h"
#include "compiler/diag/diagnostic.h"

namespace etl::stdlib {

using ast::TypeRef;

// Sources start a chain (`from`), sinks end one (`into`), transforms sit between (`| step(...)`);
// triggers follow `on` in a pipeline's settings; windows follow `window` in `aggregate`.
enum class StepKind { Source, Transform, Sink, Trigger, Window };
std::string_view Spelling(StepKind kind);

// A parameter of a step or function.
struct ParamSpec {
  std::string name;
  // The parameter's type, in etl spelling ("string", "int", "bool", "duration",
  // "list<string>", "json"), or one of the special spellings:
  //   "schema"  a schema name (`schema: Order`): the argument denotes a record type
  //   "fields"  a list of field names of the input record (`keys: ["id"]`)
  //   "any"     any constant value
  //   "field"   one field of the input record (sources: of the output schema), written as
  //             a bare name (`on: ts`) or a string; sema does not resolve it as an
  //             expression: it sets BoundArg::value to the name (a String) and the step's
  //             typing rule validates it (E0203 with a suggestion)
  //   "mode"    a write mode the step interprets from its syntax: a bare name (`append`),
  //             a string, or a call (`upsert(keys: ["id"])`); sema does not type-check it,
  //             sets BoundArg::value to the name for a bare name or string, and always
  //             passes BoundArg::expr; the step's typing rule validates it
  std::string type;
  bool required = false;
  std::string default_value;  // etl literal spelling, shown in docs ("true", "\",\"")
  bool secret = false;        // accepts a `secret` value (and a string)
  bool positional = false;    // may be given without its name (in declaration order)
  std::string doc;
};

// An argument as bound by sema: its static type, its constant value when it has one,
// and the record type for "schema" parameters.
struct BoundArg {
  const ParamSpec* param = nullptr;
  TypeRef type;
  std::optional<ast::Value> value;  // when the argument is a compile-time constant
  TypeRef schema;                   // "schema" parameters
  diag::SourceRange range;
  const ast::Expr* expr = nullptr;  // the argument as written ("mode" parameters need it)
};

// Binding protocol (sema): arguments are matched to `params` (positional ones in order,
// then by name; E0211/E0212/E0213/E0214), ordinary parameter types are checked with
// ast::ParseType(param.type) and IsAssignable (a `secret` only where `secret` is set), the
// special spellings are resolved as documented on ParamSpec::type, and then `output` is
// called once. Defaults are not materialised as BoundArgs: a rule reads an absent argument
// as its ParamSpec::default_value.
// What a step's typing rule sees and may report into.
struct StepBindContext {
  std::string step;                  // the step's spec name
  TypeRef input;                     // the record flowing in (null for sources)
  std::vector<BoundArg> args;        // one per given argument, in spec parameter order
  diag::SourceRange call_range;
  diag::Diagnostics* diagnostics = nullptr;

  const BoundArg* Arg(std::string_view name) const;
  // Reports an invalid argument value (E0312) at the argument (or the call).
  void Error(std::string_view param, std::string message) const;
};

// A named output port of a step besides its main output and `errors`.
struct PortSpec {
  std::string name;
  std::string doc;
};

// The declaration of a source, transform or sink.
struct StepSpec {
  std::string name;
  StepKind kind = StepKind::Transform;
  std::string summary;  // one line
  std::string doc;      // markdown paragraphs
  std::vector<ParamSpec> params;
  std::vector<PortSpec> ports;    // extra output ports (most steps: none)
  std::string output_doc;         // how the output schema is derived, for docs
  std::vector<std::string> examples;  // etl snippets; each is checked by a test
  // The typing rule: returns the record type of the main output port (sinks: ignored,
  // their output is the `done` record), or an Error type after reporting.
  std::function<TypeRef(const StepBindContext&)> output;
};

// A function call as seen by a function's typing rule.
struct CallContext {
  std::string function;
  std::vector<TypeRef> arg_types;                  // positional, in order (named arguments
                                                   // are placed by `params` before the call)
  std::vector<std::optional<ast::Value>> arg_values;  // constants, when known
  std::vector<diag::SourceRange> arg_ranges;
  diag::SourceRange call_range;
  bool in_aggregate = false;  // called as an aggregate output of `aggregate { }`
  diag::Diagnostics* diagnostics = nullptr;       // null while sema probes (see below)
};

// Function typing protocol:
//  1. sema reports E0304 for any `secret` argument (no `check` accepts TypeKind::Secret);
//  2. sema calls `check`: a non-null result is the call's type (an Error type when `check`
//     already reported, e.g. E0312 for an invalid constant argument at that argument);
//  3. on nullptr the arguments fit no signature. sema calls NullableArguments(spec, ctx):
//     a non-empty answer means the call would fit if those arguments were non-null, so
//     sema reports E0301 at each of them (fixes `x ?? default`, `filter x is not null`);
//     an empty answer means a real mismatch: sema reports E0300 listing `signatures`.
// Nullability is strict: a `T?` argument fits only parameters that accept nulls (casts,
// coalesce, hash, to_json, json, aggregates); those return a nullable result as documented.
// `check` may be called with `diagnostics == nullptr` (probing) and then reports nothing.

// The declaration of a function.
struct FunctionSpec {
  std::string name;
  std::string category;   // "string", "number", "time", "cast", "aggregate", "other"
  std::vector<std::string> signatures;  // for docs and signature help: "substr(s: string, start: int, length: int) -> string"
  std::vector<ParamSpec> params;        // of the main signature (signature help, named args)
  std::string summary;
  std::string doc;
  std::vector<std::string> examples;
  bool aggregate = false;   // usable only in `aggregate { }` (min/max also have scalar forms)
  bool pure = true;         // false for now(), uuid(), env(), secret(): never constant-folded
  // The typing rule: the result type, or nullptr when the arguments do not fit
  // (sema then reports E0300/E0303 with the signatures); may report its own diagnostics
  // and return an Error type.
  std::function<TypeRef(const CallContext&)> check;
};

// The registry: every step and function, declared once in stdlib/*.cpp.
const std::vector<const StepSpec*>& AllSteps();
const std::vector<const FunctionSpec*>& AllFunctions();
// The step of that name and kind (csv is both a source and a sink), or nullptr.
const StepSpec* FindStep(std::string_view name, StepKind kind);
// Every step with that name, whatever its kind (for "csv is a source, not a transform").
std::vector<const StepSpec*> FindSteps(std::string_view name);
// A function by name; `aggregate` selects the aggregate form of min/max/list/...
// When the requested form does not exist the other one is returned (so sema can report
// E0305 for `sum(x)` outside `aggregate`); nullptr for an unknown name.
const FunctionSpec* FindFunction(std::string_view name, bool aggregate = false);
// The spec a call of `name` with `arg_count` arguments means: min/max with one argument
// are the aggregates, with two or more the scalar functions; other names have one spec.
const FunctionSpec* ResolveFunction(std::string_view name, size_t arg_count);
// The nullable arguments that make `check` fail (step 3 of the protocol above): indexes i
// such that the call fits once every nullable argument is made non-null, and argument i
// alone staying nullable breaks it. Empty when stripping nullability does not help.
std::vector<size_t> NullableArguments(const FunctionSpec& spec, const CallContext& call);

// The record every sink emits on its main (`done`) port: {target: string, rows: int, bytes: int}.
TypeRef DoneType();
// The record of every `.errors` port (language.md §4).
TypeRef ErrorsType();

}  // namespace etl::stdlib
