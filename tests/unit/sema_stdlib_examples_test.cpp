// Every example in a step or function spec is a complete program that type-checks: the
// examples are what `etlc docs` publishes, so a wrong one would teach users an error.
#include <gtest/gtest.h>

#include "compiler/sema/program.h"
#include "stdlib/spec.h"

namespace etl::sema {
namespace {

// The errors `etlc check` would print for `text`, one per line; empty when it checks.
std::string Errors(const std::string& text) {
  auto program = LoadProgram("example.etl", [&](const std::string& path) -> std::optional<std::string> {
    if (path == "example.etl") return text;
    return std::nullopt;
  });
  if (program->modules.empty()) return "cannot load\n";
  Check(*program);
  std::string out;
  for (const auto& d : program->diagnostics.All()) {
    if (d.level != diag::Level::Error) continue;
    auto pos = program->sources.File(d.range.file).Position(d.range.begin);
    out += std::to_string(pos.line) + ":" + std::to_string(pos.col) + " " + std::string(diag::Info(d.code).id) + " " +
           d.message + "\n";
  }
  return out;
}

TEST(StdlibExamples, EveryStepExampleChecks) {
  size_t count = 0;
  for (const stdlib::StepSpec* step : stdlib::AllSteps()) {
    for (const std::string& example : step->examples) {
      SCOPED_TRACE(std::string(stdlib::Spelling(step->kind)) + " " + step->name + ":\n" + example);
      EXPECT_EQ(Errors(example), "");
      ++count;
    }
  }
  EXPECT_GE(count, stdlib::AllSteps().size());
}

TEST(StdlibExamples, EveryFunctionExampleChecks) {
  size_t count = 0;
  for (const stdlib::FunctionSpec* function : stdlib::AllFunctions()) {
    for (const std::string& example : function->examples) {
      SCOPED_TRACE(function->name + ":\n" + example);
      EXPECT_EQ(Errors(example), "");
      ++count;
    }
  }
  EXPECT_GE(count, stdlib::AllFunctions().size());
}

}  // namespace
}  // namespace etl::sema
