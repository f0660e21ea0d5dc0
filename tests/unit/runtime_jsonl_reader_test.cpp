// The JSON-lines format layer: line framing (chunks, CRLF, BOM, blank lines, long lines)
// and per-line validation with error positions.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/jsonl_reader.h"

namespace etl::runtime {
namespace {

// One event of a read, flattened so runs with different chunk sizes can be compared.
struct Item {
  bool ok;
  uint64_t line;
  uint64_t offset;
  std::string text;
  uint64_t column;
  std::string message;
  bool operator==(const Item&) const = default;
};

std::vector<Item> ReadAll(const std::string& input, size_t piece = SIZE_MAX, size_t chunk = 1 << 20,
                          bool objects_only = true, JsonlStats* stats = nullptr) {
  JsonlOptions options;
  options.chunk_size = chunk;
  options.objects_only = objects_only;
  JsonlReader reader(MakeJsonlStringSource(input, piece), options);
  std::vector<Item> items;
  for (;;) {
    JsonlEvent event = reader.Next();
    if (event == JsonlEvent::kEnd) break;
    EXPECT_NE(event, JsonlEvent::kFailed);
    if (event == JsonlEvent::kFailed) break;
    const JsonlLine& line = reader.line();
    if (event == JsonlEvent::kRecord) {
      items.push_back({true, line.number, line.offset, std::string(line.text), 0, ""});
    } else {
      items.push_back({false, line.number, line.offset, std::string(line.text), reader.error().column,
                       reader.error().message});
    }
  }
  const JsonlStats& s = reader.stats();
  EXPECT_EQ(s.lines, s.blank_lines + s.records + s.errors);
  EXPECT_EQ(s.bytes, input.size());
  if (stats) *stats = s;
  return items;
}

TEST(JsonlReader, ValidAndInvalidLines) {
  JsonlStats stats;
  auto items = ReadAll("{\"a\":1}\n{\"a\":}\n{\"b\":\"x\"}\n", SIZE_MAX, 1 << 20, true, &stats);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[0].ok);
  EXPECT_EQ(items[0].text, "{\"a\":1}");
  EXPECT_FALSE(items[1].ok);
  EXPECT_EQ(items[1].line, 2u);
  EXPECT_EQ(items[1].offset, 8u);
  EXPECT_EQ(items[1].text, "{\"a\":}");
  EXPECT_EQ(items[1].column, 6u);
  EXPECT_EQ(items[1].message.rfind("invalid JSON at line 2, column 6: ", 0), 0u) << items[1].message;
  EXPECT_TRUE(items[2].ok);
  EXPECT_EQ(items[2].offset, 15u);
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.errors, 1u);
}

TEST(JsonlReader, ErrorColumns) {
  auto column = [](const std::string& line) {
    auto items = ReadAll(line + "\n");
    EXPECT_EQ(items.size(), 1u);
    EXPECT_FALSE(items.empty() || items[0].ok) << line;
    return items.empty() ? 0 : items[0].column;
  };
  EXPECT_EQ(column("{\"a\":1} x"), 9u);       // trailing garbage
  EXPECT_EQ(column("{\"a\":tru}"), 6u);       // bad literal
  EXPECT_EQ(column("{\"a\":\"b\xff\"}"), 8u);  // invalid UTF-8 byte
  EXPECT_EQ(column("{\"a\":\"unterminated}"), 6u);
  EXPECT_EQ(column("{\"a\":\"tab\there\"}"), 10u);
  EXPECT_EQ(column(std::string(2000, '[')), 1025u);  // the first bracket past depth 1024
}

TEST(JsonlReader, NonObjectRecordsAreErrors) {
  auto items = ReadAll("[1,2]\n  3\n\"s\"\nnull\n{}\n");
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].message, "invalid record at line 1, column 1: expected an object, found array");
  EXPECT_EQ(items[1].message, "invalid record at line 2, column 3: expected an object, found number");
  EXPECT_EQ(items[2].message, "invalid record at line 3, column 1: expected an object, found string");
  EXPECT_EQ(items[3].message, "invalid record at line 4, column 1: expected an object, found null");
  EXPECT_TRUE(items[4].ok);
  auto any = ReadAll("[1,2]\n3\n", SIZE_MAX, 1 << 20, false);
  ASSERT_EQ(any.size(), 2u);
  EXPECT_TRUE(any[0].ok && any[1].ok);
}

TEST(JsonlReader, BlankLinesCrlfBomAndFinalLineWithoutLf) {
  JsonlStats stats;
  auto items = ReadAll("\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n\t\r\n{\"a\":2}\r\n{\"a\":3}", SIZE_MAX, 1 << 20, true, &stats);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].text, "{\"a\":1}");
  EXPECT_EQ(items[0].offset, 3u);
  EXPECT_EQ(items[1].line, 5u);
  EXPECT_EQ(items[1].text, "{\"a\":2}");
  EXPECT_EQ(items[2].line, 6u);
  EXPECT_EQ(items[2].text, "{\"a\":3}");
  EXPECT_EQ(stats.blank_lines, 3u);
  EXPECT_EQ(stats.lines, 6u);
  // A BOM only counts at the start of the input.
  auto later = ReadAll("{}\n\xEF\xBB\xBF{}\n");
  ASSERT_EQ(later.size(), 2u);
  EXPECT_FALSE(later[1].ok);
}

TEST(JsonlReader, EmptyAndWhitespaceOnlyInputs) {
  for (std::string input : {"", "\n", " ", "\xEF\xBB\xBF", "\r\n\r\n"}) {
    JsonlStats stats;
    EXPECT_TRUE(ReadAll(input, SIZE_MAX, 1 << 20, true, &stats).empty());
    EXPECT_EQ(stats.records + stats.errors, 0u);
  }
}

TEST(JsonlReader, SameResultAtEveryChunkSize) {
  std::string input = "\xEF\xBB\xBF{\"id\":1,\"name\":\"a\\nb\",\"tags\":[1,2,{\"x\":null}]}\r\n\n{\"id\":2,}\n";
  input += "{\"s\":\"" + std::string(300, 'x') + "\"}\n[1]\n{\"u\":\"\xC3\xA9\"}\r\n   \n{\"last\":true}";
  auto expected = ReadAll(input);
  ASSERT_EQ(expected.size(), 6u);
  for (size_t piece : {1, 2, 3, 5, 7, 13, 64, 100, 1000}) {
    for (size_t chunk : {64, 100, 4096}) {
      EXPECT_EQ(ReadAll(input, piece, chunk), expected) << "piece " << piece << " chunk " << chunk;
    }
  }
}

TEST(JsonlReader, TenMegabyteLine) {
  std::string big(10 << 20, 'y');
  std::string input = "{\"a\":1}\n{\"big\":\"" + big + "\"}\n{\"a\":2}\n{\"bad\":\"" + big + "}\n";
  auto items = ReadAll(input, 1 << 16, 1 << 16);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_TRUE(items[0].ok);
  EXPECT_TRUE(items[1].ok);
  EXPECT_EQ(items[1].text.size(), big.size() + 10);  // {"big":"…"}
  EXPECT_TRUE(items[2].ok);
  EXPECT_FALSE(items[3].ok);
  EXPECT_EQ(items[3].line, 4u);
}

TEST(JsonlReader, RecordValueIsWalkable) {
  JsonlReader reader(MakeJsonlStringSource("{\"id\":7,\"name\":\"x\",\"n\":{\"k\":[1,2]}}\n"));
  ASSERT_EQ(reader.Next(), JsonlEvent::kRecord);
  std::vector<std::string> keys;
  for (auto field : reader.object()) keys.emplace_back(field.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "name", "n"}));
  int64_t id = 0;
  ASSERT_FALSE(reader.object()["id"].get_int64().get(id));
  EXPECT_EQ(id, 7);
  EXPECT_EQ(reader.Next(), JsonlEvent::kEnd);
  EXPECT_EQ(reader.Next(), JsonlEvent::kEnd);
}

TEST(JsonlReader, FileSourceAndMissingFile) {
  std::string failure;
  EXPECT_EQ(OpenJsonlFileSource("/nonexistent/x.jsonl", failure), nullptr);
  EXPECT_NE(failure.find("cannot open `/nonexistent/x.jsonl`"), std::string::npos);
  std::string path = ::testing::TempDir() + "jsonl_reader_test.jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    out << "{\"a\":1}\nnope\n{\"a\":3}\n";
  }
  auto source = OpenJsonlFileSource(path, failure);
  ASSERT_NE(source, nullptr);
  JsonlReader reader(std::move(source));
  EXPECT_EQ(reader.Next(), JsonlEvent::kRecord);
  EXPECT_EQ(reader.Next(), JsonlEvent::kError);
  EXPECT_EQ(reader.line().text, "nope");
  EXPECT_EQ(reader.Next(), JsonlEvent::kRecord);
  EXPECT_EQ(reader.Next(), JsonlEvent::kEnd);
  std::remove(path.c_str());
}

TEST(JsonlReader, WholeDocumentValidation) {
  EXPECT_EQ(ValidateJsonDocument("[1\n]"), "");
  EXPECT_EQ(ValidateJsonDocument(" {\"a\" : [true, null]} "), "");
  EXPECT_NE(ValidateJsonDocument("[1,]"), "");
  EXPECT_NE(ValidateJsonDocument(""), "");
  EXPECT_NE(ValidateJsonDocument(std::string(100000, '[')), "");
}

}  // namespace
}  // namespace etl::runtime
