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

// A whole regular file mapped read-only (mmap): readers that can work on views use its bytes
// in place instead of copying them with read(2). Lives as long as any shared_ptr to it.
class MappedFile {
 public:
  // Takes over a mapping registered in `slot` of the SIGBUS guard (input_stream.cpp).
  MappedFile(const char* data, uint64_t size, size_t page_size, int slot);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // The file's bytes.
  const char* data() const { return data_; }
  // The file's size when it was mapped.
  uint64_t size() const { return size_; }
  // Zero bytes that can be read after data() + size() (the rest of the last page), for readers
  // whose vector loads overrun the end.
  size_t readable_past_end() const { return readable_past_end_; }
  // Drops the pages before `offset` from this process's memory (madvise MADV_DONTNEED), so a
  // file read front to back keeps only the part in flight resident. The bytes stay valid: the
  // mapping is private and never written, so a later access reloads them from the page cache.
  void Release(uint64_t offset) const;
  // True once a read hit a page the file no longer has (another process truncated it): those
  // bytes read as zeros, so the reader must fail the input instead of trusting them.
  bool truncated() const;

 private:
  const char* data_;
  uint64_t size_;
  size_t page_size_;
  size_t readable_past_end_;
  mutable uint64_t released_ = 0;  // pages before this offset were released already
  int slot_;                       // the SIGBUS guard's slot of this mapping
};

// A forward-only byte source. Readers call Read with large buffers (1 MiB and more); one
// virtual call per chunk, never per byte.
class InputStream {
 public:
  virtual ~InputStream() = default;
  // Copies up to `size` decompressed bytes into `dst`; returns how many, 0 at the end of the
  // input or on error (then error() is set). May return fewer than `size` before the end.
  virtual size_t Read(char* dst, size_t size) = 0;
  // The whole input mapped in memory, when it is a regular uncompressed file of which nothing
  // was read yet and mmap works; null otherwise (pipes, gzip/zstd, memory input, empty files),
  // then Read works as usual. After a mapping is returned, Read returns 0: the mapping is the
  // input. Why: read(2) copies every byte once more (5 to 8% of the CPU time of the CSV
  // tasks, bench/PROFILE.md); a view of the page cache needs no copy.
  virtual std::shared_ptr<const MappedFile> Map() { return nullptr; }
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
