#include "runtime/csv_reader.h"

#include <algorithm>
#include <cstring>

#include "runtime/csv_tokenizer.h"
#include "runtime/csv_utf8.h"

namespace etl::runtime {
namespace {

// Offsets into a buffer are 32-bit (CsvField), so one buffer stays below 4 GiB.
constexpr size_t kMaxBuffer = (size_t{1} << 32) - kCsvPadding - 1;

std::shared_ptr<CsvBuffer> NewBuffer(size_t capacity) {
  auto buffer = std::make_shared<CsvBuffer>();
  // Value-initialised: the padding read by window loads is never uninitialised memory.
  buffer->owned = std::make_unique<char[]>(capacity + kCsvPadding);
  buffer->data = buffer->owned.get();
  buffer->capacity = capacity;
  return buffer;
}

// Line and 1-based byte column of offset `pos` within a record's raw text.
void LineColumn(std::string_view raw, uint64_t record_line, size_t pos, uint64_t* line,
                uint64_t* column) {
  *line = record_line;
  size_t line_start = 0;
  for (size_t i = 0; i < pos && i < raw.size(); ++i) {
    if (raw[i] == '\n' || (raw[i] == '\r' && (i + 1 >= raw.size() || raw[i + 1] != '\n'))) {
      ++*line;
      line_start = i + 1;
    }
  }
  *column = pos - line_start + 1;
}

}  // namespace

CsvReader::CsvReader(std::unique_ptr<InputStream> stream, CsvOptions options)
    : stream_(std::move(stream)), path_(stream_->path()), options_(std::move(options)) {
  options_.buffer_size = std::clamp<size_t>(options_.buffer_size, 1, kMaxBuffer);
  options_.block_records = std::max<size_t>(options_.block_records, 1);
  expected_fields_ = options_.expected_fields;
  char d = options_.delimiter, q = options_.quote;
  if (d == q || d == '\n' || d == '\r' || q == '\n' || q == '\r') {
    error_ = InputError{path_, "the delimiter and the quote must be two different "
                               "bytes, neither a line break"};
  }
}

CsvReader::CsvReader(std::shared_ptr<const MappedFile> map, std::string path, uint64_t begin, uint64_t end,
                     CsvOptions options)
    : path_(std::move(path)), options_(std::move(options)), map_(std::move(map)) {
  options_.block_records = std::max<size_t>(options_.block_records, 1);
  expected_fields_ = options_.expected_fields;
  buffer_offset_ = begin;
  limit_ = end;
  piece_ = true;
  started_ = true;
  // The first window covers the piece and a little more: its last record usually ends just
  // past `end`, and the tokenizer must see the byte after a CR.
  window_ = std::clamp<uint64_t>(end - begin + 4096, 1, kMaxBuffer);
}

CsvReader::~CsvReader() = default;

std::unique_ptr<CsvReader> CsvReader::Open(const std::string& path, CsvOptions options,
                                           InputError* error) {
  auto stream = OpenInputFile(path, error);
  if (!stream) return nullptr;
  return std::make_unique<CsvReader>(std::move(stream), std::move(options));
}

bool CsvReader::Refill() {
  if (eof_ || error_) return false;
  if (!buffer_ && !piece_) map_ = stream_->Map();  // a plain regular file: windows into it, no copies
  size_t tail = end_ - pos_;
  size_t capacity = buffer_ ? buffer_->capacity : piece_ ? window_ : options_.buffer_size;
  // A record longer than half the buffer doubles it: rescans stay linear in total.
  if (buffer_ && tail * 2 > capacity) {
    if (capacity >= kMaxBuffer) {
      error_ = InputError{path_, "record at line " + std::to_string(line_) +
                                               " is longer than 4 GiB"};
      return false;
    }
    capacity = std::min(capacity * 2, kMaxBuffer);
  }
  if (map_) return RefillMapped(tail, capacity);
  // Blocks may still point into the current buffer: reuse it only when nobody else does.
  if (!buffer_ || buffer_.use_count() > 1 || !buffer_->owned || buffer_->capacity != capacity) {
    auto fresh = NewBuffer(capacity);
    if (tail > 0) std::memcpy(fresh->owned.get(), buffer_->data + pos_, tail);
    buffer_ = std::move(fresh);
  } else if (tail > 0) {
    std::memmove(buffer_->owned.get(), buffer_->data + pos_, tail);
  }
  buffer_offset_ += pos_;
  pos_ = 0;
  end_ = tail;
  size_t before = end_;
  while (end_ < capacity) {
    size_t n = stream_->Read(buffer_->owned.get() + end_, capacity - end_);
    if (n == 0) {
      eof_ = true;
      if (stream_->error()) error_ = stream_->error();
      break;
    }
    end_ += n;
  }
  // Keep the padding zero after a reused buffer shrank its valid range.
  std::memset(buffer_->owned.get() + end_, 0, kCsvPadding);
  stats_.bytes += end_ - before;
  return !error_;
}

bool CsvReader::RefillMapped(size_t tail, size_t capacity) {
  if (map_->truncated()) {
    error_ = InputError{path_, "the file was truncated while it was being read"};
    return false;
  }
  // The next window starts at the unconsumed tail (a record cut by the previous window's end).
  const uint64_t start = buffer_offset_ + pos_;
  const uint64_t left = map_->size() - start;
  const size_t size = static_cast<size_t>(std::min<uint64_t>(capacity, left));
  const bool last = size == left;
  if (left - size + map_->readable_past_end() < kCsvPadding) {
    // The tokenizer's loads overrun the window's end by up to kCsvPadding bytes, and the
    // mapping ends too soon after it (the file's end near a page end): copy the window.
    auto buffer = NewBuffer(size);
    std::memcpy(buffer->owned.get(), map_->data() + start, size);
    buffer_ = std::move(buffer);
  } else {
    auto buffer = std::make_shared<CsvBuffer>();
    buffer->data = map_->data() + start;
    buffer->capacity = size;
    buffer->keep = map_;
    buffer_ = std::move(buffer);
  }
  buffer_offset_ = start;
  pos_ = 0;
  end_ = size;
  eof_ = last;
  stats_.bytes += size - tail;
  // What lies before this window was consumed: keep resident memory to about one window.
  // (Piece readers share the mapping with other pieces: their source releases it.)
  if (!piece_) map_->Release(start);
  if (last && map_->truncated()) {
    error_ = InputError{path_, "the file was truncated while it was being read"};
    return false;
  }
  return true;
}

bool CsvReader::EnsureBytes(size_t count) {
  while (end_ - pos_ < count && !eof_ && !error_) Refill();
  return end_ - pos_ >= count;
}

void CsvReader::Start() {
  started_ = true;
  if (error_) return;
  header_.present = false;
  if (EnsureBytes(3) && std::memcmp(buffer_->data + pos_, "\xEF\xBB\xBF", 3) == 0) {
    pos_ += 3;  // the UTF-8 BOM is not part of the first name
  }
  if (!options_.header || error_) return;
  CsvBlock scratch;
  while (true) {
    if (pos_ == end_ && eof_) return;  // empty file: no header, no records
    CsvTokenizer tokenizer(buffer_->data, end_, eof_, options_.delimiter, options_.quote);
    CsvRecordScan scan;
    if (!tokenizer.Record(pos_, scratch, &scan)) {
      if (!Refill()) return;
      continue;
    }
    std::string_view raw(buffer_->data + pos_, scan.text_end - pos_);
    if (raw.empty() && options_.skip_blank_lines) {
      ++stats_.blank_lines;
      line_ += scan.lines;
      pos_ = scan.next;
      continue;
    }
    header_.present = true;
    scratch.buffer_ = buffer_;
    size_t bad = scan.error != CsvSyntaxError::kNone ? scan.error_pos - pos_ : FindInvalidUtf8(raw);
    if (bad < raw.size() || scan.error != CsvSyntaxError::kNone) {
      CsvRecordError error{0, 0, 0, line_, buffer_offset_ + pos_, "", std::string(raw), false};
      LineColumn(raw, line_, bad, &error.line, &error.column);
      error.message = scan.error == CsvSyntaxError::kUnterminatedQuote
                          ? "header: unterminated quoted field"
                      : scan.error == CsvSyntaxError::kTextAfterQuote
                          ? "header: unexpected text after a closing quote"
                          : "header: invalid UTF-8";
      header_.error = std::move(error);
    }
    for (const CsvField& f : scratch.fields_) header_.names.emplace_back(scratch.Text(f));
    FindDuplicateCsvNames(&header_);
    if (expected_fields_ == 0) expected_fields_ = header_.names.size();
    line_ += scan.lines;
    pos_ = scan.next;
    return;
  }
}

const CsvHeader& CsvReader::header() {
  if (!started_) Start();
  return header_;
}

bool CsvReader::NextBlock(CsvBlock& out) {
  out.Clear();
  if (!started_) Start();
  while (!error_) {
    // A block never spans two buffers; an empty block holds no buffer, so Refill may reuse it.
    if (out.records_in() == 0) out.buffer_.reset();
    if (AtLimit()) break;
    if (pos_ == end_) {
      if (eof_) {
        if (map_ && map_->truncated()) {
          error_ = InputError{path_, "the file was truncated while it was being read"};
        }
        break;
      }
      Refill();
      continue;
    }
    out.buffer_ = buffer_;
    CsvTokenizer tokenizer(buffer_->data, end_, eof_, options_.delimiter, options_.quote);
    const size_t first_error = out.errors_.size();
    bool need_more = false;
    while (out.records_in() < options_.block_records && pos_ < end_ && !AtLimit()) {
      if (options_.simple_runs && options_.check_field_count && expected_fields_ != 0) {
        // Runs of simple records in one pass; the first other record is read below.
        const size_t stop = limit_ - buffer_offset_ < end_ ? static_cast<size_t>(limit_ - buffer_offset_) : end_;
        size_t next = pos_;
        const size_t n = tokenizer.SimpleRecords(pos_, stop, options_.block_records - out.records_in(),
                                                 static_cast<uint32_t>(expected_fields_),
                                                 {ordinal_, line_, buffer_offset_}, out, &next);
        ordinal_ += n;
        line_ += n;
        pos_ = next;
        if (out.records_in() >= options_.block_records || pos_ >= end_ || AtLimit()) break;
      }
      CsvRecordScan scan;
      size_t fields_before = out.fields_.size();
      if (!tokenizer.Record(pos_, out, &scan)) {
        need_more = true;
        break;
      }
      size_t text_size = scan.text_end - pos_;
      if (text_size == 0 && options_.skip_blank_lines) {
        out.fields_.resize(fields_before);
        ++stats_.blank_lines;
      } else {
        auto field_count = static_cast<uint32_t>(out.fields_.size() - fields_before);
        CsvRecordInfo info{ordinal_++, line_, buffer_offset_ + pos_, static_cast<uint32_t>(pos_),
                           static_cast<uint32_t>(text_size), static_cast<uint32_t>(fields_before),
                           field_count};
        if (options_.check_field_count && expected_fields_ == 0) expected_fields_ = field_count;
        std::string message;
        size_t bad_pos = text_size;  // offset within the raw text
        if (scan.error == CsvSyntaxError::kUnterminatedQuote) {
          message = "unterminated quoted field: the quote opened here is never closed";
          bad_pos = scan.error_pos - pos_;
        } else if (scan.error == CsvSyntaxError::kTextAfterQuote) {
          message = std::string("unexpected `") + buffer_->data[scan.error_pos] +
                    "` after a closing quote (quote the whole field and double inner quotes)";
          bad_pos = scan.error_pos - pos_;
        } else if (options_.check_field_count && field_count != expected_fields_) {
          message = "expected " + std::to_string(expected_fields_) + " fields, found " +
                    std::to_string(field_count);
          if (field_count > expected_fields_) {
            const CsvField& extra = out.fields_[fields_before + expected_fields_];
            if (!(extra.flags & kCsvEscaped)) {
              bad_pos = extra.offset - ((extra.flags & kCsvQuoted) ? 1 : 0) - pos_;
            }
          }
        }
        if (message.empty()) {
          out.records_.push_back(info);
        } else {
          out.fields_.resize(fields_before);
          CsvRecordError error{info.ordinal, 0, 0, info.line, info.byte_offset,
                               std::move(message), "", false};
          std::string_view raw(buffer_->data + pos_, text_size);
          LineColumn(raw, info.line, bad_pos, &error.line, &error.column);
          error.raw_truncated = raw.size() > options_.max_error_raw_bytes;
          error.raw.assign(raw.substr(0, options_.max_error_raw_bytes));
          out.errors_.push_back(std::move(error));
        }
      }
      line_ += scan.lines;
      pos_ = scan.next;
    }
    if (options_.validate_utf8) CheckUtf8(out, first_error);
    if (out.records_in() > 0 && (need_more || out.records_in() >= options_.block_records ||
                                 pos_ == end_ || AtLimit())) {
      break;
    }
    if (need_more) {
      out.Clear();
      Refill();
    }
  }
  stats_.good += out.records_.size();
  stats_.bad += out.errors_.size();
  stats_.records_in += out.records_in();
  return out.records_in() > 0;
}

void CsvReader::CheckUtf8(CsvBlock& out, size_t first_error) {
  if (out.records_.empty()) return;
  const char* base = out.buffer_->data;
  const CsvRecordInfo& first = out.records_.front();
  const CsvRecordInfo& last = out.records_.back();
  if (IsValidUtf8({base + first.raw_offset, last.raw_offset + last.raw_size - first.raw_offset})) {
    return;  // the common case: one SIMD pass over the block
  }
  size_t kept = 0;
  for (size_t r = 0; r < out.records_.size(); ++r) {
    const CsvRecordInfo& info = out.records_[r];
    std::string_view raw(base + info.raw_offset, info.raw_size);
    size_t bad = FindInvalidUtf8(raw);
    if (bad == raw.size()) {
      out.records_[kept++] = info;
      continue;
    }
    CsvRecordError error{info.ordinal, 0, 0, info.line, info.byte_offset, "invalid UTF-8", "",
                         false};
    LineColumn(raw, info.line, bad, &error.line, &error.column);
    static constexpr char kHex[] = "0123456789abcdef";
    auto byte = static_cast<unsigned char>(raw[bad]);
    error.message = std::string("invalid UTF-8 (byte 0x") + kHex[byte >> 4] + kHex[byte & 15] + ")";
    error.raw_truncated = raw.size() > options_.max_error_raw_bytes;
    error.raw.assign(raw.substr(0, options_.max_error_raw_bytes));
    out.errors_.push_back(std::move(error));
  }
  out.records_.resize(kept);
  // Keep errors in file order, as the `.errors` port expects.
  std::stable_sort(out.errors_.begin() + static_cast<ptrdiff_t>(first_error), out.errors_.end(),
                   [](const CsvRecordError& a, const CsvRecordError& b) { return a.ordinal < b.ordinal; });
}

}  // namespace etl::runtime
