// The splitting `csv` source (step.h: Claim / SourcePiece::Read / Deliver) against a serial
// reference (the source as it was before it split: CsvReader::NextBlock + ConvertCsvColumn,
// one batch per block). Many generated inputs with every hazard the format allows are read
// with pieces of 1..64 bytes (cuts fall everywhere, also inside quotes, so re-reads happen),
// the pieces read on 2-4 threads in random order, at the same time as Claim and Deliver, and
// delivered in claim order; rows, errors (message, line, raw, order), stats and failures
// must be identical.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "runtime/source_csv.h"
#include "runtime/source_csv_convert.h"
#include "runtime/value_json.h"
#include "tests/unit/runtime_scratch_test.h"

namespace etl::runtime {
namespace {

namespace fs = std::filesystem;
using ast::Field;

// Everything a run produced that must not depend on how the input was split.
struct Outcome {
  std::vector<std::string> rows;    // ValueToJson of every row, in order
  std::vector<std::string> errors;  // every error record's fields but `at`
  SourceStats stats;
  std::string failure;
};

std::string Describe(const ErrorRecord& e) {
  return e.step + "|" + e.code + "|" + e.message + "|" + e.record + "|" + e.source.value_or("-") + "|" +
         std::to_string(e.line.value_or(-1));
}

// The csv source before it split (commit d54eb48's CsvSource::Next and ConvertBlock).
Outcome SerialReference(const CsvSourceOptions& options) {
  Outcome result;
  std::vector<std::string> files;
  InputError error;
  if (!ExpandGlob(options.path, &files, &error)) {
    result.failure = error.ToString();
    return result;
  }
  uint64_t finished = 0;
  for (const std::string& file : files) {
    CsvOptions csv;
    csv.delimiter = options.delimiter;
    csv.quote = options.quote;
    csv.header = options.header;
    csv.null_marker = options.null_marker;
    csv.block_records = std::max<size_t>(options.batch_rows, 1);
    csv.buffer_size = options.buffer_size;
    if (!options.header) csv.expected_fields = options.schema->fields.size();
    auto reader = CsvReader::Open(file, csv, &error);
    if (!reader) {
      result.failure = error.ToString();
      return result;
    }
    ++result.stats.files;
    const CsvHeader& header = reader->header();
    if (reader->error()) {
      result.failure = reader->error()->ToString();
      return result;
    }
    if (header.error) {
      result.failure = InputError{file, "line " + std::to_string(header.error->line) + ", column " +
                                            std::to_string(header.error->column) + ": " + header.error->message}
                           .ToString();
      return result;
    }
    std::vector<size_t> columns;
    if (!options.header || header.present) {
      std::vector<std::string> messages;
      if (!ResolveCsvColumns(header, options.schema->FieldNames(), &columns, &messages)) {
        std::string message = messages[0];
        for (size_t i = 1; i < messages.size(); ++i) message += "; " + messages[i];
        result.failure = InputError{file, "header: " + message}.ToString();
        return result;
      }
    }
    CsvBlock block;
    while (reader->NextBlock(block)) {
      struct Pending {
        uint64_t ordinal;
        ErrorRecord record;
      };
      std::vector<Pending> errors;
      for (const CsvRecordError& e : block.errors()) {
        std::string message = file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message;
        errors.push_back({e.ordinal, MakeSourceError("src", "csv_parse", std::move(message), e.raw, file, e.record_line)});
      }
      const size_t rows = block.size();
      Batch batch;
      batch.schema = options.schema;
      batch.rows = rows;
      if (rows > 0) {
        CsvBatchBytes bytes;
        const CsvRecordInfo& first = block.record(0);
        const CsvRecordInfo& last = block.record(rows - 1);
        bytes.base = first.raw_offset;
        bytes.text.assign(block.raw(0).data(), last.raw_offset + last.raw_size - first.raw_offset);
        std::vector<uint8_t> bad(rows, 0);
        std::vector<CsvFieldError> field_errors;
        const auto& fields = options.schema->fields;
        std::vector<std::shared_ptr<Column>> converted;
        for (size_t f = 0; f < fields.size(); ++f) {
          converted.push_back(
              ConvertCsvColumn(block, fields[f], columns[f], reader->null_marker(), bytes, bad, field_errors));
        }
        ByteBuffer shared = std::make_shared<const std::string>(std::move(bytes.text));
        for (auto& column : converted) {
          if (column->layout == Layout::String) column->bytes = shared;
          batch.columns.push_back(std::move(column));
        }
        for (const CsvFieldError& e : field_errors) {
          const CsvRecordInfo& info = block.record(e.row);
          uint64_t line = 0, column = 0;
          CsvFieldPosition(block.raw(e.row), e.column, options.delimiter, options.quote, info.line, &line, &column);
          std::string message = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + e.message;
          errors.push_back(
              {info.ordinal, MakeSourceError("src", "csv_type", std::move(message), block.raw(e.row), file, info.line)});
        }
        std::vector<uint32_t> keep;
        for (size_t r = 0; r < rows; ++r) {
          if (!bad[r]) keep.push_back(static_cast<uint32_t>(r));
        }
        batch = Compact(Select(batch, std::move(keep)));
      }
      std::stable_sort(errors.begin(), errors.end(),
                       [](const Pending& a, const Pending& b) { return a.ordinal < b.ordinal; });
      result.stats.records_in += block.records_in();
      result.stats.errors += errors.size();
      result.stats.rows_out += batch.rows;
      for (size_t r = 0; r < batch.Size(); ++r) result.rows.push_back(ValueToJson(batch.Row(r)));
      for (Pending& e : errors) result.errors.push_back(Describe(e.record));
    }
    if (reader->error()) {
      result.failure = reader->error()->ToString();
      return result;
    }
    finished += reader->stats().bytes;
    result.stats.bytes = finished;
  }
  return result;
}

// Collects what a splitting run delivered and checks the batches' sequence and size.
Outcome Collect(const CsvSource& source, const CollectingEmitter& out, size_t batch_rows) {
  Outcome result;
  uint64_t sequence = 0;
  if (!out.batches.empty()) {
    for (const Batch& batch : out.batches[0]) {
      EXPECT_EQ(batch.sequence, sequence++);
      EXPECT_LE(batch.rows, std::max<size_t>(batch_rows, 1));
      EXPECT_GT(batch.rows, 0u);
      for (size_t r = 0; r < batch.Size(); ++r) result.rows.push_back(ValueToJson(batch.Row(r)));
    }
  }
  for (const ErrorRecord& e : out.errors) result.errors.push_back(Describe(e));
  result.stats = source.stats();
  EXPECT_EQ(result.stats.records_in, result.stats.rows_out + result.stats.errors);
  if (source.failure()) result.failure = source.failure()->ToString();
  return result;
}

// Through Next (ReadOnePiece): claim, read and deliver on this thread.
Outcome RunSerially(const CsvSourceOptions& options) {
  CsvSource source("src", options);
  EXPECT_TRUE(source.Splits());
  CollectingEmitter out;
  while (source.Next(out)) {
  }
  return Collect(source, out, options.batch_rows);
}

// Waves of up to 6 pieces: a wave is read by 2-4 threads in random order while this thread
// delivers the previous wave and claims the next one (Claim and Deliver run at the same time
// as Read, as the executor does).
Outcome RunConcurrently(const CsvSourceOptions& options, uint32_t seed) {
  std::mt19937 rng(seed);
  CsvSource source("src", options);
  CollectingEmitter out;
  using Wave = std::vector<std::unique_ptr<SourcePiece>>;
  auto claim = [&](Wave& wave) {
    size_t count = 1 + rng() % 6;
    while (wave.size() < count) {
      auto piece = source.Claim();
      if (!piece) break;
      wave.push_back(std::move(piece));
    }
  };
  Wave ready;  // read, waiting for delivery
  Wave next;
  claim(next);
  bool failed = false;
  while (!next.empty()) {
    std::vector<size_t> order(next.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::atomic<size_t> cursor{0};
    std::vector<std::thread> threads;
    const size_t count = 2 + rng() % 3;
    for (size_t t = 0; t < count; ++t) {
      threads.emplace_back([&] {
        for (size_t i; (i = cursor.fetch_add(1)) < order.size();) next[order[i]]->Read();
      });
    }
    for (auto& piece : ready) {
      if (!failed && !source.Deliver(*piece, out)) failed = true;
    }
    ready.clear();
    Wave after;
    if (!failed) claim(after);
    for (auto& thread : threads) thread.join();
    ready = std::move(next);
    next = std::move(after);
  }
  for (auto& piece : ready) {
    if (!failed && !source.Deliver(*piece, out)) failed = true;
  }
  return Collect(source, out, options.batch_rows);
}

void ExpectSame(const Outcome& want, const Outcome& got, const std::string& what) {
  EXPECT_EQ(got.failure, want.failure) << what;
  ASSERT_EQ(got.rows.size(), want.rows.size()) << what;
  for (size_t i = 0; i < want.rows.size(); ++i) ASSERT_EQ(got.rows[i], want.rows[i]) << what << " row " << i;
  ASSERT_EQ(got.errors.size(), want.errors.size()) << what;
  for (size_t i = 0; i < want.errors.size(); ++i) ASSERT_EQ(got.errors[i], want.errors[i]) << what << " error " << i;
  EXPECT_EQ(got.stats.records_in, want.stats.records_in) << what;
  EXPECT_EQ(got.stats.rows_out, want.stats.rows_out) << what;
  EXPECT_EQ(got.stats.errors, want.stats.errors) << what;
  EXPECT_EQ(got.stats.files, want.stats.files) << what;
  if (want.failure.empty()) {
    EXPECT_EQ(got.stats.bytes, want.stats.bytes) << what;
  }
}

// A random CSV text with the hazards of the format; `fields` columns (the schema's order).
std::string Generate(std::mt19937& rng, bool header, char delimiter, size_t records) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::string text;
  if (pick(4) == 0) text += "\xEF\xBB\xBF";
  const char* endings[] = {"\n", "\r\n", "\r"};
  const char* ending = endings[pick(3)];
  auto end_line = [&] { text += pick(10) == 0 ? endings[pick(3)] : ending; };
  if (header) {
    for (size_t i = 0; i < pick(3); ++i) end_line();  // blank lines before the header
    text += std::string("id") + delimiter + "name" + delimiter + "amount" + delimiter + "\"flag\"" + delimiter + "note";
    end_line();
  }
  const std::string words[] = {"plain", "with space", "caf\xC3\xA9", "", "x"};
  for (size_t r = 0; r < records; ++r) {
    if (pick(12) == 0) end_line();  // a blank line
    size_t fields = 5;
    if (pick(25) == 0) fields = 1 + pick(7);  // ragged
    for (size_t f = 0; f < fields; ++f) {
      if (f > 0) text += delimiter;
      switch (pick(16)) {
        case 0: text += "\"a" + std::string(1, delimiter) + "b\""; break;     // quoted delimiter
        case 1: text += "\"say \"\"hi\"\"\""; break;                           // doubled quotes
        case 2: text += "\"two\nlines\""; break;                              // embedded LF
        case 3: text += "\"crlf\r\ninside\""; break;                          // embedded CRLF
        case 4: text += "5\"1"; break;                                        // stray quote
        case 5: text += "\"ab\"c"; break;                                     // text after quote
        case 6: text += "bad\xFF"; break;                                     // invalid UTF-8
        case 7: text += "two"; break;                                         // not a number
        case 8: text += ""; break;                                            // empty / null
        case 9: text += "\"\""; break;                                        // quoted empty
        default:
          if (f == 0) {
            text += std::to_string(static_cast<int>(pick(100000)) - 50);
          } else if (f == 2) {
            text += std::to_string(pick(1000)) + "." + std::to_string(pick(100));
          } else if (f == 3) {
            text += pick(2) ? "true" : "FALSE";
          } else {
            text += words[pick(5)];
          }
      }
    }
    if (r + 1 < records || pick(2)) end_line();
  }
  switch (pick(8)) {
    case 0: text += "\"unterminated" + std::string(1, delimiter) + "field\nto the end"; break;
    case 1: end_line(); end_line(); break;
    default: break;
  }
  return text;
}

ast::TypeRef OrdersSchema(bool nullable_amount) {
  return ast::RecordType({{"id", ast::IntType()},
                          {"name", ast::StringType()},
                          {"amount", ast::MakeType(ast::TypeKind::Float, nullable_amount)},
                          {"flag", ast::MakeType(ast::TypeKind::Bool, true)},
                          {"note", ast::MakeType(ast::TypeKind::String, true)}},
                         "T");
}

class CsvSplitTest : public ScratchFilesTest {
 protected:
  // The reference against single-piece, tiny-piece serial and tiny-piece concurrent runs.
  void Check(CsvSourceOptions options, std::mt19937& rng, const std::string& what) {
    Outcome want = SerialReference(options);
    options.piece_bytes = uint64_t{1} << 40;
    ExpectSame(want, RunSerially(options), what + " whole");
    options.piece_bytes = 1 + rng() % 64;
    ExpectSame(want, RunSerially(options), what + " pieces of " + std::to_string(options.piece_bytes));
    options.piece_bytes = 1 + rng() % 64;
    ExpectSame(want, RunConcurrently(options, static_cast<uint32_t>(rng())),
               what + " concurrent pieces of " + std::to_string(options.piece_bytes));
  }

};

TEST_F(CsvSplitTest, GeneratedInputsMatchTheSerialReader) {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 300; ++i) {
    const bool header = rng() % 4 != 0;
    const char delimiter = rng() % 3 == 0 ? '\t' : ',';
    const std::string text = Generate(rng, header, delimiter, 1 + rng() % 60);
    CsvSourceOptions options;
    options.path = Write("in" + std::to_string(i) + ".csv", text);
    options.schema = OrdersSchema(rng() % 2 == 0);
    options.header = header;
    options.delimiter = delimiter;
    options.batch_rows = rng() % 3 == 0 ? 1 + rng() % 7 : kDefaultBatchRows;
    if (rng() % 5 == 0) options.null_marker = "x";
    if (rng() % 4 == 0) options.buffer_size = 1 + rng() % 100;
    Check(options, rng, "input " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

TEST_F(CsvSplitTest, GzipInputIsSplitIntoBlocks) {
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    CsvSourceOptions options;
    options.path = WriteGzip("in" + std::to_string(i) + ".csv.gz", Generate(rng, true, ',', 1 + rng() % 80));
    options.schema = OrdersSchema(true);
    options.batch_rows = 1 + rng() % 9;
    if (rng() % 2) options.buffer_size = 16 + rng() % 200;
    Check(options, rng, "gzip input " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

TEST_F(CsvSplitTest, GlobOfSeveralFiles) {
  std::mt19937 rng(99);
  for (int i = 0; i < 30; ++i) {
    fs::path sub = dir_ / ("glob" + std::to_string(i));
    fs::create_directories(sub);
    const size_t count = 1 + rng() % 4;
    for (size_t k = 0; k < count; ++k) {
      std::string name = "glob" + std::to_string(i) + "/f" + std::to_string(k) + ".csv";
      std::string text = rng() % 6 == 0 ? "" : Generate(rng, true, ',', rng() % 30);
      if (rng() % 3 == 0) {
        WriteGzip(name, text);
      } else {
        Write(name, text);
      }
    }
    CsvSourceOptions options;
    options.path = (sub / "*.csv").string();
    options.schema = OrdersSchema(false);
    options.batch_rows = 1 + rng() % 50;
    Check(options, rng, "glob " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

TEST_F(CsvSplitTest, FailuresAfterRowsAreTheSame) {
  std::mt19937 rng(3);
  fs::create_directories(dir_ / "f");
  Write("f/a.csv", "id,name,amount,flag,note\n1,a,1.5,true,x\n2,b,2.5,false,y\n");
  Write("f/b.csv", "id,name,amout,flag,note\n3,c,1,true,z\n");  // a missing column
  CsvSourceOptions options;
  options.path = (dir_ / "f" / "*.csv").string();
  options.schema = OrdersSchema(false);
  Outcome want = SerialReference(options);
  ASSERT_NE(want.failure.find("header: column `amount` not found"), std::string::npos) << want.failure;
  ASSERT_EQ(want.rows.size(), 2u);
  Check(options, rng, "missing column");
  options.path = (dir_ / "nothing*.csv").string();
  Check(options, rng, "no file");
  options.path = Write("h.csv", "id,\"name\nnot closed\n");
  Check(options, rng, "bad header");
}

TEST_F(CsvSplitTest, LongFileAcrossManyPiecesAndWindows) {
  // Pieces of a few hundred bytes over a file of several windows, with a 100 kB quoted field
  // (a cut inside it must be caught) and a file size that ends close to a page end.
  std::mt19937 rng(11);
  std::string text = "id,name,amount,flag,note\n";
  for (int r = 0; r < 20000; ++r) {
    text += std::to_string(r) + ",n" + std::to_string(r) + "," + std::to_string(r % 97) + ".5,true,";
    text += r == 7000 ? "\"" + std::string(100000, 'q') + "\n\"\"" + "\"" : "plain";
    text += "\n";
  }
  while (text.size() % 4096 != 4090) text += "\n";
  CsvSourceOptions options;
  options.path = Write("long.csv", text);
  options.schema = OrdersSchema(false);
  options.buffer_size = 65536;
  Outcome want = SerialReference(options);
  ASSERT_EQ(want.rows.size(), 20000u);
  for (uint64_t piece : {uint64_t{300}, uint64_t{4093}, uint64_t{1} << 20}) {
    options.piece_bytes = piece;
    ExpectSame(want, RunSerially(options), "long, pieces of " + std::to_string(piece));
    ExpectSame(want, RunConcurrently(options, static_cast<uint32_t>(rng())),
               "long concurrent, pieces of " + std::to_string(piece));
  }
}

TEST_F(CsvSplitTest, UnreadStringFieldsAreNotBuilt) {
  std::string path = Write("u.csv",
                           "id,name,amount,flag,note\n"
                           "1,alice,1.5,true,\"x \"\"q\"\"\"\n"
                           "2,bob,two,false,y\n"
                           "3,bad\xFF,2.5,true,z\n"
                           "4,carol,3.5,true\n"
                           "5,dave,4.5,maybe,w\n");
  CsvSourceOptions options;
  options.path = path;
  options.schema = OrdersSchema(false);
  const Outcome all = RunSerially(options);
  options.fields_read = {true, false, true, true, false};
  CsvSource source("src", options);
  CollectingEmitter out;
  while (source.Next(out)) {
  }
  // Errors (type errors of unread non-string fields, UTF-8 of unread text) do not change.
  const Outcome some = Collect(source, out, options.batch_rows);
  EXPECT_EQ(some.errors, all.errors);
  EXPECT_EQ(some.stats.rows_out, 1u);
  EXPECT_EQ(some.stats.errors, 4u);
  ASSERT_EQ(out.batches.size(), 1u);
  const Batch& batch = out.batches[0][0];
  EXPECT_EQ(batch.columns[0]->ints[0], 1);
  EXPECT_EQ(batch.columns[2]->floats[0], 1.5);
  for (size_t c : {size_t{1}, size_t{4}}) {
    ASSERT_EQ(batch.columns[c]->strings.size(), 1u);
    EXPECT_EQ(batch.columns[c]->strings[0].length, 0u);
    ASSERT_TRUE(batch.columns[c]->bytes);
    EXPECT_TRUE(batch.columns[c]->bytes->empty());
  }
  // Read string fields are still built.
  options.fields_read = {false, true, false, false, false};
  Outcome names = RunSerially(options);
  ASSERT_EQ(names.rows.size(), 1u);
  EXPECT_NE(names.rows[0].find("\"name\":\"alice\""), std::string::npos) << names.rows[0];
}

}  // namespace
}  // namespace etl::runtime
