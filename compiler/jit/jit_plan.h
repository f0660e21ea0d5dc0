// What the JIT makes of a step's expressions before any LLVM IR exists (docs/dev/jit.md
// "Native or leaf"): which nodes the fused loop computes natively, which subtrees (leaves)
// the interpreter evaluates for the whole batch before the loop, the columns the loop reads
// (sources), the error sites (code and message per failing operator node, or a leaf's own
// errors) and the segments (consecutive loops) a derive needs when a leaf reads a result
// computed earlier in the same step.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/step_kernel.h"

namespace etl::jit {

// Where the loop finds a column it reads.
enum class SourceKind {
  Input,     // the batch's field `slot`, read at the selection's row
  Leaf,      // a leaf's column (dense: read at the batch row)
  Output,    // expression `expr`'s native result (dense)
  Constant,  // a param's value (one row, read at 0)
};

// A column of EtlJitArgs::columns (Output sources read EtlJitArgs::outputs instead).
struct Source {
  SourceKind kind = SourceKind::Input;
  runtime::TypeRef type;
  runtime::Layout layout = runtime::Layout::Int64;
  bool nullable = false;  // the loop reads its validity words
  int slot = -1;          // Input: the input field
  int leaf = -1;          // Leaf: index into StepPlan::leaves
  int expr = -1;          // Output: the expression
  std::string param;      // Constant: the param's name
  int site = -1;          // Leaf/Constant: the error site of a row that failed there
};

// A subtree the interpreter evaluates for the whole batch (runtime::CompileKernel).
struct Leaf {
  ir::Expr expr;
  size_t scope = 0;            // the expression it belongs to (its StepExprs::Scope)
  int segment = 0;             // evaluated before this segment's loop
  bool reads_results = false;  // reads slots >= W: evaluated on a dense batch
  std::vector<int> input_slots;  // the input fields it reads (to gather when dense)
  std::unique_ptr<runtime::Kernel> kernel;
};

// An error site: a fixed code and message, or (leaf >= 0) the leaf's own error of the row.
struct Site {
  std::string code;
  std::string message;
  int leaf = -1;
  uint32_t condition = 0;  // conditions kernels: the condition it belongs to
};

// A range of expressions computed by one loop.
struct Segment {
  size_t first = 0, end = 0;
};

// How the code generator treats one expression node.
struct NodeInfo {
  bool leaf = false;  // read source `source` instead of computing the node
  int source = -1;    // Field/Param/leaf: the source read
  int site = -1;      // the first of the node's error sites (arithmetic: overflow, then div by zero)
};

// One expression's root.
struct ExprPlan {
  bool root_leaf = false;  // the result is the leaf's column (`source` is the Leaf source)
  int source = -1;
};

// The plan of one step.
struct StepPlan {
  runtime::StepExprs exprs;  // a copy: NodeInfo is keyed by its nodes' addresses
  bool conditions = false;
  runtime::ConditionMode mode = runtime::ConditionMode::FirstTrue;
  size_t width = 0;          // W: input fields
  std::vector<Source> sources;
  std::vector<Leaf> leaves;
  std::vector<Site> sites;
  std::vector<Segment> segments;
  std::vector<ExprPlan> roots;
  std::map<const ir::Expr*, NodeInfo> nodes;
  size_t native_nodes = 0;   // nodes computed natively (0: nothing worth compiling)
};

// Plans a step. Null with `error` set when a leaf cannot be bound by the interpreter (the
// step cannot run at all); a plan with native_nodes == 0 when nothing is worth compiling.
std::unique_ptr<StepPlan> PlanStep(const runtime::StepExprs& exprs, bool conditions, runtime::ConditionMode mode,
                                   std::string* error);

// Layouts the loop reads values of (decimals never: they are leaves of leaves' parents).
bool Readable(const runtime::TypeRef& type);
// Types a native node produces.
bool NativeResult(const runtime::TypeRef& type);

}  // namespace etl::jit
