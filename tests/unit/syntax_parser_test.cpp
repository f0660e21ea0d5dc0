// Parser tests: AST shape of the language.md programs, recovery, ranges.
#include <gtest/gtest.h>

#include <chrono>

#include "compiler/ast/dump.h"
#include "compiler/syntax/parser.h"
#include "tests/unit/syntax_test_util.h"

namespace etl::syntax {
namespace {

using test::Parsed;

TEST(Parser, OrdersProgramShape) {
  Parsed p(test::kOrdersProgram);
  EXPECT_TRUE(p.diagnostics.All().empty()) << p.Errors();
  ASSERT_EQ(p.module->decls.size(), 5u);
  EXPECT_FALSE(p.module->has_syntax_errors);

  auto* schema = p.module->decls[0]->As<ast::SchemaDecl>();
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->name.text, "Order");
  ASSERT_EQ(schema->fields.size(), 8u);
  EXPECT_EQ(schema->fields[7].name.text, "note");
  EXPECT_TRUE(schema->fields[7].type->nullable);
  EXPECT_EQ(schema->fields[7].type->name.name.text, "string");
  EXPECT_EQ(p.Pos(schema->fields[6].range), "9:3");

  auto* rates = p.module->decls[1]->As<ast::ConstDecl>();
  ASSERT_NE(rates, nullptr);
  ASSERT_EQ(rates->value->kind, ast::ExprKind::RecordLit);
  EXPECT_EQ(rates->value->fields.size(), 5u);
  EXPECT_EQ(rates->value->fields[1].name.text, "EUR");
  EXPECT_DOUBLE_EQ(rates->value->fields[1].value->float_value, 1.08);

  auto* usd = p.module->decls[2]->As<ast::FnDecl>();
  ASSERT_NE(usd, nullptr);
  ASSERT_EQ(usd->params.size(), 2u);
  EXPECT_EQ(usd->params[1].name.text, "currency");
  ASSERT_NE(usd->result, nullptr);
  EXPECT_EQ(usd->body->kind, ast::ExprKind::Binary);
  EXPECT_EQ(usd->body->binary_op, ast::BinaryOp::Mul);
  const ast::Expr& paren = *usd->body->children[1];
  ASSERT_EQ(paren.kind, ast::ExprKind::Paren);
  EXPECT_EQ(paren.children[0]->binary_op, ast::BinaryOp::Coalesce);
  EXPECT_EQ(paren.children[0]->children[0]->kind, ast::ExprKind::Index);

  auto* param = p.module->decls[3]->As<ast::ParamDecl>();
  ASSERT_NE(param, nullptr);
  EXPECT_EQ(param->name.text, "min_amount");
  ASSERT_NE(param->default_value, nullptr);

  auto* pipeline = p.module->decls[4]->As<ast::PipelineDecl>();
  ASSERT_NE(pipeline, nullptr);
  ASSERT_EQ(pipeline->statements.size(), 8u);
  const ast::Statement& raw = pipeline->statements[0];
  EXPECT_EQ(raw.kind, ast::Statement::Kind::Binding);
  EXPECT_EQ(raw.name.text, "raw");
  EXPECT_EQ(raw.chain.head.kind, ast::Head::Kind::From);
  EXPECT_EQ(raw.chain.head.source->callee.name.text, "csv");
  ASSERT_EQ(raw.chain.head.source->args.size(), 2u);
  EXPECT_EQ(raw.chain.head.source->args[1].name->text, "schema");

  const ast::Statement& clean = pipeline->statements[1];
  ASSERT_EQ(clean.chain.ops.size(), 2u);
  EXPECT_EQ(clean.chain.ops[0].kind, ast::OpKind::Filter);
  EXPECT_EQ(clean.chain.ops[0].expr->binary_op, ast::BinaryOp::And);
  EXPECT_EQ(clean.chain.ops[0].expr->children[1]->binary_op, ast::BinaryOp::In);
  EXPECT_EQ(clean.chain.ops[1].kind, ast::OpKind::Derive);
  ASSERT_EQ(clean.chain.ops[1].assignments.size(), 2u);
  EXPECT_EQ(clean.chain.ops[1].assignments[0].value->kind, ast::ExprKind::Call);
  EXPECT_EQ(clean.chain.ops[1].assignments[0].value->children[0]->text, "usd");
  EXPECT_EQ(p.Pos(clean.chain.ops[1].keyword_range), "24:7");

  const ast::Op& route = pipeline->statements[2].chain.ops[0];
  ASSERT_EQ(route.kind, ast::OpKind::Route);
  ASSERT_EQ(route.branches.size(), 2u);
  EXPECT_NE(route.branches[0].condition, nullptr);
  EXPECT_EQ(route.branches[1].condition, nullptr);

  const ast::Op& aggregate = pipeline->statements[3].chain.ops[0];
  ASSERT_EQ(aggregate.kind, ast::OpKind::Aggregate);
  ASSERT_EQ(aggregate.keys.size(), 2u);
  EXPECT_TRUE(aggregate.keys[0].name.Empty());
  EXPECT_EQ(aggregate.keys[1].name.text, "day");
  ASSERT_EQ(aggregate.assignments.size(), 2u);
  EXPECT_EQ(aggregate.assignments[1].name.text, "revenue");

  const ast::Statement& big = pipeline->statements[4];
  EXPECT_EQ(big.kind, ast::Statement::Kind::Flow);
  EXPECT_EQ(big.chain.head.refs[0].ToString(), "sizes.big");
  EXPECT_EQ(big.chain.ops[0].kind, ast::OpKind::Into);
  const ast::Statement& small = pipeline->statements[5];
  ASSERT_EQ(small.chain.ops.size(), 2u);
  EXPECT_EQ(small.chain.ops[0].assignments.size(), 3u);
  EXPECT_EQ(small.chain.ops[0].assignments[2].value, nullptr);
  EXPECT_EQ(pipeline->statements[7].chain.head.refs[0].ToString(), "raw.errors");

  ASSERT_GE(p.module->comments.size(), 3u);
  EXPECT_EQ(p.module->comments[0].text, "// orders.etl");
}

TEST(Parser, TestBlockShape) {
  Parsed p(test::kTestBlock);
  EXPECT_TRUE(p.diagnostics.All().empty()) << p.Errors();
  ASSERT_EQ(p.module->decls.size(), 1u);
  auto* test_decl = p.module->decls[0]->As<ast::TestDecl>();
  ASSERT_NE(test_decl, nullptr);
  EXPECT_EQ(test_decl->title, "big orders are routed");
  EXPECT_EQ(test_decl->pipeline.text, "orders");
  ASSERT_EQ(test_decl->items.size(), 4u);
  EXPECT_EQ(test_decl->items[0].kind, ast::TestItem::Kind::Given);
  EXPECT_EQ(test_decl->items[0].name.text, "raw");
  const ast::Expr& records = *test_decl->items[0].expr;
  ASSERT_EQ(records.kind, ast::ExprKind::ListLit);
  ASSERT_EQ(records.children[0]->fields.size(), 8u);
  EXPECT_EQ(records.children[0]->fields[6].value->kind, ast::ExprKind::TimestampLit);
  EXPECT_EQ(records.children[0]->fields[6].value->int_value, 1704067200000000LL);
  EXPECT_EQ(test_decl->items[1].kind, ast::TestItem::Kind::ExpectRows);
  EXPECT_EQ(test_decl->items[1].stream.ToString(), "sizes.big");
  EXPECT_EQ(test_decl->items[1].expr->int_value, 1);
  EXPECT_EQ(test_decl->items[2].kind, ast::TestItem::Kind::Expect);
  const ast::Expr& eq = *test_decl->items[2].expr;
  EXPECT_EQ(eq.binary_op, ast::BinaryOp::Eq);
  EXPECT_EQ(eq.children[0]->kind, ast::ExprKind::FieldAccess);
  EXPECT_EQ(eq.children[0]->text, "total");
  EXPECT_EQ(eq.children[0]->children[0]->kind, ast::ExprKind::Index);
  EXPECT_EQ(test_decl->items[3].kind, ast::TestItem::Kind::ExpectEmpty);
  EXPECT_EQ(test_decl->items[3].stream.ToString(), "sizes.small");
}

TEST(Parser, EveryOperatorAndSetting) {
  Parsed p(R"(pipeline p {
  schedule "0 2 * * *" tz "Europe/Paris"
  schedule every 15m
  after a, any(b, c)
  on file("in/*.csv")
  retry 3 backoff 30s
  timeout 1h
  max_errors 100
  persist disk
  jit auto
  concurrency 4
  x = union(a, b.errors,)
    | drop a, b
    | rename a as b, `c d` as e
    | explode items as item
    | dedup by id, lower(name) within 1h
    | sort by ts desc, id asc, x
    | take 10
    | join left other.out on id == other.id
    | validate { amount > 0: "positive"; qty >= 1: "qty" }
    | aggregate by k window tumbling(5m, on: ts) { n = count() }
    | exec("python3 score.py", output: Scored)
  x | into stdout()
})");
  EXPECT_TRUE(p.diagnostics.All().empty()) << p.Errors();
  auto* pipeline = p.module->decls.at(0)->As<ast::PipelineDecl>();
  ASSERT_NE(pipeline, nullptr);
  ASSERT_EQ(pipeline->statements.size(), 12u);
  const auto& s = pipeline->statements;
  EXPECT_EQ(s[0].setting.kind, ast::SettingKind::Schedule);
  EXPECT_EQ(s[0].setting.text, "0 2 * * *");
  EXPECT_EQ(*s[0].setting.timezone, "Europe/Paris");
  EXPECT_EQ(s[1].setting.duration_us, 15LL * 60 * 1000000);
  ASSERT_EQ(s[2].setting.after.size(), 2u);
  EXPECT_TRUE(s[2].setting.after[1].any);
  EXPECT_EQ(s[2].setting.after[1].pipelines.size(), 2u);
  EXPECT_EQ(s[3].setting.trigger->callee.name.text, "file");
  EXPECT_EQ(s[4].setting.number, 3);
  EXPECT_EQ(*s[4].setting.backoff_us, 30000000);
  EXPECT_EQ(s[5].setting.duration_us, 3600000000LL);
  EXPECT_EQ(s[6].setting.number, 100);
  EXPECT_EQ(s[7].setting.mode.text, "disk");
  EXPECT_EQ(s[8].setting.mode.text, "auto");
  EXPECT_EQ(s[9].setting.number, 4);
  const ast::Chain& chain = s[10].chain;
  EXPECT_EQ(chain.head.kind, ast::Head::Kind::Union);
  ASSERT_EQ(chain.head.refs.size(), 2u);
  EXPECT_EQ(chain.head.refs[1].ToString(), "b.errors");
  ASSERT_EQ(chain.ops.size(), 10u);
  EXPECT_EQ(chain.ops[0].names.size(), 2u);
  EXPECT_EQ(chain.ops[1].renames[1].from.text, "c d");
  EXPECT_EQ(chain.ops[2].names[0].text, "item");
  EXPECT_EQ(chain.ops[3].exprs.size(), 2u);
  EXPECT_EQ(*chain.ops[3].within_us, 3600000000LL);
  EXPECT_TRUE(chain.ops[4].sort_keys[0].descending);
  EXPECT_FALSE(chain.ops[4].sort_keys[1].descending);
  EXPECT_EQ(chain.ops[5].count, 10);
  EXPECT_TRUE(chain.ops[6].left_join);
  EXPECT_EQ(chain.ops[6].join_with.ToString(), "other.out");
  ASSERT_EQ(chain.ops[7].rules.size(), 2u);
  EXPECT_EQ(chain.ops[7].rules[0].message, "positive");
  EXPECT_EQ(chain.ops[8].call->callee.name.text, "tumbling");
  EXPECT_EQ(chain.ops[8].assignments.size(), 1u);
  EXPECT_EQ(chain.ops[9].kind, ast::OpKind::Call);
  EXPECT_EQ(chain.ops[9].call->args[1].name->text, "output");
}

TEST(Parser, DeclarationsTypesAndDocs) {
  Parsed p(R"(import "lib/common.etl" as lib
/// First line.
/// Second line.
schema S {
  /// The amount.
  a: decimal(10, 2) = 0
  b: list<map<int?>>?; c: {x: int, y: lib.Kind}
}

/// Not attached: a blank line follows.

const k: int = 1
fn f() = 1
)");
  EXPECT_TRUE(p.diagnostics.All().empty()) << p.Errors();
  ASSERT_EQ(p.module->decls.size(), 4u);
  auto* import = p.module->decls[0]->As<ast::ImportDecl>();
  EXPECT_EQ(import->path, "lib/common.etl");
  EXPECT_EQ(import->name.text, "lib");
  auto* schema = p.module->decls[1]->As<ast::SchemaDecl>();
  EXPECT_EQ(schema->doc, "First line.\nSecond line.");
  ASSERT_EQ(schema->fields.size(), 3u);
  EXPECT_EQ(schema->fields[0].doc, "The amount.");
  EXPECT_EQ(schema->fields[0].type->kind, ast::TypeExpr::Kind::Decimal);
  EXPECT_EQ(schema->fields[0].type->precision, 10);
  EXPECT_EQ(schema->fields[0].type->scale, 2);
  EXPECT_NE(schema->fields[0].default_value, nullptr);
  const ast::TypeExpr& b = *schema->fields[1].type;
  EXPECT_EQ(b.kind, ast::TypeExpr::Kind::Generic);
  EXPECT_TRUE(b.nullable);
  EXPECT_EQ(b.args[0]->name.name.text, "map");
  EXPECT_TRUE(b.args[0]->args[0]->nullable);
  const ast::TypeExpr& c = *schema->fields[2].type;
  EXPECT_EQ(c.kind, ast::TypeExpr::Kind::Record);
  ASSERT_EQ(c.fields.size(), 2u);
  EXPECT_EQ(c.fields[1].type->name.ToString(), "lib.Kind");
  EXPECT_EQ(p.module->decls[2]->doc, "");
  EXPECT_NE(p.module->decls[2]->As<ast::ConstDecl>()->type, nullptr);
  int docs = 0;
  for (const ast::Comment& comment : p.module->comments) docs += comment.doc;
  EXPECT_EQ(docs, 4);
}

TEST(Parser, ExpressionShapes) {
  auto dump = [](const char* text) { return test::DumpExpression(text); };
  EXPECT_EQ(dump("a not in b"), "(Binary not in @1:1\n  (NameRef a @1:1)\n  (NameRef b @1:10))\n");
  EXPECT_EQ(dump("x is not null"), "(IsNull not @1:1\n  (NameRef x @1:1))\n");
  EXPECT_EQ(dump("-1"), "(Unary - @1:1\n  (IntLit 1 =1 @1:2))\n");
  EXPECT_EQ(dump("-9223372036854775808"), "(IntLit -9223372036854775808 =-9223372036854775808 @1:1)\n");
  EXPECT_EQ(dump("a.b(1)"),
            "(Call @1:1\n  (FieldAccess .b @1:1\n    (NameRef a @1:1))\n  (arg @1:5\n    (IntLit 1 =1 @1:5)))\n");
  EXPECT_EQ(dump("a?.b"), "(FieldAccess ?.b @1:1\n  (NameRef a @1:1))\n");
  EXPECT_EQ(dump("1 - 2 - 3"),
            "(Binary - @1:1\n  (Binary - @1:1\n    (IntLit 1 =1 @1:1)\n    (IntLit 2 =2 @1:5))\n  (IntLit 3 =3 @1:9))\n");
  EXPECT_EQ(dump("if a then 1 else 2"),
            "(If @1:1\n  (NameRef a @1:4)\n  (IntLit 1 =1 @1:11)\n  (IntLit 2 =2 @1:18))\n");
  EXPECT_EQ(dump("not a or b and c"),
            "(Binary or @1:1\n  (Unary not @1:1\n    (NameRef a @1:5))\n  (Binary and @1:10\n"
            "    (NameRef b @1:10)\n    (NameRef c @1:16)))\n");
  EXPECT_EQ(dump("s ~ r\"^a+$\""), "(Binary ~ @1:1\n  (NameRef s @1:1)\n  (StringLit r\"^a+$\" @1:5))\n");
  EXPECT_EQ(dump("match x { 1 | -2 => \"a\", lib.K => \"k\", _ => \"b\" }"),
            "(Match @1:1\n  (NameRef x @1:7)\n  (arm @1:11\n    (IntLit 1 =1 @1:11)\n    (Unary - @1:15\n"
            "      (IntLit 2 =2 @1:16))\n    (=> @1:21\n      (StringLit \"a\" @1:21)))\n  (arm @1:26\n"
            "    (FieldAccess .K @1:26\n      (NameRef lib @1:26))\n    (=> @1:35\n      (StringLit \"k\" @1:35)))\n"
            "  (arm _ @1:40\n    (=> @1:45\n      (StringLit \"b\" @1:45))))\n");
  EXPECT_EQ(dump("`order id` + {\"a b\": 1}[\"a b\"]"),
            "(Binary + @1:1\n  (NameRef order id @1:1)\n  (Index @1:14\n    (RecordLit @1:14\n"
            "      (field a b @1:15\n        (IntLit 1 =1 @1:22)))\n    (StringLit \"a b\" @1:25)))\n");
}

TEST(Parser, NameRangesIncludeBackticks) {
  Parsed p("const `my const` = x.`a b`");
  ASSERT_EQ(p.module->decls.size(), 1u);
  const ast::Decl& decl = *p.module->decls[0];
  EXPECT_EQ(decl.name.text, "my const");
  EXPECT_EQ(p.Text(decl.name.range), "`my const`");
  const ast::Expr& access = *decl.As<ast::ConstDecl>()->value;
  EXPECT_EQ(access.text, "a b");
  EXPECT_EQ(p.Text(access.name_range), "`a b`");
  EXPECT_EQ(p.Text(access.children[0]->name_range), "x");
}

TEST(Parser, SoftKeywordsAsNames) {
  Parsed p("schema date { left: int, timeout: string, filter: bool }\nconst by = left.rows + date");
  EXPECT_TRUE(p.diagnostics.All().empty()) << p.Errors();
  ASSERT_EQ(p.module->decls.size(), 2u);
  EXPECT_EQ(p.module->decls[0]->As<ast::SchemaDecl>()->fields[2].name.text, "filter");
}

TEST(Parser, RecoveryKeepsValidDeclarations) {
  Parsed p(R"(schema A { a: int }
const broken1 = (1 +
fn good(x: int) = x * 2
pipeline p {
  a = from csv("a.csv") | filter x > )
  a | into stdout()
}
const broken2 = [1, 2,, 3]
const good2 = 5
param broken3: = 1
param good3: int
)");
  EXPECT_EQ(p.diagnostics.ErrorCount(), 4u) << p.Errors();
  EXPECT_TRUE(p.module->has_syntax_errors);
  std::vector<std::string> names;
  for (const auto& decl : p.module->decls) names.push_back(decl->name.text);
  EXPECT_EQ(names, (std::vector<std::string>{"A", "good", "p", "good2", "good3"}));
  EXPECT_EQ(p.Errors(),
            "3:1 E0001 expected an expression, found `fn`\n"
            "5:38 E0001 expected an expression, found `)`\n"
            "8:23 E0001 expected an expression, found `,`\n"
            "10:16 E0001 expected a type, found `=`\n");
}

TEST(Parser, ThreeSeparateErrors) {
  Parsed p("const a = 1 +\nconst b = )\nconst ok = 1\nfn f(x int) = 1\n");
  EXPECT_EQ(p.Errors(),
            "2:1 E0001 expected an expression, found `const`\n"
            "2:11 E0001 expected an expression, found `)`\n"
            "4:8 E0001 expected `:`, found `int`\n");
  // `fn f(x int)` is recovered by inserting the missing `:`.
  ASSERT_EQ(p.module->decls.size(), 2u);
  EXPECT_EQ(p.module->decls[0]->name.text, "ok");
  EXPECT_EQ(p.module->decls[1]->name.text, "f");
}

TEST(Parser, MissingClosingDelimiter) {
  Parsed p("fn f(x: int = 1\npipeline p {\n  a = from x() | into y(\n}\n");
  EXPECT_EQ(p.Errors(), "1:13 E0001 expected `,` or `)`, found `=`\n4:1 E0001 expected an expression or `)`, found `}`\n");
}

TEST(Parser, EmptyAndWhitespaceFiles) {
  for (const char* text : {"", "   \n\n", "// only a comment\n", ";;;"}) {
    Parsed p(text);
    EXPECT_TRUE(p.diagnostics.All().empty()) << text << p.Errors();
    EXPECT_TRUE(p.module->decls.empty());
  }
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "const x = " + std::string(5000, '(') + "1" + std::string(5000, ')') + "\nconst y = 2\n";
  Parsed p(deep);
  EXPECT_NE(p.Errors().find("nesting too deep"), std::string::npos) << p.Errors();
  ASSERT_EQ(p.module->decls.size(), 1u);
  EXPECT_EQ(p.module->decls[0]->name.text, "y");

  std::string minus = "const x = " + std::string(20000, '-') + "1\n";
  Parsed q(minus);
  EXPECT_NE(q.Errors().find("nesting too deep"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  Parsed r("const x = " + nots + "true");
  EXPECT_NE(r.Errors().find("nesting too deep"), std::string::npos);

  // 150 levels are fine.
  Parsed ok("const x = " + std::string(150, '[') + "1" + std::string(150, ']'));
  EXPECT_TRUE(ok.diagnostics.All().empty()) << ok.Errors();
  ASSERT_EQ(ok.module->decls.size(), 1u);
}

TEST(Parser, SyntaxErrorsAreCapped) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "const x = )\n";
  Parsed p(text);
  EXPECT_EQ(p.diagnostics.ErrorCount(), 100u);
}

TEST(Parser, FastOnLargeFiles) {
  std::string text;
  while (std::count(text.begin(), text.end(), '\n') < 2000) text += test::kOrdersProgram;
  Parsed warm(test::kOrdersProgram);
  auto start = std::chrono::steady_clock::now();
  Parsed p(text);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(p.diagnostics.ErrorCount(), 0u);
  EXPECT_GT(p.module->decls.size(), 200u);
  // Timing is reported, not asserted (bench/ owns performance); ~20 ms CPU here.
  std::cout << "2000+ lines parsed in " << ms << " ms\n";
}

TEST(Parser, DumpShowsTypesAndPositions) {
  Parsed p("const a = 1");
  std::string dump = ast::DumpAst(*p.module, p.sources);
  EXPECT_EQ(dump, "(module\n  (const a @1:1\n    (IntLit 1 =1 @1:11)))\n");
  auto* c = p.module->decls[0]->As<ast::ConstDecl>();
  c->value->type = ast::IntType();
  EXPECT_NE(ast::DumpAst(*p.module, p.sources).find("(IntLit 1 =1 @1:11 : int)"), std::string::npos);
}

}  // namespace
}  // namespace etl::syntax

namespace etl::syntax {
namespace {

// Found by the front-end fuzz test: an invalid UTF-8 byte inside a string literal reached
// the plan JSON writer, which refuses it. It is a lexical error at the byte.
TEST(Parser, InvalidUtf8InATokenIsAnError) {
  Parsed p("const s = \"a\x8D" "b\"\n// a comment may hold \x8D anything\n");
  EXPECT_EQ(p.Errors(), "1:13 E0004 invalid UTF-8: byte 0x8D does not start a valid character (files must be UTF-8)\n");
}

}  // namespace
}  // namespace etl::syntax

namespace etl::syntax {
namespace {

// `#` starts a comment in YAML, TOML and shell; the rest of its line is skipped so the
// words after it do not each become an "unknown step".
TEST(Parser, HashLineIsOneErrorWithAHint) {
  Parsed p("const a = 1\n# the next const\nconst b = 2\n");
  EXPECT_EQ(p.Errors(), "2:1 E0004 invalid character `#`\n");
  ASSERT_EQ(p.diagnostics.All().size(), 1u);
  EXPECT_EQ(p.diagnostics.All()[0].notes.at(0).message, "comments start with `//`");
  EXPECT_EQ(p.module->decls.size(), 2u);
}

}  // namespace
}  // namespace etl::syntax

namespace etl::syntax {
namespace {

TEST(Parser, ReservedWordAsANameSuggestsBackticks) {
  Parsed p("schema S {\n  from: string\n}\n");
  ASSERT_EQ(p.diagnostics.All().size(), 1u) << p.Errors();
  const auto& d = p.diagnostics.All()[0];
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "`from` is a reserved word; to use it as a name, write it in backticks: `` `from` ``");
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].replacement, "`from`");
}

}  // namespace
}  // namespace etl::syntax
