// Internal to compiler/sema: the checker's state shared by its parts (declarations,
// expressions, pipelines, tests). Not a public header: use compiler/sema/program.h.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/sema/program.h"
#include "stdlib/spec.h"

namespace etl::sema {

using ast::TypeRef;

// The names one module sees: its own declarations, then those of files it imports
// without an alias (not transitively); `alias.name` for `import "..." as alias`.
struct ModuleScope {
  const ast::Module* module = nullptr;
  std::map<std::string, ast::Decl*> own;
  std::vector<const ModuleScope*> unqualified;
  std::map<std::string, const ModuleScope*> aliases;

  ast::Decl* Lookup(const std::string& name) const;
  // Every visible name (for "did you mean").
  std::vector<std::string> Names() const;
};

// Where an expression is checked, and what its names may refer to.
struct ExprEnv {
  enum class Mode {
    Row,        // inside a step: fields of the input record
    Const,      // const initialisers, schema defaults, param defaults: constants only
    Arg,        // step arguments: constants, params, env(), secret(); no fields
    FnBody,     // fn bodies: fn parameters, consts, params
    Aggregate,  // aggregate outputs: fields only inside aggregate calls, keys outside
    Test,       // test expectations: step names denote lists of their records
  };
  Mode mode = Mode::Row;
  const ModuleScope* scope = nullptr;
  TypeRef input;             // Row/Aggregate: the record flowing in
  std::string input_what;    // "the input of `filter`", for notes
  TypeRef right;             // Join condition: the right side's record
  std::string right_name;    // ... and the name it is referred to by
  std::string left_name;     // Join: the head step name, usable as a qualifier
  const ast::FnDecl* fn = nullptr;  // FnBody
  const std::vector<ast::Field>* keys = nullptr;  // Aggregate: key fields
  std::map<std::string, TypeRef> test_streams;    // Test: "step" / "step.port" -> list<record>
  std::set<std::string> test_steps;               // Test: step names
};

// A pipeline's steps as seen by the checker: binding -> its output ports.
struct StepInfo {
  ast::Statement* statement = nullptr;
  TypeRef main;                            // main output (null for a route)
  std::map<std::string, TypeRef> ports;    // route branches, "errors", "done" for sinks
  bool is_sink = false;
  bool checked = false;
  bool checking = false;
  bool used = false;
};

struct PipelineInfo {
  ast::PipelineDecl* decl = nullptr;
  std::map<std::string, StepInfo> steps;
};

class Checker {
 public:
  explicit Checker(Program& program);
  void Run();

  // ---- declarations (check.cpp)
  TypeRef ResolveType(ast::TypeExpr& type, const ModuleScope& scope);
  TypeRef SchemaType(ast::SchemaDecl& schema);
  TypeRef ConstType(ast::ConstDecl& decl);
  TypeRef ParamType(ast::ParamDecl& decl);
  TypeRef FnResult(ast::FnDecl& decl);
  const ModuleScope& ScopeOf(const ast::Decl& decl) const;
  // Whether `name` is declared in a file whose declaration of it failed to parse.
  bool DeclaredButBroken(const std::string& name) const;

  // ---- expressions (expr_checker.cpp)
  TypeRef Check(ast::Expr& expr, const ExprEnv& env);
  // Checks `expr` and requires it to fit `want`; reports E0300/E0301 mentioning `what`.
  TypeRef CheckAs(ast::Expr& expr, const TypeRef& want, const ExprEnv& env, const std::string& what);
  // Checks a condition: `bool`, non-null (E0303 / E0301).
  void CheckCondition(ast::Expr& expr, const ExprEnv& env, const std::string& what);
  // The second halves of CheckAs and CheckCondition, for an expression already checked
  // (by an ExprChecker that is inside an aggregate call, say).
  TypeRef RequireFit(ast::Expr& expr, const TypeRef& have, const TypeRef& want, const std::string& what);
  void RequireCondition(ast::Expr& expr, const TypeRef& type, const std::string& what);
  // E0301 with the two standard fixes, at `expr`.
  void ReportNullable(const ast::Expr& expr, const std::string& what);

  // ---- constants (fold.cpp)
  std::optional<ast::Value> Fold(const ast::Expr& expr, std::vector<std::optional<ast::Value>>* fn_args = nullptr);

  // ---- pipelines and tests (pipeline_checker.cpp, test_checker.cpp)
  void CheckPipeline(ast::PipelineDecl& pipeline);
  // The settings of a pipeline (settings_checker.cpp).
  void CheckSettings(ast::PipelineDecl& pipeline, const ModuleScope& scope);
  void CheckTest(ast::TestDecl& test);
  // `given step = [records]`: each record against the step's output, field by field.
  void CheckGivenRecords(ast::Expr& expr, const TypeRef& record, const ExprEnv& env, const std::string& step);
  // Binds a step call against its spec; returns the main output type (Error if it failed).
  TypeRef BindStep(ast::StepCall& call, stdlib::StepKind kind, const TypeRef& input, const ModuleScope& scope,
                   const ExprEnv* row_env = nullptr);

  diag::Diagnostic& Report(diag::Code code, diag::SourceRange range, std::string message) {
    return program_.diagnostics.Report(code, range, std::move(message));
  }
  std::string Text(diag::SourceRange range) const { return std::string(program_.sources.Text(range)); }

  Program& program_;
  std::vector<ModuleScope> scopes_;               // parallel to program_.modules
  std::map<const ast::Decl*, size_t> decl_module_;
  std::map<const ast::Decl*, int> state_;         // 0 unvisited, 1 in progress, 2 done
  std::map<std::string, PipelineInfo> pipelines_;  // by name, root module and imports
  std::set<const ast::Decl*> used_decls_;
};

// A type in backticks, as messages show it: `int?`.
inline std::string Quoted(const TypeRef& type) { return "`" + ast::ToString(type) + "`"; }
inline bool IsKind(const TypeRef& type, ast::TypeKind kind) { return type && type->kind == kind; }

// Narrowing: the field names that a filter predicate proves non-null
// (`x is not null`, `x != null`, and conjunctions of them).
std::set<std::string> NonNullFields(const ast::Expr& predicate);

}  // namespace etl::sema
