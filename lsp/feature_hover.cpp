// textDocument/hover: what the word under the cursor is, in markdown. A named thing (an
// Occurrence of the index) shows its declaration and doc; an op keyword or a chain head
// shows the records flowing in and out; any other expression shows its type.
#include <fmt/format.h>

#include "lsp/features.h"
#include "lsp/spec_markdown.h"

namespace etl::lsp {

namespace {

bool Inside(const diag::SourceRange& outer, const diag::SourceRange& inner) {
  return outer.Valid() && outer.file == inner.file && outer.begin <= inner.begin && inner.end <= outer.end;
}

class Hoverer {
 public:
  explicit Hoverer(const Analysis& analysis) : a_(analysis) {}

  Json At(uint32_t offset) {
    if (const Occurrence* occurrence = a_.OccurrenceAt(offset)) {
      const Symbol& symbol = a_.Symbols().at(static_cast<size_t>(occurrence->symbol));
      std::string text = OfSymbol(symbol, *occurrence);
      if (!text.empty()) return Answer(text, occurrence->range);
    }
    if (const StepScope* scope = OpKeywordAt(offset)) {
      return Answer(OfScope(*scope), scope->op ? scope->op->keyword_range : HeadKeyword(*scope));
    }
    if (const ast::Expr* expr = a_.ExprAt(offset)) {
      std::string text = OfExpr(*expr);
      if (!text.empty()) return Answer(text, expr->name_range.Valid() && Contains(expr->name_range, offset) ? expr->name_range : expr->range);
    }
    return nullptr;
  }

 private:
  static bool Contains(const diag::SourceRange& range, uint32_t offset) {
    return range.Valid() && range.begin <= offset && offset <= range.end;
  }

  Json Answer(const std::string& markdown, const diag::SourceRange& range) const {
    return Json{{"contents", {{"kind", "markdown"}, {"value", markdown}}}, {"range", a_.Range(range)}};
  }

  std::string_view FileText(diag::FileId file) const {
    return file < a_.Program().sources.Count() ? a_.Program().sources.File(file).Text() : std::string_view();
  }

  // ------------------------------------------------------------ named things

  std::string OfSymbol(const Symbol& s, const Occurrence& o) {
    switch (s.kind) {
      case SymbolKind::Schema:
        if (const auto* schema = s.decl ? s.decl->As<ast::SchemaDecl>() : nullptr) return SchemaMarkdown(*schema, FileText(s.decl->range.file));
        return "";
      case SymbolKind::Field: return OfField(s, o);
      case SymbolKind::Const: {
        const auto* c = s.decl->As<ast::ConstDecl>();
        std::string code = "const " + s.name + ": " + TypeText(c->resolved_type);
        if (c->folded) code += "\n  = " + ast::ToLiteral(*c->folded);
        return CodeAndDoc(code, s.doc);
      }
      case SymbolKind::Param: {
        const auto* p = s.decl->As<ast::ParamDecl>();
        std::string code = "param " + s.name + ": " + TypeText(p->resolved_type);
        if (p->default_folded) code += " = " + ast::ToLiteral(*p->default_folded);
        std::string doc = s.doc;
        doc += std::string(doc.empty() ? "" : "\n\n") + "Run-time parameter: `--param " + s.name + "=…` or env `ETL_PARAM_" +
               Upper(s.name) + "`" + (p->default_value ? "." : " (required).");
        return CodeAndDoc(code, doc);
      }
      case SymbolKind::Fn: return CodeAndDoc(FnSignature(*s.decl->As<ast::FnDecl>()), s.doc);
      case SymbolKind::FnParam: return CodeAndDoc(s.name + ": " + TypeText(s.type), "Parameter of `fn " + s.container + "`.");
      case SymbolKind::Pipeline: return OfPipeline(s);
      case SymbolKind::Step: return OfStep(s, o);
      case SymbolKind::Port:
        return CodeAndDoc("port " + s.container + "." + s.name,
                          "A `route` branch of `" + s.container + "`: the records its condition picks.\n\n" + RecordTable(s.type));
      case SymbolKind::Import: {
        const auto* import = s.decl->As<ast::ImportDecl>();
        std::string doc = "Its members are written `" + s.name + ".name`.";
        if (const ast::Module* module = a_.Program().ModuleOf(import->resolved_file)) {
          doc += "\n\n";
          for (const auto& decl : module->decls) {
            if (!decl->name.Empty() && decl->kind != ast::DeclKind::Import) {
              doc += fmt::format("- {} `{}`\n", ast::Spelling(decl->kind), decl->name.text);
            }
          }
        }
        return CodeAndDoc("import \"" + import->path + "\" as " + s.name, doc);
      }
      case SymbolKind::Test: return CodeAndDoc("test \"" + s.name + "\"", "");
      case SymbolKind::Function: return s.function_spec ? FunctionMarkdown(*s.function_spec) : "";
      case SymbolKind::StdlibStep: return s.step_spec ? StepMarkdown(*s.step_spec) : "";
      case SymbolKind::StdlibParam: return s.param_spec ? StdlibParamMarkdown(*s.param_spec, s.container) : "";
    }
    return "";
  }

  static std::string Upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  }

  std::string OfField(const Symbol& s, const Occurrence& o) {
    ast::TypeRef type = o.type ? o.type : s.type;
    std::string code = SourceName(s.name) + ": " + TypeText(type);
    std::string origin;
    // A schema field (its definition lies in the schema), or one a step defines.
    for (const auto& other : a_.Symbols()) {
      if (other.kind == SymbolKind::Schema && Inside(other.decl_range, s.name_range)) {
        origin = "Field of schema `" + other.name + "`";
        break;
      }
    }
    if (origin.empty()) {
      std::string op;
      for (const auto& scope : a_.Scopes()) {
        if (scope.op && Inside(scope.range, s.name_range)) op = std::string(ast::Spelling(scope.op->kind));
      }
      origin = "Defined by " + (op.empty() ? std::string("a step") : "`" + op + "`") +
               (s.container.empty() ? "" : " in step `" + s.container + "`");
    }
    if (s.type && type && !ast::SameType(s.type, type)) origin += fmt::format(" (declared `{}`, narrowed here)", TypeText(s.type));
    return CodeAndDoc(code, origin + "." + (s.doc.empty() ? "" : "\n\n" + s.doc));
  }

  std::string OfPipeline(const Symbol& s) {
    std::string doc = s.doc;
    const auto* pipeline = s.decl ? s.decl->As<ast::PipelineDecl>() : nullptr;
    if (pipeline) {
      std::string steps;
      for (const auto& statement : pipeline->statements) {
        if (statement.kind != ast::Statement::Kind::Binding) continue;
        const ast::Chain& chain = statement.chain;
        ast::TypeRef out = chain.ops.empty() ? chain.head.output_type : chain.ops.back().output_type;
        steps += "- `" + statement.name.text + "`: `" + RecordLine(out, 80) + "`\n";
      }
      if (!steps.empty()) doc += std::string(doc.empty() ? "" : "\n\n") + "**Steps**\n\n" + steps;
    }
    return CodeAndDoc("pipeline " + s.name, doc);
  }

  // A step: what flows into its chain's first op (or from its head) and what leaves it.
  std::string OfStep(const Symbol& s, const Occurrence& o) {
    std::string doc;
    if (o.definition && s.statement) {
      const ast::Chain& chain = s.statement->chain;
      if (!chain.ops.empty()) doc += "**In** (from its head)\n\n" + RecordTable(chain.head.output_type) + "\n";
    }
    doc += "**Out**\n\n" + RecordTable(s.type);
    bool named = s.type && s.type->kind == ast::TypeKind::Record && !s.type->name.empty();
    return CodeAndDoc("step " + s.name + ": " + (named ? s.type->name : RecordLine(s.type, 80)), doc);
  }

  // ------------------------------------------------------------ ops and heads

  const StepScope* OpKeywordAt(uint32_t offset) const {
    for (const auto& scope : a_.Scopes()) {
      if (scope.range.file != a_.File()) continue;
      if (scope.op ? Contains(scope.op->keyword_range, offset) : Contains(HeadKeyword(scope), offset)) return &scope;
    }
    return nullptr;
  }

  // `from` / `union` of a chain head (a step reference head is an occurrence of its step).
  diag::SourceRange HeadKeyword(const StepScope& scope) const {
    if (scope.op || !scope.statement) return {};
    const ast::Head& head = scope.statement->chain.head;
    if (head.kind == ast::Head::Kind::Ref) return {};
    uint32_t length = head.kind == ast::Head::Kind::From ? 4 : 5;
    return diag::SourceRange{head.range.file, head.range.begin, head.range.begin + length};
  }

  static std::string Named(const ast::TypeRef& type) {
    return type && type->kind == ast::TypeKind::Record && !type->name.empty() ? " `" + type->name + "`" : "";
  }

  // What leaves an op, next to what came in: "same as In", or the fields with what changed.
  static std::string OutTable(const ast::TypeRef& in, const ast::TypeRef& out) {
    if (!in || !out || in->kind != ast::TypeKind::Record || out->kind != ast::TypeKind::Record) return RecordTable(out);
    if (ast::SameType(in, out)) return "Same as **In**.";
    std::string table = "| field | type | |\n|---|---|---|\n";
    for (const auto& field : out->fields) {
      const ast::Field* before = in->FindField(field.name);
      std::string change = !before ? "new" : ast::SameType(before->type, field.type) ? "" : "was `" + TypeText(before->type) + "`";
      table += "| `" + SourceName(field.name) + "` | `" + TypeText(field.type) + "` | " + change + " |\n";
    }
    std::string removed;
    for (const auto& field : in->fields) {
      if (!out->FindField(field.name)) removed += (removed.empty() ? "" : ", ") + ("`" + SourceName(field.name) + "`");
    }
    if (!removed.empty()) table += "\nRemoved: " + removed + "\n";
    return table;
  }

  std::string OfScope(const StepScope& scope) const {
    std::string where = scope.step.empty() ? "" : " (step `" + scope.step + "`)";
    if (!scope.op) {
      return CodeAndDoc(std::string(scope.statement->chain.head.kind == ast::Head::Kind::From ? "from" : "union") + where,
                        "**Out**" + Named(scope.output) + "\n\n" + RecordTable(scope.output));
    }
    std::string doc = "**In**" + Named(scope.input) + "\n\n" + RecordTable(scope.input) + "\n";
    if (scope.op->kind == ast::OpKind::Join) doc += "**Right side**" + Named(scope.right) + "\n\n" + RecordTable(scope.right) + "\n";
    if (scope.op->kind == ast::OpKind::Into) {
      doc += "**Out** (the sink's `done` port)\n\n" + RecordTable(scope.output);
    } else {
      doc += "**Out**" + Named(scope.output) + "\n\n" + OutTable(scope.op->kind == ast::OpKind::Join ? nullptr : scope.input, scope.output);
    }
    return CodeAndDoc(std::string(ast::Spelling(scope.op->kind)) + where, doc);
  }

  // ------------------------------------------------------------ expressions

  std::string OfExpr(const ast::Expr& e) const {
    if (ast::IsError(e.type)) return "";  // the diagnostic says what is wrong; `<error>` would not
    std::string text;
    for (char c : SourceText(a_.Text(), e.range)) {
      bool blank = c == '\n' || c == ' ' || c == '\t' || c == '\r';
      if (!blank || (!text.empty() && text.back() != ' ')) text += blank ? ' ' : c;
    }
    if (text.size() > 60) text = text.substr(0, 57) + "…";
    if (e.type->kind == ast::TypeKind::Record) return CodeAndDoc(text, RecordTable(e.type));
    return CodeAndDoc(text + ": " + TypeText(e.type), "");
  }

  const Analysis& a_;
};

}  // namespace

void RegisterHover(Server& server) {
  server.Capabilities()["hoverProvider"] = true;
  server.OnRequest("textDocument/hover", [&server](const Json& params) -> Json {
    auto analysis = server.DocumentAnalysis(params);
    return Hoverer(*analysis).At(Server::OffsetOf(*analysis, params));
  });
}

}  // namespace etl::lsp
