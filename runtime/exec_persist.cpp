// `persist disk` in the executor (docs/delivery.md, docs/dev/persistence.md).
//
// Origins (sources, and stateful steps delivering their complete log) tag every batch
// with (origin, lane, seq); stateless steps are deterministic, so a batch replayed after a
// crash carries the same tag and the same rows. A durable sink checkpoints, together with
// its staged output, the last (seq, rows) it holds per (origin, lane), and on resume skips
// exactly those rows. A stateful step writes its results to its channel log and delivers
// them only once the log is complete and checkpointed, so its input is needed until then
// (the origins upstream restart from where the slowest of their consumers stands). Error
// records no step consumes carry an id made of the same tag and are written once.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "runtime/batch_codec.h"
#include "runtime/error_file.h"
#include "runtime/exec_run.h"
#include "runtime/persist_channel.h"
#include "runtime/persist_log.h"
#include "runtime/source_common.h"

namespace etl::runtime {

namespace fs = std::filesystem;

namespace {

std::string EncodeProgress(const SinkProgress& progress) {
  std::string out;
  for (const auto& [key, mark] : progress) {
    out += fmt::format("{},{},{},{};", key.first, key.second, mark.seq, mark.rows);
  }
  return out;
}

bool DecodeProgress(const std::string& text, SinkProgress& progress) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(';', at);
    if (end == std::string::npos) return false;
    unsigned long long o = 0, l = 0, seq = 0, rows = 0;
    if (std::sscanf(text.substr(at, end - at).c_str(), "%llu,%llu,%llu,%llu", &o, &l, &seq, &rows) != 4) return false;
    progress[{static_cast<uint32_t>(o), static_cast<uint32_t>(l)}] = {seq, rows};
    at = end + 1;
  }
  return true;
}

// The lane of a batch that reaches union `actor` from `producer`: a union has one input
// port fed by several edges, so the lane tells its producers apart (else the batches of
// two branches of one source would share (origin, lane, seq) and a resumed sink would
// skip rows of one branch for rows of the other).
uint32_t MixLane(uint32_t lane, size_t actor, size_t producer) {
  return lane * 1000003u + static_cast<uint32_t>(actor * 65537 + producer + 1);
}

// The ids of the error records already in the error file; a torn last line (a crash in
// the middle of a write) is cut off.
std::unordered_set<std::string> ReadErrorIds(const std::string& path) {
  std::unordered_set<std::string> ids;
  std::ifstream in(path, std::ios::binary);
  if (!in) return ids;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t complete = data.rfind('\n');
  complete = complete == std::string::npos ? 0 : complete + 1;
  if (complete < data.size()) TruncateFile(path, complete);
  size_t at = 0;
  const std::string prefix = "{\"id\":\"";
  while (at < complete) {
    size_t nl = data.find('\n', at);
    if (data.compare(at, prefix.size(), prefix) == 0) {
      size_t end = data.find('"', at + prefix.size());
      if (end != std::string::npos && end < nl) ids.insert(data.substr(at + prefix.size(), end - at - prefix.size()));
    }
    at = nl + 1;
  }
  return ids;
}

}  // namespace

bool IsStateful(ir::NodeKind kind) {
  switch (kind) {
    case ir::NodeKind::Aggregate:
    case ir::NodeKind::Dedup:
    case ir::NodeKind::Sort:
    case ir::NodeKind::Take:
    case ir::NodeKind::Join:
      return true;
    default:
      return false;
  }
}

std::string PipelineRun::PersistPath(const std::string& name) const { return options_.persist_dir + "/" + name; }

std::optional<std::string> PipelineRun::PreparePersistence() {
  std::error_code ec;
  if (options_.persist_dir.empty()) return std::string("persist disk needs a persist directory");
  if (!options_.resume) {
    fs::remove_all(PersistPath("logs"), ec);
    fs::remove_all(PersistPath("steps"), ec);
    fs::remove_all(PersistPath("sinks"), ec);
    fs::remove(PersistPath("publish"), ec);
    fs::remove(PersistPath("published"), ec);
    fs::create_directories(options_.persist_dir, ec);
    if (ec) return fmt::format("cannot create `{}`: {}", options_.persist_dir, ec.message());
    for (Actor& a : actors_) {
      if (!a.logged || !a.live) continue;
      a.log = std::make_shared<ChannelLogWriter>();
      if (auto error = a.log->Create(PersistPath("logs/" + a.node->id))) return error;
    }
    return std::nullopt;
  }
  if (fs::exists(PersistPath("published"), ec)) {
    already_published_ = true;
    return std::nullopt;
  }
  resume_publishing_ = fs::exists(PersistPath("publish"), ec);
  if (!options_.error_file.empty()) written_error_ids_ = ReadErrorIds(options_.error_file);
  std::vector<std::pair<std::string, ast::Value>> summary;
  for (Actor& a : actors_) {
    if (!a.live) continue;
    if (a.sink) {
      std::optional<std::string> progress = a.sink->Restore();
      if (a.sink->failure()) return "`" + a.node->id + "`: " + a.sink->failure()->ToString();
      if (progress && !DecodeProgress(*progress, a.restored)) {
        return "`" + a.node->id + "`: its checkpoint's progress is not readable";
      }
      a.progress = a.restored;
      continue;
    }
    if (!a.logged || resume_publishing_) continue;
    const std::string dir = PersistPath("logs/" + a.node->id);
    std::string damage;
    std::optional<std::string> done = LastCheckpoint(PersistPath("steps/" + a.node->id + ".ckpt"), &damage, true);
    unsigned long long entries = 0;
    bool complete = done && std::sscanf(done->c_str(), "complete %llu", &entries) == 1;
    if (complete) {
      ChannelLogCheck check = CheckChannelLog(dir);
      if (check.damage.empty() && check.entries == entries) {
        a.replaying = true;
        a.done = true;  // its input is not needed again
        a.log_reader = std::make_shared<ChannelLogReader>();
        if (auto error = a.log_reader->Open(dir)) return error;
        continue;
      }
      std::string why = check.damage.empty()
                            ? fmt::format("it holds {} records, its checkpoint says {}", check.entries, entries)
                            : check.damage;
      std::lock_guard<std::mutex> lock(mu_);
      EventLocked(a.node->id, "log_damaged", LogLevel::Warn,
                  {{"message", ast::Value::String("its persisted output is damaged (" + why +
                                                  "): the step is computed again from its input")}});
    }
    fs::remove(PersistPath("steps/" + a.node->id + ".ckpt"), ec);
    a.log = std::make_shared<ChannelLogWriter>();
    if (auto error = a.log->Create(dir)) return error;
  }
  ComputeRestarts();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Actor& a : actors_) {
    if (!a.live || !(a.kind == ActorKind::Source || a.replaying)) continue;
    EventLocked(a.node->id, "resumed", LogLevel::Info,
                {{"restart_batch", a.restart == UINT64_MAX ? ast::Value::String("none: everything is held downstream")
                                                           : ast::Value::Int(static_cast<int64_t>(a.restart))}});
  }
  return std::nullopt;
}

void PipelineRun::ComputeRestarts() {
  for (Actor& origin : actors_) {
    if (!origin.live || !(origin.kind == ActorKind::Source || origin.replaying)) continue;
    uint64_t restart = UINT64_MAX;
    // Every (actor, producer, lane) the origin's batches reach through stateless steps.
    std::vector<std::tuple<size_t, size_t, uint32_t>> stack;
    for (const auto& port : origin.consumers) {
      for (const ConsumerRef& c : port) stack.emplace_back(c.node, origin.index, 0);
    }
    while (!stack.empty() && restart > 0) {
      auto [x, producer, lane] = stack.back();
      stack.pop_back();
      const Actor& to = actors_[x];
      if (!to.live) continue;
      if (to.kind == ActorKind::Sink) {
        if (!to.sink->Durable()) {
          restart = 0;
          continue;
        }
        auto it = to.restored.find({static_cast<uint32_t>(origin.index), lane});
        restart = std::min(restart, it == to.restored.end() ? 0 : it->second.seq);
        continue;
      }
      if (to.logged) {
        if (!to.replaying) restart = 0;
        continue;
      }
      uint32_t next = to.node->kind == ir::NodeKind::Union ? MixLane(lane, x, producer) : lane;
      for (const auto& port : to.consumers) {
        for (const ConsumerRef& c : port) stack.emplace_back(c.node, x, next);
      }
    }
    origin.restart = restart;
  }
}

Tag PipelineRun::OutputTag(Actor& a, const Message& m) const {
  Tag tag = m.tag;
  if (a.node->kind == ir::NodeKind::Union) tag.lane = MixLane(tag.lane, a.index, m.producer);
  return tag;
}

bool PipelineRun::SkipForSink(Actor& a, Message& m) {
  auto it = a.restored.find({m.tag.origin, m.tag.lane});
  if (it == a.restored.end()) return false;
  const ProgressMark& held = it->second;
  if (m.tag.seq < held.seq) return true;
  if (m.tag.seq > held.seq) return false;
  uint64_t& seen = a.restored_seen[it->first];
  uint64_t n = m.batch.Size();
  uint64_t skip = seen >= held.rows ? 0 : std::min<uint64_t>(n, held.rows - seen);
  seen += n;
  if (skip == n) return true;
  if (skip > 0) {
    std::vector<uint32_t> rest;
    rest.reserve(n - skip);
    for (uint64_t i = skip; i < n; ++i) rest.push_back(m.batch.RowAt(i));
    m.batch = Select(m.batch, std::move(rest));
  }
  return false;
}

void PipelineRun::NoteSinkProgress(Actor& a, const Tag& tag, uint64_t rows) {
  ProgressKey key{tag.origin, tag.lane};
  ProgressMark& mark = a.progress[key];
  auto held = a.restored.find(key);
  if (held != a.restored.end() && tag.seq <= held->second.seq) {
    if (tag.seq == held->second.seq) mark.rows = std::max(held->second.rows, a.restored_seen[key]);
    return;
  }
  if (tag.seq == mark.seq) {
    mark.rows += rows;
  } else if (tag.seq > mark.seq) {
    mark = {tag.seq, rows};
  }
}

void PipelineRun::SyncErrorFileLocked() {
  if (error_fd_ >= 0 && error_file_dirty_) {
    ::fdatasync(error_fd_);
    error_file_dirty_ = false;
  }
}

void PipelineRun::MaybeCheckpointSink(Actor& a, std::unique_lock<std::mutex>& lock, bool force) {
  if (!options_.persist_disk || !a.sink || !a.sink->Durable()) return;
  int64_t now = NowMicros();
  if (!force && now - a.last_checkpoint_us < options_.checkpoint_interval_us) return;
  a.last_checkpoint_us = now;
  // What the sink holds may come from batches whose error records were written: those
  // must be durable first.
  SyncErrorFileLocked();
  std::string progress = EncodeProgress(a.progress);
  lock.unlock();
  bool ok = a.sink->Checkpoint(progress);
  lock.lock();
  if (!ok) {
    StopLocked(RunStatus::Failed, "`" + a.node->id + "`: " +
                                      (a.sink->failure() ? a.sink->failure()->ToString() : std::string("checkpoint failed")));
  }
}

std::optional<std::string> PipelineRun::LogOutputs(Actor& a, CallEmitter& out, uint64_t* rows) {
  for (auto& [port, batch] : out.emits) {
    if (batch.Size() == 0) continue;
    if (port != a.errors_port) *rows += batch.Size();
    if (auto error = a.log->Append(port, batch)) return error;
  }
  out.emits.clear();
  if (a.errors_to_batch && !out.errors.empty()) {
    int64_t now = NowMicros();
    for (ErrorRecord& e : out.errors) {
      if (e.at_us == 0) e.at_us = now;
      if (e.step.empty()) e.step = a.node->id;
    }
    if (auto error = a.log->Append(a.errors_port, MakeErrorsBatch(a.port_types[a.errors_port], out.errors))) {
      return error;
    }
  }
  return std::nullopt;
}

bool PipelineRun::CompleteLogLocked(Actor& a) {
  std::optional<std::string> error = a.log->Sync();
  if (!error) SyncErrorFileLocked();
  if (!error) {
    error = AppendCheckpoint(PersistPath("steps/" + a.node->id + ".ckpt"), fmt::format("complete {}", a.log->entries()));
  }
  a.log_reader = std::make_shared<ChannelLogReader>();
  if (!error) error = a.log_reader->Open(PersistPath("logs/" + a.node->id));
  if (error) {
    StopLocked(RunStatus::Failed, "`" + a.node->id + "`: cannot persist its output: " + *error);
    return false;
  }
  a.replaying = true;
  a.exhausted = a.log->entries() == 0;
  a.next_call = 0;
  a.restart = 0;
  return true;
}

void PipelineRun::ReplayTurn(Actor& a, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  size_t port = 0;
  std::string payload, error;
  Batch batch;
  bool more = false;
  uint64_t seq = 0;
  do {
    more = a.log_reader->Next(port, payload, error);
    seq = a.next_call++;
  } while (more && seq < a.restart);
  if (more && (port >= a.port_types.size() || !DecodeBatch(payload, a.port_types[port], batch))) {
    error = fmt::format("record {} does not decode", seq);
  }
  lock.lock();
  if (!error.empty()) {
    return StopLocked(RunStatus::Failed, "`" + a.node->id + "`: its persisted output is damaged: " + error +
                                             " (run `etlc inspect` on the state directory)");
  }
  if (!more) {
    a.exhausted = true;
    return;
  }
  DeliverLocked(a, port, batch, Tag{static_cast<uint32_t>(a.index), 0, seq});
}

}  // namespace etl::runtime
