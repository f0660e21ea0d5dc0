// Seeded random inputs for the JSON-lines reader (random bytes and mutations of valid
// JSON lines): no crash, counts add up, every error names its line, chunking changes
// nothing. Also prints the reader's throughput (a figure, not an assertion).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/jsonl_convert.h"
#include "runtime/jsonl_reader.h"

namespace etl::runtime {
namespace {

const char* const kValidLines[] = {
    "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\",\"y\"],\"n\":{\"k\":1.5e3}}",
    "{\"id\":-2,\"name\":\"caf\xC3\xA9 \\u00e9\\n\",\"tags\":[],\"n\":null}",
    "{\"id\":3,\"ok\":true,\"nested\":[[1,[2,{\"a\":[]}]]]}",
    "  {\"s\":\"\\\"quoted\\\\\"}  ",
    "{}",
};

// Counts events and checks the invariants of every read.
struct Tally {
  uint64_t records = 0, errors = 0, lines = 0, blank = 0;
  std::string signature;  // one char per event, for chunking equivalence
  bool operator==(const Tally&) const = default;
};

Tally ReadAll(const std::string& input, size_t piece, size_t chunk) {
  JsonlOptions options;
  options.chunk_size = chunk;
  JsonlReader reader(MakeJsonlStringSource(input, piece), options);
  Tally tally;
  auto type = *ast::ParseType("{id: int?, name: string?, tags: list<string>?, n: json?}");
  for (;;) {
    JsonlEvent event = reader.Next();
    if (event == JsonlEvent::kEnd) break;
    EXPECT_EQ(event == JsonlEvent::kFailed, false);
    if (event == JsonlEvent::kFailed) break;
    EXPECT_GE(reader.line().number, 1u);
    if (event == JsonlEvent::kRecord) {
      ++tally.records;
      ast::Value value;
      std::string error;
      bool converted = JsonRecordToValue(reader.object(), *type, value, error);
      EXPECT_TRUE(converted || error.rfind("field `", 0) == 0) << error;
      tally.signature += converted ? 'R' : 'C';
    } else {
      ++tally.errors;
      const JsonlError& error = reader.error();
      EXPECT_GE(error.column, 1u);
      EXPECT_LE(error.column, reader.line().text.size() + 1);
      EXPECT_NE(error.message.find("at line " + std::to_string(reader.line().number) + ", column "), std::string::npos);
      tally.signature += 'E';
    }
  }
  const JsonlStats& stats = reader.stats();
  tally.lines = stats.lines;
  tally.blank = stats.blank_lines;
  EXPECT_EQ(stats.lines, stats.blank_lines + stats.records + stats.errors);
  EXPECT_EQ(stats.records, tally.records);
  EXPECT_EQ(stats.errors, tally.errors);
  EXPECT_EQ(stats.bytes, input.size());
  return tally;
}

std::string Mutate(std::string text, std::mt19937_64& rng) {
  static const char kInteresting[] = "{}[]\",:\\\n\r\t 0-eE.tfn\xEF\xBB\xBF\x80\xC3\xFF";
  int edits = 1 + static_cast<int>(rng() % 6);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    size_t at = rng() % text.size();
    switch (rng() % 4) {
      case 0: text[at] = kInteresting[rng() % (sizeof kInteresting - 1)]; break;
      case 1: text.insert(at, 1, kInteresting[rng() % (sizeof kInteresting - 1)]); break;
      case 2: text.erase(at, 1 + rng() % 3); break;
      default: text[at] = static_cast<char>(rng()); break;
    }
  }
  return text;
}

TEST(JsonlFuzz, RandomBytesAndMutations) {
  std::mt19937_64 rng(20240607);
  uint64_t total_records = 0, total_errors = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string input;
    if (round % 4 == 0) {
      size_t n = rng() % 300;
      for (size_t i = 0; i < n; ++i) input += static_cast<char>(rng() % 5 == 0 ? '\n' : rng());
    } else {
      size_t lines = 1 + rng() % 8;
      for (size_t i = 0; i < lines; ++i) {
        input += kValidLines[rng() % std::size(kValidLines)];
        input += rng() % 3 == 0 ? "\r\n" : "\n";
      }
      input = Mutate(input, rng);
    }
    Tally whole = ReadAll(input, SIZE_MAX, 1 << 16);
    total_records += whole.records;
    total_errors += whole.errors;
    // The same input in small pieces with a small, growing buffer reads the same.
    size_t piece = 1 + rng() % 17;
    Tally pieces = ReadAll(input, piece, 64);
    ASSERT_EQ(pieces, whole) << "round " << round << " piece " << piece;
  }
  // Both outcomes must be exercised, or the test proves little.
  EXPECT_GT(total_records, 1000u);
  EXPECT_GT(total_errors, 1000u);
}

TEST(JsonlFuzz, ValidLinesAreAllRecords) {
  std::string input;
  for (int i = 0; i < 200; ++i) input += std::string(kValidLines[i % std::size(kValidLines)]) + "\n";
  Tally tally = ReadAll(input, 7, 64);
  EXPECT_EQ(tally.records, 200u);
  EXPECT_EQ(tally.errors, 0u);
}

// Every event `reader` gives until the end: "line@offset " and the record (minified) or
// the error message.
std::vector<std::string> ReadEvents(JsonlReader& reader) {
  std::vector<std::string> events;
  for (;;) {
    JsonlEvent event = reader.Next();
    if (event != JsonlEvent::kRecord && event != JsonlEvent::kError) break;
    std::string line = std::to_string(reader.line().number) + "@" + std::to_string(reader.line().offset) + " ";
    events.push_back(line + (event == JsonlEvent::kRecord ? simdjson::minify(reader.value()) : reader.error().message));
  }
  return events;
}

// The events of a read, with each record's value minified and each error's message.
std::vector<std::string> Events(const std::string& input, bool parse_blocks, size_t piece, size_t chunk,
                                size_t block_bytes = 64 << 10) {
  JsonlOptions options;
  options.chunk_size = chunk;
  options.parse_blocks = parse_blocks;
  options.block_bytes = block_bytes;
  JsonlReader reader(MakeJsonlStringSource(input, piece), options);
  return ReadEvents(reader);
}

// The events of `input` read in place by ReadText (a reader reused across inputs, as the
// jsonl source's workers do), with the same format as Events.
std::vector<std::string> TextEvents(JsonlReader& reader, const std::string& input) {
  std::string padded = input + std::string(simdjson::SIMDJSON_PADDING, 'x');  // any bytes may follow
  reader.ReadText(std::string_view(padded.data(), input.size()), true);
  std::vector<std::string> events = ReadEvents(reader);
  EXPECT_EQ(reader.stats().bytes, input.size());
  return events;
}

// Validating a block of lines with parse_many must give exactly what each line parsed alone
// gives: the same records, the same errors at the same lines and columns. The inputs mix
// valid lines with lines cut, joined, unquoted and broken, many lines per block.
TEST(JsonlFuzz, BlocksReadLikeSingleLines) {
  std::mt19937_64 rng(8);
  static const char* const kBroken[] = {
      "{\"a\":\"unclosed}", "{\"a\":1} {\"b\":2}", "{\"a\":", "1}", "[1,2]", "\"text\"", "12", "{\"a\":1}x",
      "{\"a\":\"\xFF\"}", "\xEF\xBB\xBF{}", "{\"a\":\"\\\"}", "\"", "{\"a\":1,}", "{\"a\":tru}", "{\"a\":01}",
      "   ", "\t{\"a\":[]}\r", "{\"a\":\"x\ty\"}", "{\"k\":\"\\ud800\"}", "{\"a\":1}}", "{{}}", "",
  };
  uint64_t records = 0, errors = 0;
  JsonlOptions text_options;
  JsonlReader text_reader(text_options);
  for (int round = 0; round < 1500; ++round) {
    std::string input;
    size_t lines = 1 + rng() % 60;
    for (size_t i = 0; i < lines; ++i) {
      input += rng() % 5 ? kValidLines[rng() % std::size(kValidLines)] : kBroken[rng() % std::size(kBroken)];
      input += rng() % 4 == 0 ? "\r\n" : "\n";
    }
    if (round % 3 == 0) input = Mutate(input, rng);
    if (rng() % 4 == 0) input.pop_back();  // no final LF
    size_t chunk = round % 2 ? (1 << 16) : 64 + rng() % 200;
    size_t piece = rng() % 2 ? SIZE_MAX : 1 + rng() % 97;
    std::vector<std::string> single = Events(input, false, piece, chunk);
    size_t block = rng() % 2 ? 1 + rng() % 300 : 64 << 10;  // small: many blocks per input
    ASSERT_EQ(Events(input, true, piece, chunk, block), single) << "round " << round << " block " << block;
    ASSERT_EQ(TextEvents(text_reader, input), single) << "round " << round << " in place";
    for (const std::string& event : single) (event.find("invalid ") != std::string::npos ? errors : records) += 1;
  }
  EXPECT_GT(records, 10000u);
  EXPECT_GT(errors, 3000u);
}

// Generated order lines like ../shared/bench's orders_*.jsonl; or the file named by
// ETL_JSONL_BENCH_FILE. Prints MB/s of splitting + validating (no assertion on speed).
TEST(JsonlThroughput, PrintsMegabytesPerSecond) {
  std::string input;
  const char* path = std::getenv("ETL_JSONL_BENCH_FILE");
  uint64_t expected_lines = 0;
  if (path && *path) {
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path;
    std::ostringstream out;
    out << in.rdbuf();
    input = out.str();
  } else {
    std::mt19937_64 rng(7);
    while (input.size() < (16u << 20)) {
      ++expected_lines;
      input += "{\"id\":" + std::to_string(expected_lines) + ",\"customer\":\"cust_" + std::to_string(rng() % 50000) +
               "\",\"country\":\"US\",\"amount\":" + std::to_string(rng() % 100000) + "." +
               std::to_string(10 + rng() % 90) +
               ",\"currency\":\"EUR\",\"qty\":" + std::to_string(1 + rng() % 20) +
               ",\"ts\":\"2024-03-01T12:34:56Z\",\"note\":\"leave at door, caf\xC3\xA9\"}\n";
    }
  }
  auto start = std::chrono::steady_clock::now();
  JsonlReader reader(MakeJsonlStringSource(input));
  uint64_t records = 0;
  for (JsonlEvent event; (event = reader.Next()) != JsonlEvent::kEnd && event != JsonlEvent::kFailed;) {
    records += event == JsonlEvent::kRecord;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (expected_lines) {
    EXPECT_EQ(records, expected_lines);
  }
  EXPECT_EQ(reader.stats().errors, 0u);
  std::printf("jsonl reader: %.1f MB in %.3f s = %.0f MB/s, %llu records (%.2f M records/s)\n", input.size() / 1e6,
              seconds, input.size() / 1e6 / seconds, static_cast<unsigned long long>(records), records / 1e6 / seconds);
}

}  // namespace
}  // namespace etl::runtime
