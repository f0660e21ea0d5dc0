// Robustness: truncations, random mutations and random bytes never crash or hang the
// parser, and every broken input yields at least one diagnostic or a valid AST.
#include <gtest/gtest.h>

#include <random>

#include "compiler/ast/dump.h"
#include "tests/unit/syntax_test_util.h"

namespace etl::syntax {
namespace {

std::string Program() { return std::string(test::kOrdersProgram) + test::kTestBlock; }

// Parses and walks the result (the dump touches every node, so a half-built node
// would crash here rather than in sema).
void ParseAndWalk(const std::string& text) {
  test::Parsed p(text);
  std::string dump = ast::DumpAst(*p.module, p.sources);
  ASSERT_FALSE(dump.empty());
  EXPECT_EQ(p.module->has_syntax_errors, p.diagnostics.HasErrors()) << text;
  for (const diag::Diagnostic& d : p.diagnostics.All()) {
    ASSERT_LE(d.range.begin, d.range.end);
    ASSERT_LE(d.range.end, text.size());
  }
}

TEST(Fuzz, EveryTruncation) {
  std::string program = Program();
  for (size_t n = 0; n <= program.size(); n += 3) ParseAndWalk(program.substr(0, n));
}

TEST(Fuzz, RandomMutations) {
  std::string program = Program();
  std::mt19937 rng(20240131);
  const std::string alphabet = "(){}[]<>|,.:;=+-*/%?!~\"'`$@#_\\ \nazAZ09\x01\xC3\xA9\xFF";
  const std::vector<std::string> snippets = {"filter", "|", "${", "\"", "/*", "//", "match", "if", "->",
                                             "=>",     "@2024-", "1_", "9999999999999999999999", "(((("};
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string text = program;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t pos = rng() % text.size();
      switch (rng() % 4) {
        case 0: text.erase(pos, 1 + rng() % 8); break;
        case 1: text.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 2: text[pos] = alphabet[rng() % alphabet.size()]; break;
        case 3: text.insert(pos, snippets[rng() % snippets.size()]); break;
      }
    }
    ParseAndWalk(text);
    if (HasFatalFailure()) {
      ADD_FAILURE() << "input:\n" << text;
      return;
    }
  }
}

TEST(Fuzz, RandomBytes) {
  std::mt19937 rng(7);
  for (int iteration = 0; iteration < 300; ++iteration) {
    std::string text(rng() % 400, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    ParseAndWalk(text);
  }
}

TEST(Fuzz, PathologicalShapes) {
  ParseAndWalk(std::string(100000, '{'));
  ParseAndWalk(std::string(100000, ')'));
  ParseAndWalk("const x = " + std::string(300, '"') );
  std::string interp = "const x = ";
  for (int i = 0; i < 40; ++i) interp += "\"${";
  interp += "1";
  for (int i = 0; i < 40; ++i) interp += "}\"";
  ParseAndWalk(interp);
  std::string chain = "const x = 1";
  for (int i = 0; i < 20000; ++i) chain += " + 1";
  ParseAndWalk(chain);
  std::string elifs = "const x = ";
  for (int i = 0; i < 3000; ++i) elifs += "if a then 1 else ";
  ParseAndWalk(elifs + "2");
}

}  // namespace
}  // namespace etl::syntax
