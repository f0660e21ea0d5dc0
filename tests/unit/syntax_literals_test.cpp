// Literal decoding and lexical diagnostics (E0002-E0008) with exact positions.
#include <gtest/gtest.h>

#include <limits>

#include "compiler/syntax/literals.h"
#include "tests/unit/syntax_test_util.h"

namespace etl::syntax {
namespace {

using test::Parsed;

// The value expression of `const x = <text>`.
struct ConstValue {
  explicit ConstValue(const std::string& text) : p("const x = " + text) {}
  const ast::Expr* Get() const {
    if (p.module->decls.size() != 1) return nullptr;
    return p.module->decls[0]->As<ast::ConstDecl>()->value.get();
  }
  Parsed p;
};

TEST(Literals, Numbers) {
  ConstValue a("1_000_000");
  ASSERT_NE(a.Get(), nullptr);
  EXPECT_EQ(a.Get()->int_value, 1000000);
  EXPECT_EQ(a.Get()->text, "1_000_000");
  ConstValue b("3.14");
  EXPECT_DOUBLE_EQ(b.Get()->float_value, 3.14);
  ConstValue c("1e6");
  EXPECT_EQ(c.Get()->kind, ast::ExprKind::FloatLit);
  EXPECT_DOUBLE_EQ(c.Get()->float_value, 1e6);
  ConstValue d("9223372036854775807");
  EXPECT_EQ(d.Get()->int_value, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(d.p.diagnostics.All().empty());
  ConstValue e("1e-400");
  EXPECT_TRUE(e.p.diagnostics.All().empty());
  EXPECT_EQ(e.Get()->float_value, 0.0);
}

TEST(Literals, IntOverflowIsE0005) {
  Parsed p("const a = 1\nconst x = 9223372036854775808");
  EXPECT_EQ(p.Errors(),
            "2:11 E0005 integer literal `9223372036854775808` is too large (the largest int is "
            "9223372036854775807)\n");
  Parsed q("const x = 1e999");
  EXPECT_EQ(q.Errors(), "1:11 E0005 float literal `1e999` is out of range\n");
  Parsed r("const x = -9_223_372_036_854_775_808");
  EXPECT_TRUE(r.diagnostics.All().empty()) << r.Errors();
  EXPECT_EQ(r.module->decls[0]->As<ast::ConstDecl>()->value->int_value, std::numeric_limits<int64_t>::min());
}

TEST(Literals, Durations) {
  ConstValue a("1h30m");
  EXPECT_EQ(a.Get()->kind, ast::ExprKind::DurationLit);
  EXPECT_EQ(a.Get()->int_value, 90LL * 60 * 1000000);
  EXPECT_EQ(a.Get()->text, "1h30m");
  EXPECT_EQ(DecodeDuration("250ms").value, 250000);
  EXPECT_EQ(DecodeDuration("5us").value, 5);
  EXPECT_EQ(DecodeDuration("2w").value, 14LL * 86400 * 1000000);
  EXPECT_EQ(DecodeDuration("7d").value, 7LL * 86400 * 1000000);
  EXPECT_EQ(DecodeDuration("1m5s").value, 65000000);
  Parsed p("const x =\n  999999999999w");
  EXPECT_EQ(p.Errors(), "2:3 E0008 duration `999999999999w` is too large (at most about 292,000 years)\n");
}

TEST(Literals, Dates) {
  ConstValue a("@1970-01-02");
  EXPECT_EQ(a.Get()->kind, ast::ExprKind::DateLit);
  EXPECT_EQ(a.Get()->int_value, 1);
  EXPECT_EQ(DecodeDate("@2024-01-31").value, 19753);
  EXPECT_EQ(DecodeDate("@1969-12-31").value, -1);
  EXPECT_FALSE(DecodeDate("@2024-02-29").error);
  Parsed p("const x = @2023-02-29");
  EXPECT_EQ(p.Errors(), "1:11 E0006 invalid day 29: 2023-02 has 28 days\n");
  Parsed q("const x = @2024-13-01");
  EXPECT_EQ(q.Errors(), "1:11 E0006 invalid month 13 (expected 01-12)\n");
  EXPECT_TRUE(DecodeDate("@2024-04-31").error);
}

TEST(Literals, Timestamps) {
  EXPECT_EQ(DecodeTimestamp("@2024-01-31T12:00:00Z").value, 1706702400LL * 1000000);
  EXPECT_EQ(DecodeTimestamp("@2024-01-31T12:00").value, 1706702400LL * 1000000);
  EXPECT_EQ(DecodeTimestamp("@2024-01-31T12:00:00.5Z").value, 1706702400LL * 1000000 + 500000);
  EXPECT_EQ(DecodeTimestamp("@2024-01-31T12:00:00.123456Z").value, 1706702400LL * 1000000 + 123456);
  EXPECT_EQ(DecodeTimestamp("@2024-01-31T14:00:00+02:00").value, 1706702400LL * 1000000);
  EXPECT_EQ(DecodeTimestamp("@2024-01-31T10:30:00-01:30").value, 1706702400LL * 1000000);
  EXPECT_TRUE(DecodeTimestamp("@2024-01-31T24:00:00Z").error);
  EXPECT_TRUE(DecodeTimestamp("@2024-01-31T12:60Z").error);
  EXPECT_TRUE(DecodeTimestamp("@2024-01-31T12:00:00.1234567Z").error);
  EXPECT_TRUE(DecodeTimestamp("@2024-02-30T12:00Z").error);
  Parsed p("const x = @2024-01-31T25:00:00Z");
  EXPECT_EQ(p.Errors(), "1:11 E0006 invalid hour 25 (expected 00-23)\n");
  ConstValue v("@2024-01-01T00:00:00Z");
  EXPECT_EQ(v.Get()->text, "@2024-01-01T00:00:00Z");
}

TEST(Literals, StringEscapes) {
  ConstValue a(R"("a\nb\t\"\\\$\'\0\u{1F600}\u00e9")");
  ASSERT_NE(a.Get(), nullptr);
  EXPECT_TRUE(a.Get()->parts.empty());
  EXPECT_EQ(a.Get()->text, std::string("a\nb\t\"\\$'") + std::string(1, '\0') + "\xF0\x9F\x98\x80\xC3\xA9");
  Parsed p("const x = \"ok \\q\"");
  EXPECT_EQ(p.Errors(),
            "1:15 E0007 unknown escape `\\q` (valid: \\n \\t \\r \\0 \\\\ \\\" \\$ \\' \\u{...})\n");
  EXPECT_EQ(p.diagnostics.All()[0].range.end - p.diagnostics.All()[0].range.begin, 2u);
  Parsed q("const x = \"\\u{110000}\"");
  EXPECT_EQ(q.Errors(), "1:12 E0007 invalid unicode code point in escape\n");
  ConstValue raw(R"(r"C:\dir\${x}")");
  EXPECT_TRUE(raw.Get()->raw);
  EXPECT_EQ(raw.Get()->text, "C:\\dir\\${x}");
  ConstValue dollar(R"("cost: $5 \${x}")");
  EXPECT_TRUE(dollar.Get()->parts.empty());
  EXPECT_EQ(dollar.Get()->text, "cost: $5 ${x}");
}

TEST(Literals, Interpolation) {
  Parsed p("const x = \"a ${b + 1} c ${f(\"}\")}\"");
  EXPECT_TRUE(p.diagnostics.All().empty()) << p.Errors();
  const ast::Expr& s = *p.module->decls[0]->As<ast::ConstDecl>()->value;
  ASSERT_EQ(s.kind, ast::ExprKind::StringLit);
  ASSERT_EQ(s.parts.size(), 4u);
  EXPECT_EQ(s.parts[0].text, "a ");
  EXPECT_EQ(p.Text(s.parts[0].range), "a ");
  ASSERT_NE(s.parts[1].expr, nullptr);
  EXPECT_EQ(p.Text(s.parts[1].range), "${b + 1}");
  EXPECT_EQ(p.Text(s.parts[1].expr->range), "b + 1");
  EXPECT_EQ(p.Pos(s.parts[1].expr->range), "1:16");
  EXPECT_EQ(p.Text(s.parts[1].expr->children[0]->name_range), "b");
  EXPECT_EQ(s.parts[2].text, " c ");
  ASSERT_NE(s.parts[3].expr, nullptr);
  EXPECT_EQ(s.parts[3].expr->kind, ast::ExprKind::Call);
  EXPECT_EQ(s.parts[3].expr->args[0].value->text, "}");

  Parsed empty("const x = \"${}\"");
  EXPECT_EQ(empty.Errors(), "1:12 E0001 empty interpolation: write an expression inside `${}`\n");
  Parsed broken("const x = \"${a + }\"");
  EXPECT_EQ(broken.Errors(), "1:18 E0001 expected an expression, found `}`\n");
  EXPECT_TRUE(broken.module->decls.empty());
}

TEST(Lexical, UnterminatedStringIsE0002WithoutCascade) {
  Parsed p("const a = 1\nconst x = \"abc\nconst y = 2\n");
  EXPECT_EQ(p.Errors(), "2:11 E0002 unterminated string literal: missing closing `\"`\n");
  ASSERT_EQ(p.module->decls.size(), 3u);
  EXPECT_EQ(p.module->decls[1]->As<ast::ConstDecl>()->value->text, "abc");
}

TEST(Lexical, UnterminatedCommentIsE0003) {
  Parsed p("const a = 1\n/* never\nclosed");
  EXPECT_EQ(p.Errors(), "2:1 E0003 unterminated block comment: missing `*/`\n");
  EXPECT_EQ(p.module->decls.size(), 1u);
}

TEST(Lexical, BadCharacterIsE0004WithoutCascade) {
  Parsed p("const a = #\nconst b = 1 \xC3\xA9 + 2\nconst c = \x01 1");
  EXPECT_EQ(p.Errors(),
            "1:11 E0004 invalid character `#`\n"
            "2:13 E0004 invalid character U+00E9\n"
            "3:11 E0004 invalid character U+0001\n");
  Parsed q("const a = 1 \xFF");
  EXPECT_EQ(q.Errors(), "1:13 E0004 invalid character (a byte that is not valid UTF-8)\n");
}

TEST(Lexical, CommentsAreKept) {
  Parsed p("// line\n/* block */ /// doc\nconst a = 1 // trailing\n");
  ASSERT_EQ(p.module->comments.size(), 4u);
  EXPECT_EQ(p.module->comments[0].text, "// line");
  EXPECT_TRUE(p.module->comments[1].block);
  EXPECT_EQ(p.module->comments[1].text, "/* block */");
  EXPECT_TRUE(p.module->comments[2].doc);
  EXPECT_EQ(p.module->decls[0]->doc, "doc");
  EXPECT_EQ(p.Pos(p.module->comments[3].range), "3:13");
}

TEST(Lexical, SyntaxErrorMessages) {
  EXPECT_EQ(Parsed("const x = f(1, 2}").Errors(), "1:17 E0001 expected `,` or `)`, found `}`\n");
  EXPECT_EQ(Parsed("const x = (1, 2)").Errors(), "1:13 E0001 expected `)`, found `,`\n");
  EXPECT_EQ(Parsed("const x = 1 +").Errors(), "1:14 E0001 expected an expression, found end of file\n");
  EXPECT_EQ(Parsed("pipeline p { a = b | | into c() }").Errors(),
            "1:22 E0001 expected an operator (`filter`, `derive`, `into`, a step call, ...), found `|`\n");
  EXPECT_EQ(Parsed("const x = 1 ]").Errors(), "1:13 E0001 unexpected `]`\n");
}

}  // namespace
}  // namespace etl::syntax
