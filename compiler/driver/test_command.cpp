// `etlc test` (being built for issue 3).
#include <fmt/format.h>

#include <ostream>

#include "compiler/driver/commands.h"

namespace etl::driver {

int RunTest(const std::vector<std::string>& args, Io& io) {
  (void)args;
  io.err << "etlc: error: `test` is not available yet: it comes with the runtime\n";
  return kExitUsage;
}

}  // namespace etl::driver
