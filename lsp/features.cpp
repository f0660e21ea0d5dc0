#include "lsp/features.h"

namespace etl::lsp {

void RegisterAllFeatures(Server& server) {
  RegisterHover(server);
  RegisterCompletion(server);
  RegisterSignatureHelp(server);
  RegisterNavigation(server);
  RegisterRename(server);
  RegisterSymbols(server);
  RegisterFormatting(server);
  RegisterSemanticTokens(server);
  RegisterCodeActions(server);
  RegisterInlayHints(server);
}

}  // namespace etl::lsp
