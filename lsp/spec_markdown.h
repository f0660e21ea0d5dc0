// Markdown and one-line texts of what the editor features show: stdlib step and function
// specs, user declarations and record types. Shared by hover, completion, signature help
// and inlay hints so that one thing reads the same in all of them.
#pragma once

#include <string>
#include <string_view>

#include "compiler/ast/ast.h"
#include "stdlib/spec.h"

namespace etl::lsp {

// A name as it must be written in source: backticked unless it is a plain identifier
// that is not a reserved word.
std::string SourceName(const std::string& name);
// The spelling of a type (`int?`, `Order`); "?" when unknown.
std::string TypeText(const ast::TypeRef& type);
// A record on one line, expanded: `{id: int, total: float}`; past `max_chars` the fields
// that do not fit become `…` (so a hint stays short); other types as TypeText.
std::string RecordLine(const ast::TypeRef& type, size_t max_chars = 0);
// A record as a markdown table of its fields (name, type), or the type in backticks.
std::string RecordTable(const ast::TypeRef& type);

// `csv(path: string, schema: schema, header: bool = true, ...)`.
std::string StepSignature(const stdlib::StepSpec& spec);
// `name: type = default` of one parameter.
std::string ParamLabel(const stdlib::ParamSpec& param);
// The hover/completion doc of a stdlib step: signature, summary, parameters, ports, output, doc.
std::string StepMarkdown(const stdlib::StepSpec& spec);
// The doc of a stdlib function: signatures, summary, parameters, doc.
std::string FunctionMarkdown(const stdlib::FunctionSpec& spec);
// One parameter of a step or function: `name: type` (default, required) and its doc.
std::string StdlibParamMarkdown(const stdlib::ParamSpec& param, const std::string& owner);

// `fn usd(amount: float, currency: string) -> float`.
std::string FnSignature(const ast::FnDecl& fn);
// The doc of a schema: its fields with types, defaults and `///` docs (`file_text` is the
// text of the schema's file, for the defaults as written).
std::string SchemaMarkdown(const ast::SchemaDecl& schema, std::string_view file_text);
// The source text of `range` in `file_text` ("" when out of bounds).
std::string_view SourceText(std::string_view file_text, const diag::SourceRange& range);
// A code block of etl text followed by an optional doc paragraph.
std::string CodeAndDoc(const std::string& code, const std::string& doc);

}  // namespace etl::lsp
