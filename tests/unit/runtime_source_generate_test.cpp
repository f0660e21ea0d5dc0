// The `generate` source: any schema, deterministic per seed whatever the batch size, the
// rate of nulls, and a throughput print for the 10-million-row memory test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "runtime/source_generate.h"
#include "runtime/value_json.h"

namespace etl::runtime {
namespace {

ast::TypeRef Everything() {
  using ast::MakeType;
  using ast::TypeKind;
  auto inner = ast::RecordType({{"x", ast::IntType()}, {"tag", MakeType(TypeKind::String, true)}});
  return ast::RecordType({{"id", ast::IntType()},
                          {"name", ast::StringType()},
                          {"score", MakeType(TypeKind::Float, true)},
                          {"ok", ast::BoolType()},
                          {"day", ast::DateType()},
                          {"at", ast::TimestampType()},
                          {"wait", ast::DurationType()},
                          {"price", ast::DecimalType(10, 2)},
                          {"big", ast::DecimalType(30, 4)},
                          {"raw", ast::JsonType()},
                          {"tags", ast::ListType(ast::StringType())},
                          {"attrs", ast::MapType(ast::IntType())},
                          {"inner", ast::WithNullable(inner, true)},
                          {"items", ast::ListType(inner)}},
                         "Everything");
}

std::vector<std::string> Rows(uint64_t count, uint64_t seed, size_t batch_rows, size_t* batches = nullptr) {
  GenerateOptions options;
  options.count = count;
  options.schema = Everything();
  options.seed = seed;
  options.batch_rows = batch_rows;
  GenerateSource source("gen", options);
  CollectingEmitter out;
  while (source.Next(out)) {
  }
  EXPECT_FALSE(source.failure());
  EXPECT_EQ(source.stats().rows_out, count);
  if (batches) *batches = out.batches.empty() ? 0 : out.batches[0].size();
  std::vector<std::string> rows;
  for (const auto& row : out.Rows(0)) rows.push_back(ValueToJson(row));
  return rows;
}

TEST(GenerateSource, SameSeedSameRowsWhateverTheBatchSize) {
  size_t batches = 0;
  auto a = Rows(1000, 7, 4096, &batches);
  EXPECT_EQ(batches, 1u);
  auto b = Rows(1000, 7, 33, &batches);
  EXPECT_EQ(batches, 31u);
  ASSERT_EQ(a.size(), 1000u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, Rows(1000, 7, 1));
  // A prefix of a longer run is the shorter run.
  auto longer = Rows(1500, 7, 100);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), longer.begin()));
  auto other = Rows(1000, 8, 4096);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == other[i] ? 1 : 0;
  EXPECT_EQ(same, 0u);
}

TEST(GenerateSource, EveryColumnFitsItsTypeAndValuesVary) {
  GenerateOptions options{300, Everything(), 1, 128};
  GenerateSource source("gen", options);
  CollectingEmitter out;
  while (source.Next(out)) {
  }
  for (const Batch& batch : out.batches[0]) {
    ASSERT_EQ(batch.columns.size(), Everything()->fields.size());
    for (const auto& column : batch.columns) EXPECT_EQ(column->rows, batch.rows);
    // Every row fits the schema: building a batch from the rows accepts them.
    std::vector<ast::Value> rows;
    for (size_t i = 0; i < batch.Size(); ++i) rows.push_back(batch.Row(i));
    Batch rebuilt;
    std::string error;
    EXPECT_TRUE(MakeBatch(Everything(), rows, rebuilt, &error)) << error;
  }
  auto rows = out.Rows(0);
  std::set<int64_t> ids;
  std::set<std::string> names;
  size_t list_items = 0;
  for (const auto& row : rows) {
    ids.insert(row.Find("id")->int_value);
    names.insert(row.Find("name")->string_value);
    list_items += row.Find("tags")->items.size();
    EXPECT_FALSE(row.Find("id")->kind == ast::Value::Kind::Null);
  }
  EXPECT_GT(ids.size(), 290u);
  EXPECT_GT(names.size(), 290u);
  EXPECT_GT(list_items, 300u);  // about 1.5 per row
}

TEST(GenerateSource, NullableFieldsAreNullAtTheDocumentedRate) {
  auto schema = ast::RecordType({{"a", ast::MakeType(ast::TypeKind::Int, true)}, {"b", ast::IntType()}});
  GenerateSource source("gen", {100000, schema, 3, kDefaultBatchRows});
  CollectingEmitter out;
  size_t nulls_a = 0, nulls_b = 0, rows = 0;
  while (source.Next(out)) {
    const Batch& batch = out.batches[0].back();
    nulls_a += batch.columns[0]->validity.NullCount(batch.rows);
    nulls_b += batch.columns[1]->validity.NullCount(batch.rows);
    rows += batch.rows;
  }
  EXPECT_EQ(rows, 100000u);
  EXPECT_EQ(nulls_b, 0u);
  double rate = static_cast<double>(nulls_a) / static_cast<double>(rows);
  EXPECT_NEAR(rate, kGenerateNullPercent / 100.0, 0.01);
}

TEST(GenerateSource, RejectsANonRecordSchema) {
  GenerateSource source("gen", {10, ast::IntType(), 0, 10});
  CollectingEmitter out;
  EXPECT_FALSE(source.Next(out));
  EXPECT_TRUE(source.failure().has_value());
}

// Not an assertion on time (style.md): prints rows/s for an orders-like schema.
TEST(GenerateSource, PrintsThroughput) {
  auto schema = ast::RecordType({{"id", ast::IntType()},
                                 {"customer", ast::StringType()},
                                 {"country", ast::StringType()},
                                 {"amount", ast::FloatType()},
                                 {"currency", ast::StringType()},
                                 {"qty", ast::IntType()},
                                 {"ts", ast::TimestampType()},
                                 {"note", ast::MakeType(ast::TypeKind::String, true)}});
  const uint64_t count = 2000000;
  GenerateSource source("gen", {count, schema, 42, kDefaultBatchRows});
  // Drops batches as they come, as a pipeline would.
  struct Counting : Emitter {
    void Emit(size_t, Batch batch) override { rows += batch.rows; }
    void Fail(ErrorRecord) override {}
    void Filtered(size_t) override {}
    void Ack(size_t, uint64_t) override {}
    uint64_t rows = 0;
  } out;
  auto start = std::chrono::steady_clock::now();
  while (source.Next(out)) {
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(out.rows, count);
  std::printf("generate: %llu orders-like rows in %.3f s = %.1f M rows/s\n", static_cast<unsigned long long>(count),
              seconds, static_cast<double>(count) / seconds / 1e6);
}

}  // namespace
}  // namespace etl::runtime
