// Byte sources for file-based readers (csv, jsonl): a file read in large chunks, with
// gzip and zstd decompressed transparently (chosen by the first bytes, not the name),
// and glob expansion for source paths such as `csv("in/*.csv")`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace etl::runtime {

// A failure to read input (missing file, corrupt compressed stream): reported, never thrown.
struct InputError {
  std::string path;     // the file it concerns (or the glob pattern)
  std::string message;  // what happened, lowercase, no trailing period
  // "path: message", for logs and the run's error output.
  std::string ToString() const { return path + ": " + message; }
};

// The compression detected from the magic bytes at the start of a file.
enum class Compression { kNone, kGzip, kZstd };

// A forward-only byte source. Readers call Read with large buffers (1 MiB and more); one
// virtual call per chunk, never per byte.
class InputStream {
 public:
  virtual ~InputStream() = default;
  // Copies up to `size` decompressed bytes into `dst`; returns how many, 0 at the end of the
  // input or on error (then error() is set). May return fewer than `size` before the end.
  virtual size_t Read(char* dst, size_t size) = 0;
  // The error that ended the stream early, if any.
  const std::optional<InputError>& error() const { return error_; }
  // Bytes consumed from the underlying file so far (compressed bytes), for progress/ETA.
  uint64_t source_bytes_read() const { return source_bytes_read_; }
  // Size of the underlying file in bytes, or 0 when unknown (memory input knows it).
  uint64_t source_size() const { return source_size_; }
  // The path shown in error messages.
  const std::string& path() const { return path_; }

 protected:
  explicit InputStream(std::string path) : path_(std::move(path)) {}
  void Fail(std::string message) {
    if (!error_) error_ = InputError{path_, std::move(message)};
  }
  std::string path_;
  std::optional<InputError> error_;
  uint64_t source_bytes_read_ = 0;
  uint64_t source_size_ = 0;
};

// Opens `path`, sniffs gzip (1f 8b) or zstd (28 b5 2f fd) magic and returns a stream that
// yields the decompressed bytes. Returns null and sets `error` when the file cannot be opened.
std::unique_ptr<InputStream> OpenInputFile(const std::string& path, InputError* error);

// Wraps bytes already in memory (tests, stdin already slurped). Compressed bytes are
// decompressed as for a file. `max_read` > 0 caps every Read, to exercise short reads.
std::unique_ptr<InputStream> OpenInputMemory(std::string bytes, std::string name = "<memory>",
                                             size_t max_read = 0);

// The compression a buffer starts with (needs up to 4 bytes; fewer means kNone).
Compression DetectCompression(const char* data, size_t size);

// Expands a glob pattern to the sorted list of matching regular files. A pattern without
// wildcards names one file. No match is an error naming the pattern.
bool ExpandGlob(const std::string& pattern, std::vector<std::string>* paths, InputError* error);

}  // namespace etl::runtime
