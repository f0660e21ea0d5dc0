// Comparison of two readings of the same JSON-lines piece (JsonlPieceConverter results):
// the tests of the converter's paths (general, ConvertFast, the direct scanner) expect
// the same rows, errors and column contents from each.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "runtime/jsonl_split.h"
#include "runtime/value_json.h"

namespace etl::runtime::test {

// Records, lines, errors (code, message, line, raw text, order) and batches: rows, and
// each column's layout, validity words, values (floats bit for bit), string views and bytes.
inline void ExpectSamePieceResults(const JsonlPieceResult& expected, const JsonlPieceResult& actual,
                                   const std::string& what) {
  EXPECT_EQ(expected.records, actual.records) << what;
  EXPECT_EQ(expected.lines, actual.lines) << what;
  EXPECT_EQ(expected.failure, actual.failure) << what;
  ASSERT_EQ(expected.errors.size(), actual.errors.size()) << what;
  for (size_t i = 0; i < expected.errors.size(); ++i) {
    EXPECT_EQ(expected.errors[i].code, actual.errors[i].code) << what;
    EXPECT_EQ(expected.errors[i].message, actual.errors[i].message) << what;
    EXPECT_EQ(expected.errors[i].line, actual.errors[i].line) << what;
    EXPECT_EQ(expected.errors[i].record, actual.errors[i].record) << what;
  }
  ASSERT_EQ(expected.batches.size(), actual.batches.size()) << what;
  size_t rows = 0;
  for (size_t b = 0; b < expected.batches.size(); ++b) {
    const Batch& g = expected.batches[b];
    const Batch& f = actual.batches[b];
    ASSERT_EQ(g.rows, f.rows) << what;
    rows += g.rows;
    for (size_t r = 0; r < g.rows; ++r) EXPECT_EQ(ValueToJson(g.Row(r)), ValueToJson(f.Row(r))) << what;
    ASSERT_EQ(g.columns.size(), f.columns.size());
    for (size_t c = 0; c < g.columns.size(); ++c) {
      const Column& x = *g.columns[c];
      const Column& y = *f.columns[c];
      EXPECT_EQ(x.rows, y.rows) << what;
      EXPECT_EQ(x.layout, y.layout) << what;
      EXPECT_EQ(x.validity.Words(), y.validity.Words()) << what << " column " << c;
      EXPECT_EQ(x.ints, y.ints) << what;
      EXPECT_EQ(x.days, y.days) << what;
      EXPECT_EQ(x.bools, y.bools) << what;
      ASSERT_EQ(x.floats.size(), y.floats.size()) << what;
      for (size_t i = 0; i < x.floats.size(); ++i) EXPECT_EQ(std::memcmp(&x.floats[i], &y.floats[i], 8), 0) << what;
      ASSERT_EQ(x.strings.size(), y.strings.size()) << what;
      for (size_t i = 0; i < x.strings.size(); ++i) {
        EXPECT_EQ(x.strings[i].offset, y.strings[i].offset) << what;
        EXPECT_EQ(x.strings[i].length, y.strings[i].length) << what;
      }
      if (x.layout == Layout::String) {
        EXPECT_EQ(*x.bytes, *y.bytes) << what << " column " << c;
      }
    }
  }
  EXPECT_EQ(rows + expected.errors.size(), expected.records) << what;
}

}  // namespace etl::runtime::test
