// Every spec is complete enough for docs, hover and the checker.
#include <gtest/gtest.h>

#include <set>

#include "stdlib/spec.h"

namespace etl::stdlib {
namespace {

bool SpecialSpelling(const std::string& type) {
  return type == "schema" || type == "fields" || type == "any" || type == "field" || type == "mode";
}

TEST(StdlibCompleteness, StepsAreDocumented) {
  std::set<std::pair<std::string, StepKind>> seen;
  for (const StepSpec* step : AllSteps()) {
    std::string what = std::string(Spelling(step->kind)) + " " + step->name;
    EXPECT_TRUE(seen.insert({step->name, step->kind}).second) << "duplicate " << what;
    EXPECT_FALSE(step->summary.empty()) << what;
    EXPECT_EQ(step->summary.find('\n'), std::string::npos) << what << ": the summary is one line";
    EXPECT_FALSE(step->doc.empty()) << what;
    EXPECT_FALSE(step->output_doc.empty()) << what;
    EXPECT_FALSE(step->examples.empty()) << what;
    EXPECT_TRUE(step->output) << what;
    std::set<std::string> names;
    bool optional_seen = false;
    for (const auto& param : step->params) {
      EXPECT_TRUE(names.insert(param.name).second) << what << ": parameter " << param.name << " twice";
      EXPECT_FALSE(param.doc.empty()) << what << "." << param.name;
      EXPECT_TRUE(SpecialSpelling(param.type) || ast::ParseType(param.type))
          << what << "." << param.name << ": type `" << param.type << "` is neither a type nor a special spelling";
      EXPECT_FALSE(param.required && !param.default_value.empty()) << what << "." << param.name;
      if (param.positional) {
        EXPECT_FALSE(optional_seen) << what << "." << param.name << ": a positional parameter after an optional one";
      }
      optional_seen |= !param.required;
    }
    for (const auto& example : step->examples) {
      EXPECT_NE(example.find("pipeline "), std::string::npos) << what << ": an example is a complete program";
      EXPECT_NE(example.find(step->name + "("), std::string::npos) << what << ": its example uses it";
    }
  }
}

TEST(StdlibCompleteness, FunctionsAreDocumented) {
  std::set<std::pair<std::string, bool>> seen;
  const std::set<std::string> categories = {"string", "number", "time", "cast", "aggregate", "other"};
  for (const FunctionSpec* fn : AllFunctions()) {
    std::string what = fn->name + (fn->aggregate ? " (aggregate)" : "");
    EXPECT_TRUE(seen.insert({fn->name, fn->aggregate}).second) << "duplicate " << what;
    EXPECT_TRUE(categories.count(fn->category)) << what << ": category " << fn->category;
    EXPECT_EQ(fn->aggregate, fn->category == "aggregate") << what;
    EXPECT_FALSE(fn->summary.empty()) << what;
    EXPECT_FALSE(fn->doc.empty()) << what;
    EXPECT_FALSE(fn->signatures.empty()) << what;
    for (const auto& signature : fn->signatures) EXPECT_EQ(signature.rfind(fn->name + "(", 0), 0u) << what << ": " << signature;
    EXPECT_FALSE(fn->examples.empty()) << what;
    for (const auto& example : fn->examples) {
      EXPECT_NE(example.find("pipeline "), std::string::npos) << what;
      EXPECT_NE(example.find(fn->name + "("), std::string::npos) << what << ": its example calls it";
    }
    EXPECT_TRUE(fn->check) << what;
    for (const auto& param : fn->params) EXPECT_FALSE(param.doc.empty()) << what << "." << param.name;
  }
}

}  // namespace
}  // namespace etl::stdlib
