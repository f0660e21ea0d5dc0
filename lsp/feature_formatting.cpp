// Formatting: the code of `etlc fmt` (compiler/format). The document is parsed afresh
// (sema annotates the analysis's tree, e.g. names bare aggregate keys, which the printer
// must not see); a document with syntax errors gets no edits, never a half-formatted
// file. The answer is one edit replacing the whole document, or none when it is already
// formatted: the formatter reprints everything, and a client applies one edit atomically.
#include "compiler/format/formatter.h"
#include "compiler/syntax/parser.h"
#include "lsp/features.h"

namespace etl::lsp {

namespace {

Json Format(Server& server, const Json& params) {
  auto analysis = server.DocumentAnalysis(params);
  std::string text(analysis->Text());
  diag::SourceManager sources;
  diag::Diagnostics diagnostics;
  diag::FileId file = sources.Add(Workspace::PathOf(analysis->Uri()), text);
  std::unique_ptr<ast::Module> module = syntax::ParseModule(sources, file, diagnostics);
  Json edits = Json::array();
  if (!module || module->has_syntax_errors || diagnostics.HasErrors()) return edits;
  std::string formatted = format::FormatModule(*module, sources);
  if (formatted == text) return edits;
  LineIndex lines(text);
  Json range{{"start", PositionToJson({0, 0})},
             {"end", PositionToJson(lines.PositionOf(text, static_cast<uint32_t>(text.size()), analysis->Encoding()))}};
  edits.push_back(Json{{"range", range}, {"newText", formatted}});
  return edits;
}

}  // namespace

void RegisterFormatting(Server& server) {
  server.Capabilities()["documentFormattingProvider"] = true;
  server.OnRequest("textDocument/formatting", [&server](const Json& params) { return Format(server, params); });
}

}  // namespace etl::lsp
