// The partitioned aggregate (op_aggregate_partitioned.cpp): its instances pushed on several
// threads at once, with batches finishing out of order, give the serial step's groups,
// first-seen order, values (float sums bit for bit), row errors and group errors.
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "runtime/op_aggregate.h"
#include "runtime_op_stateful_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kIn = "{k: int, s: string?, x: int?, f: float?, d: int}";

// aggregate by k, s { every function } with a row error (x / d, d == 0), int sums that
// overflow for some groups, and an output expression that fails for some (sum / count).
ir::Node EveryFunction() {
  Expr x = Fld(2, "x", "int?"), f = Fld(3, "f", "float?"), s = Fld(1, "s", "string?");
  Expr per = Bin(BinaryOp::Div, x, Fld(4, "d", "int"), T("int?"));
  std::vector<std::tuple<const char*, ir::AggregateCall>> calls = {
      {"c", AggCall("count", {}, "int")},
      {"cx", AggCall("count", {x}, "int")},
      {"cd", AggCall("count_distinct", {s}, "int")},
      {"sx", AggCall("sum", {per}, "int?")},
      {"sf", AggCall("sum", {f}, "float?")},
      {"af", AggCall("avg", {f}, "float?")},
      {"mn", AggCall("min", {s}, "string?")},
      {"mx", AggCall("max", {x}, "int?")},
      {"fi", AggCall("first", {f}, "float?")},
      {"la", AggCall("last", {s}, "string?")},
      {"li", AggCall("list", {x}, "list<int?>")},
      {"sd", AggCall("stddev", {f}, "float?")},
      {"p", AggCall("percentile", {f, Float(0.9)}, "float")},
  };
  std::string out = "{k: int, s: string?";
  for (auto& [name, call] : calls) out += std::string(", ") + name + ": " + ast::ToString(call.type);
  out += ", ratio: int?}";
  ir::Node node = StatefulNode(ir::NodeKind::Aggregate, kIn, out.c_str());
  node.keys = {{"k", Fld(0, "k", "int")}, {"s", s}};
  for (size_t i = 0; i < calls.size(); ++i) {
    auto& [name, call] = calls[i];
    node.aggregates.push_back(call);
    node.assignments.push_back({name, AggRef(static_cast<int>(i), ast::ToString(call.type).c_str())});
  }
  // ratio = sum(x / d) / count(x): division by zero for a group whose x are all null.
  node.assignments.push_back({"ratio", Bin(BinaryOp::Div, AggRef(3, "int?"), AggRef(1, "int"), T("int?"))});
  return node;
}

// `batches` batches of random rows over `keys` distinct k: nulls everywhere, floats whose
// magnitudes differ by 1e16 (so a sum in another order gives other bits), huge x for some
// keys (their sums overflow), d == 0 now and then (a row error). Every fifth batch is a
// selection of its rows.
std::vector<Batch> RandomBatches(size_t batches, size_t rows, int64_t keys, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Batch> out;
  for (size_t b = 0; b < batches; ++b) {
    std::vector<Value> values;
    for (size_t i = 0; i < rows; ++i) {
      int64_t k = static_cast<int64_t>(rng() % static_cast<uint64_t>(keys));
      Value s = rng() % 5 ? Value::String(std::string(1, static_cast<char>('a' + rng() % 2))) : Value::Null();
      Value x = Value::Null();
      if (rng() % 4) x = Value::Int(k % 97 == 5 ? INT64_MAX / 3 : static_cast<int64_t>(rng() % 1000) - 500);
      Value f = Value::Null();
      if (rng() % 4) f = Value::Float((rng() % 2 ? 1e16 : 1.0) * (static_cast<double>(rng() % 100000) / 7.0 - 7000.0));
      int64_t d = rng() % 50 == 0 ? 0 : 1;
      values.push_back(Rec({{"k", Value::Int(k)}, {"s", s}, {"x", x}, {"f", f}, {"d", Value::Int(d)}}));
    }
    Batch batch = MakeRows(kIn, values);
    if (b % 5 == 4) {
      std::vector<uint32_t> keep;
      for (uint32_t i = 0; i < batch.rows; ++i) {
        if (i % 3 != 1) keep.push_back(i);
      }
      batch = Select(batch, keep);
    }
    out.push_back(std::move(batch));
  }
  return out;
}

struct Outcome {
  std::vector<std::string> rows, errors;
  size_t out_batches = 0;
};

Outcome Serial(const ir::Node& node, const std::vector<Batch>& batches) {
  auto step = BindOp(node);
  CollectingEmitter out;
  Feed(*step, batches, out);
  ExpectSequences(out, node);
  return {JsonRows(out), ErrorLines(out), out.batches.empty() ? 0 : out.batches[0].size()};
}

// Pushes `batches` on `instances` instances from as many threads, each taking the next
// batch number (as the executor's tickets do) and pausing at random, then closes every
// instance. The errors are read in batch order, as the executor commits them.
Outcome Partitioned(const ir::Node& node, const std::vector<Batch>& batches, size_t instances, uint64_t seed) {
  std::string error;
  std::vector<std::unique_ptr<Step>> steps = MakePartitionedAggregate(node, {}, instances, &error);
  EXPECT_EQ(steps.size(), instances) << error;
  if (steps.size() != instances) return {};
  std::vector<CollectingEmitter> pushed(batches.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < instances; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      for (size_t b; (b = next++) < batches.size();) {
        Batch batch = batches[b];
        batch.sequence = b;
        if (rng() % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
        steps[t]->Push(0, batch, pushed[b]);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CollectingEmitter closed;
  for (auto& step : steps) step->Close(0, closed);
  ExpectSequences(closed, node);
  Outcome o{JsonRows(closed), {}, closed.batches.empty() ? 0 : closed.batches[0].size()};
  for (const CollectingEmitter& out : pushed) {
    EXPECT_TRUE(out.Rows(0).empty());  // groups come out at the close only
    for (const std::string& line : ErrorLines(out)) o.errors.push_back(line);
  }
  for (const std::string& line : ErrorLines(closed)) o.errors.push_back(line);
  return o;
}

// `got` equals `want`; else the first difference, cut short (a hot group's list is long).
void ExpectSameLines(const std::vector<std::string>& got, const std::vector<std::string>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] == want[i]) continue;
    FAIL() << what << ", line " << i << " is\n  " << got[i].substr(0, 400) << "\nnot\n  " << want[i].substr(0, 400);
  }
}

void ExpectSame(const Outcome& got, const Outcome& want, const std::string& what) {
  ExpectSameLines(got.rows, want.rows, what + ": groups");
  ExpectSameLines(got.errors, want.errors, what + ": errors");
  EXPECT_EQ(got.out_batches, want.out_batches) << what;
}

TEST(OpAggregatePartitioned, ManyGroupsOnFourThreadsAreTheSerialOnes) {
  // 43,567 groups: several output batches, each gathering from every partition.
  ir::Node node = EveryFunction();
  std::vector<Batch> batches = RandomBatches(60, 1000, 40000, 3);
  Outcome want = Serial(node, batches);
  ASSERT_GT(want.rows.size(), 3 * kDefaultBatchRows);
  ASSERT_GT(want.errors.size(), 100u);
  for (size_t instances : {2, 3, 4}) {
    for (uint64_t seed : {1, 2}) {
      ExpectSame(Partitioned(node, batches, instances, seed), want,
                 std::to_string(instances) + " instances, seed " + std::to_string(seed));
    }
  }
}

TEST(OpAggregatePartitioned, FewHotGroupsKeepTheirSumsBitForBit) {
  // 15 groups (5 values of k, each with s "a", "b" or null): every partition gets rows of
  // every batch, and the sums of floats 1e16 apart depend on the order they are added in.
  ir::Node node = EveryFunction();
  std::vector<Batch> batches = RandomBatches(200, 300, 5, 8);
  Outcome want = Serial(node, batches);
  ASSERT_EQ(want.rows.size(), 15u);
  for (size_t instances : {2, 4}) {
    for (uint64_t seed : {5, 6, 7}) {
      ExpectSame(Partitioned(node, batches, instances, seed), want,
                 std::to_string(instances) + " instances, seed " + std::to_string(seed));
    }
  }
}

TEST(OpAggregatePartitioned, NoBatchesOrOnlyFailedRowsEmitNothing) {
  ir::Node node = EveryFunction();
  Outcome empty = Partitioned(node, {}, 3, 1);
  EXPECT_TRUE(empty.rows.empty());
  EXPECT_TRUE(empty.errors.empty());
  Batch failing = MakeRows(kIn, {Rec({{"k", Value::Int(1)}, {"s", Value::Null()}, {"x", Value::Int(4)},
                                      {"f", Value::Null()}, {"d", Value::Int(0)}})});
  Outcome failed = Partitioned(node, {failing, failing}, 2, 1);
  EXPECT_TRUE(failed.rows.empty());
  EXPECT_EQ(failed.errors.size(), 2u);
}

TEST(OpAggregatePartitioned, AWindowedAggregateIsNotPartitioned) {
  ir::Node node = EveryFunction();
  node.window = ir::Window{};
  std::string error;
  EXPECT_TRUE(MakePartitionedAggregate(node, {}, 2, &error).empty());
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace etl::runtime::testing
