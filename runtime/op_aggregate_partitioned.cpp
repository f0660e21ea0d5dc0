// The partitioned form of a plain aggregate (op_aggregate.h MakePartitionedAggregate,
// docs/dev/runtime-executor.md "Partitioned aggregation"): the executor runs one instance
// per worker (exec_run.cpp PushTurn) and the instances share one PartitionedGroups.
//
//   Push, on any worker:  evaluate keys and args -> encode and hash each row's keys ->
//                         split the rows by hash into one PartitionBatch per partition
//                         (args taken along) -> PartitionedGroups::Add
//   Add:                  queue each partition's rows under the batch number, then apply
//                         every queued batch whose turn it is on a partition no other
//                         worker is applying to (possibly batches other workers split)
//   Close (the first):    apply what is left, merge the partitions by first-seen ordinal
//                         (batch << 32 | row), emit as the serial step does
//
// A group lives in one partition and its rows are applied there in input order, so every
// state (float sums, first, last, list, percentile) sees exactly the serial sequence of
// values, and the merge restores the serial first-seen order of the groups.
#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "runtime/op_aggregate.h"

namespace etl::runtime {

namespace {

// One batch's rows for one partition: the rows, the batch's key columns and encoded keys
// (which the rows index into) and the args of just these rows.
struct PartitionBatch {
  std::vector<uint32_t> rows;  // ascending
  std::vector<ColumnPtr> keys;
  std::shared_ptr<const EncodedKeys> encoded;
  std::vector<std::vector<ColumnPtr>> args;  // per call, dense over `rows`
};

// A partition: its groups, each group's first-seen ordinal, and the batches waiting for
// their turn. Guarded by PartitionedGroups::mu_, except `set`, `first_seen` and the
// scratch vectors, which only the worker that set `busy` touches.
struct Partition {
  explicit Partition(const AggregatePlan& plan) : set(plan) {}
  GroupSet set;
  std::vector<uint64_t> first_seen;              // per group: (batch << 32) | row
  std::map<uint64_t, PartitionBatch> waiting;    // by batch number
  uint64_t next = 0;                             // the batch to apply next
  bool busy = false;                             // a worker is applying a batch
  std::vector<uint32_t> ids, created;            // scratch of the worker applying
};

// The partition of a key hash: its high 32 bits (KeyTable's slots use the low bits).
size_t PartitionOf(uint64_t hash, size_t partitions) {
  return static_cast<size_t>(((hash >> 32) * partitions) >> 32);
}

class PartitionedGroups {
 public:
  PartitionedGroups(const AggregatePlan& plan, size_t partitions) {
    for (size_t p = 0; p < partitions; ++p) parts_.push_back(std::make_unique<Partition>(plan));
  }
  size_t Partitions() const { return parts_.size(); }

  // Queues batch `batch`'s rows (one PartitionBatch per partition, possibly empty), then
  // applies every queued batch whose turn it is, on partitions nobody else is applying to.
  // Returns when there is none: each batch left waits for an earlier one that another
  // worker is splitting or applying, and that worker applies it afterwards.
  void Add(uint64_t batch, std::vector<PartitionBatch> rows) {
    std::unique_lock<std::mutex> lock(mu_);
    for (size_t p = 0; p < parts_.size(); ++p) parts_[p]->waiting.emplace(batch, std::move(rows[p]));
    ApplyReady(lock);
  }

  // Whether the caller is the first to close, and so merges and emits (every instance is
  // closed once, after every Push returned).
  bool FirstClose() {
    std::lock_guard<std::mutex> lock(mu_);
    return !std::exchange(closed_, true);
  }

  // After every Push returned: applies anything still waiting, in batch order (nothing
  // when batches 0 .. n-1 were all pushed, as the executor's tickets are: whoever added
  // the last missing one applied the rest; a caller whose numbers have gaps still loses no
  // row), and merges the partitions' groups by first-seen ordinal into `order_` as
  // (partition, group).
  void Finish() {
    std::unique_lock<std::mutex> lock(mu_);
    for (auto& part : parts_) {
      while (!part->waiting.empty()) {
        auto first = part->waiting.begin();
        part->next = first->first;
        PartitionBatch rows = std::move(first->second);
        part->waiting.erase(first);
        Apply(*part, part->next++, rows);
      }
    }
    size_t total = 0;
    for (const auto& part : parts_) total += part->set.Size();
    order_.reserve(total);
    std::vector<size_t> head(parts_.size(), 0);
    for (size_t n = 0; n < total; ++n) {
      size_t best = parts_.size();
      for (size_t p = 0; p < parts_.size(); ++p) {
        if (head[p] == parts_[p]->set.Size()) continue;
        if (best == parts_.size() || parts_[p]->first_seen[head[p]] < parts_[best]->first_seen[head[best]]) best = p;
      }
      order_.emplace_back(static_cast<uint32_t>(best), static_cast<uint32_t>(head[best]++));
    }
    for (auto& part : parts_) finished_keys_.push_back(part->set.FinishKeys());
  }

  size_t Size() const { return order_.size(); }

  // Groups [begin, end) of the merged order, gathered from the partitions (the chunks are
  // asked in order; each partition's groups in a chunk are a contiguous range of its ids).
  void Range(const AggregatePlan& plan, size_t begin, size_t end, GroupRows& rows) {
    const size_t n = end - begin;
    const size_t calls = plan.calls.size();
    // Each partition's groups in the chunk: ids [low, high), in ascending order.
    std::vector<uint32_t> low(parts_.size(), UINT32_MAX), high(parts_.size(), 0);
    for (size_t i = begin; i < end; ++i) {
      auto [p, group] = order_[i];
      if (low[p] == UINT32_MAX) low[p] = group;
      high[p] = group + 1;
    }
    std::vector<std::vector<ColumnPtr>> results(parts_.size());
    for (size_t p = 0; p < parts_.size(); ++p) {
      if (low[p] == UINT32_MAX) continue;
      for (auto& state : parts_[p]->set.States()) results[p].push_back(state->Finish(low[p], high[p]));
    }
    for (size_t k = 0; k < plan.key_types.size(); ++k) {
      ColumnBuilder b(plan.key_types[k]);
      b.Reserve(n);
      for (size_t i = begin; i < end; ++i) AppendFrom(b, *finished_keys_[order_[i].first][k], order_[i].second);
      rows.keys.push_back(b.Finish());
    }
    for (size_t c = 0; c < calls; ++c) {
      ColumnBuilder b(plan.calls[c].type);
      b.Reserve(n);
      for (size_t i = begin; i < end; ++i) {
        auto [p, group] = order_[i];
        AppendFrom(b, *results[p][c], group - low[p]);
      }
      rows.results.push_back(b.Finish());
    }
    for (size_t i = begin; i < end; ++i) rows.overflowed.push_back(parts_[order_[i].first]->set.Overflowed(order_[i].second));
  }

 private:
  void ApplyReady(std::unique_lock<std::mutex>& lock) {
    while (true) {
      Partition* ready = nullptr;
      for (auto& part : parts_) {
        if (!part->busy && !part->waiting.empty() && part->waiting.begin()->first == part->next) {
          ready = part.get();
          break;
        }
      }
      if (!ready) return;
      ready->busy = true;
      auto first = ready->waiting.begin();
      uint64_t batch = first->first;
      PartitionBatch rows = std::move(first->second);
      ready->waiting.erase(first);
      lock.unlock();
      Apply(*ready, batch, rows);
      lock.lock();
      ready->busy = false;
      ++ready->next;
    }
  }

  // Applies one batch's rows to a partition (its `busy` worker, or Finish).
  static void Apply(Partition& part, uint64_t batch, const PartitionBatch& rows) {
    if (rows.rows.empty()) return;
    part.created.clear();
    part.set.AssignEncoded(rows.keys, *rows.encoded, rows.rows, part.ids, part.created);
    for (uint32_t j : part.created) part.first_seen.push_back(batch << 32 | rows.rows[j]);
    part.set.Update(rows.args, part.ids);
  }

  std::mutex mu_;
  std::vector<std::unique_ptr<Partition>> parts_;
  bool closed_ = false;
  std::vector<std::pair<uint32_t, uint32_t>> order_;      // Finish: (partition, group) in first-seen order
  std::vector<std::vector<ColumnPtr>> finished_keys_;     // Finish: per partition, its key columns
};

class PartitionedAggregate : public AggregateBase {
 public:
  PartitionedAggregate(const ir::Node& node, const StepContext& ctx, std::unique_ptr<AggregatePlan> plan,
                       std::shared_ptr<PartitionedGroups> groups)
      : AggregateBase(node, ctx, std::move(plan)), groups_(std::move(groups)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    Batch work = Evaluate(batch, out, /*keep_selection=*/true);
    const size_t rows = work.Size();
    const size_t partitions = groups_->Partitions();
    // Encode and hash every row's keys once (a failed row gets an empty key and no
    // partition), counting the rows of each partition.
    auto encoded = std::make_shared<EncodedKeys>();
    encoded->ends.resize(rows);
    encoded->hashes.resize(rows);
    partition_of_.assign(rows, kNoPartition);
    counts_.assign(partitions, 0);
    for (size_t i = 0; i < rows; ++i) {
      if (!errors_.Failed(static_cast<uint32_t>(i))) {
        const size_t begin = encoded->bytes.size();
        for (const ColumnPtr& key : key_columns_) EncodeKey(*key, i, encoded->bytes);
        const uint64_t hash = HashKey(std::string_view(encoded->bytes).substr(begin));
        encoded->hashes[i] = hash;
        partition_of_[i] = static_cast<uint32_t>(PartitionOf(hash, partitions));
        ++counts_[partition_of_[i]];
      }
      encoded->ends[i] = static_cast<uint32_t>(encoded->bytes.size());
    }
    std::vector<PartitionBatch> parts(partitions);
    for (size_t p = 0; p < partitions; ++p) {
      parts[p].rows.reserve(counts_[p]);
      parts[p].keys = key_columns_;
      parts[p].encoded = encoded;
    }
    for (size_t i = 0; i < rows; ++i) {
      if (partition_of_[i] != kNoPartition) parts[partition_of_[i]].rows.push_back(static_cast<uint32_t>(i));
    }
    for (PartitionBatch& part : parts) {
      part.args.resize(arg_columns_.size());
      for (size_t c = 0; c < arg_columns_.size(); ++c) {
        for (const ColumnPtr& arg : arg_columns_[c]) {
          part.args[c].push_back(part.rows.size() == rows ? arg : Take(*arg, part.rows));
        }
      }
    }
    groups_->Add(batch.sequence, std::move(parts));
    out.Ack(input, batch.sequence);
  }

  void Close(size_t, Emitter& out) override {
    if (!groups_->FirstClose()) return;
    groups_->Finish();
    EmitGroups(
        groups_->Size(), [&](size_t begin, size_t end, GroupRows& rows) { groups_->Range(*plan_, begin, end, rows); },
        nullptr, out);
  }

 private:
  static constexpr uint32_t kNoPartition = UINT32_MAX;
  std::shared_ptr<PartitionedGroups> groups_;
  std::vector<uint32_t> partition_of_;  // per row of the batch being pushed
  std::vector<size_t> counts_;         // per partition
};

}  // namespace

std::vector<std::unique_ptr<Step>> MakePartitionedAggregate(const ir::Node& node, const StepContext& ctx,
                                                            size_t instances, std::string* error) {
  std::vector<std::unique_ptr<Step>> steps;
  std::shared_ptr<PartitionedGroups> groups;
  for (size_t i = 0; i < instances; ++i) {
    auto plan = std::make_unique<AggregatePlan>();
    if (!BindAggregatePlan(node, ctx.jit, *plan, error)) return {};
    if (plan->windowed) {
      *error = "`" + node.id + "`: a windowed aggregate is not partitioned";
      return {};
    }
    // The partitions' group sets take their key types and calls from the first plan.
    if (!groups) groups = std::make_shared<PartitionedGroups>(*plan, instances);
    steps.push_back(std::make_unique<PartitionedAggregate>(node, ctx, std::move(plan), groups));
  }
  return steps;
}

}  // namespace etl::runtime
