// Seeded random input for the CSV reader: random bytes and random mutations of valid CSV.
// Nothing may crash; every record is good or an error with a position; the counts add up;
// and the result does not depend on where the buffer boundaries fall.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "runtime/csv_reader.h"

namespace etl::runtime {
namespace {

// A canonical description of everything the reader returned, checking invariants on the way.
std::string Describe(const std::string& input, CsvOptions options, size_t max_read) {
  CsvReader reader(OpenInputMemory(input, "r.csv", max_read), options);
  std::string out;
  for (const auto& name : reader.header().names) out += "[" + name + "]";
  out += reader.header().error ? "!header\n" : "\n";
  const uint64_t max_line = 2 + static_cast<uint64_t>(std::count(input.begin(), input.end(), '\n') +
                                                      std::count(input.begin(), input.end(), '\r'));
  uint64_t next_ordinal = 0;
  uint64_t last_line = 0;
  CsvBlock block;
  while (reader.NextBlock(block)) {
    EXPECT_GT(block.records_in(), 0u);
    size_t e = 0, r = 0;
    // Merge good records and errors by ordinal: together they number 0, 1, 2... in file order.
    while (r < block.size() || e < block.errors().size()) {
      bool take_error = r == block.size() ||
                        (e < block.errors().size() && block.errors()[e].ordinal < block.record(r).ordinal);
      if (take_error) {
        const CsvRecordError& err = block.errors()[e++];
        EXPECT_EQ(err.ordinal, next_ordinal++);
        EXPECT_GE(err.line, err.record_line);
        EXPECT_GE(err.record_line, last_line);
        EXPECT_GE(err.column, 1u);
        EXPECT_LE(err.line, max_line);
        EXPECT_FALSE(err.message.empty());
        last_line = err.record_line;
        out += "E" + std::to_string(err.line) + ":" + std::to_string(err.column) + " " + err.message +
               "{" + err.raw + "}\n";
      } else {
        const CsvRecordInfo& info = block.record(r);
        EXPECT_EQ(info.ordinal, next_ordinal++);
        EXPECT_GE(info.line, last_line);
        EXPECT_LE(info.line, max_line);
        EXPECT_EQ(input.substr(info.byte_offset, info.raw_size), block.raw(r));
        last_line = info.line;
        out += std::to_string(info.line) + ":";
        for (size_t c = 0; c < block.field_count(r); ++c) {
          out += (block.quoted(r, c) ? "q[" : "[") + std::string(block.text(r, c)) + "]";
        }
        out += "\n";
        ++r;
      }
    }
  }
  EXPECT_EQ(reader.stats().records_in, next_ordinal);
  EXPECT_EQ(reader.stats().records_in, reader.stats().good + reader.stats().bad);
  EXPECT_FALSE(reader.error().has_value());
  return out;
}

std::string ValidCsv(std::mt19937& rng) {
  static const char* kValues[] = {"1", "abc", "\"q,u\"", "\"a\"\"b\"", "\"x\ny\"", "", "\"\"",
                                  "\xC3\xA9t\xC3\xA9", "-3.5", "\"\r\n\""};
  size_t columns = 1 + rng() % 4, rows = rng() % 8;
  std::string out;
  for (size_t r = 0; r <= rows; ++r) {
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) out += ',';
      out += r == 0 ? "h" + std::to_string(c) : kValues[rng() % 10];
    }
    out += rng() % 3 == 0 ? "\r\n" : "\n";
  }
  return out;
}

std::string Mutate(std::string s, std::mt19937& rng) {
  static const char kBytes[] = {',', '"', '\n', '\r', 'a', '\xC3', '\xA9', '\xFF', '\xEF', ' '};
  size_t edits = 1 + rng() % 4;
  for (size_t i = 0; i < edits; ++i) {
    size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 3) {
      case 0:
        s.insert(s.begin() + static_cast<ptrdiff_t>(pos), kBytes[rng() % sizeof(kBytes)]);
        break;
      case 1:
        if (pos < s.size()) s.erase(pos, 1 + rng() % 3);
        break;
      default:
        if (pos < s.size()) s[pos] = kBytes[rng() % sizeof(kBytes)];
    }
  }
  return s;
}

std::string RandomBytes(std::mt19937& rng) {
  static const char kBytes[] = {',', '"', '\n', '\r', 'a', 'b', '\xC3', '\xA9', '\xFF', '\0', ';'};
  std::string s(rng() % 64, ' ');
  for (char& c : s) c = rng() % 4 == 0 ? static_cast<char>(rng()) : kBytes[rng() % sizeof(kBytes)];
  if (rng() % 5 == 0) s = "\xEF\xBB\xBF" + s;
  return s;
}

TEST(CsvRandom, MutatedAndRandomInputNeverBreaksTheInvariants) {
  std::mt19937 rng(20261121);
  for (int i = 0; i < 4000; ++i) {
    std::string input = i % 2 == 0 ? Mutate(ValidCsv(rng), rng) : RandomBytes(rng);
    CsvOptions options;
    options.header = rng() % 4 != 0;
    options.skip_blank_lines = rng() % 2 == 0;
    options.check_field_count = rng() % 5 != 0;
    const std::string expected = Describe(input, options, 0);
    CsvOptions small = options;
    small.buffer_size = 1 + rng() % 16;
    small.block_records = 1 + rng() % 5;
    ASSERT_EQ(Describe(input, small, 0), expected) << "case " << i << " buffer " << small.buffer_size;
    ASSERT_EQ(Describe(input, options, 1 + rng() % 7), expected) << "case " << i << " short reads";
    CsvOptions record_by_record = options;
    record_by_record.simple_runs = false;
    ASSERT_EQ(Describe(input, record_by_record, 0), expected) << "case " << i << " record by record";
    if (HasFailure()) break;
  }
}

// Long inputs of mostly plain records (fields of 0..90 bytes, so records cross the 64-byte
// windows anywhere) with now and then a quoted field, a CR, a blank line, a ragged record,
// invalid UTF-8 or no final LF: runs of simple records (CsvTokenizer::SimpleRecords) give
// exactly what reading record by record gives, at any buffer and block size.
TEST(CsvRandom, SimpleRunsReadLikeRecordByRecord) {
  std::mt19937 rng(20261122);
  for (int i = 0; i < 300; ++i) {
    const size_t columns = 1 + rng() % 9;
    std::string input;
    for (size_t r = 0, rows = rng() % 400; r <= rows; ++r) {
      size_t fields = columns;
      if (r > 0 && rng() % 60 == 0) fields = rng() % 2 ? columns + 1 : columns - (columns > 1 ? 1 : 0);
      if (r > 0 && rng() % 80 == 0) fields = 0;  // a blank line
      for (size_t c = 0; c < fields; ++c) {
        if (c > 0) input += ',';
        switch (r == 0 ? 0 : rng() % 50) {
          case 1: input += "\"q,\"\"u\""; break;
          case 2: input += "\xC3\xA9t\xC3\xA9"; break;
          case 3: input += "bad\xFF"; break;
          default: input += std::string(rng() % 91, static_cast<char>('a' + rng() % 26)); break;
        }
      }
      input += rng() % 70 == 0 ? "\r\n" : "\n";
    }
    if (rng() % 3 == 0 && !input.empty()) input.pop_back();  // no final LF
    CsvOptions options;
    options.skip_blank_lines = rng() % 2 == 0;
    options.buffer_size = rng() % 2 ? 1 + rng() % 300 : size_t{4} << 20;
    options.block_records = 1 + rng() % 100;
    CsvOptions record_by_record = options;
    record_by_record.simple_runs = false;
    ASSERT_EQ(Describe(input, options, 0), Describe(input, record_by_record, 0)) << "case " << i;
  }
}

TEST(CsvRandom, ValidInputGivesNoErrors) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string input = ValidCsv(rng);
    std::string description = Describe(input, {}, 0);
    ASSERT_EQ(description.find("\nE"), std::string::npos) << input;
  }
}

}  // namespace
}  // namespace etl::runtime
