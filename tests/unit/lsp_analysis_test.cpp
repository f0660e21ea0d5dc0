// The LSP index (lsp/analysis.h): which definition each written name resolves to, with
// field origins followed through derive/select/rename/aggregate/join/union, route ports,
// imports and test blocks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "lsp/analysis.h"

namespace etl::lsp {
namespace {

const std::string kWorkspace = std::string(ETL_SOURCE_DIR) + "/tests/lsp/workspace/";

std::optional<std::string> ReadDisk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::shared_ptr<const Analysis> FromDisk(const std::string& name) {
  std::string path = kWorkspace + name;
  return Analysis::Build("file://" + path, path, 1, ReadDisk, PositionEncoding::Utf16);
}

std::shared_ptr<const Analysis> FromText(const std::string& text) {
  auto reader = [text](const std::string& path) -> std::optional<std::string> {
    if (path == "/mem/main.etl") return text;
    return std::nullopt;
  };
  return Analysis::Build("file:///mem/main.etl", "/mem/main.etl", 1, reader, PositionEncoding::Utf16);
}

// The byte offset of the `nth` occurrence of `needle` in the document, plus `delta`.
uint32_t OffsetOf(const Analysis& a, std::string_view needle, int nth = 0, uint32_t delta = 0) {
  size_t at = a.Text().find(needle);
  for (int i = 0; i < nth && at != std::string_view::npos; ++i) at = a.Text().find(needle, at + 1);
  EXPECT_NE(at, std::string_view::npos) << needle;
  return static_cast<uint32_t>(at == std::string_view::npos ? 0 : at) + delta;
}

// The symbol written at the `nth` `needle` (its first character).
const Symbol* SymbolAt(const Analysis& a, std::string_view needle, int nth = 0, uint32_t delta = 0) {
  const Occurrence* o = a.OccurrenceAt(OffsetOf(a, needle, nth, delta) + 1);
  return o ? &a.Symbols()[static_cast<size_t>(o->symbol)] : nullptr;
}

// "file:line" of a symbol's definition, the file as its last path component(s).
std::string Where(const Analysis& a, const Symbol* s) {
  if (!s) return "no symbol";
  if (!s->name_range.Valid()) return "stdlib";
  std::string path = a.Program().sources.File(s->name_range.file).Path();
  std::string file = std::filesystem::path(path).filename().string();
  return file + ":" + std::to_string(a.Range(s->name_range)["start"]["line"].get<int>() + 1);
}

TEST(LspAnalysis, FieldsResolveToTheSchemaOrTheDeriveThatMadeThem) {
  auto a = FromDisk("orders.etl");
  // `total >= 1000` in the route: the derive of `clean` (line 24).
  const Symbol* total = SymbolAt(*a, "total >= 1000");
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->kind, SymbolKind::Field);
  EXPECT_EQ(total->container, "clean");
  EXPECT_EQ(Where(*a, total), "orders.etl:24");
  // `amount` in the filter: schema Order's field (line 6).
  const Symbol* amount = SymbolAt(*a, "amount > min_amount");
  ASSERT_NE(amount, nullptr);
  EXPECT_EQ(amount->container, "Order");
  EXPECT_EQ(Where(*a, amount), "orders.etl:6");
  // `sum(total)` in the aggregate and `select id, customer, total` after the route.
  EXPECT_EQ(SymbolAt(*a, "total)"), total);
  EXPECT_EQ(SymbolAt(*a, "total |"), total);
  EXPECT_EQ(Where(*a, SymbolAt(*a, "customer, total")), "orders.etl:4");
}

TEST(LspAnalysis, OriginsFollowSelectRenameAndAggregate) {
  auto a = FromText(
      "schema S {\n  a: int\n  b: string\n}\n"
      "pipeline p {\n"
      "  src = from csv(\"in.csv\", schema: S)\n"
      "  d = src | derive x = a * 2 | select a, y = x, b | rename b as bb\n"
      "  g = d | aggregate by bb, k = a { n = count()\n s = sum(y) }\n"
      "  f = g | filter n > 1 and bb != \"\" and k > 0 and s > 0\n"
      "  f | into jsonl(\"o.jsonl\")\n"
      "}\n");
  ASSERT_TRUE(a->Program().diagnostics.All().empty()) << a->Program().diagnostics.All().front().message;
  // `y = x`: the derive's x.
  const Symbol* x_use = SymbolAt(*a, "= x,", 0, 1);
  ASSERT_NE(x_use, nullptr);
  EXPECT_EQ(x_use->container, "d");
  EXPECT_EQ(x_use->name_range.begin, OffsetOf(*a, "x = a"));
  // `sum(y)`: the select's y.
  const Symbol* y = SymbolAt(*a, "y)");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->name_range.begin, OffsetOf(*a, "y = x"));
  // `k = a`: `a` kept by `select a` is still schema S's field.
  const Symbol* field_a = SymbolAt(*a, "k = a", 0, 4);
  ASSERT_NE(field_a, nullptr);
  EXPECT_EQ(field_a->container, "S");
  // After the aggregate: `n` and `s` are its outputs, `k` its named key, `bb` (a bare key)
  // is still the rename's.
  EXPECT_EQ(SymbolAt(*a, "n > 1")->name_range.begin, OffsetOf(*a, "n = count"));
  EXPECT_EQ(SymbolAt(*a, "s > 0")->name_range.begin, OffsetOf(*a, "s = sum"));
  EXPECT_EQ(SymbolAt(*a, "k > 0")->name_range.begin, OffsetOf(*a, "k = a"));
  const Symbol* bb = SymbolAt(*a, "bb !=");
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ(bb->name_range.begin, OffsetOf(*a, "as bb", 0, 3));
  // The rename's source `b` is schema S's field.
  EXPECT_EQ(SymbolAt(*a, "rename b", 0, 7)->container, "S");
}

TEST(LspAnalysis, JoinAndUnionKeepBothSidesOrigins) {
  auto a = FromText(
      "schema L {\n  id: int\n  v: int\n}\n"
      "schema R {\n  rid: int\n  w: int\n}\n"
      "pipeline q {\n"
      "  l1 = from csv(\"l1.csv\", schema: L)\n"
      "  l2 = from csv(\"l2.csv\", schema: L)\n"
      "  r = from csv(\"r.csv\", schema: R)\n"
      "  u = union(l1, l2) | join r on id == r.rid | filter w > v\n"
      "  u | into jsonl(\"o.jsonl\")\n"
      "}\n");
  ASSERT_TRUE(a->Program().diagnostics.All().empty()) << a->Program().diagnostics.All().front().message;
  EXPECT_EQ(SymbolAt(*a, "id ==")->container, "L");
  EXPECT_EQ(SymbolAt(*a, "r.rid", 0, 2)->container, "R");
  EXPECT_EQ(SymbolAt(*a, "w > v")->container, "R");
  EXPECT_EQ(SymbolAt(*a, "v\n  u", 0)->container, "L");
  // The union's inputs and the join's right side are steps.
  EXPECT_EQ(SymbolAt(*a, "l2)")->kind, SymbolKind::Step);
  EXPECT_EQ(SymbolAt(*a, "r on")->kind, SymbolKind::Step);
}

TEST(LspAnalysis, RoutePortsAreSymbolsOfTheirStep) {
  auto a = FromDisk("orders.etl");
  const Symbol* big = SymbolAt(*a, "sizes.big", 0, 6);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->kind, SymbolKind::Port);
  EXPECT_EQ(big->container, "sizes");
  EXPECT_EQ(big->name_range.begin, OffsetOf(*a, "big:"));
  // Every `sizes.big` (the flow and the test's two expectations) and the branch itself.
  int id = a->SymbolDefinedAt(big->name_range);
  ASSERT_GE(id, 0);
  EXPECT_EQ(a->OccurrencesOf(id).size(), 4u);
  EXPECT_TRUE(a->OccurrencesOf(id).front()->definition);
}

TEST(LspAnalysis, ImportsResolveToTheImportedFiles) {
  auto a = FromDisk("customers.etl");
  const Symbol* region = SymbolAt(*a, "geo.Region", 0, 4);
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->kind, SymbolKind::Schema);
  EXPECT_EQ(Where(*a, region), "geo.etl:4");
  const Symbol* alias = SymbolAt(*a, "geo.Region");
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias->kind, SymbolKind::Import);
  EXPECT_EQ(Where(*a, alias), "customers.etl:3");
  EXPECT_EQ(Where(*a, SymbolAt(*a, "geo.default_region", 0, 4)), "geo.etl:11");
  EXPECT_EQ(Where(*a, SymbolAt(*a, "email_pattern")), "common.etl:24");
  EXPECT_EQ(Where(*a, SymbolAt(*a, "normalize_email")), "common.etl:27");
  // A field of an imported schema flowing through a join: `regions.country`.
  const Symbol* country = SymbolAt(*a, "regions.country", 0, 8);
  ASSERT_NE(country, nullptr);
  EXPECT_EQ(country->container, "Region");
  EXPECT_EQ(Where(*a, country), "geo.etl:5");
  // Stdlib names have no definition.
  EXPECT_EQ(Where(*a, SymbolAt(*a, "csv(")), "stdlib");
}

TEST(LspAnalysis, TestBlocksNameThePipelineItsStepsAndTheirFields) {
  auto a = FromDisk("orders.etl");
  EXPECT_EQ(SymbolAt(*a, "for orders", 0, 4)->kind, SymbolKind::Pipeline);
  const Symbol* raw = SymbolAt(*a, "given raw", 0, 6);
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->kind, SymbolKind::Step);
  EXPECT_EQ(raw->name_range.begin, OffsetOf(*a, "raw = from"));
  // A key of a given record is the field of the rows the step emits.
  EXPECT_EQ(Where(*a, SymbolAt(*a, "qty: 1")), "orders.etl:8");
  // `sizes.big[0].total`: the derive's field (through the route's port).
  EXPECT_EQ(Where(*a, SymbolAt(*a, "[0].total", 0, 4)), "orders.etl:24");
}

TEST(LspAnalysis, HalfTypedDocumentsNeverCrashTheIndex) {
  const std::string text =
      "schema A {\n  x: int\n  y: \n}\npipeline p {\n  a = from csv(\"in.csv\", schema: A)\n"
      "  b = a | filter x >\n  c = a | derive z = x * 2 | route { hi: z > 1 \n";
  for (size_t cut = 0; cut <= text.size(); cut += 3) {
    auto a = FromText(text.substr(0, cut));
    for (uint32_t offset = 0; offset <= cut + 1; ++offset) {
      if (const Occurrence* o = a->OccurrenceAt(offset)) {
        ASSERT_LT(static_cast<size_t>(o->symbol), a->Symbols().size());
      }
      a->ScopeAt(offset);
      a->ExprAt(offset);
    }
  }
}

}  // namespace
}  // namespace etl::lsp
