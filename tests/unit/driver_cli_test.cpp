// The etlc command line in-process: dispatch, help, option errors and exit codes,
// check's text/JSON output and colour decision, fmt's modes, atomic writes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/driver/cli.h"
#include "tests/unit/driver_cli_util.h"
#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Etlc;
using test::Result;

constexpr const char* kSchema =
    "schema Order {\n  id:     int\n  amount: float\n}\n\n";

// A scratch folder with helper files, removed at the end of each test.
class DriverCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_driver_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  std::string Ok() {
    return Write("ok.etl", std::string(kSchema) +
                               "pipeline p {\n  raw = from csv(\"in.csv\", schema: Order)\n  raw | into stdout()\n}\n");
  }
  std::string Bad() {
    return Write("bad.etl", std::string(kSchema) +
                                "pipeline p {\n  raw = from csv(\"in.csv\", schema: Order)\n"
                                "  raw | filter amout > 1.0 | into stdout()\n}\n");
  }
  std::string Warn() {
    return Write("warn.etl", std::string(kSchema) +
                                 "pipeline p {\n  raw = from csv(\"in.csv\", schema: Order)\n"
                                 "  big = raw | filter amount > 1.0\n  raw | into stdout()\n}\n");
  }

  fs::path dir_;
};

TEST_F(DriverCli, HelpInEveryForm) {
  Result top = Etlc({"--help"});
  EXPECT_EQ(top.code, kExitOk);
  EXPECT_NE(top.out.find("check"), std::string::npos);
  EXPECT_NE(top.out.find("serve"), std::string::npos);
  Result help_check = Etlc({"help", "check"});
  EXPECT_EQ(help_check.code, kExitOk);
  EXPECT_NE(help_check.out.find("usage: etlc check"), std::string::npos);
  EXPECT_NE(help_check.out.find("--format"), std::string::npos);
  Result check_help = Etlc({"check", "--help"});
  EXPECT_EQ(check_help.code, kExitOk);
  EXPECT_EQ(check_help.out, help_check.out);
  EXPECT_EQ(Etlc({"help"}).code, kExitOk);
}

TEST_F(DriverCli, Version) {
  Result r = Etlc({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out.rfind("etlc ", 0), 0u);
}

TEST_F(DriverCli, UsageErrorsExitTwo) {
  EXPECT_EQ(Etlc({}).code, kExitUsage);
  Result typo = Etlc({"chek", "x.etl"});
  EXPECT_EQ(typo.code, kExitUsage);
  EXPECT_NE(typo.err.find("did you mean `check`?"), std::string::npos);
  Result two_dirs = Etlc({"serve", ".", "."});
  EXPECT_EQ(two_dirs.code, kExitUsage);
  EXPECT_NE(two_dirs.err.find("unexpected argument"), std::string::npos);
  EXPECT_EQ(Etlc({"--bogus"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"check", "--bogus", Ok()}).code, kExitUsage);
  EXPECT_EQ(Etlc({"check"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"check", (dir_ / "missing.etl").string()}).code, kExitUsage);
  EXPECT_EQ(Etlc({"check", dir_.string()}).code, kExitUsage);  // a folder is unreadable as a file
  EXPECT_EQ(Etlc({"check", "--format", "yaml", Ok()}).code, kExitUsage);
  EXPECT_EQ(Etlc({"check", "--color", "sometimes", Ok()}).code, kExitUsage);
  EXPECT_EQ(Etlc({"help", "nope"}).code, kExitUsage);
}

TEST_F(DriverCli, CheckExitCodes) {
  Result ok = Etlc({"check", Ok()});
  EXPECT_EQ(ok.code, kExitOk) << ok.err;
  EXPECT_EQ(ok.err, "");
  Result bad = Etlc({"check", Bad()});
  EXPECT_EQ(bad.code, kExitCompileErrors);
  EXPECT_NE(bad.err.find("bad.etl:8:16: error[E0203]"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("^~~~~"), std::string::npos);
  EXPECT_NE(bad.err.find("did you mean `amount`?"), std::string::npos);
  EXPECT_NE(bad.err.find("1 error generated"), std::string::npos);
  EXPECT_EQ(bad.err.find('\x1b'), std::string::npos);  // not a terminal: no colour
  Result warn = Etlc({"check", Warn()});
  EXPECT_EQ(warn.code, kExitOk) << warn.err;
  EXPECT_NE(warn.err.find("warning[W0001]"), std::string::npos);
  EXPECT_EQ(Etlc({"check", "--deny-warnings", Warn()}).code, kExitCompileErrors);
  // Several files: one summary, the worst result wins.
  Result both = Etlc({"check", Ok(), Bad(), Warn()});
  EXPECT_EQ(both.code, kExitCompileErrors);
  EXPECT_NE(both.err.find("1 error, 1 warning generated"), std::string::npos) << both.err;
}

TEST_F(DriverCli, CheckColourAlways) {
  Result bad = Etlc({"check", "--color", "always", Bad()});
  EXPECT_NE(bad.err.find("\x1b[1;31merror[E0203]"), std::string::npos);
}

TEST_F(DriverCli, CheckJson) {
  Result bad = Etlc({"check", "--format", "json", Bad(), Warn()});
  EXPECT_EQ(bad.code, kExitCompileErrors);
  nlohmann::json doc = nlohmann::json::parse(bad.out);
  EXPECT_EQ(doc["errors"], 1);
  EXPECT_EQ(doc["warnings"], 1);
  ASSERT_EQ(doc["diagnostics"].size(), 2u);
  const auto& first = doc["diagnostics"][0];
  EXPECT_EQ(first["code"], "E0203");
  EXPECT_EQ(first["level"], "error");
  EXPECT_EQ(first["range"]["start"]["line"], 8);
  EXPECT_EQ(first["range"]["start"]["col"], 16);
  EXPECT_TRUE(first["notes"].is_array());
  EXPECT_TRUE(first["fixes"].is_array());
  EXPECT_EQ(doc["diagnostics"][1]["code"], "W0001");
  EXPECT_EQ(bad.err, "");  // JSON mode keeps stderr clean
  Result ok = Etlc({"check", "--format", "json", Ok()});
  EXPECT_EQ(nlohmann::json::parse(ok.out), (nlohmann::json{{"diagnostics", nlohmann::json::array()},
                                                            {"errors", 0},
                                                            {"warnings", 0}}));
}

TEST_F(DriverCli, FmtModes) {
  std::string messy = Write("messy.etl", "schema   Order{id:int\namount :float}\n");
  Result printed = Etlc({"fmt", messy});
  ASSERT_EQ(printed.code, kExitOk) << printed.err;
  EXPECT_NE(printed.out, Read(messy));
  // stdin, and idempotency of the result.
  Result again = Etlc({"fmt", "-"}, printed.out);
  EXPECT_EQ(again.code, kExitOk);
  EXPECT_EQ(again.out, printed.out);
  // --check lists the file and fails; the file is untouched.
  std::string before = Read(messy);
  Result check = Etlc({"fmt", "--check", messy});
  EXPECT_EQ(check.code, kExitCompileErrors);
  EXPECT_EQ(check.out, messy + "\n");
  EXPECT_EQ(Read(messy), before);
  // --write rewrites in place, after which --check passes.
  EXPECT_EQ(Etlc({"fmt", "-w", messy}).code, kExitOk);
  EXPECT_EQ(Read(messy), printed.out);
  EXPECT_EQ(Etlc({"fmt", "--check", messy}).code, kExitOk);
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".etlc-"), std::string::npos) << "temp file left";
  }
}

TEST_F(DriverCli, FmtRefusesSyntaxErrorsAndBadOptions) {
  std::string broken = Write("broken.etl", "schema Order { id: }\npipeline {\n");
  std::string before = Read(broken);
  Result r = Etlc({"fmt", "--write", broken});
  EXPECT_EQ(r.code, kExitCompileErrors);
  EXPECT_NE(r.err.find("error[E0"), std::string::npos);
  EXPECT_EQ(Read(broken), before);
  EXPECT_EQ(Etlc({"fmt", "--check", "--write", broken}).code, kExitUsage);
  EXPECT_EQ(Etlc({"fmt", "--write", "-"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"fmt"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"fmt", (dir_ / "missing.etl").string()}).code, kExitUsage);
}

TEST_F(DriverCli, WriteFileAtomicallyKeepsPermissions) {
  std::string path = Write("f.txt", "old");
  ::chmod(path.c_str(), 0640);
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(path, "new text", error)) << error;
  EXPECT_EQ(Read(path), "new text");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_FALSE(WriteFileAtomically((dir_ / "no/such/dir/f.txt").string(), "x", error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace etl::driver
