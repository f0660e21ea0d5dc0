#include "lsp/features.h"

namespace etl::lsp {

void RegisterHover(Server& server) { (void)server; }

}  // namespace etl::lsp
