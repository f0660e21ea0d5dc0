#include "runtime/source_csv.h"

#include <algorithm>

#include "runtime/source_csv_convert.h"

namespace etl::runtime {

CsvSource::CsvSource(std::string step, CsvSourceOptions options)
    : step_(std::move(step)), options_(std::move(options)) {
  if (!options_.schema || options_.schema->kind != ast::TypeKind::Record) {
    failure_ = InputError{options_.path, "the csv schema must be a record type"};
    return;
  }
  for (const ast::Field& field : options_.schema->fields) {
    if (!CsvCanHold(field.type)) {
      failure_ = InputError{options_.path, "field `" + field.name + "` has type " + ast::ToString(field.type) +
                                               ", which a CSV column cannot hold"};
      return;
    }
    if (LayoutOf(field.type) == Layout::String) has_strings_ = true;
  }
}

CsvSource::~CsvSource() = default;

bool CsvSource::OpenNextFile() {
  if (!expanded_) {
    expanded_ = true;
    InputError error;
    if (!ExpandGlob(options_.path, &files_, &error)) {
      failure_ = error;
      return false;
    }
  }
  if (next_file_ >= files_.size()) return false;
  file_ = files_[next_file_++];
  CsvOptions csv;
  csv.delimiter = options_.delimiter;
  csv.quote = options_.quote;
  csv.header = options_.header;
  csv.null_marker = options_.null_marker;
  csv.block_records = std::max<size_t>(options_.batch_rows, 1);
  csv.buffer_size = options_.buffer_size;
  // Without a header the columns are the schema's fields, by position.
  if (!options_.header) csv.expected_fields = options_.schema->fields.size();
  InputError error;
  reader_ = CsvReader::Open(file_, csv, &error);
  if (!reader_) {
    failure_ = error;
    return false;
  }
  ++stats_.files;
  const CsvHeader& header = reader_->header();
  if (reader_->error()) {
    failure_ = reader_->error();
    return false;
  }
  if (header.error) {
    failure_ = InputError{file_, "line " + std::to_string(header.error->line) + ", column " +
                                     std::to_string(header.error->column) + ": " + header.error->message};
    return false;
  }
  if (options_.header && !header.present) return true;  // empty file: no records
  std::vector<std::string> errors;
  if (!ResolveCsvColumns(header, options_.schema->FieldNames(), &columns_, &errors)) {
    std::string message = errors[0];
    for (size_t i = 1; i < errors.size(); ++i) message += "; " + errors[i];
    failure_ = InputError{file_, "header: " + message};
    return false;
  }
  return true;
}

bool CsvSource::Next(Emitter& out) {
  while (!failure_) {
    if (!reader_) {
      if (!OpenNextFile()) return false;
      if (failure_) return false;
    }
    if (reader_->NextBlock(block_)) {
      // Bytes so far, also mid-file: `etlc run`'s progress line derives percent and ETA.
      stats_.bytes = finished_bytes_ + reader_->stats().bytes;
      ConvertBlock(out);
      return true;
    }
    if (reader_->error()) {
      failure_ = reader_->error();
      return false;
    }
    finished_bytes_ += reader_->stats().bytes;
    stats_.bytes = finished_bytes_;
    reader_.reset();
  }
  return false;
}

void CsvSource::ConvertBlock(Emitter& out) {
  const size_t rows = block_.size();
  const std::string_view marker = reader_->null_marker();
  struct Pending {
    uint64_t ordinal;
    ErrorRecord record;
  };
  std::vector<Pending> errors;
  for (const CsvRecordError& e : block_.errors()) {
    std::string message = file_ + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message;
    errors.push_back({e.ordinal, MakeSourceError(step_, "csv_parse", std::move(message), e.raw, file_, e.record_line)});
  }

  Batch batch;
  batch.schema = options_.schema;
  batch.rows = rows;
  if (rows > 0) {
    CsvBatchBytes bytes;
    if (has_strings_) {
      // One copy of the block's text: every unescaped field becomes a view into it.
      const CsvRecordInfo& first = block_.record(0);
      const CsvRecordInfo& last = block_.record(rows - 1);
      bytes.base = first.raw_offset;
      std::string_view span(block_.raw(0).data(), last.raw_offset + last.raw_size - first.raw_offset);
      bytes.text.reserve(span.size() + span.size() / 8);
      bytes.text.assign(span);
    }
    bad_.assign(rows, 0);
    std::vector<CsvFieldError> field_errors;
    std::vector<std::shared_ptr<Column>> columns;
    const auto& fields = options_.schema->fields;
    for (size_t f = 0; f < fields.size(); ++f) {
      columns.push_back(ConvertCsvColumn(block_, fields[f], columns_[f], marker, bytes, bad_, field_errors));
    }
    if (has_strings_) {
      ByteBuffer shared = std::make_shared<const std::string>(std::move(bytes.text));
      for (auto& column : columns) {
        if (column->layout == Layout::String) column->bytes = shared;
      }
    }
    for (auto& column : columns) batch.columns.push_back(std::move(column));
    for (const CsvFieldError& e : field_errors) {
      const CsvRecordInfo& info = block_.record(e.row);
      uint64_t line = 0, column = 0;
      CsvFieldPosition(block_.raw(e.row), e.column, options_.delimiter, options_.quote, info.line, &line, &column);
      std::string message = file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + e.message;
      errors.push_back({info.ordinal, MakeSourceError(step_, "csv_type", std::move(message), block_.raw(e.row),
                                                      file_, info.line)});
    }
    if (!field_errors.empty()) {
      std::vector<uint32_t> keep;
      keep.reserve(rows);
      for (size_t r = 0; r < rows; ++r) {
        if (!bad_[r]) keep.push_back(static_cast<uint32_t>(r));
      }
      batch = Compact(Select(batch, std::move(keep)));
    }
  }
  std::stable_sort(errors.begin(), errors.end(), [](const Pending& a, const Pending& b) { return a.ordinal < b.ordinal; });
  stats_.records_in += block_.records_in();
  stats_.errors += errors.size();
  if (batch.rows > 0) {
    stats_.rows_out += batch.rows;
    batch.sequence = sequence_++;
    out.Emit(0, std::move(batch));
  }
  for (Pending& e : errors) out.Fail(std::move(e.record));
}

}  // namespace etl::runtime
