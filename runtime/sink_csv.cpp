#include "runtime/sink_csv.h"

#include <algorithm>
#include <cmath>

#include "runtime/sink_format.h"

namespace etl::runtime {

CsvSink::CsvSink(ast::TypeRef schema, CsvSinkOptions options)
    : BufferedSink(options.path, std::make_unique<AtomicFileOutput>(options.path, options.append)),
      schema_(std::move(schema)),
      options_(std::move(options)) {
  special_[static_cast<unsigned char>(options_.delimiter)] = true;
  special_[static_cast<unsigned char>(options_.quote)] = true;
  special_[static_cast<unsigned char>('\r')] = true;
  special_[static_cast<unsigned char>('\n')] = true;
  // Every byte WriteInt64 and WriteFloat may write ("-12", "1.5e-07", "inf", "nan").
  for (char c : std::string_view("0123456789+-.eEinfaINFA")) numbers_plain_ = numbers_plain_ && !special_[static_cast<unsigned char>(c)];
}

void CsvSink::QuoteIfNeeded(std::string& buffer, size_t start, bool text) const {
  size_t end = buffer.size();
  bool needs = start == end && text;  // "" is the empty string, an empty field is null
  for (size_t i = start; i < end && !needs; ++i) needs = special_[static_cast<unsigned char>(buffer[i])];
  if (!needs && options_.null_marker && !options_.null_marker->empty() &&
      std::string_view(buffer).substr(start) == *options_.null_marker) {
    needs = true;  // a value that reads as the marker would come back as null
  }
  if (!needs) return;
  // In place, from the back: the field grows by its two quotes and one per quote inside.
  const char quote = options_.quote;
  const size_t quotes = static_cast<size_t>(std::count(buffer.begin() + static_cast<long>(start), buffer.end(), quote));
  buffer.resize(end + 2 + quotes);
  size_t to = buffer.size();
  buffer[--to] = quote;
  for (size_t from = end; from-- > start;) {
    buffer[--to] = buffer[from];
    if (buffer[from] == quote) buffer[--to] = quote;
  }
  buffer[--to] = quote;
}

void CsvSink::Start(std::string& buffer) {
  if (!options_.header || output().ExistingBytes() > 0) return;
  for (size_t f = 0; f < schema_->fields.size(); ++f) {
    if (f) buffer += options_.delimiter;
    size_t start = buffer.size();
    buffer += schema_->fields[f].name;
    QuoteIfNeeded(buffer, start, true);
  }
  buffer += '\n';
}

// Rows are written through a StringCursor (no capacity check per byte). A string field is
// tested for the bytes that force quoting before it is copied, so it is written once; other
// forms (numbers, dates, nested JSON) are written, then tested, and quoted in place in the
// rare case they need it (a delimiter such as '.' or '-').
void CsvSink::FormatRows(const Batch& batch, std::string& buffer) const {
  const size_t fields = batch.columns.size();
  const size_t rows = batch.Size();
  std::string_view marker = options_.null_marker ? std::string_view(*options_.null_marker) : std::string_view();
  const char quote = options_.quote;
  StringCursor out(buffer);
  // Ints and floats are written straight, without the scan for bytes that force quoting,
  // when no byte a number can be spelt with is special (the delimiter is not '.', say).
  std::vector<NumberColumn> number_columns(fields, NumberColumn::No);
  for (size_t f = 0; f < fields; ++f) {
    const Column& column = *batch.columns[f];
    if (!numbers_plain_) break;
    if (column.layout == Layout::Int64 && column.type->kind == ast::TypeKind::Int) number_columns[f] = NumberColumn::Int;
    if (column.layout == Layout::Float64) number_columns[f] = NumberColumn::Float;
  }
  for (size_t i = 0; i < rows; ++i) {
    const uint32_t row = batch.RowAt(i);
    for (size_t f = 0; f < fields; ++f) {
      if (f) {
        char* p = out.Room(1);
        *p = options_.delimiter;
        out.Advance(p + 1);
      }
      const Column& column = *batch.columns[f];
      if (column.IsNull(row)) {
        out.Append(marker);
        continue;
      }
      if (number_columns[f] != NumberColumn::No) {
        char* p = out.Room(kMaxScalarChars);
        char* end = number_columns[f] == NumberColumn::Int ? WriteInt64(p, column.ints[row])
                    : std::isfinite(column.floats[row]) ? WriteFloat(p, column.floats[row])
                                                         : p;  // NaN/Inf: nothing, as WriteValueText
        out.Advance(end);
        if (!marker.empty() && std::string_view(p, static_cast<size_t>(end - p)) == marker) {
          size_t start = static_cast<size_t>(p - buffer.data());
          QuoteIfNeeded(out.Finish(), start, false);
          out.Resume();
        }
        continue;
      }
      if (column.layout == Layout::String) {
        const StringView& view = column.strings[row];
        std::string_view text(column.bytes->data() + view.offset, view.length);
        bool needs = text.empty() || (!marker.empty() && text == marker);
        for (size_t k = 0; k < text.size() && !needs; ++k) needs = special_[static_cast<unsigned char>(text[k])];
        if (!needs) {
          out.Append(text);
          continue;
        }
        char* p = out.Room(2 * text.size() + 2);
        *p++ = quote;
        for (char c : text) {
          if (c == quote) *p++ = c;
          *p++ = c;
        }
        *p++ = quote;
        out.Advance(p);
        continue;
      }
      size_t start = static_cast<size_t>(out.Room(0) - buffer.data());
      WriteValueText(out, column, row);
      std::string_view written(buffer.data() + start, static_cast<size_t>(out.Room(0) - buffer.data()) - start);
      bool needs = !marker.empty() && written == marker;
      for (size_t k = 0; k < written.size() && !needs; ++k) needs = special_[static_cast<unsigned char>(written[k])];
      if (needs) {
        QuoteIfNeeded(out.Finish(), start, false);
        out.Resume();
      }
    }
    char* p = out.Room(1);
    *p = '\n';
    out.Advance(p + 1);
  }
}

}  // namespace etl::runtime
