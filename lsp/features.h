// Every LSP feature registers its handlers and capabilities on the server here; one file
// per feature (lsp/feature_*.cpp), as clangd does.
#pragma once

#include "lsp/server.h"

namespace etl::lsp {

// textDocument/hover: expression types, step schemas in and out, docs of steps,
// functions, schemas, fields (lsp/feature_hover.cpp).
void RegisterHover(Server& server);
// textDocument/completion (+ completionItem/resolve) (lsp/feature_completion.cpp).
void RegisterCompletion(Server& server);
// textDocument/signatureHelp for functions, user fns and step calls.
void RegisterSignatureHelp(Server& server);
// textDocument/definition, references, documentHighlight (lsp/feature_navigation.cpp).
void RegisterNavigation(Server& server);
// textDocument/prepareRename and rename.
void RegisterRename(Server& server);
// textDocument/documentSymbol and workspace/symbol.
void RegisterSymbols(Server& server);
// textDocument/formatting (the code of `etlc fmt`).
void RegisterFormatting(Server& server);
// textDocument/semanticTokens/full and /range.
void RegisterSemanticTokens(Server& server);
// textDocument/codeAction: the diagnostics' fixes ("did you mean", `?? default`).
void RegisterCodeActions(Server& server);
// textDocument/inlayHint: the schema after each step.
void RegisterInlayHints(Server& server);

// All of the above.
void RegisterAllFeatures(Server& server);

}  // namespace etl::lsp
