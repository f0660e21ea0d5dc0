// Step kernels (issue 5): all the expressions of one step evaluated together, so that the
// LLVM JIT (compiler/jit) can compile them into one fused loop per batch. The interpreter
// implements the same interfaces by running each expression's Kernel (kernel.h) in turn.
// Operators bind their expressions with CompileValuesKernel / CompileConditionsKernel, which
// pick the JIT or the interpreter by the run's jit mode and fall back to the interpreter,
// with a `jit_fallback` warning, when the JIT cannot compile a step. docs/dev/jit.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ir/plan.h"
#include "runtime/kernel.h"

namespace etl::runtime {

// The expressions of one step, over one input record type.
struct StepExprs {
  std::string step;   // the plan node id (messages, `--dump llvm`)
  TypeRef input;      // the batch's record type; W = input->fields.size()
  // Value steps (derive, select): expression i reads the input's fields at slots 0 .. W-1
  // and the result of expression j < i at slot W + j (a derive's later assignments read the
  // earlier ones). Condition steps (filter, route, validate) read only the input.
  std::vector<ir::Expr> exprs;
  // What each expression is, for bind errors: "`amount_usd`", "branch `big`", "rule 2".
  std::vector<std::string> names;
  // The record type expression i is bound against: the input's fields followed by the
  // results of expressions 0 .. i-1 (named `#0`, `#1`, ...).
  TypeRef Scope(size_t i) const;
};

// How a step's conditions decide a row (ConditionsKernel::Classify).
enum class ConditionMode {
  FirstTrue,     // filter, route: the first condition that is true takes the row
  FirstNotTrue,  // validate: the first rule that is false or null rejects the row
};

// A step's value expressions (derive's assignments, select's computed items).
class ValuesKernel {
 public:
  virtual ~ValuesKernel() = default;
  // results[i] = expression i's value for every row of `input` (input.Size() rows, dense,
  // in selection order). A row whose evaluation fails is recorded in `errors` (its first
  // error in expression order, as the interpreter reports it); its values are unspecified
  // (callers drop failed rows).
  virtual void Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors,
                        std::vector<ColumnPtr>& results) const = 0;
  // Whether Evaluate reads a batch with a selection in place, so that a caller need not
  // compact the batch first: the JIT's kernels, and the interpreter's unless an expression
  // reads an earlier one's result.
  virtual bool ReadsSelection() const { return false; }
};

// A step's conditions (filter's predicate, route's branch conditions, validate's rules).
class ConditionsKernel {
 public:
  virtual ~ConditionsKernel() = default;
  // For row i of `input` (selection order): which[i] = the index of the condition that
  // decided the row (FirstTrue: the first one true; FirstNotTrue: the first one false or
  // null), or the number of conditions when none did. Conditions after the deciding one are
  // not evaluated for that row. A row whose evaluation failed is recorded in `errors` and
  // which[i] is the condition that failed. `which` is resized to input.Size().
  virtual void Classify(const Batch& input, const EvalContext& ctx, RowErrors& errors,
                        std::vector<uint32_t>& which) const = 0;
};

// What a compilation of the JIT reports (besides the kernel).
struct JitCompileInfo {
  // Why no kernel was made: empty when the step has nothing worth compiling (every
  // expression would call back into the interpreter): the step is interpreted silently.
  // Otherwise the failure, reported as a `jit_fallback` warning.
  std::string failure;
  bool cached = false;  // the machine code came from the object cache
};

// The JIT, as the runtime sees it (compiler/jit/jit.h makes one). Thread-safe: steps in
// `jit auto` mode compile on the worker threads that run them.
class KernelCompiler {
 public:
  virtual ~KernelCompiler() = default;
  // A compiled kernel with exactly the semantics of the interpreter's, or null (see
  // JitCompileInfo::failure). Never throws, never crashes on a failure inside LLVM.
  virtual std::unique_ptr<ValuesKernel> CompileValues(const StepExprs& exprs, JitCompileInfo* info) = 0;
  virtual std::unique_ptr<ConditionsKernel> CompileConditions(const StepExprs& exprs, ConditionMode mode,
                                                              JitCompileInfo* info) = 0;
};

// `jit on|off|auto` (the pipeline setting, or `etlc run --jit[=MODE]`, which overrides it).
enum class JitMode { Off, On, Auto };
// "on", "off" or "auto" as a mode; nullopt for anything else.
std::optional<JitMode> ParseJitMode(std::string_view text);

// One step's compilation, for the run's events (`jit_compiled`, `jit_fallback`).
struct JitReport {
  std::string step;
  bool compiled = false;     // a JIT kernel runs the step
  bool cached = false;       // from the object cache
  double compile_ms = 0;     // wall time of the compilation (or of loading it from the cache)
  std::string failure;       // set: the JIT failed and the step is interpreted (a warning)
  uint64_t after_rows = 0;   // `jit auto`: rows the step had interpreted before it compiled
};

// Reports collected while binding and running (thread-safe); the executor turns them into
// events.
class JitLog {
 public:
  void Add(JitReport report);
  std::vector<JitReport> Drain();

 private:
  std::mutex mu_;
  std::vector<JitReport> reports_;
};

// The run's JIT settings, handed to every operator through StepContext.
struct StepJit {
  JitMode mode = JitMode::Off;
  KernelCompiler* compiler = nullptr;  // null: everything is interpreted
  JitLog* log = nullptr;               // may be null
  // `jit auto`: a step compiles once it has interpreted this many rows (compile time, some
  // milliseconds, is paid back only by inputs this large).
  uint64_t auto_rows = 65'536;
};

// The StepExprs of a derive (assignments, remapped to the StepExprs slot convention),
// select (its computed items only: items[k] = the index in exprs of item k, or -1 for a
// plain field, whose input slot is fields[k]), filter (its predicate), route (the
// conditions of the branches that have one) or validate (its rules). False with `error`
// set when the node is not one of those or is malformed.
struct NodeExprs {
  StepExprs exprs;
  bool conditions = false;                      // filter/route/validate
  ConditionMode mode = ConditionMode::FirstTrue;
  std::vector<int> items;                       // select: see above
  std::vector<int> fields;                      // select: see above
  std::vector<size_t> outputs;                  // derive: the output slot of assignment i
  TypeRef output;                               // derive/select: the output record type
};
bool ExprsOfNode(const ir::Node& node, NodeExprs* out, std::string* error);

// Binds a step's expressions: the interpreter, or the JIT per `jit` (with fallback and a
// report in jit.log). Null with `error` set only on a bind error (the interpreter cannot
// run the expressions either).
std::unique_ptr<ValuesKernel> CompileValuesKernel(const StepExprs& exprs, const StepJit& jit, std::string* error);
std::unique_ptr<ConditionsKernel> CompileConditionsKernel(const StepExprs& exprs, ConditionMode mode,
                                                          const StepJit& jit, std::string* error);

// The interpreter's step kernels (the JIT's oracle in the differential tests).
std::unique_ptr<ValuesKernel> InterpretValues(const StepExprs& exprs, std::string* error);
std::unique_ptr<ConditionsKernel> InterpretConditions(const StepExprs& exprs, ConditionMode mode, std::string* error);

}  // namespace etl::runtime
