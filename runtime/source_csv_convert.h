// Typed conversion of a CsvBlock's fields into columns (the hot loop of the `csv` source):
// one pass per column with the type's parser chosen once, no per-field allocation, strings
// as views into one byte buffer per batch. Null rules: language.md §6 and
// docs/dev/runtime-sources.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/types.h"
#include "runtime/column.h"
#include "runtime/csv_block.h"

namespace etl::runtime {

// Whether a CSV field can hold values of `type` (scalars only: no list, map or record).
bool CsvCanHold(const ast::TypeRef& type);

// A field of a good record that did not convert (the record becomes an error).
struct CsvFieldError {
  uint32_t row;         // the record in the block
  uint32_t column;      // its CSV column index (0-based)
  std::string message;  // "field `qty`: expected int, found \"two\""
};

// The strings of one batch: the block's text copied once (so unescaped fields are views
// into it), followed by the text that had to be rebuilt (doubled quotes, base64).
// When few of the record's fields are strings that are read, copying the whole text costs
// more than copying those fields one by one (`dense`), and later steps then read them from
// one compact buffer instead of one cache line per record (T1: 9% of its CPU time was the
// csv sink's first touch of `customer` in the block's copy).
struct CsvBatchBytes {
  std::string text;    // becomes the columns' shared ByteBuffer
  size_t base = 0;     // read-buffer offset of text[0] (not dense)
  bool dense = false;  // every string is appended to `text`, none is a view of the block
};

// Converts CSV column `column` of every good record of `block` to `field`'s type. Records
// already marked in `bad` are skipped (their slot holds a null); a record that fails here
// is marked and gets one entry in `errors`. String columns get their views into `bytes`;
// the caller sets Column::bytes once the buffer is complete.
std::shared_ptr<Column> ConvertCsvColumn(const CsvBlock& block, const ast::Field& field, size_t column,
                                         std::string_view null_marker, CsvBatchBytes& bytes,
                                         std::vector<uint8_t>& bad, std::vector<CsvFieldError>& errors);

// The strict text forms of CSV fields (also used for other text inputs):
// int: optional sign, decimal digits, within int64.
std::optional<int64_t> ParseIntText(std::string_view text);
// float: a decimal or exponent number (no "nan"/"inf", no hex, no spaces).
std::optional<double> ParseFloatText(std::string_view text);

// The common shapes of those two, inline so that the column loops need no call per value.
// True with `out` set exactly as ParseIntText / ParseFloatText set it; false when the text
// has another shape (the general function decides, and may still accept it).
//
// int: "-?d{1,18}" (18 digits cannot overflow).
inline bool ParseShortInt(std::string_view text, int64_t& out) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p != end && *p == '-';
  p += negative ? 1 : 0;
  if (static_cast<size_t>(end - p) - 1 >= 18) return false;  // no digits, or more than 18
  uint64_t magnitude = 0;
  for (; p != end; ++p) {
    const unsigned d = static_cast<unsigned char>(*p) - unsigned{'0'};
    if (d > 9) return false;
    magnitude = magnitude * 10 + d;
  }
  out = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

// float: "-?d*(.d*)?" with 1 to 15 digits in all. Clinger's fast path: the digits are a
// mantissa below 2^53 and 10^fraction is exact, so one IEEE division rounds exactly as
// from_chars does ("-0" is -0.0, "5." is 5.0, ".5" is 0.5).
inline bool ParseShortFloat(std::string_view text, double& out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p != end && *p == '-';
  p += negative ? 1 : 0;
  const char* const whole = p;
  uint64_t mantissa = 0;
  for (unsigned d; p != end && (d = static_cast<unsigned char>(*p) - unsigned{'0'}) <= 9; ++p) {
    mantissa = mantissa * 10 + d;
  }
  size_t digits = static_cast<size_t>(p - whole);
  size_t fraction = 0;
  if (p != end && *p == '.') {
    const char* const first = ++p;
    for (unsigned d; p != end && (d = static_cast<unsigned char>(*p) - unsigned{'0'}) <= 9; ++p) {
      mantissa = mantissa * 10 + d;
    }
    fraction = static_cast<size_t>(p - first);
    digits += fraction;
  }
  // Past 15 digits the mantissa may have wrapped: it is not used then.
  if (p != end || digits == 0 || digits > 15) return false;
  const double value = static_cast<double>(mantissa) / kPow10[fraction];
  out = negative ? -value : value;
  return true;
}
// bool: `true` / `false`, any letter case.
std::optional<bool> ParseBoolText(std::string_view text);
// timestamp: ISO-8601 with a zone; without a zone (as `etlc infer` accepts) it is UTC.
std::optional<int64_t> ParseTimestampText(std::string_view text);

// The 1-based byte column where CSV field `index` starts in the record text `raw`,
// and the line it is on (`record_line` + embedded line breaks before it).
void CsvFieldPosition(std::string_view raw, size_t index, char delimiter, char quote, uint64_t record_line,
                      uint64_t* line, uint64_t* column);

}  // namespace etl::runtime
