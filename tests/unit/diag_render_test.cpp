// Text and JSON rendering of diagnostics: caret placement (tabs, UTF-8, multi-line,
// empty ranges), notes, summary wording, colour decisions and the JSON shape.
#include "compiler/diag/render.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

namespace etl::diag {
namespace {

SourceRange RangeOf(const SourceManager& sources, FileId file, std::string_view needle) {
  size_t at = sources.File(file).Text().find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return {file, static_cast<uint32_t>(at), static_cast<uint32_t>(at + needle.size())};
}

TEST(DiagRender, HeadingSourceLineAndCaret) {
  SourceManager sources;
  FileId file = sources.Add("p.etl", "pipeline p {\n  x = a | filter amout > 1\n}\n");
  Diagnostic d{Code::UnknownField, Level::Error, "unknown field `amout`", RangeOf(sources, file, "amout"), {}, {}};
  d.notes.push_back({"did you mean `amount`?", {}});
  EXPECT_EQ(RenderText(sources, d),
            "p.etl:2:18: error[E0203]: unknown field `amout`\n"
            "  x = a | filter amout > 1\n"
            "                 ^~~~~\n"
            "note: did you mean `amount`?\n");
}

TEST(DiagRender, TabsAreKeptInTheCaretLine) {
  SourceManager sources;
  FileId file = sources.Add("t.etl", "\tfoo\t= bar\n");
  std::string caret = CaretLine(sources.File(file), 1, RangeOf(sources, file, "bar"));
  EXPECT_EQ(caret, "\t   \t  ^~~");
}

TEST(DiagRender, Utf8CharactersTakeOneColumnInTheCaretLine) {
  SourceManager sources;
  FileId file = sources.Add("u.etl", "x = \"é\" + y\n");
  // Columns count bytes (é is 2 bytes) but the caret must sit under `y` on screen.
  EXPECT_EQ(CaretLine(sources.File(file), 1, RangeOf(sources, file, "y")), "          ^");
  SourceRange range = RangeOf(sources, file, "y");
  EXPECT_EQ(sources.File(file).Position(range.begin).col, 12u);
}

TEST(DiagRender, EmptyRangeAndEndOfLineGetOneCaret) {
  SourceManager sources;
  FileId file = sources.Add("e.etl", "abc\ndef");
  EXPECT_EQ(CaretLine(sources.File(file), 1, {file, 1, 1}), " ^");
  EXPECT_EQ(CaretLine(sources.File(file), 1, {file, 3, 3}), "   ^");
  EXPECT_EQ(CaretLine(sources.File(file), 2, {file, 7, 7}), "   ^");  // at end of file
  EXPECT_EQ(CaretLine(sources.File(file), 2, {file, 1, 1}), "");      // other line
}

TEST(DiagRender, MultiLineRangeUnderlinesEveryLine) {
  SourceManager sources;
  FileId file = sources.Add("m.etl", "let a = f(1,\n    2,\n    3)\nnext\n");
  SourceRange range = RangeOf(sources, file, "f(1,\n    2,\n    3)");
  Diagnostic d{Code::TypeMismatch, Level::Error, "mismatched types", range, {}, {}};
  EXPECT_EQ(RenderText(sources, d),
            "m.etl:1:9: error[E0300]: mismatched types\n"
            "let a = f(1,\n"
            "        ^~~~\n"
            "    2,\n"
            "    ~~\n"
            "    3)\n"
            "    ~~\n");
}

TEST(DiagRender, LongMultiLineRangeIsElided) {
  SourceManager sources;
  FileId file = sources.Add("l.etl", "a\nb\nc\nd\ne\nf\n");
  Diagnostic d{Code::TypeMismatch, Level::Error, "m", {file, 0, 11}, {}, {}};
  std::string text = RenderText(sources, d);
  EXPECT_EQ(text,
            "l.etl:1:1: error[E0300]: m\n"
            "a\n^\n"
            "b\n~\n"
            "...\n"
            "f\n~\n");
}

TEST(DiagRender, LocatedNoteGetsItsOwnSnippet) {
  SourceManager sources;
  FileId file = sources.Add("n.etl", "schema A { x: int }\nschema A { y: int }\n");
  SourceRange second{file, 27, 28};
  SourceRange first{file, 7, 8};
  Diagnostic d{Code::DuplicateDeclaration, Level::Error, "`A` is declared twice", second, {}, {}};
  d.notes.push_back({"first declared here", first});
  EXPECT_EQ(RenderText(sources, d),
            "n.etl:2:8: error[E0200]: `A` is declared twice\n"
            "schema A { y: int }\n"
            "       ^\n"
            "n.etl:1:8: note: first declared here\n"
            "schema A { x: int }\n"
            "       ^\n");
}

TEST(DiagRender, CaretColumnIsTheDiagnosticColumn) {
  std::string text;
  for (int i = 0; i < 120; ++i) text += "line\n";
  SourceManager sources;
  FileId file = sources.Add("w.etl", text);
  SourceRange range{file, sources.File(file).Offset({100, 1}), sources.File(file).Offset({100, 5})};
  Diagnostic d{Code::UnusedStep, Level::Warning, "unused", range, {}, {}};
  EXPECT_EQ(RenderText(sources, d),
            "w.etl:100:1: warning[W0001]: unused\n"
            "line\n"
            "^~~~\n");
}

TEST(DiagRender, DiagnosticWithoutLocation) {
  SourceManager sources;
  Diagnostic d{Code::ImportNotFound, Level::Error, "cannot read `x.etl`", {}, {}, {}};
  EXPECT_EQ(RenderText(sources, d), "error[E0100]: cannot read `x.etl`\n");
}

TEST(DiagRender, ColourOnlyWhenAsked) {
  SourceManager sources;
  FileId file = sources.Add("c.etl", "abc\n");
  Diagnostic d{Code::UnknownName, Level::Error, "unknown name `abc`", {file, 0, 3}, {}, {}};
  EXPECT_EQ(RenderText(sources, d).find('\x1b'), std::string::npos);
  std::string coloured = RenderText(sources, d, {.color = true});
  EXPECT_NE(coloured.find("\x1b[1;31merror[E0202]"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[1;32m^~~"), std::string::npos);
  d.level = Level::Warning;
  EXPECT_NE(RenderText(sources, d, {.color = true}).find("\x1b[1;33mwarning"), std::string::npos);
}

TEST(DiagRender, ShouldColorFollowsTtyAndNoColor) {
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  int fd = fileno(file);
  EXPECT_FALSE(ShouldColor(ColorMode::Auto, fd));  // a regular file is not a terminal
  EXPECT_TRUE(ShouldColor(ColorMode::Always, fd));
  EXPECT_FALSE(ShouldColor(ColorMode::Never, fd));
  std::fclose(file);
  int pty = posix_openpt(O_RDWR | O_NOCTTY);
  if (pty >= 0 && grantpt(pty) == 0 && unlockpt(pty) == 0) {
    int tty = open(ptsname(pty), O_RDWR | O_NOCTTY);
    ASSERT_GE(tty, 0);
    unsetenv("NO_COLOR");
    EXPECT_TRUE(ShouldColor(ColorMode::Auto, tty));
    setenv("NO_COLOR", "1", 1);
    EXPECT_FALSE(ShouldColor(ColorMode::Auto, tty));
    EXPECT_TRUE(ShouldColor(ColorMode::Always, tty));
    unsetenv("NO_COLOR");
    close(tty);
  }
  if (pty >= 0) close(pty);
}

TEST(DiagRender, ParseColorMode) {
  ColorMode mode = ColorMode::Auto;
  EXPECT_TRUE(ParseColorMode("never", mode));
  EXPECT_EQ(mode, ColorMode::Never);
  EXPECT_TRUE(ParseColorMode("always", mode));
  EXPECT_EQ(mode, ColorMode::Always);
  EXPECT_FALSE(ParseColorMode("sometimes", mode));
}

TEST(DiagRender, Summary) {
  EXPECT_EQ(RenderSummary(0, 0), "");
  EXPECT_EQ(RenderSummary(1, 0), "1 error generated\n");
  EXPECT_EQ(RenderSummary(2, 1), "2 errors, 1 warning generated\n");
  EXPECT_EQ(RenderSummary(0, 3), "3 warnings generated\n");
}

TEST(DiagRender, JsonShape) {
  SourceManager sources;
  FileId file = sources.Add("j.etl", "a\n  amout\n");
  Diagnostic d{Code::UnknownField, Level::Error, "unknown field `amout`", {file, 4, 9}, {}, {}};
  SuggestName(d, "amout", {"amount", "id"});
  d.notes.push_back({"declared here", {file, 0, 1}});
  nlohmann::json j = DiagnosticToJson(sources, d);
  EXPECT_EQ(j["code"], "E0203");
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["message"], "unknown field `amout`");
  EXPECT_EQ(j["file"], "j.etl");
  EXPECT_EQ(j["range"]["start"], (nlohmann::json{{"line", 2}, {"col", 3}, {"offset", 4}}));
  EXPECT_EQ(j["range"]["end"], (nlohmann::json{{"line", 2}, {"col", 8}, {"offset", 9}}));
  ASSERT_EQ(j["notes"].size(), 2u);
  EXPECT_EQ(j["notes"][0]["message"], "did you mean `amount`?");
  EXPECT_TRUE(j["notes"][0]["range"].is_null());
  EXPECT_TRUE(j["notes"][0]["file"].is_null());
  EXPECT_EQ(j["notes"][1]["range"]["start"]["line"], 1);
  ASSERT_EQ(j["fixes"].size(), 1u);
  EXPECT_EQ(j["fixes"][0]["replacement"], "amount");
  EXPECT_EQ(j["fixes"][0]["file"], "j.etl");
  EXPECT_TRUE(j["fixes"][0].contains("title"));
  Diagnostic bare{Code::ImportNotFound, Level::Error, "x", {}, {}, {}};
  EXPECT_TRUE(DiagnosticToJson(sources, bare)["range"].is_null());
}

}  // namespace
}  // namespace etl::diag
