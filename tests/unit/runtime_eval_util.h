// Helpers of the runtime_eval_* tests: expression constructors and one-call evaluation.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "runtime/eval_reference.h"
#include "runtime/kernel.h"

namespace etl::runtime::testing {

using ast::BinaryOp;
using ast::Value;
using ir::Expr;
using VK = Value::Kind;

inline TypeRef T(const char* text) { return *ast::ParseType(text); }
inline Expr Int(int64_t v) { return ir::LiteralExpr(Value::Int(v), ast::IntType()); }
inline Expr Float(double v) { return ir::LiteralExpr(Value::Float(v), ast::FloatType()); }
inline Expr Str(std::string v) { return ir::LiteralExpr(Value::String(std::move(v)), ast::StringType()); }
inline Expr Bool(bool v) { return ir::LiteralExpr(Value::Bool(v), ast::BoolType()); }
inline Expr Null(TypeRef t) { return ir::LiteralExpr(Value::Null(), std::move(t)); }
inline Expr Bin(BinaryOp op, Expr a, Expr b, TypeRef t) { return ir::BinaryExpr(op, std::move(a), std::move(b), std::move(t)); }
inline Expr Un(ast::UnaryOp op, Expr a) {
  Expr e;
  e.kind = ir::ExprKind::Unary;
  e.unary_op = op;
  e.type = ast::WithNullable(a.type, false);
  e.children.push_back(std::move(a));
  return e;
}
inline Expr Node(ir::ExprKind kind, std::vector<Expr> children, TypeRef t) {
  Expr e;
  e.kind = kind;
  e.children = std::move(children);
  e.type = std::move(t);
  return e;
}
inline Value Kinded(VK kind, int64_t v) {
  Value x;
  x.kind = kind;
  x.int_value = v;
  return x;
}
inline Value Rec(std::vector<std::pair<std::string, Value>> fields) {
  Value v;
  v.kind = VK::Record;
  v.fields = std::move(fields);
  return v;
}
inline Value ListV(std::vector<Value> items) {
  Value v;
  v.kind = VK::List;
  v.items = std::move(items);
  return v;
}

// Same value, floats compared bitwise (NaN equal to NaN, -0.0 not equal to 0.0).
inline bool Same(const Value& a, const Value& b) {
  if (a.kind == VK::Float && b.kind == VK::Float) {
    if (std::isnan(a.float_value) && std::isnan(b.float_value)) return true;
    return std::memcmp(&a.float_value, &b.float_value, sizeof(double)) == 0;
  }
  if (a.kind != b.kind) return false;
  if (a.kind == VK::List) {
    if (a.items.size() != b.items.size()) return false;
    for (size_t i = 0; i < a.items.size(); ++i) {
      if (!Same(a.items[i], b.items[i])) return false;
    }
    return true;
  }
  return ValuesEqual(a, b);
}

// The results of evaluating one expression on a batch.
struct Result {
  std::vector<Value> values;
  std::vector<RowError> errors;
};

inline Result RunExpr(const Expr& expr, const Batch& batch, const EvalContext& ctx = {}) {
  std::string error;
  auto kernel = CompileKernel(expr, batch.schema, &error);
  EXPECT_TRUE(kernel) << error;
  Result r;
  if (!kernel) return r;
  RowErrors errors;
  ColumnPtr column = kernel->Evaluate(batch, ctx, errors);
  EXPECT_EQ(column->rows, batch.Size());
  for (size_t i = 0; i < column->rows; ++i) r.values.push_back(column->Get(i));
  r.errors = errors.Errors();
  return r;
}

inline Batch MakeRows(const char* schema, const std::vector<Value>& rows) {
  Batch batch;
  std::string error;
  EXPECT_TRUE(MakeBatch(T(schema), rows, batch, &error)) << error;
  return batch;
}

// A batch with one row (for constant expressions).
inline Batch OneRow() { return MakeRows("{id: int}", {Rec({{"id", Value::Int(0)}})}); }

// Evaluates an expression on one row: the value, or the error code as a string value.
inline Value Eval1(const Expr& expr, const EvalContext& ctx = {}) {
  Result r = RunExpr(expr, OneRow(), ctx);
  if (!r.errors.empty()) return Value::String("error:" + r.errors[0].code);
  return r.values.empty() ? Value::Null() : r.values[0];
}

}  // namespace etl::runtime::testing
