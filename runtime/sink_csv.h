// The `csv` sink (language.md §6): RFC 4180 text, one line per record, columns in field
// order, written atomically (sink_output.h). docs/dev/runtime-sinks.md.
#pragma once

#include <optional>
#include <string>

#include "runtime/sink_common.h"

namespace etl::runtime {

// The bound parameters of `csv(path, header:, delimiter:, null:, quote:)` as a sink
// (stdlib/sink_csv.cpp; the runtime does not depend on stdlib).
struct CsvSinkOptions {
  std::string path;                        // `path`: the file to write
  bool header = true;                      // `header`: write the field names first
  char delimiter = ',';                    // `delimiter`
  char quote = '"';                        // `quote`
  std::optional<std::string> null_marker;  // `null`: unset writes null as the empty field
  bool append = false;                     // add to the existing file (no second header)
};

// Writes records as CSV. A field is quoted only when it holds the delimiter, the quote, CR
// or LF, when it is an empty string (so it reads back as "" and not null) or when it equals
// the null marker; quotes inside are doubled. Lines end in LF.
class CsvSink : public BufferedSink {
 public:
  // `schema` is the input record type (the header's names).
  CsvSink(ast::TypeRef schema, CsvSinkOptions options);

  bool FormatsApart() const override { return true; }
  void FormatApart(const Batch& batch, std::string& text) const override { FormatRows(batch, text); }

 protected:
  void Start(std::string& buffer) override;
  void Format(const Batch& batch, std::string& buffer) override { FormatRows(batch, buffer); }

 private:
  // Appends the rows of `batch`; reads only what the constructor set (FormatApart).
  void FormatRows(const Batch& batch, std::string& buffer) const;
  // Quotes buffer[start, end) in place when it needs it; `text` = the field is string-like.
  void QuoteIfNeeded(std::string& buffer, size_t start, bool text) const;

  ast::TypeRef schema_;
  CsvSinkOptions options_;
  bool special_[256] = {};  // bytes that force quoting
  // How FormatRows writes a column: ints and floats without a quoting scan (numbers_plain_).
  enum class NumberColumn : uint8_t { No, Int, Float };
  bool numbers_plain_ = true;  // no byte a number is spelt with forces quoting
};

}  // namespace etl::runtime
