// Type checker unit tests: programs in, diagnostics (codes and positions) and types out.
#include <gtest/gtest.h>

#include <map>

#include "compiler/sema/program.h"
#include "tests/unit/language_examples.h"

namespace etl::sema {
namespace {

// Checks `text` as file "main.etl" (and `files` as importable files) and returns the program.
std::unique_ptr<Program> CheckText(const std::string& text, std::map<std::string, std::string> files = {}) {
  files["main.etl"] = text;
  auto program = LoadProgram("main.etl", [files](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  });
  if (!program->modules.empty()) Check(*program);
  return program;
}

// "E0203@7:12" for every diagnostic, in order.
std::vector<std::string> Codes(const Program& program) {
  std::vector<std::string> out;
  for (const auto& d : program.diagnostics.All()) {
    auto pos = program.sources.File(d.range.file).Position(d.range.begin);
    out.push_back(std::string(diag::Info(d.code).id) + "@" + std::to_string(pos.line) + ":" + std::to_string(pos.col));
  }
  return out;
}

const ast::PipelineDecl& FirstPipeline(const Program& program) {
  for (const auto& decl : program.Root().decls) {
    if (auto* p = decl->As<ast::PipelineDecl>()) return *p;
  }
  throw std::runtime_error("no pipeline");
}

// The output type of the binding `name` in the first pipeline.
std::string OutputOf(const Program& program, const std::string& name) {
  for (const auto& s : FirstPipeline(program).statements) {
    if (s.kind == ast::Statement::Kind::Binding && s.name.text == name) {
      const auto& chain = s.chain;
      return ast::ToString(chain.ops.empty() ? chain.head.output_type : chain.ops.back().output_type, true);
    }
  }
  return "<none>";
}


TEST(Sema, OrdersProgramChecksCleanly) {
  auto program = CheckText(std::string(test::kOrdersProgram) + test::kTestBlock);
  EXPECT_EQ(Codes(*program), std::vector<std::string>{});
  EXPECT_EQ(OutputOf(*program, "daily"), "{country: string, day: date, orders: int, revenue: float}");
  EXPECT_EQ(OutputOf(*program, "clean"),
            "{id: int, customer: string, country: string, amount: float, currency: string, qty: int, ts: timestamp, "
            "note: string?, amount_usd: float, total: float}");
}

TEST(Sema, UnknownFieldSuggestsClosest) {
  auto program = CheckText(R"(schema S { amount: float }
pipeline p {
  from csv("x.csv", schema: S) | filter amout > 1.0 | into stdout()
}
)");
  ASSERT_EQ(Codes(*program), std::vector<std::string>{"E0203@3:41"});
  const auto& d = program->diagnostics.All()[0];
  ASSERT_FALSE(d.notes.empty());
  EXPECT_EQ(d.notes[0].message, "did you mean `amount`?");
  ASSERT_FALSE(d.fixes.empty());
  EXPECT_EQ(d.fixes[0].replacement, "amount");
}

TEST(Sema, NullableUseAndNarrowing) {
  auto program = CheckText(R"(schema S { note: string? }
pipeline p {
  from csv("x.csv", schema: S) | derive n = len(note) | into stdout()
  from csv("x.csv", schema: S) | filter note is not null | derive n = len(note) | into stdout()
  from csv("x.csv", schema: S) | derive n = len(note ?? "") | into stdout()
}
)");
  EXPECT_EQ(Codes(*program), std::vector<std::string>{"E0301@3:49"});
}

TEST(Sema, WideningIsIntToFloatOnly) {
  auto program = CheckText(R"(fn f(x: float) -> float = x
fn g(x: int) -> int = x
const _a = f(1)
const _b = g(1.5)
)");
  EXPECT_EQ(Codes(*program), std::vector<std::string>{"E0300@4:14"});
}

TEST(Sema, SecretNeverReachesARecord) {
  auto program = CheckText(R"(schema S { id: int }
pipeline p {
  from csv("x.csv", schema: S) | derive k = secret("KEY") | into stdout()
  from csv("x.csv", schema: S) | derive k = "${secret("KEY")}" | into stdout()
}
)");
  EXPECT_EQ(Codes(*program), (std::vector<std::string>{"E0304@3:45", "E0304@4:48"}));
}

TEST(Sema, DagChecks) {
  auto program = CheckText(R"(schema S { id: int }
schema T { id: int, name: string }
pipeline p {
  a = b | filter id > 0
  b = a | filter id > 1
  c = from csv("x.csv", schema: S)
  c | filter id > 2
  union(c, d) | into stdout()
  d = from csv("y.csv", schema: T)
  unused = c | take 1
}
)");
  auto codes = Codes(*program);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "E0400@5:7"), codes.end()) << ::testing::PrintToString(codes);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "E0401@7:3"), codes.end()) << ::testing::PrintToString(codes);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "E0402@8:12"), codes.end()) << ::testing::PrintToString(codes);
  // Unused-step warnings wait until the pipeline has no errors (they would be echoes).
  EXPECT_EQ(std::count_if(codes.begin(), codes.end(), [](const std::string& c) { return c[0] == 'W'; }), 0);
}

TEST(Sema, UnusedStepWarnsOnACorrectPipeline) {
  auto program = CheckText(R"(schema S { id: int }
pipeline p {
  c = from csv("x.csv", schema: S)
  c | into stdout()
  unused = c | take 1
}
)");
  EXPECT_EQ(Codes(*program), std::vector<std::string>{"W0001@5:3"});
}

TEST(Sema, JoinMergesEqualKeysAndRejectsClashes) {
  auto program = CheckText(R"(schema O { id: int, customer_id: int, amount: float }
schema C { customer_id: int, name: string, amount: float }
pipeline p {
  orders = from csv("o.csv", schema: O)
  customers = from csv("c.csv", schema: C)
  joined = orders | join left customers on customer_id == customers.customer_id
  joined | into stdout()
}
)");
  EXPECT_EQ(Codes(*program), std::vector<std::string>{"E0403@6:21"});
}

TEST(Sema, ImportsAndCycles) {
  auto ok = CheckText("import \"lib.etl\" as lib\nconst x = lib.k + 1\nconst _y = x\n", {{"lib.etl", "const k = 1\n"}});
  EXPECT_EQ(Codes(*ok), std::vector<std::string>{});
  auto cycle = CheckText("import \"a.etl\"\n", {{"a.etl", "import \"main.etl\"\n"}});
  EXPECT_EQ(Codes(*cycle), std::vector<std::string>{"E0101@1:8"});
  auto missing = CheckText("import \"nope.etl\"\n");
  EXPECT_EQ(Codes(*missing), std::vector<std::string>{"E0100@1:8"});
}

TEST(Sema, AggregatesOnlyInAggregate) {
  auto program = CheckText(R"(schema S { k: string, x: int }
pipeline p {
  from csv("x.csv", schema: S) | derive s = sum(x) | into stdout()
  from csv("x.csv", schema: S) | aggregate by k { n = x } | into stdout()
  from csv("x.csv", schema: S) | aggregate by k { lo = min(x), both = max(min(x), 1), n = count() } | into stdout()
}
)");
  EXPECT_EQ(Codes(*program), (std::vector<std::string>{"E0305@3:45", "E0306@4:55"}));
}

TEST(Sema, AnAggregateCallsArgumentsSeeTheRecordThroughIfAndFns) {
  // An `if` condition and a user fn's arguments inside an aggregate call are inside it; the
  // same outside a call still must be keys.
  auto program = CheckText(R"(schema S { k: string, x: int }
fn twice(v: int) -> int = v * 2
pipeline p {
  from csv("x.csv", schema: S) | aggregate by k { a = sum(if x > 3 then x else 0), b = sum(twice(x)) } | into stdout()
  from csv("x.csv", schema: S) | aggregate by k { c = if x > 3 then count() else 0 } | into stdout()
  from csv("x.csv", schema: S) | aggregate by k { d = twice(x) } | into stdout()
}
)");
  EXPECT_EQ(Codes(*program), (std::vector<std::string>{"E0306@5:58", "E0306@6:61"}));
}

TEST(Sema, ConstsFoldAndMustBeConstant) {
  auto program = CheckText(R"(param p: int = 3
const a = 2 * 21
const b = "x${a}"
const c = p + 1
const _d = b + string(c)
)");
  EXPECT_EQ(Codes(*program), std::vector<std::string>{"E0309@4:11"});
  for (const auto& decl : program->Root().decls) {
    if (auto* c = decl->As<ast::ConstDecl>(); c && c->name.text == "b") {
      ASSERT_TRUE(c->folded);
      EXPECT_EQ(c->folded->string_value, "x42");
    }
  }
}

}  // namespace
}  // namespace etl::sema

namespace etl::sema {
namespace {

// The parser's recovery guesses at a broken line; sema findings there would be echoes.
TEST(Sema, NoSemanticErrorsOnALineWithASyntaxError) {
  auto program = CheckText(R"(schema S { id: int }
pipeline p {
  from csv("a.csv", schema: S) | derive from = id | into stdout()
  from csv("a.csv", schema: S) | filter idd > 0 | into stdout()
}
)");
  EXPECT_EQ(Codes(*program), (std::vector<std::string>{"E0001@3:41", "E0203@4:41"}));
}

}  // namespace
}  // namespace etl::sema
