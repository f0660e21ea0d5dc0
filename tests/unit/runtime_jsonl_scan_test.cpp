// The jsonl source's direct scanner (runtime/jsonl_scan.h): which lines it takes and the
// values it reads, and, on generated and mutated lines, that a piece read with it gives
// exactly what simdjson's path gives (rows, column contents, errors, counters). The
// scanner only ever says "not mine" for a line it cannot read exactly; the differential
// tests check both that it takes most lines and that nothing it takes differs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/jsonl_scan.h"
#include "runtime/jsonl_split.h"
#include "tests/unit/runtime_jsonl_test_util.h"

namespace etl::runtime {
namespace {

ast::TypeRef Nullable(ast::TypeKind kind) { return ast::MakeType(kind, true); }

ast::TypeRef Schema() {
  return ast::RecordType({{"id", ast::IntType()},
                          {"name", Nullable(ast::TypeKind::String)},
                          {"amount", Nullable(ast::TypeKind::Float)},
                          {"ok", Nullable(ast::TypeKind::Bool)},
                          {"day", Nullable(ast::TypeKind::Date)},
                          {"ts", Nullable(ast::TypeKind::Timestamp)},
                          {"wait", Nullable(ast::TypeKind::Duration)},
                          {"a_rather_long_field_name", Nullable(ast::TypeKind::String)}});
}

// Scans single lines: each in its own buffer with the 64 readable bytes the scanner
// requires after a line (filled with bytes that would confuse an over-read).
class DirectScan : public ::testing::Test {
 protected:
  DirectScan() : schema_(Schema()), matcher_(*schema_), slots_(MakeSlots()), scanner_(*schema_, matcher_, slots_) {}

  bool Scan(const std::string& line) {
    buffer_ = line + std::string(64, '"');
    return scanner_.Scan(std::string_view(buffer_.data(), line.size()));
  }
  const JsonlFastSlot& Slot(size_t field) const { return slots_[field]; }

 private:
  std::vector<JsonlFastSlot> MakeSlots() const {
    std::vector<JsonlFastSlot> slots;
    for (const ast::Field& field : schema_->fields) {
      JsonlFastSlot& slot = slots.emplace_back();
      slot.kind = field.type->kind;
      slot.nullable = field.type->nullable;
    }
    return slots;
  }

  ast::TypeRef schema_;
  JsonFieldMatcher matcher_;
  std::vector<JsonlFastSlot> slots_;
  JsonlDirectScanner scanner_;
  std::string buffer_;
};

TEST_F(DirectScan, ReadsCompactRecordsInSchemaOrder) {
  ASSERT_TRUE(Scan(R"({"id":42,"name":"cust_1","amount":18.32,"ok":true,"day":"2024-03-09",)"
                   R"("ts":"2024-11-26T07:35:32Z","wait":"1h30m","a_rather_long_field_name":"x"})"));
  EXPECT_EQ(Slot(0).int_value, 42);
  EXPECT_EQ(Slot(1).text, "cust_1");
  EXPECT_EQ(Slot(2).float_value, 18.32);
  EXPECT_EQ(Slot(3).int_value, 1);
  EXPECT_FALSE(Slot(3).null);
  EXPECT_EQ(Slot(4).int_value, 19791);  // days since 1970-01-01
  EXPECT_EQ(Slot(5).int_value, 1732606532000000);
  EXPECT_EQ(Slot(6).int_value, 5400000000);
  EXPECT_EQ(Slot(7).text, "x");
}

TEST_F(DirectScan, ReadsAnyLayoutKeyOrderAndUnknownKeys) {
  ASSERT_TRUE(Scan(" \t{ \"ok\" : false ,\r\"extra\": {\"k\":[1,2.5e-3,{\"d\":[[]]}],\"n\":null, \"s\":\"\\u00e9\"},"
                   "\"id\"\t:\t-7 , \"more\":[true,false,null,\"]\"] }  \r"));
  EXPECT_EQ(Slot(0).int_value, -7);
  EXPECT_EQ(Slot(3).int_value, 0);
  EXPECT_TRUE(Slot(1).null);  // missing nullable fields are null
  EXPECT_TRUE(Slot(2).null);
  ASSERT_TRUE(Scan("{}") == false);  // id is missing: not the scanner's to report
  ASSERT_TRUE(Scan(R"({"id":1})"));
  EXPECT_TRUE(Slot(7).null);
}

TEST_F(DirectScan, DecodesEscapes) {
  ASSERT_TRUE(Scan(R"({"id":1,"name":"a\"b\\c\/d\b\f\n\r\t\u00e9\u65e5\ud83d\ude00\u0000z"})"));
  EXPECT_EQ(Slot(1).text, std::string("a\"b\\c/d\b\f\n\r\t\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80") + '\0' + "z");
  // An escaped key is matched by its decoded text, as simdjson's document gives it.
  ASSERT_TRUE(Scan(R"({"\u0069d":5,"na\u006de":"n"})"));
  EXPECT_EQ(Slot(0).int_value, 5);
  EXPECT_EQ(Slot(1).text, "n");
  // Raw UTF-8 is kept as it is.
  ASSERT_TRUE(Scan("{\"id\":1,\"name\":\"caf\xC3\xA9 \xE6\x97\xA5\"}"));
  EXPECT_EQ(Slot(1).text, "caf\xC3\xA9 \xE6\x97\xA5");
}

TEST_F(DirectScan, ReadsNumbersAsSimdjsonDoes) {
  ASSERT_TRUE(Scan(R"({"id":-0,"amount":-0.0})"));
  EXPECT_EQ(Slot(0).int_value, 0);
  EXPECT_TRUE(std::signbit(Slot(2).float_value));
  ASSERT_TRUE(Scan(R"({"id":999999999999999999,"amount":12})"));
  EXPECT_EQ(Slot(0).int_value, 999999999999999999);
  EXPECT_EQ(Slot(2).float_value, 12.0);
  ASSERT_TRUE(Scan(R"({"id":-999999999999999999,"amount":1.5E3})"));
  EXPECT_EQ(Slot(0).int_value, -999999999999999999);
  EXPECT_EQ(Slot(2).float_value, 1500.0);
  for (const char* text : {"0.1", "3.14159265358979323846264338327950288", "2.2250738585072014e-308", "1e-2",
                           "4.9406564584124654e-324", "1.7976931348623157e308", "123456789012345678", "9007199254740993",
                           "0.000001", "1e22", "1e23"}) {
    ASSERT_TRUE(Scan(std::string(R"({"id":1,"amount":)") + text + "}")) << text;
    EXPECT_EQ(Slot(2).float_value, std::strtod(text, nullptr)) << text;
  }
}

TEST_F(DirectScan, LeavesEverythingElseToSimdjson) {
  const char* const kNotMine[] = {
      // Syntax errors: simdjson names them.
      "", "[1]", "42", "{", "{\"id\":1", "{\"id\":1,}", "{\"id\" 1}", "{id:1}", "{\"id\":1}x", "{\"id\":1}{}",
      "{\"id\":1,\"name\":\"open}", "{\"id\":01}", "{\"id\":1,\"amount\":1.}", "{\"id\":1,\"amount\":.5}",
      "{\"id\":+1}", "{\"id\":1,\"amount\":1e}", "{\"id\":-}", "{\"id\":1,\"ok\":tru}", "{\"id\":1,\"ok\":nulls}",
      "{\"id\":1,\"x\":01}", "{\"id\":1,\"x\":[1,]}", "{\"id\":1,\"x\":{\"a\"}}", "{\"id\":1,\"x\":\"\\x\"}",
      "{\"id\":1,\"name\":\"tab\there\"}", "{\"id\":1,\"name\":\"a\\u12\"}",
      // Surrogates simdjson may treat its own way.
      "{\"id\":1,\"name\":\"\\udc00\"}", "{\"id\":1,\"name\":\"\\ud800x\"}", "{\"id\":1,\"x\":\"\\ud800\\u0041\"}",
      // Invalid UTF-8, in a kept string, an unknown key's value and an unknown key.
      "{\"id\":1,\"name\":\"\xFF\"}", "{\"id\":1,\"x\":\"\xC3\"}", "{\"id\":1,\"\xE6\x97\":0}",
      // Type mismatches, nulls and missing fields: the general path words the error.
      "{\"id\":\"1\"}", "{\"id\":1.0}", "{\"id\":1e2}", "{\"id\":null}", "{\"name\":\"x\"}", "{\"id\":true}",
      "{\"id\":1,\"name\":5}", "{\"id\":1,\"amount\":\"1.5\"}", "{\"id\":1,\"ok\":1}", "{\"id\":1,\"day\":\"2023-02-30\"}",
      "{\"id\":1,\"ts\":\"yesterday\"}", "{\"id\":1,\"wait\":\"soon\"}", "{\"id\":1,\"name\":[]}", "{\"id\":{}}",
      // A repeated key whose first value is bad fails in the DOM path too.
      "{\"id\":\"x\",\"id\":1}",
      // Numbers simdjson reads as uint64 or rejects, and out-of-range floats.
      "{\"id\":1234567890123456789}", "{\"id\":1,\"amount\":12345678901234567890}", "{\"id\":1,\"amount\":1e400}",
      "{\"id\":1,\"amount\":-1e999}",
  };
  for (const char* line : kNotMine) EXPECT_FALSE(Scan(line)) << line;
  // Nesting deeper than the scanner follows goes to simdjson (which applies the real limit).
  std::string deep = "{\"id\":1,\"x\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_FALSE(Scan(deep));
  std::string shallow = "{\"id\":1,\"x\":" + std::string(20, '[') + std::string(20, ']') + "}";
  EXPECT_TRUE(Scan(shallow));
  // A repeated key: the last one wins, as in the DOM path.
  ASSERT_TRUE(Scan(R"({"id":1,"id":2})"));
  EXPECT_EQ(Slot(0).int_value, 2);
}

TEST_F(DirectScan, DoesNotReadPastTheLine) {
  // The bytes after the line are quotes and digits: a scanner reading on would accept.
  EXPECT_FALSE(Scan("{\"id\":1,\"name\":\"abc"));
  EXPECT_FALSE(Scan("{\"id\":12"));
  EXPECT_FALSE(Scan("{\"i"));
  EXPECT_FALSE(Scan("{\"id\""));
  // A string ending exactly at a 64-byte window edge, and one crossing it.
  for (size_t n = 40; n < 140; ++n) {
    std::string name(n, 'z');
    ASSERT_TRUE(Scan("{\"id\":1,\"name\":\"" + name + "\"}")) << n;
    EXPECT_EQ(Slot(1).text, name);
    EXPECT_FALSE(Scan("{\"id\":1,\"name\":\"" + name)) << n;
    // Invalid UTF-8 at every position of a long line is found.
    std::string bad = name;
    bad[n / 2] = '\xFF';
    EXPECT_FALSE(Scan("{\"id\":1,\"name\":\"" + bad + "\"}")) << n;
  }
}

// --- Differential: the direct scanner against simdjson's path on whole pieces.

std::string RandomText(std::mt19937& rng) {
  static const char* kPieces[] = {"a", "Zz", " ", "\\\"", "\\\\", "\\n", "\\t", "\\/", "\\b", "\\f", "\\r", "\\u00e9",
                                  "\\ud83d\\ude00", "\\u0000", "\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x98\x80", ",",
                                  "{", "}", "[", "]", ":", "0"};
  std::string out;
  for (size_t i = 0, n = rng() % 12; i < n; ++i) out += kPieces[rng() % (sizeof kPieces / sizeof *kPieces)];
  return out;
}

// A number: plain digits, or one in `exotic` times from a list of edge cases.
std::string RandomNumber(std::mt19937& rng, bool integer, uint32_t exotic = 4) {
  static const char* kNumbers[] = {"0", "-0", "1", "-1", "17", "999999999999999999", "-999999999999999999",
                                   "1000000000000000000", "9223372036854775807", "-9223372036854775808",
                                   "18446744073709551615", "0.5", "-0.0", "1.25e3", "1E-7", "2.5e+10", "1e308",
                                   "1e309", "1e-400", "3.141592653589793238462643383279", "0.1", "123.456",
                                   "4.9e-324", "100.0", "7e0"};
  if (rng() % exotic != 0) {
    std::string digits = std::to_string(rng() % 1000000);
    if (integer) return (rng() % 2 ? "-" : "") + digits;
    return digits + "." + std::to_string(rng() % 100);
  }
  return kNumbers[rng() % (sizeof kNumbers / sizeof *kNumbers)];
}

std::string RandomValue(std::mt19937& rng, int depth) {
  switch (rng() % (depth > 3 ? 5 : 7)) {
    case 0: return "\"" + RandomText(rng) + "\"";
    case 1: return RandomNumber(rng, rng() % 2);
    case 2: return "true";
    case 3: return "false";
    case 4: return "null";
    case 5: {
      std::string out = "[";
      for (size_t i = 0, n = rng() % 4; i < n; ++i) out += (i ? "," : "") + RandomValue(rng, depth + 1);
      return out + "]";
    }
    default: {
      std::string out = "{";
      for (size_t i = 0, n = rng() % 4; i < n; ++i) {
        out += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":" + RandomValue(rng, depth + 1);
      }
      return out + "}";
    }
  }
}

// A record line: schema fields and unknown keys, in schema order or shuffled, compact or
// with blanks. One field in `odd` is missing, one in `odd` has a value of any type, and
// one number in `odd` is an edge case.
std::string RandomRecord(std::mt19937& rng, uint32_t odd) {
  std::vector<std::string> fields;
  auto add = [&](const std::string& key, const std::string& value) {
    if (rng() % odd) fields.push_back("\"" + key + "\":" + value);
  };
  add("id", rng() % odd ? RandomNumber(rng, true, odd) : RandomValue(rng, 0));
  add("name", rng() % odd ? "\"" + RandomText(rng) + "\"" : RandomValue(rng, 0));
  add("amount", rng() % odd ? RandomNumber(rng, false, odd) : RandomValue(rng, 0));
  add("ok", rng() % odd ? (rng() % 2 ? "true" : "false") : RandomValue(rng, 0));
  add("day", rng() % odd ? "\"2024-0" + std::to_string(1 + rng() % 9) + "-" + std::to_string(10 + rng() % 19) + "\""
                        : RandomValue(rng, 0));
  add("ts", rng() % odd ? "\"2024-11-26T07:35:" + std::to_string(10 + rng() % 50) + "Z\"" : RandomValue(rng, 0));
  add("wait", rng() % odd ? "\"" + std::to_string(rng() % 90) + "s\"" : RandomValue(rng, 0));
  add("a_rather_long_field_name", "\"" + RandomText(rng) + "\"");
  for (size_t i = 0, n = rng() % 3; i < n; ++i) add("u" + std::to_string(i), RandomValue(rng, 0));
  if (rng() % 6 == 0) add("id", RandomNumber(rng, true, odd));  // repeated key
  if (rng() % 3 == 0) std::shuffle(fields.begin(), fields.end(), rng);
  const bool blanks = rng() % 4 == 0;
  std::string line = blanks ? " { " : "{";
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? (blanks ? " , " : ",") : "") + fields[i];
  return line + (blanks ? " } " : "}");
}

// Replaces, inserts or deletes a few bytes, drawn mostly from JSON's significant ones.
std::string Mutate(std::string line, std::mt19937& rng) {
  static const char kBytes[] = "{}[]:,\"\\ \t\r0123456789.eE+-tfnul\x01\x1f\x7f\x80\xbf\xc3\xa9\xed\xff\0";
  for (size_t i = 0, n = 1 + rng() % 3; i < n && !line.empty(); ++i) {
    size_t at = rng() % line.size();
    char byte = kBytes[rng() % (sizeof kBytes - 1)];
    switch (rng() % 3) {
      case 0: line[at] = byte; break;
      case 1: line.insert(line.begin() + static_cast<std::ptrdiff_t>(at), byte); break;
      default: line.erase(at, 1); break;
    }
  }
  return line;
}

JsonlPieceResult ReadPiece(const std::string& text, bool direct, size_t batch_rows, const std::vector<bool>& skip) {
  JsonlConvertPlan plan;
  plan.step = "s";
  plan.schema = Schema();
  plan.batch_rows = batch_rows;
  plan.fast = true;
  plan.direct = direct;
  plan.skip_text = skip;
  JsonlPieceConverter converter(plan);
  PaddedText padded = PaddedText::Copy(text);
  JsonlPieceResult result;
  converter.Convert(padded.view(), true, "f.jsonl", result);
  return result;
}

// Pieces of records (some with type errors, odd numbers, repeated keys) and mutated ones:
// the scanner takes nearly every line that is a row (checked, so the comparison is not
// vacuous) and the results are simdjson's.
TEST(DirectScanDifferential, MatchesSimdjsonOnRecordsAndMutations) {
  size_t taken = 0, left = 0, rows = 0;
  ast::TypeRef schema = Schema();
  for (uint32_t seed = 1; seed <= 150; ++seed) {
    std::mt19937 rng(seed);
    std::string text;
    for (size_t i = 0, n = 1 + rng() % 120; i < n; ++i) {
      std::string line = RandomRecord(rng, 100);
      if (rng() % 20 == 0) line = Mutate(line, rng);
      text += line + (rng() % 7 == 0 ? "\r\n" : "\n");
    }
    std::vector<bool> skip(schema->fields.size(), false);
    skip[1] = rng() % 2 == 0;
    size_t batch_rows = 1 + rng() % 50;
    std::string what = "seed " + std::to_string(seed);
    JsonlPieceResult expected = ReadPiece(text, false, batch_rows, skip);
    JsonlPieceResult direct = ReadPiece(text, true, batch_rows, skip);
    EXPECT_EQ(expected.direct_rows, 0u);
    for (const Batch& batch : expected.batches) rows += batch.rows;
    taken += direct.direct_rows;
    left += direct.records - direct.direct_rows;
    test::ExpectSamePieceResults(expected, direct, what);
  }
  // Every line the scanner takes is a row of simdjson's path; it takes nearly all of them.
  std::printf("direct scanner: %zu of %zu rows taken, %zu lines left to simdjson\n", taken, rows, left);
  EXPECT_LE(taken, rows);
  // (The rest are numbers simdjson reads by its own rules: 19-digit ints, underflow.)
  EXPECT_GE(taken * 100, rows * 85) << taken << " of " << rows << " rows taken";
  EXPECT_GT(left, 300u);
}

// Pieces where most lines are broken. Short pieces (fewer lines than the misses that make
// the converter give up on the scanner) have every line tried by the scanner; in long
// ones the converter stops using it part-way and simdjson's block parser reads the rest.
// The results are simdjson's either way.
TEST(DirectScanDifferential, MatchesSimdjsonWhenMostLinesAreBroken) {
  size_t taken = 0;
  for (uint32_t seed = 1; seed <= 2000; ++seed) {
    std::mt19937 rng(seed);
    const bool short_piece = seed > 60;
    std::string text;
    for (size_t i = 0, n = short_piece ? 1 + rng() % 15 : 20 + rng() % 200; i < n; ++i) {
      std::string line = RandomRecord(rng, 5);
      if (rng() % 3) line = Mutate(line, rng);
      if (rng() % 20 == 0) line = "";
      text += line + "\n";
    }
    std::vector<bool> skip(Schema()->fields.size(), rng() % 2 == 0);
    std::string what = "seed " + std::to_string(seed);
    JsonlPieceResult direct = ReadPiece(text, true, 64, skip);
    taken += direct.direct_rows;
    test::ExpectSamePieceResults(ReadPiece(text, false, 64, skip), direct, what);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(taken, 1000u);
}

}  // namespace
}  // namespace etl::runtime
