// Code actions: quick fixes for the document's diagnostics in the requested range. The
// fixes are the compiler's own (diag::Diagnostic::fixes: "did you mean" replacements,
// `?? default` for a nullable use), taken from a fresh analysis so that their ranges match
// the current text; for a nullable field the server adds `| filter x is not null` before
// the step that needs it (the compiler only says so in a note).
#include "compiler/format/printer.h"
#include "lsp/diagnostics.h"
#include "lsp/features.h"

namespace etl::lsp {

namespace {

struct Edit {
  std::string title;
  diag::SourceRange range;
  std::string text;
};

// `| filter x is not null` inserted before the op whose expression uses the nullable field
// `x`; nothing when the use is not a plain field of the op's input.
std::optional<Edit> FilterNotNull(const Analysis& analysis, const diag::Diagnostic& d) {
  if (d.code != diag::Code::NullableUse || d.range.file != analysis.File()) return std::nullopt;
  const ast::Expr* e = analysis.ExprAt(d.range.begin);
  if (!e || e->kind != ast::ExprKind::NameRef || e->ref.kind != ast::RefKind::Field || e->ref.side != 0 ||
      e->range.begin != d.range.begin || e->range.end != d.range.end) {
    return std::nullopt;
  }
  const StepScope* scope = analysis.ScopeAt(d.range.begin);
  if (!scope || !scope->op || scope->op->kind == ast::OpKind::Into || scope->op->kind == ast::OpKind::Call) {
    return std::nullopt;
  }
  std::string_view text = analysis.Text();
  uint32_t at = scope->op->range.begin;
  // The op's `|`, and whether it starts its line (then the filter gets a line of its own).
  uint32_t bar = at;
  while (bar > 0 && (text[bar - 1] == ' ' || text[bar - 1] == '\t')) --bar;
  if (bar == 0 || text[bar - 1] != '|') return std::nullopt;
  uint32_t line_start = bar - 1;
  while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
  std::string before(text.substr(line_start, bar - 1 - line_start));
  bool own_line = before.find_first_not_of(" \t") == std::string::npos;
  std::string condition = "filter " + format::NameText(e->text) + " is not null";
  std::string insert = own_line ? condition + "\n" + before + "| " : condition + " | ";
  return Edit{"add `| " + condition + "` before `" + std::string(ast::Spelling(scope->op->kind)) + "`",
              diag::SourceRange{analysis.File(), at, at}, insert};
}

bool WantsQuickFix(const Json& params) {
  const Json* context = params.contains("context") && params["context"].is_object() ? &params["context"] : nullptr;
  if (!context || !context->contains("only") || !(*context)["only"].is_array()) return true;
  for (const Json& kind : (*context)["only"]) {
    if (kind == "quickfix" || kind == "") return true;
  }
  return false;
}

Json CodeActions(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  Json actions = Json::array();
  if (!WantsQuickFix(params)) return actions;
  const Json* range = params.contains("range") && params["range"].is_object() ? &params["range"] : nullptr;
  std::optional<Position> start = range ? PositionFromJson(range->value("start", Json())) : std::nullopt;
  std::optional<Position> end = range ? PositionFromJson(range->value("end", Json())) : std::nullopt;
  if (!start || !end) throw RequestError(ErrorCode::kInvalidParams, "`range` must be {start, end}");
  uint32_t from = analysis->Offset(*start), to = analysis->Offset(*end);
  if (to < from) std::swap(from, to);
  for (const diag::Diagnostic& d : analysis->Program().diagnostics.All()) {
    if (d.range.file != analysis->File() || d.range.begin > to || d.range.end < from) continue;
    std::vector<Edit> edits;
    for (const diag::Fix& fix : d.fixes) {
      if (fix.range.file == analysis->File()) edits.push_back(Edit{fix.title, fix.range, fix.replacement});
    }
    if (auto filter = FilterNotNull(*analysis, d)) edits.push_back(*filter);
    Json diagnostic = ToLspDiagnostic(*analysis, d);
    for (size_t i = 0; i < edits.size(); ++i) {
      Json text_edit{{"range", analysis->Range(edits[i].range)}, {"newText", edits[i].text}};
      Json action{{"title", edits[i].title},
                  {"kind", "quickfix"},
                  {"diagnostics", Json::array({diagnostic})},
                  {"edit", {{"changes", {{analysis->Uri(), Json::array({text_edit})}}}}}};
      if (i == 0) action["isPreferred"] = true;  // the compiler's own fix comes first
      actions.push_back(std::move(action));
    }
  }
  return actions;
}

}  // namespace

void RegisterCodeActions(Server& server) {
  server.Capabilities()["codeActionProvider"] = Json{{"codeActionKinds", Json::array({"quickfix"})}};
  server.OnRequest("textDocument/codeAction", [&server](const Json& params) { return CodeActions(server, params); });
}

}  // namespace etl::lsp
