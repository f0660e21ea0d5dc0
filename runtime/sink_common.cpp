#include "runtime/sink_common.h"

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
  rows_ += static_cast<int64_t>(batch.Size());
  last_sequence_ = batch.sequence;
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

void BufferedSink::Abort() {
  aborted_ = true;
  buffer_.clear();
  output_->Abort();
}

}  // namespace etl::runtime
