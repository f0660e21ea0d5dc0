// The runtime's step interface, shaped on the step protocol (../shared/design/step-protocol.md):
// a step is opened, receives batches on its inputs (with per-port sequence numbers), emits
// batches on its output ports, sends failed records to `.errors`, acknowledges what it has
// finished, and can report its resumable state. Built-in operators implement it in process;
// external steps (exec, plugins, remote) will be other transports of the same contract.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/value.h"
#include "runtime/batch.h"
#include "runtime/step_kernel.h"

namespace etl::runtime {

// A record that failed in a step (language.md §4, the errors schema):
// {step, code, message, record: json, source: string?, line: int?, at: timestamp}.
struct ErrorRecord {
  std::string step;                   // the plan node id
  std::string code;                   // stable, snake_case: "overflow", "csv_parse", "validate", ...
  std::string message;                // for people: "division by zero in `qty / n`"
  std::string record;                 // the record as JSON text; raw input text as a JSON string
  std::optional<std::string> source;  // the input file, for source errors
  std::optional<int64_t> line;        // its 1-based line
  int64_t at_us = 0;                  // when it happened (microseconds since the epoch, UTC)
};

// Where a step's results go. The executor implements it (channels, metrics, persistence);
// tests use CollectingEmitter. Port indexes follow the node's output ports in plan order.
class Emitter {
 public:
  virtual ~Emitter() = default;
  // Records on an output port (the protocol's `records`).
  virtual void Emit(size_t port, Batch batch) = 0;
  // One input record failed: it goes to the step's `.errors` port (the protocol's `error`).
  virtual void Fail(ErrorRecord error) = 0;
  // Records dropped by design (filter, route without `else`, dedup, take), so that for every
  // step: in = out + filtered + errors.
  virtual void Filtered(size_t count) = 0;
  // Every result of input `input` up to `sequence` has been emitted (the protocol's `ack`).
  virtual void Ack(size_t input, uint64_t sequence) = 0;
};

// What every step may use, fixed for a run.
struct StepContext {
  std::string step;                         // the plan node id (for error records)
  std::map<std::string, ast::Value> params; // the run's params
  int64_t now_us = 0;                       // `now()` for the whole run
  uint64_t seed = 0;                        // `uuid()`, `generate`
  // Memory a stateful step (sort) may buffer before spilling to disk.
  size_t memory_budget_bytes = size_t{256} << 20;
  // Whether derive, select, filter, route and validate run JIT-compiled (step_kernel.h).
  StepJit jit = {};
};

// A step with inputs: operators and sinks.
class Step {
 public:
  virtual ~Step() = default;
  // Before any input (the protocol's `open`).
  virtual void Open(Emitter& out) {}
  // A batch arrived on input `input`; `batch.sequence` increases per input.
  virtual void Push(size_t input, const Batch& batch, Emitter& out) = 0;
  // Input `input` is exhausted (the protocol's `close` for that input); a step with state
  // (aggregate, sort) emits its results when every input is closed.
  virtual void Close(size_t input, Emitter& out) {}
  // Whether the step wants no more input (`take n` after n rows): the executor may stop
  // feeding it and cancel upstream work that only it consumes.
  virtual bool Done() const { return false; }
};

// A part of a splitting source's input that is read apart from the rest: typically a byte
// range of a memory-mapped file cut at record boundaries, or a block a serial reader
// already tokenized. Several pieces are read at once on different workers; the executor
// still delivers them in input order (docs/dev/runtime-executor.md, "Splitting sources").
class SourcePiece {
 public:
  virtual ~SourcePiece() = default;
  // Parses and converts the piece. Runs on any worker, at the same time as other pieces'
  // Read and as the source's Claim and Deliver: it may use only the piece itself and what
  // the source keeps read-only while pieces are out (its schema, options, the mapping).
  // Problems are kept in the piece and reported by Deliver; it does not throw on bad input.
  virtual void Read() = 0;
};

// A step without inputs: reads or produces records until it is exhausted.
class Source {
 public:
  virtual ~Source() = default;
  // Emits the next batch (and its errors; a splitting source: one piece's batches and
  // errors); false once there is nothing more. A source that Splits() implements it with
  // ReadOnePiece (tests and serial callers use it; the executor does not).
  virtual bool Next(Emitter& out) = 0;

  // Whether the source reads through Claim / SourcePiece::Read / Deliver instead of Next.
  // Asked once, before the first call; fixed for the source's life.
  virtual bool Splits() const { return false; }
  // Splitting sources: the next piece of the input, in input order; null once there is
  // nothing more or the source failed (its BoundSource::failure() says why). Called
  // serially: never at the same time as another Claim or a Deliver.
  virtual std::unique_ptr<SourcePiece> Claim() { return nullptr; }
  // Splitting sources: emits what `piece` read (its batches, then its errors, in input
  // order) and updates the source's counters; false when the source failed. Called
  // serially, exactly once per claimed piece, in the order Claim returned them, after the
  // piece's Read. Batch sequence numbers must follow delivery order.
  virtual bool Deliver(SourcePiece& piece, Emitter& out) { return false; }
};

// Next for a splitting source: claims, reads and delivers one piece on the calling thread.
inline bool ReadOnePiece(Source& source, Emitter& out) {
  std::unique_ptr<SourcePiece> piece = source.Claim();
  if (!piece) return false;
  piece->Read();
  return source.Deliver(*piece, out);
}

// An Emitter that keeps everything (tests, `etlc test`).
class CollectingEmitter : public Emitter {
 public:
  void Emit(size_t port, Batch batch) override {
    if (batches.size() <= port) batches.resize(port + 1);
    batches[port].push_back(std::move(batch));
  }
  void Fail(ErrorRecord error) override { errors.push_back(std::move(error)); }
  void Filtered(size_t count) override { filtered += count; }
  void Ack(size_t input, uint64_t sequence) override { acks.emplace_back(input, sequence); }

  // Every record emitted on `port`, in order, as constants.
  std::vector<ast::Value> Rows(size_t port) const {
    std::vector<ast::Value> rows;
    if (port >= batches.size()) return rows;
    for (const Batch& batch : batches[port]) {
      for (size_t i = 0; i < batch.Size(); ++i) rows.push_back(batch.Row(i));
    }
    return rows;
  }

  std::vector<std::vector<Batch>> batches;  // per port
  std::vector<ErrorRecord> errors;
  size_t filtered = 0;
  std::vector<std::pair<size_t, uint64_t>> acks;
};

}  // namespace etl::runtime
