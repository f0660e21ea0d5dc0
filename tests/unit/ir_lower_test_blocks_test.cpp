// Lowering of `test` blocks into Plan::tests (docs/spec/plan.md "Tests") and their JSON
// round trip.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/ir/json.h"
#include "compiler/ir/lower.h"
#include "compiler/sema/program.h"
#include "tests/unit/ir_test_util.h"

namespace etl::ir {
namespace {

using ::etl::test::Compile;
using ::etl::test::ReadFile;

constexpr const char* kProgram = R"(schema Order {
  id:     int
  amount: float
  qty:    int = 1
  note:   string?
}

pipeline p {
  raw = from csv("in.csv", schema: Order)
  clean = raw | derive per = amount / qty
  sizes = clean | route {
    big:   per >= 100.0
    small: else
  }
  big = sizes.big
  written = big | into jsonl("out.jsonl")
  sizes.small | into csv("small.csv")
}

test "routing" for p {
  given raw = [
    {id: 1, amount: 500},
    {id: 2, amount: 5.0, qty: 2, note: "x"}
  ]
  expect big has 1 rows
  expect sizes.big[0].per == 500.0 and len(sizes.small) == 1
  expect sizes.small is empty
  expect clean.errors is empty
  expect written.done has 1 rows
}
)";

TEST(LowerTestBlocks, GivenStreamsAndExpectations) {
  auto plan = Compile("t.etl", kProgram);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->tests.size(), 1u);
  const ir::Test& test = plan->tests[0];
  EXPECT_EQ(test.title, "routing");
  EXPECT_EQ(test.pipeline, "p");
  EXPECT_EQ(test.location.line, 20u);

  // given: complete records in field order; the int amount widened; defaults and nulls filled.
  ASSERT_EQ(test.given.size(), 1u);
  const TestGiven& given = test.given[0];
  EXPECT_EQ(given.node, "raw");
  ASSERT_EQ(given.records.kind, ExprKind::List);
  ASSERT_EQ(given.records.children.size(), 2u);
  const Expr& first = given.records.children[0];
  ASSERT_EQ(first.kind, ExprKind::Record);
  EXPECT_EQ(first.names, (std::vector<std::string>{"id", "amount", "qty", "note"}));
  EXPECT_EQ(first.children[1].kind, ExprKind::Literal);
  EXPECT_EQ(first.children[1].value.kind, Value::Kind::Float);  // 500 -> 500.0
  EXPECT_EQ(first.children[2].value.int_value, 1);               // the schema default
  EXPECT_EQ(first.children[3].value.kind, Value::Kind::Null);
  EXPECT_EQ(given.records.children[1].children[3].value.string_value, "x");

  // streams: aliases resolved, `.errors` is every node of the chain, sinks' `done`.
  std::vector<std::string> names;
  for (const auto& stream : test.streams) names.push_back(stream.name);
  EXPECT_EQ(names, (std::vector<std::string>{"big", "sizes.big", "sizes.small", "clean.errors", "written.done"}));
  EXPECT_EQ(test.streams[0].ports.size(), 1u);
  EXPECT_EQ(test.streams[0].ports[0].node, "sizes");
  EXPECT_EQ(test.streams[0].ports[0].port, "big");
  EXPECT_EQ(test.streams[0].type->kind, ast::TypeKind::List);
  ASSERT_EQ(test.streams[3].ports.size(), 1u);  // `clean = raw | derive`: one node
  EXPECT_EQ(test.streams[3].ports[0].node, "clean");
  EXPECT_EQ(test.streams[3].ports[0].port, "errors");
  EXPECT_EQ(test.streams[4].ports[0].node, "written");
  EXPECT_EQ(test.streams[4].ports[0].port, "done");

  ASSERT_EQ(test.expects.size(), 5u);
  EXPECT_EQ(test.expects[0].kind, TestExpect::Kind::Rows);
  EXPECT_EQ(test.expects[0].text, "big has 1 rows");
  EXPECT_EQ(test.expects[0].stream, 0);
  ASSERT_TRUE(test.expects[0].count);
  EXPECT_EQ(test.expects[0].count->value.int_value, 1);
  EXPECT_EQ(test.expects[0].location.line, 25u);

  const TestExpect& condition = test.expects[1];
  EXPECT_EQ(condition.kind, TestExpect::Kind::Condition);
  EXPECT_EQ(condition.text, "sizes.big[0].per == 500.0 and len(sizes.small) == 1");
  ASSERT_TRUE(condition.condition);
  // `sizes.big[0].per`: get_field(index(field 1, 0)); `sizes.small` is field 2.
  const Expr& eq = condition.condition->children[0];
  ASSERT_EQ(eq.children[0].kind, ExprKind::GetField);
  ASSERT_EQ(eq.children[0].children[0].kind, ExprKind::Index);
  const Expr& stream = eq.children[0].children[0].children[0];
  EXPECT_EQ(stream.kind, ExprKind::Field);
  EXPECT_EQ(stream.slot, 1);
  EXPECT_EQ(condition.condition->children[1].children[0].children[0].slot, 2);

  EXPECT_EQ(test.expects[2].kind, TestExpect::Kind::Empty);
  EXPECT_EQ(test.expects[2].stream, 2);
  EXPECT_EQ(test.expects[3].stream, 3);
}

TEST(LowerTestBlocks, ErrorsOfAChainAreEveryNode) {
  auto plan = Compile("t.etl", R"(schema R { a: int }
pipeline p {
  raw = from csv("in.csv", schema: R) | filter a > 0 | derive b = 10 / a
  raw | into stdout()
}
test "errors" for p {
  given raw = [{a: 1, b: 10}]
  expect raw.errors has 0 rows
}
)");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->tests.size(), 1u);
  const TestStream& stream = plan->tests[0].streams.at(0);
  ASSERT_EQ(stream.ports.size(), 3u);
  EXPECT_EQ(stream.ports[0].node, "raw#0");
  EXPECT_EQ(stream.ports[1].node, "raw#1");
  EXPECT_EQ(stream.ports[2].node, "raw");
}

TEST(LowerTestBlocks, JsonRoundTrip) {
  auto plan = Compile("t.etl", kProgram);
  ASSERT_TRUE(plan);
  std::string json = PlanToJson(*plan);
  std::string error;
  auto loaded = PlanFromJson(json, &error);
  ASSERT_TRUE(loaded) << error;
  ASSERT_EQ(loaded->tests.size(), 1u);
  EXPECT_EQ(loaded->tests[0].expects.size(), 5u);
  EXPECT_EQ(loaded->tests[0].streams[3].ports[0].port, "errors");
  EXPECT_EQ(PlanToJson(*loaded), json);

  // A plan without `tests` (written before tests were lowered) still loads.
  auto document = nlohmann::ordered_json::parse(json);
  document.erase("tests");
  auto old = PlanFromJson(document.dump(), &error);
  ASSERT_TRUE(old) << error;
  EXPECT_TRUE(old->tests.empty());
}

TEST(LowerTestBlocks, ReaderRejectsInconsistentTests) {
  auto plan = Compile("t.etl", kProgram);
  ASSERT_TRUE(plan);
  auto document = nlohmann::ordered_json::parse(PlanToJson(*plan));
  std::string error;

  auto bad = document;
  bad["tests"][0]["given"][0]["node"] = "nope";
  EXPECT_FALSE(PlanFromJson(bad.dump(), &error));
  EXPECT_EQ(error, "/tests/0/given/0/node: unknown node `nope`");

  bad = document;
  bad["tests"][0]["streams"][1]["ports"][0]["port"] = "huge";
  EXPECT_FALSE(PlanFromJson(bad.dump(), &error));
  EXPECT_EQ(error, "/tests/0/streams/1/ports/0/port: node `sizes` has no output port `huge`");

  bad = document;
  bad["tests"][0]["expects"][2]["stream"] = 9;
  EXPECT_FALSE(PlanFromJson(bad.dump(), &error));
  EXPECT_EQ(error, "/tests/0/expects/2/stream: no such stream");

  bad = document;
  bad["tests"][0]["pipeline"] = "q";
  EXPECT_FALSE(PlanFromJson(bad.dump(), &error));
  EXPECT_EQ(error, "/tests/0/pipeline: unknown pipeline `q`");
}

TEST(LowerTestBlocks, ExamplesLower) {
  for (const char* name : {"orders", "customers", "clickstream"}) {
    std::string path = std::string(ETL_SOURCE_DIR) + "/examples/" + name + ".etl";
    auto plan = Compile(path, ReadFile(path));
    ASSERT_TRUE(plan) << name;
    EXPECT_EQ(plan->tests.size(), 1u) << name;
    std::string error;
    auto loaded = PlanFromJson(PlanToJson(*plan), &error);
    ASSERT_TRUE(loaded) << name << ": " << error;
    EXPECT_EQ(PlanToJson(*loaded), PlanToJson(*plan)) << name;
  }
}

}  // namespace
}  // namespace etl::ir
