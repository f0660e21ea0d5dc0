// `etlc run --jit` in process (issue 5): an example gives the interpreter's output byte for
// byte; bad modes are usage errors; the pipeline's `jit` setting and the flag that
// overrides it, seen through the JSON events; a forced compile failure falls back with a
// warning; the object cache serves a second run; `jit auto` compiles only large inputs;
// `etlc compile --dump llvm`. docs/dev/testing.md "Differential tests of the JIT".
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "compiler/driver/cli.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Etlc;
using test::JsonLines;
using test::ReadFile;
using test::Result;

std::vector<nlohmann::json> Named(const std::vector<nlohmann::json>& events, std::string_view name) {
  std::vector<nlohmann::json> found;
  for (const auto& event : events) {
    if (event.value("event", "") == name) found.push_back(event);
  }
  return found;
}

// Every file under `root` (relative path -> bytes); CSV files whose order is not fixed are
// compared as sorted lines by the callers that need it.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), root).string()] = ReadFile(entry.path());
  }
  return files;
}

// A scratch folder (the working directory during the test, so examples' relative paths
// resolve in a copy), removed after each test; ETL_JIT_FAULT is cleared around each test.
class DriverJit : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("ETL_JIT_FAULT");
    old_cwd_ = fs::current_path();
    dir_ = fs::temp_directory_path() / ("etl_jit_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::current_path(dir_);
  }
  void TearDown() override {
    ::unsetenv("ETL_JIT_FAULT");
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }

  std::string Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }

  // A pipeline over a small CSV: a filter, a derive chain and a route, each with
  // expressions the JIT compiles; `setting` goes into the pipeline's settings.
  std::string Small(const std::string& setting) {
    Write("in.csv", "id,amount,name\n1,5.5,ab\n2,50.5,Cd\n3,-1.0,\n4,500.25,éf\n5,0.0,x\n");
    return Write("small.etl", "schema Row {\n  id: int\n  amount: float\n  name: string\n}\n\npipeline p {\n" + setting +
                                  "  rows = from csv(\"in.csv\", schema: Row)\n"
                                  "    | filter amount >= 0.0 and id != 5\n"
                                  "    | derive doubled = amount * 2.0, label = upper(name) + \"-\" + string(id), big = doubled > 100.0\n"
                                  "  sizes = rows | route {\n    big: big\n    small: else\n  }\n"
                                  "  sizes.big | into csv(\"out/big.csv\")\n"
                                  "  sizes.small | into csv(\"out/small.csv\")\n}\n");
  }

  // A pipeline over `count` generated rows: derives and a filter, aggregated to one row.
  std::string Generated(int count, const std::string& setting) {
    return Write("gen.etl", "schema G { id: int, name: string, score: float, day: date, opt: string? }\n\npipeline g {\n" + setting +
                                "  from generate(count: " + std::to_string(count) + ", schema: G, seed: 7)\n"
                                "    | derive s2 = score * 1.5 + float(id % 7), tag = (opt ?? \"none\") + name\n"
                                "    | filter s2 > 10.0 and id % 3 != 0\n"
                                "    | aggregate { n = count(), total = sum(id % 1000), tags = count_distinct(tag) }\n"
                                "    | into csv(\"out/agg.csv\")\n}\n");
  }

  fs::path old_cwd_;
  fs::path dir_;
};

TEST_F(DriverJit, AnExampleGivesTheInterpretersOutput) {
  fs::copy(fs::path(ETL_SOURCE_DIR) / "examples", dir_ / "examples", fs::copy_options::recursive);
  std::map<std::string, std::string> outputs[2];
  int mode = 0;
  for (const char* jit : {"--jit=off", "--jit"}) {
    fs::remove_all(dir_ / "out");
    Result r = Etlc({"run", "examples/orders.etl", jit, "--workers", "1", "--state-dir", P(std::string("state") + jit),
                     "--log-format", "json"});
    ASSERT_EQ(r.code, 0) << jit << "\n" << r.err;
    auto events = JsonLines(r.err);
    EXPECT_TRUE(Named(events, "jit_fallback").empty()) << r.err;
    EXPECT_EQ(Named(events, "jit_compiled").empty(), mode == 0) << r.err;
    outputs[mode] = Tree(dir_ / "out");
    ASSERT_FALSE(outputs[mode].empty());
    // Error records carry the time they were written.
    outputs[mode]["rejects.jsonl"] = std::regex_replace(outputs[mode]["rejects.jsonl"], std::regex(R"("at":"[^"]*")"), R"("at":"")");
    ++mode;
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  // The example's `test` blocks pass in both modes.
  for (const char* jit : {"--jit=off", "--jit"}) {
    Result t = Etlc({"test", "examples/orders.etl", jit});
    EXPECT_EQ(t.code, 0) << jit << "\n" << t.out << t.err;
    EXPECT_NE(t.out.find("1 passed, 0 failed"), std::string::npos) << jit << "\n" << t.out;
  }
}

TEST_F(DriverJit, ABadModeIsAUsageError) {
  std::string file = Small("");
  Result r = Etlc({"run", file, "--jit=bogus"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(P("out/big.csv")));
  Result t = Etlc({"test", file, "--jit=bogus"});
  EXPECT_EQ(t.code, 2) << t.err;
}

TEST_F(DriverJit, ThePipelineSettingIsHonouredAndTheFlagOverridesIt) {
  std::string file = Small("  jit on\n");
  Result on = Etlc({"run", file, "--state-dir", P("s1"), "--log-format", "json"});
  ASSERT_EQ(on.code, 0) << on.err;
  auto compiled = Named(JsonLines(on.err), "jit_compiled");
  EXPECT_GE(compiled.size(), 2u) << on.err;  // the filter, the derive, the route
  for (const auto& event : compiled) {
    EXPECT_FALSE(event.value("step", "").empty()) << event.dump();
    EXPECT_TRUE(event.contains("ms") && event["ms"].is_number()) << event.dump();
    EXPECT_TRUE(event.contains("cached")) << event.dump();
  }
  std::string big = ReadFile(P("out/big.csv")), small = ReadFile(P("out/small.csv"));
  EXPECT_EQ(big, "id,amount,name,doubled,label,big\n2,50.5,Cd,101,CD-2,true\n4,500.25,éf,1000.5,ÉF-4,true\n");
  fs::remove_all(P("out"));
  Result off = Etlc({"run", file, "--jit=off", "--state-dir", P("s2"), "--log-format", "json"});
  ASSERT_EQ(off.code, 0) << off.err;
  EXPECT_TRUE(Named(JsonLines(off.err), "jit_compiled").empty()) << off.err;
  EXPECT_EQ(ReadFile(P("out/big.csv")), big);
  EXPECT_EQ(ReadFile(P("out/small.csv")), small);
  // Without the setting nothing compiles unless the flag asks for it.
  std::string plain = Small("");
  Result none = Etlc({"run", plain, "--state-dir", P("s3"), "--log-format", "json"});
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_TRUE(Named(JsonLines(none.err), "jit_compiled").empty()) << none.err;
  Result flag = Etlc({"run", plain, "--jit", "--state-dir", P("s4"), "--log-format", "json"});
  ASSERT_EQ(flag.code, 0) << flag.err;
  EXPECT_FALSE(Named(JsonLines(flag.err), "jit_compiled").empty()) << flag.err;
  // A bare flag before FILE does not take FILE as its mode.
  Result before_file = Etlc({"run", "--jit", plain, "--state-dir", P("s7"), "--log-format", "json"});
  ASSERT_EQ(before_file.code, 0) << before_file.err;
  EXPECT_FALSE(Named(JsonLines(before_file.err), "jit_compiled").empty()) << before_file.err;
  EXPECT_NE(Etlc({"test", "--jit", file}).code, 2);
  // The mode may follow the flag after a space; a pipeline name may come after it.
  Result spaced = Etlc({"run", plain, "--jit", "on", "p", "--state-dir", P("s5"), "--log-format", "json"});
  ASSERT_EQ(spaced.code, 0) << spaced.err;
  EXPECT_FALSE(Named(JsonLines(spaced.err), "jit_compiled").empty()) << spaced.err;
  Result spaced_off = Etlc({"run", file, "--jit", "off", "--state-dir", P("s6"), "--log-format", "json"});
  ASSERT_EQ(spaced_off.code, 0) << spaced_off.err;
  EXPECT_TRUE(Named(JsonLines(spaced_off.err), "jit_compiled").empty()) << spaced_off.err;
  // `etlc test` takes the flag too.
  Result tests = Etlc({"test", file, "--jit=off"});
  EXPECT_NE(tests.code, 2) << tests.err;
  EXPECT_NE(Etlc({"test", file, "--jit", "auto"}).code, 2);
}

TEST_F(DriverJit, AForcedCompileFailureFallsBackWithAWarning) {
  std::string file = Small("");
  Result plain = Etlc({"run", file, "--jit=off", "--state-dir", P("s0")});
  ASSERT_EQ(plain.code, 0) << plain.err;
  auto expected = Tree(dir_ / "out");
  fs::remove_all(P("out"));
  ::setenv("ETL_JIT_FAULT", "verify", 1);
  Result r = Etlc({"run", file, "--jit", "--state-dir", P("s1"), "--log-format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto events = JsonLines(r.err);
  auto fallbacks = Named(events, "jit_fallback");
  EXPECT_GE(fallbacks.size(), 2u) << r.err;
  std::string plan_text = Etlc({"compile", file}).out;
  for (const auto& event : fallbacks) {
    EXPECT_EQ(event.value("level", ""), "warn") << event.dump();
    std::string step = event.value("step", "");
    EXPECT_FALSE(step.empty()) << event.dump();
    EXPECT_NE(plan_text.find("\"" + step + "\""), std::string::npos) << step << " is not a step of the plan";
    EXPECT_FALSE(event.value("message", "").empty()) << event.dump();
  }
  EXPECT_TRUE(Named(events, "jit_compiled").empty()) << r.err;
  EXPECT_EQ(Tree(dir_ / "out"), expected);
  // On a terminal the warning names the step.
  fs::remove_all(P("out"));
  Result text = Etlc({"run", file, "--jit", "--state-dir", P("s2")});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.err.find("warning"), std::string::npos) << text.err;
  EXPECT_NE(text.err.find(fallbacks.empty() ? std::string("?") : fallbacks[0].value("step", "?")), std::string::npos) << text.err;
  EXPECT_EQ(Tree(dir_ / "out"), expected);
}

TEST_F(DriverJit, TestsNoteAForcedCompileFailure) {
  // `etlc test --jit`: a step that falls back is a note of the test, which still passes.
  fs::copy(fs::path(ETL_SOURCE_DIR) / "examples", dir_ / "examples", fs::copy_options::recursive);
  ::setenv("ETL_JIT_FAULT", "verify", 1);
  Result t = Etlc({"test", "examples/orders.etl", "--jit"});
  EXPECT_EQ(t.code, 0) << t.out << t.err;
  EXPECT_NE(t.out.find("1 passed, 0 failed"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("note: `"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("the JIT could not compile this step; it runs interpreted"), std::string::npos) << t.out;
  ::unsetenv("ETL_JIT_FAULT");
  Result clean = Etlc({"test", "examples/orders.etl", "--jit"});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_EQ(clean.out.find("the JIT could not compile"), std::string::npos) << clean.out;
}

TEST_F(DriverJit, ASecondRunLoadsTheObjectCache) {
  std::string file = Small("  jit on\n");
  Result first = Etlc({"run", file, "--state-dir", P("state"), "--log-format", "json"});
  ASSERT_EQ(first.code, 0) << first.err;
  auto compiled = Named(JsonLines(first.err), "jit_compiled");
  ASSERT_FALSE(compiled.empty()) << first.err;
  for (const auto& event : compiled) EXPECT_EQ(event.value("cached", true), false) << event.dump();
  EXPECT_FALSE(fs::is_empty(P("state/jit-cache")));
  auto expected = Tree(dir_ / "out");
  fs::remove_all(P("out"));
  Result second = Etlc({"run", file, "--state-dir", P("state"), "--log-format", "json"});
  ASSERT_EQ(second.code, 0) << second.err;
  auto again = Named(JsonLines(second.err), "jit_compiled");
  ASSERT_EQ(again.size(), compiled.size()) << second.err;
  for (const auto& event : again) EXPECT_EQ(event.value("cached", false), true) << event.dump();
  EXPECT_EQ(Tree(dir_ / "out"), expected);
}

TEST_F(DriverJit, AutoCompilesOnlyLargeInputs) {
  std::string small = Small("  jit auto\n");
  Result r = Etlc({"run", small, "--state-dir", P("s0"), "--log-format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Named(JsonLines(r.err), "jit_compiled").empty()) << r.err;

  std::string large = Generated(200000, "  jit auto\n");
  Result off = Etlc({"run", large, "--jit=off", "--state-dir", P("s1")});
  ASSERT_EQ(off.code, 0) << off.err;
  std::string expected = ReadFile(P("out/agg.csv"));
  ASSERT_FALSE(expected.empty());
  fs::remove_all(P("out"));
  Result on = Etlc({"run", large, "--state-dir", P("s2"), "--log-format", "json"});
  ASSERT_EQ(on.code, 0) << on.err;
  auto compiled = Named(JsonLines(on.err), "jit_compiled");
  ASSERT_FALSE(compiled.empty()) << on.err;
  for (const auto& event : compiled) {
    EXPECT_GT(event.value("after_rows", 0), 0) << event.dump();
  }
  EXPECT_EQ(ReadFile(P("out/agg.csv")), expected);
}

TEST_F(DriverJit, CompileDumpsLlvmIr) {
  std::string file = Small("");
  Result r = Etlc({"compile", file, "--dump", "llvm"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("define"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace etl::driver
