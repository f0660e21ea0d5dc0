#include "lsp/features.h"

namespace etl::lsp {

void RegisterSymbols(Server& server) { (void)server; }

}  // namespace etl::lsp
