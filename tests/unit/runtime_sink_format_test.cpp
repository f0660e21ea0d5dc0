// The sinks' value writers (sink_format.h): floats spelled exactly as fmt "{}" (random bit
// patterns, decimal-looking values, every exponent boundary), JSON strings escaped exactly
// as a byte-by-byte reference (every length and position of a special byte, random text,
// invalid UTF-8), the StringCursor, and CSV quoting of written (non-string) fields.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "runtime/sink_csv.h"
#include "runtime/sink_format.h"
#include "runtime/sink_jsonl.h"
#include "runtime/value_json.h"
#include "runtime_sink_test_util.h"

namespace etl::runtime {
namespace {

using namespace sink_test;

std::string FloatText(double value) {
  char text[kMaxScalarChars];
  return std::string(text, WriteFloat(text, value));
}

void ExpectFmtSpelling(double value) {
  if (!std::isfinite(value)) return;  // the writers' callers write NaN/Inf as null or nothing
  ASSERT_EQ(FloatText(value), fmt::format("{}", value)) << "bits " << std::hex << std::bit_cast<uint64_t>(value);
}

TEST(SinkFormatTest, FloatsAreSpelledAsFmt) {
  const double specials[] = {0.0,       -0.0,          1.0,     2.0,     -2.0,      0.1,        0.5,
                             1e15,      1e16,          1e17,    1e-4,    1e-5,      0.00012345, 0.000012345,
                             123456.75, 9007199254740993.0,     DBL_MAX, DBL_MIN,   -DBL_MAX,   DBL_TRUE_MIN,
                             1e100,     1e-100,        1e300,   1e-300,  1e-320,    20.518400000000003,
                             9999999999999998.0,       999999999999999.9,          0.1 + 0.2, 1.0 / 3.0};
  for (double value : specials) {
    ExpectFmtSpelling(value);
    ExpectFmtSpelling(-value);
  }
  EXPECT_EQ(FloatText(2.0), "2");
  EXPECT_EQ(FloatText(1e16), "1e+16");
  EXPECT_EQ(FloatText(100000.0), "100000");
  EXPECT_EQ(FloatText(1e-5), "1e-05");
  EXPECT_EQ(FloatText(-0.0), "-0");
  EXPECT_EQ(FloatText(1e300), "1e+300");
  // Every power of ten and its neighbours, both notations' boundaries included.
  for (int e = -325; e <= 308; ++e) {
    double value = std::pow(10.0, e);
    for (double m : {1.0, 1.5, 9.999999, 0.7, 123.456}) {
      ExpectFmtSpelling(value * m);
      ExpectFmtSpelling(std::nextafter(value * m, 0.0));
      ExpectFmtSpelling(std::nextafter(value * m, INFINITY));
    }
  }
  std::mt19937_64 random(42);
  for (int i = 0; i < 300000; ++i) {
    double value = std::bit_cast<double>(random());
    ExpectFmtSpelling(value);
  }
  // The short-decimal path (at most 3 fraction digits, below 2^50 / 10^k): every count
  // of fraction digits, trailing zeros, integers with trailing zeros, and the values
  // around each bound, where the path must hand over to dragonbox.
  for (int i = 0; i < 300000; ++i) {
    const double scale[] = {1.0, 10.0, 100.0, 1000.0, 10000.0};
    const uint64_t digits = random() % (uint64_t{1} << (1 + random() % 52));
    double value = static_cast<double>(digits) / scale[random() % 5];
    ExpectFmtSpelling(value);
    ExpectFmtSpelling(std::nextafter(value, 0.0));
    ExpectFmtSpelling(std::nextafter(value, INFINITY));
  }
  for (double bound : {0x1p50, 0x1p50 / 10, 0x1p50 / 100, 0x1p50 / 1000}) {
    for (double value = bound - 8; value < bound + 8; value += 0.25) {
      ExpectFmtSpelling(value);
      ExpectFmtSpelling(std::nextafter(value, INFINITY));
    }
  }
  for (double value : {0.001, 0.01, 0.1, 0.125, 0.0015, 1000.0, 1800.0, 1e14, 123456789012.345}) {
    ExpectFmtSpelling(value);
  }
  // Decimal-looking values like prices and their products (the usual data).
  for (int i = 0; i < 300000; ++i) {
    double price = static_cast<double>(random() % 10000000) / 100.0;
    ExpectFmtSpelling(price);
    ExpectFmtSpelling(price * 1.08 * static_cast<double>(random() % 50));
    ExpectFmtSpelling(static_cast<double>(random() % 1000000000000000000ULL));
  }
}

TEST(SinkFormatTest, IntsAndDecimals) {
  std::string text;
  AppendInt64(text, std::numeric_limits<int64_t>::min());
  text += ' ';
  AppendInt64(text, std::numeric_limits<int64_t>::max());
  text += ' ';
  AppendInt64(text, 0);
  text += ' ';
  AppendDecimal(text, -1230, 2);
  text += ' ';
  AppendDecimal(text, 5, 3);
  text += ' ';
  AppendDecimal(text, static_cast<__int128>(std::numeric_limits<int64_t>::min()) * 1000, 2);
  EXPECT_EQ(text, "-9223372036854775808 9223372036854775807 0 -12.30 0.005 -92233720368547758080.00");
}

// The byte-by-byte escaping the fast path must match (the form before the 8-byte scan).
std::string ReferenceJsonString(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
      bool ok = n != 0 && i + n <= text.size();
      for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (ok) {
        unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
        ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0) && !(c == 0xF0 && c1 < 0x90) &&
             !(c == 0xF4 && c1 >= 0x90);
      }
      if (!ok) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + "\"";
}

void ExpectJsonString(const std::string& text) {
  // The input sits in a buffer of its exact size (so a read past it shows under ASan).
  std::unique_ptr<char[]> exact(new char[text.size() + 1]);
  std::memcpy(exact.get(), text.data(), text.size());
  std::string out(JsonStringRoom(text.size()), '\0');
  char* end = WriteJsonString(out.data(), std::string_view(exact.get(), text.size()));
  out.resize(static_cast<size_t>(end - out.data()));
  ASSERT_EQ(out, ReferenceJsonString(text)) << fmt::format("{:?}", text);
  std::string appended = "x";
  AppendJsonString(appended, text);
  ASSERT_EQ(appended, "x" + out);
}

TEST(SinkFormatTest, JsonStringsEscapeEveryLengthAndPosition) {
  const std::string specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xC3\xA9", "\xE2\x82\xAC",
                                  "\xF0\x9F\x98\x80", "\xFF", "\xC3", "\xED\xA0\x80", "\xE0\x80\x80"};
  for (size_t length = 0; length <= 40; ++length) {
    std::string plain(length, 'a');
    for (size_t i = 0; i < length; ++i) plain[i] = static_cast<char>('a' + i % 26);
    ExpectJsonString(plain);
    for (const std::string& special : specials) {
      for (size_t at = 0; at <= length; ++at) {
        std::string text = plain;
        text.insert(at, special);
        ExpectJsonString(text);
        text.insert(text.size() / 2 + 1, special);  // two of them
        ExpectJsonString(text);
      }
    }
  }
  std::mt19937_64 random(7);
  const char alphabet[] = "abcdefghij \"\\\n\t\x01\x7f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xFF\x80";
  for (int i = 0; i < 100000; ++i) {
    std::string text;
    size_t length = random() % 48;
    bool mostly_plain = random() % 2 == 0;
    for (size_t k = 0; k < length; ++k) {
      size_t pick = random() % (sizeof(alphabet) - 1);
      if (mostly_plain && random() % 16 != 0) pick = random() % 11;
      text += alphabet[pick];
    }
    ExpectJsonString(text);
  }
}

TEST(SinkFormatTest, CursorGrowsFinishesAndResumes) {
  std::string out = "head:";
  {
    StringCursor cursor(out);
    for (int i = 0; i < 100000; ++i) {
      char* p = cursor.Room(kMaxScalarChars);
      cursor.Advance(WriteInt64(p, i));
      cursor.Append(",");
      if (i == 500) {
        cursor.Finish() += "[mid]";
        cursor.Resume();
      }
    }
  }
  std::string expected = "head:";
  for (int i = 0; i < 100000; ++i) {
    expected += std::to_string(i) + ",";
    if (i == 500) expected += "[mid]";
  }
  EXPECT_EQ(out, expected);
}

class SinkFormatFileTest : public SinkTest {};

// Non-string fields are written, then quoted in place when they hold the delimiter or
// read as the null marker.
TEST_F(SinkFormatFileTest, CsvQuotesWrittenNumbersWhenTheyNeedIt) {
  auto schema = ast::RecordType({{"i", ast::IntType()}, {"f", ast::FloatType()}, {"d", ast::DateType()}});
  Batch batch = BatchOf(schema, {Record({{"i", Value::Int(-5)}, {"f", Value::Float(1.5)}, {"d", Date(0)}}),
                                 Record({{"i", Value::Int(0)}, {"f", Value::Float(2.0)}, {"d", Date(1)}})});
  CsvSinkOptions options;
  options.path = PathOf("q.csv");
  options.header = false;
  options.delimiter = '.';
  options.null_marker = "0";
  CsvSink sink(schema, options);
  CollectingEmitter out;
  sink.Push(0, batch, out);
  sink.Close(0, out);
  ASSERT_TRUE(sink.Commit());
  EXPECT_EQ(ReadAll(options.path), "-5.\"1.5\".1970-01-01\n\"0\".2.1970-01-02\n");
}

TEST_F(SinkFormatFileTest, JsonlLongKeysAndLongStrings) {
  std::string long_name(40, 'k');
  auto schema = ast::RecordType({{long_name, ast::StringType()}, {"n", ast::WithNullable(ast::IntType(), true)}});
  std::string big(200000, 'x');
  big[123456] = '"';
  Batch batch = BatchOf(schema, {Record({{long_name, Value::String(big)}, {"n", Value::Null()}}),
                                 Record({{long_name, Value::String("")}, {"n", Value::Int(3)}})});
  JsonlFormatter formatter(schema);
  std::string out;
  formatter.Format(batch, out);
  EXPECT_EQ(out, "{\"" + long_name + "\":" + ReferenceJsonString(big) + ",\"n\":null}\n{\"" + long_name +
                     "\":\"\",\"n\":3}\n");
}

}  // namespace
}  // namespace etl::runtime
