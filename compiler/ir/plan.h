// The plan IR: one DAG per pipeline, with typed ports and lowered expressions. The runtime
// executes it; `etlc compile` writes it as JSON (docs/spec/plan.md), other tools may
// produce or consume it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ir/expr.h"

namespace etl::ir {

// The plan JSON format version this build writes (and the newest it reads).
inline constexpr int kPlanVersion = 1;

// Standard port names.
inline constexpr std::string_view kInPort = "in";        // the input of one-input nodes
inline constexpr std::string_view kLeftPort = "left";    // join: the left input
inline constexpr std::string_view kRightPort = "right";  // join: the right input
inline constexpr std::string_view kOutPort = "out";      // the main output (not route, not sink)
inline constexpr std::string_view kDonePort = "done";    // a sink's main output
inline constexpr std::string_view kErrorsPort = "errors";  // every node's rejected records

// Node kinds: X(Enum, "json spelling").
#define ETL_NODE_KINDS(X)                                                           \
  X(Source, "source") X(Filter, "filter") X(Derive, "derive") X(Select, "select")   \
  X(Drop, "drop") X(Rename, "rename") X(Route, "route") X(Explode, "explode")       \
  X(Aggregate, "aggregate") X(Dedup, "dedup") X(Sort, "sort") X(Take, "take")       \
  X(Join, "join") X(Validate, "validate") X(Union, "union") X(Step, "step")         \
  X(Sink, "sink")

// What a node does.
enum class NodeKind {
#define ETL_NODE_ENUM(name, spelling) name,
  ETL_NODE_KINDS(ETL_NODE_ENUM)
#undef ETL_NODE_ENUM
};

// The JSON spelling of a node kind ("aggregate").
std::string_view Spelling(NodeKind kind);
// The kind of a JSON spelling; false when unknown.
bool ParseNodeKind(std::string_view text, NodeKind* kind);

// A position in the source, resolved to lines and columns (1-based) so the plan stands alone.
struct Location {
  std::string file;  // empty: the plan's source file
  uint32_t line = 0, col = 0, end_line = 0, end_col = 0;
};

// A typed port: a name and the record schema flowing through it.
struct Port {
  std::string name;
  TypeRef type;
};

// A bound argument of a source, sink, step or window: a constant, an expression evaluated
// at run time (params, `env()`), or neither for "schema" parameters (the type says it all).
struct StepArg {
  std::string name;
  TypeRef type;
  std::optional<Value> value;
  std::optional<Expr> expr;
};

// `name = expr` in derive, select and aggregate.
struct NamedExpr {
  std::string name;
  Expr expr;
};

// A field of the input record named by drop.
struct FieldRef {
  std::string name;
  int slot = -1;
};

// `from as to` in rename.
struct RenamePair {
  std::string from;
  int slot = -1;
  std::string to;
};

// A branch of route; its port has the branch's name. `else` has no condition.
struct RouteBranch {
  std::string name;
  std::optional<Expr> condition;
};

// An aggregate function call of an aggregate node (`sum(total)`), evaluated per group.
struct AggregateCall {
  std::string function;
  std::vector<Expr> args;  // over the input record
  TypeRef type;            // the result type
};

// `window tumbling(5m, on: ts)` of an aggregate.
struct Window {
  std::string step;
  std::vector<StepArg> args;
};

// A sort key.
struct SortKey {
  Expr expr;
  bool descending = false;
};

// A validate rule: records for which `condition` is false go to `errors` with `message`.
struct ValidateRule {
  Expr condition;
  std::string message;
};

// One step of the DAG. Members used per kind are noted; all expressions read the record
// arriving on the node's input port (join conditions: both, by side).
struct Node {
  std::string id;        // unique within the pipeline (see docs/spec/plan.md "Ids")
  NodeKind kind = NodeKind::Filter;
  std::string binding;   // the binding whose chain holds the node; empty for flows
  std::string step;      // Source, Sink, Step: the stdlib spec name
  std::vector<StepArg> args;  // Source, Sink, Step
  std::vector<Port> inputs;
  std::vector<Port> outputs;
  Location location;

  std::optional<Expr> expr;            // Filter predicate, Explode list, Join condition
  std::vector<NamedExpr> assignments;  // Derive, Select, Aggregate outputs
  std::vector<NamedExpr> keys;         // Aggregate group keys
  std::vector<AggregateCall> aggregates;  // Aggregate
  std::optional<Window> window;        // Aggregate
  std::vector<FieldRef> fields;        // Drop
  std::vector<RenamePair> renames;     // Rename
  std::vector<RouteBranch> branches;   // Route
  std::string alias;                   // Explode `as` name
  std::vector<Expr> dedup_keys;        // Dedup
  std::optional<int64_t> within_us;    // Dedup
  std::vector<SortKey> sort_keys;      // Sort
  int64_t count = 0;                   // Take
  bool left_join = false;              // Join
  std::vector<ValidateRule> rules;     // Validate

  // The port of that name among inputs or outputs, or nullptr.
  const Port* Input(std::string_view port) const;
  const Port* Output(std::string_view port) const;
};

// A data path from an output port to an input port. An input port with several incoming
// edges receives their union; an output port with several edges is broadcast.
struct Edge {
  std::string from;
  std::string from_port;
  std::string to;
  std::string to_port;
};

// A cron schedule with an optional time zone.
struct Schedule {
  std::string cron;
  std::string timezone;  // empty: UTC
};

// `on kind(args)`.
struct Trigger {
  std::string kind;            // file, webhook, event
  std::vector<StepArg> args;
};

// `retry N backoff D`.
struct Retry {
  int64_t count = 0;
  int64_t backoff_us = 0;
};

// A pipeline's settings; absent ones are empty.
struct Settings {
  std::optional<Schedule> schedule;
  std::optional<int64_t> every_us;
  // `after`: the pipeline runs once every group is satisfied (AND); a group is satisfied
  // by any of its pipelines (OR; `after any(a, b)`).
  std::vector<std::vector<std::string>> after;
  std::vector<Trigger> triggers;
  std::optional<Retry> retry;
  std::optional<int64_t> timeout_us;
  std::optional<int64_t> max_errors;
  std::string persist;  // "disk", "memory" or empty
  std::string jit;      // "on", "off", "auto" or empty
  std::optional<int64_t> concurrency;
};

// One pipeline: settings and its DAG.
struct Pipeline {
  std::string name;
  Settings settings;
  std::vector<Node> nodes;  // in source order (chains in statement order, ops in chain order)
  std::vector<Edge> edges;

  const Node* Find(std::string_view id) const;
};

// A run-time parameter of the plan.
struct Param {
  std::string name;
  TypeRef type;
  std::optional<Value> default_value;
  bool required = false;
};

// An output port of a node, as a test names it.
struct TestPort {
  std::string node;
  std::string port;
};

// `given step = [...]` of a test: the step's main output is replaced by `records`.
struct TestGiven {
  std::string step;   // the binding as written
  std::string node;   // the node whose main output is replaced (the binding's last node)
  TypeRef type;       // the record type of that output
  Expr records;       // a list<type> expression over no input (constants), fields complete and in order
  Location location;
};

// A stream an expectation reads (`sizes.big`, `raw.errors`): the records of its ports, in
// port order. Field `slot` of an expectation's input record is stream `slot`.
struct TestStream {
  std::string name;              // "sizes.big", "raw.errors", "clean"
  std::vector<TestPort> ports;   // `x.errors` is every node of x's chain
  TypeRef type;                  // list<record>
};

// One `expect` line of a test.
struct TestExpect {
  enum class Kind { Rows, Empty, Condition };
  Kind kind = Kind::Condition;
  std::string text;      // the line as written, for messages ("sizes.big has 1 rows")
  Location location;
  int stream = -1;       // Rows, Empty: the stream counted
  std::optional<Expr> count;      // Rows: the expected count (an int over no input)
  std::optional<Expr> condition;  // Condition: a bool over the record of the test's streams
};

// `test "title" for pipeline { ... }` (language.md §9).
struct Test {
  std::string title;
  std::string pipeline;
  Location location;
  std::vector<TestGiven> given;
  std::vector<TestStream> streams;
  std::vector<TestExpect> expects;

  // The record whose field i is streams[i] (list<record>), which conditions read.
  TypeRef StreamsRecord() const;
};

// The JSON spelling of an expectation kind ("rows", "empty", "condition").
std::string_view Spelling(TestExpect::Kind kind);

// A compiled program.
struct Plan {
  int version = kPlanVersion;
  std::string source;  // the root .etl file as given to the compiler
  std::vector<Param> params;
  std::vector<Pipeline> pipelines;
  std::vector<Test> tests;  // the root file's tests, in declaration order

  const Pipeline* Find(std::string_view name) const;
};

}  // namespace etl::ir
