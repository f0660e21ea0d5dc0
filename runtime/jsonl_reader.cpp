#include "runtime/jsonl_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "runtime/jsonl_error_location.h"

namespace etl::runtime {

namespace {

// A file read with read(2): large reads straight into the reader's buffer, no copies.
class FileSource : public JsonlByteSource {
 public:
  explicit FileSource(int fd) : fd_(fd) {}
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::ptrdiff_t Read(char* out, size_t capacity, std::string& failure) override {
    for (;;) {
      ssize_t n = ::read(fd_, out, capacity);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      failure = std::string("read failed: ") + std::strerror(errno);
      return -1;
    }
  }

 private:
  int fd_;
};

class StringSource : public JsonlByteSource {
 public:
  StringSource(std::string text, size_t max_piece) : text_(std::move(text)), max_piece_(std::max<size_t>(max_piece, 1)) {}

  std::ptrdiff_t Read(char* out, size_t capacity, std::string&) override {
    size_t n = std::min({capacity, max_piece_, text_.size() - position_});
    std::memcpy(out, text_.data() + position_, n);
    position_ += n;
    return static_cast<std::ptrdiff_t>(n);
  }

 private:
  std::string text_;
  size_t max_piece_;
  size_t position_ = 0;
};

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

bool IsBlankChar(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// New parse_many streams after an error line before the rest of the block is parsed line by
// line: each start runs stage 1 over the rest of the block again, so a block full of errors
// must not start one per line.
constexpr int kMaxBlockRestarts = 4;

std::string_view JsonTypeName(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY: return "array";
    case simdjson::dom::element_type::OBJECT: return "object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "number";
    case simdjson::dom::element_type::STRING: return "string";
    case simdjson::dom::element_type::BOOL: return "bool";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "value";
}

}  // namespace

std::unique_ptr<JsonlByteSource> OpenJsonlFileSource(const std::string& path, std::string& failure) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    failure = "cannot open `" + path + "`: " + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<FileSource>(fd);
}

std::unique_ptr<JsonlByteSource> MakeJsonlStringSource(std::string text, size_t max_piece) {
  return std::make_unique<StringSource>(std::move(text), max_piece);
}

JsonlReader::JsonlReader(std::unique_ptr<JsonlByteSource> source, JsonlOptions options)
    : source_(std::move(source)), options_(options) {
  // Sets the depth limit; the capacity grows with the longest line.
#ifdef SIMDJSON_THREADS_ENABLED
  parser_.threaded = false;  // a block is parsed as one batch: no stage-1 thread
#endif
  if (parser_.allocate(4096, options_.max_depth) != simdjson::SUCCESS) {
    failed_ = true;
    failure_ = "out of memory for the JSON parser";
  }
  capacity_ = std::max<size_t>(options_.chunk_size, 64);
  buffer_ = std::make_unique<char[]>(capacity_ + simdjson::SIMDJSON_PADDING);
  data_ = buffer_.get();
  if (!failed_ && !source_) {
    failed_ = true;
    failure_ = "no input";
  }
}

JsonlReader::JsonlReader(JsonlOptions options) : options_(options) {
#ifdef SIMDJSON_THREADS_ENABLED
  parser_.threaded = false;
#endif
  if (parser_.allocate(4096, options_.max_depth) != simdjson::SUCCESS) {
    failed_ = true;
    failure_ = "out of memory for the JSON parser";
  }
  eof_ = true;  // nothing to read until ReadText
}

void JsonlReader::ReadText(std::string_view text, bool input_start) {
  data_ = text.data();
  capacity_ = end_ = text.size();
  begin_ = scan_ = 0;
  buffer_offset_ = 0;
  eof_ = true;
  bom_checked_ = !input_start;
  block_begin_ = block_end_ = 0;  // no block of an earlier text applies
  block_base_ = nullptr;
  block_ok_ = block_advance_ = false;
  block_restarts_ = 0;
  line_ = {};
  stats_ = {};
}

JsonlReader::~JsonlReader() = default;

simdjson::dom::object JsonlReader::object() const {
  simdjson::dom::object object;
  if (value_.get_object().get(object) != simdjson::SUCCESS) return {};
  return object;
}

bool JsonlReader::Fill() {
  if (begin_ > 0) {
    // Keep the unconsumed tail at the front, so a line that spans chunks is contiguous.
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    buffer_offset_ += begin_;
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    // One line fills the buffer: double it (a line may be of any length).
    size_t capacity = capacity_ * 2;
    auto buffer = std::make_unique<char[]>(capacity + simdjson::SIMDJSON_PADDING);
    std::memcpy(buffer.get(), buffer_.get(), end_);
    buffer_ = std::move(buffer);
    data_ = buffer_.get();
    capacity_ = capacity;
  }
  std::ptrdiff_t n = source_->Read(buffer_.get() + end_, capacity_ - end_, failure_);
  if (n < 0) {
    failed_ = true;
    return false;
  }
  if (n == 0) eof_ = true;
  end_ += static_cast<size_t>(n);
  return true;
}

bool JsonlReader::NextLine() {
  for (;;) {
    if (!bom_checked_) {
      if (end_ - begin_ < 3 && !eof_) {
        if (!Fill()) return false;
        continue;
      }
      bom_checked_ = true;
      if (end_ - begin_ >= 3 && std::memcmp(data_ + begin_, "\xEF\xBB\xBF", 3) == 0) {
        begin_ += 3;
        scan_ = begin_;
        stats_.bytes += 3;
      }
    }
    const char* base = data_;
    const void* lf = scan_ < end_ ? std::memchr(base + scan_, '\n', end_ - scan_) : nullptr;
    size_t line_end;
    size_t next;
    if (lf) {
      line_end = static_cast<size_t>(static_cast<const char*>(lf) - base);
      next = line_end + 1;
    } else if (eof_) {
      if (begin_ == end_) return false;
      line_end = next = end_;  // the last line has no LF
    } else {
      scan_ = end_;
      if (!Fill()) return false;
      continue;
    }
    size_t text_end = line_end;
    if (text_end > begin_ && base[text_end - 1] == '\r') --text_end;
    line_.number = stats_.lines + 1;
    line_.offset = buffer_offset_ + begin_;
    line_.text = std::string_view(base + begin_, text_end - begin_);
    stats_.bytes += next - begin_;
    begin_ = scan_ = next;
    return true;
  }
}

JsonlEvent JsonlReader::Next() {
  JsonlEvent event = NextUnvalidated();
  if (event != JsonlEvent::kLine) return event;
  Validate(options_.parse_blocks);
  return error_.reason.empty() ? JsonlEvent::kRecord : JsonlEvent::kError;
}

JsonlEvent JsonlReader::NextUnvalidated() {
  for (;;) {
    if (failed_) return JsonlEvent::kFailed;
    if (!NextLine()) return failed_ ? JsonlEvent::kFailed : JsonlEvent::kEnd;
    ++stats_.lines;
    if (IsBlank(line_.text)) {
      ++stats_.blank_lines;
      continue;
    }
    return JsonlEvent::kLine;
  }
}

JsonlEvent JsonlReader::ValidateLine() {
  Validate(false);
  return error_.reason.empty() ? JsonlEvent::kRecord : JsonlEvent::kError;
}

void JsonlReader::StartBlock() {
  const char* base = data_;
  size_t from = static_cast<size_t>(line_.offset - buffer_offset_);
  size_t to = end_;
  size_t block_bytes = std::max<size_t>(options_.block_bytes, 1);
  if (!eof_ || end_ - from > block_bytes) {
    // The block ends with the last complete line within block_bytes (or the current line).
    size_t limit = std::min(end_, from + block_bytes);
    const void* lf = ::memrchr(base + from, '\n', limit - from);
    if (!lf && limit < end_) lf = std::memchr(base + limit, '\n', end_ - limit);
    to = lf ? static_cast<size_t>(static_cast<const char*>(lf) - base) + 1 : end_;
  }
  block_begin_ = line_.offset;
  block_end_ = buffer_offset_ + to;
  block_base_ = base;
  block_buffer_offset_ = buffer_offset_;
  block_advance_ = false;
  // A power of two, so the parser's capacity grows a few times only (it never shrinks).
  size_t batch = std::bit_ceil(std::max<size_t>(to - from, 4096));
  // The buffer keeps SIMDJSON_PADDING bytes after end_: no copy.
  block_ok_ = parser_.parse_many(base + from, to - from, batch).get(stream_) == simdjson::SUCCESS;
  if (block_ok_) doc_ = stream_.begin();
}

bool JsonlReader::ValidateInBlock() {
  bool inside = line_.offset >= block_begin_ && line_.offset < block_end_ && data_ == block_base_ &&
                buffer_offset_ == block_buffer_offset_;
  if (!inside) {
    block_restarts_ = 0;
    StartBlock();
  } else if (!block_ok_) {
    // An earlier line of the block was not its document (an error): start behind it.
    if (block_restarts_ >= kMaxBlockRestarts) return false;
    ++block_restarts_;
    StartBlock();
  }
  if (!block_ok_) return false;
  if (block_advance_) ++doc_;  // only now: that overwrites the previous line's document
  block_advance_ = false;
  block_ok_ = false;
  simdjson::dom::element element;
  if (!(doc_ != stream_.end()) || (*doc_).get(element) != simdjson::SUCCESS) return false;
  if (element.type() != simdjson::dom::element_type::OBJECT) return false;
  // The document must be exactly this line's text without its blanks. Then the line alone
  // parses the same: the lines before it were whole documents, so stage 1 starts the line
  // outside any string, as a parse of the line alone does, and only blanks follow it.
  std::string_view text = line_.text;
  size_t lead = 0;
  while (lead < text.size() && IsBlankChar(text[lead])) ++lead;
  size_t stop = text.size();
  while (stop > lead && IsBlankChar(text[stop - 1])) --stop;
  uint64_t start = block_begin_ + doc_.current_index();
  if (start != line_.offset + lead || start + doc_.source().size() != line_.offset + stop) return false;
  value_ = element;
  block_ok_ = block_advance_ = true;
  return true;
}

void JsonlReader::Validate(bool in_block) {
  error_.reason.clear();
  if (in_block && ValidateInBlock()) {
    ++stats_.records;
    return;
  }
  // The line is followed by at least SIMDJSON_PADDING bytes of the buffer (the padding or
  // later input), so simdjson parses it in place without copying.
  auto result = parser_.parse(line_.text.data(), line_.text.size(), false);
  if (auto code = result.error()) {
    size_t column = LocateJsonError(line_.text, code, options_.max_depth);
    SetError(column + 1, std::string(JsonErrorReason(code)), true);
    return;
  }
  value_ = result.value_unsafe();
  if (options_.objects_only && value_.type() != simdjson::dom::element_type::OBJECT) {
    size_t column = 1;
    while (column <= line_.text.size() && IsBlank(line_.text.substr(column - 1, 1))) ++column;
    SetError(column, "expected an object, found " + std::string(JsonTypeName(value_.type())), false);
    return;
  }
  ++stats_.records;
}

void JsonlReader::SetError(uint64_t column, std::string reason, bool json_error) {
  ++stats_.errors;
  error_.column = column;
  error_.reason = std::move(reason);
  error_.message = std::string(json_error ? "invalid JSON" : "invalid record") + " at line " +
                   std::to_string(line_.number) + ", column " + std::to_string(column) + ": " + error_.reason;
}

std::string ValidateJsonDocument(std::string_view text, size_t max_depth) {
  std::vector<char> padded(text.size() + simdjson::SIMDJSON_PADDING, ' ');
  std::memcpy(padded.data(), text.data(), text.size());
  simdjson::dom::parser parser;
  if (auto code = parser.allocate(std::max<size_t>(text.size(), 64), max_depth)) {
    return std::string(JsonErrorReason(code));
  }
  auto result = parser.parse(padded.data(), text.size(), false);
  if (auto code = result.error()) return std::string(JsonErrorReason(code));
  return "";
}

}  // namespace etl::runtime
