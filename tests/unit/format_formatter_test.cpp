// The canonical formatter: layout, comments, literals as written, idempotency and
// meaning preservation over every .etl file of the repository.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/format/ast_shape.h"
#include "compiler/format/formatter.h"
#include "compiler/format/printer.h"
#include "compiler/syntax/parser.h"

namespace etl::format {
namespace {

struct Parsed {
  diag::SourceManager sources;
  diag::Diagnostics diagnostics;
  std::unique_ptr<ast::Module> module;
};

std::unique_ptr<Parsed> Parse(const std::string& text, const std::string& path = "test.etl") {
  auto parsed = std::make_unique<Parsed>();
  diag::FileId file = parsed->sources.Add(path, text);
  parsed->module = syntax::ParseModule(parsed->sources, file, parsed->diagnostics);
  return parsed;
}

std::string DiagnosticsText(const Parsed& parsed) {
  std::string out;
  for (const auto& d : parsed.diagnostics.All()) {
    auto pos = parsed.sources.File(d.range.file == diag::kNoFile ? 0 : d.range.file).Position(d.range.begin);
    out += std::to_string(pos.line) + ":" + std::to_string(pos.col) + " " + d.message + "\n";
  }
  return out;
}

// Formats text that must parse without errors.
std::string Format(const std::string& text) {
  auto parsed = Parse(text);
  EXPECT_FALSE(parsed->module->has_syntax_errors) << DiagnosticsText(*parsed);
  return FormatModule(*parsed->module, parsed->sources);
}

std::vector<std::string> CommentTexts(const ast::Module& module) {
  std::vector<std::string> texts;
  for (const auto& comment : module.comments) {
    std::string text = comment.text;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    texts.push_back(text);
  }
  std::sort(texts.begin(), texts.end());
  return texts;
}

// Formatting is idempotent, keeps the AST shape and every comment, and leaves clean text.
void ExpectStable(const std::string& text, const std::string& what) {
  auto parsed = Parse(text, what);
  if (parsed->module->has_syntax_errors) {
    EXPECT_EQ(FormatModule(*parsed->module, parsed->sources), text)
        << what << ": syntax errors, must be unchanged";
    return;
  }
  std::string once = FormatModule(*parsed->module, parsed->sources);
  auto reparsed = Parse(once, what);
  ASSERT_FALSE(reparsed->module->has_syntax_errors) << what << ": formatted text does not parse:\n"
                                                    << DiagnosticsText(*reparsed) << once;
  EXPECT_EQ(AstShape(*reparsed->module), AstShape(*parsed->module)) << what << ": meaning changed:\n" << once;
  EXPECT_EQ(CommentTexts(*reparsed->module), CommentTexts(*parsed->module)) << what << ": comments changed:\n"
                                                                            << once;
  std::string twice = FormatModule(*reparsed->module, reparsed->sources);
  EXPECT_EQ(twice, once) << what << ": not idempotent";
  if (!once.empty()) {
    EXPECT_EQ(once.back(), '\n') << what;
    EXPECT_FALSE(once.size() >= 2 && once[once.size() - 2] == '\n') << what << ": blank line at the end";
  }
  std::istringstream lines(once);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    bool verbatim = line.find("*/") != std::string::npos || line.find("/*") != std::string::npos;
    if (!verbatim && !line.empty()) {
      EXPECT_NE(line.back(), ' ') << what << ":" << number << ": trailing whitespace";
    }
  }
}

// ---------------------------------------------------------------- a hand-built AST

ast::ExprPtr IntLit(int64_t value) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = ast::ExprKind::IntLit;
  e->int_value = value;
  return e;
}

ast::ExprPtr Binary(ast::BinaryOp op, ast::ExprPtr left, ast::ExprPtr right) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = ast::ExprKind::Binary;
  e->binary_op = op;
  e->children.push_back(std::move(left));
  e->children.push_back(std::move(right));
  return e;
}

TEST(FormatHandBuilt, AddsParenthesesOnlyWherePrecedenceNeedsThem) {
  diag::SourceManager sources;
  ast::Module module;
  module.file = sources.Add("synthetic.etl", "");
  auto constant = std::make_unique<ast::ConstDecl>();
  constant->name.text = "order id";
  // (1 + 2) * 3 - (4 - 5), written without Paren nodes.
  constant->value =
      Binary(ast::BinaryOp::Sub,
             Binary(ast::BinaryOp::Mul, Binary(ast::BinaryOp::Add, IntLit(1), IntLit(2)), IntLit(3)),
             Binary(ast::BinaryOp::Sub, IntLit(4), IntLit(5)));
  module.decls.push_back(std::move(constant));
  auto other = std::make_unique<ast::ConstDecl>();
  other->name.text = "x";
  other->value = Binary(ast::BinaryOp::Add, Binary(ast::BinaryOp::Add, IntLit(1), IntLit(2)), IntLit(3));
  module.decls.push_back(std::move(other));
  EXPECT_EQ(FormatModule(module, sources), "const `order id` = (1 + 2) * 3 - (4 - 5)\nconst x = 1 + 2 + 3\n");
}

TEST(FormatHandBuilt, SyntaxErrorsReturnTheTextUnchanged) {
  diag::SourceManager sources;
  ast::Module module;
  module.file = sources.Add("broken.etl", "schema A {  x: \n");
  module.has_syntax_errors = true;
  EXPECT_EQ(FormatModule(module, sources), "schema A {  x: \n");
}

TEST(FormatHandBuilt, NamesGetBackticksWhenNeeded) {
  EXPECT_EQ(NameText("amount"), "amount");
  EXPECT_EQ(NameText("_x1"), "_x1");
  EXPECT_EQ(NameText("order id"), "`order id`");
  EXPECT_EQ(NameText("from"), "`from`");
  EXPECT_EQ(NameText("1st"), "`1st`");
  EXPECT_EQ(NameText("_"), "`_`");
  EXPECT_EQ(NameText("date"), "date");  // soft keyword: a plain name
  EXPECT_EQ(FormatDuration(90'000'000), "1m30s");
}

// ---------------------------------------------------------------- language.md examples

const char* const kOrdersCanonical = R"(// orders.etl
schema Order {
  id:       int
  customer: string
  country:  string
  amount:   float
  currency: string
  qty:      int
  ts:       timestamp
  note:     string?  // `?` = nullable
}

const rates = {USD: 1.0, EUR: 1.08, GBP: 1.27, JPY: 0.0067, CHF: 1.13}

fn usd(amount: float, currency: string) -> float = amount * (rates[currency] ?? 1.0)

param min_amount: float = 0.0  // etlc run orders.etl --param min_amount=10

pipeline orders {
  raw = from csv("data/orders.csv", schema: Order)

  clean = raw
    | filter amount > min_amount and country in ["US", "DE", "FR", "GB", "JP"]
    | derive amount_usd = usd(amount, currency), total = amount_usd * qty

  sizes = clean | route {
    big:   total >= 1000
    small: else
  }

  daily = clean | aggregate by country, day = date(ts) {
    orders  = count()
    revenue = sum(total)
  }

  sizes.big   | into jsonl("out/big.jsonl")
  sizes.small | select id, customer, total | into csv("out/small.csv")
  daily       | into csv("out/daily.csv")
  raw.errors  | into jsonl("out/rejects.jsonl")
}
)";

TEST(FormatLanguage, WholeProgramIsAFixpoint) {
  EXPECT_EQ(Format(kOrdersCanonical), kOrdersCanonical);
  ExpectStable(kOrdersCanonical, "orders");
}

TEST(FormatLanguage, MessyProgramBecomesCanonical) {
  const char* messy = R"(// orders.etl
schema Order { id : int, customer:string; country: string
  amount:float currency :string qty: int
     ts: timestamp note:string?            // `?` = nullable
}
const   rates={USD:1.0,EUR:1.08,GBP:1.27,JPY:0.0067,CHF:1.13}
fn usd( amount:float,currency:string )->float=amount*(rates[currency]??1.0)



param min_amount:float=0.0  // etlc run orders.etl --param min_amount=10
pipeline orders{raw=from csv("data/orders.csv",schema:Order)

  clean = raw | filter amount>min_amount and country in ["US","DE","FR","GB","JP"] | derive amount_usd=usd(amount,currency),total=amount_usd*qty


  sizes = clean
    | route { big: total>=1000, small: else }

  daily = clean | aggregate by country, day = date(ts) { orders = count(); revenue = sum(total) }

  sizes.big | into jsonl("out/big.jsonl"); sizes.small | select id, customer, total | into csv("out/small.csv")
  daily | into csv("out/daily.csv")
  raw.errors | into jsonl("out/rejects.jsonl")
}
)";
  EXPECT_EQ(Format(messy), kOrdersCanonical);
  ExpectStable(messy, "messy orders");
}

TEST(FormatLanguage, TestBlock) {
  const char* canonical = R"(test "big orders are routed" for orders {
  given raw = [
    {id: 1, customer: "a", country: "US", amount: 2000.0, currency: "USD", qty: 1, ts: @2024-01-01T00:00:00Z, note: null}
  ]
  expect sizes.big has 1 rows
  expect sizes.big[0].total == 2000.0
  expect sizes.small is empty
}
)";
  EXPECT_EQ(Format(canonical), canonical);
  EXPECT_EQ(
      Format(
          R"(test "big orders are routed" for orders { given raw = [{id: 1, customer: "a", country: "US", amount: 2000.0, currency: "USD", qty: 1, ts: @2024-01-01T00:00:00Z, note: null}]
  expect sizes.big has 1 rows; expect sizes.big[0].total==2000.0
  expect sizes.small is empty })"),
      canonical);
}

// ---------------------------------------------------------------- details

TEST(FormatDetails, LiteralsArePrintedAsWritten) {
  const char* text =
      "const a = 1_000_000\nconst b = r\"raw\\d+\"\nconst c = \"tab\\t${a + 1} \\\"q\\\"\"\n"
      "const d = 1e6\nconst e = 2h30m\nconst f = @2024-01-31\nconst g = @2024-01-31T12:00:00Z\n";
  EXPECT_EQ(Format(text), text);
}

TEST(FormatDetails, OperatorsCallsAndCollections) {
  EXPECT_EQ(Format("const x=-a+b*c??1.0\n"), "const x = -a + b * c ?? 1.0\n");
  EXPECT_EQ(Format("const x=if a>1 then [1,2] else []\n"), "const x = if a > 1 then [1, 2] else []\n");
  EXPECT_EQ(Format("const x = not a in [1] and b is not null or c~r\"x\"\n"),
            "const x = not a in [1] and b is not null or c ~ r\"x\"\n");
  EXPECT_EQ(Format("const x = f( a , k : {a:1,`b c`:\"x\"} )?.y[0]\n"),
            "const x = f(a, k: {a: 1, `b c`: \"x\"})?.y[0]\n");
  EXPECT_EQ(Format("const x = ((a))\n"), "const x = ((a))\n");
  EXPECT_EQ(Format("fn t(x: int) -> string = match x { 1 | 2 => \"low\", _ => \"high\" }\n"),
            "fn t(x: int) -> string = match x {\n  1 | 2 => \"low\",\n  _     => \"high\",\n}\n");
}

TEST(FormatDetails, DeclarationsAndTypes) {
  EXPECT_EQ(
      Format("import \"lib/common.etl\"\nimport \"x.etl\" as x\nconst a = 1\n\nconst b: list<int?> = [1]\n"
             "param p: decimal(10,2)\nschema S { m: map<string>  r: {a: int, b: string?}? = null }\n"),
      "import \"lib/common.etl\"\nimport \"x.etl\" as x\nconst a = 1\n\nconst b: list<int?> = [1]\n"
      "param p: decimal(10, 2)\n\nschema S {\n  m: map<string>\n  r: {a: int, b: string?}? = null\n}\n");
  EXPECT_EQ(Format("schema Empty {}\npipeline p {}\n"), "schema Empty {}\n\npipeline p {}\n");
}

TEST(FormatDetails, SettingsAndOperators) {
  const char* text = R"(pipeline p {
  schedule every 15m
  schedule "0 2 * * *" tz "Europe/Paris"
  after a, any(b, c)
  on file("incoming/*.csv")
  retry 3 backoff 30s
  timeout 1h
  max_errors 1_000
  persist disk
  jit auto
  concurrency 4
  x = from csv("a.csv", schema: A)
    | drop a, b
    | rename a as b, c as d
    | explode tags as tag
    | dedup by a, lower(b) within 1h
    | sort by a desc, b
    | take 10
    | join left other on id == other.id
    | validate {
        amount > 0     : "amount must be positive"
        len(name) < 10 : "name too long"
      }
    | exec("python3 score.py", output: Scored)
  y = union(x, z.errors) | aggregate by k window tumbling(5m, on: ts) {
    n = count()
  }
  y | into stdout()
}
)";
  EXPECT_EQ(Format(text), text);
  ExpectStable(text, "settings");
}

TEST(FormatDetails, BlankLinesBetweenStatementsAreKeptAtMostOnce) {
  EXPECT_EQ(Format("pipeline p {\n\n\n  a = from x()\n\n\n\n  a | into y()\n\n}\n"),
            "pipeline p {\n  a = from x()\n\n  a | into y()\n}\n");
  EXPECT_EQ(Format("pipeline p {\n  a = from x()\n  a | into y()\n}\n"),
            "pipeline p {\n  a = from x()\n  a | into y()\n}\n");
}

// ---------------------------------------------------------------- comments

TEST(FormatComments, OwnLineTrailingDocAndBlock) {
  const char* input = R"(/// The orders.
/// Two lines.
schema A { // header
  // own line before x
  x: int // trailing x
  /* block */ y: string
  // before close
}
// at end of file
)";
  const char* expected = R"(/// The orders.
/// Two lines.
schema A {  // header
  // own line before x
  x: int  // trailing x
  /* block */
  y: string
  // before close
}
// at end of file
)";
  EXPECT_EQ(Format(input), expected);
  ExpectStable(input, "comments");
}

TEST(FormatComments, CommentsInsideExpressionsMoveButStay) {
  EXPECT_EQ(Format("const a = f(1, /* inner */ 2)\nconst b = 3\n"),
            "const a = f(1, 2)  /* inner */\nconst b = 3\n");
  const char* input = R"(pipeline p {
  x = from csv("a",
    // the schema
    schema: A)
  x | into stdout() // done
}
)";
  EXPECT_EQ(Format(input), R"(pipeline p {
  x = from csv("a", schema: A)
  // the schema
  x | into stdout()  // done
}
)");
  ExpectStable(input, "inside expressions");
}

TEST(FormatComments, CommentsBetweenOpsAndInRecords) {
  const char* input = R"(pipeline p {
  x = raw // the input
    // keep big ones
    | filter a > 1
  y = x | derive r = {a: 1, // first
    b: 2}
  y | into stdout()
}
)";
  const char* expected = R"(pipeline p {
  x = raw  // the input
    // keep big ones
    | filter a > 1
  y = x
    | derive r = {
        a: 1,  // first
        b: 2
      }
  y | into stdout()
}
)";
  EXPECT_EQ(Format(input), expected);
  ExpectStable(input, "ops and records");
}

TEST(FormatComments, RouteAggregateMatchAndTopLevel) {
  const char* input = R"(// header

// section
const a = match x { // subject
  1 => "a", // one
  // fallback
  _ => "b" }
pipeline p {
  s = x | route {
    // big ones
    big: t > 1 // trailing
    small: else
  }
  s.big | aggregate { n = count() /* count */ } | into stdout()
} // after pipeline
/* final */
)";
  ExpectStable(input, "route aggregate match");
  std::string out = Format(input);
  EXPECT_NE(out.find("// header\n\n// section\nconst a = match x {  // subject\n  1 => \"a\",  // one\n"
                     "  // fallback\n  _ => \"b\",\n}\n\npipeline p {"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("    // big ones\n    big:   t > 1  // trailing\n    small: else\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("}  // after pipeline\n/* final */\n"), std::string::npos) << out;
}

// ---------------------------------------------------------------- every file of the repository

std::vector<std::filesystem::path> EtlFiles() {
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"examples", "tests/golden", "docs"}) {
    std::filesystem::path root = std::filesystem::path(ETL_SOURCE_DIR) / dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.is_regular_file() && entry.path().extension() == ".etl") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FormatRepository, EveryEtlFileIsStableAndKeepsItsMeaning) {
  std::vector<std::filesystem::path> files = EtlFiles();
  ASSERT_FALSE(files.empty()) << "no .etl files under " << ETL_SOURCE_DIR;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    ExpectStable(buffer.str(), path.string());
  }
}

// A comment inserted at any token boundary of a real program is kept, and the result is
// stable: trailing, own-line and block comments, one position at a time.
TEST(FormatRepository, CommentsAnywhereInAProgramAreKeptAndStable) {
  std::ifstream in(std::filesystem::path(ETL_SOURCE_DIR) / "examples" / "orders.etl", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  ASSERT_FALSE(text.empty());
  const std::string inserts[] = {" /* c */", " // c\n", "\n// own\n"};
  int tried = 0;
  for (size_t i = 1; i < text.size(); ++i) {
    bool boundary = (std::isspace(static_cast<unsigned char>(text[i])) &&
                     !std::isspace(static_cast<unsigned char>(text[i - 1]))) ||
                    std::string_view("(),[]{}|:=.").find(text[i]) != std::string_view::npos;
    if (!boundary) continue;
    std::string variant = text.substr(0, i) + inserts[tried % 3] + text.substr(i);
    ++tried;
    ExpectStable(variant, "orders.etl with a comment at offset " + std::to_string(i));
    if (HasFailure()) break;  // one detailed failure is enough
  }
  EXPECT_GT(tried, 100);
}

}  // namespace
}  // namespace etl::format
