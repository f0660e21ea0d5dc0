// Columns: the values of one field for the rows of a batch, stored by physical layout
// (architecture.md "Data model"). Every edge of a plan has a static schema, so the layout of
// each column is known when a step is bound and kernels are specialised by it; nothing on
// the hot path dispatches per value.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/types.h"
#include "compiler/ast/value.h"

namespace etl::runtime {

using ast::TypeRef;

// How a column's values are laid out, derived from its static type.
enum class Layout {
  Bool,     // bool: one byte per value (0 or 1)
  Int64,    // int; timestamp and duration (microseconds); decimal(p <= 18, s) as value * 10^s
  Int128,   // decimal(p > 18, s) as value * 10^s
  Int32,    // date: days since 1970-01-01
  Float64,  // float
  String,   // string, bytes, json (its text): a view (offset, length) per value into bytes
  List,     // list<T>: offsets (rows + 1) into one child column
  Map,      // map<T>: offsets (rows + 1) into a key column (string) and a value column
  Record,   // {a: T, ...}: one child column per field, as many rows as the parent
};

// The layout of a type (nullability does not change it: validity is separate).
Layout LayoutOf(const TypeRef& type);

// A string value inside a column: bytes [offset, offset + length) of the column's buffer.
struct StringView {
  uint32_t offset = 0;
  uint32_t length = 0;
};

// Bytes shared by string columns: a column may view the buffer it was read from (zero
// copy), so the buffer outlives the reader's block for as long as a column uses it.
using ByteBuffer = std::shared_ptr<const std::string>;

// A validity bitmap: bit i set = row i has a value. Empty means every row has one, which
// is the common case and costs nothing.
class Validity {
 public:
  bool AllValid() const { return bits_.empty(); }
  bool IsValid(size_t row) const { return bits_.empty() || ((bits_[row >> 6] >> (row & 63)) & 1) != 0; }
  // Marks `row` (of a column of `rows` rows) as null; materialises the bitmap on first use.
  void SetNull(size_t row, size_t rows);
  // Grows the bitmap (if materialised) to `rows` rows, the new ones valid.
  void Resize(size_t rows);
  size_t NullCount(size_t rows) const;
  const std::vector<uint64_t>& Words() const { return bits_; }
  // Replaces the bitmap with `words` (bit set = valid; empty = all valid): kernels build
  // validity word-wise instead of row by row.
  void Assign(std::vector<uint64_t> words) { bits_ = std::move(words); }

 private:
  std::vector<uint64_t> bits_;
};

// One column. Only the members of its layout are used (see Layout).
struct Column {
  TypeRef type;
  Layout layout = Layout::Int64;
  size_t rows = 0;
  Validity validity;
  std::vector<uint8_t> bools;          // Bool
  std::vector<int64_t> ints;           // Int64
  std::vector<__int128> wide;          // Int128
  std::vector<int32_t> days;           // Int32
  std::vector<double> floats;          // Float64
  std::vector<StringView> strings;     // String
  ByteBuffer bytes;                    // String: the bytes the views point into
  std::vector<uint32_t> offsets;       // List, Map: rows + 1 entries into the children
  std::vector<std::shared_ptr<const Column>> children;  // List: [element]; Map: [keys, values]; Record: fields

  bool IsNull(size_t row) const { return !validity.IsValid(row); }
  std::string_view String(size_t row) const {
    const StringView& view = strings[row];
    return std::string_view(*bytes).substr(view.offset, view.length);
  }
  // The value at `row` as a constant (tests, `etlc test` expectations, error records).
  ast::Value Get(size_t row) const;
};

using ColumnPtr = std::shared_ptr<const Column>;

// Appends values to a new column of a given type; Finish() hands the column out. Strings
// are copied into the builder's own buffer (use a reader's zero-copy path to avoid that).
class ColumnBuilder {
 public:
  explicit ColumnBuilder(TypeRef type);
  void Reserve(size_t rows);
  void AppendNull();
  void AppendBool(bool value);
  void AppendInt(int64_t value);      // int, timestamp, duration, small decimal (scaled)
  void AppendWide(__int128 value);    // large decimal (scaled)
  void AppendDate(int32_t days);
  void AppendFloat(double value);
  void AppendString(std::string_view value);
  // Appends a constant of the column's type (ints widen to float and decimal). Returns false
  // (appending nothing) when the value does not fit the type; `error` then says why.
  bool AppendValue(const ast::Value& value, std::string* error = nullptr);
  size_t Rows() const { return column_->rows; }
  ColumnPtr Finish();

 private:
  void Grew();  // one row was appended: keep the validity bitmap in step
  std::shared_ptr<Column> column_;
  std::shared_ptr<std::string> bytes_;            // String
  std::vector<std::unique_ptr<ColumnBuilder>> children_;  // List/Map/Record
};

// A column holding rows `rows` of `column`, in that order (materialises a selection).
ColumnPtr Take(const Column& column, const std::vector<uint32_t>& rows);

// Whether Spread handles a layout: the flat ones (bool, ints, days, floats, strings).
bool Spreadable(Layout layout);
// The inverse of Take for flat layouts: a column of `rows` rows whose row positions[i] is
// row i of `column` (positions ascending, one per row of `column`); the other rows are
// null. A derive fed a selected batch writes its results where the selection points
// instead of copying every other column.
ColumnPtr Spread(const Column& column, const std::vector<uint32_t>& positions, size_t rows);

}  // namespace etl::runtime
