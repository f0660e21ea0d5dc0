#include "lsp/features.h"

namespace etl::lsp {

void RegisterNavigation(Server& server) { (void)server; }

}  // namespace etl::lsp
