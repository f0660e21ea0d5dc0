#include "server/project.h"

#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <toml++/toml.h>

#include "compiler/diag/render.h"
#include "compiler/ir/json.h"
#include "compiler/ir/lower.h"
#include "compiler/sema/program.h"
#include "runtime/run_record.h"

namespace etl::server {

namespace fs = std::filesystem;

namespace {

// What tells a changed file from an unchanged one without reading it.
struct Signature {
  int64_t mtime_ns = -1;  // -1: missing
  int64_t size = -1;
  bool operator==(const Signature&) const = default;
};

Signature SignatureOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size)};
}

// Folders never searched for .etl files: hidden ones (the state directory `.etl`, `.git`)
// and dependency trees.
bool SkippedFolder(const fs::path& path) {
  std::string name = path.filename().string();
  return (!name.empty() && name[0] == '.') || name == "node_modules";
}

}  // namespace

// A file's last compilation: what it read, and its last good pipelines.
struct Project::Compiled {
  std::map<std::string, Signature> sources;  // every file the compilation read
  ProjectFile file;
  std::vector<ProjectPipeline> good;         // from the last compilation without errors
};

const ProjectPipeline* ProjectSnapshot::Find(const std::string& name) const {
  auto it = pipelines.find(name);
  return it == pipelines.end() ? nullptr : &it->second;
}

Project::Project(std::string dir) : dir_(std::move(dir)), snapshot_(std::make_shared<ProjectSnapshot>()) {}

// The project's files relative to dir_: etl.toml's `files` (paths or globs), else every
// .etl file under dir_, sorted. nullopt when etl.toml cannot be used (a syntax error, a
// `files` that is not a list of strings): the caller keeps the files it had.
std::optional<std::vector<std::string>> Project::ListFiles(std::vector<std::string>& problems) const {
  std::set<std::string> files;
  fs::path toml_path = fs::path(dir_) / "etl.toml";
  std::error_code ec;
  if (fs::exists(toml_path, ec)) {
    try {
      toml::table config = toml::parse_file(toml_path.string());
      const toml::array* list = config["files"].as_array();
      if (!list) {
        problems.push_back("etl.toml: `files` must be a list of paths, e.g. files = [\"orders.etl\"]");
        return std::nullopt;
      }
      for (const auto& item : *list) {
        const std::string* pattern = item.as_string() ? &item.as_string()->get() : nullptr;
        if (!pattern) {
          problems.push_back("etl.toml: every entry of `files` must be a string");
          return std::nullopt;
        }
        glob_t matches{};
        std::string full = (fs::path(dir_) / *pattern).string();
        if (::glob(full.c_str(), 0, nullptr, &matches) == 0) {
          for (size_t i = 0; i < matches.gl_pathc; ++i) {
            files.insert(fs::path(matches.gl_pathv[i]).lexically_relative(dir_).string());
          }
        } else {
          problems.push_back(fmt::format("etl.toml: `{}` matches no file", *pattern));
        }
        globfree(&matches);
      }
    } catch (const toml::parse_error& e) {
      problems.push_back(fmt::format("etl.toml:{}:{}: {}", e.source().begin.line, e.source().begin.column,
                                     e.description()));
      return std::nullopt;
    }
    return std::vector<std::string>(files.begin(), files.end());
  }
  fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && SkippedFolder(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && it->path().extension() == ".etl") {
      files.insert(it->path().lexically_relative(dir_).string());
    }
  }
  return std::vector<std::string>(files.begin(), files.end());
}

std::vector<std::string> Project::Reload(int64_t now_us) {
  std::vector<std::string> problems;
  std::optional<std::vector<std::string>> listed_files = ListFiles(problems);
  std::vector<std::string> files;
  if (listed_files) {
    files = std::move(*listed_files);
  } else {
    // A broken etl.toml does not stop the project: the files it listed last go on.
    problems.push_back("etl.toml cannot be used: the files it listed before keep running");
    for (const auto& [path, compiled] : compiled_) files.push_back(path);
  }
  std::vector<std::string> recompiled;
  std::set<std::string> listed(files.begin(), files.end());
  for (auto it = compiled_.begin(); it != compiled_.end();) {
    if (!listed.count(it->first)) {
      recompiled.push_back(it->first);  // removed: its pipelines go
      it = compiled_.erase(it);
    } else {
      ++it;
    }
  }
  for (const std::string& path : files) {
    auto found = compiled_.find(path);
    if (found != compiled_.end()) {
      bool same = std::all_of(found->second->sources.begin(), found->second->sources.end(),
                              [&](const auto& source) { return SignatureOf(source.first) == source.second; });
      if (same) continue;
    }
    auto compiled = std::make_shared<Compiled>();
    if (found != compiled_.end()) compiled->good = found->second->good;
    compiled->file.path = path;
    compiled->file.loaded_us = now_us;
    // Paths are relative to the project directory, the working directory of `etlc serve`,
    // so diagnostics and plans name files as the user wrote them.
    std::unique_ptr<sema::Program> program = sema::LoadProgram(path);
    compiled->sources[path] = SignatureOf(path);
    if (program->modules.empty()) {
      compiled->file.errors = 1;
      compiled->file.diagnostics.push_back({{"severity", "error"}, {"message", fmt::format("cannot read `{}`", path)}});
    } else {
      sema::Check(*program);
      for (size_t i = 0; i < program->sources.Count(); ++i) {
        const std::string& source = program->sources.File(static_cast<diag::FileId>(i)).Path();
        compiled->sources[source] = SignatureOf(source);
      }
      std::optional<ir::Plan> plan;
      diag::Diagnostics lowering;
      if (!program->diagnostics.HasErrors()) plan = ir::Lower(*program, lowering);
      for (const diag::Diagnostics* list : {&program->diagnostics, &lowering}) {
        for (const auto& d : list->All()) {
          compiled->file.diagnostics.push_back(diag::DiagnosticToJson(program->sources, d));
          if (d.level == diag::Level::Error) ++compiled->file.errors;
          if (d.level == diag::Level::Warning) ++compiled->file.warnings;
        }
      }
      if (plan && compiled->file.errors == 0) {
        compiled->good.clear();
        for (const ir::Pipeline& pipeline : plan->pipelines) {
          auto narrowed = std::make_shared<ir::Plan>(*plan);
          std::erase_if(narrowed->pipelines, [&](const ir::Pipeline& p) { return p.name != pipeline.name; });
          narrowed->tests.clear();
          ProjectPipeline entry;
          entry.name = pipeline.name;
          entry.file = path;
          entry.plan_json = ir::PlanToJson(*narrowed);
          entry.plan_hash = runtime::PlanHash(entry.plan_json);
          entry.plan = std::move(narrowed);
          compiled->good.push_back(std::move(entry));
        }
      }
    }
    compiled->file.compiles = compiled->file.errors == 0;
    for (auto& pipeline : compiled->good) pipeline.compiles = compiled->file.compiles;
    compiled_[path] = compiled;
    recompiled.push_back(path);
  }
  if (recompiled.empty() && problems == list_problems_) return recompiled;
  list_problems_ = problems;

  auto snapshot = std::make_shared<ProjectSnapshot>();
  snapshot->problems = problems;
  for (const auto& [path, compiled] : compiled_) {
    ProjectFile file = compiled->file;
    file.pipelines.clear();
    for (const ProjectPipeline& pipeline : compiled->good) {
      auto [it, inserted] = snapshot->pipelines.emplace(pipeline.name, pipeline);
      if (!inserted) {
        snapshot->problems.push_back(fmt::format("pipeline `{}` of {} is also declared in {}: the one in {} runs",
                                                 pipeline.name, path, it->second.file, it->second.file));
        continue;
      }
      file.pipelines.push_back(pipeline.name);
    }
    snapshot->files.emplace(path, std::move(file));
  }
  snapshot_ = std::move(snapshot);
  return recompiled;
}

}  // namespace etl::server
