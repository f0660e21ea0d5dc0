#include "lsp/features.h"

namespace etl::lsp {

void RegisterFormatting(Server& server) { (void)server; }

}  // namespace etl::lsp
