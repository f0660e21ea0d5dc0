#include "runtime/persist_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "runtime/fault_injection.h"

namespace etl::runtime {

namespace {

constexpr char kMagic[4] = {'E', 'T', 'L', 'R'};
constexpr size_t kHeaderBytes = 12;
// A record larger than this is damage, not data (a batch is a few MB at most).
constexpr uint32_t kMaxRecordBytes = 1u << 30;

uint32_t Crc(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large payloads in pieces.
  while (!bytes.empty()) {
    uInt n = static_cast<uInt>(std::min<size_t>(bytes.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), n);
    bytes.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string Errno(const std::string& what, const std::string& path) {
  return fmt::format("{} `{}`: {}", what, path, std::strerror(errno));
}

bool ReadAll(const std::string& path, std::string& out, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = Errno("cannot open", path);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0) out.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = Errno("cannot read", path);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace

RecordScan ScanRecordFile(const std::string& path) {
  RecordScan scan;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    scan.missing = true;
    return scan;
  }
  std::string data, error;
  if (!ReadAll(path, data, error)) {
    scan.damage = error;
    return scan;
  }
  scan.file_bytes = data.size();
  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < kHeaderBytes) {
      scan.damage = fmt::format("truncated record header at byte {}", at);
      break;
    }
    if (std::memcmp(data.data() + at, kMagic, 4) != 0) {
      scan.damage = fmt::format("no record starts at byte {}", at);
      break;
    }
    uint32_t length = GetU32(data.data() + at + 4);
    uint32_t crc = GetU32(data.data() + at + 8);
    if (length > kMaxRecordBytes || data.size() - at - kHeaderBytes < length) {
      scan.damage = fmt::format("truncated record at byte {}", at);
      break;
    }
    std::string_view payload(data.data() + at + kHeaderBytes, length);
    if (Crc(payload) != crc) {
      scan.damage = fmt::format("checksum mismatch in the record at byte {}", at);
      break;
    }
    scan.records.emplace_back(payload);
    at += kHeaderBytes + length;
    scan.valid_bytes = at;
  }
  return scan;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::optional<std::string> TruncateFile(const std::string& path, uint64_t bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  std::optional<std::string> error;
  if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) error = Errno("cannot truncate", path);
  else if (::fsync(fd) != 0) error = Errno("cannot sync", path);
  ::close(fd);
  return error;
}

RecordWriter::~RecordWriter() { Close(); }

std::optional<std::string> RecordWriter::Open(const std::string& path) {
  Close();
  path_ = path;
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return fmt::format("cannot create directory `{}`: {}", p.parent_path().string(), ec.message());
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("cannot open", path);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Errno("cannot stat", path);
  bytes_ = static_cast<uint64_t>(st.st_size);
  return std::nullopt;
}

std::optional<std::string> RecordWriter::Append(std::string_view payload) {
  if (fd_ < 0) return fmt::format("`{}` is not open", path_);
  FaultPoint("log_append");
  frame_.clear();
  frame_.append(kMagic, 4);
  PutU32(frame_, static_cast<uint32_t>(payload.size()));
  PutU32(frame_, Crc(payload));
  // One write for header and payload keeps a torn record recognisable; large payloads go
  // in a second write (the checksum still catches a partial one).
  if (payload.size() <= (1u << 16)) {
    frame_.append(payload);
    payload = {};
  }
  for (std::string_view part : {std::string_view(frame_), payload}) {
    if (!WriteAll(fd_, part)) return Errno("cannot write", path_);
    bytes_ += part.size();
  }
  return std::nullopt;
}

std::optional<std::string> RecordWriter::Sync() {
  if (fd_ < 0) return std::nullopt;
  FaultPoint("log_sync");
  if (::fdatasync(fd_) != 0) return Errno("cannot sync", path_);
  return std::nullopt;
}

void RecordWriter::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::optional<std::string> AppendCheckpoint(const std::string& path, std::string_view payload) {
  RecordWriter writer;
  if (auto error = writer.Open(path)) return error;
  bool created = writer.bytes() == 0;
  if (auto error = writer.Append(payload)) return error;
  if (auto error = writer.Sync()) return error;
  if (created) SyncDirectory(std::filesystem::path(path).parent_path().string());
  return std::nullopt;
}

std::optional<std::string> LastCheckpoint(const std::string& path, std::string* damage, bool repair) {
  RecordScan scan = ScanRecordFile(path);
  if (damage) *damage = scan.damage;
  if (repair && !scan.missing && !scan.damage.empty() && scan.valid_bytes < scan.file_bytes) {
    TruncateFile(path, scan.valid_bytes);
  }
  if (scan.records.empty()) return std::nullopt;
  return std::move(scan.records.back());
}

void SyncDirectory(const std::string& path) {
  int fd = ::open(path.empty() ? "." : path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace etl::runtime
