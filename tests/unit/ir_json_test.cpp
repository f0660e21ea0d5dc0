// The plan's JSON form: round trip, validation errors, and graph/explain renderings of a
// small plan built by hand.
#include <gtest/gtest.h>

#include "compiler/ir/explain.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/json.h"

namespace etl::ir {
namespace {

TypeRef Errors() {
  return *ast::ParseType("{step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}");
}

// source `raw` (csv) -> filter `big` -> sink; raw.errors -> second sink; with every
// value kind and several expression kinds in play.
Plan SmallPlan() {
  Plan plan;
  plan.source = "small.etl";
  Value limit;
  limit.kind = Value::Kind::Duration;
  limit.int_value = 30000000;
  plan.params.push_back({"min", ast::FloatType(), Value::Float(1.5), false});
  plan.params.push_back({"wait", ast::DurationType(), limit, false});
  plan.params.push_back({"token", ast::StringType(), std::nullopt, true});

  TypeRef row = ast::RecordType({{"id", ast::IntType(), false}, {"amount", ast::FloatType(), false}, {"note", ast::WithNullable(ast::StringType(), true), false}}, "Row");
  TypeRef done = *ast::ParseType("{target: string, rows: int, bytes: int}");
  Pipeline p;
  p.name = "small";
  p.settings.schedule = Schedule{"0 2 * * *", "Europe/Paris"};
  p.settings.after = {{"a"}, {"b", "c"}};
  p.settings.retry = Retry{3, 30000000};
  p.settings.jit = "auto";

  Node raw;
  raw.id = "raw";
  raw.kind = NodeKind::Source;
  raw.binding = "raw";
  raw.step = "csv";
  raw.args.push_back({"path", ast::StringType(), Value::String("in.csv"), std::nullopt});
  raw.args.push_back({"schema", row, std::nullopt, std::nullopt});
  raw.outputs = {{"out", row}, {"errors", Errors()}};
  raw.location = {"", 3, 9, 3, 40};
  p.nodes.push_back(raw);

  Node big;
  big.id = "big";
  big.kind = NodeKind::Filter;
  big.binding = "big";
  big.inputs = {{"in", row}};
  big.outputs = {{"out", row}, {"errors", Errors()}};
  Expr id_gt = BinaryExpr(ast::BinaryOp::Gt, WidenExpr(FieldExpr(0, "id", ast::IntType()), ast::FloatType()),
                          ParamExpr("min", ast::FloatType()), ast::BoolType());
  Expr note_ok;
  note_ok.kind = ExprKind::IsNull;
  note_ok.type = ast::BoolType();
  note_ok.negated = true;
  note_ok.children.push_back(FieldExpr(2, "note", ast::WithNullable(ast::StringType(), true)));
  big.expr = BinaryExpr(ast::BinaryOp::And, id_gt, note_ok, ast::BoolType());
  big.location = {"", 4, 5, 4, 30};
  p.nodes.push_back(big);

  Node out;
  out.id = "into_jsonl@5";
  out.kind = NodeKind::Sink;
  out.step = "jsonl";
  Value record;
  record.kind = Value::Kind::Record;
  Value date;
  date.kind = Value::Kind::Date;
  date.int_value = 19723;
  record.fields = {{"day", date}, {"tags", Value{}}};
  record.fields[1].second.kind = Value::Kind::List;
  record.fields[1].second.items = {Value::String("a"), Value::Bool(false), Value::Null(), Value::Int(-7)};
  out.args.push_back({"path", ast::StringType(), Value::String("out/big.jsonl"), std::nullopt});
  out.args.push_back({"meta", ast::JsonType(), record, std::nullopt});
  out.args.push_back({"token", ast::StringType(), std::nullopt, ParamExpr("token", ast::StringType())});
  out.inputs = {{"in", row}};
  out.outputs = {{"done", done}, {"errors", Errors()}};
  p.nodes.push_back(out);

  Node rejects;
  rejects.id = "into_jsonl@6";
  rejects.kind = NodeKind::Sink;
  rejects.step = "jsonl";
  rejects.args.push_back({"path", ast::StringType(), Value::String("out/rejects.jsonl"), std::nullopt});
  rejects.inputs = {{"in", Errors()}};
  rejects.outputs = {{"done", done}, {"errors", Errors()}};
  p.nodes.push_back(rejects);

  p.edges = {{"raw", "out", "big", "in"}, {"big", "out", "into_jsonl@5", "in"}, {"raw", "errors", "into_jsonl@6", "in"}};
  plan.pipelines.push_back(p);
  return plan;
}

TEST(PlanJson, RoundTripIsLossless) {
  std::string first = PlanToJson(SmallPlan());
  std::string error;
  auto loaded = PlanFromJson(first, &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(PlanToJson(*loaded), first);
  ASSERT_EQ(first.back(), '\n');
  // Spot checks of the loaded structure, not only of the text.
  const Pipeline* p = loaded->Find("small");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->nodes.size(), 4u);
  EXPECT_EQ(p->nodes[0].outputs[0].type->name, "Row");
  EXPECT_EQ(p->nodes[1].expr->children[0].children[0].kind, ExprKind::Widen);
  EXPECT_EQ(loaded->params[1].default_value->kind, Value::Kind::Duration);
  EXPECT_EQ(p->nodes[2].args[1].value->fields[0].second.kind, Value::Kind::Date);
  EXPECT_EQ(p->settings.after.size(), 2u);
  EXPECT_EQ(p->settings.schedule->timezone, "Europe/Paris");
}

TEST(PlanJson, WritesDocumentedShape) {
  std::string text = PlanToJson(SmallPlan());
  EXPECT_EQ(text.rfind("{\n  \"format\": \"etl-plan\",\n  \"version\": 1,\n", 0), 0u) << text.substr(0, 80);
  EXPECT_NE(text.find("\"duration_us\": 30000000"), std::string::npos);
  EXPECT_NE(text.find("\"date_days\": 19723"), std::string::npos);
  EXPECT_NE(text.find("\"kind\": \"widen\""), std::string::npos);
}

// Loads `text` after replacing `from` with `to` (once) and returns the error.
std::string ErrorAfter(const std::string& from, const std::string& to) {
  std::string text = PlanToJson(SmallPlan());
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return "";
  text.replace(at, from.size(), to);
  std::string error;
  EXPECT_FALSE(PlanFromJson(text, &error)) << "accepted after replacing " << from;
  return error;
}

TEST(PlanJson, RejectsUnsupportedVersion) {
  EXPECT_EQ(ErrorAfter("\"version\": 1", "\"version\": 2"), "/version: unsupported plan version 2 (this build reads 1 to 1)");
  EXPECT_EQ(ErrorAfter("\"version\": 1", "\"version\": \"1\""), "/version: expected an integer");
}

TEST(PlanJson, RejectsDanglingEdges) {
  EXPECT_EQ(ErrorAfter("\"to\": \"big\"", "\"to\": \"bigg\""), "/pipelines/0/edges/0/to: unknown node `bigg`");
  EXPECT_EQ(ErrorAfter("\"from_port\": \"errors\"", "\"from_port\": \"oops\""),
            "/pipelines/0/edges/2/from_port: node `raw` has no output port `oops`");
}

TEST(PlanJson, RejectsEdgesBetweenIncompatibleSchemas) {
  std::string error = ErrorAfter("\"from_port\": \"errors\"", "\"from_port\": \"out\"");
  EXPECT_EQ(error.rfind("/pipelines/0/edges/2: `raw.out` carries", 0), 0u) << error;
}

TEST(PlanJson, RejectsUnknownTypes) {
  EXPECT_EQ(ErrorAfter("\"type\": \"float\"", "\"type\": \"floaty\""), "/params/0/type: unknown or malformed type `floaty`");
}

TEST(PlanJson, RejectsUnknownExpressionKinds) {
  EXPECT_EQ(ErrorAfter("\"kind\": \"widen\"", "\"kind\": \"widen_more\""),
            "/pipelines/0/nodes/1/predicate/left/left/kind: unknown expression kind `widen_more`");
}

TEST(PlanJson, RejectsDuplicateIdsAndUnknownNodeKinds) {
  EXPECT_EQ(ErrorAfter("\"id\": \"big\"", "\"id\": \"raw\""), "/pipelines/0/nodes/1/id: duplicate node id `raw`");
  EXPECT_EQ(ErrorAfter("\"kind\": \"filter\"", "\"kind\": \"filtre\""), "/pipelines/0/nodes/1/kind: unknown node kind `filtre`");
}

TEST(PlanJson, RejectsMalformedJsonAndMissingMembers) {
  std::string error;
  EXPECT_FALSE(PlanFromJson("{", &error));
  EXPECT_EQ(error.rfind("/: ", 0), 0u) << error;
  EXPECT_EQ(ErrorAfter("\"predicate\"", "\"predicat\""), "/pipelines/0/nodes/1/predicate: missing");
  EXPECT_EQ(ErrorAfter("\"slot\": 2", "\"slot\": -2"), "/pipelines/0/nodes/1/predicate/right/arg/slot: a field slot must be >= 0");
}

TEST(PlanGraph, Mermaid) {
  EXPECT_EQ(RenderGraph(SmallPlan(), GraphFormat::Mermaid),
            "flowchart LR\n"
            "  n0([\"raw<br/>source csv\"])\n"
            "  n1[\"big<br/>filter\"]\n"
            "  n2([\"into_jsonl@5<br/>into jsonl\"])\n"
            "  n3([\"into_jsonl@6<br/>into jsonl\"])\n"
            "  n0 --> n1\n"
            "  n1 --> n2\n"
            "  n0 -.->|\"errors\"| n3\n");
}

TEST(PlanGraph, Dot) {
  std::string dot = RenderGraph(SmallPlan(), GraphFormat::Dot);
  EXPECT_EQ(dot.rfind("digraph plan {\n  rankdir=LR;\n", 0), 0u);
  EXPECT_NE(dot.find("  \"small/raw\" [label=\"raw\\nsource csv\", shape=oval];\n"), std::string::npos) << dot;
  EXPECT_NE(dot.find("  \"small/raw\" -> \"small/big\";\n"), std::string::npos) << dot;
  EXPECT_NE(dot.find("  \"small/raw\" -> \"small/into_jsonl@6\" [label=\"errors\", style=dashed, color=red];\n"), std::string::npos) << dot;
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
}

TEST(PlanGraph, Json) {
  std::string json = RenderGraph(SmallPlan(), GraphFormat::Json);
  EXPECT_NE(json.find("\"label\": \"source csv\""), std::string::npos);
  EXPECT_NE(json.find("\"from_port\": \"errors\""), std::string::npos);
  EXPECT_TRUE(ParseGraphFormat("mermaid"));
  EXPECT_FALSE(ParseGraphFormat("svg"));
}

TEST(PlanExplain, ListsEveryNodeWithSchemas) {
  std::string text = Explain(SmallPlan());
  EXPECT_EQ(text,
            "pipeline small\n"
            "\n"
            "raw  (source csv, line 3)\n"
            "  out:    Row {id: int, amount: float, note: string?}\n"
            "  args:   path: \"in.csv\", schema: Row\n"
            "\n"
            "big  (filter, line 4)\n"
            "  in:     Row {id: int, amount: float, note: string?}  <- raw\n"
            "  out:    Row {id: int, amount: float, note: string?}\n"
            "  where:  (float(id) > param.min) and (note is not null)\n"
            "\n"
            "into_jsonl@5  (into jsonl)\n"
            "  in:       Row {id: int, amount: float, note: string?}  <- big\n"
            "  out done: {target: string, rows: int, bytes: int}\n"
            "  args:   path: \"out/big.jsonl\", meta: {day: @2024-01-01, tags: [\"a\", false, null, -7]}, token: param.token\n"
            "\n"
            "into_jsonl@6  (into jsonl)\n"
            "  in:       {step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}  <- raw.errors\n"
            "  out done: {target: string, rows: int, bytes: int}\n"
            "  args:   path: \"out/rejects.jsonl\"\n"
            "\n"
            "every step also has an `errors` port: {step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}\n");
}

}  // namespace
}  // namespace etl::ir
