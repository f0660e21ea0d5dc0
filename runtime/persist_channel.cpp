#include "runtime/persist_channel.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "runtime/batch_codec.h"

namespace etl::runtime {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".seg") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<std::string> ChannelLogWriter::Create(const std::string& dir) {
  dir_ = dir;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create `{}`: {}", dir, ec.message());
  segment_ = 0;
  entries_ = 0;
  return std::nullopt;
}

std::optional<std::string> ChannelLogWriter::Append(size_t port, const Batch& batch) {
  if (!writer_.IsOpen() || writer_.bytes() >= kSegmentBytes) {
    if (writer_.IsOpen()) {
      if (auto error = writer_.Sync()) return error;
    }
    ++segment_;
    if (auto error = writer_.Open(fmt::format("{}/{:06}.seg", dir_, segment_))) return error;
  }
  scratch_.clear();
  uint16_t p = static_cast<uint16_t>(port);
  scratch_.append(reinterpret_cast<const char*>(&p), sizeof p);
  EncodeBatch(batch, scratch_);
  if (auto error = writer_.Append(scratch_)) return error;
  ++entries_;
  return std::nullopt;
}

std::optional<std::string> ChannelLogWriter::Sync() {
  if (auto error = writer_.Sync()) return error;
  SyncDirectory(dir_);
  return std::nullopt;
}

ChannelLogCheck CheckChannelLog(const std::string& dir) {
  ChannelLogCheck check;
  check.segments = Segments(dir);
  for (size_t i = 0; i < check.segments.size(); ++i) {
    RecordScan scan = ScanRecordFile(check.segments[i]);
    check.entries += scan.records.size();
    if (!scan.damage.empty()) {
      check.damage = fmt::format("{}: {}", check.segments[i], scan.damage);
      check.damaged_segment = check.segments[i];
      check.valid_bytes = scan.valid_bytes;
      check.damaged_last = i + 1 == check.segments.size();
      break;
    }
  }
  return check;
}

std::optional<std::string> ChannelLogReader::Open(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fmt::format("`{}` is missing", dir);
  segments_ = Segments(dir);
  segment_ = 0;
  records_.clear();
  record_ = 0;
  return std::nullopt;
}

bool ChannelLogReader::Next(size_t& port, std::string& payload, std::string& error) {
  while (record_ >= records_.size()) {
    if (segment_ >= segments_.size()) return false;
    RecordScan scan = ScanRecordFile(segments_[segment_++]);
    if (!scan.damage.empty()) {
      error = fmt::format("{}: {}", segments_[segment_ - 1], scan.damage);
      return false;
    }
    records_ = std::move(scan.records);
    record_ = 0;
  }
  std::string& record = records_[record_++];
  if (record.size() < 2) {
    error = "a record without a port";
    return false;
  }
  uint16_t p = 0;
  std::memcpy(&p, record.data(), sizeof p);
  port = p;
  payload.assign(record, 2, std::string::npos);
  return true;
}

}  // namespace etl::runtime
