// One actor per plan node: the bound step (operator, sink, source or `given` batches), its
// place in the graph, its input queue and its counters. The scheduler state is guarded by
// the run's mutex; the step itself is only touched by the one worker running the actor (a
// parallel actor has an instance of its step per worker, each in one call at a time).
// docs/dev/runtime-executor.md.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <tuple>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/exec_graph.h"
#include "runtime/io_factory.h"
#include "runtime/run_events.h"
#include "runtime/sink_common.h"
#include "runtime/step.h"

namespace etl::runtime {

// Where a batch comes from under `persist disk`: the origin actor (a source, or a stateful
// step replaying its log), the path it took through unions (lane) and the origin's batch
// number. Deterministic steps give a replayed batch the same tag, which is how a sink
// recognises what it already holds (docs/dev/persistence.md).
struct Tag {
  uint32_t origin = 0;
  uint32_t lane = 0;
  uint64_t seq = 0;
};

// A sink's record of what it holds, per (origin, lane): the last batch number seen and the
// rows of that batch seen.
using ProgressKey = std::pair<uint32_t, uint32_t>;
struct ProgressMark {
  uint64_t seq = 0;
  uint64_t rows = 0;
};
using SinkProgress = std::map<ProgressKey, ProgressMark>;

// A queued input: a batch, or the end of an input port (every producer edge finished).
struct Message {
  size_t input = 0;
  bool close = false;
  Batch batch;
  Tag tag;
  size_t producer = 0;  // the actor that emitted it (a union's lanes tell producers apart)
};

class ChannelLogWriter;
class ChannelLogReader;

// The results of one call into a step (Open, Push, Close, Next), applied under the run's
// mutex afterwards so that a call never holds the lock.
class CallEmitter : public Emitter {
 public:
  void Emit(size_t port, Batch batch) override { emits.emplace_back(port, std::move(batch)); }
  void Fail(ErrorRecord error) override { errors.push_back(std::move(error)); }
  void Filtered(size_t count) override { filtered += count; }
  void Ack(size_t, uint64_t) override {}

  std::vector<std::pair<size_t, Batch>> emits;
  std::vector<ErrorRecord> errors;
  uint64_t filtered = 0;
};

// A Push call of a parallel actor that returned, kept until every earlier ticket is committed.
struct PushedCall {
  CallEmitter out;
  std::string text;                     // a sink that formats apart: the batch's text
  size_t rows = 0;                      // ... its rows
  uint64_t sequence = 0;                // ... and its sequence number
  Tag tag;                              // the tag of what it emitted (`persist disk`)
  bool step_done = false;               // the instance's Done() after the call
  std::optional<std::string> internal;  // an exception escaped the step
  int64_t busy_us = 0;
};

// What the actor runs.
enum class ActorKind { Operator, Sink, Source, Given };

// A plan node at run time.
struct Actor {
  // ---- fixed after binding
  size_t index = 0;
  const ir::Node* node = nullptr;
  bool live = false;                    // runs (see GraphNode::live)
  ActorKind kind = ActorKind::Operator;
  std::unique_ptr<Step> step;           // Operator, Sink (owns the sink)
  SinkStep* sink = nullptr;             // Sink: the same object as `step`
  BufferedSink* text_sink = nullptr;    // Sink formatting apart (parallel): the same object
  std::string sink_target;              // Sink: the path written, "stdout"
  std::unique_ptr<BoundSource> source;  // Source
  std::vector<Batch> given;             // Given: the records of its main output
  std::vector<std::vector<ConsumerRef>> consumers;  // per output port
  std::vector<size_t> producers;        // distinct producer actors
  std::vector<TypeRef> port_types;      // per output port
  size_t errors_port = 0;               // the last output port
  bool errors_to_batch = false;         // `errors` has consumers or is tapped: emit batches
  std::vector<bool> tapped;             // per output port: RunOptions::taps

  // ---- scheduler state (guarded by the run's mutex)
  std::deque<Message> inbox;
  std::vector<size_t> open_edges;       // per input: producer edges not finished yet
  std::vector<uint64_t> next_sequence;  // per input: sequence numbers given to its batches
  bool queued = false;                  // in the ready queue
  bool running = false;                 // a worker holds it (splitting sources: piece_workers)
  bool started = false;
  bool finished = false;
  bool done = false;                    // Step::Done(): input is no longer delivered
  bool unneeded = false;                // every consumer is done: stop producing
  bool exhausted = false;               // Source/Given: nothing more to read
  size_t given_next = 0;                // Given: the next batch
  size_t inputs_closed = 0;             // Close() calls made (worker-owned)
  size_t failures_logged = 0;           // record_failed events sent (at most 5)
  StepMetrics metrics;

  // ---- a splitting source (Source::Splits): pieces are claimed and delivered one at a time
  // (under serial_mu, without the run's mutex) and read on several workers at once.
  bool splits = false;                  // fixed after binding
  std::unique_ptr<std::mutex> serial_mu;  // held around Claim and Deliver
  uint64_t next_ticket = 0;             // claim order of the next piece (under serial_mu)
  size_t piece_workers = 0;             // workers inside this actor's turn (guarded)
  size_t pieces_out = 0;                // claimed (or being claimed), not delivered yet (guarded)
  bool claims_done = false;             // Claim returned null (guarded)
  bool delivering = false;              // a worker is delivering (guarded)
  uint64_t next_deliver = 0;            // the ticket to deliver next (guarded)
  std::map<uint64_t, std::unique_ptr<SourcePiece>> read_pieces;  // read, waiting for their turn (guarded)

  // ---- a stateless operator run as several instances, an aggregate run as instances that
  // share partitioned groups, or a sink whose batches are formatted apart (`PushTurn`):
  // each message is taken with a ticket by whichever worker has an idle instance, pushed
  // (formatted) without the run's mutex, and its results are committed (the text handed to
  // the sink) in ticket order, so the order is the serial one.
  bool parallel = false;                // fixed after binding
  size_t push_slots = 0;                // fixed after binding: calls that may be out at once
  std::vector<std::unique_ptr<Step>> more_steps;  // fixed after binding: instances besides `step`
  bool opened = false;                  // every instance's Open returned (guarded)
  std::vector<Step*> idle_steps;        // instances no call is using (a sink: itself, per slot) (guarded)
  size_t push_workers = 0;              // workers inside this actor's turn (guarded)
  uint64_t next_push_ticket = 0;        // the ticket of the next message taken (guarded)
  uint64_t next_push_commit = 0;        // the ticket to commit next (guarded)
  std::map<uint64_t, PushedCall> pushed_calls;  // returned, waiting for their turn (guarded)
  std::vector<uint64_t> emit_sequences; // per output port: batches committed (guarded)
  // A text sink: committed texts wait here for the one worker writing them (in commit
  // order, without the run's mutex); until written they count as calls out (guarded).
  std::deque<PushedCall> unwritten;
  size_t texts_out = 0;                 // committed, not written yet (in `unwritten` or being written)
  bool writing = false;                 // a worker is writing texts

  // ---- `persist disk` (exec_persist.cpp; worker-owned unless noted)
  bool logged = false;                  // a stateful step: its outputs go to its channel log
  bool replaying = false;               // logged: the log is complete and is being delivered
  std::shared_ptr<ChannelLogWriter> log;
  std::shared_ptr<ChannelLogReader> log_reader;
  uint64_t next_call = 0;               // Source: Next calls so far (its batches' seq)
  uint64_t restart = 0;                 // Source/replaying: batches below this are not sent again
  SinkProgress restored;                // Sink: what the last checkpoint held (resume)
  SinkProgress progress;                // Sink: what it holds now
  std::map<ProgressKey, uint64_t> restored_seen;  // Sink: rows of the restored seq seen again
  int64_t last_checkpoint_us = 0;
  uint64_t close_calls = 0;             // outputs of Close calls are tagged with this
  std::map<std::tuple<uint32_t, uint32_t, uint64_t>, uint64_t> error_counts;  // unconsumed errors per tag (guarded)
};

}  // namespace etl::runtime
