// Rename: every written name of a user symbol (lsp/symbol_references.h), in every file of
// the programs that see it. Refused for stdlib names, test titles (strings), positions
// that name nothing (keywords, whitespace) and new names that clash with another
// declaration where the symbol lives.
#include <filesystem>

#include <fmt/format.h>

#include "compiler/format/printer.h"
#include "lsp/features.h"
#include "lsp/symbol_references.h"

namespace etl::lsp {

namespace {

bool Holds(const diag::SourceRange& outer, const diag::SourceRange& inner) {
  return outer.Valid() && outer.file == inner.file && outer.begin <= inner.begin && inner.end <= outer.end;
}

uint32_t LineOf(const Analysis& analysis, const diag::SourceRange& range) {
  return analysis.Range(range)["start"]["line"].get<uint32_t>() + 1;
}

// The user symbol at the cursor, or a reason why there is none to rename.
struct Target {
  const Occurrence* occurrence = nullptr;
  std::string refusal;
};

Target TargetAt(const Analysis& analysis, uint32_t offset) {
  Target target;
  target.occurrence = analysis.OccurrenceAt(offset);
  if (!target.occurrence) {
    target.refusal = "there is no name to rename here (only steps, ports, schemas, fields, consts, fns, params, "
                     "pipelines and import aliases can be renamed)";
    return target;
  }
  const Symbol& symbol = analysis.Symbols()[static_cast<size_t>(target.occurrence->symbol)];
  if (!symbol.name_range.Valid()) {
    target.refusal = fmt::format("`{}` is a standard library {}; it cannot be renamed", symbol.name, Spelling(symbol.kind));
  } else if (symbol.kind == SymbolKind::Test) {
    target.refusal = "a test's title is a string: edit it in place";
  }
  if (!target.refusal.empty()) target.occurrence = nullptr;
  return target;
}

const ast::Module* ModuleHolding(const Analysis& analysis, const diag::SourceRange& range) {
  return analysis.Program().ModuleOf(range.file);
}

// The declaration of the module that holds `range`, or nullptr.
const ast::Decl* DeclHolding(const Analysis& analysis, const diag::SourceRange& range) {
  const ast::Module* module = ModuleHolding(analysis, range);
  if (!module) return nullptr;
  for (const auto& decl : module->decls) {
    if (Holds(decl->range, range)) return decl.get();
  }
  return nullptr;
}

std::string ClashWithDecls(const Analysis& analysis, const Symbol& symbol, const std::string& name) {
  const ast::Module* module = ModuleHolding(analysis, symbol.name_range);
  if (!module) return "";
  for (const auto& decl : module->decls) {
    if (decl.get() != symbol.decl && decl->name.text == name && !decl->name.Empty()) {
      std::string file = std::filesystem::path(analysis.Program().sources.File(module->file).Path()).filename().string();
      return fmt::format("`{}` is already declared in {}: the {} on line {}", name, file, ast::Spelling(decl->kind),
                         LineOf(analysis, decl->name.range));
    }
  }
  // A declaration of the document itself would hide an imported one of the new name.
  if (module != analysis.Module()) {
    auto it = analysis.VisibleDecls().find(name);
    if (it != analysis.VisibleDecls().end() && it->second != symbol.decl && it->second->range.file == analysis.File()) {
      return fmt::format("`{}` is already declared in this document: the {} on line {}", name,
                         ast::Spelling(it->second->kind), LineOf(analysis, it->second->name.range));
    }
  }
  static const char* const kTypes[] = {"int",  "float",     "decimal",  "bool", "string", "bytes", "date",
                                       "timestamp", "duration", "json", "list", "map", "secret"};
  if (symbol.kind == SymbolKind::Schema) {
    for (const char* type : kTypes) {
      if (name == type) return fmt::format("`{}` is a built-in type", name);
    }
  }
  return "";
}

// A field: its schema's other fields, and every record where the field flows that already
// has a field of the new name (a derive that makes it, an input that carries it).
std::string ClashWithFields(const Analysis& analysis, int id, const Symbol& symbol, const std::string& name) {
  if (const ast::Decl* decl = DeclHolding(analysis, symbol.name_range)) {
    if (const auto* schema = decl->As<ast::SchemaDecl>()) {
      for (const auto& field : schema->fields) {
        if (field.name.text == name) {
          return fmt::format("schema `{}` already has a field `{}` (line {})", schema->name.text, name,
                             LineOf(analysis, field.name.range));
        }
      }
    }
  }
  for (const Occurrence* o : analysis.OccurrencesOf(id)) {
    for (const StepScope& scope : analysis.Scopes()) {
      if (!scope.op || !Holds(scope.range, o->range)) continue;
      bool keeps_input = scope.op->kind != ast::OpKind::Select && scope.op->kind != ast::OpKind::Aggregate;
      for (const ast::TypeRef& record : {keeps_input ? scope.input : nullptr, scope.output}) {
        if (record && record->kind == ast::TypeKind::Record && record->FindField(name) != nullptr) {
          return fmt::format("the record at `{}` (line {}) already has a field `{}`", ast::Spelling(scope.op->kind),
                             LineOf(analysis, scope.op->range), name);
        }
      }
    }
  }
  return "";
}

// Why `name` cannot replace the symbol's name, or "".
std::string Clash(const Analysis& analysis, int id, const std::string& name) {
  const Symbol& symbol = analysis.Symbols()[static_cast<size_t>(id)];
  const ast::Decl* holder = DeclHolding(analysis, symbol.name_range);
  switch (symbol.kind) {
    case SymbolKind::Schema:
    case SymbolKind::Const:
    case SymbolKind::Fn:
    case SymbolKind::Param:
    case SymbolKind::Pipeline:
    case SymbolKind::Import:
      return ClashWithDecls(analysis, symbol, name);
    case SymbolKind::Field:
      return ClashWithFields(analysis, id, symbol, name);
    case SymbolKind::FnParam:
      if (const auto* fn = holder ? holder->As<ast::FnDecl>() : nullptr) {
        for (const auto& p : fn->params) {
          if (p.name.text == name) return fmt::format("fn `{}` already has a parameter `{}`", fn->name.text, name);
        }
      }
      return "";
    case SymbolKind::Step:
      if (const auto* pipeline = holder ? holder->As<ast::PipelineDecl>() : nullptr) {
        for (const auto& statement : pipeline->statements) {
          if (statement.kind == ast::Statement::Kind::Binding && statement.name.text == name) {
            return fmt::format("pipeline `{}` already has a step `{}` (line {})", pipeline->name.text, name,
                               LineOf(analysis, statement.name.range));
          }
        }
      }
      return "";
    case SymbolKind::Port:
      if (name == "errors" || name == "done") return fmt::format("`{}` is a port of every step", name);
      for (const StepScope& scope : analysis.Scopes()) {
        if (!scope.op || scope.op->kind != ast::OpKind::Route || !Holds(scope.range, symbol.name_range)) continue;
        for (const auto& branch : scope.op->branches) {
          if (branch.name.text == name) return fmt::format("the route already has a branch `{}`", name);
        }
      }
      return "";
    default:
      return "";
  }
}

Json PrepareRename(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  Target target = TargetAt(*analysis, Server::OffsetOf(*analysis, params));
  if (!target.occurrence) return nullptr;
  const Symbol& symbol = analysis->Symbols()[static_cast<size_t>(target.occurrence->symbol)];
  return Json{{"range", analysis->Range(target.occurrence->range)}, {"placeholder", symbol.name}};
}

Json Rename(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  const Json& new_name_json = params.contains("newName") ? params["newName"] : Json();
  if (!new_name_json.is_string()) throw RequestError(ErrorCode::kInvalidParams, "`newName` must be a string");
  std::string name = new_name_json.get<std::string>();
  // A name typed with its backticks means the name inside them.
  if (name.size() >= 2 && name.front() == '`' && name.back() == '`') name = name.substr(1, name.size() - 2);
  if (name.empty() || name.find_first_of("`\n\r") != std::string::npos) {
    throw RequestError(ErrorCode::kRequestFailed, fmt::format("`{}` cannot be a name (empty, or with a backtick or a newline)", name));
  }
  Target target = TargetAt(*analysis, Server::OffsetOf(*analysis, params));
  if (!target.occurrence) throw RequestError(ErrorCode::kRequestFailed, target.refusal);
  int id = target.occurrence->symbol;
  const Symbol& symbol = analysis->Symbols()[static_cast<size_t>(id)];
  Json changes = Json::object();
  if (name == symbol.name) return Json{{"changes", changes}};
  std::string clash = Clash(*analysis, id, name);
  if (!clash.empty()) throw RequestError(ErrorCode::kRequestFailed, "cannot rename `" + symbol.name + "`: " + clash);
  for (const FoundName& found : FindSymbolNames(&server.GetWorkspace(), *analysis, id)) {
    // A record key written as a string keeps being one; other names get backticks when needed.
    std::string text = found.quote == '"' ? format::QuoteString(name) : format::NameText(name);
    if (!changes.contains(found.uri)) changes[found.uri] = Json::array();
    changes[found.uri].push_back(Json{{"range", found.quote ? found.quoted_range : found.range}, {"newText", text}});
  }
  return Json{{"changes", changes}};
}

}  // namespace

void RegisterRename(Server& server) {
  server.Capabilities()["renameProvider"] = Json{{"prepareProvider", true}};
  server.OnRequest("textDocument/prepareRename", [&server](const Json& params) { return PrepareRename(server, params); });
  server.OnRequest("textDocument/rename", [&server](const Json& params) { return Rename(server, params); });
}

}  // namespace etl::lsp
