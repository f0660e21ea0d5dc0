#include "lsp/features.h"

namespace etl::lsp {

void RegisterCodeActions(Server& server) { (void)server; }

}  // namespace etl::lsp
