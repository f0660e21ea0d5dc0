// The splitting jsonl source (Claim / SourcePiece::Read / Deliver): generated inputs with
// every kind of line (good records, escapes, unicode, nested values, blank lines, CRLF, a
// BOM, no final LF, long lines, invalid UTF-8, invalid JSON, non-objects, type mismatches)
// read as one piece per file and in pieces of 1..64 bytes, the pieces read concurrently on
// 2-4 threads in random order and delivered in claim order: rows, errors (code, message,
// line, raw text, order) and counters must be the same. Plain files (mapped), gzip (the
// stream chunker), globs of several files, failures, truncation and `fields_read`.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "runtime/jsonl_reader.h"
#include "runtime/jsonl_split.h"
#include "runtime/source_jsonl.h"
#include "runtime/value_json.h"
#include "tests/unit/runtime_jsonl_test_util.h"
#include "tests/unit/runtime_scratch_test.h"

namespace etl::runtime {
namespace {

namespace fs = std::filesystem;

// Everything a reading gave, in a comparable form.
struct Reading {
  std::vector<std::string> rows;    // each row as JSON
  std::vector<std::string> errors;  // code | message | line | source | record
  std::optional<std::string> failure;
  SourceStats stats;
  std::vector<size_t> batch_sizes;
};

void Collect(const JsonlSource& source, const CollectingEmitter& out, size_t batch_rows, Reading& reading) {
  uint64_t sequence = 0;
  if (!out.batches.empty()) {
    for (const Batch& batch : out.batches[0]) {
      EXPECT_EQ(batch.sequence, sequence++);
      EXPECT_GT(batch.rows, 0u);
      EXPECT_LE(batch.rows, batch_rows);
      reading.batch_sizes.push_back(batch.rows);
      for (size_t i = 0; i < batch.Size(); ++i) reading.rows.push_back(ValueToJson(batch.Row(i)));
    }
  }
  for (const ErrorRecord& e : out.errors) {
    reading.errors.push_back(e.code + " | " + e.message + " | " + std::to_string(e.line.value_or(-1)) + " | " +
                             e.source.value_or("-") + " | " + e.record);
  }
  if (source.failure()) reading.failure = source.failure()->ToString();
  reading.stats = source.stats();
  EXPECT_EQ(reading.stats.records_in, reading.stats.rows_out + reading.stats.errors);
  EXPECT_EQ(reading.stats.rows_out, reading.rows.size());
  EXPECT_EQ(reading.stats.errors, reading.errors.size());
}

JsonlSourceOptions Options(const std::string& path, ast::TypeRef schema, size_t batch_rows, size_t piece_bytes) {
  JsonlSourceOptions options;
  options.path = path;
  options.schema = std::move(schema);
  options.batch_rows = batch_rows;
  options.piece_bytes = piece_bytes;
  return options;
}

// The serial reading: Next (one piece at a time on this thread).
Reading ReadSerial(JsonlSourceOptions options) {
  size_t batch_rows = options.batch_rows;
  JsonlSource source("src", std::move(options));
  CollectingEmitter out;
  while (source.Next(out)) {
  }
  Reading reading;
  Collect(source, out, batch_rows, reading);
  return reading;
}

// As the executor does: Claim and Deliver on this thread, serially and in claim order;
// Read on `threads` workers, each taking a random piece of the ones claimed and not read.
Reading ReadConcurrently(JsonlSourceOptions options, int threads, uint32_t seed) {
  size_t batch_rows = options.batch_rows;
  JsonlSource source("src", std::move(options));
  CollectingEmitter out;
  struct Entry {
    std::unique_ptr<SourcePiece> piece;
    std::atomic<bool> read{false};
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Entry*> queue;  // claimed, not taken by a worker yet
  bool closing = false;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(seed * 31 + static_cast<uint32_t>(t));
      for (;;) {
        Entry* entry;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return closing || !queue.empty(); });
          if (queue.empty()) return;
          size_t pick = rng() % queue.size();
          entry = queue[pick];
          queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(pick));
        }
        entry->piece->Read();
        {
          // Under the lock: a store between the deliverer's check and its wait would be a
          // lost wake-up (the test hung once under load).
          std::lock_guard<std::mutex> lock(mu);
          entry->read.store(true, std::memory_order_release);
        }
        cv.notify_all();
      }
    });
  }
  std::mt19937 rng(seed);
  std::deque<std::unique_ptr<Entry>> pending;  // claim order
  bool claims_done = false;
  for (;;) {
    size_t window = 1 + rng() % 8;
    while (!claims_done && pending.size() < window) {
      std::unique_ptr<SourcePiece> piece = source.Claim();
      if (!piece) {
        claims_done = true;
        break;
      }
      auto entry = std::make_unique<Entry>();
      entry->piece = std::move(piece);
      {
        std::lock_guard<std::mutex> lock(mu);
        queue.push_back(entry.get());
      }
      cv.notify_all();
      pending.push_back(std::move(entry));
    }
    if (pending.empty()) break;
    Entry& first = *pending.front();
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return first.read.load(std::memory_order_acquire); });
    }
    // Every claimed piece is delivered, also after a failure (the contract: exactly once).
    source.Deliver(*first.piece, out);
    pending.pop_front();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    closing = true;
  }
  cv.notify_all();
  for (std::thread& worker : workers) worker.join();
  Reading reading;
  Collect(source, out, batch_rows, reading);
  return reading;
}

void ExpectSame(const Reading& a, const Reading& b, const std::string& what) {
  ASSERT_EQ(a.rows.size(), b.rows.size()) << what;
  for (size_t i = 0; i < a.rows.size(); ++i) ASSERT_EQ(a.rows[i], b.rows[i]) << what << " row " << i;
  ASSERT_EQ(a.errors.size(), b.errors.size()) << what;
  for (size_t i = 0; i < a.errors.size(); ++i) ASSERT_EQ(a.errors[i], b.errors[i]) << what << " error " << i;
  EXPECT_EQ(a.failure, b.failure) << what;
  EXPECT_EQ(a.stats.records_in, b.stats.records_in) << what;
  EXPECT_EQ(a.stats.rows_out, b.stats.rows_out) << what;
  EXPECT_EQ(a.stats.errors, b.stats.errors) << what;
  EXPECT_EQ(a.stats.bytes, b.stats.bytes) << what;
  EXPECT_EQ(a.stats.files, b.stats.files) << what;
}

// A random JSON string body (escapes, unicode, raw UTF-8), sometimes long.
std::string RandomString(std::mt19937& rng) {
  static const char* kPieces[] = {"a", "Zz", " ", "\\\"", "\\\\", "\\n", "\\t", "\\/", "\\u00e9", "\\ud83d\\ude00",
                                  "é", "日本", "\\u0000", "x,y", "{}", "[", ":"};
  std::string out;
  size_t n = rng() % 50 == 0 ? 3000 : rng() % 8;
  for (size_t i = 0; i < n; ++i) out += kPieces[rng() % (sizeof kPieces / sizeof *kPieces)];
  return out;
}

std::string GoodLine(std::mt19937& rng) {
  std::vector<std::string> fields = {"\"id\":" + std::to_string(static_cast<int64_t>(rng()) - (1 << 30))};
  if (rng() % 3) fields.push_back("\"name\":\"" + RandomString(rng) + "\"");
  if (rng() % 3) fields.push_back(rng() % 5 ? "\"amount\":" + std::to_string(rng() % 100000) + ".25" : "\"amount\":null");
  if (rng() % 3) fields.push_back("\"day\":\"2024-0" + std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10) + "\"");
  if (rng() % 3) fields.push_back("\"tags\":[\"" + RandomString(rng) + "\",\"b\"]");
  if (rng() % 3) fields.push_back("\"meta\":{\"k\":[1,{\"y\":\"" + RandomString(rng) + "\"}],\"n\":null}");
  if (rng() % 4 == 0) fields.push_back("\"extra\":[[[]],{\"deep\":{\"er\":true}}]");
  std::shuffle(fields.begin(), fields.end(), rng);
  std::string line = "{";
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? (rng() % 4 ? "," : " , ") : "") + fields[i];
  return line + "}";
}

std::string RandomLine(std::mt19937& rng) {
  switch (rng() % 20) {
    case 0: return "";
    case 1: return std::string(1 + rng() % 3, " \t"[rng() % 2]);
    case 2: return "{\"id\":1,";                           // unterminated
    case 3: return "{\"id\":2}}";                          // trailing content
    case 4: return "{\"id\":3,\"name\":\"\xff\xfe\"}";     // invalid UTF-8
    case 5: return rng() % 2 ? "[1,2]" : "42";             // not an object
    case 6: return "{\"id\":\"seven\"}";                   // type mismatch
    case 7: return "{\"id\":1.5,\"name\":\"x\"}";          // float for int
    case 8: return "{\"name\":\"no id\"}";                 // missing field
    case 9: return "{\"id\":4,\"name\":5}";                // number for string
    case 10: return "{\"id\":5,\"day\":\"2023-02-30\"}";   // not a day
    case 11: return "  " + GoodLine(rng) + "\t";           // blanks around a record
    case 12: return "nul";
    default: return GoodLine(rng);
  }
}

// A JSON-lines text: BOM, CRLF, no final LF as the seed decides.
std::string RandomText(std::mt19937& rng, size_t lines) {
  std::string text = rng() % 3 == 0 ? "\xEF\xBB\xBF" : "";
  for (size_t i = 0; i < lines; ++i) {
    text += RandomLine(rng);
    bool last = i + 1 == lines;
    if (last && rng() % 3 == 0) break;  // no final LF
    text += rng() % 5 == 0 ? "\r\n" : "\n";
  }
  return text;
}

ast::TypeRef FastSchema() {
  auto nullable = [](ast::TypeKind kind) { return ast::MakeType(kind, true); };
  return ast::RecordType({{"id", ast::IntType()},
                          {"name", nullable(ast::TypeKind::String)},
                          {"amount", nullable(ast::TypeKind::Float)},
                          {"day", nullable(ast::TypeKind::Date)}});
}

ast::TypeRef GeneralSchema() {
  auto nullable = [](ast::TypeKind kind) { return ast::MakeType(kind, true); };
  auto tags = ast::ListType(ast::StringType(), true);
  return ast::RecordType({{"id", ast::IntType()},
                          {"name", nullable(ast::TypeKind::String)},
                          {"amount", ast::WithNullable(ast::DecimalType(12, 2), true)},
                          {"meta", nullable(ast::TypeKind::Json)},
                          {"tags", tags}});
}

class JsonlSplitTest : public ScratchFilesTest {
 protected:
  // Reads `path` serially in one piece per file, then in tiny pieces concurrently: the same.
  void CompareReadings(const std::string& path, ast::TypeRef schema, uint32_t seed, const std::string& what) {
    std::mt19937 rng(seed);
    size_t batch_rows = 1 + rng() % 7;
    Reading serial = ReadSerial(Options(path, schema, batch_rows, SIZE_MAX));
    EXPECT_FALSE(serial.failure) << what << ": " << *serial.failure;
    for (size_t piece_bytes : {size_t{1}, size_t{1} + rng() % 8, size_t{9} + rng() % 56, size_t{64}}) {
      int threads = 2 + static_cast<int>(rng() % 3);
      Reading pieces = ReadConcurrently(Options(path, schema, batch_rows, piece_bytes), threads, rng());
      ExpectSame(serial, pieces, what + ", pieces of " + std::to_string(piece_bytes) + " bytes, " +
                                     std::to_string(threads) + " threads");
      // And serially (ReadOnePiece) with the same pieces.
      ExpectSame(serial, ReadSerial(Options(path, schema, batch_rows, piece_bytes)),
                 what + ", serial pieces of " + std::to_string(piece_bytes));
    }
  }
};

// Where pieces end: after the first LF at or after the target, else at the end; a target of
// SIZE_MAX is one piece from anywhere; the stream chunker cuts the same way.
TEST(JsonlPieces, CutAfterTheLfAtOrAfterTheTarget) {
  std::string text = "{}\n{\"a\":1}\n\n{}";  // LFs at 2, 10, 11; 14 bytes
  EXPECT_EQ(CutJsonlPiece(text.data(), text.size(), 0, 1), 3u);
  EXPECT_EQ(CutJsonlPiece(text.data(), text.size(), 0, 3), 3u);
  EXPECT_EQ(CutJsonlPiece(text.data(), text.size(), 0, 4), 11u);
  EXPECT_EQ(CutJsonlPiece(text.data(), text.size(), 3, 8), 11u);
  EXPECT_EQ(CutJsonlPiece(text.data(), text.size(), 3, 9), 12u);
  EXPECT_EQ(CutJsonlPiece(text.data(), text.size(), 12, 1), 14u);
  EXPECT_EQ(CutJsonlPiece(text.data(), text.size(), 3, SIZE_MAX), 14u);
  auto pieces = [&](size_t target, size_t max_read) {
    JsonlStreamChunker chunker(OpenInputMemory(text, "<memory>", max_read), 64);
    std::vector<std::string> out;
    for (PaddedText piece; chunker.Next(target, piece);) out.emplace_back(piece.view());
    EXPECT_TRUE(chunker.failure().empty());
    return out;
  };
  using Pieces = std::vector<std::string>;
  // The stream's first read gives the 4 bytes sniffed for compression ("{}\n{"): a piece
  // holds the complete lines read so far (no read while one is left), never part of a line.
  EXPECT_EQ(pieces(SIZE_MAX, 0), Pieces({"{}\n", "{\"a\":1}\n\n", "{}"}));
  EXPECT_EQ(pieces(1, 0), Pieces({"{}\n", "{\"a\":1}\n", "\n", "{}"}));
  EXPECT_EQ(pieces(4, 0), Pieces({"{}\n", "{\"a\":1}\n", "\n", "{}"}));
  EXPECT_EQ(pieces(9, 0), Pieces({"{}\n", "{\"a\":1}\n\n", "{}"}));
  EXPECT_EQ(pieces(SIZE_MAX, 5), Pieces({"{}\n", "{\"a\":1}\n\n", "{}"}));
}

// The one-piece reading is the line reader's: the same invalid lines, lines and records.
TEST_F(JsonlSplitTest, OnePieceReadsLikeTheLineReader) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::string text = RandomText(rng, 1 + rng() % 60);
    std::string path = Write("r" + std::to_string(round) + ".jsonl", text);
    Reading reading = ReadSerial(Options(path, FastSchema(), 4096, SIZE_MAX));
    JsonlReader reader(MakeJsonlStringSource(text, 1 + rng() % 100));
    std::vector<std::string> parse_errors;
    uint64_t records = 0;
    for (JsonlEvent event; (event = reader.Next()) != JsonlEvent::kEnd;) {
      ASSERT_NE(event, JsonlEvent::kFailed);
      ++records;
      if (event != JsonlEvent::kError) continue;
      parse_errors.push_back("jsonl_parse | " + path + ":" + std::to_string(reader.line().number) + ":" +
                             std::to_string(reader.error().column) + ": " + reader.error().reason + " | " +
                             std::to_string(reader.line().number));
    }
    std::vector<std::string> got;
    for (const std::string& e : reading.errors) {
      if (e.rfind("jsonl_parse", 0) == 0) got.push_back(e.substr(0, e.find(" | ", e.find(" | ", 14) + 3)));
    }
    EXPECT_EQ(got, parse_errors) << text;
    EXPECT_EQ(reading.stats.records_in, records);
    EXPECT_EQ(reading.stats.bytes, text.size());
    EXPECT_EQ(reading.stats.files, 1u);
  }
}

TEST_F(JsonlSplitTest, TinyConcurrentPiecesReadLikeOnePiece) {
  std::mt19937 rng(2024);
  for (int round = 0; round < 40; ++round) {
    std::string text = RandomText(rng, rng() % 80);
    std::string name = "t" + std::to_string(round) + ".jsonl";
    std::string path = round % 3 == 2 ? WriteGzip(name + ".gz", text) : Write(name, text);
    ast::TypeRef schema = round % 2 ? GeneralSchema() : FastSchema();
    CompareReadings(path, schema, rng(), "round " + std::to_string(round) + (round % 3 == 2 ? " (gzip)" : ""));
    if (HasFatalFailure()) return;
  }
}

// Sizes around a page: the last pieces of a mapping are copied into a padded buffer when
// fewer than SIMDJSON_PADDING bytes follow them in the mapped pages.
TEST_F(JsonlSplitTest, FilesEndingNearAPageEnd) {
  std::mt19937 rng(99);
  for (size_t size : {size_t{4096}, size_t{4095}, size_t{4090}, size_t{4097}, size_t{8192 - 30}, size_t{8192}}) {
    std::string text;
    while (text.size() + 80 < size) text += "{\"id\":" + std::to_string(text.size()) + ",\"name\":\"abc\"}\n";
    std::string last = "{\"id\":1,\"name\":\"";
    last += std::string(size - text.size() - last.size() - 3, 'x') + "\"}\n";
    text += last;
    ASSERT_EQ(text.size(), size);
    if (size % 2) text.pop_back(), text += "}";  // odd sizes: the last line has no LF
    text.resize(size);
    CompareReadings(Write("p" + std::to_string(size) + ".jsonl", text), FastSchema(), rng(),
                    "size " + std::to_string(size));
  }
}

TEST_F(JsonlSplitTest, GlobOfSeveralFiles) {
  std::mt19937 rng(5);
  for (int round = 0; round < 6; ++round) {
    fs::path sub = dir_ / ("g" + std::to_string(round));
    fs::create_directories(sub);
    for (int f = 0; f < 5; ++f) {
      std::string text = f == 2 ? "" : RandomText(rng, rng() % 30);  // an empty file among them
      std::string name = "g" + std::to_string(round) + "/" + std::to_string(f) + ".jsonl";
      if (f == 3) {
        WriteGzip(name + ".gz", text);
      } else {
        Write(name, text);
      }
    }
    CompareReadings((sub / "*.jsonl*").string(), round % 2 ? GeneralSchema() : FastSchema(), rng(),
                    "glob " + std::to_string(round));
    Reading reading = ReadSerial(Options((sub / "*.jsonl*").string(), FastSchema(), 10, 3));
    EXPECT_EQ(reading.stats.files, 5u);
  }
}

// A stream that fails part-way fails the source with the serial reader's message, after
// the same rows; a glob without a match fails before any piece.
TEST_F(JsonlSplitTest, FailuresAreTheSerialOnes) {
  std::mt19937 rng(11);
  std::string text;
  while (text.size() < (3u << 20)) text += GoodLine(rng) + "\n";
  std::string path = WriteGzip("big.jsonl.gz", text);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string cut = Write("cut.jsonl.gz", bytes.substr(0, bytes.size() * 2 / 3));
  Reading serial = ReadSerial(Options(cut, FastSchema(), 4096, SIZE_MAX));
  ASSERT_TRUE(serial.failure);
  EXPECT_EQ(*serial.failure, cut + ": corrupt gzip stream: unexpected end of file");
  EXPECT_GT(serial.rows.size(), 0u);  // the first 1 MiB buffers were read before the end
  for (size_t piece_bytes : {size_t{100}, size_t{4096}, size_t{300000}}) {
    ExpectSame(serial, ReadSerial(Options(cut, FastSchema(), 4096, piece_bytes)), "serial pieces");
    ExpectSame(serial, ReadConcurrently(Options(cut, FastSchema(), 4096, piece_bytes), 3, 1), "concurrent pieces");
  }
  Reading none = ReadConcurrently(Options((dir_ / "none*.jsonl").string(), FastSchema(), 10, 5), 2, 3);
  ASSERT_TRUE(none.failure);
  EXPECT_NE(none.failure->find("no file matches this path"), std::string::npos);
  EXPECT_TRUE(none.rows.empty());
}

// A mapped file truncated by another process while a piece is out: its lost pages read as
// zeros, so the piece is not delivered and the source fails.
TEST_F(JsonlSplitTest, TruncatedWhileReadingFails) {
  std::string text;
  while (text.size() < 5 * 4096) text += "{\"id\":1,\"name\":\"" + std::string(100, 'q') + "\"}\n";
  std::string path = Write("t.jsonl", text);
  JsonlSource source("src", Options(path, FastSchema(), 4096, 4096));
  CollectingEmitter out;
  auto first = source.Claim();
  ASSERT_TRUE(first);
  first->Read();
  ASSERT_TRUE(source.Deliver(*first, out));
  auto second = source.Claim();
  ASSERT_TRUE(second);
  fs::resize_file(path, 0);
  second->Read();
  EXPECT_FALSE(source.Deliver(*second, out));
  ASSERT_TRUE(source.failure());
  EXPECT_EQ(source.failure()->ToString(), path + ": the file was truncated while it was being read");
  EXPECT_FALSE(source.Claim());
}

// fields_read: a string field no later step reads is validated (the same errors) but not
// copied: its column holds empty views over an empty buffer.
TEST_F(JsonlSplitTest, UnreadStringFieldsAreValidatedNotCopied) {
  std::mt19937 rng(3);
  std::string path = Write("u.jsonl", RandomText(rng, 300));
  for (ast::TypeRef schema : {FastSchema(), GeneralSchema()}) {
    JsonlSourceOptions all = Options(path, schema, 64, 100);
    JsonlSourceOptions some = all;
    some.fields_read.assign(schema->fields.size(), true);
    some.fields_read[1] = false;  // name: string
    some.fields_read[2] = false;  // amount: not a string, filled as usual
    some.fields_read[3] = false;  // day: date, filled as usual; meta: json (String layout)
    Reading full = ReadSerial(all);
    JsonlSource source("src", some);
    CollectingEmitter out;
    while (source.Next(out)) {
    }
    Reading partial;
    Collect(source, out, 64, partial);
    EXPECT_EQ(partial.errors, full.errors);
    ASSERT_EQ(partial.rows.size(), full.rows.size());
    size_t skipped = 0;
    for (const Batch& batch : out.batches[0]) {
      for (size_t f : {size_t{1}, size_t{3}}) {
        const Column& column = *batch.columns[f];
        if (column.layout != Layout::String) continue;
        ASSERT_EQ(column.strings.size(), batch.rows);
        EXPECT_TRUE(column.bytes->empty());
        for (size_t r = 0; r < batch.rows; ++r) {
          EXPECT_EQ(column.strings[r].offset, 0u);
          EXPECT_EQ(column.strings[r].length, 0u);
          skipped += !column.IsNull(r);
        }
      }
    }
    EXPECT_GT(skipped, 0u);
    // The fields that are read are the full reading's.
    CollectingEmitter again;
    JsonlSource reference("src", all);
    while (reference.Next(again)) {
    }
    std::vector<ast::Value> a = again.Rows(0), b = out.Rows(0);
    for (size_t r = 0; r < a.size(); ++r) {
      EXPECT_EQ(ValueToJson(a[r].fields[0].second), ValueToJson(b[r].fields[0].second));
      EXPECT_EQ(ValueToJson(a[r].fields[2].second), ValueToJson(b[r].fields[2].second));
    }
  }
}

}  // namespace
}  // namespace etl::runtime

namespace etl::runtime {
namespace {

// The fast paths (ConvertFast into columns filled in place, and the direct scanner) against
// the general path (JsonRecordToValue + ColumnBuilder) on the same schema of top-level
// scalars: the same rows, errors and column contents (validity words, string views and
// bytes), with nulls, every fast kind, unread strings and batches of 1..9 rows.
TEST(JsonlFastColumns, MatchTheGeneralPath) {
  auto nullable = [](ast::TypeKind kind) { return ast::MakeType(kind, true); };
  ast::TypeRef schema = ast::RecordType({{"id", ast::IntType()},
                                         {"name", nullable(ast::TypeKind::String)},
                                         {"amount", nullable(ast::TypeKind::Float)},
                                         {"day", nullable(ast::TypeKind::Date)},
                                         {"ok", nullable(ast::TypeKind::Bool)},
                                         {"ts", nullable(ast::TypeKind::Timestamp)},
                                         {"wait", nullable(ast::TypeKind::Duration)},
                                         {"note", ast::StringType()}});
  const char* const kExtras[] = {"\"ok\":true", "\"ok\":false", "\"ok\":null", "\"ts\":\"2024-01-02T03:04:05.5Z\"",
                                 "\"ts\":null", "\"wait\":\"1h30m\"", "\"wait\":null", "\"name\":null",
                                 "\"day\":null", "\"amount\":7", "\"ok\":1", "\"ts\":\"2024-01-02\""};
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    std::string text;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 80); i < n; ++i) {
      std::string line = RandomLine(rng);
      if (line.size() > 2 && line.back() == '}' && rng() % 2) {
        std::string more;
        for (int k = 0, m = static_cast<int>(rng() % 4); k < m; ++k) more += "," + std::string(kExtras[rng() % 12]);
        if (rng() % 4) more += ",\"note\":\"" + RandomString(rng) + "\"";
        line.insert(line.size() - 1, more);
      }
      text += line + "\n";
    }
    PaddedText padded = PaddedText::Copy(text);
    std::vector<bool> skip = {false, rng() % 2 == 0, false, false, false, false, false, rng() % 2 == 0};
    size_t batch_rows = 1 + rng() % 9;
    // 0: the general path; 1: ConvertFast on simdjson's document; 2: the direct scanner.
    JsonlPieceResult results[3];
    for (int path = 0; path < 3; ++path) {
      JsonlConvertPlan plan;
      plan.step = "s";
      plan.schema = schema;
      plan.batch_rows = batch_rows;
      plan.fast = path >= 1;
      plan.direct = path == 2;
      plan.skip_text = skip;
      JsonlPieceConverter converter(plan);
      converter.Convert(padded.view(), true, "f.jsonl", results[path]);
    }
    std::string what = "seed " + std::to_string(seed);
    test::ExpectSamePieceResults(results[0], results[1], what + " (ConvertFast)");
    test::ExpectSamePieceResults(results[0], results[2], what + " (direct scanner)");
  }
}

// What splitting costs: the file named by ETL_JSONL_SPLIT_BENCH_FILE (orders lines) read
// serially in one piece and in kJsonlPieceBytes pieces. Prints CPU times (a figure, not an
// assertion); without the variable it reads a small generated file and only checks counts.
TEST(JsonlSplitThroughput, PrintsPieceOverhead) {
  const char* env = std::getenv("ETL_JSONL_SPLIT_BENCH_FILE");
  std::string path;
  if (env) {
    path = env;
  } else {
    path = (fs::temp_directory_path() / ("etl_jsonl_split_bench_" + std::to_string(::getpid()) + ".jsonl")).string();
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 20000; ++i) {
      out << "{\"id\":" << i << ",\"name\":\"cust_" << i * 7 << "\",\"amount\":" << i % 1000 << ".5,\"day\":\"2024-01-0"
          << 1 + i % 9 << "\"}\n";
    }
  }
  uint64_t rows[2] = {0, 0};
  for (int round = 0; round < 2; ++round) {
    for (size_t piece_bytes : {SIZE_MAX, kJsonlPieceBytes}) {
      auto t0 = std::clock();
      JsonlSource source("src", Options(path, FastSchema(), kDefaultBatchRows, piece_bytes));
      CollectingEmitter out;
      while (source.Next(out)) out.batches.clear();
      double ms = 1000.0 * static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
      rows[piece_bytes == SIZE_MAX ? 0 : 1] = source.stats().rows_out;
      std::printf("jsonl source, %s: %.1f ms CPU, %llu rows\n", piece_bytes == SIZE_MAX ? "one piece" : "1 MiB pieces", ms,
                  static_cast<unsigned long long>(source.stats().rows_out));
    }
  }
  EXPECT_EQ(rows[0], rows[1]);
  if (!env) {
    EXPECT_EQ(rows[0], 20000u);
    fs::remove(path);
  }
}

}  // namespace
}  // namespace etl::runtime
