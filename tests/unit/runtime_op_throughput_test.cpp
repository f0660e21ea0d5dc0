// Prints the throughput of a filter -> derive -> route chain of operators (no timed
// assertion: figures belong in bench/); it checks the counts add up on the way.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "runtime/op_factory.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kIn = "{id: int, qty: int, amount: float}";
constexpr const char* kOut = "{id: int, qty: int, amount: float, total: float}";
const char* kErrors = "{step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}";

ir::Node NewNode(ir::NodeKind kind, const char* input, std::vector<std::pair<std::string, const char*>> outputs) {
  ir::Node node;
  node.id = "n";
  node.kind = kind;
  node.inputs.push_back({"in", T(input)});
  for (auto& [name, type] : outputs) node.outputs.push_back({name, T(type)});
  node.outputs.push_back({"errors", T(kErrors)});
  return node;
}

TEST(OpThroughput, FilterDeriveRoute) {
  ir::Node filter = NewNode(ir::NodeKind::Filter, kIn, {{"out", kIn}});
  filter.expr = Bin(BinaryOp::Gt, ir::FieldExpr(1, "qty", T("int")), Int(3), T("bool"));
  ir::Node derive = NewNode(ir::NodeKind::Derive, kIn, {{"out", kOut}});
  derive.assignments.push_back({"total", Bin(BinaryOp::Mul, ir::FieldExpr(2, "amount", T("float")),
                                             ir::WidenExpr(ir::FieldExpr(1, "qty", T("int")), T("float")), T("float"))});
  ir::Node route = NewNode(ir::NodeKind::Route, kOut, {{"big", kOut}, {"small", kOut}});
  route.branches.push_back({"big", Bin(BinaryOp::Ge, ir::FieldExpr(3, "total", T("float")), Float(500), T("bool"))});
  route.branches.push_back({"small", std::nullopt});
  std::string error;
  auto f = MakeOperator(filter, {}, &error);
  auto d = MakeOperator(derive, {}, &error);
  auto r = MakeOperator(route, {}, &error);
  ASSERT_TRUE(f && d && r) << error;

  constexpr size_t kBatches = 256;
  std::vector<Batch> batches;
  for (size_t b = 0; b < kBatches; ++b) {
    std::vector<Value> rows;
    for (size_t i = 0; i < kDefaultBatchRows; ++i) {
      int64_t id = static_cast<int64_t>(b * kDefaultBatchRows + i);
      rows.push_back(Rec({{"id", Value::Int(id)}, {"qty", Value::Int(id % 10)}, {"amount", Value::Float(double(id % 997))}}));
    }
    batches.push_back(MakeRows(kIn, rows));
    batches.back().sequence = b;
  }
  CollectingEmitter after_filter, after_derive, after_route;
  auto start = std::chrono::steady_clock::now();
  for (const Batch& batch : batches) f->Push(0, batch, after_filter);
  for (const Batch& batch : after_filter.batches[0]) d->Push(0, batch, after_derive);
  for (const Batch& batch : after_derive.batches[0]) r->Push(0, batch, after_route);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t rows = kBatches * kDefaultBatchRows;
  size_t kept = after_filter.Rows(0).size();
  EXPECT_EQ(kept + after_filter.filtered, rows);
  EXPECT_EQ(after_derive.Rows(0).size(), kept);
  EXPECT_EQ(after_route.Rows(0).size() + after_route.Rows(1).size(), kept);
  std::printf("filter -> derive -> route over %zu rows in %zu-row batches: %.1f ms, %.0f M rows/s\n", rows,
              kDefaultBatchRows, seconds * 1e3, rows / seconds / 1e6);
}

}  // namespace
}  // namespace etl::runtime::testing
