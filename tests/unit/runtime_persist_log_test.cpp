// The record files and channel logs of `persist disk` (runtime/persist_log.h,
// runtime/persist_channel.h): round trips, torn tails at every byte, checksum damage,
// truncation, the last checkpoint, batches of every column layout, segment rollover, and
// CheckChannelLog on a damaged middle segment vs a torn last one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "runtime/batch.h"
#include "runtime/batch_codec.h"
#include "runtime/persist_channel.h"
#include "runtime/persist_log.h"
#include "runtime/value_json.h"

namespace etl::runtime {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

void FlipByte(const fs::path& path, uint64_t at) {
  std::string bytes = ReadFile(path);
  ASSERT_LT(at, bytes.size());
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  WriteFile(path, bytes);
}

class PersistLog : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_persist_log_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

std::vector<std::string> SomeRecords() {
  return {"first", std::string(), std::string(1, '\0') + "binary\xff", std::string(70000, 'x'), "last record"};
}

TEST_F(PersistLog, RecordsRoundTrip) {
  RecordWriter writer;
  ASSERT_FALSE(writer.Open(P("sub/dir/a.rec")));  // parents are created
  for (const std::string& record : SomeRecords()) ASSERT_FALSE(writer.Append(record));
  ASSERT_FALSE(writer.Sync());
  uint64_t bytes = writer.bytes();
  writer.Close();
  RecordScan scan = ScanRecordFile(P("sub/dir/a.rec"));
  EXPECT_EQ(scan.records, SomeRecords());
  EXPECT_EQ(scan.damage, "");
  EXPECT_FALSE(scan.missing);
  EXPECT_EQ(scan.valid_bytes, bytes);
  EXPECT_EQ(scan.file_bytes, bytes);
  // Reopening appends after what is there.
  ASSERT_FALSE(writer.Open(P("sub/dir/a.rec")));
  EXPECT_EQ(writer.bytes(), bytes);
  ASSERT_FALSE(writer.Append("more"));
  writer.Close();
  EXPECT_EQ(ScanRecordFile(P("sub/dir/a.rec")).records.back(), "more");
}

TEST_F(PersistLog, AMissingFileIsMissingNotDamaged) {
  RecordScan scan = ScanRecordFile(P("nope"));
  EXPECT_TRUE(scan.missing);
  EXPECT_TRUE(scan.records.empty());
  EXPECT_EQ(LastCheckpoint(P("nope")), std::nullopt);
}

TEST_F(PersistLog, ATornTailAtEveryByteOfTheLastRecordKeepsTheValidPrefix) {
  RecordWriter writer;
  ASSERT_FALSE(writer.Open(P("a.rec")));
  ASSERT_FALSE(writer.Append("one"));
  ASSERT_FALSE(writer.Append("two two"));
  uint64_t prefix = writer.bytes();
  ASSERT_FALSE(writer.Append("the last record, torn"));
  writer.Close();
  const std::string whole = ReadFile(P("a.rec"));
  for (uint64_t cut = prefix + 1; cut < whole.size(); ++cut) {
    WriteFile(P("t.rec"), whole.substr(0, cut));
    RecordScan scan = ScanRecordFile(P("t.rec"));
    ASSERT_EQ(scan.records, (std::vector<std::string>{"one", "two two"})) << "cut at " << cut;
    EXPECT_EQ(scan.valid_bytes, prefix) << "cut at " << cut;
    EXPECT_EQ(scan.file_bytes, cut);
    EXPECT_NE(scan.damage.find(fmt::format("at byte {}", prefix)), std::string::npos) << scan.damage;
    EXPECT_NE(scan.damage.find("truncated"), std::string::npos) << scan.damage;
    std::string damage;
    EXPECT_EQ(LastCheckpoint(P("t.rec"), &damage), "two two");
    EXPECT_EQ(damage, scan.damage);
  }
  // Cut exactly at a record boundary: nothing is damaged.
  WriteFile(P("t.rec"), whole.substr(0, prefix));
  EXPECT_EQ(ScanRecordFile(P("t.rec")).damage, "");
}

TEST_F(PersistLog, AFlippedByteInTheMiddleIsAChecksumMismatch) {
  RecordWriter writer;
  ASSERT_FALSE(writer.Open(P("a.rec")));
  ASSERT_FALSE(writer.Append("one"));
  uint64_t second = writer.bytes();
  ASSERT_FALSE(writer.Append("two two two"));
  ASSERT_FALSE(writer.Append("three"));
  writer.Close();
  FlipByte(P("a.rec"), second + 12 + 4);  // inside the second record's payload
  RecordScan scan = ScanRecordFile(P("a.rec"));
  EXPECT_EQ(scan.records, std::vector<std::string>{"one"});
  EXPECT_EQ(scan.valid_bytes, second);
  EXPECT_EQ(scan.damage, fmt::format("checksum mismatch in the record at byte {}", second));
  // A flipped magic byte is not a record at all.
  FlipByte(P("a.rec"), second + 12 + 4);
  FlipByte(P("a.rec"), second + 1);
  EXPECT_EQ(ScanRecordFile(P("a.rec")).damage, fmt::format("no record starts at byte {}", second));
}

TEST_F(PersistLog, TruncateFileCutsToTheValidPrefix) {
  RecordWriter writer;
  ASSERT_FALSE(writer.Open(P("a.rec")));
  ASSERT_FALSE(writer.Append("keep"));
  writer.Close();
  std::ofstream(P("a.rec"), std::ios::binary | std::ios::app) << "garbage after the last record";
  RecordScan scan = ScanRecordFile(P("a.rec"));
  ASSERT_NE(scan.damage, "");
  ASSERT_FALSE(TruncateFile(P("a.rec"), scan.valid_bytes));
  EXPECT_EQ(fs::file_size(P("a.rec")), scan.valid_bytes);
  RecordScan after = ScanRecordFile(P("a.rec"));
  EXPECT_EQ(after.damage, "");
  EXPECT_EQ(after.records, std::vector<std::string>{"keep"});
  std::optional<std::string> error = TruncateFile(P("missing"), 0);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("missing"), std::string::npos);
}

TEST_F(PersistLog, LastCheckpointPicksTheLastValidRecord) {
  ASSERT_FALSE(AppendCheckpoint(P("c/x.ckpt"), "state 1"));
  ASSERT_FALSE(AppendCheckpoint(P("c/x.ckpt"), "state 2"));
  EXPECT_EQ(LastCheckpoint(P("c/x.ckpt")), "state 2");
  uint64_t size = fs::file_size(P("c/x.ckpt"));
  ASSERT_FALSE(AppendCheckpoint(P("c/x.ckpt"), "state 3"));
  FlipByte(P("c/x.ckpt"), size + 13);  // the third record's payload
  std::string damage;
  EXPECT_EQ(LastCheckpoint(P("c/x.ckpt"), &damage), "state 2");
  EXPECT_EQ(damage, fmt::format("checksum mismatch in the record at byte {}", size));
  WriteFile(P("c/garbage.ckpt"), "not a record file");
  EXPECT_EQ(LastCheckpoint(P("c/garbage.ckpt"), &damage), std::nullopt);
  EXPECT_EQ(damage, "no record starts at byte 0");
}

TEST_F(PersistLog, RandomBytesNeverCrashTheScanner) {
  std::mt19937 random(42);
  for (int i = 0; i < 300; ++i) {
    std::string bytes(random() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    if (i % 3 == 0 && bytes.size() >= 4) bytes.replace(0, 4, "ETLR");  // a plausible header
    WriteFile(P("r.rec"), bytes);
    RecordScan scan = ScanRecordFile(P("r.rec"));
    EXPECT_LE(scan.valid_bytes, scan.file_bytes);
    EXPECT_EQ(scan.file_bytes, bytes.size());
  }
}

// A batch with a column of every layout (nulls, lists, maps, nested records included).
Batch EveryLayoutBatch(size_t rows, int salt) {
  TypeRef schema = *ast::ParseType(
      "{b: bool, i: int?, ts: timestamp, small: decimal(10, 2), big: decimal(30, 3), day: date, f: float, "
      "s: string?, j: json, l: list<int>, m: map<string>, r: {a: int, t: list<string>}?}");
  std::vector<ast::Value> records;
  for (size_t n = 0; n < rows; ++n) {
    int64_t k = static_cast<int64_t>(n) * 7 + salt;
    ast::Value record;
    record.kind = ast::Value::Kind::Record;
    ast::Value ts, day, list, map, inner, tags;
    ts.kind = ast::Value::Kind::Timestamp;
    ts.int_value = 1700000000000000 + k;
    day.kind = ast::Value::Kind::Date;
    day.int_value = 19000 + k % 365;
    list.kind = ast::Value::Kind::List;
    for (int64_t x = 0; x < k % 4; ++x) list.items.push_back(ast::Value::Int(x * k));
    map.kind = ast::Value::Kind::Record;
    if (k % 3) map.fields.push_back({"key" + std::to_string(k % 5), ast::Value::String("v" + std::to_string(k))});
    tags.kind = ast::Value::Kind::List;
    tags.items.push_back(ast::Value::String(std::string(static_cast<size_t>(k % 9), 'z')));
    inner.kind = ast::Value::Kind::Record;
    inner.fields = {{"a", ast::Value::Int(-k)}, {"t", tags}};
    record.fields = {{"b", ast::Value::Bool(k % 2 == 0)},
                     {"i", k % 5 == 0 ? ast::Value::Null() : ast::Value::Int(k * 1000003)},
                     {"ts", ts},
                     {"small", ast::Value::Decimal(k * 101, 2)},
                     {"big", ast::Value::Decimal(static_cast<__int128>(k) * 1000000000000000000 + 7, 3)},
                     {"day", day},
                     {"f", ast::Value::Float(static_cast<double>(k) / 3)},
                     {"s", k % 6 == 0 ? ast::Value::Null() : ast::Value::String("row \"" + std::to_string(k) + "\"\n")},
                     {"j", list},
                     {"l", list},
                     {"m", map},
                     {"r", k % 4 == 1 ? ast::Value::Null() : inner}};
    records.push_back(std::move(record));
  }
  Batch batch;
  std::string error;
  EXPECT_TRUE(MakeBatch(schema, records, batch, &error)) << error;
  return batch;
}

std::vector<std::string> Rows(const Batch& batch) {
  std::vector<std::string> rows;
  for (size_t i = 0; i < batch.Size(); ++i) rows.push_back(ValueToJson(batch.Row(i)));
  return rows;
}

TEST_F(PersistLog, BatchesOfEveryLayoutRoundTripThroughTheCodec) {
  Batch batch = EveryLayoutBatch(50, 1);
  std::string bytes;
  EncodeBatch(batch, bytes);
  Batch back;
  ASSERT_TRUE(DecodeBatch(bytes, batch.schema, back));
  EXPECT_EQ(Rows(back), Rows(batch));
  // A selection is applied: only the selected rows are stored.
  Batch selected = Select(batch, {1, 3, 49});
  bytes.clear();
  EncodeBatch(selected, bytes);
  ASSERT_TRUE(DecodeBatch(bytes, batch.schema, back));
  EXPECT_EQ(Rows(back), Rows(selected));
  // Bytes cut short do not decode (the caller recomputes instead of trusting them).
  EXPECT_FALSE(DecodeBatch(std::string_view(bytes).substr(0, bytes.size() / 2), batch.schema, back));
}

TEST_F(PersistLog, ChannelLogRoundTripWithPorts) {
  ChannelLogWriter writer;
  ASSERT_FALSE(writer.Create(P("log")));
  std::vector<Batch> batches;
  for (int i = 0; i < 5; ++i) {
    batches.push_back(EveryLayoutBatch(10 + i, i));
    ASSERT_FALSE(writer.Append(static_cast<size_t>(i % 2), batches.back()));
  }
  ASSERT_FALSE(writer.Sync());
  EXPECT_EQ(writer.entries(), 5u);
  ChannelLogCheck check = CheckChannelLog(P("log"));
  EXPECT_EQ(check.damage, "");
  EXPECT_EQ(check.entries, 5u);
  ASSERT_EQ(check.segments.size(), 1u);
  ChannelLogReader reader;
  ASSERT_FALSE(reader.Open(P("log")));
  size_t port = 0;
  std::string payload, error;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(reader.Next(port, payload, error)) << error;
    EXPECT_EQ(port, static_cast<size_t>(i % 2));
    Batch back;
    ASSERT_TRUE(DecodeBatch(payload, batches[i].schema, back));
    EXPECT_EQ(Rows(back), Rows(batches[i]));
  }
  EXPECT_FALSE(reader.Next(port, payload, error));
  EXPECT_EQ(error, "");
  // Create starts over: what was there is removed.
  ASSERT_FALSE(writer.Create(P("log")));
  EXPECT_TRUE(CheckChannelLog(P("log")).segments.empty());
}

// A batch whose encoding is about `mb` MiB (one large string column), so that a few of them
// fill a 64 MiB segment.
Batch LargeBatch(int mb, char fill) {
  TypeRef schema = *ast::ParseType("{s: string}");
  std::vector<ast::Value> records;
  for (int i = 0; i < mb; ++i) {
    ast::Value record;
    record.kind = ast::Value::Kind::Record;
    record.fields = {{"s", ast::Value::String(std::string(1 << 20, static_cast<char>(fill + i)))}};
    records.push_back(std::move(record));
  }
  Batch batch;
  std::string error;
  EXPECT_TRUE(MakeBatch(schema, records, batch, &error)) << error;
  return batch;
}

// Five 20 MiB batches: segment 1 holds four (the fourth crosses 64 MiB), segment 2 one.
class PersistLogSegments : public PersistLog {
 protected:
  void SetUp() override {
    PersistLog::SetUp();
    ChannelLogWriter writer;
    ASSERT_FALSE(writer.Create(P("log")));
    for (int i = 0; i < 5; ++i) ASSERT_FALSE(writer.Append(0, LargeBatch(20, static_cast<char>('a' + i))));
    ASSERT_FALSE(writer.Sync());
  }
};

TEST_F(PersistLogSegments, RollOverAt64MiBAndReadBackInOrder) {
  ChannelLogCheck check = CheckChannelLog(P("log"));
  ASSERT_EQ(check.segments.size(), 2u);
  EXPECT_EQ(fs::path(check.segments[0]).filename(), "000001.seg");
  EXPECT_EQ(fs::path(check.segments[1]).filename(), "000002.seg");
  EXPECT_GE(fs::file_size(check.segments[0]), kSegmentBytes);
  EXPECT_EQ(check.entries, 5u);
  EXPECT_EQ(check.damage, "");
  ChannelLogReader reader;
  ASSERT_FALSE(reader.Open(P("log")));
  size_t port = 0;
  std::string payload, error;
  TypeRef schema = *ast::ParseType("{s: string}");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(reader.Next(port, payload, error)) << error;
    Batch back;
    ASSERT_TRUE(DecodeBatch(payload, schema, back));
    ASSERT_EQ(back.Size(), 20u);
    EXPECT_EQ(ValueToJson(back.Row(0)).substr(0, 10), std::string("{\"s\":\"") + std::string(4, static_cast<char>('a' + i)));
  }
  EXPECT_FALSE(reader.Next(port, payload, error));
}

TEST_F(PersistLogSegments, ADamagedMiddleSegmentIsNotATornTail) {
  ChannelLogCheck check = CheckChannelLog(P("log"));
  ASSERT_EQ(check.segments.size(), 2u);
  uint64_t size = fs::file_size(check.segments[0]);
  FlipByte(check.segments[0], size - 100);  // inside the fourth record
  check = CheckChannelLog(P("log"));
  EXPECT_EQ(check.damaged_segment, check.segments[0]);
  EXPECT_FALSE(check.damaged_last);
  EXPECT_EQ(check.entries, 3u);
  EXPECT_NE(check.damage.find("000001.seg: checksum mismatch in the record at byte"), std::string::npos)
      << check.damage;
  ChannelLogReader reader;
  ASSERT_FALSE(reader.Open(P("log")));
  size_t port = 0;
  std::string payload, error;
  EXPECT_FALSE(reader.Next(port, payload, error));  // the first segment is damaged: no record is trusted
  EXPECT_NE(error.find("000001.seg"), std::string::npos) << error;
}

TEST_F(PersistLogSegments, ATornLastSegmentIsATornTail) {
  ChannelLogCheck check = CheckChannelLog(P("log"));
  ASSERT_EQ(check.segments.size(), 2u);
  uint64_t size = fs::file_size(check.segments[1]);
  fs::resize_file(check.segments[1], size / 2);  // in the middle of its only record
  check = CheckChannelLog(P("log"));
  EXPECT_EQ(check.damaged_segment, check.segments[1]);
  EXPECT_TRUE(check.damaged_last);
  EXPECT_EQ(check.valid_bytes, 0u);
  EXPECT_EQ(check.entries, 4u);
  EXPECT_NE(check.damage.find("000002.seg: truncated record at byte 0"), std::string::npos) << check.damage;
  ASSERT_FALSE(TruncateFile(check.damaged_segment, check.valid_bytes));
  check = CheckChannelLog(P("log"));
  EXPECT_EQ(check.damage, "");
  EXPECT_EQ(check.entries, 4u);
}

}  // namespace
}  // namespace etl::runtime
