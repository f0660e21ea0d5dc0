#include "runtime/sink_output.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "runtime/fault_injection.h"
#include "runtime/persist_log.h"

namespace etl::runtime {

namespace {

std::string RandomSuffix() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::mt19937_64 generator((static_cast<uint64_t>(device()) << 32) ^ device() ^
                            static_cast<uint64_t>(getpid()));
  std::string suffix;
  for (int i = 0; i < 10; ++i) suffix += kAlphabet[generator() % (sizeof(kAlphabet) - 1)];
  return suffix;
}

}  // namespace

AtomicFileOutput::AtomicFileOutput(std::string path, bool append) : path_(std::move(path)), append_(append) {}

AtomicFileOutput::~AtomicFileOutput() {
  if (!committed_ && !detached_) Abort();
  if (detached_ && fd_ >= 0) ::close(fd_);
}

void AtomicFileOutput::Detach() {
  detached_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool AtomicFileOutput::Failed(std::string message) {
  if (!error_) error_ = InputError{path_, std::move(message)};
  Abort();
  return false;
}

bool AtomicFileOutput::Open() {
  std::filesystem::path target(path_);
  if (target.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) return Failed("cannot create directory " + target.parent_path().string() + ": " + ec.message());
  }
  if (!fixed_temp_path_.empty()) {
    fd_ = ::open(fixed_temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) return Failed(std::string("cannot create file: ") + std::strerror(errno));
    temp_path_ = fixed_temp_path_;
    FaultPoint("sink_open");
    return !append_ || CopyExisting();
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string candidate = path_ + ".tmp-" + RandomSuffix();
    fd_ = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      temp_path_ = std::move(candidate);
      FaultPoint("sink_open");
      return !append_ || CopyExisting();
    }
    if (errno != EEXIST) return Failed(std::string("cannot create file: ") + std::strerror(errno));
  }
  return Failed("cannot create a temporary file next to it");
}

bool AtomicFileOutput::CopyExisting() {
  int in = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT) return true;  // nothing to append to yet
    return Failed(std::string("cannot read the existing file to append to it: ") + std::strerror(errno));
  }
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(in);
      return Failed(std::string("cannot read the existing file to append to it: ") + std::strerror(errno));
    }
    if (n == 0) break;
    if (!WriteAll(fd_, std::string_view(buffer, static_cast<size_t>(n)))) {
      ::close(in);
      return Failed(std::string("write failed: ") + std::strerror(errno));
    }
    existing_bytes_ += static_cast<uint64_t>(n);
  }
  ::close(in);
  return true;
}

uint64_t AtomicFileOutput::ExistingBytes() const {
  if (!append_) return 0;
  if (fd_ >= 0 || prepared_ || committed_) return existing_bytes_;
  struct stat st {};
  return ::stat(path_.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

bool AtomicFileOutput::Sync() {
  if (error_) return false;
  if (prepared_ || committed_ || fd_ < 0) return true;
  FaultPoint("sink_sync");
  if (::fdatasync(fd_) != 0) return Failed(std::string("fsync failed: ") + std::strerror(errno));
  return true;
}

bool AtomicFileOutput::Reopen(const std::string& staging, uint64_t bytes, bool published_ok) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  temp_path_.clear();
  struct stat st {};
  if (::stat(staging.c_str(), &st) != 0) {
    if (published_ok && ::stat(path_.c_str(), &st) == 0) {
      already_published_ = prepared_ = true;
      return true;
    }
    error_ = InputError{path_, "cannot resume: its unpublished output `" + staging + "` is gone"};
    return false;
  }
  fd_ = ::open(staging.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0) return Failed(std::string("cannot reopen `") + staging + "`: " + std::strerror(errno));
  temp_path_ = staging;
  if (static_cast<uint64_t>(st.st_size) < bytes) {
    return Failed("cannot resume: `" + staging + "` is shorter than its checkpoint says");
  }
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0) {
    return Failed(std::string("cannot cut `") + staging + "` back to its checkpoint: " + std::strerror(errno));
  }
  return true;
}

bool AtomicFileOutput::Write(std::string_view bytes) {
  if (error_ || committed_) return false;
  if (fd_ < 0 && !Open()) return false;
  FaultPoint("sink_write");
  if (!WriteAll(fd_, bytes)) return Failed(std::string("write failed: ") + std::strerror(errno));
  return true;
}

bool AtomicFileOutput::Prepare() {
  if (error_) return false;
  if (prepared_ || committed_) return true;
  FaultPoint("sink_prepare");
  if (fd_ < 0 && !Open()) return false;  // an empty output is still a file
  if (::fsync(fd_) != 0) return Failed(std::string("fsync failed: ") + std::strerror(errno));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Failed(std::string("close failed: ") + std::strerror(errno));
  prepared_ = true;
  return true;
}

bool AtomicFileOutput::Commit() {
  if (error_) return false;
  if (committed_) return true;
  if (already_published_) {
    committed_ = true;
    return true;
  }
  if (!Prepare()) return false;
  FaultPoint("sink_publish");
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return Failed(std::string("cannot rename the temporary file into place: ") + std::strerror(errno));
  }
  committed_ = true;
  // Make the rename itself durable.
  std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

void AtomicFileOutput::Abort() {
  if (committed_) return;
  if (temp_path_.empty() && !fixed_temp_path_.empty()) temp_path_ = fixed_temp_path_;  // a crashed attempt's
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

bool StreamOutput::Write(std::string_view bytes) {
  if (error_) return false;
  stream_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!stream_) {
    error_ = InputError{"stdout", "write failed"};
    return false;
  }
  return true;
}

bool StreamOutput::Commit() {
  if (error_) return false;
  stream_.flush();
  if (!stream_) {
    error_ = InputError{"stdout", "write failed"};
    return false;
  }
  return true;
}

ast::TypeRef DoneRecordType() {
  static const ast::TypeRef type = ast::RecordType(
      {{"target", ast::StringType()}, {"rows", ast::IntType()}, {"bytes", ast::IntType()}});
  return type;
}

Batch MakeDoneBatch(const std::string& target, int64_t rows, int64_t bytes) {
  ColumnBuilder target_column(ast::StringType());
  ColumnBuilder rows_column(ast::IntType());
  ColumnBuilder bytes_column(ast::IntType());
  target_column.AppendString(target);
  rows_column.AppendInt(rows);
  bytes_column.AppendInt(bytes);
  Batch batch;
  batch.schema = DoneRecordType();
  batch.rows = 1;
  batch.columns = {target_column.Finish(), rows_column.Finish(), bytes_column.Finish()};
  return batch;
}

}  // namespace etl::runtime
