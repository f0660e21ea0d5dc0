// `etlc test` end to end, in-process: test blocks compiled into the plan, run by the
// runtime's test runner on the executor (given records, taps, dry sinks), every kind of
// expectation passing and failing, given on a middle step, errors ports, reports in text
// and JSON, exit codes, and the examples' own tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/driver/cli.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Etlc;
using test::Result;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class TestCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_test_command_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `tests` after a pipeline whose source file does not exist and whose sinks
  // would write into dir/out.
  std::string Program(const std::string& tests) {
    std::string d = dir_.string();
    std::string text = "schema R {\n  id: int\n  qty: int\n  note: string?\n}\n\n"
                       "pipeline p {\n"
                       "  raw = from csv(\"" + d + "/missing.csv\", schema: R)\n"
                       "  clean = raw | derive ratio = 100 / qty\n"
                       "  sizes = clean | route {\n"
                       "    big:   ratio >= 50\n"
                       "    small: else\n"
                       "  }\n"
                       "  sizes.big   | into csv(\"" + d + "/out/big.csv\")\n"
                       "  sizes.small | into jsonl(\"" + d + "/out/small.jsonl\")\n"
                       "}\n\n" + tests;
    std::string path = (dir_ / "p.etl").string();
    std::ofstream(path) << text;
    return path;
  }

  fs::path dir_;
};

constexpr const char* kPassing = R"(test "every kind passes" for p {
  given raw = [{id: 1, qty: 1}, {id: 2, qty: 4}, {id: 3, qty: 0}]
  expect sizes.big has 1 rows
  expect sizes.big[0].id == 1
  expect sizes.small[0].ratio == 25 and sizes.small[0].note is null
  expect clean.errors has 1 rows
  expect clean.errors[0].code == "division_by_zero"
}
)";

TEST_F(TestCommand, EveryKindPasses) {
  std::string path = Program(std::string(kPassing) + R"(
test "empty input" for p {
  given raw = []
  expect sizes.big is empty
  expect sizes.small has 0 rows
}
)");
  Result r = Etlc({"test", path});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "running 2 tests from " + path)) << r.out;
  EXPECT_TRUE(Contains(r.out, "test \"every kind passes\" ... ok\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "test \"empty input\" ... ok\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "\n2 passed, 0 failed\n")) << r.out;
  // The division by zero is not consumed by any step: a note, not a failure.
  EXPECT_TRUE(Contains(r.out, "note: `clean`: division_by_zero")) << r.out;
  // Sinks are dry: nothing is written; the missing source file was never opened.
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(TestCommand, FailuresSayWhatWasFound) {
  std::string path = Program(R"(test "wrong" for p {
  given raw = [{id: 1, qty: 1}]
  expect sizes.big has 2 rows
  expect sizes.big is empty
  expect sizes.small is empty
  expect sizes.big[0].ratio == 99
  expect sizes.small[0].id == 1
  expect clean.errors has 0 rows
}
)");
  Result r = Etlc({"test", path});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "test \"wrong\" ... FAILED\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, path + ":20:3: expected sizes.big has 2 rows, found 1 row\n"
                                     "      {id: 1, qty: 1, note: null, ratio: 100}\n"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, path + ":21:3: expected sizes.big is empty, found 1 row\n")) << r.out;
  EXPECT_FALSE(Contains(r.out, "expected sizes.small is empty")) << r.out;  // it passed
  EXPECT_TRUE(Contains(r.out, path + ":23:3: expected sizes.big[0].ratio == 99, left side is 100, right side is 99\n"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, path + ":24:3: expected sizes.small[0].id == 1, ")) << r.out;
  EXPECT_FALSE(Contains(r.out, "expected clean.errors has 0 rows")) << r.out;
  EXPECT_TRUE(Contains(r.out, "\n0 passed, 1 failed\n")) << r.out;
}

TEST_F(TestCommand, GivenOnAMiddleStepSkipsWhatFeedsIt) {
  std::string path = Program(R"(test "middle" for p {
  given clean = [{id: 5, qty: 2, note: "n", ratio: 10}, {id: 6, qty: 1, ratio: 70}]
  expect sizes.small has 1 rows
  expect sizes.small[0].note == "n"
  expect sizes.big[0].id == 6 and sizes.big[0].note is null
  expect clean.errors is empty
}
)");
  Result r = Etlc({"test", path});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "test \"middle\" ... ok\n")) << r.out;
}

TEST_F(TestCommand, ARunFailureFailsTheTest) {
  // No `given raw`: the source runs and its file does not exist.
  std::string path = Program("test \"reads\" for p {\n  expect sizes.big is empty\n}\n");
  Result r = Etlc({"test", path});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "test \"reads\" ... FAILED\n  " + path + ":18:1: the run failed: ")) << r.out;
  EXPECT_TRUE(Contains(r.out, "missing.csv")) << r.out;
}

TEST_F(TestCommand, JsonReportAndFilter) {
  std::string path = Program(std::string(kPassing) + R"(
test "wrong count" for p {
  given raw = [{id: 1, qty: 1}]
  expect sizes.big has 3 rows
}
)");
  Result r = Etlc({"test", path, "--format", "json", "--workers", "2"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["source"], path);
  EXPECT_EQ(json["passed"], 1);
  EXPECT_EQ(json["failed"], 1);
  EXPECT_EQ(json["filtered_out"], 0);
  ASSERT_EQ(json["tests"].size(), 2u);
  const auto& wrong = json["tests"][1];
  EXPECT_EQ(wrong["title"], "wrong count");
  EXPECT_EQ(wrong["pipeline"], "p");
  EXPECT_EQ(wrong["passed"], false);
  EXPECT_TRUE(wrong["failure"].is_null());
  ASSERT_EQ(wrong["expects"].size(), 1u);
  EXPECT_EQ(wrong["expects"][0]["kind"], "rows");
  EXPECT_EQ(wrong["expects"][0]["text"], "sizes.big has 3 rows");
  EXPECT_EQ(wrong["expects"][0]["rows"], 1);
  EXPECT_EQ(wrong["expects"][0]["message"], "found 1 row");
  EXPECT_EQ(wrong["expects"][0]["location"]["line"], 29);
  EXPECT_EQ(json["tests"][0]["expects"].size(), 5u);
  EXPECT_EQ(json["tests"][0]["notes"].size(), 1u);

  Result filtered = Etlc({"test", path, "--filter", "kind"});
  EXPECT_EQ(filtered.code, 0) << filtered.out;
  EXPECT_TRUE(Contains(filtered.out, "running 1 test from")) << filtered.out;
  EXPECT_TRUE(Contains(filtered.out, "1 passed, 0 failed, 1 filtered out\n")) << filtered.out;
}

TEST_F(TestCommand, NoTestsCompileErrorsAndUsage) {
  std::string path = Program("");
  Result none = Etlc({"test", path});
  EXPECT_EQ(none.code, 0);
  EXPECT_EQ(none.out, "no tests\n");

  std::string broken = Program("test \"x\" for p {\n  expect nope has 1 rows\n}\n");
  Result errors = Etlc({"test", broken});
  EXPECT_EQ(errors.code, 1) << errors.err;
  EXPECT_TRUE(Contains(errors.err, "no step `nope`")) << errors.err;

  EXPECT_EQ(Etlc({"test", path, "--format", "xml"}).code, 2);
  EXPECT_EQ(Etlc({"test", path, "--workers", "0"}).code, 2);
  EXPECT_EQ(Etlc({"test"}).code, 2);
  EXPECT_EQ(Etlc({"test", (dir_ / "absent.etl").string()}).code, 2);
}

TEST_F(TestCommand, PlanJsonRunsTheSameTests) {
  std::string path = Program(kPassing);
  std::string plan = (dir_ / "p.plan.json").string();
  ASSERT_EQ(Etlc({"compile", path, "-o", plan}).code, 0);
  Result r = Etlc({"test", plan});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "test \"every kind passes\" ... ok\n")) << r.out;
}

TEST_F(TestCommand, ConstGivenAliasesSinksAndMaxErrors) {
  std::string path = (dir_ / "e.etl").string();
  std::ofstream(path) << R"(schema R {
  id: int
  qty: int = 3
  note: string?
}
const rows = [{note: "c", id: 7, qty: 1}]
pipeline p {
  max_errors 0
  raw = from csv("/nonexistent/in.csv", schema: R)
  src = raw
  d = src | derive r = 10 / qty
  w = d | into stdout()
}
test "const given" for p {
  given raw = rows
  expect d[0].note == "c" and d[0].id == 7
}
test "alias given, default and sink done" for p {
  given src = [{id: 1}]
  expect d[0].r == 3
  expect w has 1 rows
  expect w[0].rows == 1
}
test "errors over max" for p {
  given raw = [{id: 1, qty: 0}]
  expect d is empty
}
test "false" for p {
  given raw = [{id: 1, qty: 1}]
  expect d[0].note is not null
  expect d[0].id == 1 and d[0].r == 11 and d[0].qty == 1
}
)";
  Result r = Etlc({"test", path});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "test \"const given\" ... ok\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "test \"alias given, default and sink done\" ... ok\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "test \"errors over max\" ... FAILED\n  " + path +
                                  ":24:1: the run failed: more than 0 records failed (max_errors 0)\n"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, path + ":30:3: expected d[0].note is not null, the condition is false\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, path + ":31:3: expected d[0].id == 1 and d[0].r == 11 and d[0].qty == 1, "
                                     "operand 2 of `and`: left side is 10, right side is 11\n"))
      << r.out;
  // The stdout sink printed nothing: only the report is on stdout.
  EXPECT_TRUE(r.out.rfind("running 4 tests from ", 0) == 0) << r.out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    bool report = line.rfind("running ", 0) == 0 || line.rfind("test \"", 0) == 0 || line.rfind("  ", 0) == 0 ||
                  line == "2 passed, 2 failed";
    EXPECT_TRUE(report) << "not part of the report: " << line;
  }
}

TEST_F(TestCommand, SameResultsWithOneAndFourWorkers) {
  std::string path = Program(std::string(kPassing) + R"(
test "wrong" for p {
  given raw = [{id: 1, qty: 1}, {id: 2, qty: 1}, {id: 3, qty: 10}]
  expect sizes.big has 1 rows
}
)");
  Result one = Etlc({"test", path, "--workers", "1"});
  Result four = Etlc({"test", path, "--workers", "4"});
  EXPECT_EQ(one.code, 3);
  EXPECT_EQ(four.code, 3);
  EXPECT_EQ(one.out, four.out);
  EXPECT_TRUE(Contains(one.out, "found 2 rows\n      {id: 1, qty: 1, note: null, ratio: 100}\n"
                                "      {id: 2, qty: 1, note: null, ratio: 100}\n"))
      << one.out;
}

// The `test` blocks of examples/*.etl (they need the stateful operators).
TEST(TestCommandExamples, ExampleTestsPass) {
  for (const char* name : {"orders", "customers", "clickstream"}) {
    std::string path = std::string(ETL_SOURCE_DIR) + "/examples/" + name + ".etl";
    Result r = Etlc({"test", path});
    EXPECT_EQ(r.code, 0) << name << ":\n" << r.out << r.err;
    EXPECT_TRUE(Contains(r.out, "1 passed, 0 failed")) << name << ":\n" << r.out;
  }
}

}  // namespace
}  // namespace etl::driver
