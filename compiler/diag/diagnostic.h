// Diagnostics: what the compiler found, separate from how it is shown (text, JSON, LSP).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diag/source.h"

namespace etl::diag {

// How bad a diagnostic is.
enum class Level { Error, Warning, Note };

// Every diagnostic kind (compiler/diag/codes.def).
enum class Code {
#define ETL_DIAG(name, code, level, title) name,
#include "compiler/diag/codes.def"
#undef ETL_DIAG
};

// Static facts about a code: its stable text ("E0203"), default level and title.
struct CodeInfo {
  Code code;
  std::string_view id;
  Level level;
  std::string_view title;
};

const CodeInfo& Info(Code code);
// All codes in declaration order.
const std::vector<CodeInfo>& AllCodes();
std::string_view LevelName(Level level);

// A secondary location or a plain note ("did you mean `amount`?").
struct Note {
  std::string message;
  SourceRange range;  // may be invalid: a note without a location
};

// A machine-applicable edit (LSP code actions use these).
struct Fix {
  std::string title;  // "replace with `amount`"
  SourceRange range;
  std::string replacement;
};

// One finding.
struct Diagnostic {
  Code code;
  Level level;
  std::string message;
  SourceRange range;
  std::vector<Note> notes;
  std::vector<Fix> fixes;
};

// Collects diagnostics of a compilation, in emission order.
class Diagnostics {
 public:
  // Adds a diagnostic at the code's default level; returns it so notes can be attached.
  Diagnostic& Report(Code code, SourceRange range, std::string message);
  Diagnostic& Report(Diagnostic diagnostic);

  const std::vector<Diagnostic>& All() const { return items_; }
  bool HasErrors() const { return errors_ > 0; }
  size_t ErrorCount() const { return errors_; }
  size_t WarningCount() const { return items_.size() - errors_; }
  // Sorts by file, then position; stable for equal positions.
  void Sort();
  // Drops the diagnostics for which `drop` is true (keeps the counts right).
  void RemoveIf(const std::function<bool(const Diagnostic&)>& drop);

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

// The closest candidates to `wanted` (edit distance), best first; empty if none is close.
std::vector<std::string> ClosestNames(std::string_view wanted, const std::vector<std::string>& candidates,
                                      size_t max_results = 1);

// Adds "did you mean `x`?" (with a Fix replacing `range`) when a close name exists.
void SuggestName(Diagnostic& diagnostic, std::string_view wanted, const std::vector<std::string>& candidates);

}  // namespace etl::diag
