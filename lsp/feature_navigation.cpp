// Go to definition, find references and document highlights, all answered from the
// program index (lsp/analysis.h): the occurrence under the cursor names a symbol, and the
// symbol knows where it is defined and everywhere it is used.
#include "lsp/features.h"
#include "lsp/symbol_references.h"

namespace etl::lsp {

namespace {

// The import whose path string holds `offset` in the document, or nullptr.
const ast::ImportDecl* ImportPathAt(const Analysis& analysis, uint32_t offset) {
  const ast::Module* module = analysis.Module();
  if (!module) return nullptr;
  for (const auto& decl : module->decls) {
    const auto* import = decl->As<ast::ImportDecl>();
    if (import && import->path_range.Valid() && import->path_range.begin <= offset && offset < import->path_range.end) {
      return import;
    }
  }
  return nullptr;
}

Json Definition(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  uint32_t offset = Server::OffsetOf(*analysis, params);
  if (const ast::ImportDecl* import = ImportPathAt(*analysis, offset)) {
    // The top of the imported file (nothing when it was not found).
    if (import->resolved_file == diag::kNoFile) return nullptr;
    diag::SourceRange top{import->resolved_file, 0, 0};
    return analysis->Location(top);
  }
  const Occurrence* at = analysis->OccurrenceAt(offset);
  if (!at) return nullptr;
  const Symbol& symbol = analysis->Symbols()[static_cast<size_t>(at->symbol)];
  if (!symbol.name_range.Valid()) return nullptr;  // stdlib: defined by no file
  return analysis->Location(symbol.name_range);
}

Json References(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  const Occurrence* at = analysis->OccurrenceAt(Server::OffsetOf(*analysis, params));
  if (!at) return nullptr;
  // `context.includeDeclaration` is required by LSP; a client that omits it gets them.
  bool include_declaration = true;
  if (params.contains("context") && params["context"].is_object()) {
    const Json& include = params["context"].value("includeDeclaration", Json(true));
    if (include.is_boolean()) include_declaration = include.get<bool>();
  }
  Json out = Json::array();
  for (const FoundName& name : FindSymbolNames(&server.GetWorkspace(), *analysis, at->symbol)) {
    if (name.definition && !include_declaration) continue;
    out.push_back(Json{{"uri", name.uri}, {"range", name.range}});
  }
  return out;
}

Json Highlights(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  const Occurrence* at = analysis->OccurrenceAt(Server::OffsetOf(*analysis, params));
  if (!at) return nullptr;
  Json out = Json::array();
  for (const Occurrence* o : analysis->OccurrencesOf(at->symbol)) {
    if (o->range.file != analysis->File()) continue;
    // DocumentHighlightKind: the definition writes the name (3), uses read it (2).
    out.push_back(Json{{"range", analysis->Range(o->range)}, {"kind", o->definition ? 3 : 2}});
  }
  return out;
}

}  // namespace

void RegisterNavigation(Server& server) {
  server.Capabilities()["definitionProvider"] = true;
  server.Capabilities()["referencesProvider"] = true;
  server.Capabilities()["documentHighlightProvider"] = true;
  server.OnRequest("textDocument/definition", [&server](const Json& params) { return Definition(server, params); });
  server.OnRequest("textDocument/references", [&server](const Json& params) { return References(server, params); });
  server.OnRequest("textDocument/documentHighlight",
                   [&server](const Json& params) { return Highlights(server, params); });
}

}  // namespace etl::lsp
