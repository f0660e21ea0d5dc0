// The dedup operator: the first record per key across batches (nulls are a key like any
// other), key errors, selections, and `within` on an injected processing clock.
#include "runtime/op_dedup.h"
#include "runtime_op_stateful_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kIn = "{id: int, user: string?, n: int}";

Value Row(int64_t id, const char* user, int64_t n = 1) {
  return Rec({{"id", Value::Int(id)}, {"user", user ? Value::String(user) : Value::Null()}, {"n", Value::Int(n)}});
}

std::vector<int64_t> Ids(const CollectingEmitter& out) {
  std::vector<int64_t> ids;
  for (const Value& row : out.Rows(0)) ids.push_back(row.fields[0].second.int_value);
  return ids;
}

TEST(OpDedup, KeepsTheFirstRecordPerKeyAcrossBatches) {
  ir::Node node = StatefulNode(ir::NodeKind::Dedup, kIn, kIn);
  node.dedup_keys.push_back(Fld(1, "user", "string?"));
  auto step = BindOp(node);
  CollectingEmitter out;
  Batch first = MakeRows(kIn, {Row(1, "a"), Row(2, "b"), Row(3, "a"), Row(4, nullptr)});
  Batch second = MakeRows(kIn, {Row(5, nullptr), Row(6, "c"), Row(7, "b")});
  Feed(*step, {first, Select(second, {0, 1, 2})}, out);
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{1, 2, 4, 6}));
  EXPECT_EQ(out.filtered, 3u);
  // Kept rows share the input's columns.
  EXPECT_EQ(out.batches[0][0].columns[0].get(), first.columns[0].get());
  ExpectSequences(out, node);
  EXPECT_EQ(out.acks.size(), 2u);
}

TEST(OpDedup, SeveralKeysAndKeyErrors) {
  ir::Node node = StatefulNode(ir::NodeKind::Dedup, kIn, kIn);
  node.dedup_keys.push_back(Fld(1, "user", "string?"));
  node.dedup_keys.push_back(Bin(BinaryOp::Div, Fld(0, "id", "int"), Fld(2, "n", "int"), T("int")));
  auto step = BindOp(node);
  CollectingEmitter out;
  // keys: (a, 10/10=1) (a, 20/10=2) (a, 5/5=1) fails? no: (a,1) again -> filtered; n=0 fails.
  Feed(*step, {MakeRows(kIn, {Row(10, "a", 10), Row(20, "a", 10), Row(5, "a", 5), Row(9, "a", 0)})}, out);
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(out.filtered, 1u);
  EXPECT_EQ(ErrorLines(out), (std::vector<std::string>{R"(division_by_zero {"id":9,"user":"a","n":0})"}));
  // in = out + filtered + errors
  EXPECT_EQ(out.Rows(0).size() + out.filtered + out.errors.size(), 4u);
}

TEST(OpDedup, WithinForgetsAKeyThatLongAfterItWasFirstSeen) {
  ir::Node node = StatefulNode(ir::NodeKind::Dedup, kIn, kIn);
  node.dedup_keys.push_back(Fld(1, "user", "string?"));
  node.within_us = 1000;
  int64_t now = 5000;
  std::string error;
  auto step = MakeDedup(node, {}, &error, [&now] { return now; });
  ASSERT_TRUE(step) << error;
  CollectingEmitter out;
  auto push = [&](std::vector<Value> rows) {
    Batch batch = MakeRows(kIn, rows);
    step->Push(0, batch, out);
  };
  push({Row(1, "a"), Row(2, "b")});
  now = 5999;
  push({Row(3, "a")});  // 999 us later: still a duplicate
  now = 6000;
  push({Row(4, "a"), Row(5, "a"), Row(6, "b")});  // 1000 us after first seen: forgotten, once
  now = 6500;
  push({Row(7, "a"), Row(8, "b")});  // a was seen anew at 6000; b at 6000
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{1, 2, 4, 6}));
  EXPECT_EQ(out.filtered, 4u);
  ir::Node bad = node;
  bad.within_us = 0;
  EXPECT_FALSE(MakeOperator(bad, {}, &error));
}

}  // namespace
}  // namespace etl::runtime::testing
