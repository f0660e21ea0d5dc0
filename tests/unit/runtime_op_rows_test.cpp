// The operators that choose or multiply rows: filter, route, validate, explode, take, union.
// Nodes are built by hand (the runtime tests do not link the compiler).
#include <gtest/gtest.h>

#include "runtime/op_factory.h"
#include "runtime/op_flow.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kSchema = "{id: int, qty: int, n: int, name: string?}";
const char* kErrors = "{step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}";

Value Order(int64_t id, int64_t qty, int64_t n, const char* name) {
  return Rec({{"id", Value::Int(id)}, {"qty", Value::Int(qty)}, {"n", Value::Int(n)},
              {"name", name ? Value::String(name) : Value::Null()}});
}

// A node of `kind` reading kSchema-like records, with `outputs` then `errors`.
ir::Node NewNode(ir::NodeKind kind, const char* input, std::vector<std::pair<std::string, const char*>> outputs) {
  ir::Node node;
  node.id = "op#1";
  node.kind = kind;
  node.inputs.push_back({"in", T(input)});
  for (auto& [name, type] : outputs) node.outputs.push_back({name, T(type)});
  node.outputs.push_back({"errors", T(kErrors)});
  return node;
}

std::unique_ptr<Step> Bind(const ir::Node& node, StepContext ctx = {}) {
  std::string error;
  auto step = MakeOperator(node, ctx, &error);
  EXPECT_TRUE(step) << error;
  return step;
}

Expr F(int slot, const char* name, const char* type) { return ir::FieldExpr(slot, name, T(type)); }

// qty / n > 1 over kSchema: division by zero when n == 0.
Expr QtyPerN() { return Bin(BinaryOp::Gt, Bin(BinaryOp::Div, F(1, "qty", "int"), F(2, "n", "int"), T("int")), Int(1), T("bool")); }

std::vector<int64_t> Ids(const std::vector<Value>& rows) {
  std::vector<int64_t> ids;
  for (const Value& row : rows) ids.push_back(row.fields[0].second.int_value);
  return ids;
}

size_t RowsOn(const CollectingEmitter& out, size_t port) { return out.Rows(port).size(); }

Batch Orders(uint64_t sequence = 0) {
  Batch batch = MakeRows(kSchema, {Order(1, 10, 2, "a"), Order(2, 5, 0, "b"), Order(3, 1, 1, nullptr),
                                   Order(4, 9, 3, "d"), Order(5, 2, 2, "e")});
  batch.sequence = sequence;
  return batch;
}

TEST(OpFilter, KeepsTrueRowsAsASelectionAndSendsFailuresToErrors) {
  ir::Node node = NewNode(ir::NodeKind::Filter, kSchema, {{"out", kSchema}});
  node.expr = QtyPerN();
  auto step = Bind(node, StepContext{"op#1", {}, 1700000000000000, 0});
  CollectingEmitter out;
  Batch batch = Orders(7);
  step->Push(0, batch, out);
  ASSERT_EQ(out.batches.size(), 1u);
  ASSERT_EQ(out.batches[0].size(), 1u);
  const Batch& result = out.batches[0][0];
  EXPECT_EQ(Ids(out.Rows(0)), (std::vector<int64_t>{1, 4}));
  // No copy: the same columns, a selection.
  for (size_t c = 0; c < batch.columns.size(); ++c) EXPECT_EQ(result.columns[c].get(), batch.columns[c].get());
  ASSERT_TRUE(result.selection);
  EXPECT_EQ(result.schema, node.outputs[0].type);
  EXPECT_EQ(result.sequence, 0u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].step, "op#1");
  EXPECT_EQ(out.errors[0].code, "division_by_zero");
  EXPECT_FALSE(out.errors[0].message.empty());
  EXPECT_EQ(out.errors[0].record, R"({"id":2,"qty":5,"n":0,"name":"b"})");
  EXPECT_EQ(out.errors[0].at_us, 1700000000000000);
  EXPECT_EQ(out.filtered, 2u);  // ids 3 and 5
  EXPECT_EQ(RowsOn(out, 0) + out.filtered + out.errors.size(), batch.Size());
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 7}}));
}

TEST(OpFilter, BatchWithASelectionAndSequencesAcrossBatches) {
  ir::Node node = NewNode(ir::NodeKind::Filter, kSchema, {{"out", kSchema}});
  node.expr = QtyPerN();
  auto step = Bind(node);
  CollectingEmitter out;
  Batch selected = Select(Orders(0), {1, 3, 4});  // ids 2 (fails), 4 (kept), 5 (filtered)
  step->Push(0, selected, out);
  Batch all = Orders(1);
  step->Push(0, all, out);
  EXPECT_EQ(Ids(out.Rows(0)), (std::vector<int64_t>{4, 1, 4}));
  ASSERT_EQ(out.batches[0].size(), 2u);
  EXPECT_EQ(out.batches[0][0].sequence, 0u);
  EXPECT_EQ(out.batches[0][1].sequence, 1u);
  EXPECT_EQ(*out.batches[0][0].selection, (std::vector<uint32_t>{3}));
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[0].record, R"({"id":2,"qty":5,"n":0,"name":"b"})");
  EXPECT_EQ(RowsOn(out, 0) + out.filtered + out.errors.size(), selected.Size() + all.Size());
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 0}, {0, 1}}));
}

TEST(OpFilter, AllRowsKeptPassesTheBatchOnAndNoneKeptEmitsNothing) {
  ir::Node node = NewNode(ir::NodeKind::Filter, kSchema, {{"out", kSchema}});
  node.expr = Bin(BinaryOp::Gt, F(0, "id", "int"), Int(0), T("bool"));
  auto step = Bind(node);
  CollectingEmitter out;
  step->Push(0, Orders(), out);
  ASSERT_EQ(out.batches[0].size(), 1u);
  EXPECT_FALSE(out.batches[0][0].selection);
  node.expr = Bin(BinaryOp::Gt, F(0, "id", "int"), Int(100), T("bool"));
  auto none = Bind(node);
  CollectingEmitter empty;
  none->Push(0, Orders(3), empty);
  EXPECT_TRUE(empty.batches.empty());
  EXPECT_EQ(empty.filtered, 5u);
  EXPECT_EQ(empty.acks.size(), 1u);
}

TEST(OpRoute, FirstMatchWinsElseTakesTheRestErrorsGoToFail) {
  ir::Node node = NewNode(ir::NodeKind::Route, kSchema, {{"big", kSchema}, {"odd", kSchema}, {"rest", kSchema}});
  node.branches.push_back({"big", QtyPerN()});
  node.branches.push_back({"odd", Bin(BinaryOp::Eq, Bin(BinaryOp::Mod, F(0, "id", "int"), Int(2), T("int")), Int(1), T("bool"))});
  node.branches.push_back({"rest", std::nullopt});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Orders(4);
  step->Push(0, batch, out);
  EXPECT_EQ(Ids(out.Rows(0)), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(Ids(out.Rows(1)), (std::vector<int64_t>{3, 5}));
  EXPECT_TRUE(out.Rows(2).empty());  // id 2 failed in the first condition
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].code, "division_by_zero");
  for (size_t port = 0; port < 2; ++port) {
    const Batch& b = out.batches[port][0];
    EXPECT_EQ(b.columns[0].get(), batch.columns[0].get());
    EXPECT_EQ(b.schema, node.outputs[port].type);
  }
  EXPECT_EQ(out.filtered, 0u);
  EXPECT_EQ(RowsOn(out, 0) + RowsOn(out, 1) + RowsOn(out, 2) + out.filtered + out.errors.size(), batch.Size());
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 4}}));
}

TEST(OpRoute, WithoutElseUnmatchedRowsAreFilteredAndPortsFoundByName) {
  // Ports listed in another order than the branches: the branch's port is found by name.
  ir::Node node = NewNode(ir::NodeKind::Route, kSchema, {{"small", kSchema}, {"large", kSchema}});
  node.branches.push_back({"large", Bin(BinaryOp::Ge, F(1, "qty", "int"), Int(9), T("bool"))});
  node.branches.push_back({"small", Bin(BinaryOp::Le, F(1, "qty", "int"), Int(1), T("bool"))});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Select(Orders(), {0, 2, 3, 4});  // ids 1, 3, 4, 5
  step->Push(0, batch, out);
  EXPECT_EQ(Ids(out.Rows(1)), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(Ids(out.Rows(0)), (std::vector<int64_t>{3}));
  EXPECT_EQ(out.filtered, 1u);  // id 5
  EXPECT_EQ(out.batches[0][0].sequence, 0u);
  EXPECT_EQ(out.batches[1][0].sequence, 0u);
  EXPECT_EQ(RowsOn(out, 0) + RowsOn(out, 1) + out.filtered + out.errors.size(), batch.Size());
}

TEST(OpValidate, FailingRuleSendsTheRecordWithTheRulesMessage) {
  ir::Node node = NewNode(ir::NodeKind::Validate, kSchema, {{"out", kSchema}});
  node.rules.push_back({Node(ir::ExprKind::IsNull, {F(3, "name", "string?")}, T("bool")), "name is required"});
  node.rules.back().condition.negated = true;
  node.rules.push_back({QtyPerN(), "qty per n must exceed 1"});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Orders(2);
  step->Push(0, batch, out);
  EXPECT_EQ(Ids(out.Rows(0)), (std::vector<int64_t>{1, 4}));
  // One error record per failing record, in the batch's row order.
  ASSERT_EQ(out.errors.size(), 3u);
  EXPECT_EQ(out.errors[0].code, "division_by_zero");  // id 2: the condition failed to evaluate
  EXPECT_EQ(out.errors[1].code, "validate");
  EXPECT_EQ(out.errors[1].message, "name is required");
  EXPECT_EQ(out.errors[1].record, R"({"id":3,"qty":1,"n":1,"name":null})");
  EXPECT_EQ(out.errors[2].code, "validate");
  EXPECT_EQ(out.errors[2].message, "qty per n must exceed 1");
  EXPECT_EQ(out.errors[2].record, R"({"id":5,"qty":2,"n":2,"name":"e"})");
  EXPECT_EQ(out.batches[0][0].columns[1].get(), batch.columns[1].get());
  EXPECT_EQ(RowsOn(out, 0) + out.filtered + out.errors.size(), batch.Size());
  EXPECT_EQ(out.acks.size(), 1u);
}

TEST(OpTake, FirstRowsAcrossBatchesThenFiltered) {
  ir::Node node = NewNode(ir::NodeKind::Take, kSchema, {{"out", kSchema}});
  node.count = 7;
  std::string error;
  auto step = MakeOperator(node, {}, &error);
  ASSERT_TRUE(step) << error;
  auto* take = dynamic_cast<TakeOp*>(step.get());
  ASSERT_TRUE(take);
  CollectingEmitter out;
  Batch first = Orders(0);
  step->Push(0, first, out);
  EXPECT_FALSE(take->Done());
  EXPECT_EQ(out.batches[0][0].columns[0].get(), first.columns[0].get());
  Batch second = Select(Orders(1), {0, 2, 3, 4});
  step->Push(0, second, out);
  EXPECT_TRUE(take->Done());
  step->Push(0, Orders(2), out);
  EXPECT_EQ(Ids(out.Rows(0)), (std::vector<int64_t>{1, 2, 3, 4, 5, 1, 3}));
  EXPECT_EQ(out.batches[0].size(), 2u);
  EXPECT_EQ(out.batches[0][1].sequence, 1u);
  EXPECT_EQ(out.filtered, 2u + 5u);
  EXPECT_EQ(RowsOn(out, 0) + out.filtered, first.Size() + second.Size() + 5u);
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 0}, {0, 1}, {0, 2}}));
}

TEST(OpTake, ZeroTakesNothing) {
  ir::Node node = NewNode(ir::NodeKind::Take, kSchema, {{"out", kSchema}});
  auto step = Bind(node);
  CollectingEmitter out;
  step->Push(0, Orders(), out);
  EXPECT_TRUE(out.batches.empty());
  EXPECT_EQ(out.filtered, 5u);
}

TEST(OpUnion, PassesEveryInputOnRenumbered) {
  ir::Node node = NewNode(ir::NodeKind::Union, kSchema, {{"out", "{id: int, qty: int, n: int, name: string?}"}});
  node.inputs.push_back({"in", T(kSchema)});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch a = Orders(5), b = Select(Orders(9), {4});
  step->Push(0, a, out);
  step->Push(1, b, out);
  EXPECT_EQ(Ids(out.Rows(0)), (std::vector<int64_t>{1, 2, 3, 4, 5, 5}));
  EXPECT_EQ(out.batches[0][0].sequence, 0u);
  EXPECT_EQ(out.batches[0][1].sequence, 1u);
  EXPECT_EQ(out.batches[0][1].columns[2].get(), b.columns[2].get());
  EXPECT_EQ(out.batches[0][1].schema, node.outputs[0].type);
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 5}, {1, 9}}));
}

constexpr const char* kCart = "{id: int, items: list<int>?, item: string}";

Batch Carts(std::vector<Value> rows) {
  Batch batch = MakeRows(kCart, rows);
  return batch;
}

Value Cart(int64_t id, std::optional<std::vector<int64_t>> items) {
  Value list = Value::Null();
  if (items) {
    std::vector<Value> values;
    for (int64_t v : *items) values.push_back(Value::Int(v));
    list = ListV(values);
  }
  return Rec({{"id", Value::Int(id)}, {"items", list}, {"item", Value::String("old")}});
}

TEST(OpExplode, OneRowPerElementReplacingTheAliasField) {
  ir::Node node = NewNode(ir::NodeKind::Explode, kCart, {{"out", "{id: int, items: list<int>?, item: int}"}});
  node.expr = F(1, "items", "list<int>?");
  node.alias = "item";
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Carts({Cart(1, std::vector<int64_t>{10, 11}), Cart(2, std::nullopt), Cart(3, std::vector<int64_t>{}),
                       Cart(4, std::vector<int64_t>{40})});
  batch.sequence = 3;
  step->Push(0, batch, out);
  std::vector<Value> rows = out.Rows(0);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(Ids(rows), (std::vector<int64_t>{1, 1, 4}));
  EXPECT_EQ(rows[0].fields[2].second.int_value, 10);
  EXPECT_EQ(rows[1].fields[2].second.int_value, 11);
  EXPECT_EQ(rows[2].fields[2].second.int_value, 40);
  EXPECT_EQ(out.batches[0][0].schema, node.outputs[0].type);
  // Every element was used in order: the element column is the list's child itself.
  EXPECT_EQ(out.batches[0][0].columns[2].get(), batch.columns[1]->children[0].get());
  EXPECT_EQ(out.filtered, 2u);  // the null list and the empty list
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 3}}));
}

TEST(OpExplode, AppendsTheAliasAndHonoursASelectionAndErrors) {
  // explode [items[0] / (id - 2)] as q: id 2 divides by zero.
  ir::Node node = NewNode(ir::NodeKind::Explode, kCart, {{"out", "{id: int, items: list<int>?, item: string, q: int}"}});
  Expr first = Node(ir::ExprKind::Index, {F(1, "items", "list<int>?"), Int(0)}, T("int?"));
  Expr div = Bin(BinaryOp::Div, first, Bin(BinaryOp::Sub, F(0, "id", "int"), Int(2), T("int")), T("int?"));
  node.expr = Node(ir::ExprKind::List, {div, Int(7)}, T("list<int?>"));
  node.alias = "q";
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Select(Carts({Cart(1, std::vector<int64_t>{10}), Cart(2, std::vector<int64_t>{20}),
                              Cart(3, std::vector<int64_t>{30})}),
                       {1, 2});
  step->Push(0, batch, out);
  std::vector<Value> rows = out.Rows(0);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Ids(rows), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(rows[0].fields[3].second.int_value, 30);
  EXPECT_EQ(rows[1].fields[3].second.int_value, 7);
  EXPECT_EQ(rows[0].fields[2].second.string_value, "old");
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].code, "division_by_zero");
  EXPECT_EQ(out.errors[0].record, R"({"id":2,"items":[20],"item":"old"})");
  // in = records that produced rows + filtered + errors.
  EXPECT_EQ(1u + out.filtered + out.errors.size(), batch.Size());
}

TEST(OpFactory, KindsThatAreNotStatelessOperatorsAreBindErrors) {
  // aggregate, dedup, sort and join are bound by MakeOperator too (runtime_op_*_test).
  for (ir::NodeKind kind : {ir::NodeKind::Source, ir::NodeKind::Sink, ir::NodeKind::Step}) {
    ir::Node node = NewNode(kind, kSchema, {{"out", kSchema}});
    std::string error;
    EXPECT_FALSE(MakeOperator(node, {}, &error));
    EXPECT_NE(error.find("not a stateless built-in operator"), std::string::npos) << error;
  }
}

TEST(OpFactory, MalformedNodesAreBindErrorsNotCrashes) {
  std::string error;
  ir::Node filter = NewNode(ir::NodeKind::Filter, kSchema, {{"out", kSchema}});
  EXPECT_FALSE(MakeOperator(filter, {}, &error));  // no predicate
  EXPECT_NE(error.find("predicate"), std::string::npos);
  filter.expr = F(9, "nope", "bool");
  EXPECT_FALSE(MakeOperator(filter, {}, &error));  // slot out of range
  EXPECT_NE(error.find("op#1"), std::string::npos);
  filter.expr = F(1, "qty", "int");
  EXPECT_FALSE(MakeOperator(filter, {}, &error));  // not a bool
  ir::Node route = NewNode(ir::NodeKind::Route, kSchema, {{"a", kSchema}});
  route.branches.push_back({"b", std::nullopt});
  EXPECT_FALSE(MakeOperator(route, {}, &error));
  EXPECT_NE(error.find("no output port `b`"), std::string::npos) << error;
  ir::Node take = NewNode(ir::NodeKind::Take, kSchema, {{"out", kSchema}});
  take.count = -1;
  EXPECT_FALSE(MakeOperator(take, {}, &error));
  ir::Node explode = NewNode(ir::NodeKind::Explode, kCart, {{"out", kCart}});
  explode.expr = F(0, "id", "int");
  explode.alias = "x";
  EXPECT_FALSE(MakeOperator(explode, {}, &error));
  EXPECT_NE(error.find("list"), std::string::npos);
  ir::Node mixed = NewNode(ir::NodeKind::Union, kSchema, {{"out", kSchema}});
  mixed.inputs.push_back({"in", T("{id: int, qty: float, n: int, name: string?}")});
  EXPECT_FALSE(MakeOperator(mixed, {}, &error));
  EXPECT_NE(error.find("`qty`"), std::string::npos) << error;
  ir::Node nothing = NewNode(ir::NodeKind::Validate, kSchema, {});
  EXPECT_FALSE(MakeOperator(nothing, {}, &error));
  EXPECT_NE(error.find("no output port `out`"), std::string::npos) << error;
}

}  // namespace
}  // namespace etl::runtime::testing
