// The aggregate operator: every aggregate function with nulls, first-seen group order,
// int overflow, row errors, empty input, many batches, and a throughput figure.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <random>

#include "runtime_op_stateful_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kIn = "{country: string?, qty: int?, amount: float?, name: string?, n: int}";

Value Row(const char* country, std::optional<int64_t> qty, std::optional<double> amount, const char* name, int64_t n = 1) {
  return Rec({{"country", country ? Value::String(country) : Value::Null()},
              {"qty", qty ? Value::Int(*qty) : Value::Null()},
              {"amount", amount ? Value::Float(*amount) : Value::Null()},
              {"name", name ? Value::String(name) : Value::Null()},
              {"n", Value::Int(n)}});
}

// aggregate by country { <name_i> = aggregates[i] } over kIn.
ir::Node AggNode(std::vector<std::pair<std::string, ir::AggregateCall>> outputs, bool keyed = true) {
  std::string out = "{";
  if (keyed) out += "country: string?";
  for (auto& [name, call] : outputs) out += (out.size() > 1 ? ", " : "") + name + ": " + ast::ToString(call.type);
  out += "}";
  ir::Node node = StatefulNode(ir::NodeKind::Aggregate, kIn, out.c_str());
  if (keyed) node.keys.push_back({"country", Fld(0, "country", "string?")});
  for (size_t i = 0; i < outputs.size(); ++i) {
    node.aggregates.push_back(outputs[i].second);
    node.assignments.push_back({outputs[i].first, AggRef(static_cast<int>(i), ast::ToString(outputs[i].second.type).c_str())});
  }
  return node;
}

Expr Qty() { return Fld(1, "qty", "int?"); }
Expr Amount() { return Fld(2, "amount", "float?"); }
Expr Name() { return Fld(3, "name", "string?"); }

TEST(OpAggregate, EveryFunctionWithNullsInFirstSeenOrder) {
  ir::Node node = AggNode({
      {"c", AggCall("count", {}, "int")},
      {"cq", AggCall("count", {Qty()}, "int")},
      {"cd", AggCall("count_distinct", {Name()}, "int")},
      {"sq", AggCall("sum", {Qty()}, "int?")},
      {"sa", AggCall("sum", {Amount()}, "float?")},
      {"av", AggCall("avg", {Amount()}, "float?")},
      {"mn", AggCall("min", {Name()}, "string?")},
      {"mx", AggCall("max", {Qty()}, "int?")},
      {"fi", AggCall("first", {Name()}, "string?")},
      {"la", AggCall("last", {Name()}, "string?")},
      {"li", AggCall("list", {Name()}, "list<string?>")},
      {"sd", AggCall("stddev", {Amount()}, "float?")},
      {"p", AggCall("percentile", {Amount(), Float(0.5)}, "float")},
  });
  auto step = BindOp(node);
  CollectingEmitter out;
  Feed(*step,
       {MakeRows(kIn, {Row("de", 1, 2.0, "b"), Row("fr", std::nullopt, std::nullopt, nullptr), Row("de", 3, 4.0, nullptr)}),
        MakeRows(kIn, {Row(nullptr, 5, 1.0, "z"), Row("de", std::nullopt, 6.0, "a"), Row("de", 3, std::nullopt, "b")})},
       out);
  EXPECT_EQ(JsonRows(out),
            (std::vector<std::string>{
                R"({"country":"de","c":4,"cq":3,"cd":2,"sq":7,"sa":12,"av":4,"mn":"a","mx":3,"fi":"b","la":"b","li":["b",null,"a","b"],"sd":2,"p":4})",
                R"({"country":"fr","c":1,"cq":0,"cd":0,"sq":null,"sa":null,"av":null,"mn":null,"mx":null,"fi":null,"la":null,"li":[null],"sd":null,"p":null})",
                R"({"country":null,"c":1,"cq":1,"cd":1,"sq":5,"sa":1,"av":1,"mn":"z","mx":5,"fi":"z","la":"z","li":["z"],"sd":null,"p":1})",
            }));
  EXPECT_TRUE(out.errors.empty());
  ExpectSequences(out, node);
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 0}, {0, 1}}));
}

TEST(OpAggregate, PercentileInterpolatesAndStddevIsTheSampleOne) {
  ir::Node node = AggNode({{"p25", AggCall("percentile", {Amount(), Float(0.25)}, "float")},
                           {"p100", AggCall("percentile", {Amount(), Int(1)}, "float")},
                           {"sd", AggCall("stddev", {Amount()}, "float?")}},
                          false);
  auto step = BindOp(node);
  CollectingEmitter out;
  Feed(*step, {MakeRows(kIn, {Row("a", 1, 10.0, "x"), Row("a", 1, 40.0, "x"), Row("a", 1, 20.0, "x"), Row("a", 1, 30.0, "x")})},
       out);
  // Sorted 10 20 30 40: rank 0.75 -> 17.5; sample stddev = sqrt(500/3).
  ASSERT_EQ(out.Rows(0).size(), 1u);
  Value row = out.Rows(0)[0];
  EXPECT_DOUBLE_EQ(row.fields[0].second.float_value, 17.5);
  EXPECT_DOUBLE_EQ(row.fields[1].second.float_value, 40.0);
  EXPECT_NEAR(row.fields[2].second.float_value, std::sqrt(500.0 / 3.0), 1e-12);
}

TEST(OpAggregate, IntSumOverflowIsAnErrorForThatGroupOnly) {
  ir::Node node = AggNode({{"sq", AggCall("sum", {Qty()}, "int?")}, {"c", AggCall("count", {}, "int")}});
  auto step = BindOp(node, StepContext{"st#1", {}, 42, 0});
  CollectingEmitter out;
  const int64_t big = INT64_MAX - 1;
  Feed(*step, {MakeRows(kIn, {Row("a", big, 1.0, "x"), Row("b", 1, 1.0, "x")}), MakeRows(kIn, {Row("a", 5, 1.0, "x")})}, out);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{R"({"country":"b","sq":1,"c":1})"}));
  EXPECT_EQ(ErrorLines(out), (std::vector<std::string>{R"(overflow {"country":"a"})"}));
  EXPECT_EQ(out.errors[0].step, "st#1");
  EXPECT_EQ(out.errors[0].at_us, 42);
}

TEST(OpAggregate, RowErrorsSendTheRecordToErrorsAndItCountsNowhere) {
  // sum(qty / n): n == 0 fails that record.
  Expr div = Bin(BinaryOp::Div, Qty(), Fld(4, "n", "int"), T("int?"));
  ir::Node node = AggNode({{"s", AggCall("sum", {div}, "int?")}, {"c", AggCall("count", {}, "int")}});
  auto step = BindOp(node);
  CollectingEmitter out;
  Feed(*step, {MakeRows(kIn, {Row("a", 4, 1.0, "x", 2), Row("a", 5, 1.0, "x", 0), Row("b", 1, 1.0, "y", 0)})}, out);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{R"({"country":"a","s":2,"c":1})"}));
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[0].code, "division_by_zero");
  EXPECT_EQ(out.errors[0].record, R"({"country":"a","qty":5,"amount":1,"name":"x","n":0})");
  EXPECT_EQ(out.errors[1].record, R"({"country":"b","qty":1,"amount":1,"name":"y","n":0})");
}

TEST(OpAggregate, OutputExpressionsSeeKeysAndAggregatesAndTheirErrorsNameTheGroup) {
  // { per = count() / count(qty) } : a group with no non-null qty divides by zero.
  ir::Node node = StatefulNode(ir::NodeKind::Aggregate, kIn, "{country: string?, per: int}");
  node.keys.push_back({"country", Fld(0, "country", "string?")});
  node.aggregates.push_back(AggCall("count", {}, "int"));
  node.aggregates.push_back(AggCall("count", {Qty()}, "int"));
  node.assignments.push_back({"per", Bin(BinaryOp::Div, AggRef(0, "int"), AggRef(1, "int"), T("int"))});
  auto step = BindOp(node);
  CollectingEmitter out;
  Feed(*step, {MakeRows(kIn, {Row("a", 4, 1.0, "x"), Row("a", 6, 1.0, "x"), Row("b", std::nullopt, 1.0, "y")})}, out);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{R"({"country":"a","per":1})"}));
  EXPECT_EQ(ErrorLines(out), (std::vector<std::string>{R"(division_by_zero {"country":"b"})"}));
}

TEST(OpAggregate, EmptyInputEmitsNothingAndSelectionsAreRespected) {
  ir::Node node = AggNode({{"c", AggCall("count", {}, "int")}}, false);
  {
    auto step = BindOp(node);
    CollectingEmitter out;
    Feed(*step, {}, out);
    EXPECT_TRUE(out.Rows(0).empty());
  }
  auto step = BindOp(node);
  CollectingEmitter out;
  Batch batch = MakeRows(kIn, {Row("a", 1, 1.0, "x"), Row("b", 1, 1.0, "x"), Row("c", 1, 1.0, "x")});
  Feed(*step, {Select(batch, {0, 2})}, out);
  EXPECT_EQ(JsonRows(out), (std::vector<std::string>{R"({"c":2})"}));
}

TEST(OpAggregate, ManyBatchesMatchAMapAndComeOutInBatchesOfDefaultSize) {
  ir::Node node = StatefulNode(ir::NodeKind::Aggregate, "{k: int, v: int}", "{k: int, s: int, c: int}");
  node.keys.push_back({"k", Fld(0, "k", "int")});
  node.aggregates.push_back(AggCall("sum", {Fld(1, "v", "int")}, "int"));
  node.aggregates.push_back(AggCall("count", {}, "int"));
  node.assignments.push_back({"s", AggRef(0, "int")});
  node.assignments.push_back({"c", AggRef(1, "int")});
  auto step = BindOp(node);
  std::mt19937_64 rng(7);
  std::map<int64_t, std::pair<int64_t, int64_t>> expected;
  std::vector<int64_t> order;
  std::vector<Batch> batches;
  for (int b = 0; b < 50; ++b) {
    std::vector<Value> rows;
    for (int i = 0; i < 500; ++i) {
      int64_t k = static_cast<int64_t>(rng() % 6000), v = static_cast<int64_t>(rng() % 1000) - 500;
      if (!expected.count(k)) order.push_back(k);
      expected[k].first += v;
      expected[k].second += 1;
      rows.push_back(Rec({{"k", Value::Int(k)}, {"v", Value::Int(v)}}));
    }
    batches.push_back(MakeRows("{k: int, v: int}", rows));
  }
  CollectingEmitter out;
  Feed(*step, batches, out);
  std::vector<Value> rows = out.Rows(0);
  ASSERT_EQ(rows.size(), order.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].fields[0].second.int_value, order[i]);
    EXPECT_EQ(rows[i].fields[1].second.int_value, expected[order[i]].first);
    EXPECT_EQ(rows[i].fields[2].second.int_value, expected[order[i]].second);
  }
  ASSERT_GT(out.batches[0].size(), 1u);
  EXPECT_EQ(out.batches[0][0].Size(), kDefaultBatchRows);
  ExpectSequences(out, node);
}

TEST(OpAggregate, RandomBatchesWithNullsAgreeWithAPlainReference) {
  // Two keys (one nullable), every value function, 40 batches of random rows with nulls.
  constexpr const char* schema = "{k: int, s: string?, x: int?, f: float?}";
  ir::Node node = StatefulNode(ir::NodeKind::Aggregate, schema,
                               "{k: int, s: string?, mn: int?, mx: float?, fi: int?, la: string?, cd: int, av: float?, c: int}");
  node.keys = {{"k", Fld(0, "k", "int")}, {"s", Fld(1, "s", "string?")}};
  node.aggregates = {AggCall("min", {Fld(2, "x", "int?")}, "int?"),        AggCall("max", {Fld(3, "f", "float?")}, "float?"),
                     AggCall("first", {Fld(2, "x", "int?")}, "int?"),      AggCall("last", {Fld(1, "s", "string?")}, "string?"),
                     AggCall("count_distinct", {Fld(2, "x", "int?")}, "int"), AggCall("avg", {Fld(2, "x", "int?")}, "float?"),
                     AggCall("count", {}, "int")};
  const char* types[] = {"int?", "float?", "int?", "string?", "int", "float?", "int"};
  for (size_t i = 0; i < 7; ++i) {
    node.assignments.push_back({node.outputs[0].type->fields[i + 2].name, AggRef(static_cast<int>(i), types[i])});
  }
  auto step = BindOp(node);
  struct Ref {
    std::optional<int64_t> mn, fi;
    std::optional<double> mx;
    std::optional<std::string> la;
    std::set<int64_t> distinct;
    double sum = 0;
    int64_t n = 0, c = 0;
  };
  std::map<std::pair<int64_t, std::optional<std::string>>, Ref> ref;
  std::vector<std::pair<int64_t, std::optional<std::string>>> order;
  std::mt19937_64 rng(99);
  std::vector<Batch> batches;
  for (int b = 0; b < 40; ++b) {
    std::vector<Value> rows;
    for (int i = 0; i < 100; ++i) {
      int64_t k = static_cast<int64_t>(rng() % 5);
      std::optional<std::string> str;
      if (rng() % 4) str = std::string(1, static_cast<char>('a' + rng() % 3));
      std::optional<int64_t> x;
      if (rng() % 3) x = static_cast<int64_t>(rng() % 50) - 25;
      std::optional<double> f;
      if (rng() % 3) f = static_cast<double>(rng() % 1000) / 8.0;
      auto key = std::make_pair(k, str);
      if (!ref.count(key)) order.push_back(key);
      Ref& r = ref[key];
      ++r.c;
      if (x) {
        r.mn = r.mn ? std::min(*r.mn, *x) : *x;
        if (!r.fi) r.fi = x;
        r.distinct.insert(*x);
        r.sum += static_cast<double>(*x);
        ++r.n;
      }
      if (f) r.mx = r.mx ? std::max(*r.mx, *f) : *f;
      if (str) r.la = str;
      rows.push_back(Rec({{"k", Value::Int(k)}, {"s", str ? Value::String(*str) : Value::Null()},
                          {"x", x ? Value::Int(*x) : Value::Null()}, {"f", f ? Value::Float(*f) : Value::Null()}}));
    }
    batches.push_back(MakeRows(schema, rows));
  }
  CollectingEmitter out;
  Feed(*step, batches, out);
  std::vector<std::string> want;
  auto opt_int = [](const std::optional<int64_t>& v) { return v ? Value::Int(*v) : Value::Null(); };
  for (const auto& key : order) {
    const Ref& r = ref[key];
    want.push_back(ValueToJson(Rec({{"k", Value::Int(key.first)},
                                    {"s", key.second ? Value::String(*key.second) : Value::Null()},
                                    {"mn", opt_int(r.mn)},
                                    {"mx", r.mx ? Value::Float(*r.mx) : Value::Null()},
                                    {"fi", opt_int(r.fi)},
                                    {"la", r.la ? Value::String(*r.la) : Value::Null()},
                                    {"cd", Value::Int(static_cast<int64_t>(r.distinct.size()))},
                                    {"av", r.n ? Value::Float(r.sum / static_cast<double>(r.n)) : Value::Null()},
                                    {"c", Value::Int(r.c)}})));
  }
  // Exact, avg included: it is the exact sum divided by the count, like `sum / count`.
  std::vector<std::string> got = JsonRows(out);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]);
  ExpectSequences(out, node);
}

TEST(OpAggregate, BindErrorsNameTheNode) {
  ir::Node node = AggNode({{"p", AggCall("percentile", {Amount(), Amount()}, "float")}});
  std::string error;
  EXPECT_FALSE(MakeOperator(node, {}, &error));
  EXPECT_NE(error.find("st#1"), std::string::npos) << error;
  node = AggNode({{"x", AggCall("nope", {Amount()}, "float")}});
  EXPECT_FALSE(MakeOperator(node, {}, &error));
  EXPECT_NE(error.find("nope"), std::string::npos) << error;
}

TEST(OpAggregate, ThroughputOfGroupByThirtyKeys) {
  // aggregate by country { n = count(), s = sum(amount), q = sum(qty) } over 1M rows, 30 groups.
  constexpr const char* schema = "{country: string, qty: int, amount: float}";
  ir::Node node = StatefulNode(ir::NodeKind::Aggregate, schema, "{country: string, n: int, s: float, q: int}");
  node.keys.push_back({"country", Fld(0, "country", "string")});
  node.aggregates = {AggCall("count", {}, "int"), AggCall("sum", {Fld(2, "amount", "float")}, "float"),
                     AggCall("sum", {Fld(1, "qty", "int")}, "int")};
  node.assignments = {{"n", AggRef(0, "int")}, {"s", AggRef(1, "float")}, {"q", AggRef(2, "int")}};
  auto step = BindOp(node);
  std::vector<Batch> batches;
  constexpr size_t kBatches = 256;
  std::mt19937_64 rng(1);
  for (size_t b = 0; b < 16; ++b) {
    ColumnBuilder country(T("string")), qty(T("int")), amount(T("float"));
    for (size_t i = 0; i < kDefaultBatchRows; ++i) {
      country.AppendString("country-" + std::to_string(rng() % 30));
      qty.AppendInt(static_cast<int64_t>(rng() % 10));
      amount.AppendFloat(static_cast<double>(rng() % 10000) / 100.0);
    }
    Batch batch;
    batch.schema = T(schema);
    batch.rows = kDefaultBatchRows;
    batch.columns = {country.Finish(), qty.Finish(), amount.Finish()};
    batches.push_back(batch);
  }
  CollectingEmitter out;
  auto start = std::chrono::steady_clock::now();
  std::clock_t cpu_start = std::clock();
  for (size_t b = 0; b < kBatches; ++b) {
    Batch batch = batches[b % batches.size()];
    batch.sequence = b;
    step->Push(0, batch, out);
  }
  step->Close(0, out);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::vector<Value> rows = out.Rows(0);
  ASSERT_EQ(rows.size(), 30u);
  int64_t total = 0;
  for (const Value& row : rows) total += row.fields[1].second.int_value;
  EXPECT_EQ(total, static_cast<int64_t>(kBatches * kDefaultBatchRows));
  // CPU time too: on a shared machine the wall time says more about the neighbours.
  std::printf("aggregate by 30 string keys (count, 2 sums): %zu rows in %.1f ms wall, %.1f ms CPU = %.1f M rows/s of CPU\n",
              kBatches * kDefaultBatchRows, seconds * 1e3, cpu * 1e3, kBatches * kDefaultBatchRows / cpu / 1e6);
}

}  // namespace
}  // namespace etl::runtime::testing
