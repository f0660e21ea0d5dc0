#include "runtime/run_resume.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "compiler/ir/json_codec.h"
#include "runtime/persist_log.h"

namespace etl::runtime {

namespace {
using ir::json_codec::Json;
}  // namespace

std::optional<std::string> WriteRunMeta(const std::string& run_dir, const RunMeta& meta) {
  Json json = Json::object();
  json["now_us"] = meta.now_us;
  json["seed"] = meta.seed;
  json["persist"] = meta.persist_disk ? "disk" : "memory";
  Json params = Json::object();
  for (const auto& [name, value] : meta.params) params[name] = ir::json_codec::ValueToJson(value);
  json["params"] = std::move(params);
  return runtime::AppendCheckpoint(run_dir + "/meta", json.dump());
}

std::optional<std::string> ReadRunMeta(const std::string& run_dir, RunMeta& meta) {
  std::string damage;
  std::optional<std::string> record = runtime::LastCheckpoint(run_dir + "/meta", &damage);
  if (!record) {
    return fmt::format("`{}/meta` is missing{}", run_dir, damage.empty() ? "" : " or damaged (" + damage + ")");
  }
  try {
    Json json = Json::parse(*record);
    meta.now_us = json.at("now_us").get<int64_t>();
    meta.seed = json.at("seed").get<uint64_t>();
    meta.persist_disk = json.at("persist").get<std::string>() == "disk";
    meta.params.clear();
    for (const auto& [name, value] : json.at("params").items()) {
      meta.params[name] = ir::json_codec::ValueFromJson(value, "/params/" + name);
    }
  } catch (const std::exception& e) {
    return fmt::format("`{}/meta` is not readable: {}", run_dir, e.what());
  }
  return std::nullopt;
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool RunLock::Acquire(const std::string& run_dir, std::string& error) {
  std::string path = run_dir + "/lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = fmt::format("cannot open `{}`: {}", path, std::strerror(errno));
    return false;
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    error = errno == EWOULDBLOCK ? "the run is still running in another process" : std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::write(fd_, pid.data(), pid.size());
  return true;
}

uint64_t RandomSeed() {
  std::random_device device;
  uint64_t seed = (static_cast<uint64_t>(device()) << 32) | device();
  return seed == 0 ? 1 : seed;
}

void ApplyRunMeta(const RunMeta& meta, const std::string& run_dir, RunOptions& options) {
  options.params = meta.params;
  options.now_us = meta.now_us;
  options.seed = meta.seed;
  options.persist_disk = meta.persist_disk;
  options.persist_dir = run_dir + "/persist";
}

}  // namespace etl::runtime
