// Prints the CSV format layer's throughput (MB/s); asserts only correctness, never time
// (style.md: performance is measured, not asserted). Reads ETL_CSV_BENCH_FILE when set
// (e.g. orders_1m.csv from ../shared/bench/gen_data.py), else a generated in-memory input.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "runtime/csv_reader.h"

namespace etl::runtime {
namespace {

// Orders-like rows (the shape of the benchmark data set), about 84 bytes each.
std::string OrdersLike(size_t rows) {
  std::mt19937 rng(42);
  static const char* kNotes[] = {"", "leave at door", "\"red, blue\"", "\"said \"\"asap\"\"\"",
                                 "gift wrap please", "caf\xC3\xA9 entrance"};
  std::string out = "id,customer,country,amount,currency,qty,ts,note\n";
  char line[256];
  for (size_t i = 1; i <= rows; ++i) {
    int n = std::snprintf(line, sizeof line, "%zu,cust_%05u,US,%u.%02u,EUR,%u,2024-03-%02uT10:11:12Z,%s\n",
                          i, static_cast<unsigned>(rng() % 50000), static_cast<unsigned>(rng() % 1000),
                          static_cast<unsigned>(rng() % 100), static_cast<unsigned>(1 + rng() % 20),
                          static_cast<unsigned>(1 + rng() % 28), kNotes[rng() % 6]);
    out.append(line, static_cast<size_t>(n));
  }
  return out;
}

TEST(CsvThroughput, PrintsMegabytesPerSecond) {
  const char* file = std::getenv("ETL_CSV_BENCH_FILE");
  std::unique_ptr<CsvReader> reader;
  if (file != nullptr) {
    InputError error;
    reader = CsvReader::Open(file, {}, &error);
    ASSERT_NE(reader, nullptr) << error.ToString();
  } else {
    reader = std::make_unique<CsvReader>(OpenInputMemory(OrdersLike(300000), "orders"), CsvOptions{});
  }
  auto start = std::chrono::steady_clock::now();
  CsvBlock block;
  uint64_t fields = 0;
  while (reader->NextBlock(block)) {
    for (size_t r = 0; r < block.size(); ++r) fields += block.field_count(r);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const CsvStats& stats = reader->stats();
  EXPECT_FALSE(reader->error().has_value());
  EXPECT_EQ(stats.bad, 0u);
  EXPECT_EQ(fields, stats.good * 8);
  std::printf("csv format layer: %s: %.1f MB in %.3f s = %.0f MB/s, %llu records, %llu errors\n",
              file ? file : "generated orders-like input", stats.bytes / 1e6, seconds,
              stats.bytes / 1e6 / seconds, static_cast<unsigned long long>(stats.records_in),
              static_cast<unsigned long long>(stats.bad));
}

}  // namespace
}  // namespace etl::runtime
