// Late materialisation's analysis (compiler/ir/fields_read.h) on compiled pipelines: which
// fields of a source's output some later step may observe.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "compiler/ir/fields_read.h"
#include "compiler/ir/lower.h"
#include "compiler/sema/program.h"
#include "tests/unit/ir_test_util.h"

namespace etl::ir {
namespace {

using ::etl::test::Compile;
using ::etl::test::ReadFile;

// The names of the fields FieldsRead marks of source `source` of the plan's only pipeline.
std::string Read(const Plan& plan, const std::string& source, const FieldsReadOptions& options = {}) {
  const Pipeline& pipeline = plan.pipelines.at(0);
  const Node* node = pipeline.Find(source);
  if (!node) return "<no node " + source + ">";
  std::vector<bool> read = FieldsRead(pipeline, *node, options);
  const TypeRef& type = node->Output(kOutPort)->type;
  if (read.size() != type->fields.size()) return "<" + std::to_string(read.size()) + " flags>";
  std::string out;
  for (size_t i = 0; i < read.size(); ++i) {
    if (!read[i]) continue;
    out += (out.empty() ? "" : ",") + type->fields[i].name;
  }
  return out;
}

// The schema of bench/tasks/orders.etl.
constexpr const char* kOrder = R"(
schema Order {
  id:       int
  customer: string
  country:  string
  amount:   float
  currency: string
  qty:      int
  ts:       string
  note:     string
}
)";
constexpr const char* kAll = "id,customer,country,amount,currency,qty,ts,note";

std::optional<Plan> CompileOrders(const std::string& body, const std::string& extra = "") {
  return Compile("t.etl", std::string(kOrder) + extra + "pipeline p {\n  raw = from csv(\"in.csv\", schema: Order)\n" + body + "\n}\n");
}

std::string ReadOrders(const std::string& body, const FieldsReadOptions& options = {}) {
  auto plan = CompileOrders(body);
  if (!plan) return "<no plan>";
  return Read(*plan, "raw", options);
}

std::optional<Plan> CompileTask(const std::string& name) {
  std::string path = std::string(ETL_SOURCE_DIR) + "/bench/tasks/" + name + ".etl";
  return Compile(path, ReadFile(path));
}

// The source of a bench task's pipeline (its only source node).
std::string SourceId(const Plan& plan) {
  for (const Node& node : plan.pipelines.at(0).nodes) {
    if (node.kind == NodeKind::Source) return node.id;
  }
  return "";
}

TEST(FieldsRead, BenchTasks) {
  const std::pair<const char*, const char*> expected[] = {
      {"T1", "id,customer,country,amount"},  // filter amount, country; select id, customer, amount
      {"T2", kAll},                          // derive, then every field into jsonl
      {"T3", "country,amount,qty"},          // aggregate by country: sum(amount), avg(qty)
      {"T4", "id,customer,amount"},          // filter amount; select id, customer, amount
  };
  for (const auto& [task, fields] : expected) {
    auto plan = CompileTask(task);
    ASSERT_TRUE(plan) << task;
    EXPECT_EQ(Read(*plan, SourceId(*plan)), fields) << task;
  }
}

TEST(FieldsRead, SinkRightAfterTheSourceReadsEveryField) {
  EXPECT_EQ(ReadOrders("  raw | into csv(\"out.csv\")"), kAll);
  EXPECT_EQ(ReadOrders("  raw | into jsonl(\"out.jsonl\")"), kAll);
  // A stream used twice: the sink on one path reads everything.
  EXPECT_EQ(ReadOrders("  raw | select id | into csv(\"a.csv\")\n  raw | into stdout()"), kAll);
}

TEST(FieldsRead, WhatNoStepConsumesIsNotRead) {
  // Only the source's `.errors` (raw text) is consumed.
  EXPECT_EQ(ReadOrders("  raw.errors | into jsonl(\"bad.jsonl\")"), "");
  // A route branch no step consumes drops its records.
  EXPECT_EQ(ReadOrders("  parts = raw | route {\n    big: amount > 1.0\n    rest: else\n  }\n"
                       "  parts.big | select id | into csv(\"o.csv\")"),
            "id,amount");
}

TEST(FieldsRead, PassThroughStepsPropagateTheirConsumers) {
  EXPECT_EQ(ReadOrders("  raw | filter qty > 2 | sort by amount desc | take 10 | dedup by customer\n"
                       "      | select id, note | into csv(\"o.csv\")"),
            "id,customer,amount,qty,note");
  EXPECT_EQ(ReadOrders("  raw | drop note, ts | rename amount as total | select id, total | into csv(\"o.csv\")"),
            "id,amount");
  // Drop keeps every other field for the sink.
  EXPECT_EQ(ReadOrders("  raw | drop note, ts | into csv(\"o.csv\")"), "id,customer,country,amount,currency,qty");
}

TEST(FieldsRead, RouteAndUnion) {
  EXPECT_EQ(ReadOrders("  parts = raw | route {\n    big: amount > 100.0\n    local: country == \"FR\"\n    rest: else\n  }\n"
                       "  x = parts.big | select id, customer\n"
                       "  y = parts.rest | select id, customer = currency\n"
                       "  union(x, y) | into csv(\"o.csv\")"),
            "id,customer,country,amount,currency");
  // A branch that reaches a sink reads every field.
  EXPECT_EQ(ReadOrders("  parts = raw | route {\n    big: amount > 100.0\n    rest: else\n  }\n"
                       "  parts.big | select id | into csv(\"a.csv\")\n"
                       "  parts.rest | into csv(\"b.csv\")"),
            kAll);
  // Union of the source with itself.
  EXPECT_EQ(ReadOrders("  union(raw, raw) | select qty | into csv(\"o.csv\")"), "qty");
}

TEST(FieldsRead, DeriveMapsNeedsBackThroughItsAssignments) {
  // `b` reads `a`, which reads amount; `note` is replaced before anything reads it.
  EXPECT_EQ(ReadOrders("  raw | derive a = amount * 2.0, b = a + 1.0, note = \"x\" | select id, b, note\n"
                       "      | into csv(\"o.csv\")"),
            "id,amount");
  // An assignment whose result no one reads is still evaluated: its fields are read.
  EXPECT_EQ(ReadOrders("  raw | derive up = upper(customer) | select id | into csv(\"o.csv\")"), "id,customer");
  // Replacing a field with an expression over itself reads it.
  EXPECT_EQ(ReadOrders("  raw | derive note = lower(note) | select note | into csv(\"o.csv\")"), "note");
  EXPECT_EQ(ReadOrders("  raw | derive t = \"${customer}/${country}\" | select t | into csv(\"o.csv\")"),
            "customer,country");
}

TEST(FieldsRead, RecordValuesAndFunctionsReadTheFieldsTheyName) {
  // There is no whole-record expression: a record value is built from named fields, and a
  // user fn is inlined over its arguments.
  EXPECT_EQ(ReadOrders("  raw | derive r = {a: id, b: note} | select r | into jsonl(\"o.jsonl\")"), "id,note");
  EXPECT_EQ(ReadOrders("  raw | derive b = {a: id, b: note}.b | select b | into csv(\"o.csv\")"), "id,note");
  auto plan = CompileOrders("  raw | derive k = key(customer, country) | select k | into csv(\"o.csv\")",
                            "fn key(a: string, b: string) -> string = lower(a) + \"/\" + b\n");
  ASSERT_TRUE(plan);
  EXPECT_EQ(Read(*plan, "raw"), "customer,country");
}

TEST(FieldsRead, AggregateAndJoinChains) {
  EXPECT_EQ(ReadOrders("  raw | derive usd = amount * 1.1 | aggregate by country {\n"
                       "    n = count()\n    s = sum(usd)\n  } | sort by s | into csv(\"o.csv\")"),
            "country,amount");
  // A join: the condition reads both sides, the output maps to the left, then the right.
  auto plan = CompileOrders(
      "  cust = from csv(\"c.csv\", schema: Customer)\n"
      "  raw | join cust on customer == cust.name | select id, segment | into csv(\"o.csv\")",
      "schema Customer { name: string, segment: string, since: string }\n");
  ASSERT_TRUE(plan);
  EXPECT_EQ(Read(*plan, "raw"), "id,customer");
  EXPECT_EQ(Read(*plan, "cust"), "name,segment");
  // The join's output into a sink: every field of both sides.
  plan = CompileOrders(
      "  cust = from csv(\"c.csv\", schema: Customer)\n"
      "  raw | join left cust on customer == cust.name | into csv(\"o.csv\")",
      "schema Customer { name: string, segment: string, since: string }\n");
  ASSERT_TRUE(plan);
  EXPECT_EQ(Read(*plan, "raw"), kAll);
  EXPECT_EQ(Read(*plan, "cust"), "name,segment,since");
}

TEST(FieldsRead, AStepThatMayFailAReadsTheWholeRecord) {
  // Integer arithmetic may overflow, a cast may fail, a validate rule rejects: the error
  // record carries every field of the step's input.
  EXPECT_EQ(ReadOrders("  raw | derive q = qty * 2 | select id, q | into csv(\"o.csv\")"), kAll);
  EXPECT_EQ(ReadOrders("  raw | filter int(ts) > 0 | select id | into csv(\"o.csv\")"), kAll);
  EXPECT_EQ(ReadOrders("  raw | validate {\n    amount > 0.0: \"no amount\"\n  } | select id | into csv(\"o.csv\")"), kAll);
  EXPECT_EQ(ReadOrders("  raw | filter customer ~ \"^c\" | select id | into csv(\"o.csv\")"), kAll);
  EXPECT_EQ(ReadOrders("  raw | sort by substr(note, 0, 2) | select id | into csv(\"o.csv\")"), kAll);
  // ... but only once records reach it: after a select, the select's fields.
  EXPECT_EQ(ReadOrders("  raw | select id, qty | derive q = qty * 2 | into csv(\"o.csv\")"), "id,qty");
  // Float arithmetic does not fail.
  EXPECT_EQ(ReadOrders("  raw | derive a = amount / 0.0 | select a | into csv(\"o.csv\")"), "amount");
}

TEST(FieldsRead, ParamsWithoutAValueFail) {
  auto plan = CompileOrders("  raw | filter amount > min_amount | select id | into csv(\"o.csv\")",
                            "param min_amount: float = 1.0\n");
  ASSERT_TRUE(plan);
  EXPECT_EQ(Read(*plan, "raw"), kAll);
  FieldsReadOptions options;
  options.bound_params.insert("min_amount");
  EXPECT_EQ(Read(*plan, "raw", options), "id,amount");
}

TEST(FieldsRead, TapsAndLoggedBatchesReadEveryField) {
  auto plan = CompileOrders("  clean = raw | filter amount > 0.0\n  clean | select id | into csv(\"o.csv\")");
  ASSERT_TRUE(plan);
  EXPECT_EQ(Read(*plan, "raw"), "id,amount");
  FieldsReadOptions tap_source;
  tap_source.tapped = {{"raw", "out"}};
  EXPECT_EQ(Read(*plan, "raw", tap_source), kAll);
  FieldsReadOptions tap_filter;
  tap_filter.tapped = {{"clean", "out"}};
  EXPECT_EQ(Read(*plan, "raw", tap_filter), kAll);
  // The `.errors` ports: the source's carry raw text, the filter's (it cannot fail) nothing.
  FieldsReadOptions tap_errors;
  tap_errors.tapped = {{"raw", "errors"}, {"clean", "errors"}};
  EXPECT_EQ(Read(*plan, "raw", tap_errors), "id,amount");
  FieldsReadOptions logged;
  logged.every_field = true;
  EXPECT_EQ(Read(*plan, "raw", logged), kAll);
}

TEST(FieldsRead, JsonlSourceAndExplode) {
  auto plan = Compile("t.etl",
                      "schema Doc { id: int, tags: list<string>, body: string, extra: string }\n"
                      "pipeline p {\n  docs = from jsonl(\"d.jsonl\", schema: Doc)\n"
                      "  docs | explode tags as tag | select id, tag | into csv(\"o.csv\")\n"
                      "  docs | explode tags as body | select body | into csv(\"b.csv\")\n}\n");
  ASSERT_TRUE(plan);
  // The second explode's element replaces `body`: the source's `body` is never read.
  EXPECT_EQ(Read(*plan, "docs"), "id,tags");
}

TEST(FieldsRead, MayFail) {
  std::set<std::string, std::less<>> none;
  Expr amount = FieldExpr(3, "amount", ast::FloatType());
  Expr qty = FieldExpr(5, "qty", ast::IntType());
  EXPECT_FALSE(MayFail(amount, none));
  EXPECT_FALSE(MayFail(BinaryExpr(ast::BinaryOp::Mul, amount, amount, ast::FloatType()), none));
  EXPECT_TRUE(MayFail(BinaryExpr(ast::BinaryOp::Add, qty, qty, ast::IntType()), none));
  EXPECT_FALSE(MayFail(BinaryExpr(ast::BinaryOp::Lt, qty, qty, ast::BoolType()), none));
  EXPECT_FALSE(MayFail(WidenExpr(qty, ast::FloatType()), none));
  EXPECT_TRUE(MayFail(WidenExpr(qty, ast::DecimalType(10, 2)), none));
  EXPECT_FALSE(MayFail(CallExpr("lower", {FieldExpr(1, "customer", ast::StringType())}, ast::StringType()), none));
  EXPECT_TRUE(MayFail(CallExpr("int", {FieldExpr(1, "customer", ast::StringType())}, ast::IntType()), none));
  // A decimal literal that fits its type, and one whose scale the evaluator must change.
  EXPECT_FALSE(MayFail(LiteralExpr(Value::Decimal(1234, 2), ast::DecimalType(10, 2)), none));
  EXPECT_TRUE(MayFail(LiteralExpr(Value::Decimal(1234, 1), ast::DecimalType(10, 2)), none));
  EXPECT_TRUE(MayFail(LiteralExpr(Value::Decimal(123456, 2), ast::DecimalType(4, 2)), none));
  Expr param = ParamExpr("p", ast::FloatType());
  EXPECT_TRUE(MayFail(param, none));
  EXPECT_FALSE(MayFail(param, {"p"}));
}

}  // namespace
}  // namespace etl::ir
