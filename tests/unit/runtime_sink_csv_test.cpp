// The csv sink: quoting edge cases, every type's text, header and delimiter options, round
// trips through the csv source, selections, atomic commit/abort, write failures, counts.
#include <gtest/gtest.h>

#include <chrono>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "runtime/sink_csv.h"
#include "runtime/sink_format.h"
#include "runtime/source_csv.h"
#include "file_size_limit.h"
#include "runtime_sink_test_util.h"

namespace etl::runtime {
namespace {

using namespace sink_test;
using ast::Field;

class CsvSinkTest : public SinkTest {
 protected:
  // Writes `batches` through a CsvSink and returns the file's text (checks the done record).
  std::string WriteCsv(const ast::TypeRef& schema, const std::vector<Batch>& batches, CsvSinkOptions options = {}) {
    if (options.path.empty()) options.path = PathOf("out.csv");
    CsvSink sink(schema, options);
    CollectingEmitter out;
    sink.Open(out);
    for (const Batch& batch : batches) sink.Push(0, batch, out);
    sink.Close(0, out);
    EXPECT_TRUE(sink.Commit());  // Close prepares, Commit publishes
    EXPECT_FALSE(sink.failure()) << sink.failure()->ToString();
    std::string text = ReadAll(options.path);
    EXPECT_EQ(DoneOf(out), "{target: \"" + options.path + "\", rows: " + std::to_string(sink.rows()) +
                               ", bytes: " + std::to_string(text.size()) + "}");
    return text;
  }
};

TEST_F(CsvSinkTest, QuotesOnlyWhenNeeded) {
  auto schema = ast::RecordType({{"s", ast::WithNullable(ast::StringType(), true)}});
  std::vector<Value> rows = {
      Record({{"s", Value::String("plain")}}),    Record({{"s", Value::String("a,b")}}),
      Record({{"s", Value::String("say \"hi\"")}}), Record({{"s", Value::String("two\nlines")}}),
      Record({{"s", Value::String("cr\rhere")}}), Record({{"s", Value::String("")}}),
      Record({{"s", Value::Null()}}),             Record({{"s", Value::String("héllo → ✓")}}),
      Record({{"s", Value::String(" spaced ")}}),
  };
  EXPECT_EQ(WriteCsv(schema, {BatchOf(schema, rows)}),
            "s\nplain\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\"cr\rhere\"\n\"\"\n\nhéllo → ✓\n spaced \n");
}

TEST_F(CsvSinkTest, EveryTypesText) {
  auto schema = ast::RecordType({
      {"i", ast::IntType()},
      {"f", ast::FloatType()},
      {"d", ast::DecimalType(10, 2)},
      {"w", ast::DecimalType(30, 3)},
      {"b", ast::BoolType()},
      {"day", ast::DateType()},
      {"ts", ast::TimestampType()},
      {"dur", ast::DurationType()},
      {"l", ast::ListType(ast::IntType())},
      {"r", ast::RecordType({{"x", ast::StringType()}, {"y", ast::WithNullable(ast::IntType(), true)}})},
  });
  std::vector<Value> rows = {
      Record({{"i", Value::Int(-42)}, {"f", Value::Float(1.5)}, {"d", Value::Float(-12.3)}, {"w", Value::Int(7)},
              {"b", Value::Bool(true)}, {"day", Date(19753)}, {"ts", Timestamp(19753LL * 86400000000LL + 43200000000LL)},
              {"dur", Duration(5400000000LL)}, {"l", List({Value::Int(1), Value::Int(2)})},
              {"r", Record({{"x", Value::String("a,\"b\"")}, {"y", Value::Null()}})}}),
      Record({{"i", Value::Int(INT64_MIN)}, {"f", Value::Float(2.0)}, {"d", Value::Float(0.05)}, {"w", Value::Int(-1)},
              {"b", Value::Bool(false)}, {"day", Date(-1)}, {"ts", Timestamp(-1)}, {"dur", Duration(-90000001)},
              {"l", List({})}, {"r", Record({{"x", Value::String("")}, {"y", Value::Int(3)}})}}),
      Record({{"i", Value::Int(0)}, {"f", Value::Float(1e300)}, {"d", Value::Float(0)}, {"w", Value::Int(0)},
              {"b", Value::Bool(true)}, {"day", Date(0)}, {"ts", Timestamp(1500)}, {"dur", Duration(0)},
              {"l", List({Value::Int(-3)})}, {"r", Record({{"x", Value::String("é")}, {"y", Value::Int(0)}})}}),
  };
  EXPECT_EQ(WriteCsv(schema, {BatchOf(schema, rows)}),
            "i,f,d,w,b,day,ts,dur,l,r\n"
            "-42,1.5,-12.30,7.000,true,2024-01-31,2024-01-31T12:00:00Z,1h30m,\"[1,2]\","
            "\"{\"\"x\"\":\"\"a,\\\"\"b\\\"\"\"\",\"\"y\"\":null}\"\n"
            "-9223372036854775808,2,0.05,-1.000,false,1969-12-31,1969-12-31T23:59:59.999999Z,-1m30s1us,[],"
            "\"{\"\"x\"\":\"\"\"\",\"\"y\"\":3}\"\n"
            "0,1e+300,0.00,0.000,true,1970-01-01,1970-01-01T00:00:00.001500Z,0s,[-3],"
            "\"{\"\"x\"\":\"\"é\"\",\"\"y\"\":0}\"\n");
}

TEST_F(CsvSinkTest, ScalarFormsMatchTheLiteralPrinter) {
  for (double v : {0.1, 1.0 / 3, -2.5e-7, 123456789.0, 1e16, 5e-324}) {
    std::string text;
    AppendFloat(text, v);
    EXPECT_EQ(text, fmt::format("{}", v));
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v);
  }
  for (int64_t us : {int64_t{1}, int64_t{-1}, int64_t{86400000000LL * 3 + 1001}, INT64_MIN + 1}) {
    std::string text;
    AppendDuration(text, us);
    EXPECT_EQ(text, ast::ToLiteral(Duration(us)));
    text.clear();
    AppendTimestamp(text, us / 1000);
    EXPECT_EQ("@" + text, ast::ToLiteral(Timestamp(us / 1000)));
  }
  std::string text;
  AppendDecimal(text, -(static_cast<__int128>(1) << 100), 5);
  EXPECT_EQ(text, "-12676506002282294014967032.05376");
}

TEST_F(CsvSinkTest, NaNAndInfinityAreEmptyLikeNull) {
  auto schema = ast::RecordType({{"f", ast::FloatType()}, {"g", ast::FloatType()}});
  Batch batch = BatchOf(schema, {Record({{"f", Value::Float(NAN)}, {"g", Value::Float(-INFINITY)}})});
  EXPECT_EQ(WriteCsv(schema, {batch}), "f,g\n,\n");
}

TEST_F(CsvSinkTest, HeaderOffCustomDelimiterQuoteAndNullMarker) {
  auto schema = ast::RecordType({{"a", ast::WithNullable(ast::StringType(), true)}, {"b", ast::WithNullable(ast::IntType(), true)}});
  Batch batch = BatchOf(schema, {Record({{"a", Value::String("x;y")}, {"b", Value::Null()}}),
                                 Record({{"a", Value::String("NA")}, {"b", Value::Int(1)}}),
                                 Record({{"a", Value::String("it's")}, {"b", Value::Int(2)}}),
                                 Record({{"a", Value::String("a,b")}, {"b", Value::Null()}})});
  CsvSinkOptions options;
  options.header = false;
  options.delimiter = ';';
  options.quote = '\'';
  options.null_marker = "NA";
  EXPECT_EQ(WriteCsv(schema, {batch}, options), "'x;y';NA\n'NA';1\n'it''s';2\na,b;NA\n");
}

TEST_F(CsvSinkTest, NumbersAreQuotedWhenTheirTextIsSpecialOrTheMarker) {
  // Numbers skip the quoting scan only when no byte of their spelling is special: a '.' or
  // '-' delimiter, an 'e' quote, or a null marker that a number spells still quote them.
  auto schema = ast::RecordType({{"i", ast::IntType()}, {"f", ast::FloatType()}});
  Batch batch = BatchOf(schema, {Record({{"i", Value::Int(-3)}, {"f", Value::Float(2.5)}}),
                                 Record({{"i", Value::Int(0)}, {"f", Value::Float(1e-7)}}),
                                 Record({{"i", Value::Int(7)}, {"f", Value::Float(NAN)}})});
  CsvSinkOptions dot;
  dot.header = false;
  dot.delimiter = '.';
  EXPECT_EQ(WriteCsv(schema, {batch}, dot), "-3.\"2.5\"\n0.1e-07\n7.\n");
  CsvSinkOptions dash;
  dash.header = false;
  dash.delimiter = '-';
  dash.path = PathOf("dash.csv");
  EXPECT_EQ(WriteCsv(schema, {batch}, dash), "\"-3\"-2.5\n0-\"1e-07\"\n7-\n");
  CsvSinkOptions marker;
  marker.header = false;
  marker.null_marker = "0";
  marker.path = PathOf("marker.csv");
  EXPECT_EQ(WriteCsv(schema, {batch}, marker), "-3,2.5\n\"0\",1e-07\n7,\n");
  CsvSinkOptions e_quote;
  e_quote.header = false;
  e_quote.quote = 'e';
  e_quote.path = PathOf("e.csv");
  EXPECT_EQ(WriteCsv(schema, {batch}, e_quote), "-3,2.5\n0,e1ee-07e\n7,\n");
}

TEST_F(CsvSinkTest, HeaderIsWrittenForNoRowsAndQuotedWhenNeeded) {
  auto schema = ast::RecordType({{"plain", ast::IntType()}, {"with,comma", ast::IntType()}});
  EXPECT_EQ(WriteCsv(schema, {}), "plain,\"with,comma\"\n");
}

TEST_F(CsvSinkTest, SelectionWritesOnlySelectedRowsAndCountsThem) {
  auto schema = ast::RecordType({{"n", ast::IntType()}});
  std::vector<Value> rows;
  for (int i = 0; i < 10; ++i) rows.push_back(Record({{"n", Value::Int(i)}}));
  Batch selected = Select(BatchOf(schema, rows), {1, 4, 9});
  Batch none = Select(BatchOf(schema, rows), {});
  CsvSinkOptions options;
  options.path = PathOf("sel.csv");
  CsvSink sink(schema, options);
  CollectingEmitter out;
  sink.Push(0, selected, out);
  sink.Push(0, none, out);
  sink.Close(0, out);
  EXPECT_TRUE(sink.Commit());  // Close prepares, Commit publishes
  EXPECT_EQ(ReadAll(options.path), "n\n1\n4\n9\n");
  EXPECT_EQ(DoneOf(out), "{target: \"" + options.path + "\", rows: 3, bytes: 8}");
}

// Every value written comes back equal through the typed csv source.
TEST_F(CsvSinkTest, RoundTripThroughTheCsvSource) {
  auto schema = ast::RecordType({
      {"i", ast::WithNullable(ast::IntType(), true)},
      {"f", ast::FloatType()},
      {"s", ast::WithNullable(ast::StringType(), true)},
      {"b", ast::BoolType()},
      {"day", ast::DateType()},
      {"ts", ast::TimestampType()},
      {"dur", ast::DurationType()},
  });
  std::vector<Value> rows;
  const char* strings[] = {"", "a,b", "q\"uote", "multi\nline\r\nx", "ünïcødé ✓", ",", "\"", " lead"};
  for (int i = 0; i < 200; ++i) {
    rows.push_back(Record({{"i", i % 7 == 0 ? Value::Null() : Value::Int(i * 1000003LL - 99999999)},
                           {"f", Value::Float(i / 7.0 - 3.1)},
                           {"s", i % 11 == 0 ? Value::Null() : Value::String(strings[i % 8])},
                           {"b", Value::Bool(i % 2 == 0)},
                           {"day", Date(i * 97 - 5000)},
                           {"ts", Timestamp(i * 123456789012LL - 777)},
                           {"dur", Duration(i * 3723000001LL - 5)}}));
  }
  std::string path = PathOf("rt.csv");
  CsvSinkOptions options;
  options.path = path;
  WriteCsv(schema, {BatchOf(schema, {rows.begin(), rows.begin() + 120}), BatchOf(schema, {rows.begin() + 120, rows.end()})},
           options);
  CsvSourceOptions read;
  read.path = path;
  read.schema = schema;
  CsvSource source("src", read);
  CollectingEmitter out;
  while (source.Next(out)) {
  }
  ASSERT_FALSE(source.failure());
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].message;
  std::vector<Value> back = out.Rows(0);
  ASSERT_EQ(back.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(ast::ToLiteral(back[i]), ast::ToLiteral(rows[i])) << i;
}

TEST_F(CsvSinkTest, NothingAtThePathBeforeCommitAndCompleteAfter) {
  auto schema = ast::RecordType({{"n", ast::IntType()}});
  std::vector<Value> rows;
  for (int i = 0; i < 100000; ++i) rows.push_back(Record({{"n", Value::Int(i)}}));  // > one buffer
  CsvSinkOptions options;
  options.path = PathOf("sub/dir/out.csv");  // missing parents are created
  CsvSink sink(schema, options);
  CollectingEmitter out;
  for (int k = 0; k < 3; ++k) sink.Push(0, BatchOf(schema, rows, k), out);
  EXPECT_FALSE(fs::exists(options.path));
  std::vector<std::string> during = Listing();
  ASSERT_EQ(during.size(), 3u);  // sub, sub/dir, the temporary file
  EXPECT_EQ(during[2].rfind("sub/dir/out.csv.tmp-", 0), 0u) << during[2];
  EXPECT_TRUE(out.batches.empty());
  sink.Close(0, out);
  // Close made the file durable under its temporary name and emitted `done`; nothing is at
  // the path until the run publishes it.
  EXPECT_FALSE(fs::exists(options.path));
  EXPECT_EQ(Listing().size(), 3u);
  EXPECT_FALSE(out.batches.empty());
  EXPECT_TRUE(sink.Commit());
  EXPECT_EQ(Listing(), (std::vector<std::string>{"sub", "sub/dir", "sub/dir/out.csv"}));
  std::string text = ReadAll(options.path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 300001);
  EXPECT_EQ(text.substr(text.size() - 6), "99999\n");
  EXPECT_EQ(DoneOf(out), "{target: \"" + options.path + "\", rows: 300000, bytes: " + std::to_string(text.size()) + "}");
  EXPECT_EQ(out.acks, (std::vector<std::pair<size_t, uint64_t>>{{0, 2}}));
  sink.Abort();  // after a commit: changes nothing
  EXPECT_TRUE(fs::exists(options.path));
}

TEST_F(CsvSinkTest, AbortLeavesNothingAndKeepsAnOlderFile) {
  auto schema = ast::RecordType({{"n", ast::IntType()}});
  std::vector<Value> rows;
  for (int i = 0; i < 100000; ++i) rows.push_back(Record({{"n", Value::Int(i)}}));
  std::string old = PathOf("old.csv");
  std::ofstream(old) << "previous\n";
  for (const std::string& path : {PathOf("new.csv"), old}) {
    CsvSinkOptions options;
    options.path = path;
    CsvSink sink(schema, options);
    CollectingEmitter out;
    sink.Push(0, BatchOf(schema, rows), out);
    sink.Push(0, BatchOf(schema, rows), out);
    sink.Abort();
    EXPECT_TRUE(sink.Done());
    sink.Close(0, out);  // after an abort: no commit, no done record
    EXPECT_TRUE(out.batches.empty());
  }
  EXPECT_EQ(Listing(), std::vector<std::string>{"old.csv"});
  EXPECT_EQ(ReadAll(old), "previous\n");
  {
    CsvSinkOptions options;
    options.path = PathOf("dropped.csv");
    CsvSink sink(schema, options);  // destroyed without Close: same as Abort
    CollectingEmitter out;
    sink.Push(0, BatchOf(schema, rows), out);
  }
  EXPECT_EQ(Listing(), std::vector<std::string>{"old.csv"});
  {
    // Closed (prepared) but the run failed: Abort removes the temporary file, Commit refuses.
    CsvSinkOptions options;
    options.path = old;
    CsvSink sink(schema, options);
    CollectingEmitter out;
    sink.Push(0, BatchOf(schema, rows), out);
    sink.Close(0, out);
    EXPECT_EQ(Listing().size(), 2u);
    sink.Abort();
    EXPECT_FALSE(sink.Commit());
  }
  EXPECT_EQ(Listing(), std::vector<std::string>{"old.csv"});
  EXPECT_EQ(ReadAll(old), "previous\n");
}

TEST_F(CsvSinkTest, UnwritablePathFailsCleanly) {
  auto schema = ast::RecordType({{"n", ast::IntType()}});
  std::ofstream(PathOf("afile")) << "x";
  CsvSinkOptions options;
  options.path = PathOf("afile/out.csv");  // the parent is a regular file
  CsvSink sink(schema, options);
  CollectingEmitter out;
  sink.Push(0, BatchOf(schema, {Record({{"n", Value::Int(1)}})}), out);
  sink.Close(0, out);
  ASSERT_TRUE(sink.failure());
  EXPECT_EQ(sink.failure()->path, options.path);
  EXPECT_NE(sink.failure()->message.find("cannot create"), std::string::npos) << sink.failure()->message;
  EXPECT_TRUE(sink.Done());
  EXPECT_TRUE(out.batches.empty());
  EXPECT_EQ(Listing(), std::vector<std::string>{"afile"});
}

// A write error mid-stream (a file size limit stands in for a full disk: EFBIG, and root is
// not exempt): the failure names the path and no temporary file is left.
TEST_F(CsvSinkTest, WriteErrorMidStreamFailsCleanlyNamingThePath) {
  auto schema = ast::RecordType({{"n", ast::IntType()}});
  std::vector<Value> rows;
  for (int i = 0; i < 100000; ++i) rows.push_back(Record({{"n", Value::Int(1000000 + i)}}));
  Batch batch = BatchOf(schema, rows);
  CsvSinkOptions options;
  options.path = PathOf("big.csv");
  CsvSink sink(schema, options);
  CollectingEmitter out;
  {
    test::FileSizeLimit limit(1 << 20);
    ASSERT_TRUE(limit.set());
    for (int k = 0; k < 4 && !sink.Done(); ++k) sink.Push(0, batch, out);
    sink.Close(0, out);
  }
  ASSERT_TRUE(sink.failure());
  EXPECT_EQ(sink.failure()->ToString().rfind(options.path + ": write failed: ", 0), 0u) << sink.failure()->ToString();
  EXPECT_TRUE(sink.Done());
  EXPECT_TRUE(out.batches.empty());
  EXPECT_TRUE(Listing().empty());
}

// 1M orders-like rows to CSV: prints MB/s (docs/dev/runtime-sinks.md).
TEST_F(CsvSinkTest, ThroughputPrint) {
  auto schema = ast::RecordType({{"id", ast::IntType()}, {"customer", ast::StringType()},
                                 {"amount", ast::DecimalType(12, 2)}, {"price", ast::FloatType()},
                                 {"day", ast::DateType()}, {"ts", ast::TimestampType()}});
  std::vector<Batch> batches;
  for (int b = 0; b < 8; ++b) {
    std::vector<Value> rows;
    for (int i = 0; i < 4096; ++i) {
      int n = b * 4096 + i;
      rows.push_back(Record({{"id", Value::Int(n)}, {"customer", Value::String("customer_" + std::to_string(n % 5000))},
                             {"amount", Value::Float((n % 100000) / 100.0)}, {"price", Value::Float(n * 0.37)},
                             {"day", Date(19000 + n % 700)}, {"ts", Timestamp(1700000000000000LL + n * 1000000LL)}}));
    }
    batches.push_back(BatchOf(schema, rows, b));
  }
  const int64_t total_rows = 1 << 20;
  CsvSinkOptions options;
  options.path = PathOf("bench.csv");
  CsvSink sink(schema, options);
  CollectingEmitter out;
  auto start = std::chrono::steady_clock::now();
  for (int64_t done = 0; done < total_rows; done += 4096) sink.Push(0, batches[(done / 4096) % 8], out);
  sink.Close(0, out);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(sink.failure());
  EXPECT_EQ(sink.rows(), total_rows);
  std::printf("csv sink: %lld rows, %.1f MB in %.3f s: %.1f MB/s, %.2f M rows/s\n", static_cast<long long>(total_rows),
              sink.bytes() / 1e6, seconds, sink.bytes() / 1e6 / seconds, total_rows / 1e6 / seconds);
}

}  // namespace
}  // namespace etl::runtime
