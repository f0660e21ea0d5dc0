// Lowering of real programs (parsed and checked by sema) into the plan.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "compiler/ir/explain.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/json.h"
#include "compiler/ir/lower.h"
#include "compiler/sema/program.h"
#include "tests/unit/ir_test_util.h"
#include "tests/unit/language_examples.h"

namespace etl::ir {
namespace {

using ::etl::test::Compile;
using ::etl::test::ReadFile;

const char* const kOrders = test::kOrdersProgram;

std::vector<std::string> Ids(const Pipeline& p) {
  std::vector<std::string> ids;
  for (const auto& node : p.nodes) ids.push_back(node.id);
  return ids;
}

bool HasEdge(const Pipeline& p, const std::string& from, const std::string& from_port, const std::string& to,
             const std::string& to_port) {
  return std::any_of(p.edges.begin(), p.edges.end(), [&](const Edge& e) {
    return e.from == from && e.from_port == from_port && e.to == to && e.to_port == to_port;
  });
}

TEST(Lower, LanguageSectionOneProgram) {
  auto plan = Compile("orders.etl", kOrders);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->source, "orders.etl");
  ASSERT_EQ(plan->params.size(), 1u);
  EXPECT_EQ(plan->params[0].name, "min_amount");
  EXPECT_FALSE(plan->params[0].required);
  ASSERT_EQ(plan->pipelines.size(), 1u);
  const Pipeline& p = plan->pipelines[0];
  EXPECT_EQ(Ids(p), (std::vector<std::string>{"raw", "clean#1", "clean", "sizes", "daily", "into_jsonl@36",
                                              "select@37", "into_csv@37", "into_csv@38", "into_jsonl@39"}));
  EXPECT_EQ(p.edges.size(), 9u);
  EXPECT_TRUE(HasEdge(p, "raw", "out", "clean#1", "in"));
  EXPECT_TRUE(HasEdge(p, "clean#1", "out", "clean", "in"));
  EXPECT_TRUE(HasEdge(p, "clean", "out", "sizes", "in"));
  EXPECT_TRUE(HasEdge(p, "clean", "out", "daily", "in"));
  EXPECT_TRUE(HasEdge(p, "sizes", "big", "into_jsonl@36", "in"));
  EXPECT_TRUE(HasEdge(p, "sizes", "small", "select@37", "in"));
  EXPECT_TRUE(HasEdge(p, "raw", "errors", "into_jsonl@39", "in"));

  const Node* raw = p.Find("raw");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->kind, NodeKind::Source);
  EXPECT_EQ(raw->step, "csv");
  EXPECT_EQ(raw->outputs[0].type->name, "Order");
  ASSERT_TRUE(raw->outputs.size() == 2 && raw->outputs[1].name == "errors");

  // filter: `amount` is slot 3 of Order, `min_amount` a param.
  const Node* filter = p.Find("clean#1");
  ASSERT_TRUE(filter && filter->expr);
  EXPECT_EQ(ToText(*filter->expr), "(amount > param.min_amount) and (country in [\"US\", \"DE\", \"FR\", \"GB\", \"JP\"])");
  EXPECT_EQ(filter->expr->children[0].children[0].slot, 3);
  EXPECT_EQ(filter->expr->children[0].children[1].kind, ExprKind::Param);

  // derive: usd() inlined, the const folded, qty widened; total sees amount_usd at slot 8.
  const Node* derive = p.Find("clean");
  ASSERT_TRUE(derive);
  ASSERT_EQ(derive->assignments.size(), 2u);
  const Expr& usd = derive->assignments[0].expr;
  EXPECT_EQ(usd.kind, ExprKind::Binary);
  EXPECT_EQ(usd.children[0].kind, ExprKind::Field);
  EXPECT_EQ(usd.children[0].slot, 3);
  EXPECT_EQ(usd.children[1].children[0].children[0].kind, ExprKind::Literal);  // rates, folded
  EXPECT_EQ(usd.children[1].children[0].children[1].slot, 4);                  // currency
  const Expr& total = derive->assignments[1].expr;
  EXPECT_EQ(total.children[0].name, "amount_usd");
  EXPECT_EQ(total.children[0].slot, 8);
  EXPECT_EQ(total.children[1].kind, ExprKind::Widen);
  EXPECT_EQ(total.children[1].children[0].slot, 5);
  EXPECT_EQ(ast::ToString(derive->outputs[0].type, true).find("amount_usd: float, total: float}") != std::string::npos, true);

  const Node* route = p.Find("sizes");
  ASSERT_TRUE(route);
  ASSERT_EQ(route->branches.size(), 2u);
  EXPECT_EQ(ToText(*route->branches[0].condition), "total >= 1000.0");
  EXPECT_FALSE(route->branches[1].condition);
  EXPECT_TRUE(route->Output("big") && route->Output("small") && route->Output("errors") && !route->Output("out"));

  const Node* daily = p.Find("daily");
  ASSERT_TRUE(daily);
  ASSERT_EQ(daily->keys.size(), 2u);
  EXPECT_EQ(daily->keys[1].name, "day");
  ASSERT_EQ(daily->aggregates.size(), 2u);
  EXPECT_EQ(daily->aggregates[1].function, "sum");
  EXPECT_EQ(daily->aggregates[1].args[0].slot, 9);
  EXPECT_EQ(daily->assignments[1].expr.kind, ExprKind::AggregateRef);
  EXPECT_EQ(daily->assignments[1].expr.slot, 1);

  const Node* sink = p.Find("into_csv@37");
  ASSERT_TRUE(sink);
  EXPECT_EQ(sink->kind, NodeKind::Sink);
  EXPECT_EQ(sink->outputs[0].name, "done");

  std::string json = PlanToJson(*plan), error;
  auto loaded = PlanFromJson(json, &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(PlanToJson(*loaded), json);
}

// Every other construct: join (both sides), union, binding errors of a whole chain,
// explode, validate, dedup, sort, take, drop, rename, windows, settings, match/if/interpolation.
TEST(Lower, EveryOperator) {
  const char* text = R"etl(
schema Ev { id: int, user: string, tags: list<string>, ts: timestamp, n: int? }
schema User { user: string, name: string }
fn twice(x: int) -> int = x * 2
pipeline p {
  schedule "0 2 * * *"
  retry 3 backoff 30s
  max_errors 10
  a = from jsonl("a.jsonl", schema: Ev)
  b = from jsonl("b.jsonl", schema: Ev)
  users = from csv("u.csv", schema: User)
  all = union(a, b)
  x = all
    | filter n is not null
    | derive m = twice(n), label = "u${id}", kind = match id { 1 | 2 => "low", _ => "high" }, f = if id > 3 then 1.5 else 2
    | validate { m > 0 : "m must be positive" }
    | explode tags as tag
    | dedup by id within 1h
    | sort by ts desc
    | take 10
    | drop f
    | rename tag as t
    | join left users on user == users.user
  x | into jsonl("x.jsonl")
  x.errors | into jsonl("x_errors.jsonl")
  w = a | aggregate by user window tumbling(5m, on: ts) { c = count(), avg_n = sum(id) / count() }
  w | into stdout()
}
)etl";
  auto plan = Compile("every.etl", text);
  ASSERT_TRUE(plan);
  const Pipeline& p = plan->pipelines[0];
  EXPECT_EQ(Ids(p), (std::vector<std::string>{"a", "b", "users", "all", "x#1", "x#2", "x#3", "x#4", "x#5", "x#6", "x#7",
                                              "x#8", "x#9", "x", "into_jsonl@24", "into_jsonl@25", "w",
                                              "into_stdout@27"}));
  EXPECT_TRUE(HasEdge(p, "a", "out", "all", "in"));
  EXPECT_TRUE(HasEdge(p, "b", "out", "all", "in"));
  EXPECT_TRUE(HasEdge(p, "users", "out", "x", "right"));
  EXPECT_TRUE(HasEdge(p, "x#9", "out", "x", "left"));
  // x.errors: every op of x's chain.
  for (const char* id : {"x#1", "x#2", "x#3", "x#4", "x#5", "x#6", "x#7", "x#8", "x#9", "x"}) {
    EXPECT_TRUE(HasEdge(p, id, "errors", "into_jsonl@25", "in")) << id;
  }
  EXPECT_EQ(p.settings.schedule->cron, "0 2 * * *");
  EXPECT_EQ(p.settings.retry->count, 3);
  EXPECT_EQ(p.settings.retry->backoff_us, 30000000);
  EXPECT_EQ(p.settings.max_errors, 10);

  const Node* derive = p.Find("x#2");
  ASSERT_TRUE(derive);
  EXPECT_EQ(ToText(derive->assignments[0].expr), "n * 2");  // twice() inlined
  EXPECT_EQ(derive->assignments[1].expr.kind, ExprKind::Interpolate);
  EXPECT_EQ(derive->assignments[2].expr.kind, ExprKind::Match);
  EXPECT_EQ(derive->assignments[2].expr.arm_patterns, (std::vector<int>{2, 0}));
  EXPECT_EQ(ToText(derive->assignments[3].expr), "if id > 3 then 1.5 else 2.0");
  const Node* join = p.Find("x");
  ASSERT_TRUE(join && join->expr);
  EXPECT_TRUE(join->left_join);
  EXPECT_EQ(join->expr->children[1].side, 1);
  EXPECT_EQ(join->expr->children[1].slot, 0);
  EXPECT_EQ(p.Find("x#5")->within_us, 3600000000LL);
  EXPECT_TRUE(p.Find("x#6")->sort_keys[0].descending);
  EXPECT_EQ(p.Find("x#7")->count, 10);
  EXPECT_EQ(p.Find("x#9")->renames[0].to, "t");
  const Node* w = p.Find("w");
  ASSERT_TRUE(w && w->window);
  EXPECT_EQ(w->window->step, "tumbling");
  // count() appears twice but is computed once.
  EXPECT_EQ(w->aggregates.size(), 2u);
  EXPECT_EQ(p.Find("into_stdout@27")->kind, NodeKind::Sink);

  std::string json = PlanToJson(*plan), error;
  auto loaded = PlanFromJson(json, &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(PlanToJson(*loaded), json);
  EXPECT_FALSE(Explain(*plan).empty());
}

// Every example of the repository lowers, and its plan survives a JSON round trip.
// A defaulted `mode:` parameter (sqlite, postgres sinks) lowers to its bare name, like a
// given one (it used to be an internal error: "argument `mode` has no type").
TEST(Lower, DefaultedWriteModeIsItsName) {
  auto plan = Compile("modes.etl", R"(
schema R { id: int }
pipeline p {
  rows = from csv("in.csv", schema: R)
  rows | into sqlite("out.db", table: "t")
  rows | into sqlite("out.db", table: "u", mode: replace)
}
)");
  ASSERT_TRUE(plan);
  const Pipeline& p = plan->pipelines[0];
  std::vector<std::string> modes;
  for (const Node& node : p.nodes) {
    for (const StepArg& arg : node.args) {
      if (arg.name == "mode" && arg.value) modes.push_back(arg.value->string_value);
    }
  }
  EXPECT_EQ(modes, (std::vector<std::string>{"append", "replace"}));
}

TEST(Lower, ExamplesRoundTrip) {
  for (const char* name : {"orders", "clickstream"}) {
    std::string path = std::string(ETL_SOURCE_DIR) + "/examples/" + name + ".etl";
    auto plan = Compile(path, ReadFile(path));
    ASSERT_TRUE(plan) << name;
    std::string json = PlanToJson(*plan), error;
    auto loaded = PlanFromJson(json, &error);
    ASSERT_TRUE(loaded) << name << ": " << error;
    EXPECT_EQ(PlanToJson(*loaded), json) << name;
  }
}

// docs/spec/plan.md ends with the plan of examples/orders.etl; it must stay what the
// compiler writes (regenerate it with `etlc compile examples/orders.etl -o -`).
TEST(Lower, SpecExampleIsCurrent) {
  std::string path = std::string(ETL_SOURCE_DIR) + "/examples/orders.etl";
  auto plan = Compile(path, ReadFile(path));
  ASSERT_TRUE(plan);
  plan->source = "examples/orders.etl";
  std::string doc = ReadFile(std::string(ETL_SOURCE_DIR) + "/docs/spec/plan.md");
  size_t section = doc.find("## Full example");
  ASSERT_NE(section, std::string::npos);
  size_t begin = doc.find("```json\n", section);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  size_t end = doc.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(doc.substr(begin, end - begin), PlanToJson(*plan));
  std::string error;
  EXPECT_TRUE(PlanFromJson(doc.substr(begin, end - begin), &error)) << error;
}

}  // namespace
}  // namespace etl::ir
