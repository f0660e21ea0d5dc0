// Running the etlc command line in process (the driver_* CLI tests share it).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "compiler/driver/cli.h"

namespace etl::driver::test {

// What one `etlc` invocation returned and printed.
struct Result {
  int code;
  std::string out;
  std::string err;
};

// Runs `etlc args...` with `input` on stdin, capturing stdout and stderr.
inline Result Etlc(std::vector<std::string> args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  Io io{in, out, err};
  int code = RunEtlc(args, io);
  return {code, out.str(), err.str()};
}

}  // namespace etl::driver::test
