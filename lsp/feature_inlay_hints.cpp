// textDocument/inlayHint: the record leaving each line of a chain, at the end of that line
// (`: {id: int, total: float, …}`, the full record in the tooltip), so the types the
// checker infers are visible while typing.
#include "lsp/features.h"
#include "lsp/spec_markdown.h"

namespace etl::lsp {

namespace {

constexpr size_t kMaxLabel = 60;  // characters of a hint's record before `…`

bool Shown(const ast::TypeRef& type) { return type && type->kind == ast::TypeKind::Record; }

// The label of a record: its schema name, all of it when short, else the fields this op
// added or changed (what the user just wrote) with the rest elided: `{…, total: float}`.
std::string Label(const ast::TypeRef& type, const ast::TypeRef& input) {
  if (!type->name.empty()) return ": " + type->name;
  std::string full = RecordLine(type);
  if (full.size() <= kMaxLabel || !Shown(input)) return ": " + RecordLine(type, kMaxLabel);
  std::vector<ast::Field> changed;
  for (const auto& field : type->fields) {
    const ast::Field* before = input->FindField(field.name);
    if (!before || !ast::SameType(before->type, field.type)) changed.push_back(field);
  }
  if (changed.empty() || changed.size() == type->fields.size()) return ": " + RecordLine(type, kMaxLabel);
  std::string tail = RecordLine(ast::RecordType(changed), kMaxLabel);
  return ": {…, " + tail.substr(1);
}

class Hinter {
 public:
  Hinter(const Analysis& analysis, uint32_t begin, uint32_t end) : a_(analysis), begin_(begin), end_(end) {}

  Json Run() {
    if (const ast::Module* module = a_.Module()) {
      for (const auto& decl : module->decls) {
        const auto* pipeline = decl->As<ast::PipelineDecl>();
        if (!pipeline || decl->range.end < begin_ || decl->range.begin > end_) continue;
        for (const auto& statement : pipeline->statements) {
          if (statement.kind != ast::Statement::Kind::Setting) Chain(statement.chain);
        }
      }
    }
    return hints_;
  }

 private:
  bool LineBreak(uint32_t from, uint32_t to) const {
    std::string_view text = a_.Text();
    if (from > to || to > text.size()) return false;
    return text.substr(from, to - from).find('\n') != std::string_view::npos;
  }

  // A hint at the end of every part of the chain that ends its line.
  void Chain(const ast::Chain& chain) {
    const auto& ops = chain.ops;
    // A head that names a step already shows that step's record on its own line.
    if (chain.head.kind != ast::Head::Kind::Ref && (ops.empty() || LineBreak(chain.head.range.end, ops[0].range.begin))) {
      Hint(chain.head.range, chain.head.output_type, nullptr);
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].kind == ast::OpKind::Into) continue;  // a sink's `done` record says little
      if (i + 1 == ops.size() || LineBreak(ops[i].range.end, ops[i + 1].range.begin)) Hint(ops[i].range, ops[i].output_type, ops[i].input_type);
    }
  }

  void Hint(const diag::SourceRange& range, const ast::TypeRef& type, const ast::TypeRef& input) {
    if (!Shown(type) || range.file != a_.File() || range.end < begin_ || range.end > end_) return;
    std::string label = Label(type, input);
    Json tooltip{{"kind", "markdown"}, {"value", RecordTable(type)}};
    hints_.push_back(Json{{"position", a_.Range(diag::SourceRange{range.file, range.end, range.end})["start"]},
                          {"label", label},
                          {"kind", 1},  // InlayHintKind.Type
                          {"paddingLeft", true},
                          {"tooltip", tooltip}});
  }

  const Analysis& a_;
  uint32_t begin_, end_;
  Json hints_ = Json::array();
};

}  // namespace

void RegisterInlayHints(Server& server) {
  server.Capabilities()["inlayHintProvider"] = true;
  server.OnRequest("textDocument/inlayHint", [&server](const Json& params) -> Json {
    auto analysis = server.DocumentAnalysis(params);
    const Json& range = params.contains("range") ? params["range"] : Json();
    std::optional<Position> start = range.is_object() && range.contains("start") ? PositionFromJson(range["start"]) : std::nullopt;
    std::optional<Position> end = range.is_object() && range.contains("end") ? PositionFromJson(range["end"]) : std::nullopt;
    if (!start || !end) throw RequestError(ErrorCode::kInvalidParams, "`range` must be {start, end}");
    return Hinter(*analysis, analysis->Offset(*start), analysis->Offset(*end)).Run();
  });
}

}  // namespace etl::lsp
