// Where the cursor is, as the text before it says. Completion and signature help answer
// while the user types, when the statement under the cursor is often missing from the AST
// (`clean = raw | filter ` does not parse), so they look at the tokens of the enclosing
// top-level declaration up to the cursor instead, and ask the Analysis only for types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lsp/analysis.h"

namespace etl::lsp {

// What may be written at the cursor.
enum class Place {
  None,            // in a comment, a string or a number, or where a new name is defined
  TopLevel,        // between declarations: the declaration keywords
  Type,            // a type: `x: `, `-> `, `list<`
  Expression,      // an expression (in a pipeline step: the fields of the record flowing in)
  Argument,        // the start of a call's argument: named arguments, then an expression
  Fields,          // only a field of the input record: `select`, `drop`, `rename`
  StatementStart,  // a pipeline statement: settings, step names (and `step.` ports), `from`
  Head,            // after `name = `: `from`, `union`, step names
  StreamRef,       // a stream: `union(`, `join `, `given `
  PipeOp,          // after `|`: the built-in ops and the stdlib transforms
  Source,          // after `from`: the sources
  Sink,            // after `into`: the sinks
  Window,          // after `window`: the windows
  Trigger,         // after the `on` setting: the triggers
  PipelineName,    // after `after` (a setting): pipeline names
  Words,           // only the keywords in CursorContext::words
};

// The innermost call whose `(` is open before the cursor.
struct OpenCall {
  std::string callee;  // as written, with its module: `csv`, `geo.f`
  uint32_t callee_begin = 0;
  uint32_t open = 0;  // the `(`
  std::optional<stdlib::StepKind> step;  // a step call (after from / into / | / window / on)
  size_t arg_index = 0;                  // commas before the cursor at the call's level
  size_t positional_before = 0;          // positional arguments before the current one
  std::vector<std::string> named;        // names of the arguments before the current one
  std::string arg_name;                  // `name:` of the current argument, when written
  bool at_arg_start = false;             // nothing but the prefix typed in this argument
};

// The lexical context of a cursor.
struct CursorContext {
  Place place = Place::None;
  std::string prefix;  // the word being typed, up to the cursor
  uint32_t prefix_begin = 0;
  std::string qualifier;  // `geo` in `geo.na|` (set with `qualified`)
  bool qualified = false;
  std::vector<std::string> words;  // keywords that fit here (Words, and extras elsewhere)
  std::optional<OpenCall> call;
  std::string decl_keyword;  // `pipeline`, `fn`, `schema`, ... of the enclosing declaration
  std::string decl_name;     // its name
  // A fn's parameters as written (name, type text): the fn may not parse while its body is typed.
  std::vector<std::pair<std::string, std::string>> fn_params;

  // In a pipeline statement: its chain as written before the cursor.
  bool in_chain = false;
  uint32_t head_begin = 0;
  std::string head_step;    // `raw` / `union(raw, ...)`: the first stream
  std::string head_port;    // `sizes.big`
  std::string head_schema;  // `from csv(..., schema: Order)`: `Order` (or `geo.Region`)
  std::vector<uint32_t> ops;  // the first token after each `|`
  bool in_op = false;         // the cursor is in the op starting at ops.back()
  std::string op_keyword;     // that op's first word (`filter`, `into`, a step name)
  bool aggregate_body = false;  // in `aggregate ... { }`: aggregate functions apply
  std::string join_step;        // in `join x on ...`: the right side
};

// The context of byte `offset` of `text`.
CursorContext ContextAt(std::string_view text, uint32_t offset);

// The record flowing into the op at the cursor (and a join's right side): the Analysis's
// step scope when the op parsed, otherwise the types of the chain's earlier parts.
struct InputRecord {
  ast::TypeRef input;
  ast::TypeRef right;
};
InputRecord InputRecordAt(const Analysis& analysis, const CursorContext& context);

// The output record of step `name` of pipeline `pipeline` (a `.port` when given).
ast::TypeRef StepOutput(const Analysis& analysis, const std::string& pipeline, const std::string& name,
                        const std::string& port = "");

}  // namespace etl::lsp
