// A compilation: the root file, every file it imports, their ASTs and diagnostics.
// LoadProgram parses; Check resolves names and types and annotates the AST in place.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"

namespace etl::sema {

// Reads a file's text; the LSP passes one that prefers unsaved editor buffers.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;

// Every module of a compilation. modules[0] is the root file.
struct Program {
  diag::SourceManager sources;
  diag::Diagnostics diagnostics;
  std::vector<std::unique_ptr<ast::Module>> modules;

  ast::Module& Root() { return *modules.front(); }
  const ast::Module& Root() const { return *modules.front(); }
  // The module parsed from `file`, or nullptr.
  const ast::Module* ModuleOf(diag::FileId file) const;
};

// Reads a source file from disk; nullopt for a folder or an unreadable file.
std::optional<std::string> ReadSourceFile(const std::string& path);
// A path as LoadProgram compares files (imports, cycles): canonical when it exists, else
// lexically normal. The LSP maps open buffers with it.
std::string NormalizePath(const std::string& path);

// Parses `path` and, transitively, every file it imports (relative to the importing
// file). A missing root file yields a Program with no modules and one diagnostic-free
// failure: the caller reports it (usage error). Import problems are E0100/E0101.
std::unique_ptr<Program> LoadProgram(const std::string& path, const FileReader& reader = {});

// Resolves names, checks types and the DAG of every pipeline and test; annotates the
// AST (types, refs, op input/output types). Diagnostics go to program.diagnostics.
void Check(Program& program);

}  // namespace etl::sema
