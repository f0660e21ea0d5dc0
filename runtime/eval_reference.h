// The reference evaluator: one record at a time on constants (ast::Value), written to be
// obviously correct rather than fast. It is the oracle of the vectorised interpreter's
// randomized differential test, and later of the JIT's.
#pragma once

#include <optional>

#include "compiler/ir/expr.h"
#include "runtime/eval_value.h"
#include "runtime/kernel.h"

namespace etl::runtime {

// The value of an expression for one record, or the record's error.
struct ReferenceResult {
  ast::Value value;
  std::optional<ValueError> error;
};

// Evaluates `expr` for `record` (a Value::Record with the input schema's fields in order;
// `right` is a join's right record). Evaluation stops at the first error, and `and`, `or`,
// `??`, `if` and `match` evaluate only the operands they need.
ReferenceResult EvaluateReference(const ir::Expr& expr, const ast::Value& record, const EvalContext& ctx,
                                  const ast::Value* right = nullptr);

}  // namespace etl::runtime
