// File, memory, gzip and zstd byte sources. The decompressors are zlib and libzstd
// (well-kept libraries); we only adapt them to the chunked InputStream interface.
#include "runtime/input_stream.h"

#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace etl::runtime {
namespace {

// A mapped file that another process truncates makes reading its lost pages raise SIGBUS,
// which would end the process (and with it a running `etlc serve`). Live mappings are kept
// in this table; the handler maps a zero page over a faulting page inside one of them, marks
// it truncated (the reader reports an input error) and lets the read resume. Slots are
// lock-free so the handler may read them; a mapping that finds no free slot is not made.
struct MapSlot {
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> truncated{false};
};
std::array<MapSlot, 64> map_slots;
struct sigaction previous_sigbus {};

void OnSigbus(int signal, siginfo_t* info, void* context) {
  auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  for (MapSlot& slot : map_slots) {
    uintptr_t begin = slot.begin.load(std::memory_order_acquire);
    if (begin != 0 && address >= begin && address < slot.end.load(std::memory_order_acquire)) {
      long page = ::sysconf(_SC_PAGESIZE);
      void* at = reinterpret_cast<void*>(address & ~static_cast<uintptr_t>(page - 1));
      if (::mmap(at, static_cast<size_t>(page), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
          MAP_FAILED) {
        slot.truncated.store(true, std::memory_order_release);
        return;  // the load is retried and reads zeros
      }
    }
  }
  // Not ours: what was installed before decides (the default ends the process with a core).
  if (previous_sigbus.sa_flags & SA_SIGINFO) {
    previous_sigbus.sa_sigaction(signal, info, context);
  } else if (previous_sigbus.sa_handler != SIG_DFL && previous_sigbus.sa_handler != SIG_IGN) {
    previous_sigbus.sa_handler(signal);
  } else {
    ::signal(SIGBUS, SIG_DFL);  // returning re-runs the access, which now ends the process
  }
}

// Claims a slot for [begin, end) (installing the handler once); -1 when all are taken.
int RegisterMapping(const char* begin, uint64_t end_offset) {
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_sigaction = OnSigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    return ::sigaction(SIGBUS, &action, &previous_sigbus) == 0;
  }();
  if (!installed) return -1;
  for (size_t i = 0; i < map_slots.size(); ++i) {
    uintptr_t expected = 0;
    // Claim with a non-zero placeholder, then publish the range.
    if (map_slots[i].begin.compare_exchange_strong(expected, 1)) {
      map_slots[i].truncated.store(false);
      map_slots[i].end.store(reinterpret_cast<uintptr_t>(begin) + end_offset);
      map_slots[i].begin.store(reinterpret_cast<uintptr_t>(begin), std::memory_order_release);
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Compressed input is read in chunks of this size before decompression.
constexpr size_t kCompressedChunk = 1 << 20;

// Where raw (possibly compressed) bytes come from: a file descriptor or a string.
class RawSource {
 public:
  virtual ~RawSource() = default;
  // Returns bytes read, 0 at end, -1 on error (errno-style message in `error`).
  virtual ptrdiff_t Read(char* dst, size_t size, std::string* error) = 0;
};

class FdSource final : public RawSource {
 public:
  // `regular_size` is the size of a regular file (mappable), 0 for anything else.
  FdSource(int fd, uint64_t regular_size) : fd_(fd), regular_size_(regular_size) {}
  ~FdSource() override { ::close(fd_); }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;
  ptrdiff_t Read(char* dst, size_t size, std::string* error) override {
    while (true) {
      ssize_t n = ::read(fd_, dst, size);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      *error = std::string("read failed: ") + std::strerror(errno);
      return -1;
    }
  }
  // Maps the whole file read-only; null when it is not a regular file or mmap fails.
  std::shared_ptr<const MappedFile> Map() const {
    if (regular_size_ == 0 || regular_size_ > SIZE_MAX) return nullptr;
    void* data = ::mmap(nullptr, regular_size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (data == MAP_FAILED) return nullptr;
    int slot = RegisterMapping(static_cast<const char*>(data), regular_size_);
    if (slot < 0) {
      ::munmap(data, regular_size_);
      return nullptr;
    }
    // Sequential: the kernel reads ahead on a cold cache and may drop pages behind us.
    ::madvise(data, regular_size_, MADV_SEQUENTIAL);
    long page = ::sysconf(_SC_PAGESIZE);
    return std::make_shared<MappedFile>(static_cast<const char*>(data), regular_size_,
                                        page > 0 ? static_cast<size_t>(page) : 4096, slot);
  }

 private:
  int fd_;
  uint64_t regular_size_;
};

class MemorySource final : public RawSource {
 public:
  MemorySource(std::string bytes, size_t max_read) : bytes_(std::move(bytes)), max_read_(max_read) {}
  ptrdiff_t Read(char* dst, size_t size, std::string*) override {
    size_t n = std::min(size, bytes_.size() - pos_);
    if (max_read_ > 0) n = std::min(n, max_read_);
    std::memcpy(dst, bytes_.data() + pos_, n);
    pos_ += n;
    return static_cast<ptrdiff_t>(n);
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;
  size_t max_read_;
};

// Base of the three decoders: owns the raw source and the sniffed prefix bytes, which are
// handed out before anything else is read from the source.
class SourceStream : public InputStream {
 protected:
  SourceStream(std::string path, std::unique_ptr<RawSource> source, std::string prefix)
      : InputStream(std::move(path)), source_(std::move(source)), prefix_(std::move(prefix)) {}

  // Raw bytes, prefix first; 0 at end or error.
  size_t ReadRaw(char* dst, size_t size) {
    if (prefix_pos_ < prefix_.size()) {
      size_t n = std::min(size, prefix_.size() - prefix_pos_);
      std::memcpy(dst, prefix_.data() + prefix_pos_, n);
      prefix_pos_ += n;
      return n;
    }
    std::string message;
    ptrdiff_t n = source_->Read(dst, size, &message);
    if (n < 0) {
      Fail(message);
      return 0;
    }
    source_bytes_read_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

  std::unique_ptr<RawSource> source_;
  std::string prefix_;
  size_t prefix_pos_ = 0;

 public:
  void SetSourceSize(uint64_t size) { source_size_ = size; }
  void SetError(std::string message) { Fail(std::move(message)); }
};

class PlainStream final : public SourceStream {
 public:
  PlainStream(std::string path, std::unique_ptr<RawSource> source, std::string prefix)
      : SourceStream(std::move(path), std::move(source), std::move(prefix)) {}
  size_t Read(char* dst, size_t size) override {
    return error_ || mapped_ ? 0 : ReadRaw(dst, size);
  }
  std::shared_ptr<const MappedFile> Map() override {
    // Only before the first Read: the mapping starts at offset 0, like the stream.
    if (error_ || mapped_ || prefix_pos_ > 0 || source_bytes_read_ > 0) return nullptr;
    auto* fd_source = dynamic_cast<FdSource*>(source_.get());
    if (fd_source == nullptr) return nullptr;
    auto mapping = fd_source->Map();
    if (mapping) {
      mapped_ = true;
      source_bytes_read_ = mapping->size();
    }
    return mapping;
  }

 private:
  bool mapped_ = false;
};

class GzipStream final : public SourceStream {
 public:
  GzipStream(std::string path, std::unique_ptr<RawSource> source, std::string prefix)
      : SourceStream(std::move(path), std::move(source), std::move(prefix)), in_(kCompressedChunk) {
    // 15 + 32: automatic gzip/zlib header detection with the largest window.
    if (inflateInit2(&z_, 15 + 32) != Z_OK) Fail("cannot initialise the gzip decoder");
  }
  ~GzipStream() override { inflateEnd(&z_); }
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  size_t Read(char* dst, size_t size) override {
    if (error_ || done_) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(dst);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    while (z_.avail_out > 0) {
      if (z_.avail_in == 0) {
        size_t n = ReadRaw(reinterpret_cast<char*>(in_.data()), in_.size());
        if (error_) return 0;
        if (n == 0) {
          // The file ended: fine only between gzip members.
          if (!member_ended_) Fail("corrupt gzip stream: unexpected end of file");
          done_ = true;
          break;
        }
        z_.next_in = in_.data();
        z_.avail_in = static_cast<uInt>(n);
      }
      if (member_ended_) {
        // Concatenated members (as `cat a.gz b.gz` makes) are one stream, like gzip -d.
        inflateReset(&z_);
        member_ended_ = false;
      }
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        Fail(std::string("corrupt gzip stream: ") + (z_.msg ? z_.msg : "inflate failed"));
        return 0;
      }
    }
    return static_cast<size_t>(reinterpret_cast<char*>(z_.next_out) - dst);
  }

 private:
  z_stream z_{};
  std::vector<Bytef> in_;
  bool member_ended_ = false;
  bool done_ = false;
};

class ZstdStream final : public SourceStream {
 public:
  ZstdStream(std::string path, std::unique_ptr<RawSource> source, std::string prefix)
      : SourceStream(std::move(path), std::move(source), std::move(prefix)),
        dctx_(ZSTD_createDCtx()),
        in_(std::max(kCompressedChunk, ZSTD_DStreamInSize())) {
    if (dctx_ == nullptr) Fail("cannot initialise the zstd decoder");
  }
  ~ZstdStream() override { ZSTD_freeDCtx(dctx_); }
  ZstdStream(const ZstdStream&) = delete;
  ZstdStream& operator=(const ZstdStream&) = delete;

  size_t Read(char* dst, size_t size) override {
    if (error_ || done_) return 0;
    ZSTD_outBuffer out{dst, size, 0};
    while (out.pos < out.size) {
      if (input_.pos == input_.size) {
        size_t n = ReadRaw(in_.data(), in_.size());
        if (error_) return 0;
        if (n == 0) {
          if (last_hint_ != 0) Fail("corrupt zstd stream: unexpected end of file");
          done_ = true;
          break;
        }
        input_ = ZSTD_inBuffer{in_.data(), n, 0};
      }
      size_t hint = ZSTD_decompressStream(dctx_, &out, &input_);
      if (ZSTD_isError(hint)) {
        Fail(std::string("corrupt zstd stream: ") + ZSTD_getErrorName(hint));
        return 0;
      }
      last_hint_ = hint;  // 0 means a frame is complete; more frames may follow
    }
    return out.pos;
  }

 private:
  ZSTD_DCtx* dctx_;
  std::vector<char> in_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  size_t last_hint_ = 0;
  bool done_ = false;
};

// Reads up to 4 bytes of the source to pick the decoder; the bytes are replayed.
std::unique_ptr<InputStream> MakeStream(std::string path, std::unique_ptr<RawSource> source,
                                        uint64_t size) {
  std::string prefix(4, '\0');
  std::string message;
  size_t got = 0;
  while (got < prefix.size()) {
    ptrdiff_t n = source->Read(prefix.data() + got, prefix.size() - got, &message);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  prefix.resize(got);
  std::unique_ptr<SourceStream> stream;
  switch (DetectCompression(prefix.data(), prefix.size())) {
    case Compression::kGzip:
      stream = std::make_unique<GzipStream>(std::move(path), std::move(source), std::move(prefix));
      break;
    case Compression::kZstd:
      stream = std::make_unique<ZstdStream>(std::move(path), std::move(source), std::move(prefix));
      break;
    case Compression::kNone:
      stream = std::make_unique<PlainStream>(std::move(path), std::move(source), std::move(prefix));
      break;
  }
  stream->SetSourceSize(size);
  if (!message.empty()) stream->SetError(message);
  return stream;
}

}  // namespace

MappedFile::MappedFile(const char* data, uint64_t size, size_t page_size, int slot)
    : data_(data), size_(size), page_size_(page_size),
      readable_past_end_(size % page_size == 0 ? 0 : page_size - size % page_size), slot_(slot) {}

MappedFile::~MappedFile() {
  ::munmap(const_cast<char*>(data_), size_);
  map_slots[static_cast<size_t>(slot_)].end.store(0);
  map_slots[static_cast<size_t>(slot_)].begin.store(0, std::memory_order_release);
}

bool MappedFile::truncated() const {
  return map_slots[static_cast<size_t>(slot_)].truncated.load(std::memory_order_acquire);
}

void MappedFile::Release(uint64_t offset) const {
  uint64_t end = std::min(offset, size_) / page_size_ * page_size_;
  if (end <= released_) return;
  ::madvise(const_cast<char*>(data_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

Compression DetectCompression(const char* data, size_t size) {
  const auto* b = reinterpret_cast<const unsigned char*>(data);
  if (size >= 2 && b[0] == 0x1f && b[1] == 0x8b) return Compression::kGzip;
  if (size >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

std::unique_ptr<InputStream> OpenInputFile(const std::string& path, InputError* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = InputError{path, std::string("cannot open file: ") + std::strerror(errno)};
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    *error = InputError{path, "is a directory, not a file"};
    return nullptr;
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  uint64_t regular_size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  return MakeStream(path, std::make_unique<FdSource>(fd, regular_size), static_cast<uint64_t>(st.st_size));
}

std::unique_ptr<InputStream> OpenInputMemory(std::string bytes, std::string name, size_t max_read) {
  uint64_t size = bytes.size();
  return MakeStream(std::move(name), std::make_unique<MemorySource>(std::move(bytes), max_read),
                    size);
}

bool ExpandGlob(const std::string& pattern, std::vector<std::string>* paths, InputError* error) {
  paths->clear();
  glob_t matches{};
  // GLOB_MARK appends '/' to directories so they can be left out.
  int rc = ::glob(pattern.c_str(), GLOB_MARK, nullptr, &matches);
  if (rc == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      std::string path = matches.gl_pathv[i];
      if (!path.empty() && path.back() != '/') paths->push_back(std::move(path));
    }
  }
  ::globfree(&matches);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    *error = InputError{pattern, "cannot expand the pattern (read error)"};
    return false;
  }
  if (paths->empty()) {
    *error = InputError{pattern, "no file matches this path"};
    return false;
  }
  std::sort(paths->begin(), paths->end());
  return true;
}

}  // namespace etl::runtime
