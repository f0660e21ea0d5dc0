// Document symbols (a hierarchy from the document's AST: schemas and their fields,
// consts, fns, params, pipelines with their steps and route ports, tests) and workspace
// symbols (the same declarations of every open document and .etl file under the roots,
// parsed only, matched by a fuzzy subsequence of the query).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "compiler/syntax/parser.h"
#include "lsp/features.h"

namespace etl::lsp {

namespace {

// LSP SymbolKind numbers.
enum LspKind { kModule = 2, kClass = 5, kMethod = 6, kField = 8, kFunction = 12, kVariable = 13, kConstant = 14,
               kEnumMember = 22, kStruct = 23, kEvent = 24 };

// One symbol of a file, before it becomes JSON.
struct Item {
  std::string name;
  std::string detail;
  int kind = kVariable;
  diag::SourceRange range;
  diag::SourceRange selection;
  std::vector<Item> children;
};

std::string TypeText(const ast::TypeRef& type) { return type && !ast::IsError(type) ? ast::ToString(type) : ""; }

std::string TypeExprText(const ast::TypeExpr* type, std::string_view text) {
  if (!type) return "";
  if (type->resolved && !ast::IsError(type->resolved)) return ast::ToString(type->resolved);
  if (type->range.Valid() && type->range.end <= text.size()) {
    return std::string(text.substr(type->range.begin, type->range.end - type->range.begin));
  }
  return "";
}

// The type a declaration has after checking, else its annotation as written.
std::string DeclaredType(const ast::TypeRef& resolved, const ast::TypeExpr* written, std::string_view text) {
  std::string checked = TypeText(resolved);
  return checked.empty() ? TypeExprText(written, text) : checked;
}

Item Make(std::string name, int kind, const diag::SourceRange& range, const diag::SourceRange& selection,
          std::string detail = "") {
  Item item{std::move(name), std::move(detail), kind, range, selection.Valid() ? selection : range, {}};
  // The selection must lie inside the range (LSP); a partial AST may not guarantee it.
  if (!item.range.Valid() || item.selection.begin < item.range.begin || item.selection.end > item.range.end) {
    item.range = item.selection;
  }
  return item;
}

std::vector<Item> ModuleItems(const ast::Module& module, std::string_view text) {
  std::vector<Item> items;
  for (const auto& decl : module.decls) {
    if (decl->kind == ast::DeclKind::Test) {
      const auto* test = decl->As<ast::TestDecl>();
      if (test->title.empty()) continue;
      items.push_back(Make(test->title, kEvent, decl->range, test->title_range, "for " + test->pipeline.text));
      continue;
    }
    if (decl->name.Empty()) continue;
    switch (decl->kind) {
      case ast::DeclKind::Import:
        items.push_back(Make(decl->name.text, kModule, decl->range, decl->name.range, decl->As<ast::ImportDecl>()->path));
        break;
      case ast::DeclKind::Schema: {
        Item schema = Make(decl->name.text, kStruct, decl->range, decl->name.range);
        for (const auto& field : decl->As<ast::SchemaDecl>()->fields) {
          if (field.name.Empty()) continue;
          schema.children.push_back(
              Make(field.name.text, kField, field.range, field.name.range, TypeExprText(field.type.get(), text)));
        }
        items.push_back(std::move(schema));
        break;
      }
      case ast::DeclKind::Const: {
        const auto* c = decl->As<ast::ConstDecl>();
        items.push_back(Make(decl->name.text, kConstant, decl->range, decl->name.range,
                             DeclaredType(c->resolved_type, c->type.get(), text)));
        break;
      }
      case ast::DeclKind::Fn: {
        const auto* fn = decl->As<ast::FnDecl>();
        std::string detail = "(";
        for (size_t i = 0; i < fn->params.size(); ++i) {
          detail += (i ? ", " : "") + fn->params[i].name.text + ": " + TypeExprText(fn->params[i].type.get(), text);
        }
        detail += ")";
        std::string result = DeclaredType(fn->result_type, fn->result.get(), text);
        if (!result.empty()) detail += " -> " + result;
        items.push_back(Make(decl->name.text, kFunction, decl->range, decl->name.range, detail));
        break;
      }
      case ast::DeclKind::Param: {
        const auto* p = decl->As<ast::ParamDecl>();
        items.push_back(Make(decl->name.text, kVariable, decl->range, decl->name.range,
                             DeclaredType(p->resolved_type, p->type.get(), text)));
        break;
      }
      case ast::DeclKind::Pipeline: {
        Item pipeline = Make(decl->name.text, kClass, decl->range, decl->name.range);
        for (const auto& statement : decl->As<ast::PipelineDecl>()->statements) {
          if (statement.kind != ast::Statement::Kind::Binding || statement.name.Empty()) continue;
          const ast::Chain& chain = statement.chain;
          ast::TypeRef output = chain.ops.empty() ? chain.head.output_type : chain.ops.back().output_type;
          Item step = Make(statement.name.text, kMethod, statement.range, statement.name.range, TypeText(output));
          for (const auto& op : chain.ops) {
            for (const auto& branch : op.branches) {
              if (!branch.name.Empty()) step.children.push_back(Make(branch.name.text, kEnumMember, branch.range, branch.name.range, TypeText(op.input_type)));
            }
          }
          pipeline.children.push_back(std::move(step));
        }
        items.push_back(std::move(pipeline));
        break;
      }
      case ast::DeclKind::Test:
        break;
    }
  }
  return items;
}

// Converts byte ranges of one text to LSP ranges.
struct RangeMaker {
  std::string_view text;
  LineIndex lines;
  PositionEncoding encoding;
  Json operator()(const diag::SourceRange& r) const {
    return Json{{"start", PositionToJson(lines.PositionOf(text, r.begin, encoding))},
                {"end", PositionToJson(lines.PositionOf(text, r.end, encoding))}};
  }
};

Json ToDocumentSymbol(const Item& item, const RangeMaker& range) {
  Json out{{"name", item.name}, {"kind", item.kind}, {"range", range(item.range)}, {"selectionRange", range(item.selection)}};
  if (!item.detail.empty()) out["detail"] = item.detail;
  if (!item.children.empty()) {
    out["children"] = Json::array();
    for (const Item& child : item.children) out["children"].push_back(ToDocumentSymbol(child, range));
  }
  return out;
}

Json DocumentSymbols(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  Json out = Json::array();
  const ast::Module* module = analysis->Module();
  if (!module) return out;
  RangeMaker range{analysis->Text(), LineIndex(analysis->Text()), analysis->Encoding()};
  for (const Item& item : ModuleItems(*module, analysis->Text())) out.push_back(ToDocumentSymbol(item, range));
  return out;
}

// ---------------------------------------------------------------- workspace symbols

// The flattened symbols of one file, with their containers.
struct FlatSymbol {
  std::string name;
  std::string container;
  int kind = 0;
  Json range;
};

// A parsed file's symbols, cached by path and mtime (open documents by URI and version).
struct FileSymbols {
  std::string stamp;
  std::string uri;
  std::vector<FlatSymbol> symbols;
};

void Flatten(const std::vector<Item>& items, const std::string& container, const RangeMaker& range,
             std::vector<FlatSymbol>& out) {
  for (const Item& item : items) {
    out.push_back(FlatSymbol{item.name, container, item.kind, range(item.selection)});
    Flatten(item.children, item.name, range, out);
  }
}

std::vector<FlatSymbol> ParseSymbols(const std::string& path, const std::string& text, PositionEncoding encoding) {
  diag::SourceManager sources;
  diag::Diagnostics diagnostics;
  diag::FileId file = sources.Add(path, text);
  std::unique_ptr<ast::Module> module = syntax::ParseModule(sources, file, diagnostics);
  std::vector<FlatSymbol> out;
  if (!module) return out;
  std::string_view view = sources.File(file).Text();
  RangeMaker range{view, LineIndex(view), encoding};
  Flatten(ModuleItems(*module, view), "", range, out);
  return out;
}

// Case-insensitive subsequence match; a lower score is a better match (0: prefix).
std::optional<int> Fuzzy(std::string_view query, std::string_view name) {
  size_t at = 0;
  int gaps = 0;
  for (char q : query) {
    char lq = static_cast<char>(std::tolower(static_cast<unsigned char>(q)));
    size_t start = at;
    while (at < name.size() && std::tolower(static_cast<unsigned char>(name[at])) != lq) ++at;
    if (at == name.size()) return std::nullopt;
    gaps += at != start ? 1 : 0;
    ++at;
  }
  return gaps;
}

class WorkspaceSymbols {
 public:
  explicit WorkspaceSymbols(Server& server) : server_(server) {}

  Json operator()(const Json& params) {
    std::string query = params.is_object() && params.contains("query") && params["query"].is_string()
                            ? params["query"].get<std::string>() : "";
    Workspace& workspace = server_.GetWorkspace();
    std::map<std::string, bool> live;  // cache keys still in use
    std::vector<const FileSymbols*> files;
    std::set<std::string> open_paths;
    for (const std::string& uri : workspace.OpenUris()) {
      const Document* doc = workspace.Find(uri);
      open_paths.insert(std::filesystem::path(doc->path).lexically_normal().string());
      files.push_back(&Cached("open:" + uri, std::to_string(doc->version) + ":" + std::to_string(doc->text.size()), uri,
                              doc->path, [&] { return doc->text; }));
      live["open:" + uri] = true;
    }
    for (const std::string& path : workspace.EtlFilesUnderRoots()) {
      if (open_paths.count(std::filesystem::path(path).lexically_normal().string())) continue;
      std::error_code ec;
      auto mtime = std::filesystem::last_write_time(path, ec);
      if (ec) continue;
      std::string stamp = std::to_string(mtime.time_since_epoch().count());
      files.push_back(&Cached("disk:" + path, stamp, PathToUri(path), path, [&] {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream buffer;
        buffer << in.rdbuf();
        return buffer.str();
      }));
      live["disk:" + path] = true;
    }
    for (auto it = cache_.begin(); it != cache_.end();) it = live.count(it->first) ? std::next(it) : cache_.erase(it);

    struct Match {
      int score;
      const FlatSymbol* symbol;
      const std::string* uri;
    };
    std::vector<Match> matches;
    for (const FileSymbols* file : files) {
      for (const FlatSymbol& symbol : file->symbols) {
        if (auto score = Fuzzy(query, symbol.name)) matches.push_back(Match{*score, &symbol, &file->uri});
      }
    }
    std::stable_sort(matches.begin(), matches.end(), [](const Match& x, const Match& y) {
      if (x.score != y.score) return x.score < y.score;
      return x.symbol->name < y.symbol->name;
    });
    Json out = Json::array();
    for (const Match& m : matches) {
      if (out.size() >= kLimit) break;
      Json info{{"name", m.symbol->name}, {"kind", m.symbol->kind}, {"location", {{"uri", *m.uri}, {"range", m.symbol->range}}}};
      if (!m.symbol->container.empty()) info["containerName"] = m.symbol->container;
      out.push_back(std::move(info));
    }
    return out;
  }

 private:
  static constexpr size_t kLimit = 500;

  template <typename ReadText>
  const FileSymbols& Cached(const std::string& key, const std::string& stamp, const std::string& uri,
                           const std::string& path, ReadText read) {
    FileSymbols& entry = cache_[key];
    if (entry.stamp != stamp || entry.uri != uri) {
      entry = FileSymbols{stamp, uri, ParseSymbols(path, read(), server_.GetWorkspace().Encoding())};
    }
    return entry;
  }

  Server& server_;
  std::map<std::string, FileSymbols> cache_;
};

}  // namespace

void RegisterSymbols(Server& server) {
  server.Capabilities()["documentSymbolProvider"] = true;
  server.Capabilities()["workspaceSymbolProvider"] = true;
  server.OnRequest("textDocument/documentSymbol", [&server](const Json& params) { return DocumentSymbols(server, params); });
  auto workspace_symbols = std::make_shared<WorkspaceSymbols>(server);
  server.OnRequest("workspace/symbol", [workspace_symbols](const Json& params) { return (*workspace_symbols)(params); });
}

}  // namespace etl::lsp
