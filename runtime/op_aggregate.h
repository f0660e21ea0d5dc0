// The aggregate operator (language.md §4 "aggregate", plan.md "aggregate"): a hash table on
// the group keys, aggregate states updated a batch at a time, groups emitted in first-seen
// order when the input closes, or per time window (op_window.cpp) as the event time
// passes each window's end.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/agg_key.h"
#include "runtime/agg_state.h"
#include "runtime/op_common.h"

namespace etl::runtime {

// Binds an aggregate node (with or without a window); null and `error` set on a bind error.
std::unique_ptr<Step> MakeAggregate(const ir::Node& node, const StepContext& ctx, std::string* error);

// What binding an aggregate node produces; shared by every group set of the node.
struct AggregatePlan {
  std::vector<std::string> key_names;
  std::vector<TypeRef> key_types;
  std::vector<ir::AggregateCall> calls;
  // The keys, then every call's evaluated args, over the input record, as one step kernel
  // (the JIT compiles them into one loop): results [0, keys) are the keys, and
  // results [arg_begin[c], arg_begin[c + 1]) call c's args.
  std::unique_ptr<ValuesKernel> inputs;
  std::vector<size_t> arg_begin;  // calls.size() + 1 entries
  TypeRef group_schema;  // keys, window bounds, then one field per call (`AggregateRef` i)
  std::vector<std::unique_ptr<Kernel>> outputs;           // assignments over group_schema
  bool windowed = false;
};

// Binds everything but the window; false and `error` set on a bind error.
bool BindAggregatePlan(const ir::Node& node, const StepJit& jit, AggregatePlan& plan, std::string* error);

// The keys of a batch's rows, encoded and hashed once by a partitioned aggregate (to choose
// each row's partition, and to find its group there); shared by the batch's partitions.
struct EncodedKeys {
  std::string bytes;             // every row's key bytes, back to back
  std::vector<uint32_t> ends;    // per row: where its bytes end
  std::vector<uint64_t> hashes;  // per row: HashKey of its bytes
  std::string_view Key(uint32_t row) const {
    const uint32_t begin = row == 0 ? 0 : ends[row - 1];
    return std::string_view(bytes).substr(begin, ends[row] - begin);
  }
};

// The groups of one aggregation (the whole input, or one time window): key bytes to dense
// group ids in first-seen order, the first-seen key values, and one state per call.
class GroupSet {
 public:
  explicit GroupSet(const AggregatePlan& plan);
  // Sets ids[i] to the group of row i (dense key columns), creating groups as needed;
  // rows with `skip(i)` true get kNoGroup.
  template <typename Skip>
  void Assign(const std::vector<ColumnPtr>& keys, size_t rows, Skip skip, std::vector<uint32_t>& ids);
  // Sets ids[j] to the group of row rows[j] of `keys` (encoded in `encoded`), creating
  // groups as needed, and appends to `created` each j that created one (in order).
  void AssignEncoded(const std::vector<ColumnPtr>& keys, const EncodedKeys& encoded, const std::vector<uint32_t>& rows,
                     std::vector<uint32_t>& ids, std::vector<uint32_t>& created);
  // Adds the rows of `args` (per call, dense) to the groups `ids`.
  void Update(const std::vector<std::vector<ColumnPtr>>& args, const std::vector<uint32_t>& ids);
  // Adds a new group whose keys are row `row` of `keys`, even when a group with equal keys
  // exists (session windows: one group per session). Returns its id. A group set uses
  // either Assign or AddGroup, never both.
  uint32_t AddGroup(const std::vector<ColumnPtr>& keys, size_t row);
  size_t Size() const { return size_; }
  bool Empty() const { return size_ == 0; }
  // The key columns of every group, in group order (once, at emission).
  std::vector<ColumnPtr> FinishKeys();
  std::vector<std::unique_ptr<AggState>>& States() { return states_; }
  // Whether some state of group `group` cannot produce a result (an int sum overflowed).
  bool Overflowed(uint32_t group) const;
  // Bytes held by the key table (memory accounting of windows).
  size_t MemoryBytes() const { return table_.MemoryBytes(); }

 private:
  // The group of `key` (row `row` of `keys`), created with that row's key values when new.
  uint32_t FindOrAdd(const std::vector<ColumnPtr>& keys, size_t row, std::string_view key, uint64_t hash,
                     bool* inserted) {
    uint32_t id = table_.FindOrInsert(key, hash, inserted);
    if (*inserted) {
      for (size_t k = 0; k < keys.size(); ++k) AppendFrom(key_values_[k], *keys[k], row);
    }
    return id;
  }
  // After Assign*: the states grow to the groups the key table now has.
  void GrowStates() {
    if (table_.Size() == size_) return;
    size_ = table_.Size();
    for (auto& state : states_) state->Grow(size_);
  }

  KeyTable table_;
  std::vector<ColumnBuilder> key_values_;
  std::vector<std::unique_ptr<AggState>> states_;
  std::string scratch_;
  size_t size_ = 0;  // groups (AddGroup's groups are not in table_)
};

template <typename Skip>
void GroupSet::Assign(const std::vector<ColumnPtr>& keys, size_t rows, Skip skip, std::vector<uint32_t>& ids) {
  ids.resize(rows);
  for (size_t i = 0; i < rows; ++i) {
    if (skip(i)) {
      ids[i] = kNoGroup;
      continue;
    }
    scratch_.clear();
    for (const ColumnPtr& key : keys) EncodeKey(*key, i, scratch_);
    bool inserted = false;
    ids[i] = FindOrAdd(keys, i, scratch_, HashKey(scratch_), &inserted);
  }
  GrowStates();
}

// The window bounds of emitted groups: one (start, end) for all, or one per group.
struct WindowBounds {
  std::vector<int64_t> start, end;
};

// Groups [begin, end) of a finished aggregation, in emission order: their key columns, one
// result column per call (AggState::Finish), and whether each overflowed.
struct GroupRows {
  std::vector<ColumnPtr> keys, results;
  std::vector<uint8_t> overflowed;
};
using GroupRange = std::function<void(size_t begin, size_t end, GroupRows& rows)>;

// The operator, shared by the plain and windowed forms: evaluation of keys and arguments,
// and emission of a finished group set.
class AggregateBase : public OperatorBase {
 protected:
  AggregateBase(const ir::Node& node, const StepContext& ctx, std::unique_ptr<AggregatePlan> plan);

  // Evaluates keys and args on `batch` (compacted when it has a selection); failed rows go
  // to Fail and are marked in errors_. Returns the dense batch the columns belong to, or
  // with `keep_selection` and a kernel that reads selections in place, `batch` itself (the
  // key and arg columns are dense in its selection order either way).
  Batch Evaluate(const Batch& batch, Emitter& out, bool keep_selection = false);
  // Emits the groups of `set` (with window bounds when given) in kDefaultBatchRows chunks:
  // a group whose state overflowed, or whose outputs fail, becomes an error record with
  // its keys (and window) as the record.
  void EmitGroups(GroupSet& set, const WindowBounds* bounds, Emitter& out);
  // The same for `groups` groups that `range` hands out a chunk at a time (in order).
  void EmitGroups(size_t groups, const GroupRange& range, const WindowBounds* bounds, Emitter& out);

  std::unique_ptr<AggregatePlan> plan_;
  std::vector<ColumnPtr> inputs_;                    // of the last Evaluate: keys, then args
  std::vector<ColumnPtr> key_columns_;               // of the last Evaluate
  std::vector<std::vector<ColumnPtr>> arg_columns_;  // of the last Evaluate
  RowErrors errors_;
  std::vector<uint32_t> ids_;
};

// A plain aggregate (no window) as `instances` steps that share their groups, so that
// several workers aggregate at once (op_aggregate_partitioned.cpp): each instance
// evaluates, encodes and hashes the keys of the batches it is pushed and splits their rows
// by key hash; each partition applies its rows batch by batch in batch order, one worker at
// a time; the first Close merges the partitions in first-seen order. The output, its
// order, every float sum and every error record are the serial step's. Batches must be
// numbered 0, 1, 2, ... over all instances (the executor's push tickets); empty and
// `error` set on a bind error.
std::vector<std::unique_ptr<Step>> MakePartitionedAggregate(const ir::Node& node, const StepContext& ctx,
                                                            size_t instances, std::string* error);

// The windowed form (op_window.cpp); null and `error` set on a bind error.
std::unique_ptr<Step> MakeWindowedAggregate(const ir::Node& node, const StepContext& ctx,
                                            std::unique_ptr<AggregatePlan> plan, std::string* error);

}  // namespace etl::runtime
