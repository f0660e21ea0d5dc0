// Helpers of the stateful operator tests (aggregate, window, dedup, sort, join): nodes built
// by hand, binding through MakeOperator, and rows rendered as JSON lines.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/op_factory.h"
#include "runtime/value_json.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {

inline const char* kErrorsType =
    "{step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}";

// A one-input node of `kind` with output `out` of type `out` (and `errors`).
inline ir::Node StatefulNode(ir::NodeKind kind, const char* input, const char* out) {
  ir::Node node;
  node.id = "st#1";
  node.kind = kind;
  node.inputs.push_back({"in", T(input)});
  node.outputs.push_back({"out", T(out)});
  node.outputs.push_back({"errors", T(kErrorsType)});
  return node;
}

inline std::unique_ptr<Step> BindOp(const ir::Node& node, StepContext ctx = {}) {
  std::string error;
  auto step = MakeOperator(node, ctx, &error);
  EXPECT_TRUE(step) << error;
  return step;
}

inline Expr Fld(int slot, const char* name, const char* type, int side = 0) {
  return ir::FieldExpr(slot, name, T(type), side);
}

// An aggregate call `fn(args)` of result type `type`.
inline ir::AggregateCall AggCall(const char* fn, std::vector<Expr> args, const char* type) {
  return ir::AggregateCall{fn, std::move(args), T(type)};
}

// The result of aggregate call `index` in an aggregate's outputs.
inline Expr AggRef(int index, const char* type) {
  Expr e;
  e.kind = ir::ExprKind::AggregateRef;
  e.slot = index;
  e.type = T(type);
  return e;
}

// Every row of `port` as a JSON line.
inline std::vector<std::string> JsonRows(const CollectingEmitter& out, size_t port = 0) {
  std::vector<std::string> rows;
  for (const Value& row : out.Rows(port)) rows.push_back(ValueToJson(row));
  return rows;
}

// `code record` per error.
inline std::vector<std::string> ErrorLines(const CollectingEmitter& out) {
  std::vector<std::string> lines;
  for (const ErrorRecord& e : out.errors) lines.push_back(e.code + " " + e.record);
  return lines;
}

// Pushes `batches` on input 0 (with sequences 0, 1, ...) and closes it.
inline void Feed(Step& step, std::vector<Batch> batches, CollectingEmitter& out, size_t input = 0) {
  uint64_t seq = 0;
  for (Batch& b : batches) {
    b.sequence = seq++;
    step.Push(input, b, out);
  }
  step.Close(input, out);
}

// Checks that every batch on `port` has the port's schema, columns of its field types and
// sequences 0, 1, ...
inline void ExpectSequences(const CollectingEmitter& out, const ir::Node& node, size_t port = 0) {
  if (out.batches.size() <= port) return;
  const TypeRef& type = node.outputs[port].type;
  for (size_t i = 0; i < out.batches[port].size(); ++i) {
    const Batch& batch = out.batches[port][i];
    EXPECT_EQ(batch.sequence, i);
    EXPECT_EQ(batch.schema, type);
    ASSERT_EQ(batch.columns.size(), type->fields.size());
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      EXPECT_TRUE(ast::SameType(batch.columns[c]->type, type->fields[c].type))
          << type->fields[c].name << ": " << ast::ToString(batch.columns[c]->type) << " vs "
          << ast::ToString(type->fields[c].type);
    }
  }
}

}  // namespace etl::runtime::testing
