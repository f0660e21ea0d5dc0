// The expression kernel interface (issue 3 items 1 and 5): a step compiles its lowered
// expressions (compiler/ir/expr.h) once, at bind time, against its input schema, and then
// evaluates them a batch at a time. The interpreter (eval_*.cpp) implements it now; a later
// LLVM JIT implements the same interface, with the reference evaluator (eval_reference.h)
// as the oracle both are tested against.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/expr.h"
#include "runtime/batch.h"

namespace etl::runtime {

// One record that failed while an expression was evaluated (it goes to the step's `.errors`).
struct RowError {
  uint32_t row = 0;      // the row of the batch (0 .. batch.Size() - 1, in selection order)
  std::string code;      // "overflow", "division_by_zero", "cast", "regex", "index_out_of_range", ...
  std::string message;   // for the error record, e.g. "integer overflow in `a * b`"
};

// Collects per-row errors of one evaluation; a row has at most one error (the first).
class RowErrors {
 public:
  // Records an error for `row` unless it already has one.
  void Add(uint32_t row, std::string_view code, std::string message);
  bool Empty() const { return errors_.empty(); }
  // The errors, ordered by row.
  const std::vector<RowError>& Errors();
  // Whether `row` failed (after evaluation; for excluding rows from the output). Inline:
  // the row loops of filter and route ask it per row.
  bool Failed(uint32_t row) const {
    const size_t word = row >> 6;
    return word < failed_.size() && ((failed_[word] >> (row & 63)) & 1);
  }
  void Clear();

 private:
  std::vector<RowError> errors_;
  std::vector<uint64_t> failed_;  // bitmap by row
  bool sorted_ = true;
};

// What an evaluation may read besides the batch: fixed for a run.
struct EvalContext {
  std::map<std::string, ast::Value, std::less<>> params;  // `param` values by name
  int64_t now_us = 0;     // `now()`: the run's start time, the same for every record
  uint64_t seed = 0;      // `uuid()`'s generator seed (0 = random device)
};

// A compiled expression: bound once to an input schema, evaluated per batch.
class Kernel {
 public:
  virtual ~Kernel() = default;
  // The expression's result type.
  virtual const TypeRef& Type() const = 0;
  // One value per row of `input` (input.Size() rows, in selection order). Rows that fail
  // are null in the result and recorded in `errors`.
  virtual ColumnPtr Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors) const = 0;
};

// Compiles `expr` for records of `input_schema` (a record type; join kernels see the left
// record at side 0 and the right at side 1, so `right_schema` may be given). Returns null and
// sets `error` when the expression cannot run here (an unknown function, a field slot out of
// range, `secret(...)` as a value, an aggregate outside the aggregate operator).
std::unique_ptr<Kernel> CompileKernel(const ir::Expr& expr, const TypeRef& input_schema, std::string* error,
                                      const TypeRef& right_schema = nullptr);

// A bool kernel used by filter and route: evaluates to the rows where the condition is true.
class Predicate {
 public:
  explicit Predicate(std::unique_ptr<Kernel> kernel) : kernel_(std::move(kernel)) {}
  // Compiles a bool expression; null and `error` set when it cannot be bound.
  static std::unique_ptr<Predicate> Compile(const ir::Expr& expr, const TypeRef& input_schema, std::string* error);
  // The column rows (indexes into input's columns, ascending) where the condition is true
  // and the row did not fail; pass them to Select(input, ...) to keep them without copying.
  std::vector<uint32_t> Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors) const;

 private:
  std::unique_ptr<Kernel> kernel_;
};

}  // namespace etl::runtime
