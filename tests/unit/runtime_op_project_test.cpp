// The operators that reshape records: derive, select, drop, rename. Nodes are built by hand.
#include <gtest/gtest.h>

#include "runtime/op_factory.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kSchema = "{id: int, qty: int, n: int, name: string?}";
const char* kErrors = "{step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}";

Value Order(int64_t id, int64_t qty, int64_t n, const char* name) {
  return Rec({{"id", Value::Int(id)}, {"qty", Value::Int(qty)}, {"n", Value::Int(n)},
              {"name", name ? Value::String(name) : Value::Null()}});
}

Batch Orders(uint64_t sequence = 0) {
  Batch batch = MakeRows(kSchema, {Order(1, 10, 2, "a"), Order(2, 5, 0, "b"), Order(3, 1, 1, nullptr),
                                   Order(4, 9, 3, "d")});
  batch.sequence = sequence;
  return batch;
}

ir::Node NewNode(ir::NodeKind kind, const char* output) {
  ir::Node node;
  node.id = "shape";
  node.kind = kind;
  node.inputs.push_back({"in", T(kSchema)});
  node.outputs.push_back({"out", T(output)});
  node.outputs.push_back({"errors", T(kErrors)});
  return node;
}

std::unique_ptr<Step> Bind(const ir::Node& node) {
  std::string error;
  auto step = MakeOperator(node, {}, &error);
  EXPECT_TRUE(step) << error;
  return step;
}

Expr F(int slot, const char* name, const char* type) { return ir::FieldExpr(slot, name, T(type)); }

// The rows of port 0 rendered as etl literals, for compact comparisons.
std::vector<std::string> Literals(const CollectingEmitter& out) {
  std::vector<std::string> rows;
  for (const Value& row : out.Rows(0)) rows.push_back(ast::ToLiteral(row));
  return rows;
}

TEST(OpDerive, AssignmentsSeeEarlierOnesReplaceInPlaceAndAppend) {
  // derive { per = qty / n, qty = qty + 1, twice = per * 2 }: `per` is slot 4 for `twice`.
  ir::Node node = NewNode(ir::NodeKind::Derive, "{id: int, qty: int, n: int, name: string?, per: int, twice: int}");
  node.assignments.push_back({"per", Bin(BinaryOp::Div, F(1, "qty", "int"), F(2, "n", "int"), T("int"))});
  node.assignments.push_back({"qty", Bin(BinaryOp::Add, F(1, "qty", "int"), Int(1), T("int"))});
  node.assignments.push_back({"twice", Bin(BinaryOp::Mul, F(4, "per", "int"), Int(2), T("int"))});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Orders(6);
  step->Push(0, batch, out);
  EXPECT_EQ(Literals(out), (std::vector<std::string>{
                               R"({id: 1, qty: 11, n: 2, name: "a", per: 5, twice: 10})",
                               R"({id: 3, qty: 2, n: 1, name: null, per: 1, twice: 2})",
                               R"({id: 4, qty: 10, n: 3, name: "d", per: 3, twice: 6})",
                           }));
  const Batch& result = out.batches[0][0];
  EXPECT_EQ(result.schema, node.outputs[0].type);
  EXPECT_EQ(result.columns.size(), 6u);
  // Untouched fields share the input's columns; the failed row is left out by a selection.
  EXPECT_EQ(result.columns[0].get(), batch.columns[0].get());
  EXPECT_EQ(result.columns[3].get(), batch.columns[3].get());
  EXPECT_NE(result.columns[1].get(), batch.columns[1].get());
  ASSERT_TRUE(result.selection);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].step, "shape");
  EXPECT_EQ(out.errors[0].code, "division_by_zero");
  EXPECT_EQ(out.errors[0].record, R"({"id":2,"qty":5,"n":0,"name":"b"})");
  EXPECT_EQ(out.Rows(0).size() + out.filtered + out.errors.size(), batch.Size());
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 6}}));
}

TEST(OpDerive, BatchWithASelectionAndOneErrorPerRecord) {
  // Both assignments fail on n == 0; the record is reported once, with the first error.
  ir::Node node = NewNode(ir::NodeKind::Derive, "{id: int, qty: int, n: int, name: string?, a: int, b: int}");
  node.assignments.push_back({"a", Bin(BinaryOp::Div, F(1, "qty", "int"), F(2, "n", "int"), T("int"))});
  node.assignments.push_back({"b", Bin(BinaryOp::Mod, F(0, "id", "int"), F(2, "n", "int"), T("int"))});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Select(Orders(), {1, 3});
  step->Push(0, batch, out);
  EXPECT_EQ(Literals(out), (std::vector<std::string>{R"({id: 4, qty: 9, n: 3, name: "d", a: 3, b: 1})"}));
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].record, R"({"id":2,"qty":5,"n":0,"name":"b"})");
  EXPECT_NE(out.errors[0].message.find("division"), std::string::npos) << out.errors[0].message;
  EXPECT_EQ(out.Rows(0).size() + out.errors.size(), batch.Size());
}

TEST(OpDerive, NoErrorsNoSelectionNoCopyOfInputColumns) {
  ir::Node node = NewNode(ir::NodeKind::Derive, "{id: int, qty: int, n: int, name: string?, big: bool}");
  node.assignments.push_back({"big", Bin(BinaryOp::Gt, F(1, "qty", "int"), Int(5), T("bool"))});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Orders();
  step->Push(0, batch, out);
  const Batch& result = out.batches[0][0];
  EXPECT_FALSE(result.selection);
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(result.columns[c].get(), batch.columns[c].get());
  EXPECT_EQ(out.Rows(0).size(), 4u);
}

TEST(OpSelect, FieldsOnlyShareColumnsAndKeepTheSelection) {
  ir::Node node = NewNode(ir::NodeKind::Select, "{name: string?, id: int}");
  node.assignments.push_back({"name", F(3, "name", "string?")});
  node.assignments.push_back({"id", F(0, "id", "int")});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Select(Orders(2), {0, 2});
  step->Push(0, batch, out);
  EXPECT_EQ(Literals(out), (std::vector<std::string>{R"({name: "a", id: 1})", R"({name: null, id: 3})"}));
  const Batch& result = out.batches[0][0];
  EXPECT_EQ(result.columns[0].get(), batch.columns[3].get());
  EXPECT_EQ(result.columns[1].get(), batch.columns[0].get());
  EXPECT_EQ(result.selection.get(), batch.selection.get());
  EXPECT_EQ(result.schema, node.outputs[0].type);
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 2}}));
}

TEST(OpSelect, ExpressionsWithErrorsAndASelection) {
  ir::Node node = NewNode(ir::NodeKind::Select, "{id: int, per: int}");
  node.assignments.push_back({"id", F(0, "id", "int")});
  node.assignments.push_back({"per", Bin(BinaryOp::Div, F(1, "qty", "int"), F(2, "n", "int"), T("int"))});
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Select(Orders(), {0, 1, 3});
  step->Push(0, batch, out);
  EXPECT_EQ(Literals(out), (std::vector<std::string>{"{id: 1, per: 5}", "{id: 4, per: 3}"}));
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].code, "division_by_zero");
  EXPECT_EQ(out.errors[0].record, R"({"id":2,"qty":5,"n":0,"name":"b"})");
  EXPECT_EQ(out.Rows(0).size() + out.filtered + out.errors.size(), batch.Size());
  // Without a selection a plain field is the input column itself.
  CollectingEmitter dense;
  Batch all = Orders(1);
  step->Push(0, all, dense);
  EXPECT_EQ(dense.batches[0][0].columns[0].get(), all.columns[0].get());
  EXPECT_EQ(dense.batches[0][0].sequence, 1u);
}

TEST(OpDrop, SharesTheRemainingColumns) {
  ir::Node node = NewNode(ir::NodeKind::Drop, "{id: int, name: string?}");
  node.fields = {{"qty", 1}, {"n", 2}};
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Select(Orders(), {3});
  step->Push(0, batch, out);
  EXPECT_EQ(Literals(out), (std::vector<std::string>{R"({id: 4, name: "d"})"}));
  EXPECT_EQ(out.batches[0][0].columns[1].get(), batch.columns[3].get());
  EXPECT_EQ(out.batches[0][0].selection.get(), batch.selection.get());
}

TEST(OpRename, ChangesOnlyTheSchema) {
  ir::Node node = NewNode(ir::NodeKind::Rename, "{key: int, qty: int, n: int, label: string?}");
  node.renames = {{"id", 0, "key"}, {"name", 3, "label"}};
  auto step = Bind(node);
  CollectingEmitter out;
  Batch batch = Orders(4);
  step->Push(0, batch, out);
  const Batch& result = out.batches[0][0];
  EXPECT_EQ(result.schema, node.outputs[0].type);
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(result.columns[c].get(), batch.columns[c].get());
  EXPECT_EQ(Literals(out)[0], R"({key: 1, qty: 10, n: 2, label: "a"})");
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 4}}));
}

TEST(OpProject, BindErrors) {
  std::string error;
  ir::Node derive = NewNode(ir::NodeKind::Derive, "{id: int, qty: int, n: int, name: string?, x: int}");
  derive.assignments.push_back({"x", ir::CallExpr("no_such_function", {}, T("int"))});
  EXPECT_FALSE(MakeOperator(derive, {}, &error));
  EXPECT_NE(error.find("`x`"), std::string::npos) << error;
  derive.assignments[0].expr = Int(1);
  derive.outputs[0].type = T("{id: int}");  // the port does not match the assignments
  EXPECT_FALSE(MakeOperator(derive, {}, &error));
  EXPECT_NE(error.find("fields"), std::string::npos) << error;
  ir::Node drop = NewNode(ir::NodeKind::Drop, "{id: int}");
  drop.fields = {{"ghost", 12}};
  EXPECT_FALSE(MakeOperator(drop, {}, &error));
  EXPECT_NE(error.find("out of range"), std::string::npos) << error;
  ir::Node rename = NewNode(ir::NodeKind::Rename, kSchema);
  rename.renames = {{"ghost", -1, "g"}};
  EXPECT_FALSE(MakeOperator(rename, {}, &error));
  ir::Node select = NewNode(ir::NodeKind::Select, "{a: int}");
  select.assignments.push_back({"a", F(7, "a", "int")});  // slot out of range: the kernel refuses it
  EXPECT_FALSE(MakeOperator(select, {}, &error));
  EXPECT_NE(error.find("`a`"), std::string::npos) << error;
}

}  // namespace
}  // namespace etl::runtime::testing
