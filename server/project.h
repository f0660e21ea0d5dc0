// The project `etlc serve DIR` runs (issue 7 item 1): every `.etl` file under DIR, or the
// files DIR/etl.toml lists, compiled into one plan per pipeline. Reload() recompiles a file
// when it or a file it imports changed; a file that no longer compiles keeps its last good
// pipelines (they go on running) and reports its diagnostics. docs/serve.md#the-project.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/ir/plan.h"

namespace etl::server {

// One pipeline as it runs now.
struct ProjectPipeline {
  std::string name;
  std::string file;         // relative to the project directory
  std::shared_ptr<const ir::Plan> plan;  // narrowed to this pipeline (the file's params, no tests)
  std::string plan_json;    // ir::PlanToJson(*plan)
  std::string plan_hash;    // runtime::PlanHash(plan_json)
  bool compiles = true;     // false: the file's current text has errors; `plan` is the last good one

  const ir::Pipeline& Pipeline() const { return plan->pipelines.front(); }
};

// One source file of the project.
struct ProjectFile {
  std::string path;            // relative to the project directory
  bool compiles = false;
  nlohmann::json diagnostics = nlohmann::json::array();  // as `etlc check --format json` prints them
  size_t errors = 0;
  size_t warnings = 0;
  int64_t loaded_us = 0;       // when it was last compiled
  std::vector<std::string> pipelines;  // the pipelines it declares (its last good version's)
};

// What Reload found: an immutable picture handed to API requests and the scheduler.
struct ProjectSnapshot {
  std::map<std::string, ProjectPipeline> pipelines;  // by name
  std::map<std::string, ProjectFile> files;          // by path
  // Problems of the project as a whole: a pipeline name declared in two files (the file
  // that comes later by path loses it), an etl.toml that cannot be read.
  std::vector<std::string> problems;

  const ProjectPipeline* Find(const std::string& name) const;
};

class Project {
 public:
  // `dir` is absolute.
  explicit Project(std::string dir);

  // Rescans the project and recompiles the files that are new or whose sources (the file or
  // anything it imports) changed since the last Reload. Returns the paths recompiled or
  // removed; the snapshot is a new object when they or the project's problems changed.
  std::vector<std::string> Reload(int64_t now_us);

  std::shared_ptr<const ProjectSnapshot> Snapshot() const { return snapshot_; }
  const std::string& Dir() const { return dir_; }

 private:
  struct Compiled;  // a file's last compilation (project.cpp)
  std::optional<std::vector<std::string>> ListFiles(std::vector<std::string>& problems) const;

  std::string dir_;
  std::map<std::string, std::shared_ptr<Compiled>> compiled_;
  std::shared_ptr<const ProjectSnapshot> snapshot_;
  std::vector<std::string> list_problems_;  // of the last listing (etl.toml), to tell a change
};

}  // namespace etl::server
