// Loading a program: the root file and, transitively, the files it imports.
#include "compiler/sema/program.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/syntax/parser.h"

namespace etl::sema {

namespace fs = std::filesystem;

const ast::Module* Program::ModuleOf(diag::FileId file) const {
  for (const auto& module : modules) {
    if (module->file == file) return module.get();
  }
  return nullptr;
}

namespace {

// Depth-first loading; `stack` holds the normalised paths of the files being loaded,
// so an import of one of them is a cycle.
class Loader {
 public:
  Loader(Program& program, const FileReader& reader) : program_(program), reader_(reader) {}

  ast::Module* Load(const std::string& path) {
    auto text = reader_ ? reader_(path) : ReadSourceFile(path);
    if (!text) return nullptr;
    diag::FileId file = program_.sources.Add(path, std::move(*text));
    normalized_.push_back(NormalizePath(path));
    program_.modules.push_back(syntax::ParseModule(program_.sources, file, program_.diagnostics));
    ast::Module* module = program_.modules.back().get();
    stack_.push_back(normalized_.back());
    for (auto& decl : module->decls) {
      if (auto* import = decl->As<ast::ImportDecl>()) Resolve(*import, path);
    }
    stack_.pop_back();
    return module;
  }

 private:
  void Resolve(ast::ImportDecl& import, const std::string& importer) {
    fs::path target = fs::path(importer).parent_path() / import.path;
    std::string target_path = target.lexically_normal().string();
    std::string key = NormalizePath(target_path);
    for (size_t i = 0; i < stack_.size(); ++i) {
      if (stack_[i] != key) continue;
      std::string chain;
      for (size_t j = i; j < stack_.size(); ++j) chain += fs::path(stack_[j]).filename().string() + " -> ";
      chain += fs::path(key).filename().string();
      auto& d = program_.diagnostics.Report(diag::Code::ImportCycle, import.path_range,
                                            fmt::format("import cycle: `{}` imports itself through {}", import.path, chain));
      d.notes.push_back({"files cannot import each other; move the shared declarations into a third file", {}});
      return;
    }
    for (size_t i = 0; i < normalized_.size(); ++i) {
      if (normalized_[i] == key) {
        import.resolved_file = program_.modules[i]->file;
        return;
      }
    }
    ast::Module* module = Load(target_path);
    if (!module) {
      program_.diagnostics.Report(diag::Code::ImportNotFound, import.path_range,
                                  fmt::format("cannot read imported file `{}` (looked for `{}`)", import.path, target_path));
      return;
    }
    import.resolved_file = module->file;
  }

  Program& program_;
  const FileReader& reader_;
  std::vector<std::string> stack_;
  std::vector<std::string> normalized_;  // parallel to program_.modules
};

}  // namespace

std::optional<std::string> ReadSourceFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string NormalizePath(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : canonical.string();
}

std::unique_ptr<Program> LoadProgram(const std::string& path, const FileReader& reader) {
  auto program = std::make_unique<Program>();
  Loader(*program, reader).Load(path);
  return program;
}

}  // namespace etl::sema
