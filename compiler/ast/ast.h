// The AST of an .etl file: our own tree (no ANTLR types), a source range on every node.
// compiler/syntax builds it; compiler/sema resolves names and fills the annotations
// marked "sema:"; compiler/ir lowers the annotated tree to the plan.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/types.h"
#include "compiler/ast/value.h"
#include "compiler/diag/source.h"

namespace etl::ast {

using diag::SourceRange;

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Decl;

// An identifier as written (backticks removed), with its range.
struct Name {
  std::string text;
  SourceRange range;
  bool Empty() const { return text.empty(); }
};

// `name` or `module.name` (a member of an `import "..." as module`).
struct QualifiedName {
  std::optional<Name> module;
  Name name;
  SourceRange range;
  std::string ToString() const { return module ? module->text + "." + name.text : name.text; }
};

// ---------------------------------------------------------------- type expressions

struct FieldDecl;

// A type as written: `int?`, `list<string>`, `decimal(10, 2)`, `{a: int}`, `Order`.
struct TypeExpr {
  enum class Kind { Named, Generic, Decimal, Record };
  Kind kind = Kind::Named;
  SourceRange range;
  QualifiedName name;                             // Named, Generic (`list`, `map`)
  std::vector<std::unique_ptr<TypeExpr>> args;    // Generic
  int64_t precision = 0, scale = 0;               // Decimal
  std::vector<FieldDecl> fields;                  // Record
  bool nullable = false;
  TypeRef resolved;                               // sema: the type this denotes
};

// `name: type = default` in a schema or inline record type.
struct FieldDecl {
  Name name;
  std::unique_ptr<TypeExpr> type;
  ExprPtr default_value;  // may be null
  std::string doc;        // `///` comment above the field
  SourceRange range;
};

// ---------------------------------------------------------------- expressions

// The closed set of expression kinds.
#define ETL_EXPR_KINDS(X) \
  X(IntLit)        /* int_value */                                   \
  X(FloatLit)      /* float_value */                                 \
  X(StringLit)     /* text (decoded) or parts when interpolated */   \
  X(BoolLit)       /* bool_value */                                  \
  X(NullLit)                                                         \
  X(DurationLit)   /* int_value: microseconds */                     \
  X(DateLit)       /* int_value: days since 1970-01-01 */            \
  X(TimestampLit)  /* int_value: microseconds since epoch, UTC */    \
  X(ListLit)       /* children: elements */                          \
  X(RecordLit)     /* fields */                                      \
  X(NameRef)       /* text: the name; ref */                         \
  X(FieldAccess)   /* children[0].text; text: field; safe: `?.` */   \
  X(Index)         /* children[0][children[1]] */                    \
  X(Call)          /* children[0]: callee; args */                   \
  X(Unary)         /* unary_op children[0] */                        \
  X(Binary)        /* children[0] binary_op children[1] */           \
  X(IsNull)        /* children[0] is [not] null; negated */          \
  X(If)            /* if children[0] then children[1] else children[2] */ \
  X(Match)         /* match children[0] { arms } */                  \
  X(Paren)         /* ( children[0] ), kept for the formatter */

enum class ExprKind {
#define ETL_EXPR_ENUM(name) name,
  ETL_EXPR_KINDS(ETL_EXPR_ENUM)
#undef ETL_EXPR_ENUM
};

#define ETL_BINARY_OPS(X)                         \
  X(Or, "or") X(And, "and")                       \
  X(Eq, "==") X(Ne, "!=") X(Lt, "<") X(Le, "<=")  \
  X(Gt, ">") X(Ge, ">=") X(In, "in") X(NotIn, "not in") X(Match, "~") \
  X(Coalesce, "??")                               \
  X(Add, "+") X(Sub, "-") X(Mul, "*") X(Div, "/") X(Mod, "%")

enum class BinaryOp {
#define ETL_BINARY_ENUM(name, spelling) name,
  ETL_BINARY_OPS(ETL_BINARY_ENUM)
#undef ETL_BINARY_ENUM
};

enum class UnaryOp { Neg, Not };

std::string_view Spelling(BinaryOp op);
std::string_view Spelling(UnaryOp op);
std::string_view KindName(ExprKind kind);

// A call argument: positional (`name` empty) or named (`schema: Order`).
struct Argument {
  std::optional<Name> name;
  ExprPtr value;
  SourceRange range;
};

// `key: value` in a record literal (key may have been a string).
struct RecordFieldInit {
  Name name;
  ExprPtr value;
  SourceRange range;
};

// One piece of an interpolated string: literal text or `${expr}`.
struct StringPart {
  std::string text;  // decoded literal text when expr is null
  ExprPtr expr;
  SourceRange range;
};

// `pattern | pattern => value`; an empty pattern list with `wildcard` is `_`.
struct MatchArm {
  std::vector<ExprPtr> patterns;  // literals or const names
  bool wildcard = false;
  ExprPtr value;
  SourceRange range;
};

// What a name or field access resolved to (sema).
enum class RefKind {
  Unresolved,
  Field,        // a field of the record flowing into the step: slot, side
  Const,        // decl = ConstDecl
  Param,        // decl = ParamDecl
  Fn,           // decl = FnDecl (user function) or stdlib function (builtin = name)
  FnParam,      // a parameter of the enclosing fn: slot = its index
  Local,        // a name bound by the expression itself (none yet; reserved)
  Step,         // a step of the pipeline (in test expressions): text = step name
  Port,         // step.port (in test expressions)
  Schema,       // decl = SchemaDecl (used as a value: `schema: Order`)
  Module,       // an import alias
};

struct Ref {
  RefKind kind = RefKind::Unresolved;
  int slot = -1;    // Field: index in the input record; FnParam: parameter index
  int side = 0;     // Field in a `join ... on`: 0 = left input, 1 = right input
  const Decl* decl = nullptr;
  std::string builtin;  // Fn: name of the stdlib function when decl is null
};

// An expression. One struct for every kind (see ETL_EXPR_KINDS for which members apply).
struct Expr {
  ExprKind kind = ExprKind::NullLit;
  SourceRange range;
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  bool negated = false;  // IsNull: `is not null`
  bool safe = false;     // FieldAccess: `?.`
  std::string text;      // NameRef, FieldAccess field name, StringLit value, literal spelling
  SourceRange name_range;  // NameRef / FieldAccess: the range of the name itself
  BinaryOp binary_op = BinaryOp::Add;
  UnaryOp unary_op = UnaryOp::Neg;
  std::vector<ExprPtr> children;
  std::vector<Argument> args;             // Call
  std::vector<RecordFieldInit> fields;    // RecordLit
  std::vector<StringPart> parts;          // StringLit with interpolation (empty otherwise)
  std::vector<MatchArm> arms;             // Match
  bool raw = false;                       // StringLit written as r"..."

  TypeRef type;  // sema: the static type
  Ref ref;       // sema: NameRef / FieldAccess / Call resolution
};

// ---------------------------------------------------------------- pipelines

// One argument of a step call after binding (sema): every parameter of the spec that
// was given or has a default, in spec order.
struct BoundStepArg {
  std::string param;                 // the spec's parameter name
  const Expr* expr = nullptr;        // the argument as written; null when the default applies
  std::optional<Value> value;        // set when the argument (or default) is a constant
  TypeRef type;                      // its static type ("schema" params: the record type)
};

// A call of a stdlib step: `csv("in.csv", schema: Order)`.
struct StepCall {
  QualifiedName callee;
  std::vector<Argument> args;
  SourceRange range;
  std::string resolved;              // sema: the stdlib spec's name
  std::vector<BoundStepArg> bound;   // sema: arguments in spec order, defaults filled in
};

// `step` or `step.port`.
struct StreamRef {
  Name step;
  std::optional<Name> port;
  SourceRange range;
  std::string ToString() const { return port ? step.text + "." + port->text : step.text; }
};

// `name = expr` (derive, select, aggregate outputs and keys, given); name may be
// empty for a key or select item that is a plain expression/field.
struct Assignment {
  Name name;
  ExprPtr value;  // null for a select item that keeps a field
  SourceRange range;
};

struct RouteBranch {
  Name name;
  ExprPtr condition;  // null for `else`
  SourceRange range;
};

struct SortKey {
  ExprPtr expr;
  bool descending = false;
  SourceRange range;
};

struct ValidateRule {
  ExprPtr condition;
  std::string message;
  SourceRange message_range;
  SourceRange range;
};

struct RenameItem {
  Name from;
  Name to;
  SourceRange range;
};

#define ETL_OP_KINDS(X) \
  X(Filter, "filter")   \
  X(Derive, "derive")   \
  X(Select, "select")   \
  X(Drop, "drop")       \
  X(Rename, "rename")   \
  X(Route, "route")     \
  X(Explode, "explode") \
  X(Aggregate, "aggregate") \
  X(Dedup, "dedup")     \
  X(Sort, "sort")       \
  X(Take, "take")       \
  X(Join, "join")       \
  X(Validate, "validate") \
  X(Into, "into")       \
  X(Call, "call")

enum class OpKind {
#define ETL_OP_ENUM(name, spelling) name,
  ETL_OP_KINDS(ETL_OP_ENUM)
#undef ETL_OP_ENUM
};
std::string_view Spelling(OpKind kind);

// One `| op` of a chain. Members used per kind are noted.
struct Op {
  OpKind kind = OpKind::Filter;
  SourceRange range;
  SourceRange keyword_range;
  ExprPtr expr;                        // Filter predicate, Explode list, Join condition
  std::vector<Assignment> assignments; // Derive, Select items, Aggregate outputs
  std::vector<Assignment> keys;        // Aggregate `by`
  std::vector<Name> names;             // Drop; Explode: names[0] is the `as` name
  std::vector<RenameItem> renames;     // Rename
  std::vector<RouteBranch> branches;   // Route
  std::vector<ExprPtr> exprs;          // Dedup keys
  std::optional<int64_t> within_us;    // Dedup `within`
  std::vector<SortKey> sort_keys;      // Sort
  int64_t count = 0;                   // Take
  bool left_join = false;              // Join
  StreamRef join_with;                 // Join right side
  std::vector<ValidateRule> rules;     // Validate
  std::unique_ptr<StepCall> call;      // Into, Call, Aggregate window (`window tumbling(...)`)

  TypeRef input_type;   // sema: record flowing in (join: the left side)
  TypeRef output_type;  // sema: record flowing out on the main port (sinks: the done record)
  TypeRef right_type;   // sema: Join right side record
};

// The start of a chain: `from call`, `union(a, b)` or a step/port reference.
struct Head {
  enum class Kind { From, Union, Ref };
  Kind kind = Kind::Ref;
  std::unique_ptr<StepCall> source;  // From
  std::vector<StreamRef> refs;       // Union (several) or Ref (one)
  SourceRange range;
  TypeRef output_type;  // sema
};

// `head | op | op ...`
struct Chain {
  Head head;
  std::vector<Op> ops;
  SourceRange range;
};

#define ETL_SETTING_KINDS(X) \
  X(Schedule, "schedule")    \
  X(ScheduleEvery, "schedule every") \
  X(After, "after")          \
  X(Trigger, "on")           \
  X(Retry, "retry")          \
  X(Timeout, "timeout")      \
  X(MaxErrors, "max_errors") \
  X(Persist, "persist")      \
  X(Jit, "jit")              \
  X(Concurrency, "concurrency")

enum class SettingKind {
#define ETL_SETTING_ENUM(name, spelling) name,
  ETL_SETTING_KINDS(ETL_SETTING_ENUM)
#undef ETL_SETTING_ENUM
};
std::string_view Spelling(SettingKind kind);

// One target of `after`: a pipeline, or `any(a, b)` (OR of several).
struct AfterTarget {
  bool any = false;
  std::vector<Name> pipelines;
  SourceRange range;
};

// A pipeline setting. Members used per kind are noted.
struct Setting {
  SettingKind kind = SettingKind::Schedule;
  SourceRange range;
  std::string text;           // Schedule: cron string
  std::optional<std::string> timezone;  // Schedule `tz "Europe/Paris"`
  SourceRange text_range;
  int64_t duration_us = 0;    // ScheduleEvery, Timeout, Retry backoff
  std::optional<int64_t> backoff_us;
  int64_t number = 0;         // Retry count, MaxErrors, Concurrency
  Name mode;                  // Persist (disk|memory), Jit (on|off|auto)
  std::vector<AfterTarget> after;  // After (AND of targets)
  std::unique_ptr<StepCall> trigger;  // Trigger: file("glob"), webhook("/path"), event("x")
};

// A statement of a pipeline body.
struct Statement {
  enum class Kind { Setting, Binding, Flow };
  Kind kind = Kind::Flow;
  SourceRange range;
  Setting setting;  // Setting
  Name name;        // Binding
  Chain chain;      // Binding, Flow
};

// ---------------------------------------------------------------- tests

struct TestItem {
  enum class Kind { Given, ExpectRows, ExpectEmpty, Expect };
  Kind kind = Kind::Expect;
  SourceRange range;
  Name name;          // Given: the step replaced
  StreamRef stream;   // ExpectRows, ExpectEmpty
  ExprPtr expr;       // Given: the records; ExpectRows: the count; Expect: the condition
};

// ---------------------------------------------------------------- declarations

#define ETL_DECL_KINDS(X) \
  X(Import, "import")     \
  X(Schema, "schema")     \
  X(Const, "const")       \
  X(Fn, "fn")             \
  X(Param, "param")       \
  X(Pipeline, "pipeline") \
  X(Test, "test")

enum class DeclKind {
#define ETL_DECL_ENUM(name, spelling) name,
  ETL_DECL_KINDS(ETL_DECL_ENUM)
#undef ETL_DECL_ENUM
};
std::string_view Spelling(DeclKind kind);

// A top-level declaration; the concrete kinds derive from it.
struct Decl {
  explicit Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
  DeclKind kind;
  SourceRange range;
  Name name;        // Import: the alias (may be empty); Test: empty (see TestDecl::title)
  std::string doc;  // `///` comment lines above the declaration, joined by '\n'

  template <typename T>
  T* As() { return kind == T::kKind ? static_cast<T*>(this) : nullptr; }
  template <typename T>
  const T* As() const { return kind == T::kKind ? static_cast<const T*>(this) : nullptr; }
};

struct ImportDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::Import;
  ImportDecl() : Decl(kKind) {}
  std::string path;
  SourceRange path_range;
  diag::FileId resolved_file = diag::kNoFile;  // sema (driver loads it)
};

struct SchemaDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::Schema;
  SchemaDecl() : Decl(kKind) {}
  std::vector<FieldDecl> fields;
  TypeRef type;  // sema: the record type
};

struct ConstDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::Const;
  ConstDecl() : Decl(kKind) {}
  std::unique_ptr<TypeExpr> type;  // optional annotation
  ExprPtr value;
  TypeRef resolved_type;           // sema
  std::optional<Value> folded;     // sema: the constant's value
};

struct FnParam {
  Name name;
  std::unique_ptr<TypeExpr> type;
  SourceRange range;
};

struct FnDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::Fn;
  FnDecl() : Decl(kKind) {}
  std::vector<FnParam> params;
  std::unique_ptr<TypeExpr> result;  // optional: inferred from the body
  ExprPtr body;
  TypeRef result_type;  // sema
};

struct ParamDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::Param;
  ParamDecl() : Decl(kKind) {}
  std::unique_ptr<TypeExpr> type;
  ExprPtr default_value;  // may be null: then the parameter is required
  TypeRef resolved_type;               // sema
  std::optional<Value> default_folded; // sema: the default when it is a constant
};

struct PipelineDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::Pipeline;
  PipelineDecl() : Decl(kKind) {}
  std::vector<Statement> statements;
};

struct TestDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::Test;
  TestDecl() : Decl(kKind) {}
  std::string title;
  SourceRange title_range;
  Name pipeline;
  std::vector<TestItem> items;
};

// A comment, kept for the formatter and hover.
struct Comment {
  SourceRange range;
  std::string text;  // as written, including `//` or `/* */`
  bool doc = false;
  bool block = false;
};

// One parsed file.
struct Module {
  diag::FileId file = diag::kNoFile;
  std::vector<std::unique_ptr<Decl>> decls;
  std::vector<Comment> comments;
  bool has_syntax_errors = false;
};

}  // namespace etl::ast
