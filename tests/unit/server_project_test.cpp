// The project of `etlc serve` (server/project.h): which files it loads (every .etl, or
// etl.toml's list), recompiling on change (imports too), the last good version of a file
// that stops compiling, and project problems (a broken etl.toml, a name declared twice).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/project.h"

namespace etl::server {
namespace {

namespace fs = std::filesystem;

const char* kSchema = "schema One {\n  id: int\n}\n\n";

std::string Pipeline(const std::string& name, const std::string& out) {
  return "pipeline " + name + " {\n  from generate(count: 1, schema: One, seed: 1) | into jsonl(\"out/" + out +
         ".jsonl\")\n}\n";
}

class ProjectTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_project_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    old_cwd_ = fs::current_path();
    fs::current_path(dir_);  // as `etlc serve` does: paths are relative to the project
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }
  // Writes a file; its mtime moves on so that a rewrite is always seen as a change.
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((dir_ / path).parent_path());
    std::ofstream(dir_ / path) << text;
    fs::last_write_time(dir_ / path, fs::file_time_type::clock::now() + std::chrono::seconds(++tick_));
  }
  std::vector<std::string> Names(const Project& project) {
    std::vector<std::string> names;
    for (const auto& [name, pipeline] : project.Snapshot()->pipelines) names.push_back(name);
    return names;
  }

  fs::path dir_, old_cwd_;
  int tick_ = 0;
};

TEST_F(ProjectTest, LoadsEveryEtlFileButHiddenFolders) {
  Write("a.etl", std::string(kSchema) + Pipeline("a", "a"));
  Write("sub/b.etl", std::string(kSchema) + Pipeline("b", "b"));
  Write(".etl/c.etl", std::string(kSchema) + Pipeline("c", "c"));  // the state directory
  Project project(dir_.string());
  project.Reload(1);
  EXPECT_EQ(Names(project), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(project.Snapshot()->Find("b")->file, "sub/b.etl");
}

TEST_F(ProjectTest, EtlTomlListsTheFilesAndABrokenOneKeepsThePreviousList) {
  Write("a.etl", std::string(kSchema) + Pipeline("a", "a"));
  Write("b.etl", std::string(kSchema) + Pipeline("b", "b"));
  Write("etl.toml", "files = [\"a.etl\"]\n");
  Project project(dir_.string());
  project.Reload(1);
  EXPECT_EQ(Names(project), (std::vector<std::string>{"a"}));
  Write("etl.toml", "files = [1]\n");
  project.Reload(2);
  EXPECT_EQ(Names(project), (std::vector<std::string>{"a"})) << "a broken etl.toml must not drop pipelines";
  ASSERT_FALSE(project.Snapshot()->problems.empty());
  EXPECT_NE(project.Snapshot()->problems.front().find("must be a string"), std::string::npos);
  Write("etl.toml", "files = [\"*.etl\"]\n");
  project.Reload(3);
  EXPECT_EQ(Names(project), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(project.Snapshot()->problems.empty());
}

TEST_F(ProjectTest, AChangedImportRecompilesTheFilesThatImportIt) {
  Write("lib/common.etl", "schema One {\n  id: int\n}\n");
  Write("a.etl", "import \"lib/common.etl\"\n\n" + Pipeline("a", "a"));
  Project project(dir_.string());
  project.Reload(1);
  ASSERT_NE(project.Snapshot()->Find("a"), nullptr);
  std::string before = project.Snapshot()->Find("a")->plan_hash;
  EXPECT_TRUE(project.Reload(2).empty()) << "nothing changed";
  Write("lib/common.etl", "schema One {\n  id: int\n  name: string = \"x\"\n}\n");
  std::vector<std::string> changed = project.Reload(3);
  EXPECT_NE(std::find(changed.begin(), changed.end(), "a.etl"), changed.end());
  EXPECT_NE(project.Snapshot()->Find("a")->plan_hash, before);
}

TEST_F(ProjectTest, AFileThatStopsCompilingKeepsItsLastGoodPipelinesAndShowsWhy) {
  Write("a.etl", std::string(kSchema) + Pipeline("a", "a"));
  Project project(dir_.string());
  project.Reload(1);
  std::string good = project.Snapshot()->Find("a")->plan_hash;
  Write("a.etl", std::string(kSchema) + "pipeline a {\n  from generate(count: 1, schema: Two, seed: 1) | into stdout()\n}\n");
  project.Reload(2);
  const ProjectPipeline* a = project.Snapshot()->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->compiles);
  EXPECT_EQ(a->plan_hash, good);
  const ProjectFile& file = project.Snapshot()->files.at("a.etl");
  EXPECT_EQ(file.errors, 1u);
  ASSERT_EQ(file.diagnostics.size(), 1u);
  EXPECT_NE(file.diagnostics[0].dump().find("Two"), std::string::npos) << file.diagnostics.dump();
}

TEST_F(ProjectTest, APipelineNameDeclaredTwiceIsAProblemAndTheFirstFileKeepsIt) {
  Write("a.etl", std::string(kSchema) + Pipeline("load", "a"));
  Write("b.etl", std::string(kSchema) + Pipeline("load", "b"));
  Project project(dir_.string());
  project.Reload(1);
  ASSERT_NE(project.Snapshot()->Find("load"), nullptr);
  EXPECT_EQ(project.Snapshot()->Find("load")->file, "a.etl");
  ASSERT_EQ(project.Snapshot()->problems.size(), 1u);
  EXPECT_NE(project.Snapshot()->problems[0].find("also declared in a.etl"), std::string::npos);
  // The problem alone does not make a new snapshot at every reload.
  auto snapshot = project.Snapshot();
  project.Reload(2);
  EXPECT_EQ(project.Snapshot(), snapshot);
}

TEST_F(ProjectTest, ARemovedFileTakesItsPipelines) {
  Write("a.etl", std::string(kSchema) + Pipeline("a", "a"));
  Write("b.etl", std::string(kSchema) + Pipeline("b", "b"));
  Project project(dir_.string());
  project.Reload(1);
  fs::remove(dir_ / "b.etl");
  std::vector<std::string> changed = project.Reload(2);
  EXPECT_EQ(changed, (std::vector<std::string>{"b.etl"}));
  EXPECT_EQ(Names(project), (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace etl::server
