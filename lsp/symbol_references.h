// Every place a symbol is written, across the program's files and the other programs of
// the workspace that import its file (open documents and .etl files under the roots).
// Navigation (references) and rename share it.
#pragma once

#include <string>
#include <vector>

#include "lsp/analysis.h"
#include "lsp/workspace.h"

namespace etl::lsp {

// One written name of a symbol, ready for LSP answers.
struct FoundName {
  std::string uri;
  Json range;         // the name itself
  Json quoted_range;  // the name with its backticks or quotes when written with them
  char quote = 0;     // '`' or '"' when the name was written quoted, else 0
  bool definition = false;
};

// The occurrences of `symbol` (of `analysis`) in every program that sees its definition,
// definitions first, each place once. A stdlib symbol (no definition) is searched in
// `analysis` only. `workspace` may be null: then only `analysis` is searched.
std::vector<FoundName> FindSymbolNames(Workspace* workspace, const Analysis& analysis, int symbol);

// The analyses of the open documents and of the .etl files under the roots (at most
// `limit`), for features that look beyond one program.
std::vector<std::shared_ptr<const Analysis>> WorkspaceAnalyses(Workspace& workspace, size_t limit = 500);

}  // namespace etl::lsp
