#include "lsp/features.h"

namespace etl::lsp {

void RegisterCompletion(Server& server) { (void)server; }

}  // namespace etl::lsp
