#include "lsp/features.h"

namespace etl::lsp {

void RegisterSemanticTokens(Server& server) { (void)server; }

}  // namespace etl::lsp
