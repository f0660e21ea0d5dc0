// CSV format layer: dialect cases, positions, torture cases of issue 3, chunk boundaries.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/csv_reader.h"

namespace etl::runtime {
namespace {

struct Row {
  uint64_t line;
  uint64_t offset;
  std::vector<std::string> fields;
  std::vector<bool> quoted;
  std::string raw;
};

struct Result {
  CsvHeader header;
  std::vector<Row> rows;
  std::vector<CsvRecordError> errors;
  CsvStats stats;
  std::optional<InputError> error;
};

Result ReadAll(std::string input, CsvOptions options = {}, size_t max_read = 0) {
  Result result;
  CsvReader reader(OpenInputMemory(std::move(input), "t.csv", max_read), options);
  result.header = reader.header();
  CsvBlock block;
  while (reader.NextBlock(block)) {
    EXPECT_GT(block.records_in(), 0u);
    for (size_t r = 0; r < block.size(); ++r) {
      Row row{block.record(r).line, block.record(r).byte_offset, {}, {}, std::string(block.raw(r))};
      for (size_t c = 0; c < block.field_count(r); ++c) {
        row.fields.emplace_back(block.text(r, c));
        row.quoted.push_back(block.quoted(r, c));
      }
      result.rows.push_back(std::move(row));
    }
    for (const auto& e : block.errors()) result.errors.push_back(e);
  }
  result.stats = reader.stats();
  result.error = reader.error();
  EXPECT_EQ(result.stats.records_in, result.stats.good + result.stats.bad);
  EXPECT_EQ(result.stats.good, result.rows.size());
  EXPECT_EQ(result.stats.bad, result.errors.size());
  return result;
}

using Fields = std::vector<std::string>;

TEST(CsvReader, SimpleWithHeader) {
  Result r = ReadAll("a,b,c\n1,2,3\n4,5,6\n");
  EXPECT_TRUE(r.header.present);
  EXPECT_EQ(r.header.names, (Fields{"a", "b", "c"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(r.rows[0].line, 2u);
  EXPECT_EQ(r.rows[0].offset, 6u);
  EXPECT_EQ(r.rows[1].line, 3u);
  EXPECT_EQ(r.rows[1].raw, "4,5,6");
  EXPECT_TRUE(r.errors.empty());
}

TEST(CsvReader, QuotesDoubledQuotesAndEmbeddedNewlines) {
  Result r = ReadAll("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"\"\nlast,\"cr\rkept\"\n");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].fields, (Fields{"x,y", "say \"hi\""}));
  EXPECT_EQ(r.rows[0].quoted, (std::vector<bool>{true, true}));
  EXPECT_EQ(r.rows[1].fields, (Fields{"two\nlines", ""}));
  EXPECT_EQ(r.rows[1].line, 3u);
  EXPECT_EQ(r.rows[1].raw, "\"two\nlines\",\"\"");
  EXPECT_EQ(r.rows[2].fields, (Fields{"last", "cr\rkept"}));
  EXPECT_EQ(r.rows[2].line, 5u);  // the embedded LF and the lone CR each end a physical line
}

TEST(CsvReader, CrlfBomAndFinalLineWithoutNewline) {
  Result r = ReadAll("\xEF\xBB\xBF" "Date,v\r\n1,\"a\r\nb\"\r\n2,z");
  EXPECT_EQ(r.header.names, (Fields{"Date", "v"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].fields, (Fields{"1", "a\r\nb"}));
  EXPECT_EQ(r.rows[1].fields, (Fields{"2", "z"}));
  EXPECT_EQ(r.rows[1].line, 4u);
  EXPECT_EQ(r.rows[1].offset, 21u);  // the BOM counts in byte offsets
}

TEST(CsvReader, EmptyFileAndHeaderOnly) {
  Result empty = ReadAll("");
  EXPECT_FALSE(empty.header.present);
  EXPECT_TRUE(empty.rows.empty());
  EXPECT_EQ(empty.stats.records_in, 0u);
  Result header_only = ReadAll("a,b\n");
  EXPECT_TRUE(header_only.header.present);
  EXPECT_EQ(header_only.header.names, (Fields{"a", "b"}));
  EXPECT_TRUE(header_only.rows.empty());
  Result no_newline = ReadAll("a,b");
  EXPECT_EQ(no_newline.header.names, (Fields{"a", "b"}));
  EXPECT_TRUE(no_newline.rows.empty());
}

TEST(CsvReader, DuplicateHeaderNamesAreReported) {
  Result r = ReadAll("id,name,id,x,name,id\n1,2,3,4,5,6\n");
  ASSERT_EQ(r.header.duplicates.size(), 2u);
  EXPECT_EQ(r.header.duplicates[0], "duplicate column name `id` (columns 1, 3 and 6)");
  EXPECT_EQ(r.header.duplicates[1], "duplicate column name `name` (columns 2 and 5)");
  std::vector<size_t> indexes;
  std::vector<std::string> errors;
  EXPECT_FALSE(ResolveCsvColumns(r.header, {"x", "id"}, &indexes, &errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "column `id` is ambiguous: the header has it 3 times");
}

TEST(CsvReader, ResolveColumnsWithDidYouMean) {
  CsvHeader header;
  header.present = true;
  header.names = {"id", "customer", "amount", "Country"};
  std::vector<size_t> indexes;
  std::vector<std::string> errors;
  EXPECT_TRUE(ResolveCsvColumns(header, {"amount", "id"}, &indexes, &errors));
  EXPECT_EQ(indexes, (std::vector<size_t>{2, 0}));
  EXPECT_FALSE(ResolveCsvColumns(header, {"amout", "country", "zzz"}, &indexes, &errors));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "column `amout` not found in the header; did you mean `amount`?");
  EXPECT_EQ(errors[1], "column `country` not found in the header; did you mean `Country`?");
  EXPECT_EQ(errors[2], "column `zzz` not found in the header");
  header.present = false;
  EXPECT_TRUE(ResolveCsvColumns(header, {"p", "q"}, &indexes, &errors));
  EXPECT_EQ(indexes, (std::vector<size_t>{0, 1}));
}

TEST(CsvReader, RaggedRowsAreRecordErrors) {
  Result r = ReadAll("a,b,c\n1,2,3\n1,2\n1,2,3,4\n5,6,7\n");
  ASSERT_EQ(r.rows.size(), 2u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, "expected 3 fields, found 2");
  EXPECT_EQ(r.errors[0].line, 3u);
  EXPECT_EQ(r.errors[0].column, 4u);  // the end of the record
  EXPECT_EQ(r.errors[0].raw, "1,2");
  EXPECT_EQ(r.errors[0].ordinal, 1u);
  EXPECT_EQ(r.errors[1].message, "expected 3 fields, found 4");
  EXPECT_EQ(r.errors[1].column, 7u);  // the first extra field
  EXPECT_EQ(r.errors[1].ordinal, 2u);
  EXPECT_EQ(r.rows[1].fields, (Fields{"5", "6", "7"}));
  EXPECT_EQ(r.stats.records_in, 4u);
}

TEST(CsvReader, UnterminatedQuoteAtEndOfFile) {
  Result r = ReadAll("a,b\n1,2\n3,\"open\nstill open\n");
  ASSERT_EQ(r.rows.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  const CsvRecordError& e = r.errors[0];
  EXPECT_EQ(e.message, "unterminated quoted field: the quote opened here is never closed");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 3u);
  EXPECT_EQ(e.record_line, 3u);
  EXPECT_EQ(e.raw, "3,\"open\nstill open\n");
}

TEST(CsvReader, InvalidUtf8IsARecordErrorWithLineAndColumn) {
  Result r = ReadAll("a,b\nok,\xC3\xA9t\xC3\xA9\nx,ab\xFF\n\"multi\nline\",\"\xC0\xAF\"\ny,z\n");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].fields[1], "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(r.rows[1].fields, (Fields{"y", "z"}));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, "invalid UTF-8 (byte 0xff)");
  EXPECT_EQ(r.errors[0].line, 3u);
  EXPECT_EQ(r.errors[0].column, 5u);
  EXPECT_EQ(r.errors[0].raw, "x,ab\xFF");
  EXPECT_EQ(r.errors[1].message, "invalid UTF-8 (byte 0xc0)");  // overlong encoding
  EXPECT_EQ(r.errors[1].record_line, 4u);
  EXPECT_EQ(r.errors[1].line, 5u);
  EXPECT_EQ(r.errors[1].column, 8u);
  EXPECT_LT(r.errors[0].ordinal, r.errors[1].ordinal);
}

TEST(CsvReader, TextAfterClosingQuoteIsAnErrorQuoteInsideUnquotedIsLiteral) {
  Result r = ReadAll("a,b\n5\"1,x\n\"ab\"c,d\n\"ok\",e\n");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].fields, (Fields{"5\"1", "x"}));
  EXPECT_EQ(r.rows[0].quoted, (std::vector<bool>{false, false}));
  EXPECT_EQ(r.rows[1].fields, (Fields{"ok", "e"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3u);
  EXPECT_EQ(r.errors[0].column, 5u);
  EXPECT_EQ(r.errors[0].message,
            "unexpected `c` after a closing quote (quote the whole field and double inner quotes)");
}

TEST(CsvReader, TenMegabyteField) {
  std::string big(10 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 1000) big[i] = ',';  // delimiters inside the quotes
  // Row 1 has a doubled quote (the unescape path), row 2 is a zero-copy span.
  std::string input = "a,b\n1,\"" + big.substr(0, 5) + "\"\"" + big.substr(5) + "\"\n2,\"" + big +
                      "\"\n3,4\n";
  CsvOptions options;
  options.buffer_size = 64 << 10;  // much smaller than the field: the buffer must grow
  Result r = ReadAll(input, options);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].fields[1], big.substr(0, 5) + "\"" + big.substr(5));
  EXPECT_EQ(r.rows[1].fields[1], big);
  EXPECT_EQ(r.rows[2].fields, (Fields{"3", "4"}));
  EXPECT_EQ(r.rows[2].line, 4u);
}

TEST(CsvReader, OptionsDelimiterQuoteNullMarkerNoHeader) {
  CsvOptions options;
  options.delimiter = ';';
  options.quote = '\'';
  options.header = false;
  options.null_marker = "NA";
  CsvReader reader(OpenInputMemory("NA;'NA';'it''s'\n;x;y\n"), options);
  CsvBlock block;
  ASSERT_TRUE(reader.NextBlock(block));
  ASSERT_EQ(block.size(), 2u);
  EXPECT_TRUE(block.IsNull(0, 0, reader.null_marker()));
  EXPECT_FALSE(block.IsNull(0, 1, reader.null_marker()));  // quoted text is never null
  EXPECT_EQ(block.text(0, 2), "it's");
  EXPECT_FALSE(block.IsNull(1, 0, reader.null_marker()));
  EXPECT_TRUE(block.IsNull(1, 0, ""));
  EXPECT_FALSE(reader.header().present);
  EXPECT_FALSE(reader.NextBlock(block));
}

TEST(CsvReader, BlankLinesSkippedOrKept) {
  Result skipped = ReadAll("a\n\n1\n\r\n2\n");
  ASSERT_EQ(skipped.rows.size(), 2u);
  EXPECT_EQ(skipped.rows[1].line, 5u);
  EXPECT_EQ(skipped.stats.blank_lines, 2u);
  CsvOptions options;
  options.skip_blank_lines = false;
  Result kept = ReadAll("a\n\n1\n", options);
  ASSERT_EQ(kept.rows.size(), 2u);
  EXPECT_EQ(kept.rows[0].fields, (Fields{""}));
}

TEST(CsvReader, BlocksHoldAtMostBlockRecordsAndUnquotedFieldsAreZeroCopy) {
  std::string input = "v\n";
  for (int i = 0; i < 1000; ++i) input += std::to_string(i) + "\n";
  CsvOptions options;
  options.block_records = 64;
  CsvReader reader(OpenInputMemory(input), options);
  CsvBlock block;
  size_t total = 0;
  while (reader.NextBlock(block)) {
    EXPECT_LE(block.records_in(), 64u);
    for (size_t r = 0; r < block.size(); ++r) {
      EXPECT_EQ(block.text(r, 0), std::to_string(total + r));
      EXPECT_EQ(block.text(r, 0).data(), block.raw(r).data());  // a span into the read buffer
    }
    total += block.size();
  }
  EXPECT_EQ(total, 1000u);
}

// Feeding the same input through every buffer size 1..17 (and short reads) must give the
// same records, errors and positions as one big buffer.
TEST(CsvReader, ChunkBoundariesAnywhere) {
  const std::string input =
      "\xEF\xBB\xBFh1,h2,h3\r\n"
      "a,\"b\"\"c\",d\r\n"
      "\"multi\r\nline\",\"x\ny\",z\n"
      "\n"
      "e,f\n"
      "g,\"h\rh\",\xC3\xA9\r"
      "i,j,\"k\"x\n"
      "1,\xE2\x82,3\n"
      "\"\",\"\",\"\"\n"
      "l,m,\"never closed\r\nn,o,p";
  auto describe = [](const Result& r) {
    std::string out;
    for (const auto& name : r.header.names) out += "[" + name + "]";
    out += "\n";
    for (const Row& row : r.rows) {
      out += std::to_string(row.line) + "@" + std::to_string(row.offset) + ":";
      for (size_t i = 0; i < row.fields.size(); ++i) {
        out += (row.quoted[i] ? "q[" : "[") + row.fields[i] + "]";
      }
      out += "\n";
    }
    for (const auto& e : r.errors) {
      out += "E" + std::to_string(e.ordinal) + " " + std::to_string(e.line) + ":" +
             std::to_string(e.column) + " " + e.message + " {" + e.raw + "}\n";
    }
    return out;
  };
  Result reference = ReadAll(input);
  EXPECT_EQ(reference.rows.size(), 4u);
  EXPECT_EQ(reference.errors.size(), 4u);
  const std::string expected = describe(reference);
  for (size_t size = 1; size <= 17; ++size) {
    CsvOptions options;
    options.buffer_size = size;
    options.block_records = 1 + size % 3;
    EXPECT_EQ(describe(ReadAll(input, options)), expected) << "buffer size " << size;
    EXPECT_EQ(describe(ReadAll(input, {}, size)), expected) << "short reads of " << size;
  }
}

}  // namespace
}  // namespace etl::runtime
