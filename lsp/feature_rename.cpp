#include "lsp/features.h"

namespace etl::lsp {

void RegisterRename(Server& server) { (void)server; }

}  // namespace etl::lsp
