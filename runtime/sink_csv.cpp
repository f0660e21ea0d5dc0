#include "runtime/sink_csv.h"

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
}

void CsvSink::QuoteIfNeeded(std::string& buffer, size_t start, bool text) {
  size_t end = buffer.size();
  bool needs = start == end && text;  // "" is the empty string, an empty field is null
  for (size_t i = start; i < end && !needs; ++i) needs = special_[static_cast<unsigned char>(buffer[i])];
  if (!needs && options_.null_marker && !options_.null_marker->empty() &&
      std::string_view(buffer).substr(start) == *options_.null_marker) {
    needs = true;  // a value that reads as the marker would come back as null
  }
  if (!needs) return;
  scratch_.assign(buffer, start, end - start);
  buffer.resize(start);
  buffer += options_.quote;
  for (char c : scratch_) {
    if (c == options_.quote) buffer += c;
    buffer += c;
  }
  buffer += options_.quote;
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

void CsvSink::Format(const Batch& batch, std::string& buffer) {
  const size_t fields = batch.columns.size();
  const size_t rows = batch.Size();
  std::string_view marker = options_.null_marker ? std::string_view(*options_.null_marker) : std::string_view();
  for (size_t i = 0; i < rows; ++i) {
    const uint32_t row = batch.RowAt(i);
    for (size_t f = 0; f < fields; ++f) {
      if (f) buffer += options_.delimiter;
      const Column& column = *batch.columns[f];
      if (column.IsNull(row)) {
        buffer += marker;
        continue;
      }
      size_t start = buffer.size();
      AppendValueText(buffer, column, row);
      QuoteIfNeeded(buffer, start, column.layout == Layout::String);
    }
    buffer += '\n';
  }
}

}  // namespace etl::runtime
