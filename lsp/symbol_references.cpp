#include "lsp/symbol_references.h"

#include <filesystem>
#include <set>
#include <tuple>

namespace etl::lsp {

namespace {

std::string Normal(const std::string& path) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? std::filesystem::path(path).lexically_normal().string() : canonical.string();
}

// Adds the occurrences of `symbol` in `analysis` that `seen` does not hold yet.
void Collect(const Analysis& analysis, int symbol, std::set<std::tuple<std::string, uint32_t, uint32_t>>& seen,
             std::vector<FoundName>& out) {
  const auto& sources = analysis.Program().sources;
  for (const Occurrence* o : analysis.OccurrencesOf(symbol)) {
    if (!o->range.Valid() || o->range.file >= sources.Count()) continue;
    std::string path = Normal(sources.File(o->range.file).Path());
    if (!seen.emplace(path, o->range.begin, o->range.end).second) continue;
    std::string_view text = sources.File(o->range.file).Text();
    diag::SourceRange quoted = o->range;
    char quote = 0;
    if (o->range.begin < text.size() && (text[o->range.begin] == '`' || text[o->range.begin] == '"')) {
      quote = text[o->range.begin];  // the range already holds the quotes
    } else if (o->range.begin > 0 && o->range.end < text.size() && text[o->range.begin - 1] == text[o->range.end] &&
               (text[o->range.end] == '`' || text[o->range.end] == '"')) {
      quote = text[o->range.end];
      quoted.begin -= 1;
      quoted.end += 1;
    }
    out.push_back(FoundName{analysis.UriOf(o->range.file), analysis.Range(o->range), analysis.Range(quoted), quote,
                            o->definition});
  }
}

}  // namespace

std::vector<std::shared_ptr<const Analysis>> WorkspaceAnalyses(Workspace& workspace, size_t limit) {
  std::vector<std::shared_ptr<const Analysis>> analyses;
  std::set<std::string> paths;
  for (const std::string& uri : workspace.OpenUris()) {
    if (auto a = workspace.Analyze(uri)) {
      analyses.push_back(a);
      paths.insert(Normal(Workspace::PathOf(uri)));
    }
  }
  for (const std::string& path : workspace.EtlFilesUnderRoots(limit)) {
    if (!paths.insert(Normal(path)).second) continue;
    if (auto a = workspace.Analyze(PathToUri(path))) analyses.push_back(a);
  }
  return analyses;
}

std::vector<FoundName> FindSymbolNames(Workspace* workspace, const Analysis& analysis, int symbol) {
  std::vector<FoundName> out;
  if (symbol < 0 || static_cast<size_t>(symbol) >= analysis.Symbols().size()) return out;
  std::set<std::tuple<std::string, uint32_t, uint32_t>> seen;
  Collect(analysis, symbol, seen, out);
  const Symbol& s = analysis.Symbols()[static_cast<size_t>(symbol)];
  if (!workspace || !s.name_range.Valid()) return out;
  // The same definition seen from another program: same file, same offset.
  std::string path = Normal(analysis.Program().sources.File(s.name_range.file).Path());
  for (const auto& other : WorkspaceAnalyses(*workspace)) {
    if (other.get() == &analysis || other->Uri() == analysis.Uri()) continue;
    const auto& sources = other->Program().sources;
    for (size_t f = 0; f < sources.Count(); ++f) {
      if (Normal(sources.File(static_cast<diag::FileId>(f)).Path()) != path) continue;
      diag::SourceRange at = s.name_range;
      at.file = static_cast<diag::FileId>(f);
      int id = other->SymbolDefinedAt(at);
      if (id >= 0 && other->Symbols()[static_cast<size_t>(id)].name == s.name) Collect(*other, id, seen, out);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const FoundName& x, const FoundName& y) { return x.definition > y.definition; });
  return out;
}

}  // namespace etl::lsp
