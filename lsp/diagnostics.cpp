#include "lsp/diagnostics.h"

#include <set>

#include <fmt/format.h>

namespace etl::lsp {

namespace {

int Severity(diag::Level level) {
  switch (level) {
    case diag::Level::Error: return 1;
    case diag::Level::Warning: return 2;
    case diag::Level::Note: return 3;
  }
  return 1;
}

// The files reachable from `file` through imports (itself included).
std::set<diag::FileId> Reachable(const sema::Program& program, diag::FileId file) {
  std::set<diag::FileId> seen;
  std::vector<diag::FileId> todo{file};
  while (!todo.empty()) {
    diag::FileId f = todo.back();
    todo.pop_back();
    if (f == diag::kNoFile || !seen.insert(f).second) continue;
    if (const ast::Module* module = program.ModuleOf(f)) {
      for (const auto& decl : module->decls) {
        if (const auto* import = decl->As<ast::ImportDecl>()) todo.push_back(import->resolved_file);
      }
    }
  }
  return seen;
}

}  // namespace

Json ToLspDiagnostic(const Analysis& analysis, const diag::Diagnostic& d) {
  std::string message = d.message;
  Json related = Json::array();
  for (const auto& note : d.notes) {
    if (note.range.Valid()) {
      related.push_back(Json{{"location", analysis.Location(note.range)}, {"message", note.message}});
    } else {
      message += "\n" + note.message;  // like rustc's `= note:` lines
    }
  }
  Json out{{"range", analysis.Range(d.range)},
           {"severity", Severity(d.level)},
           {"code", std::string(diag::Info(d.code).id)},
           {"source", "etlc"},
           {"message", message}};
  if (!related.empty()) out["relatedInformation"] = related;
  if (d.code == diag::Code::UnusedDeclaration || d.code == diag::Code::UnusedStep) out["tags"] = Json::array({1});  // Unnecessary
  if (!d.fixes.empty()) {
    Json fixes = Json::array();
    for (const auto& fix : d.fixes) {
      fixes.push_back(Json{{"title", fix.title}, {"range", analysis.Range(fix.range)}, {"newText", fix.replacement}});
    }
    out["data"] = Json{{"fixes", fixes}};
  }
  return out;
}

Json DocumentDiagnostics(const Analysis& analysis) {
  Json out = Json::array();
  if (analysis.File() == diag::kNoFile) return out;
  const sema::Program& program = analysis.Program();
  // Which root import leads to each imported file.
  std::map<diag::FileId, const ast::ImportDecl*> via;
  for (const auto& decl : analysis.Module()->decls) {
    const auto* import = decl->As<ast::ImportDecl>();
    if (!import || import->resolved_file == diag::kNoFile) continue;
    for (diag::FileId f : Reachable(program, import->resolved_file)) via.emplace(f, import);
  }
  for (const auto& d : program.diagnostics.All()) {
    if (!d.range.Valid() || d.range.file == analysis.File()) {
      out.push_back(ToLspDiagnostic(analysis, d));
      continue;
    }
    auto it = via.find(d.range.file);
    if (it == via.end()) continue;
    const diag::SourceFile& file = program.sources.File(d.range.file);
    diag::LineCol at = file.Position(d.range.begin);
    diag::Diagnostic moved = d;
    moved.message = fmt::format("in imported file `{}` ({}:{}): {}", it->second->path, at.line, at.col, d.message);
    moved.range = it->second->path_range;
    moved.fixes.clear();  // they edit the other file
    moved.notes.insert(moved.notes.begin(), diag::Note{"the problem is here", d.range});
    out.push_back(ToLspDiagnostic(analysis, moved));
  }
  return out;
}

}  // namespace etl::lsp
