// The formatter's printer (internal to compiler/format): writes canonical text into a buffer
// and weaves the module's comments in at member boundaries. Style: see formatter.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/source.h"

namespace etl::format {

// Lines longer than this are split where the style allows it (chains).
inline constexpr size_t kMaxWidth = 100;
// Records inside lists (rows of test data) may run wider before they break into one field
// per line, so such data stays a table.
inline constexpr size_t kMaxRowWidth = 160;
// One indentation step.
inline constexpr int kIndent = 2;

// Expression precedence, loosest first (language.md §5).
enum Prec : int { kIf = 0, kOr, kAnd, kNot, kCmp, kCoalesce, kAdd, kMul, kNeg, kPostfix, kPrimary };

// Prints one module; one object per FormatModule call.
class Printer {
 public:
  Printer(const ast::Module& module, const diag::SourceManager& sources);
  // The canonical text of the whole module.
  std::string PrintModule();

 private:
  // ---- output, comments and blank lines (printer.cpp)
  void Write(std::string_view text);
  void WriteIndent(int indent);
  void EndLine();
  bool AtLineStart() const { return out_.empty() || out_.back() == '\n'; }
  // Emits every pending comment that starts before `limit`: trailing ones at the end of the
  // last line, own-line ones on their own lines at `indent`.
  void FlushComments(uint32_t limit, int indent);
  // Starts a member line: flushes comments before it, keeps one blank line if the source
  // had one (and `allow_blank`), writes the indentation.
  void BeginItem(diag::SourceRange range, int indent, bool allow_blank = true);
  // Ends a member line.
  void EndItem(diag::SourceRange range);
  // Writes ` {`, the members, and `}` (or ` {}` for an empty block without comments).
  void Block(diag::SourceRange owner, int indent, size_t count,
             const std::function<diag::SourceRange(size_t)>& range_of,
             const std::function<void(size_t)>& print_member);
  // For runs of members not separated by blank lines, the widest key (npos = not aligned).
  std::vector<size_t> AlignRuns(const std::vector<diag::SourceRange>& ranges,
                                const std::vector<size_t>& widths) const;
  bool BlankBetween(uint32_t begin, uint32_t end) const;
  bool HasCommentIn(uint32_t begin, uint32_t end) const;
  // The first offset in `range` that is neither whitespace nor a comment.
  uint32_t CodeStart(diag::SourceRange range) const;
  std::string_view Source(diag::SourceRange range) const;
  // The tokens of `range` (whitespace and comments skipped; strings are one token).
  std::vector<std::string_view> Tokens(diag::SourceRange range) const;
  // Runs `print` on a scratch buffer, without touching comments, and returns its text.
  std::string Measure(const std::function<void()>& print);

  // ---- names, literals, types, expressions (print_expr.cpp)
  void PrintName(const ast::Name& name);
  // How many columns PrintName(name) takes (alignment).
  size_t NameWidth(const ast::Name& name);
  void PrintName(std::string_view text, diag::SourceRange range);
  void PrintQualified(const ast::QualifiedName& name);
  void PrintType(const ast::TypeExpr& type);
  void PrintFieldDecl(const ast::FieldDecl& field, size_t key_width, int indent);
  void PrintExpr(const ast::Expr& expr, int indent, int min_prec = kIf);
  void PrintExprBare(const ast::Expr& expr, int indent);
  void PrintLiteral(const ast::Expr& expr);
  void PrintList(const ast::Expr& expr, int indent);
  void PrintListItems(const ast::Expr& expr, int indent, bool multi_line);
  void PrintRecord(const ast::Expr& expr, int indent);
  void PrintMatch(const ast::Expr& expr, int indent);
  void PrintArgs(const std::vector<ast::Argument>& args, int indent);
  void PrintCall(const ast::StepCall& call, int indent);
  void PrintStringToken(diag::SourceRange range, std::string_view decoded);
  std::string DurationText(diag::SourceRange range, int64_t micros, bool last) const;
  std::string NumberText(diag::SourceRange range, int64_t value, int token_index) const;

  // ---- declarations (print_decl.cpp)
  void PrintDecl(const ast::Decl& decl);
  void PrintTestItem(const ast::TestItem& item, int indent);

  // ---- pipelines (print_pipeline.cpp)
  struct ChainPlan {
    bool single_line = true;
    size_t head_width = 0;
  };
  void PrintPipeline(const ast::PipelineDecl& pipeline);
  ChainPlan PlanChain(const ast::Statement& statement, int indent);
  void PrintChain(const ast::Statement& statement, int indent, const ChainPlan& plan, size_t head_pad);
  void PrintHead(const ast::Head& head, int indent);
  void PrintStreamRef(const ast::StreamRef& ref);
  void PrintOp(const ast::Op& op, int indent);
  void PrintAssignment(const ast::Assignment& item, size_t name_width, int indent);
  void PrintAssignments(const std::vector<ast::Assignment>& items, int indent);
  // `derive`/`select` items: on the keyword's line, or one per line when long or commented.
  void PrintAssignmentList(std::string_view keyword, const std::vector<ast::Assignment>& items, int indent);
  void PrintSetting(const ast::Setting& setting, int indent);

  const ast::Module& module_;
  const diag::SourceManager& sources_;
  std::string_view text_;                      // the module's source text
  std::vector<const ast::Comment*> comments_;  // sorted by position
  std::vector<bool> trailing_;                 // comments_[i] follows code on its line
  size_t next_comment_ = 0;
  std::string out_;
  uint32_t last_end_ = 0;        // source offset after the last emitted code or comment
  bool suppress_blank_ = true;   // no blank line at the start of a file or block
  bool line_has_code_ = false;   // the current output line holds code
  bool last_line_open_ = false;  // the last finished line may take a trailing comment
  bool measuring_ = false;
  int collection_depth_ = 0;  // list/record literals being printed around the current node
};

// `text` as an etl name: in backticks unless it is a plain identifier and not reserved.
std::string NameText(std::string_view text);
// `text` as a double-quoted etl string literal (for synthetic nodes without source).
std::string QuoteString(std::string_view text);
// A duration in etl syntax (`90s` -> `1m30s`).
std::string FormatDuration(int64_t micros);

}  // namespace etl::format
