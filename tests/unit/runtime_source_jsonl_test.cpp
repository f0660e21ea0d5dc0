// The typed `jsonl` source: good rows of every kind, invalid lines and values that do not
// fit (with file, line and raw text), missing fields, globs, gzip, and counts that add up.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "runtime/source_jsonl.h"
#include "runtime/value_json.h"
#include "tests/unit/runtime_scratch_test.h"

namespace etl::runtime {
namespace {

namespace fs = std::filesystem;

class JsonlSourceTest : public ScratchFilesTest {
 protected:
  CollectingEmitter Run(const std::string& path, ast::TypeRef schema, size_t batch_rows = kDefaultBatchRows,
                        std::optional<InputError>* failure = nullptr) {
    JsonlSourceOptions options;
    options.path = path;
    options.schema = std::move(schema);
    options.batch_rows = batch_rows;
    JsonlSource source("src", std::move(options));
    CollectingEmitter out;
    while (source.Next(out)) {
    }
    if (failure) *failure = source.failure();
    const SourceStats& stats = source.stats();
    EXPECT_EQ(stats.records_in, stats.rows_out + stats.errors);
    EXPECT_EQ(stats.errors, out.errors.size());
    size_t rows = 0;
    uint64_t sequence = 0;
    if (!out.batches.empty()) {
      for (const Batch& b : out.batches[0]) {
        rows += b.Size();
        EXPECT_EQ(b.sequence, sequence++);
        EXPECT_LE(b.rows, batch_rows);
      }
    }
    EXPECT_EQ(stats.rows_out, rows);
    return out;
  }
};

std::string Json(const std::vector<ast::Value>& rows) {
  std::string out;
  for (const auto& row : rows) out += ValueToJson(row) + "\n";
  return out;
}

ast::TypeRef Nested() {
  auto item = ast::RecordType({{"sku", ast::StringType()}, {"qty", ast::IntType()}});
  return ast::RecordType({{"id", ast::IntType()},
                          {"price", ast::DecimalType(30, 2)},
                          {"small", ast::DecimalType(9, 3)},
                          {"at", ast::TimestampType()},
                          {"note", ast::MakeType(ast::TypeKind::String, true)},
                          {"items", ast::ListType(item)},
                          {"tags", ast::MapType(ast::IntType())}},
                         "Order");
}

TEST_F(JsonlSourceTest, GoodRowsNestedAndExactDecimals) {
  std::string path = Write("a.jsonl",
                           "{\"id\":1,\"price\":\"123456789012345678901.25\",\"small\":1.5,\"at\":\"2024-01-01T00:00:00Z\","
                           "\"items\":[{\"sku\":\"a\",\"qty\":2}],\"tags\":{\"x\":1},\"extra\":true}\n"
                           "\n"
                           "{\"tags\":{},\"items\":[],\"at\":\"2024-01-01T01:00:00+01:00\",\"small\":\"0.001\",\"price\":3,"
                           "\"id\":2,\"note\":null}\n");
  auto out = Run(path, Nested());
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].message;
  EXPECT_EQ(Json(out.Rows(0)),
            "{\"id\":1,\"price\":123456789012345678901.25,\"small\":1.500,\"at\":\"2024-01-01T00:00:00Z\",\"note\":null,"
            "\"items\":[{\"sku\":\"a\",\"qty\":2}],\"tags\":{\"x\":1}}\n"
            "{\"id\":2,\"price\":3.00,\"small\":0.001,\"at\":\"2024-01-01T00:00:00Z\",\"note\":null,\"items\":[],\"tags\":{}}\n");
  const Batch& batch = out.batches[0][0];
  EXPECT_TRUE(batch.columns[1]->wide[0] == static_cast<__int128>(12345678901234567890ull) * 1000 + 125);
  EXPECT_EQ(batch.columns[2]->ints[1], 1);
}

TEST_F(JsonlSourceTest, BadLinesAndMisfitsAreErrorsWithFileLineAndRawText) {
  auto schema = ast::RecordType({{"id", ast::IntType()}, {"qty", ast::MakeType(ast::TypeKind::Int, true)}});
  std::string path = Write("b.jsonl",
                           "{\"id\":1,\"qty\":2}\n"
                           "{\"id\":2,\"qty\":\"two\"}\n"
                           "{\"id\":3,\"qty\":\n"
                           "{\"qty\":4}\n"
                           "[1]\n"
                           "{\"id\":6}\n");
  auto out = Run(path, schema);
  ASSERT_EQ(out.errors.size(), 4u);
  EXPECT_EQ(out.errors[0].code, "jsonl_type");
  EXPECT_EQ(out.errors[0].line, 2);
  EXPECT_EQ(out.errors[0].source, path);
  EXPECT_EQ(out.errors[0].message, path + ":2: field `qty`: expected int, found string \"two\"");
  EXPECT_EQ(out.errors[0].record, "\"{\\\"id\\\":2,\\\"qty\\\":\\\"two\\\"}\"");
  EXPECT_EQ(out.errors[1].code, "jsonl_parse");
  EXPECT_EQ(out.errors[1].line, 3);
  EXPECT_NE(out.errors[1].message.find(path + ":3:"), std::string::npos);
  EXPECT_EQ(out.errors[2].code, "jsonl_type");  // missing non-nullable field
  EXPECT_NE(out.errors[2].message.find("field `id`: missing"), std::string::npos) << out.errors[2].message;
  EXPECT_EQ(out.errors[3].line, 5);
  EXPECT_EQ(Json(out.Rows(0)), "{\"id\":1,\"qty\":2}\n{\"id\":6,\"qty\":null}\n");
}

// Scalar-only schemas take the direct columnar path (ConvertFast); adding a json field forces
// the general ast::Value path. Both must give the same rows and the same errors.
TEST_F(JsonlSourceTest, DirectScalarPathAgreesWithTheGeneralPath) {
  auto nullable = [](ast::TypeKind kind) { return ast::MakeType(kind, true); };
  std::vector<ast::Field> fields = {{"i", ast::IntType()},
                                    {"f", ast::FloatType()},
                                    {"b", nullable(ast::TypeKind::Bool)},
                                    {"s", nullable(ast::TypeKind::String)},
                                    {"d", nullable(ast::TypeKind::Date)},
                                    {"t", nullable(ast::TypeKind::Timestamp)},
                                    {"u", nullable(ast::TypeKind::Duration)}};
  std::string path = Write("scalars.jsonl",
                           "{\"i\":1,\"f\":2,\"b\":true,\"s\":\"a\\\"b\\u00e9\",\"d\":\"2024-02-29\","
                           "\"t\":\"2024-01-01T01:00:00+01:00\",\"u\":\"1h30m\"}\n"
                           "{\"f\":-0.5,\"i\":-7,\"s\":null,\"i\":8}\n"          // keys out of order, repeated key
                           "{\"i\":1.5,\"f\":1}\n"                                   // float for int
                           "{\"i\":9223372036854775808,\"f\":1}\n"                   // overflow
                           "{\"i\":1,\"f\":\"1\"}\n"                               // string for float
                           "{\"i\":1,\"f\":1,\"d\":\"2023-02-29\"}\n"            // not a day
                           "{\"i\":1,\"f\":1,\"t\":\"2024-01-01T00:00:00\"}\n"   // no zone
                           "{\"i\":1,\"f\":1,\"u\":\"90\"}\n"                    // no unit
                           "{\"i\":1,\"f\":null}\n"                                 // null for non-nullable
                           "{\"f\":1}\n"                                              // missing
                           "{\"i\":2,\"f\":3e2,\"b\":false,\"extra\":[1]}\n");
  auto fast = Run(path, ast::RecordType(fields));
  std::vector<ast::Field> general_fields = fields;
  general_fields.push_back({"j", nullable(ast::TypeKind::Json)});
  auto general = Run(path, ast::RecordType(general_fields));
  std::vector<ast::Value> general_rows = general.Rows(0);
  for (ast::Value& row : general_rows) row.fields.pop_back();
  EXPECT_EQ(Json(fast.Rows(0)), Json(general_rows));
  EXPECT_EQ(Json(fast.Rows(0)),
            "{\"i\":1,\"f\":2,\"b\":true,\"s\":\"a\\\"b\u00e9\",\"d\":\"2024-02-29\",\"t\":\"2024-01-01T00:00:00Z\","
            "\"u\":\"1h30m\"}\n"
            "{\"i\":8,\"f\":-0.5,\"b\":null,\"s\":null,\"d\":null,\"t\":null,\"u\":null}\n"
            "{\"i\":2,\"f\":300,\"b\":false,\"s\":null,\"d\":null,\"t\":null,\"u\":null}\n");
  ASSERT_EQ(fast.errors.size(), general.errors.size());
  for (size_t e = 0; e < fast.errors.size(); ++e) {
    EXPECT_EQ(fast.errors[e].message, general.errors[e].message);
    EXPECT_EQ(fast.errors[e].line, general.errors[e].line);
  }
  EXPECT_EQ(fast.errors.size(), 8u);
}

TEST_F(JsonlSourceTest, GlobGzipAndSmallBatches) {
  auto schema = ast::RecordType({{"id", ast::IntType()}});
  std::string text;
  for (int i = 0; i < 25; ++i) text += "{\"id\":" + std::to_string(i) + "}\n";
  std::string gz_path = (dir_ / "b.jsonl.gz").string();
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  Write("a.jsonl", "{\"id\":-1}\n{\"id\":\"x\"}\n");
  auto out = Run((dir_ / "*.jsonl*").string(), schema, 10);
  auto rows = out.Rows(0);
  ASSERT_EQ(rows.size(), 26u);
  EXPECT_EQ(rows[0].fields[0].second.int_value, -1);
  EXPECT_EQ(rows[25].fields[0].second.int_value, 24);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].source, (dir_ / "a.jsonl").string());
  EXPECT_GE(out.batches[0].size(), 3u);

  std::optional<InputError> failure;
  Run((dir_ / "nothing*.jsonl").string(), schema, 10, &failure);
  EXPECT_TRUE(failure.has_value());
}

}  // namespace
}  // namespace etl::runtime
