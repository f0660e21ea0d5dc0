#include "runtime/sink_common.h"

#include <charconv>
#include <sstream>

#include "runtime/persist_log.h"

namespace etl::runtime {

BufferedSink::BufferedSink(std::string target, std::unique_ptr<SinkOutput> output)
    : target_(std::move(target)), output_(std::move(output)) {
  buffer_.reserve(kSinkBufferBytes + (kSinkBufferBytes >> 2));
}

void BufferedSink::EnsureStarted() {
  if (started_) return;
  started_ = true;
  Start(buffer_);
}

bool BufferedSink::Flush() {
  if (buffer_.empty()) return true;
  if (!output_->Write(buffer_)) {
    failure_ = output_->error();
    if (!failure_) failure_ = InputError{target_, "write failed"};
    output_->Abort();
    buffer_.clear();
    return false;
  }
  bytes_ += static_cast<int64_t>(buffer_.size());
  buffer_.clear();
  return true;
}

void BufferedSink::Push(size_t input, const Batch& batch, Emitter& out) {
  (void)out;
  (void)input;
  if (Done() || closed_) return;
  EnsureStarted();
  Format(batch, buffer_);
  Took(batch.Size(), batch.sequence);
}

void BufferedSink::PushFormatted(std::string_view text, size_t rows, uint64_t sequence) {
  if (Done() || closed_) return;
  EnsureStarted();
  buffer_ += text;
  Took(rows, sequence);
}

void BufferedSink::Took(size_t rows, uint64_t sequence) {
  rows_ += static_cast<int64_t>(rows);
  last_sequence_ = sequence;
  if (buffer_.size() >= kSinkBufferBytes) Flush();
}

void BufferedSink::Close(size_t input, Emitter& out) {
  if (Done() || closed_) return;
  closed_ = true;
  EnsureStarted();
  Finish(buffer_);
  if (!Flush()) return;
  if (!output_->Prepare()) {
    failure_ = output_->error();
    if (!failure_) failure_ = InputError{target_, "cannot make the output durable"};
    output_->Abort();
    return;
  }
  prepared_ = true;
  // Acknowledged only now: what a sink received is durable once it is prepared.
  if (last_sequence_) out.Ack(input, *last_sequence_);
  out.Emit(0, MakeDoneBatch(target_, rows_, bytes_));
}

bool BufferedSink::Commit() {
  if (failure_ || aborted_ || !prepared_) return false;
  if (!output_->Commit()) {
    failure_ = output_->error();
    if (!failure_) failure_ = InputError{target_, "commit failed"};
    output_->Abort();
    return false;
  }
  return true;
}

// The checkpoint record: "sink v1", the staging name, bytes, rows, started, then the
// progress (everything after the sixth newline, verbatim).
bool BufferedSink::Checkpoint(const std::string& progress) {
  if (failure_ || aborted_) return false;
  if (!Flush()) return false;
  if (!output_->Sync()) {
    failure_ = output_->error();
    return false;
  }
  std::string record = "sink v1\n" + output_->StagingName() + "\n" + std::to_string(bytes_) + "\n" +
                       std::to_string(rows_) + "\n" + (started_ ? "1" : "0") + "\n" + progress;
  if (auto error = AppendCheckpoint(durability_.state_file, record)) {
    failure_ = InputError{target_, "cannot checkpoint: " + *error};
    return false;
  }
  return true;
}

std::optional<std::string> BufferedSink::Restore() {
  std::string damage;
  std::optional<std::string> record = LastCheckpoint(durability_.state_file, &damage, /*repair=*/true);
  if (!record) return std::nullopt;
  std::vector<std::string> parts;
  size_t at = 0;
  for (int i = 0; i < 5; ++i) {
    size_t nl = record->find('\n', at);
    if (nl == std::string::npos) break;
    parts.push_back(record->substr(at, nl - at));
    at = nl + 1;
  }
  int64_t bytes = -1, rows = -1;
  if (parts.size() == 5) {
    std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), bytes);
    std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), rows);
  }
  if (parts.size() != 5 || parts[0] != "sink v1" || bytes < 0 || rows < 0) {
    failure_ = InputError{target_, "cannot resume: its checkpoint `" + durability_.state_file + "` is not readable"};
    return std::nullopt;
  }
  if (!parts[1].empty() || bytes > 0) {
    if (!output_->Reopen(parts[1], static_cast<uint64_t>(bytes), durability_.publishing)) {
      failure_ = output_->error();
      if (!failure_) failure_ = InputError{target_, "cannot resume its output"};
      return std::nullopt;
    }
  }
  bytes_ = bytes;
  rows_ = rows;
  started_ = parts[4] == "1";
  // The commit record is only written once every sink closed and checkpointed: what is
  // restored is the prepared output, ready to be published.
  if (durability_.publishing) closed_ = prepared_ = true;
  return record->substr(at);
}

void BufferedSink::Suspend() {
  aborted_ = true;
  buffer_.clear();
  output_->Detach();
}

void BufferedSink::SetDurability(SinkDurability durability) {
  durability_ = std::move(durability);
  // Named after the run (also under `persist memory`), so that a resumed or restarted run
  // finds, continues or replaces what a killed attempt left, instead of leaving it there.
  if (!durability_.run_id.empty() && output_->Resumable()) output_->UseStagingName(target_ + ".tmp-" + durability_.run_id);
}

void BufferedSink::Abort() {
  aborted_ = true;
  buffer_.clear();
  output_->Abort();
}

}  // namespace etl::runtime
