// A fixture for the tests of the commands that read recorded runs (`etlc logs`, `etlc
// errors`, `etlc gc`): a temporary folder with a small pipeline whose runs have failed
// records in two steps, real `etlc run`s of it, and the run store they wrote.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "runtime/run_store.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver::test {

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("ETL_STORE");  // the tests choose their store; a developer's setting must not leak in
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("etl_history_test_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // raw: line 4 ("3,x,2") does not parse; calc: n = 0 divides by zero on lines 3 and 5.
    Write("in.csv", "id,amount,n\n1,5.5,1\n2,50.5,0\n3,x,2\n4,500.5,0\n5,7.5,1\n");
    Write("orders.etl", "schema Order {\n  id: int\n  amount: float\n  n: int\n}\n\npipeline p {\n"
                        "  raw = from csv(\"" + P("in.csv") + "\", schema: Order)\n"
                        "  calc = raw | derive q = id / n\n"
                        "  calc | into csv(\"" + P("out.csv") + "\")\n}\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string State() const { return P("state"); }
  std::filesystem::path RunDir(const std::string& id) const {
    return std::filesystem::path(State()) / "runs" / id;
  }

  // The SQLite store of State().
  std::unique_ptr<runtime::RunStore> Store() {
    std::string error;
    auto store = runtime::OpenRunStore("", State(), error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  // Runs orders.etl with `extra` arguments and returns the new run's id ("" on failure).
  std::string RunPipeline(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", P("orders.etl"), "--state-dir", State(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    Result r = Etlc(args);
    EXPECT_TRUE(r.code == kExitOk || r.code == kExitRunFailed) << r.err;
    auto store = Store();
    if (!store) return "";
    std::vector<runtime::StoredRun> runs;
    EXPECT_EQ(store->ListRuns(runtime::RunQuery{1, std::nullopt}, runs), std::nullopt);
    return runs.empty() ? "" : runs[0].id;
  }

  // The lines of `text`.
  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }

  // A whole file.
  static std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path dir_;
};

}  // namespace etl::driver::test
