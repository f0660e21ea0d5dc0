// Typed conversion of JSON values to ast::Value: every type with good and bad values,
// nulls, missing fields, nested records and lists, and the scalar text parsers.
#include <gtest/gtest.h>

#include <string>

#include "runtime/jsonl_convert.h"
#include "runtime/jsonl_reader.h"
#include "runtime/jsonl_scalars.h"

namespace etl::runtime {
namespace {

using ast::Value;

// Parses `json` and converts it to `type` (spelled as in the language); returns the value's
// literal, or "error: <message>".
std::string Convert(const std::string& type_text, const std::string& json) {
  auto type = ast::ParseType(type_text);
  EXPECT_TRUE(type.has_value()) << type_text;
  if (!type) return "bad type";
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  EXPECT_EQ(parser.parse(json).get(element), simdjson::SUCCESS) << json;
  Value value;
  std::string error;
  if (!JsonToValue(element, *type, "f", value, error)) return "error: " + error;
  return ast::ToLiteral(value);
}

TEST(JsonlConvert, Int) {
  EXPECT_EQ(Convert("int", "42"), "42");
  EXPECT_EQ(Convert("int", "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Convert("int", "9223372036854775808"), "error: field `f`: integer 9223372036854775808 overflows int");
  EXPECT_EQ(Convert("int", "1.0"), "error: field `f`: expected int, found float 1");
  EXPECT_EQ(Convert("int", "1e3"), "error: field `f`: expected int, found float 1000");
  EXPECT_EQ(Convert("int", "\"two\""), "error: field `f`: expected int, found string \"two\"");
  EXPECT_EQ(Convert("int", "true"), "error: field `f`: expected int, found bool true");
  EXPECT_EQ(Convert("int", "null"), "error: field `f`: null for non-nullable int");
  EXPECT_EQ(Convert("int?", "null"), "null");
}

TEST(JsonlConvert, FloatBoolString) {
  EXPECT_EQ(Convert("float", "1.5"), "1.5");
  EXPECT_EQ(Convert("float", "3"), "3.0");
  EXPECT_EQ(Convert("float", "18446744073709551615"), "1.8446744073709552e+19");
  EXPECT_EQ(Convert("float", "\"1.5\""), "error: field `f`: expected float, found string \"1.5\"");
  EXPECT_EQ(Convert("bool", "false"), "false");
  EXPECT_EQ(Convert("bool", "0"), "error: field `f`: expected bool, found int 0");
  EXPECT_EQ(Convert("string", "\"a\\n\\u00e9\""), "\"a\\n\xC3\xA9\"");
  EXPECT_EQ(Convert("string", "12"), "error: field `f`: expected string, found int 12");
  std::string long_text(100, 'x');
  EXPECT_EQ(Convert("string", "[\"" + long_text + "\"]"), "error: field `f`: expected string, found array");
  EXPECT_EQ(Convert("int", "\"" + long_text + "\""),
            "error: field `f`: expected int, found string \"" + std::string(40, 'x') + "…\"");
}

TEST(JsonlConvert, Decimal) {
  EXPECT_EQ(Convert("decimal(10, 2)", "12.34"), "\"12.34\"");
  EXPECT_EQ(Convert("decimal(10, 2)", "\"12.3\""), "\"12.30\"");
  EXPECT_EQ(Convert("decimal(10, 2)", "0.1"), "\"0.10\"");
  EXPECT_EQ(Convert("decimal(10, 2)", "-1.005"), "\"-1.01\"");   // half away from zero (shortest text "-1.005")
  EXPECT_EQ(Convert("decimal(10, 2)", "\"2.345\""), "\"2.35\"");
  EXPECT_EQ(Convert("decimal(10, 2)", "7"), "\"7.00\"");
  EXPECT_EQ(Convert("decimal(10, 2)", "1e2"), "\"100.00\"");
  EXPECT_EQ(Convert("decimal(4, 2)", "99.99"), "\"99.99\"");
  EXPECT_EQ(Convert("decimal(4, 2)", "99.995"),
            "error: field `f`: expected decimal(4, 2), found float 99.995 (more than 2 integer digits)");
  EXPECT_EQ(Convert("decimal(4, 2)", "123"), "error: field `f`: expected decimal(4, 2), found int 123 (more than 2 integer digits)");
  EXPECT_EQ(Convert("decimal(38, 0)", "\"12345678901234567890123456789012345678\""),
            "\"12345678901234567890123456789012345678\"");
  EXPECT_EQ(Convert("decimal(10, 2)", "\"abc\""),
            "error: field `f`: expected decimal(10, 2), found string \"abc\" (not a decimal number)");
  EXPECT_EQ(Convert("decimal(10, 2)", "true"), "error: field `f`: expected decimal(10, 2), found bool true");
}

TEST(JsonlConvert, BytesDateTimestampDuration) {
  EXPECT_EQ(Convert("bytes", "\"aGVsbG8=\""), "\"hello\"");
  EXPECT_EQ(Convert("bytes", "\"aGVsbG8\""), "\"hello\"");
  EXPECT_EQ(Convert("bytes", "\"aGVs bG8=\""), "error: field `f`: expected base64 bytes, found string \"aGVs bG8=\"");
  EXPECT_EQ(Convert("date", "\"2024-02-29\""), "@2024-02-29");
  EXPECT_EQ(Convert("date", "\"2023-02-29\""), "error: field `f`: expected date \"YYYY-MM-DD\", found string \"2023-02-29\"");
  EXPECT_EQ(Convert("date", "20240101"), "error: field `f`: expected date \"YYYY-MM-DD\", found int 20240101");
  EXPECT_EQ(Convert("timestamp", "\"1970-01-01T00:00:01Z\""), Convert("timestamp", "\"1970-01-01T01:00:01+01:00\""));
  EXPECT_EQ(Convert("timestamp", "\"2024-03-01T12:00:00.123456789-0530\""),
            Convert("timestamp", "\"2024-03-01T17:30:00.123456Z\""));
  EXPECT_EQ(Convert("timestamp", "\"2024-03-01T12:00:00\""),
            "error: field `f`: expected ISO-8601 timestamp with zone, found string \"2024-03-01T12:00:00\"");
  EXPECT_EQ(Convert("timestamp", "\"2024-03-01T24:00:00Z\"").substr(0, 6), "error:");
  EXPECT_EQ(Convert("duration", "\"1h30m\""), "1h30m");
  EXPECT_EQ(Convert("duration", "\"-250ms\""), "-250ms");
  EXPECT_EQ(Convert("duration", "30"), "error: field `f`: expected duration like \"30s\", found int 30");
  EXPECT_EQ(Convert("duration", "\"30\"").substr(0, 6), "error:");
}

TEST(JsonlConvert, TimestampValues) {
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T00:00:01Z"), 1000000);
  EXPECT_EQ(ParseIsoTimestamp("1969-12-31T23:59:59.5Z"), -500000);
  EXPECT_EQ(ParseIsoTimestamp("2024-01-01 00:00:00z"), int64_t{19723} * 86400 * 1000000);
  EXPECT_EQ(ParseIsoDate("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoDate("2024-01-01"), 19723);
  EXPECT_FALSE(ParseIsoDate("2024-1-01"));
  EXPECT_FALSE(ParseIsoTimestamp("2024-01-01T00:00:00.Z"));
  EXPECT_FALSE(ParseDurationText("9999999999999999999s"));
  EXPECT_EQ(ParseDurationText("1d2h3m4s5ms6us"), ((((1LL * 24 + 2) * 60 + 3) * 60 + 4) * 1000 + 5) * 1000 + 6);
}

TEST(JsonlConvert, JsonListMap) {
  EXPECT_EQ(Convert("json", "{\"a\" : [1, 2.5, null]}"), "\"{\\\"a\\\":[1,2.5,null]}\"");
  EXPECT_EQ(Convert("json", "null"), "\"null\"");
  EXPECT_EQ(Convert("json?", "null"), "null");
  EXPECT_EQ(Convert("list<int>", "[1, 2, 3]"), "[1, 2, 3]");
  EXPECT_EQ(Convert("list<int>", "[1, \"x\"]"), "error: field `f[1]`: expected int, found string \"x\"");
  EXPECT_EQ(Convert("list<int?>", "[null]"), "[null]");
  EXPECT_EQ(Convert("list<int>", "{}"), "error: field `f`: expected list<int>, found object");
  EXPECT_EQ(Convert("map<int>", "{\"a\": 1, \"b\": 2}"), "{a: 1, b: 2}");
  EXPECT_EQ(Convert("map<int>", "{\"a\": 1, \"b\": false}"), "error: field `f.b`: expected int, found bool false");
}

TEST(JsonlConvert, NestedRecords) {
  std::string type = "{id: int, items: list<{sku: string, qty: int}>, note: string?}";
  EXPECT_EQ(Convert(type, "{\"items\":[{\"sku\":\"a\",\"qty\":1}],\"id\":7,\"extra\":true}"),
            "{id: 7, items: [{sku: \"a\", qty: 1}], note: null}");
  EXPECT_EQ(Convert(type, "{\"id\":7,\"items\":[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"b\",\"qty\":\"two\"}]}"),
            "error: field `f.items[1].qty`: expected int, found string \"two\"");
  EXPECT_EQ(Convert(type, "{\"id\":7,\"items\":[{\"qty\":1}]}"),
            "error: field `f.items[0].sku`: missing, and string is not nullable");
  EXPECT_EQ(Convert(type, "{\"id\":1,\"id\":2,\"items\":[]}"), "{id: 2, items: [], note: null}");
}

TEST(JsonlConvert, TopLevelRecordsAndDefaults) {
  auto type = *ast::ParseType("{qty: int, name: string?}");
  auto& mutable_type = const_cast<ast::Type&>(*type);
  mutable_type.fields[0].has_default = true;
  JsonlReader reader(MakeJsonlStringSource("{\"name\":\"x\"}\n{\"qty\":\"two\"}\n"));
  ASSERT_EQ(reader.Next(), JsonlEvent::kRecord);
  Value value;
  std::string error;
  EXPECT_FALSE(JsonRecordToValue(reader.object(), *type, value, error));
  EXPECT_EQ(error, "field `qty`: missing, and int is not nullable");
  Value one = Value::Int(1);
  auto defaults = [&](const ast::Type&, int field) { return field == 0 ? &one : nullptr; };
  ASSERT_TRUE(JsonRecordToValue(reader.object(), *type, value, error, defaults));
  EXPECT_EQ(ast::ToLiteral(value), "{qty: 1, name: \"x\"}");
  ASSERT_EQ(reader.Next(), JsonlEvent::kRecord);
  EXPECT_FALSE(JsonRecordToValue(reader.object(), *type, value, error, defaults));
  EXPECT_EQ(error, "field `qty`: expected int, found string \"two\"");
}

TEST(JsonlConvert, FieldMatcherFollowsSchemaOrder) {
  auto type = *ast::ParseType("{a: int, b: int, c: int}");
  JsonFieldMatcher matcher(*type);
  EXPECT_EQ(matcher.Match("a"), 0);
  EXPECT_EQ(matcher.Match("b"), 1);
  EXPECT_EQ(matcher.Match("zz"), -1);
  EXPECT_EQ(matcher.Match("c"), 2);
  matcher.Reset();
  EXPECT_EQ(matcher.Match("c"), 2);
  EXPECT_EQ(matcher.Match("a"), 0);
}

// Match compares keys in overlapping 1/2/4/8-byte loads: every length up to 20 bytes, a
// key that differs in one byte anywhere (first, middle, last) must not match.
TEST(JsonlConvert, FieldMatcherComparesEveryByte) {
  for (size_t n = 1; n <= 20; ++n) {
    std::string name;
    for (size_t i = 0; i < n; ++i) name += static_cast<char>('a' + i % 26);
    auto record = *ast::ParseType("{" + name + ": int}");
    JsonFieldMatcher matcher(*record);
    EXPECT_EQ(matcher.Match(name), 0) << name;
    for (size_t at = 0; at < n; ++at) {
      std::string other = name;
      other[at] = 'Z';
      EXPECT_EQ(matcher.Match(other), -1) << other;
    }
    EXPECT_EQ(matcher.Match(name.substr(0, n - 1)), -1);
    EXPECT_EQ(matcher.Match(name + "a"), -1);
  }
}

TEST(JsonlConvert, DecimalText) {
  __int128 v;
  std::string error;
  ASSERT_TRUE(ParseDecimalText("-0.005", 5, 2, v, error));
  EXPECT_EQ(DecimalToText(v, 2), "-0.01");
  ASSERT_TRUE(ParseDecimalText("1.2e-1", 5, 2, v, error));
  EXPECT_EQ(DecimalToText(v, 2), "0.12");
  ASSERT_TRUE(ParseDecimalText("000123.4", 5, 0, v, error));
  EXPECT_EQ(DecimalToText(v, 0), "123");
  EXPECT_FALSE(ParseDecimalText("1e40", 38, 0, v, error));
  EXPECT_FALSE(ParseDecimalText(".", 5, 2, v, error));
  EXPECT_FALSE(ParseDecimalText("1e", 5, 2, v, error));
}

}  // namespace
}  // namespace etl::runtime
