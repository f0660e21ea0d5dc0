#include "runtime/source_csv.h"

#include <algorithm>

#include "runtime/csv_split.h"
#include "runtime/source_csv_convert.h"

namespace etl::runtime {

// One file of the glob. Pieces share it: what they read is fixed once Claim returned the
// first piece; `claim_pos` is Claim's, `true_pos`/`line_base` are Deliver's.
struct CsvSource::File {
  std::string path;
  std::unique_ptr<CsvReader> reader;       // the header, and the blocks of unmapped input
  std::shared_ptr<const MappedFile> map;   // set when the file is mapped: pieces are ranges
  CsvOptions csv;                          // expected_fields set from the header
  std::vector<size_t> columns;             // CSV column of each schema field
  uint64_t bytes_before = 0;               // decompressed bytes of the earlier files
  uint64_t claim_pos = 0;                  // where the next piece starts (mapped)
  uint64_t true_pos = 0;                   // where the last delivered piece really stopped
  uint64_t line_base = 1;                  // the line at true_pos
};

namespace {

// A record error whose position is relative to its piece until Deliver rebases it.
struct PendingError {
  uint64_t ordinal;
  const char* code;
  uint64_t line;
  uint64_t column;
  std::string message;  // without the `file:line:column: ` prefix
  std::string raw;
  uint64_t record_line;
};

// What one block became: a batch (maybe empty) and its errors in file order.
struct BlockResult {
  Batch batch;
  std::vector<PendingError> errors;
};

}  // namespace

// A range of a mapped file, or one block a serial reader tokenized.
class CsvSource::Piece : public SourcePiece {
 public:
  Piece(const CsvSource& source, std::shared_ptr<File> file) : source_(source), file_(std::move(file)) {}

  void Read() override {
    if (!mapped_) {
      Convert(block_);
      // Let go of the reader's buffer here, on the reading worker: the reader reuses a
      // buffer once no block holds it.
      block_ = CsvBlock();
      return;
    }
    CsvReader reader(file_->map, file_->path, begin_, end_, file_->csv);
    // One block per thread, reused: its vectors keep their capacity from piece to piece
    // (growing fresh ones for every piece cost 2% of T1's instructions). NextBlock's last
    // call, which returns false, drops its hold on the mapping.
    thread_local CsvBlock block;
    while (reader.NextBlock(block)) Convert(block);
    failure_ = reader.error();
    if (!failure_ && file_->map->truncated()) {
      failure_ = InputError{file_->path, "the file was truncated while it was being read"};
    }
    stop_ = reader.position();
    lines_ = reader.line() - 1;
  }

  // Converts one block's good records (the hot loop) and collects its errors.
  void Convert(const CsvBlock& block);

  const CsvSource& source_;
  std::shared_ptr<File> file_;
  bool mapped_ = false;
  uint64_t begin_ = 0, end_ = 0;  // mapped: records starting in [begin_, end_)
  CsvBlock block_;                // unmapped: the block Claim read
  uint64_t bytes_end_ = 0;        // unmapped: the file's bytes read when it was claimed
  // Results.
  std::vector<BlockResult> results_;
  uint64_t records_in_ = 0;
  uint64_t stop_ = 0;   // mapped: where the last record ended
  uint64_t lines_ = 0;  // mapped: line terminators consumed up to stop_
  std::optional<InputError> failure_;
};

void CsvSource::Piece::Convert(const CsvBlock& block) {
  const CsvSourceOptions& options = source_.options_;
  const File& file = *file_;
  const size_t rows = block.size();
  BlockResult result;
  records_in_ += block.records_in();
  for (const CsvRecordError& e : block.errors()) {
    result.errors.push_back({e.ordinal, "csv_parse", e.line, e.column, e.message, e.raw, e.record_line});
  }
  Batch& batch = result.batch;
  batch.schema = options.schema;
  batch.rows = rows;
  if (rows > 0) {
    const bool text = source_.needs_text_;
    CsvBatchBytes bytes;
    const size_t strings_read = source_.strings_read_;
    if (text && strings_read * 2 <= block.field_count(0)) {
      // Strings in at most half the columns: each is copied on its own into a dense buffer.
      bytes.dense = true;
      bytes.text.reserve(rows * strings_read * 16);
    } else if (text) {
      // One copy of the block's text: every unescaped field becomes a view into it.
      const CsvRecordInfo& first = block.record(0);
      const CsvRecordInfo& last = block.record(rows - 1);
      bytes.base = first.raw_offset;
      std::string_view span(block.raw(0).data(), last.raw_offset + last.raw_size - first.raw_offset);
      bytes.text.reserve(span.size() + span.size() / 8);
      bytes.text.assign(span);
    }
    std::vector<uint8_t> bad(rows, 0);
    std::vector<CsvFieldError> field_errors;
    std::vector<std::shared_ptr<Column>> columns;
    const auto& fields = options.schema->fields;
    const std::string_view marker =
        file.csv.null_marker ? std::string_view(*file.csv.null_marker) : std::string_view();
    for (size_t f = 0; f < fields.size(); ++f) {
      const bool read = options.fields_read.empty() || f >= options.fields_read.size() || options.fields_read[f];
      if (!read && fields[f].type->kind == ast::TypeKind::String) {
        // Nobody reads it and a plain string never fails to convert: empty views.
        auto column = std::make_shared<Column>();
        column->type = fields[f].type;
        column->layout = Layout::String;
        column->rows = rows;
        column->strings.resize(rows);
        columns.push_back(std::move(column));
        continue;
      }
      columns.push_back(ConvertCsvColumn(block, fields[f], file.columns[f], marker, bytes, bad, field_errors));
    }
    ByteBuffer shared = std::make_shared<const std::string>(std::move(bytes.text));
    for (auto& column : columns) {
      if (column->layout == Layout::String) column->bytes = shared;
    }
    for (auto& column : columns) batch.columns.push_back(std::move(column));
    for (const CsvFieldError& e : field_errors) {
      const CsvRecordInfo& info = block.record(e.row);
      uint64_t line = 0, column = 0;
      CsvFieldPosition(block.raw(e.row), e.column, options.delimiter, options.quote, info.line, &line, &column);
      result.errors.push_back({info.ordinal, "csv_type", line, column, e.message, std::string(block.raw(e.row)),
                               info.line});
    }
    if (!field_errors.empty()) {
      std::vector<uint32_t> keep;
      keep.reserve(rows);
      for (size_t r = 0; r < rows; ++r) {
        if (!bad[r]) keep.push_back(static_cast<uint32_t>(r));
      }
      batch = Compact(Select(batch, std::move(keep)));
    }
  }
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const PendingError& a, const PendingError& b) { return a.ordinal < b.ordinal; });
  results_.push_back(std::move(result));
}

CsvSource::CsvSource(std::string step, CsvSourceOptions options)
    : step_(std::move(step)), options_(std::move(options)) {
  if (!options_.schema || options_.schema->kind != ast::TypeKind::Record) {
    failure_ = InputError{options_.path, "the csv schema must be a record type"};
    return;
  }
  const auto& fields = options_.schema->fields;
  for (size_t f = 0; f < fields.size(); ++f) {
    const ast::Field& field = fields[f];
    if (!CsvCanHold(field.type)) {
      failure_ = InputError{options_.path, "field `" + field.name + "` has type " + ast::ToString(field.type) +
                                               ", which a CSV column cannot hold"};
      return;
    }
    const bool read = options_.fields_read.empty() || f >= options_.fields_read.size() || options_.fields_read[f];
    if (LayoutOf(field.type) == Layout::String && (read || field.type->kind != ast::TypeKind::String)) {
      needs_text_ = true;
      ++strings_read_;
    }
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
  auto file = std::make_shared<File>();
  file->path = files_[next_file_++];
  file->bytes_before = claimed_bytes_;
  CsvOptions& csv = file->csv;
  csv.delimiter = options_.delimiter;
  csv.quote = options_.quote;
  csv.header = options_.header;
  csv.null_marker = options_.null_marker;
  csv.block_records = std::max<size_t>(options_.batch_rows, 1);
  csv.buffer_size = options_.buffer_size;
  // Without a header the columns are the schema's fields, by position.
  if (!options_.header) csv.expected_fields = options_.schema->fields.size();
  InputError error;
  file->reader = CsvReader::Open(file->path, csv, &error);
  if (!file->reader) {
    failure_ = error;
    return false;
  }
  ++stats_.files;
  CsvReader& reader = *file->reader;
  const CsvHeader& header = reader.header();
  if (reader.error()) {
    failure_ = reader.error();
    return false;
  }
  if (header.error) {
    failure_ = InputError{file->path, "line " + std::to_string(header.error->line) + ", column " +
                                          std::to_string(header.error->column) + ": " + header.error->message};
    return false;
  }
  if (!options_.header || header.present) {  // else an empty file: no records
    std::vector<std::string> errors;
    if (!ResolveCsvColumns(header, options_.schema->FieldNames(), &file->columns, &errors)) {
      std::string message = errors[0];
      for (size_t i = 1; i < errors.size(); ++i) message += "; " + errors[i];
      failure_ = InputError{file->path, "header: " + message};
      return false;
    }
    if (header.present) csv.expected_fields = header.names.size();
  }
  file->map = reader.mapping();
  file->claim_pos = file->true_pos = reader.position();
  file->line_base = reader.line();
  file_ = std::move(file);
  return true;
}

std::unique_ptr<SourcePiece> CsvSource::Claim() {
  while (!failure_) {
    if (!file_ && !OpenNextFile()) {
      // The end: every byte was read (pieces still out may be delivered after this).
      if (!failure_) stats_.bytes = std::max(stats_.bytes, claimed_bytes_);
      return nullptr;
    }
    File& file = *file_;
    auto piece = std::make_unique<Piece>(*this, file_);
    if (file.map) {
      const uint64_t size = file.map->size();
      if (file.claim_pos < size) {
        piece->mapped_ = true;
        piece->begin_ = file.claim_pos;
        piece->end_ = FindCsvCut(file.map->data(), size, file.claim_pos, options_.piece_bytes, options_.quote);
        file.claim_pos = piece->end_;
        return piece;
      }
      claimed_bytes_ = file.bytes_before + size;
    } else {
      if (file.reader->NextBlock(piece->block_)) {
        piece->bytes_end_ = file.reader->stats().bytes;
        return piece;
      }
      if (file.reader->error()) {
        failure_ = file.reader->error();
        return nullptr;
      }
      claimed_bytes_ = file.bytes_before + file.reader->stats().bytes;
    }
    file_.reset();
  }
  return nullptr;
}

bool CsvSource::Deliver(SourcePiece& base, Emitter& out) {
  auto& piece = static_cast<Piece&>(base);
  File& file = *piece.file_;
  uint64_t line_base = 1;
  if (piece.mapped_) {
    if (piece.begin_ != file.true_pos) {
      // The cut before this piece was not a record start (a stray quote fooled the parity):
      // read again from where the previous piece really stopped, to the same end.
      Piece again(*this, piece.file_);
      again.mapped_ = true;
      again.begin_ = file.true_pos;
      again.end_ = std::max(piece.end_, file.true_pos);
      again.stop_ = file.true_pos;
      if (again.begin_ < again.end_) again.Read();
      piece.results_ = std::move(again.results_);
      piece.records_in_ = again.records_in_;
      piece.stop_ = again.stop_;
      piece.lines_ = again.lines_;
      piece.failure_ = std::move(again.failure_);
    }
    if (piece.failure_) {
      failure_ = std::move(piece.failure_);
      return false;
    }
    line_base = file.line_base;
    file.line_base += piece.lines_;
    file.true_pos = piece.stop_;
    // Bytes before the delivered ones are not needed again soon: keep resident memory low.
    file.map->Release(piece.stop_);
    stats_.bytes = std::max(stats_.bytes, file.bytes_before + piece.stop_);
  } else {
    stats_.bytes = std::max(stats_.bytes, file.bytes_before + piece.bytes_end_);
  }
  stats_.records_in += piece.records_in_;
  for (BlockResult& result : piece.results_) {
    stats_.errors += result.errors.size();
    if (result.batch.rows > 0) {
      stats_.rows_out += result.batch.rows;
      result.batch.sequence = sequence_++;
      out.Emit(0, std::move(result.batch));
    }
    for (PendingError& e : result.errors) {
      const uint64_t line = e.line + line_base - 1;
      std::string message =
          file.path + ":" + std::to_string(line) + ":" + std::to_string(e.column) + ": " + e.message;
      out.Fail(MakeSourceError(step_, e.code, std::move(message), e.raw, file.path, e.record_line + line_base - 1));
    }
  }
  return true;
}

}  // namespace etl::runtime
