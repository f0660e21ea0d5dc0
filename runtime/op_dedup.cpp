#include "runtime/op_dedup.h"

#include <algorithm>
#include <chrono>

#include "runtime/agg_key.h"

namespace etl::runtime {

namespace {

int64_t SystemMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class DedupOp : public OperatorBase {
 public:
  DedupOp(const ir::Node& node, const StepContext& ctx, std::vector<std::unique_ptr<Kernel>> keys,
          std::optional<int64_t> within_us, DedupClock clock)
      : OperatorBase(node, ctx), keys_(std::move(keys)), within_us_(within_us), clock_(std::move(clock)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    const int64_t now = within_us_ ? clock_() : 0;
    if (within_us_ && table_.Size() >= next_purge_) Purge(now);
    errors_.Clear();
    key_columns_.clear();
    for (const auto& kernel : keys_) key_columns_.push_back(kernel->Evaluate(batch, eval_, errors_));
    FailRows(batch, errors_, out);
    keep_.clear();
    const size_t n = batch.Size();
    size_t filtered = 0;
    for (size_t i = 0; i < n; ++i) {
      if (errors_.Failed(static_cast<uint32_t>(i))) continue;
      scratch_.clear();
      for (const ColumnPtr& key : key_columns_) EncodeKey(*key, i, scratch_);
      bool inserted = false;
      uint32_t id = table_.FindOrInsert(scratch_, &inserted);
      if (inserted) {
        seen_.push_back(now);
      } else if (within_us_ && now - seen_[id] >= *within_us_) {
        seen_[id] = now;  // forgotten: this record starts the key anew
      } else {
        ++filtered;
        continue;
      }
      keep_.push_back(batch.RowAt(i));
    }
    if (filtered > 0) out.Filtered(filtered);
    EmitOn(0, keep_.size() == n ? batch : Select(batch, keep_), out);
    out.Ack(input, batch.sequence);
  }

 private:
  // Rebuilds the table without the keys older than `within`.
  void Purge(int64_t now) {
    KeyTable fresh;
    std::vector<int64_t> seen;
    for (uint32_t id = 0; id < table_.Size(); ++id) {
      if (now - seen_[id] >= *within_us_) continue;
      bool inserted = false;
      fresh.FindOrInsert(table_.Key(id), &inserted);
      seen.push_back(seen_[id]);
    }
    table_ = std::move(fresh);
    seen_ = std::move(seen);
    next_purge_ = std::max<size_t>(kMinPurge, table_.Size() * 2);
  }

  static constexpr size_t kMinPurge = size_t{1} << 16;
  std::vector<std::unique_ptr<Kernel>> keys_;
  std::optional<int64_t> within_us_;
  DedupClock clock_;
  KeyTable table_;
  std::vector<int64_t> seen_;  // per key id: when it was (last) first seen
  size_t next_purge_ = kMinPurge;
  std::vector<ColumnPtr> key_columns_;
  RowErrors errors_;
  std::string scratch_;
  std::vector<uint32_t> keep_;
};

}  // namespace

std::unique_ptr<Step> MakeDedup(const ir::Node& node, const StepContext& ctx, std::string* error, DedupClock clock) {
  TypeRef input;
  size_t port = 0;
  if (!InputRecord(node, &input, error) || !OutputIndex(node, ir::kOutPort, &port, error)) return nullptr;
  if (port != 0 || node.outputs[0].type->fields.size() != input->fields.size()) {
    *error = "`" + node.id + "`: the output port `out` must be first and have the input's fields";
    return nullptr;
  }
  if (node.within_us && *node.within_us <= 0) {
    *error = "`" + node.id + "`: `within` must be greater than zero";
    return nullptr;
  }
  std::vector<std::unique_ptr<Kernel>> keys;
  for (const ir::Expr& key : node.dedup_keys) {
    std::string why;
    auto kernel = CompileKernel(key, input, &why);
    if (!kernel) {
      *error = "`" + node.id + "`: dedup key `" + ir::ToText(key) + "`: " + why;
      return nullptr;
    }
    keys.push_back(std::move(kernel));
  }
  if (!clock) clock = SystemMicros;
  return std::make_unique<DedupOp>(node, ctx, std::move(keys), node.within_us, std::move(clock));
}

}  // namespace etl::runtime
