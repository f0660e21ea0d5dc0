// One compiled document and what the LSP features ask of it: the checked program (the
// compiler's own phases, on the editor's unsaved text), an index of every named thing it
// defines or uses (symbols and their occurrences, resolved across imports), the step
// scopes that tell which record flows where, and position conversions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/sema/program.h"
#include "lsp/text.h"
#include "stdlib/spec.h"

namespace etl::lsp {

// What a symbol is.
enum class SymbolKind {
  Schema,        // decl: SchemaDecl
  Field,         // a schema field (container: the schema) or a field a step defines
                 // (derive/select/aggregate/rename/explode; container: the step)
  Const,         // decl: ConstDecl
  Fn,            // decl: FnDecl
  FnParam,       // a parameter of a user fn (container: the fn)
  Param,         // decl: ParamDecl (a run-time `param`)
  Pipeline,      // decl: PipelineDecl
  Step,          // a binding `name = chain` of a pipeline (container: the pipeline)
  Port,          // a route branch `step.name` (container: the step)
  Import,        // decl: ImportDecl (its alias; a path-only import has no name)
  Test,          // decl: TestDecl
  Function,      // a stdlib function (function_spec); no definition in any file
  StdlibStep,    // a stdlib source/transform/sink/trigger/window (step_spec)
  StdlibParam,   // a parameter of a stdlib step or function (param_spec; container: its owner)
};
std::string_view Spelling(SymbolKind kind);

// A named thing. Symbols are unique per definition (two steps named `clean` in two
// pipelines are two symbols); stdlib symbols have no source range.
struct Symbol {
  SymbolKind kind = SymbolKind::Schema;
  std::string name;
  std::string container;           // see SymbolKind
  diag::SourceRange name_range;    // where the name is defined; invalid for stdlib symbols
  diag::SourceRange decl_range;    // the whole definition (document symbols, folding)
  ast::TypeRef type;               // Field/Const/Param/FnParam: its type; Fn: its result;
                                   // Step: the record it outputs; Port: the port's record
  std::string doc;                 // `///` doc comment (decls, schema fields)
  const ast::Decl* decl = nullptr;
  const ast::Statement* statement = nullptr;   // Step
  const stdlib::StepSpec* step_spec = nullptr;          // StdlibStep, StdlibParam of a step
  const stdlib::FunctionSpec* function_spec = nullptr;  // Function, StdlibParam of a function
  const stdlib::ParamSpec* param_spec = nullptr;        // StdlibParam
};

// One place where a symbol's name is written: its definition or a use.
struct Occurrence {
  diag::SourceRange range;  // the name as written (without backticks' surroundings)
  int symbol = -1;          // index into Analysis::symbols
  bool definition = false;
  ast::TypeRef type;        // the type at this place (a field narrowed by `filter x is not null`)
};

// A part of a pipeline where expressions see one record: the head of a chain (no input)
// or one `| op` (its input; a join also sees its right side).
struct StepScope {
  diag::SourceRange range;
  const ast::PipelineDecl* pipeline = nullptr;
  const ast::Statement* statement = nullptr;
  const ast::Op* op = nullptr;  // null: the chain's head
  ast::TypeRef input;           // null for a head
  ast::TypeRef right;           // join: the right side
  ast::TypeRef output;          // what leaves it on the main port
  std::string step;             // the binding's name; empty for a flow
};

// A compiled document with its index. Immutable once built; shared by the requests that
// read it until the next edit.
class Analysis {
 public:
  // Compiles `path` with `reader` (which prefers the editor's open buffers) and indexes it.
  // `file` is the document's text as the editor has it (the root of the program).
  static std::shared_ptr<const Analysis> Build(const std::string& uri, const std::string& path, int version,
                                               const sema::FileReader& reader, PositionEncoding encoding);

  const std::string& Uri() const { return uri_; }
  int Version() const { return version_; }
  PositionEncoding Encoding() const { return encoding_; }
  const sema::Program& Program() const { return *program_; }
  // The document's own file (the program's root); kNoFile when it could not be read.
  diag::FileId File() const { return file_; }
  const ast::Module* Module() const;
  std::string_view Text() const;

  const std::vector<Symbol>& Symbols() const { return symbols_; }
  // Every occurrence, in (file, begin) order.
  const std::vector<Occurrence>& Occurrences() const { return occurrences_; }
  const std::vector<StepScope>& Scopes() const { return scopes_; }

  // The occurrence whose range holds `offset` in the document (its end counts, so a cursor
  // right after a name finds it); nullptr when there is none.
  const Occurrence* OccurrenceAt(uint32_t offset) const;
  // Every occurrence of `symbol` in this program (any file), definition first.
  std::vector<const Occurrence*> OccurrencesOf(int symbol) const;
  // The symbol defined at `name_range`, or -1.
  int SymbolDefinedAt(const diag::SourceRange& name_range) const;
  // The innermost step scope holding `offset`, or nullptr.
  const StepScope* ScopeAt(uint32_t offset) const;
  // The innermost expression of the document holding `offset`, or nullptr.
  const ast::Expr* ExprAt(uint32_t offset) const;
  // The innermost user fn whose body holds `offset`, or nullptr.
  const ast::FnDecl* FnAt(uint32_t offset) const;
  // Every declaration visible by name in the document: its own, and those of its imports
  // (an aliased import's as `alias.name`).
  const std::map<std::string, const ast::Decl*>& VisibleDecls() const { return visible_; }

  // Position conversions in the negotiated encoding, for any file of the program.
  uint32_t Offset(Position position) const;  // in the document
  Json Range(const diag::SourceRange& range) const;           // {start, end}
  Json Location(const diag::SourceRange& range) const;        // {uri, range}
  std::string UriOf(diag::FileId file) const;

 private:
  friend class Indexer;
  const LineIndex& LinesOf(diag::FileId file) const;

  std::string uri_;
  int version_ = 0;
  PositionEncoding encoding_ = PositionEncoding::Utf16;
  std::unique_ptr<sema::Program> program_;
  diag::FileId file_ = diag::kNoFile;
  std::vector<Symbol> symbols_;
  std::vector<Occurrence> occurrences_;
  std::vector<StepScope> scopes_;
  std::vector<const ast::Expr*> exprs_;  // every expression of the document
  std::vector<const ast::FnDecl*> fns_;
  std::map<std::string, const ast::Decl*> visible_;
  mutable std::map<diag::FileId, LineIndex> lines_;
};

// The markdown of a type for hovers: `int?`, and a record as a field table.
std::string TypeToMarkdown(const ast::TypeRef& type);

}  // namespace etl::lsp
