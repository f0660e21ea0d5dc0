// Running the etlc command line in process (the driver_* CLI tests share it).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// The whole content of a file ("" when it cannot be read).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The JSON objects among `text`'s lines (`--log-format json` events; other lines skipped).
inline std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    if (line.starts_with("{")) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

}  // namespace etl::driver::test
