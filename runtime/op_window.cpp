// Windowed aggregation (stdlib/window_*.cpp): tumbling and sliding windows aligned to the
// Unix epoch, and session windows per key. The event time is the `on` field; a window is
// emitted as soon as the largest event time seen has reached its end (after the batch that
// moved it), the rest when the input closes. A record that belongs to a window already
// emitted is an error record with code `late`; a null `on` is an error record (`window`).
#include <algorithm>
#include <map>
#include <tuple>

#include "runtime/op_aggregate.h"

namespace etl::runtime {

namespace {

enum class WindowKind { Tumbling, Sliding, Session };

struct WindowSpec {
  WindowKind kind = WindowKind::Tumbling;
  int64_t size = 0;   // tumbling, sliding
  int64_t every = 0;  // sliding (tumbling: = size)
  int64_t gap = 0;    // session
  std::unique_ptr<Kernel> on;
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The shared part: evaluating `on` and the late / null checks.
class WindowBase : public AggregateBase {
 public:
  WindowBase(const ir::Node& node, const StepContext& ctx, std::unique_ptr<AggregatePlan> plan, WindowSpec spec)
      : AggregateBase(node, ctx, std::move(plan)), spec_(std::move(spec)) {}

 protected:

  // Evaluates keys, args and `on`; rows that fail (or have a null `on`) are in errors_.
  Batch EvaluateWithTime(const Batch& batch, Emitter& out) {
    Batch work = Evaluate(batch, out);
    RowErrors on_errors;
    times_ = spec_.on->Evaluate(work, eval_, on_errors);
    for (size_t i = 0; i < work.rows; ++i) {
      const uint32_t row = static_cast<uint32_t>(i);
      if (errors_.Failed(row)) continue;
      if (on_errors.Failed(row) || times_->IsNull(i)) {
        errors_.Add(row, "window", "the window's `on` time is null");
        FailRow(work, i, "window", "the window's `on` time is null", out);
      }
    }
    return work;
  }

  void Late(const Batch& work, size_t i, Emitter& out) {
    errors_.Add(static_cast<uint32_t>(i), "late", "");
    FailRow(work, i, "late", "the record's window was already emitted (its event time is too old)", out);
  }

  WindowSpec spec_;
  ColumnPtr times_;
  int64_t watermark_ = INT64_MIN;  // the largest event time seen
};

// Tumbling and sliding: one group set per window start.
class FixedWindowAggregate : public WindowBase {
 public:
  using WindowBase::WindowBase;

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    Batch work = EvaluateWithTime(batch, out);
    const size_t n = work.rows;
    // Row lists per window start touched by this batch.
    touched_.clear();
    for (size_t i = 0; i < n; ++i) {
      if (errors_.Failed(static_cast<uint32_t>(i))) continue;
      const int64_t t = times_->ints[i];
      const int64_t last = FloorDiv(t, spec_.every) * spec_.every;  // the latest window holding t
      const int64_t start = (FloorDiv(t - spec_.size, spec_.every) + 1) * spec_.every;  // the earliest one
      if (start + spec_.size <= emitted_until_) {
        Late(work, i, out);
        continue;
      }
      for (int64_t s = start; s <= last; s += spec_.every) touched_[s].push_back(static_cast<uint32_t>(i));
      watermark_ = std::max(watermark_, t);
    }
    for (auto& [start, rows] : touched_) {
      auto& set = open_[start];
      if (!set) set = std::make_unique<GroupSet>(*plan_);
      member_.assign(n, 0);
      for (uint32_t r : rows) member_[r] = 1;
      set->Assign(key_columns_, n, [&](size_t i) { return member_[i] == 0; }, ids_);
      set->Update(arg_columns_, ids_);
    }
    // Emit every window whose end the event time has reached.
    while (!open_.empty() && open_.begin()->first + spec_.size <= watermark_) EmitFirst(out);
    out.Ack(input, batch.sequence);
  }

  void Close(size_t, Emitter& out) override {
    while (!open_.empty()) EmitFirst(out);
  }

 private:
  void EmitFirst(Emitter& out) {
    auto it = open_.begin();
    WindowBounds bounds{{it->first}, {it->first + spec_.size}};
    emitted_until_ = std::max(emitted_until_, it->first + spec_.size);
    EmitGroups(*it->second, &bounds, out);
    open_.erase(it);
  }

  std::map<int64_t, std::unique_ptr<GroupSet>> open_;  // by window start
  std::map<int64_t, std::vector<uint32_t>> touched_;
  std::vector<uint8_t> member_;
  int64_t emitted_until_ = INT64_MIN;  // every window ending at or before this was emitted
};

// Session windows: per key, records less than `gap` apart (by `on`) form one session. The
// evaluated columns of each batch are kept while an open session holds one of its rows.
class SessionAggregate : public WindowBase {
 public:
  using WindowBase::WindowBase;

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    Batch work = EvaluateWithTime(batch, out);
    const uint32_t chunk_id = next_chunk_++;
    Chunk chunk{key_columns_, arg_columns_, times_, 0};
    for (size_t i = 0; i < work.rows; ++i) {
      if (errors_.Failed(static_cast<uint32_t>(i))) continue;
      const int64_t t = times_->ints[i];
      if (t + spec_.gap <= emitted_until_) {
        Late(work, i, out);
        continue;
      }
      watermark_ = std::max(watermark_, t);
      scratch_.clear();
      for (const ColumnPtr& key : key_columns_) EncodeKey(*key, i, scratch_);
      bool inserted = false;
      uint32_t key = keys_.FindOrInsert(scratch_, &inserted);
      if (inserted) sessions_.emplace_back();
      Join(sessions_[key], t, chunk_id, static_cast<uint32_t>(i));
      ++chunk.refs;
    }
    if (chunk.refs > 0) chunks_.emplace(chunk_id, std::move(chunk));
    EmitClosed(false, out);
    out.Ack(input, batch.sequence);
  }

  void Close(size_t, Emitter& out) override { EmitClosed(true, out); }

 private:
  struct Session {
    int64_t start = 0, last = 0;
    std::vector<std::pair<uint32_t, uint32_t>> members;  // (chunk, row)
  };
  struct Chunk {
    std::vector<ColumnPtr> keys;
    std::vector<std::vector<ColumnPtr>> args;
    ColumnPtr times;
    size_t refs = 0;  // members in open sessions
  };

  // Adds the record at time t to the open sessions of its key, merging those it bridges
  // (in place: the common case extends one session and allocates nothing).
  void Join(std::vector<Session>& open, int64_t t, uint32_t chunk, uint32_t row) {
    size_t target = open.size();
    bool merged = false;
    for (size_t s = 0; s < open.size(); ++s) {
      if (!(t > open[s].start - spec_.gap && t < open[s].last + spec_.gap)) continue;
      if (target == open.size()) {
        target = s;
        continue;
      }
      Session& into = open[target];
      into.start = std::min(into.start, open[s].start);
      into.last = std::max(into.last, open[s].last);
      into.members.insert(into.members.end(), open[s].members.begin(), open[s].members.end());
      open[s].members.clear();
      open[s].start = open[s].last = INT64_MIN;  // emptied: removed below
      merged = true;
    }
    if (target == open.size()) {
      open.push_back(Session{t, t, {{chunk, row}}});
      return;
    }
    Session& session = open[target];
    session.start = std::min(session.start, t);
    session.last = std::max(session.last, t);
    session.members.emplace_back(chunk, row);
    if (merged) {
      open.erase(std::remove_if(open.begin(), open.end(), [](const Session& s) { return s.members.empty(); }), open.end());
    }
  }

  // Emits the sessions that ended (all of them at the end of input), ordered by end, start
  // and the key's first appearance.
  void EmitClosed(bool all, Emitter& out) {
    struct Closing {
      int64_t end, start;
      uint32_t key;
      Session session;
    };
    std::vector<Closing> closing;
    for (uint32_t key = 0; key < sessions_.size(); ++key) {
      std::vector<Session>& open = sessions_[key];
      for (size_t s = 0; s < open.size();) {
        if (all || open[s].last + spec_.gap <= watermark_) {
          closing.push_back({open[s].last + spec_.gap, open[s].start, key, std::move(open[s])});
          open.erase(open.begin() + static_cast<long>(s));
        } else {
          ++s;
        }
      }
    }
    if (!all) emitted_until_ = std::max(emitted_until_, watermark_);
    if (closing.empty()) return;
    std::sort(closing.begin(), closing.end(), [](const Closing& a, const Closing& b) {
      return std::tie(a.end, a.start, a.key) < std::tie(b.end, b.start, b.key);
    });
    GroupSet set(*plan_);
    WindowBounds bounds;
    // Per chunk: (row, group) of the members, so each chunk's update is one pass.
    std::map<uint32_t, std::vector<std::pair<uint32_t, uint32_t>>> by_chunk;
    for (Closing& c : closing) {
      std::sort(c.session.members.begin(), c.session.members.end());
      const auto& [chunk, row] = c.session.members.front();
      uint32_t group = set.AddGroup(chunks_.at(chunk).keys, row);
      bounds.start.push_back(c.start);
      bounds.end.push_back(c.end);
      for (const auto& [member_chunk, member_row] : c.session.members) by_chunk[member_chunk].push_back({member_row, group});
    }
    for (auto& [chunk_id, members] : by_chunk) {
      Chunk& chunk = chunks_.at(chunk_id);
      ids_.assign(chunk.times->rows, kNoGroup);
      for (const auto& [row, group] : members) ids_[row] = group;
      set.Update(chunk.args, ids_);
      chunk.refs -= members.size();
      if (chunk.refs == 0) chunks_.erase(chunk_id);
    }
    EmitGroups(set, &bounds, out);
  }

  KeyTable keys_;
  std::vector<std::vector<Session>> sessions_;  // per key id: its open sessions
  std::map<uint32_t, Chunk> chunks_;
  uint32_t next_chunk_ = 0;
  std::string scratch_;
  int64_t emitted_until_ = INT64_MIN;  // the watermark of the last emission
};

// The duration value of window argument `name`, or 0.
int64_t DurationArg(const ir::Window& window, std::string_view name) {
  for (const ir::StepArg& arg : window.args) {
    if (arg.name != name) continue;
    if (arg.value) return arg.value->int_value;
    if (arg.expr && arg.expr->kind == ir::ExprKind::Literal) return arg.expr->value.int_value;
  }
  return 0;
}

}  // namespace

std::unique_ptr<Step> MakeWindowedAggregate(const ir::Node& node, const StepContext& ctx,
                                            std::unique_ptr<AggregatePlan> plan, std::string* error) {
  const ir::Window& window = *node.window;
  WindowSpec spec;
  auto fail = [&](const std::string& why) {
    *error = "`" + node.id + "`: window `" + window.step + "`: " + why;
    return nullptr;
  };
  if (window.step == "tumbling") {
    spec.kind = WindowKind::Tumbling;
    spec.size = spec.every = DurationArg(window, "size");
    if (spec.size <= 0) return fail("`size` must be a duration greater than zero");
  } else if (window.step == "sliding") {
    spec.kind = WindowKind::Sliding;
    spec.size = DurationArg(window, "size");
    spec.every = DurationArg(window, "every");
    if (spec.size <= 0 || spec.every <= 0 || spec.every > spec.size) {
      return fail("`size` and `every` must be greater than zero, `every` at most `size`");
    }
  } else if (window.step == "session") {
    spec.kind = WindowKind::Session;
    spec.gap = DurationArg(window, "gap");
    if (spec.gap <= 0) return fail("`gap` must be a duration greater than zero");
  } else {
    return fail("unknown window");
  }
  const TypeRef& input = node.inputs[0].type;
  for (const ir::StepArg& arg : window.args) {
    if (arg.name != "on") continue;
    std::string why;
    if (arg.expr) {
      spec.on = CompileKernel(*arg.expr, input, &why);
    } else if (arg.value && arg.value->kind == ast::Value::Kind::String) {
      int slot = input->FieldIndex(arg.value->string_value);
      if (slot >= 0) spec.on = CompileKernel(ir::FieldExpr(slot, arg.value->string_value, input->fields[static_cast<size_t>(slot)].type), input, &why);
    }
    if (!spec.on) return fail("`on`: " + (why.empty() ? std::string("not a field of the input") : why));
  }
  if (!spec.on || spec.on->Type()->kind != ast::TypeKind::Timestamp) return fail("`on` must be a timestamp field");
  if (spec.kind == WindowKind::Session) return std::make_unique<SessionAggregate>(node, ctx, std::move(plan), std::move(spec));
  return std::make_unique<FixedWindowAggregate>(node, ctx, std::move(plan), std::move(spec));
}

}  // namespace etl::runtime
