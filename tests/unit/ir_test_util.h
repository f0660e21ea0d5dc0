// Helpers for the plan (compiler/ir) tests: compile .etl text into a plan in-process, as the
// driver does (sema, then lowering), and read files next to the test's inputs.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "compiler/ir/lower.h"
#include "compiler/sema/program.h"

namespace etl::test {

// The text of the file at `path` ("" when it cannot be read).
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Checks and lowers `text` as a file named `path` (imports are read from disk); fails the
// test on any error. `errors` (optional) receives every diagnostic's message.
inline std::optional<ir::Plan> Compile(const std::string& path, const std::string& text, std::string* errors = nullptr) {
  auto program = sema::LoadProgram(path, [&](const std::string& p) -> std::optional<std::string> {
    if (p == path) return text;
    std::ifstream in(p);
    if (!in) return std::nullopt;
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  });
  if (!program || program->modules.empty()) return std::nullopt;
  sema::Check(*program);
  std::string messages;
  for (const auto& d : program->diagnostics.All()) messages += d.message + "\n";
  if (errors) *errors = messages;
  if (program->diagnostics.HasErrors()) {
    ADD_FAILURE() << "sema errors:\n" << messages;
    return std::nullopt;
  }
  diag::Diagnostics diagnostics;
  auto plan = ir::Lower(*program, diagnostics);
  for (const auto& d : diagnostics.All()) ADD_FAILURE() << d.message;
  return plan;
}

}  // namespace etl::test
