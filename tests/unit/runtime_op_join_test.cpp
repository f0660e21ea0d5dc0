// The join operator: inner and left joins on hash keys with duplicates and null keys,
// left batches that arrive before the right side is complete, non-equi conditions (nested
// loop), a residual condition beside the keys, and row errors in the condition.
#include "runtime_op_stateful_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kLeft = "{id: int, cid: int?, amount: int}";
constexpr const char* kRight = "{cid: int?, name: string, tier: int}";

Value L(int64_t id, std::optional<int64_t> cid, int64_t amount) {
  return Rec({{"id", Value::Int(id)}, {"cid", cid ? Value::Int(*cid) : Value::Null()}, {"amount", Value::Int(amount)}});
}
Value R(std::optional<int64_t> cid, const char* name, int64_t tier) {
  return Rec({{"cid", cid ? Value::Int(*cid) : Value::Null()}, {"name", Value::String(name)}, {"tier", Value::Int(tier)}});
}

ir::Node JoinNode(bool left_join, Expr condition, const char* out) {
  ir::Node node;
  node.id = "j";
  node.kind = ir::NodeKind::Join;
  node.left_join = left_join;
  node.inputs.push_back({"left", T(kLeft)});
  node.inputs.push_back({"right", T(kRight)});
  node.outputs.push_back({"out", T(out)});
  node.outputs.push_back({"errors", T(kErrorsType)});
  node.expr = std::move(condition);
  return node;
}

Expr CidEq() { return Bin(BinaryOp::Eq, Fld(1, "cid", "int?"), Fld(0, "cid", "int?", 1), T("bool")); }
constexpr const char* kMerged = "{id: int, cid: int?, amount: int, name: string, tier: int}";
constexpr const char* kMergedLeft = "{id: int, cid: int?, amount: int, name: string?, tier: int?}";

Batch Rights() { return MakeRows(kRight, {R(1, "ann", 1), R(2, "bob", 5), R(1, "al", 3), R(std::nullopt, "nil", 0)}); }
Batch Lefts() { return MakeRows(kLeft, {L(10, 1, 2), L(11, 3, 4), L(12, std::nullopt, 1), L(13, 2, 9)}); }

void RunJoin(Step& step, CollectingEmitter& out, std::vector<Batch> lefts, bool left_first) {
  uint64_t seq = 0;
  if (left_first) {
    for (Batch& b : lefts) {
      b.sequence = seq++;
      step.Push(0, b, out);
    }
    EXPECT_TRUE(out.Rows(0).empty());  // nothing before the right side is complete
  }
  Batch right = Rights();
  step.Push(1, right, out);
  step.Close(1, out);
  if (!left_first) {
    for (Batch& b : lefts) {
      b.sequence = seq++;
      step.Push(0, b, out);
    }
  }
  step.Close(0, out);
}

TEST(OpJoin, InnerHashJoinKeepsDuplicatesInOrderAndNullKeysNeverMatch) {
  for (bool left_first : {false, true}) {
    ir::Node node = JoinNode(false, CidEq(), kMerged);
    auto step = BindOp(node);
    CollectingEmitter out;
    RunJoin(*step, out, {Lefts()}, left_first);
    EXPECT_EQ(JsonRows(out), (std::vector<std::string>{
                                 R"({"id":10,"cid":1,"amount":2,"name":"ann","tier":1})",
                                 R"({"id":10,"cid":1,"amount":2,"name":"al","tier":3})",
                                 R"({"id":13,"cid":2,"amount":9,"name":"bob","tier":5})",
                             }));
    EXPECT_EQ(out.filtered, 2u);  // ids 11 (no match) and 12 (null key)
    EXPECT_TRUE(out.errors.empty());
    ExpectSequences(out, node);
    // Both inputs acknowledged.
    EXPECT_NE(std::find(out.acks.begin(), out.acks.end(), std::make_pair(size_t{0}, uint64_t{0})), out.acks.end());
    EXPECT_NE(std::find(out.acks.begin(), out.acks.end(), std::make_pair(size_t{1}, uint64_t{0})), out.acks.end());
  }
}

TEST(OpJoin, LeftJoinGivesNullRightFieldsToUnmatchedRows) {
  ir::Node node = JoinNode(true, CidEq(), kMergedLeft);
  auto step = BindOp(node);
  CollectingEmitter out;
  RunJoin(*step, out, {Lefts(), MakeRows(kLeft, {L(14, 1, 0)})}, true);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{
                               R"({"id":10,"cid":1,"amount":2,"name":"ann","tier":1})",
                               R"({"id":10,"cid":1,"amount":2,"name":"al","tier":3})",
                               R"({"id":11,"cid":3,"amount":4,"name":null,"tier":null})",
                               R"({"id":12,"cid":null,"amount":1,"name":null,"tier":null})",
                               R"({"id":13,"cid":2,"amount":9,"name":"bob","tier":5})",
                               R"({"id":14,"cid":1,"amount":0,"name":"ann","tier":1})",
                               R"({"id":14,"cid":1,"amount":0,"name":"al","tier":3})",
                           }));
  EXPECT_EQ(out.filtered, 0u);
  ExpectSequences(out, node);
}

TEST(OpJoin, NonEquiConditionIsANestedLoopAndKeepsBothKeyFields) {
  // amount > right.tier: every pair is a candidate. Output keeps both cid fields (not merged).
  ir::Node node = JoinNode(false, Bin(BinaryOp::Gt, Fld(2, "amount", "int"), Fld(2, "tier", "int", 1), T("bool")),
                           "{id: int, cid: int?, amount: int, rcid: int?, name: string, tier: int}");
  // The output names the right cid `rcid`; map it by renaming the right input's field.
  node.inputs[1].type = T("{rcid: int?, name: string, tier: int}");
  auto step = BindOp(node);
  CollectingEmitter out;
  RunJoin(*step, out, {MakeRows(kLeft, {L(1, 1, 2), L(2, 1, 0), L(3, 1, 4)})}, false);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{
                               R"({"id":1,"cid":1,"amount":2,"rcid":1,"name":"ann","tier":1})",
                               R"({"id":1,"cid":1,"amount":2,"rcid":null,"name":"nil","tier":0})",
                               R"({"id":3,"cid":1,"amount":4,"rcid":1,"name":"ann","tier":1})",
                               R"({"id":3,"cid":1,"amount":4,"rcid":1,"name":"al","tier":3})",
                               R"({"id":3,"cid":1,"amount":4,"rcid":null,"name":"nil","tier":0})",
                           }));
  EXPECT_EQ(out.filtered, 1u);  // id 2
}

TEST(OpJoin, ResidualConditionBesideKeysAndItsErrorsFailTheLeftRecord) {
  // cid == right.cid and amount / right.tier >= 1 (tier 0 never pairs here; a zero tier
  // on a matching key fails the left record).
  Expr ratio = Bin(BinaryOp::Ge, Bin(BinaryOp::Div, Fld(2, "amount", "int"), Fld(2, "tier", "int", 1), T("int")), Int(1),
                   T("bool"));
  ir::Node node = JoinNode(true, Bin(BinaryOp::And, CidEq(), ratio, T("bool")), kMergedLeft);
  auto step = BindOp(node);
  CollectingEmitter out;
  Batch right = MakeRows(kRight, {R(1, "ann", 1), R(1, "al", 3), R(7, "zero", 0)});
  step->Push(1, right, out);
  step->Close(1, out);
  Batch left = MakeRows(kLeft, {L(10, 1, 2), L(11, 7, 5), L(12, 1, 9)});
  step->Push(0, left, out);
  step->Close(0, out);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{
                               R"({"id":10,"cid":1,"amount":2,"name":"ann","tier":1})",
                               R"({"id":12,"cid":1,"amount":9,"name":"ann","tier":1})",
                               R"({"id":12,"cid":1,"amount":9,"name":"al","tier":3})",
                           }));
  EXPECT_EQ(ErrorLines(out), (std::vector<std::string>{R"(division_by_zero {"id":11,"cid":7,"amount":5})"}));
  // in (left) = out records of distinct left rows + filtered + errors: 10 and 12 out, 11 failed.
  EXPECT_EQ(out.filtered, 0u);
}

// Decimal keys of different scales match by value: 1.5 (decimal(5, 1)) equals 1.50
// (decimal(6, 2)); both are 64-bit, so the hash path compares them at their common scale.
TEST(OpJoin, DecimalKeysOfDifferentScalesMatchByValue) {
  ir::Node node;
  node.id = "j";
  node.kind = ir::NodeKind::Join;
  node.inputs.push_back({"left", T("{id: int, price: decimal(5, 1)}")});
  node.inputs.push_back({"right", T("{amount: decimal(6, 2), name: string}")});
  node.outputs.push_back({"out", T("{id: int, price: decimal(5, 1), amount: decimal(6, 2), name: string}")});
  node.outputs.push_back({"errors", T(kErrorsType)});
  node.expr = Bin(BinaryOp::Eq, Fld(1, "price", "decimal(5, 1)"), Fld(0, "amount", "decimal(6, 2)", 1), T("bool"));
  auto step = BindOp(node);
  CollectingEmitter out;
  auto dec = [](int64_t unscaled, int scale) { return Value::Decimal(unscaled, scale); };
  Batch right = MakeRows("{amount: decimal(6, 2), name: string}",
                         {Rec({{"amount", dec(150, 2)}, {"name", Value::String("one-fifty")}}),
                          Rec({{"amount", dec(151, 2)}, {"name", Value::String("one-fifty-one")}}),
                          Rec({{"amount", dec(-200, 2)}, {"name", Value::String("minus-two")}})});
  step->Push(1, right, out);
  step->Close(1, out);
  Batch left = MakeRows("{id: int, price: decimal(5, 1)}",
                        {Rec({{"id", Value::Int(1)}, {"price", dec(15, 1)}}),
                         Rec({{"id", Value::Int(2)}, {"price", dec(-20, 1)}}),
                         Rec({{"id", Value::Int(3)}, {"price", dec(16, 1)}})});
  step->Push(0, left, out);
  step->Close(0, out);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{
                               R"({"id":1,"price":1.5,"amount":1.50,"name":"one-fifty"})",
                               R"({"id":2,"price":-2.0,"amount":-2.00,"name":"minus-two"})",
                           }));
  EXPECT_EQ(out.filtered, 1u);
}

TEST(OpJoin, LargeNestedLoopIsResolvedInChunksWithTheSameResult) {
  // 1000 left x 300 right = 300,000 candidate pairs (several chunks of 65,536).
  ir::Node node = JoinNode(false, Bin(BinaryOp::Gt, Fld(2, "amount", "int"), Fld(2, "tier", "int", 1), T("bool")),
                           "{id: int, cid: int?, amount: int, rcid: int?, name: string, tier: int}");
  node.inputs[1].type = T("{rcid: int?, name: string, tier: int}");
  auto step = BindOp(node);
  CollectingEmitter out;
  std::vector<Value> rights, lefts;
  for (int64_t t = 0; t < 300; ++t) rights.push_back(R(t, "r", t));
  for (int64_t id = 0; id < 1000; ++id) lefts.push_back(L(id, id, id % 301));
  Batch right = MakeRows(kRight, rights);
  step->Push(1, right, out);
  step->Close(1, out);
  Batch left = MakeRows(kLeft, lefts);
  step->Push(0, left, out);
  // Left row with amount a matches tiers 0..a-1, in right order, rows in left order.
  std::vector<Value> rows = out.Rows(0);
  size_t expected = 0, unmatched = 0, k = 0;
  bool ordered = true;
  for (int64_t id = 0; id < 1000; ++id) {
    int64_t a = id % 301;
    expected += static_cast<size_t>(std::min<int64_t>(a, 300));
    if (a == 0) ++unmatched;
    for (int64_t t = 0; t < std::min<int64_t>(a, 300) && k < rows.size(); ++t, ++k) {
      ordered = ordered && rows[k].fields[0].second.int_value == id && rows[k].fields[5].second.int_value == t;
    }
  }
  EXPECT_EQ(rows.size(), expected);
  EXPECT_TRUE(ordered);
  EXPECT_EQ(out.filtered, unmatched);
  EXPECT_GT(out.batches[0].size(), 2u);
  ExpectSequences(out, node);
}

TEST(OpJoin, EmptyRightSideAndBindErrors) {
  ir::Node node = JoinNode(true, CidEq(), kMergedLeft);
  auto step = BindOp(node);
  CollectingEmitter out;
  step->Close(1, out);
  Batch left = MakeRows(kLeft, {L(1, 1, 1)});
  step->Push(0, left, out);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{R"({"id":1,"cid":1,"amount":1,"name":null,"tier":null})"}));
  ir::Node bad = JoinNode(false, CidEq(), "{id: int, cid: int?, amount: int, nope: int}");
  std::string error;
  EXPECT_FALSE(MakeOperator(bad, {}, &error));
  EXPECT_NE(error.find("nope"), std::string::npos) << error;
}

}  // namespace
}  // namespace etl::runtime::testing
