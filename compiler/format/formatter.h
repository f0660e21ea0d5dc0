// The canonical formatter behind `etlc fmt` (and the LSP's formatting): one style, no options.
//
// Style (gofmt-like; every choice is deterministic so formatting is idempotent):
// - 2-space indentation; one blank line between top-level declarations, except that
//   adjacent `import`/`const`/`param` declarations (no blank line between them in the
//   source) stay together. Inside blocks at most one blank line is kept where the user had
//   blank lines; none right after `{` or before `}`.
// - Blocks (schema fields, pipeline statements, route branches, aggregate outputs,
//   validate rules, test items, match arms) hold one member per line. Schema field types,
//   route conditions and aggregate `=` are aligned in a column over each run of members
//   not separated by a blank line (language.md §1); so are the `|` of consecutive
//   one-line flows.
// - Chains: a chain stays on one line when it has at most two ops, only its last op may
//   open a block, no comment sits between its start and its last op, and the line fits in
//   100 columns. Otherwise each `| op` goes on its own line, indented 2 more than the
//   statement (as in language.md §1).
// - Literals are printed exactly as written. Names get backticks when they need them (and
//   keep them when a soft keyword was written in backticks). Parentheses are kept as
//   written; parentheses are only added where precedence requires them.
// - A list literal whose elements are all records, and any list or record literal that
//   contains a comment, is printed one element per line; `match` always is.
// - Comments are kept: own-line comments before the next member at its indentation,
//   trailing comments at the end of their line after two spaces. A comment inside an
//   expression moves to the next member boundary (never dropped). Block comments and raw
//   strings are kept verbatim (so only they may hold trailing whitespace).
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/diag/source.h"

namespace etl::format {

// The canonical text of `module` (parsed from sources.File(module.file)). A module with
// syntax errors is returned unchanged: formatting a half-parsed file would drop code.
std::string FormatModule(const ast::Module& module, const diag::SourceManager& sources);

}  // namespace etl::format
