// The typed `csv` source: every type, nulls (language.md §6), record errors with file, line,
// column and raw text, globs, gzip, header-less files, and counts that add up.
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "runtime/source_csv.h"
#include "runtime/source_csv_convert.h"
#include "runtime/value_json.h"
#include "tests/unit/runtime_scratch_test.h"

namespace etl::runtime {
namespace {

namespace fs = std::filesystem;
using ast::Field;

class CsvSourceTest : public ScratchFilesTest {
 protected:
  // Runs a source to the end; checks the counts add up.
  CollectingEmitter Run(CsvSourceOptions options, std::optional<InputError>* failure = nullptr) {
    CsvSource source("src", std::move(options));
    CollectingEmitter out;
    while (source.Next(out)) {
    }
    if (failure) *failure = source.failure();
    const SourceStats& stats = source.stats();
    EXPECT_EQ(stats.records_in, stats.rows_out + stats.errors);
    EXPECT_EQ(stats.errors, out.errors.size());
    size_t rows = 0;
    uint64_t expected_sequence = 0;
    if (!out.batches.empty()) {
      for (const Batch& b : out.batches[0]) {
        rows += b.Size();
        EXPECT_EQ(b.sequence, expected_sequence++);
        EXPECT_LE(b.rows, kDefaultBatchRows);
      }
    }
    EXPECT_EQ(stats.rows_out, rows);
    return out;
  }

};

CsvSourceOptions Opts(std::string path, ast::TypeRef schema) {
  CsvSourceOptions options;
  options.path = std::move(path);
  options.schema = std::move(schema);
  return options;
}

ast::TypeRef Schema(std::vector<Field> fields) { return ast::RecordType(std::move(fields), "T"); }

std::string Json(const std::vector<ast::Value>& rows) {
  std::string out;
  for (const auto& row : rows) out += ValueToJson(row) + "\n";
  return out;
}

TEST_F(CsvSourceTest, EveryScalarType) {
  auto schema = Schema({{"i", ast::IntType()},
                        {"f", ast::FloatType()},
                        {"b", ast::BoolType()},
                        {"s", ast::StringType()},
                        {"d", ast::DateType()},
                        {"t", ast::TimestampType()},
                        {"u", ast::DurationType()},
                        {"m", ast::DecimalType(10, 2)},
                        {"w", ast::DecimalType(30, 3)},
                        {"j", ast::JsonType()}});
  std::string path = Write("a.csv",
                           "i,f,b,s,d,t,u,m,w,j\n"
                           "-7,2.5,TRUE,hello,2024-02-29,2024-01-02T03:04:05Z,1h30m,12.345,1.5,\"{\"\"a\"\":1}\"\n"
                           "+3,1e3,false,\"x, \"\"y\"\"\",1970-01-01,2024-01-02 03:04,250ms,-0.1,-2,[1]\n");
  auto out = Run(Opts(path, schema));
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].message;
  EXPECT_EQ(Json(out.Rows(0)),
            "{\"i\":-7,\"f\":2.5,\"b\":true,\"s\":\"hello\",\"d\":\"2024-02-29\",\"t\":\"2024-01-02T03:04:05Z\","
            "\"u\":\"1h30m\",\"m\":12.35,\"w\":1.500,\"j\":\"{\\\"a\\\":1}\"}\n"
            "{\"i\":3,\"f\":1000,\"b\":false,\"s\":\"x, \\\"y\\\"\",\"d\":\"1970-01-01\",\"t\":\"2024-01-02T03:04:00Z\","
            "\"u\":\"250ms\",\"m\":-0.10,\"w\":-2.000,\"j\":\"[1]\"}\n");
  // Exact decimals in the columns themselves.
  const Batch& batch = out.batches[0][0];
  EXPECT_EQ(batch.columns[7]->ints[0], 1235);
  EXPECT_EQ(batch.columns[8]->wide[1], -2000);
}

TEST_F(CsvSourceTest, NullRulesOfTheLanguage) {
  auto schema = Schema({{"a", ast::MakeType(ast::TypeKind::Int, true)},
                        {"s", ast::StringType()},
                        {"n", ast::MakeType(ast::TypeKind::String, true)}});
  std::string path = Write("n.csv", "a,s,n\n,,\n\"\",\"\",\"\"\n5,x,y\n");
  auto out = Run(Opts(path, schema));
  auto rows = out.Rows(0);
  // Row 2: a quoted empty int is not null: a record error.
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].code, "csv_type");
  EXPECT_EQ(out.errors[0].line, 3);
  EXPECT_NE(out.errors[0].message.find("n.csv:3:1: field `a`: expected int, found \"\""), std::string::npos)
      << out.errors[0].message;
  EXPECT_EQ(Json(rows), "{\"a\":null,\"s\":\"\",\"n\":null}\n{\"a\":5,\"s\":\"x\",\"n\":\"y\"}\n");

  // Quoted empty is the empty string, even for a nullable string.
  std::string quoted = Write("q.csv", "s,n\n\"\",\"\"\n");
  EXPECT_EQ(Json(Run(Opts(quoted, Schema({{"s", ast::StringType()}, {"n", ast::MakeType(ast::TypeKind::String, true)}})))
                     .Rows(0)),
            "{\"s\":\"\",\"n\":\"\"}\n");
}

TEST_F(CsvSourceTest, EmptyFieldForNonNullableIsAnError) {
  auto schema = Schema({{"id", ast::IntType()}, {"d", ast::DateType()}});
  std::string path = Write("e.csv", "id,d\n1,\n,2024-01-01\n3,2024-01-03\n");
  auto out = Run(Opts(path, schema));
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_NE(out.errors[0].message.find("e.csv:2:3: field `d`: empty value for non-nullable date"), std::string::npos)
      << out.errors[0].message;
  EXPECT_NE(out.errors[1].message.find("e.csv:3:1: field `id`: empty value for non-nullable int"), std::string::npos)
      << out.errors[1].message;
  EXPECT_EQ(out.errors[0].record, "\"1,\"");
  EXPECT_EQ(Json(out.Rows(0)), "{\"id\":3,\"d\":\"2024-01-03\"}\n");
}

TEST_F(CsvSourceTest, CustomNullMarker) {
  auto schema = Schema({{"a", ast::MakeType(ast::TypeKind::Float, true)},
                        {"s", ast::StringType()},
                        {"n", ast::MakeType(ast::TypeKind::String, true)}});
  std::string path = Write("m.csv", "a,s,n\nNA,NA,NA\n1.5,,\n\"NA\",x,\"NA\"\n");
  CsvSourceOptions options = Opts(path, schema);
  options.null_marker = "NA";
  auto out = Run(options);
  ASSERT_EQ(out.errors.size(), 1u);  // "NA" quoted is text, not a float
  EXPECT_EQ(out.errors[0].line, 4);
  EXPECT_EQ(Json(out.Rows(0)), "{\"a\":null,\"s\":\"NA\",\"n\":null}\n{\"a\":1.5,\"s\":\"\",\"n\":\"\"}\n");
}

TEST_F(CsvSourceTest, BadFieldsBecomeErrorRecordsWithPositionAndRawText) {
  auto schema = Schema({{"id", ast::IntType()}, {"note", ast::StringType()}, {"qty", ast::IntType()}});
  std::string path = Write("bad.csv",
                           "id,note,qty\n"
                           "1,\"multi\nline\",two\n"
                           "2,ok,3\n"
                           "3,\"unterminated,4\n");
  auto out = Run(Opts(path, schema));
  ASSERT_EQ(out.errors.size(), 2u);
  const ErrorRecord& e = out.errors[0];
  EXPECT_EQ(e.step, "src");
  EXPECT_EQ(e.code, "csv_type");
  EXPECT_EQ(e.source, path);
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.message, path + ":3:7: field `qty`: expected int, found \"two\"");
  EXPECT_EQ(e.record, "\"1,\\\"multi\\nline\\\",two\"");
  EXPECT_GT(e.at_us, 0);
  EXPECT_EQ(out.errors[1].code, "csv_parse");
  EXPECT_EQ(out.errors[1].line, 5);
  EXPECT_NE(out.errors[1].message.find("unterminated quoted field"), std::string::npos);
  EXPECT_EQ(Json(out.Rows(0)), "{\"id\":2,\"note\":\"ok\",\"qty\":3}\n");
}

TEST_F(CsvSourceTest, OverflowAndRaggedRows) {
  auto schema = Schema({{"a", ast::IntType()}, {"b", ast::IntType()}});
  std::string path = Write("o.csv", "a,b\n99999999999999999999,1\n1,2,3\n4,5\n");
  auto out = Run(Opts(path, schema));
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[0].code, "csv_type");
  EXPECT_EQ(out.errors[1].code, "csv_parse");
  EXPECT_NE(out.errors[1].message.find("expected 2 fields, found 3"), std::string::npos);
  EXPECT_EQ(Json(out.Rows(0)), "{\"a\":4,\"b\":5}\n");
}

TEST_F(CsvSourceTest, HeaderMatchedByNameExtraColumnsIgnored) {
  auto schema = Schema({{"b", ast::IntType()}, {"a", ast::StringType()}});
  std::string path = Write("h.csv", "a,extra,b\nx,zzz,1\ny,,2\n");
  EXPECT_EQ(Json(Run(Opts(path, schema)).Rows(0)), "{\"b\":1,\"a\":\"x\"}\n{\"b\":2,\"a\":\"y\"}\n");
}

TEST_F(CsvSourceTest, MissingColumnFailsTheSourceOnce) {
  auto schema = Schema({{"amount", ast::IntType()}});
  std::string path = Write("h.csv", "id,amout\n1,2\n");
  std::optional<InputError> failure;
  auto out = Run(Opts(path, schema), &failure);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->path, path);
  EXPECT_NE(failure->message.find("column `amount` not found in the header; did you mean `amout`?"), std::string::npos)
      << failure->message;
  EXPECT_TRUE(out.errors.empty());
  EXPECT_TRUE(out.batches.empty());
}

TEST_F(CsvSourceTest, NestedTypesAreRejectedUpFront) {
  std::optional<InputError> failure;
  Run(Opts(Write("x.csv", "a\n1\n"), Schema({{"a", ast::ListType(ast::IntType())}})), &failure);
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->message.find("cannot hold"), std::string::npos);
}

TEST_F(CsvSourceTest, GlobReadsFilesInSortedOrderAndNamesTheFileInErrors) {
  auto schema = Schema({{"id", ast::IntType()}});
  Write("p2.csv", "id\n3\nbad\n");
  Write("p1.csv", "id\n1\n2\n");
  Write("other.txt", "id\n99\n");
  auto out = Run(Opts((dir_ / "p*.csv").string(), schema));
  EXPECT_EQ(Json(out.Rows(0)), "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].source, (dir_ / "p2.csv").string());
  EXPECT_EQ(out.errors[0].line, 3);

  std::optional<InputError> failure;
  Run(Opts((dir_ / "none*.csv").string(), schema), &failure);
  EXPECT_TRUE(failure.has_value());
}

TEST_F(CsvSourceTest, GzipInput) {
  std::string text = "id,s\n1,a\n2,b\n";
  std::string path = (dir_ / "z.csv.gz").string();
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  auto out = Run(Opts(path, Schema({{"id", ast::IntType()}, {"s", ast::StringType()}})));
  EXPECT_EQ(Json(out.Rows(0)), "{\"id\":1,\"s\":\"a\"}\n{\"id\":2,\"s\":\"b\"}\n");
}

TEST_F(CsvSourceTest, HeaderlessByPositionWithDelimiter) {
  CsvSourceOptions options = Opts(Write("t.tsv", "1\tx\n2\ty\n3\n"), Schema({{"id", ast::IntType()}, {"s", ast::StringType()}}));
  options.header = false;
  options.delimiter = '\t';
  auto out = Run(options);
  EXPECT_EQ(Json(out.Rows(0)), "{\"id\":1,\"s\":\"x\"}\n{\"id\":2,\"s\":\"y\"}\n");
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].line, 3);
}

TEST_F(CsvSourceTest, ManyBatchesCountsAddUp) {
  std::string text = "id,v\n";
  size_t bad = 0;
  for (int i = 0; i < 10000; ++i) {
    if (i % 97 == 0) {
      text += std::to_string(i) + ",x\n";
      ++bad;
    } else {
      text += std::to_string(i) + "," + std::to_string(i * 2) + "\n";
    }
  }
  CsvSourceOptions options = Opts(Write("big.csv", text), Schema({{"id", ast::IntType()}, {"v", ast::IntType()}}));
  options.buffer_size = 4096;  // many buffers and short blocks
  auto out = Run(options);
  EXPECT_EQ(out.errors.size(), bad);
  auto rows = out.Rows(0);
  EXPECT_EQ(rows.size(), 10000 - bad);
  for (const auto& row : rows) EXPECT_EQ(row.fields[1].second.int_value, row.fields[0].second.int_value * 2);
  EXPECT_GT(out.batches[0].size(), 2u);
}

TEST(CsvFieldText, StrictParsers) {
  EXPECT_EQ(ParseIntText("+5"), 5);
  EXPECT_FALSE(ParseIntText("5 "));
  EXPECT_FALSE(ParseIntText("++5"));
  EXPECT_FALSE(ParseFloatText("nan"));
  EXPECT_FALSE(ParseFloatText("-inf"));
  EXPECT_FALSE(ParseFloatText("+-5"));
  EXPECT_FALSE(ParseFloatText("+-.5e1"));
  EXPECT_FALSE(ParseIntText("+-5"));
  EXPECT_EQ(ParseFloatText("+5.5"), 5.5);
  EXPECT_EQ(ParseFloatText(".5"), 0.5);
  EXPECT_EQ(ParseBoolText("False"), false);
  EXPECT_FALSE(ParseBoolText("yes"));
  EXPECT_EQ(ParseTimestampText("1970-01-01T00:00:01Z"), 1000000);
  EXPECT_EQ(ParseTimestampText("1970-01-01 00:00:01"), 1000000);
  EXPECT_FALSE(ParseTimestampText("1970-01-01 00:00:01+0"));
}

// The int parser's short-number loop agrees with std::from_chars on every length and sign,
// at the int64 limits, and on junk.
TEST(CsvFieldText, IntParserAgreesWithFromChars) {
  auto reference = [](std::string_view text) -> std::optional<int64_t> {
    if (!text.empty() && text[0] == '+') {
      text.remove_prefix(1);
      if (!text.empty() && text[0] == '-') return std::nullopt;  // one sign: "+-5" is not a number
    }
    if (text.empty() || text[0] == '+') return std::nullopt;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  };
  std::vector<std::string> cases = {"0", "-0", "+0", "007", "-", "+", "+-5", "-+5", "--5", "1a", "a1", " 1",
                                    "1 ", "1.0", "9223372036854775807", "-9223372036854775808",
                                    "9223372036854775808", "-9223372036854775809", "99999999999999999999",
                                    "999999999999999999", "-999999999999999999", "1000000000000000000", ""};
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::string text = std::to_string(x >> (x % 64));
    if (x & 1) text = "-" + text;
    if (x & 2) text = "+" + text;
    if ((x & 12) == 12) text[x % text.size()] = static_cast<char>('/' + (x >> 40) % 12);  // sometimes a non-digit
    cases.push_back(text);
  }
  size_t short_ones = 0;
  for (const std::string& text : cases) {
    EXPECT_EQ(ParseIntText(text), reference(text)) << text;
    // The inline short path (the column loops call it first) says the same, or passes.
    int64_t value = 0;
    if (ParseShortInt(text, value)) {
      ++short_ones;
      EXPECT_EQ(std::optional<int64_t>(value), reference(text)) << text;
    }
  }
  EXPECT_GT(short_ones, cases.size() / 4);
}

// The float parser's short-decimal path gives the same double as std::from_chars, bit for
// bit (signed zeros included), and the same verdict on junk.
TEST(CsvFieldText, FloatParserAgreesWithFromChars) {
  auto reference = [](std::string_view text) -> std::optional<double> {
    if (!text.empty() && text[0] == '+') {
      text.remove_prefix(1);
      if (!text.empty() && text[0] == '-') return std::nullopt;  // one sign: "+-5" is not a number
    }
    if (text.empty()) return std::nullopt;
    char first = text[0] == '-' && text.size() > 1 ? text[1] : text[0];
    if (!((first >= '0' && first <= '9') || first == '.')) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  };
  std::vector<std::string> cases = {"0", "-0", "-0.0", "0.", "1.", ".5", "-.5", ".", "-.", "-", "+1.5", "1..2",
                                    "1.2.3", "1e5", "1.5E-3", "0.1", "0.3", "123456789012345",
                                    "1234567890123456", "0.000000000000001", "0.0000000000000001",
                                    "999999999999999.", "9007199254740993", "68.40", "-99999.00", "1,5", "+-5", "+-1e3", "++1",
                                    "1 ", " 1", "nan", "inf", "0x10", "00012.3400", ""};
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 50000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::string digits = std::to_string(x >> (x % 64));
    size_t dot = (x >> 8) % (digits.size() + 1);
    std::string text = digits.substr(0, dot) + ((x >> 20) % 5 != 0 ? "." : "") + digits.substr(dot);
    if (x & 1) text = "-" + text;
    if ((x & 6) == 6) text += "e-" + std::to_string((x >> 30) % 30);
    cases.push_back(text);
  }
  size_t short_ones = 0;
  for (const std::string& text : cases) {
    std::optional<double> got = ParseFloatText(text), want = reference(text);
    ASSERT_EQ(got.has_value(), want.has_value()) << text;
    if (got) {
      EXPECT_EQ(std::bit_cast<uint64_t>(*got), std::bit_cast<uint64_t>(*want)) << text;
    }
    // The inline short path (the column loops call it first) says the same, or passes.
    double value = 0;
    if (ParseShortFloat(text, value)) {
      ++short_ones;
      ASSERT_TRUE(want.has_value()) << text;
      EXPECT_EQ(std::bit_cast<uint64_t>(value), std::bit_cast<uint64_t>(*want)) << text;
    }
  }
  EXPECT_GT(short_ones, cases.size() / 4);
}

}  // namespace
}  // namespace etl::runtime
