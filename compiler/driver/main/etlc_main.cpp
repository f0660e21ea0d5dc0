// The etlc executable: forwards to etl::driver::RunEtlc with the process's streams.
#include <unistd.h>

#include <exception>
#include <iostream>

#include "compiler/driver/cli.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  etl::driver::Io io{std::cin, std::cout, std::cerr, STDOUT_FILENO, STDERR_FILENO};
  try {
    int code = etl::driver::RunEtlc(std::vector<std::string>(argv + 1, argv + argc), io);
    std::cout.flush();
    return code;
  } catch (const std::exception& error) {
    // A bug, not a user error: say so plainly instead of aborting.
    std::cerr << "etlc: internal error: " << error.what() << "\n";
    return 70;
  }
}
