// docs/reference/ must be what the specs generate. With ETL_UPDATE_REFERENCE=1 the test
// rewrites the files first (the stand-in for `make docs` until `etlc docs` exists).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "stdlib/reference.h"
#include "stdlib/spec.h"

namespace etl::stdlib {
namespace {

const std::filesystem::path kDir = std::filesystem::path(ETL_SOURCE_DIR) / "docs" / "reference";

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(StdlibReference, CommittedFilesAreUpToDate) {
  auto pages = RenderReference();
  if (const char* update = std::getenv("ETL_UPDATE_REFERENCE"); update && std::string(update) == "1") {
    std::filesystem::create_directories(kDir);
    for (const auto& [name, text] : pages) std::ofstream(kDir / name, std::ios::binary) << text;
  }
  std::set<std::string> expected;
  for (const auto& [name, text] : pages) {
    expected.insert(name);
    ASSERT_TRUE(std::filesystem::exists(kDir / name))
        << "docs/reference/" << name << " is missing: run `make docs` (etlc docs --out docs/reference)";
    EXPECT_TRUE(Read(kDir / name) == text)
        << "docs/reference/" << name << " is stale: run `make docs` (etlc docs --out docs/reference)";
  }
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    EXPECT_TRUE(expected.count(entry.path().filename().string()))
        << "docs/reference/" << entry.path().filename().string() << " is not generated any more: delete it";
  }
}

TEST(StdlibReference, EveryStepAndFunctionIsRendered) {
  std::string all;
  for (const auto& [name, text] : RenderReference()) all += text;
  for (const StepSpec* step : AllSteps()) {
    EXPECT_NE(all.find("id=\"" + std::string(Spelling(step->kind)) + "-" + step->name + "\""), std::string::npos)
        << step->name;
  }
  for (const FunctionSpec* fn : AllFunctions()) {
    EXPECT_NE(all.find("id=\"" + std::string(fn->aggregate ? "aggregate-" : "fn-") + fn->name + "\""), std::string::npos)
        << fn->name;
    EXPECT_NE(all.find(fn->signatures[0]), std::string::npos) << fn->name;
  }
  EXPECT_NE(all.find("| `url` | `string` | required, positional | yes |"), std::string::npos) << "secret column";
}

}  // namespace
}  // namespace etl::stdlib
