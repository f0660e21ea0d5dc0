#include "compiler/diag/diagnostic.h"

#include <algorithm>
#include <cctype>

namespace etl::diag {

const std::vector<CodeInfo>& AllCodes() {
  static const std::vector<CodeInfo> codes = {
#define ETL_DIAG(name, code, level, title) {Code::name, code, Level::level, title},
#include "compiler/diag/codes.def"
#undef ETL_DIAG
  };
  return codes;
}

const CodeInfo& Info(Code code) { return AllCodes()[static_cast<size_t>(code)]; }

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::Error: return "error";
    case Level::Warning: return "warning";
    case Level::Note: return "note";
  }
  return "error";
}

Diagnostic& Diagnostics::Report(Code code, SourceRange range, std::string message) {
  return Report(Diagnostic{code, Info(code).level, std::move(message), range, {}, {}});
}

Diagnostic& Diagnostics::Report(Diagnostic diagnostic) {
  if (diagnostic.level == Level::Error) ++errors_;
  items_.push_back(std::move(diagnostic));
  return items_.back();
}

void Diagnostics::Sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.range.file != b.range.file) return a.range.file < b.range.file;
    return a.range.begin < b.range.begin;
  });
}

void Diagnostics::RemoveIf(const std::function<bool(const Diagnostic&)>& drop) {
  std::vector<Diagnostic> kept;
  errors_ = 0;
  for (auto& d : items_) {
    if (drop(d)) continue;
    if (d.level == Level::Error) ++errors_;
    kept.push_back(std::move(d));
  }
  items_ = std::move(kept);
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      char ca = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i - 1])));
      char cb = static_cast<char>(std::tolower(static_cast<unsigned char>(b[j - 1])));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca == cb ? 0 : 1)});
      // Transposition ("amuont" -> "amount") counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev[j - 1]);
      }
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::vector<std::string> ClosestNames(std::string_view wanted, const std::vector<std::string>& candidates,
                                      size_t max_results) {
  // A name is close when at most a third of its characters differ (at least one edit).
  size_t limit = std::max<size_t>(1, (wanted.size() + 2) / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    if (candidate == wanted) continue;
    size_t distance = EditDistance(wanted, candidate);
    if (distance <= limit) scored.emplace_back(distance, candidate);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> result;
  for (auto& [distance, name] : scored) {
    if (result.size() >= max_results) break;
    if (std::find(result.begin(), result.end(), name) == result.end()) result.push_back(name);
  }
  return result;
}

void SuggestName(Diagnostic& diagnostic, std::string_view wanted, const std::vector<std::string>& candidates) {
  auto best = ClosestNames(wanted, candidates);
  if (best.empty()) return;
  diagnostic.notes.push_back({"did you mean `" + best[0] + "`?", {}});
  diagnostic.fixes.push_back({"replace with `" + best[0] + "`", diagnostic.range, best[0]});
}

}  // namespace etl::diag
