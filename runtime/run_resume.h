// What `etlc run --resume` needs to continue a run exactly (docs/delivery.md): the run's
// `now()`, seed, params and persistence mode (`<run dir>/meta`, written when the run
// starts), and a lock that tells a run still in progress from one whose process died.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "compiler/ast/value.h"
#include "runtime/executor.h"

namespace etl::runtime {

// The fixed inputs of a run.
struct RunMeta {
  int64_t now_us = 0;
  uint64_t seed = 0;
  bool persist_disk = false;
  std::map<std::string, ast::Value, std::less<>> params;
};

// A random 64-bit seed for a new run's `uuid()` and `generate` (never 0: 0 means "draw one").
uint64_t RandomSeed();

// Sets what `meta` fixes in a run's options: params, now(), seed, persistence and the
// persist folder `<run_dir>/persist`.
void ApplyRunMeta(const RunMeta& meta, const std::string& run_dir, RunOptions& options);

// Writes `meta` to `<run_dir>/meta` (a checkpoint record, synced); an error message when
// it cannot.
std::optional<std::string> WriteRunMeta(const std::string& run_dir, const RunMeta& meta);

// Reads `<run_dir>/meta`; an error message when it is missing or not readable.
std::optional<std::string> ReadRunMeta(const std::string& run_dir, RunMeta& meta);

// An exclusive lock on `<run_dir>/lock`, held while this process runs the run, so that a
// resume never runs alongside a live run. The kernel drops it when the process dies.
class RunLock {
 public:
  RunLock() = default;
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  // False (and `error`) when another process holds it or it cannot be taken.
  bool Acquire(const std::string& run_dir, std::string& error);

 private:
  int fd_ = -1;
};

}  // namespace etl::runtime
