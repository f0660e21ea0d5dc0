// The jsonl and stdout sinks: value forms, round trip through the jsonl source, atomicity,
// the table's layout (alignment, truncation, row limit), a failing stream.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "runtime/sink_jsonl.h"
#include "runtime/sink_stdout.h"
#include "runtime/source_jsonl.h"
#include "runtime_sink_test_util.h"

namespace etl::runtime {
namespace {

using namespace sink_test;

ast::TypeRef Schema() {
  return ast::RecordType({
      {"i", ast::WithNullable(ast::IntType(), true)},
      {"f", ast::FloatType()},
      {"s", ast::StringType()},
      {"day", ast::DateType()},
      {"ts", ast::TimestampType()},
      {"dur", ast::DurationType()},
      {"l", ast::ListType(ast::WithNullable(ast::StringType(), true))},
      {"r", ast::RecordType({{"x", ast::BoolType()}})},
  });
}

Value Row(int i) {
  return Record({{"i", i % 3 == 0 ? Value::Null() : Value::Int(i * 7919LL - 50000)},
                 {"f", Value::Float(i / 3.0)},
                 {"s", Value::String(i % 2 ? "tab\there \"q\" é" : "")},
                 {"day", Date(i * 31 - 400)},
                 {"ts", Timestamp(i * 86400123456LL - 5)},
                 {"dur", Duration(i * 61000001LL)},
                 {"l", List({Value::String("a"), Value::Null()})},
                 {"r", Record({{"x", Value::Bool(i % 2 == 0)}})}});
}

TEST_F(SinkTest, JsonlLinesAndRoundTrip) {
  auto schema = Schema();
  std::vector<Value> rows;
  for (int i = 0; i < 50; ++i) rows.push_back(Row(i));
  JsonlSinkOptions options{PathOf("out.jsonl")};
  JsonlSink sink(schema, options);
  CollectingEmitter out;
  sink.Push(0, BatchOf(schema, rows), out);
  EXPECT_FALSE(fs::exists(options.path));
  sink.Close(0, out);
  EXPECT_TRUE(sink.Commit());  // Close prepares, Commit publishes
  std::string text = ReadAll(options.path);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "{\"i\":null,\"f\":0,\"s\":\"\",\"day\":\"1968-11-27\",\"ts\":\"1969-12-31T23:59:59.999995Z\","
            "\"dur\":\"0s\",\"l\":[\"a\",null],\"r\":{\"x\":true}}");
  EXPECT_EQ(DoneOf(out), "{target: \"" + options.path + "\", rows: 50, bytes: " + std::to_string(text.size()) + "}");

  JsonlSourceOptions read;
  read.path = options.path;
  read.schema = schema;
  JsonlSource source("src", read);
  CollectingEmitter back;
  while (source.Next(back)) {
  }
  ASSERT_FALSE(source.failure());
  ASSERT_TRUE(back.errors.empty()) << back.errors[0].message;
  std::vector<Value> got = back.Rows(0);
  ASSERT_EQ(got.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(ast::ToLiteral(got[i]), ast::ToLiteral(rows[i])) << i;
}

TEST_F(SinkTest, JsonlNonFiniteFloatsAreNullAndAbortLeavesNothing) {
  auto schema = ast::RecordType({{"f", ast::FloatType()}});
  Batch batch = BatchOf(schema, {Record({{"f", Value::Float(NAN)}}), Record({{"f", Value::Float(INFINITY)}}),
                                 Record({{"f", Value::Float(1e-7)}})});
  JsonlSinkOptions options{PathOf("a.jsonl")};
  {
    JsonlSink sink(schema, options);
    CollectingEmitter out;
    sink.Push(0, Select(batch, {0, 1, 2}), out);
    sink.Close(0, out);
    EXPECT_TRUE(sink.Commit());  // Close prepares, Commit publishes
  }
  EXPECT_EQ(ReadAll(options.path), "{\"f\":null}\n{\"f\":null}\n{\"f\":1e-07}\n");
  JsonlSink aborted(schema, JsonlSinkOptions{PathOf("b.jsonl")});
  CollectingEmitter out;
  aborted.Push(0, batch, out);
  aborted.Abort();
  aborted.Close(0, out);
  EXPECT_EQ(Listing(), std::vector<std::string>{"a.jsonl"});
}

TEST(StdoutSinkTest, TableAlignsTruncatesAndLimitsRows) {
  auto schema = ast::RecordType({{"id", ast::IntType()}, {"name", ast::WithNullable(ast::StringType(), true)}});
  std::vector<Value> rows;
  for (int i = 0; i < 5; ++i) {
    rows.push_back(Record({{"id", Value::Int(i * 100)},
                           {"name", i == 1 ? Value::Null() : Value::String(i == 2 ? "ééééééééééé\nx" : "ab")}}));
  }
  std::ostringstream stream;
  StdoutSinkOptions options;
  options.max_rows = 3;
  options.max_width = 8;
  StdoutSink sink(schema, options, stream);
  CollectingEmitter out;
  sink.Push(0, BatchOf(schema, rows), out);
  EXPECT_EQ(stream.str(), "");  // printed at Close
  sink.Close(0, out);
  EXPECT_EQ(stream.str(),
            " id  name\n"
            "---  --------\n"
            "  0  ab\n"
            "100  null\n"
            "200  ééééééé…\n"
            "... and 2 more rows\n");
  EXPECT_EQ(DoneOf(out), "{target: \"stdout\", rows: 5, bytes: " + std::to_string(stream.str().size()) + "}");
}

TEST(StdoutSinkTest, EmptyTableAndJsonl) {
  auto schema = ast::RecordType({{"a", ast::IntType()}});
  std::ostringstream table;
  StdoutSink empty(schema, {}, table);
  CollectingEmitter out;
  empty.Close(0, out);
  EXPECT_EQ(table.str(), "a\n-\n(no rows)\n");

  std::ostringstream lines;
  StdoutSinkOptions options;
  options.format = "jsonl";
  StdoutSink jsonl(schema, options, lines);
  CollectingEmitter out2;
  jsonl.Push(0, BatchOf(schema, {Record({{"a", Value::Int(1)}}), Record({{"a", Value::Int(2)}})}), out2);
  jsonl.Close(0, out2);
  EXPECT_EQ(lines.str(), "{\"a\":1}\n{\"a\":2}\n");
  EXPECT_EQ(DoneOf(out2), "{target: \"stdout\", rows: 2, bytes: 16}");
}

TEST(StdoutSinkTest, FailingStreamIsAFailure) {
  auto schema = ast::RecordType({{"a", ast::IntType()}});
  std::ostringstream stream;
  stream.setstate(std::ios::badbit);
  StdoutSinkOptions options;
  options.format = "jsonl";
  StdoutSink sink(schema, options, stream);
  CollectingEmitter out;
  sink.Push(0, BatchOf(schema, {Record({{"a", Value::Int(1)}})}), out);
  sink.Close(0, out);
  ASSERT_TRUE(sink.failure());
  EXPECT_EQ(sink.failure()->ToString(), "stdout: write failed");
  EXPECT_TRUE(out.batches.empty());
}

}  // namespace
}  // namespace etl::runtime
