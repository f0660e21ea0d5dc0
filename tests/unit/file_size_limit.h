// How tests make a write fail: a file size limit (RLIMIT_FSIZE) for the scope of an
// object, with SIGXFSZ ignored so that a write past it fails with EFBIG instead of
// killing the test. Both are restored when the object goes, however the test ends.
#pragma once

#include <sys/resource.h>

#include <csignal>

namespace etl::test {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    if (::getrlimit(RLIMIT_FSIZE, &saved_) != 0) return;
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = saved_;
    limited.rlim_cur = bytes;
    set_ = ::setrlimit(RLIMIT_FSIZE, &limited) == 0;
  }
  ~FileSizeLimit() {
    if (set_) ::setrlimit(RLIMIT_FSIZE, &saved_);
    if (old_handler_ != SIG_ERR) std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  // Whether the limit is in force (check it with ASSERT_TRUE).
  bool set() const { return set_; }

 private:
  struct rlimit saved_ {};
  void (*old_handler_)(int) = SIG_ERR;
  bool set_ = false;
};

}  // namespace etl::test
