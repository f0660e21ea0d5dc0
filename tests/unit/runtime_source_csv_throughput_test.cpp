// Prints the typed csv source's throughput (rows/s, MB/s) on the orders schema; asserts only
// the counts (style.md: performance is measured, not asserted). Reads ETL_SOURCE_BENCH_CSV
// when set (orders_1m.csv from ../shared/bench/gen_data.py), else a generated temp file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "runtime/source_csv.h"

namespace etl::runtime {
namespace {

struct Counting : Emitter {
  void Emit(size_t, Batch batch) override { rows += batch.rows; }
  void Fail(ErrorRecord) override { ++errors; }
  void Filtered(size_t) override {}
  void Ack(size_t, uint64_t) override {}
  uint64_t rows = 0;
  uint64_t errors = 0;
};

TEST(CsvSourceThroughput, PrintsRowsAndMegabytesPerSecond) {
  std::string path;
  std::filesystem::path temp;
  if (const char* file = std::getenv("ETL_SOURCE_BENCH_CSV")) {
    path = file;
  } else {
    temp = std::filesystem::temp_directory_path() / ("etl_source_bench_" + std::to_string(::getpid()) + ".csv");
    std::ofstream out(temp);
    out << "id,customer,country,amount,currency,qty,ts,note\n";
    for (int i = 1; i <= 200000; ++i) {
      out << i << ",cust_" << 10000 + i % 50000 << ",US," << i % 1000 << ".25,EUR," << 1 + i % 20
          << ",2024-03-0" << 1 + i % 9 << "T10:11:12Z," << (i % 7 == 0 ? "\"red, \"\"blue\"\"\"" : "leave at door")
          << "\n";
    }
    path = temp.string();
  }
  auto schema = ast::RecordType({{"id", ast::IntType()},
                                 {"customer", ast::StringType()},
                                 {"country", ast::StringType()},
                                 {"amount", ast::FloatType()},
                                 {"currency", ast::StringType()},
                                 {"qty", ast::IntType()},
                                 {"ts", ast::TimestampType()},
                                 {"note", ast::StringType()}},
                                "Order");
  CsvSourceOptions options;
  options.path = path;
  options.schema = schema;
  CsvSource source("orders", options);
  Counting out;
  auto start = std::chrono::steady_clock::now();
  while (source.Next(out)) {
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(source.failure()) << source.failure()->ToString();
  EXPECT_EQ(out.errors, 0u);
  EXPECT_EQ(source.stats().rows_out, out.rows);
  double megabytes = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  std::printf("csv source: %llu rows, %.1f MB in %.3f s = %.2f M rows/s, %.0f MB/s (%s)\n",
              static_cast<unsigned long long>(out.rows), megabytes, seconds, static_cast<double>(out.rows) / seconds / 1e6,
              megabytes / seconds, path.c_str());
  if (!temp.empty()) std::filesystem::remove(temp);
}

}  // namespace
}  // namespace etl::runtime
