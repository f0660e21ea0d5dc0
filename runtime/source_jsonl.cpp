#include "runtime/source_jsonl.h"

#include <algorithm>

namespace etl::runtime {

using ast::TypeKind;

// A piece of whole lines of one file, and what reading it gave.
class JsonlSource::Piece : public SourcePiece {
 public:
  explicit Piece(JsonlSource& source) : source_(source) {}
  void Read() override { source_.ReadPiece(*this); }

  JsonlSource& source_;
  std::string file;
  bool file_start = false;                 // the first piece of its file (BOM, line 1)
  std::shared_ptr<const MappedFile> map;   // set when `text` is (or was copied from) the mapping
  uint64_t end = 0;                        // the file offset after the piece (mapped files)
  PaddedText owned;                        // the bytes, when not read in place
  std::string_view text;                   // followed by SIMDJSON_PADDING readable bytes
  JsonlPieceResult result;
};

JsonlSource::JsonlSource(std::string step, JsonlSourceOptions options) : options_(std::move(options)) {
  plan_.step = std::move(step);
  if (!options_.schema || options_.schema->kind != TypeKind::Record) {
    failure_ = InputError{options_.path, "the jsonl schema must be a record type"};
    return;
  }
  options_.piece_bytes = std::max<size_t>(options_.piece_bytes, 1);
  plan_.schema = options_.schema;
  plan_.batch_rows = std::max<size_t>(options_.batch_rows, 1);
  plan_.fast = true;
  const auto& fields = options_.schema->fields;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (!JsonlDirectKind(fields[f].type->kind)) plan_.fast = false;
    bool read = options_.fields_read.empty() || f >= options_.fields_read.size() || options_.fields_read[f];
    plan_.skip_text.push_back(!read && LayoutOf(fields[f].type) == Layout::String);
  }
}

JsonlSource::~JsonlSource() = default;

bool JsonlSource::OpenNextFile() {
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
  InputError error;
  auto stream = OpenInputFile(file_, &error);
  if (!stream) {
    failure_ = error;
    return false;
  }
  ++stats_.files;
  // A plain regular file is read in place; anything else (gzip, zstd, pipes, empty files)
  // is cut into pieces as it is read.
  map_ = stream->Map();
  map_pos_ = 0;
  if (!map_) {
    chunker_ = std::make_unique<JsonlStreamChunker>(std::move(stream));
    first_chunk_ = true;
  }
  return true;
}

std::unique_ptr<SourcePiece> JsonlSource::Claim() {
  while (!failure_) {
    if (map_) {
      if (map_pos_ >= map_->size()) {
        map_.reset();  // pieces out keep the mapping alive
        continue;
      }
      if (map_->truncated()) {
        failure_ = InputError{file_, "the file was truncated while it was being read"};
        return nullptr;
      }
      auto piece = std::make_unique<Piece>(*this);
      size_t end = CutJsonlPiece(map_->data(), map_->size(), map_pos_, options_.piece_bytes);
      std::string_view text(map_->data() + map_pos_, end - map_pos_);
      if (end + simdjson::SIMDJSON_PADDING <= map_->size() + map_->readable_past_end()) {
        piece->text = text;
      } else {
        // Too close to the end of the mapping for simdjson's overrun: a padded copy.
        piece->owned = PaddedText::Copy(text);
        piece->text = piece->owned.view();
      }
      piece->file = file_;
      piece->file_start = map_pos_ == 0;
      piece->map = map_;
      piece->end = end;
      map_pos_ = end;
      return piece;
    }
    if (chunker_) {
      PaddedText text;
      if (chunker_->Next(options_.piece_bytes, text)) {
        auto piece = std::make_unique<Piece>(*this);
        piece->owned = std::move(text);
        piece->text = piece->owned.view();
        piece->file = file_;
        piece->file_start = first_chunk_;
        first_chunk_ = false;
        return piece;
      }
      if (!chunker_->failure().empty()) {
        failure_ = InputError{file_, chunker_->failure()};
        return nullptr;
      }
      chunker_.reset();
      continue;
    }
    if (!OpenNextFile()) return nullptr;
  }
  return nullptr;
}

void JsonlSource::ReadPiece(Piece& piece) {
  std::unique_ptr<JsonlPieceConverter> converter;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      converter = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!converter) converter = std::make_unique<JsonlPieceConverter>(plan_);
  converter->Convert(piece.text, piece.file_start, piece.file, piece.result);
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(converter));
}

bool JsonlSource::Deliver(SourcePiece& source_piece, Emitter& out) {
  auto& piece = static_cast<Piece&>(source_piece);
  if (piece.map && piece.map->truncated()) {
    // Lost pages read as zeros: nothing of this piece can be trusted.
    failure_ = InputError{piece.file, "the file was truncated while it was being read"};
    return false;
  }
  JsonlPieceResult& result = piece.result;
  if (!result.failure.empty()) {
    failure_ = InputError{piece.file, result.failure};
    return false;
  }
  if (piece.file_start) line_base_ = 0;
  stats_.records_in += result.records;
  stats_.errors += result.errors.size();
  stats_.bytes += piece.text.size();
  for (Batch& batch : result.batches) {
    stats_.rows_out += batch.rows;
    batch.sequence = sequence_++;
    out.Emit(0, std::move(batch));
  }
  for (ErrorRecord& error : result.errors) {
    // The piece numbered its lines from 1 and left the "file:line" prefix out.
    uint64_t line = static_cast<uint64_t>(*error.line) + line_base_;
    error.line = static_cast<int64_t>(line);
    error.message.insert(0, piece.file + ":" + std::to_string(line));
    out.Fail(std::move(error));
  }
  line_base_ += result.lines;
  // What lies before this piece's end was read: keep resident memory to the pieces out.
  if (piece.map) piece.map->Release(piece.end);
  return !failure_;
}

bool JsonlSource::Next(Emitter& out) { return ReadOnePiece(*this, out); }

}  // namespace etl::runtime
