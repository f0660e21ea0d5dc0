// Specs of stdlib steps and functions: the one declaration that drives the type checker,
// argument validation, LSP completion and hover, and `etlc docs` (docs/reference).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

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
  std::vector<TypeRef> arg_types;                  // positional, in order
  std::vector<std::optional<ast::Value>> arg_values;  // constants, when known
  std::vector<diag::SourceRange> arg_ranges;
  diag::SourceRange call_range;
  bool in_aggregate = false;  // called as an aggregate output of `aggregate { }`
  diag::Diagnostics* diagnostics = nullptr;
};

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
const FunctionSpec* FindFunction(std::string_view name, bool aggregate = false);

// The record every sink emits on its main (`done`) port: {target: string, rows: int, bytes: int}.
TypeRef DoneType();
// The record of every `.errors` port (language.md §4).
TypeRef ErrorsType();

}  // namespace etl::stdlib
