#include "lsp/features.h"

namespace etl::lsp {

void RegisterInlayHints(Server& server) { (void)server; }

}  // namespace etl::lsp
