#include "lsp/features.h"

namespace etl::lsp {

void RegisterSignatureHelp(Server& server) { (void)server; }

}  // namespace etl::lsp
