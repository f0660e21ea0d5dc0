#include "runtime/op_aggregate.h"

#include <algorithm>

#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

// A copy of `expr` with `AggregateRef i` turned into a field of the group record at
// `first_agg_slot + i`, so the ordinary kernel evaluates the outputs.
ir::Expr ResolveAggregateRefs(const ir::Expr& expr, int first_agg_slot) {
  if (expr.kind == ir::ExprKind::AggregateRef) {
    return ir::FieldExpr(first_agg_slot + expr.slot, "aggregate " + std::to_string(expr.slot), expr.type);
  }
  ir::Expr copy = expr;
  for (ir::Expr& child : copy.children) child = ResolveAggregateRefs(child, first_agg_slot);
  return copy;
}

// Rows [begin, end) of `column`.
ColumnPtr Slice(const ColumnPtr& column, size_t begin, size_t end) {
  if (begin == 0 && end == column->rows) return column;
  std::vector<uint32_t> rows(end - begin);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(begin + i);
  return Take(*column, rows);
}

class PlainAggregate : public AggregateBase {
 public:
  PlainAggregate(const ir::Node& node, const StepContext& ctx, std::unique_ptr<AggregatePlan> plan)
      : AggregateBase(node, ctx, std::move(plan)), set_(*plan_) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    Batch work = Evaluate(batch, out, /*keep_selection=*/true);
    set_.Assign(key_columns_, work.Size(), [&](size_t i) { return errors_.Failed(static_cast<uint32_t>(i)); }, ids_);
    set_.Update(arg_columns_, ids_);
    out.Ack(input, batch.sequence);
  }

  void Close(size_t, Emitter& out) override {
    if (closed_) return;
    closed_ = true;
    EmitGroups(set_, nullptr, out);
  }

 private:
  GroupSet set_;
  bool closed_ = false;
};

}  // namespace

bool BindAggregatePlan(const ir::Node& node, const StepJit& jit, AggregatePlan& plan, std::string* error) {
  TypeRef input;
  size_t port = 0;
  if (!InputRecord(node, &input, error) || !OutputIndex(node, ir::kOutPort, &port, error)) return false;
  if (port != 0) {
    *error = "`" + node.id + "`: `out` must be the first output port";
    return false;
  }
  auto fail = [&](const std::string& what, const std::string& why) {
    *error = "`" + node.id + "`: " + what + ": " + why;
    return false;
  };
  std::vector<ast::Field> group_fields;
  StepExprs inputs;
  inputs.step = node.id;
  inputs.input = input;
  for (const ir::NamedExpr& key : node.keys) {
    inputs.exprs.push_back(key.expr);
    inputs.names.push_back("key `" + key.name + "`");
    plan.key_names.push_back(key.name);
    plan.key_types.push_back(key.expr.type);
    group_fields.push_back({key.name, key.expr.type, false});
  }
  plan.windowed = node.window.has_value();
  if (plan.windowed) {
    group_fields.push_back({"window_start", ast::TimestampType(), false});
    group_fields.push_back({"window_end", ast::TimestampType(), false});
  }
  const int first_agg = static_cast<int>(group_fields.size());
  for (size_t c = 0; c < node.aggregates.size(); ++c) {
    const ir::AggregateCall& call = node.aggregates[c];
    std::string why;
    if (!MakeAggState(call, &why)) return fail("`" + call.function + "`", why);
    // percentile's p is a constant read at bind time; only x is evaluated per batch.
    size_t evaluated = call.function == "percentile" ? 1 : call.args.size();
    plan.arg_begin.push_back(inputs.exprs.size());
    for (size_t a = 0; a < evaluated && a < call.args.size(); ++a) {
      inputs.exprs.push_back(call.args[a]);
      inputs.names.push_back("`" + call.function + "`");
    }
    plan.calls.push_back(call);
    group_fields.push_back({"aggregate " + std::to_string(c), call.type, false});
  }
  plan.arg_begin.push_back(inputs.exprs.size());
  plan.inputs = CompileValuesKernel(inputs, jit, error);
  if (!plan.inputs) {
    *error = "`" + node.id + "`: " + *error;
    return false;
  }
  plan.group_schema = ast::RecordType(group_fields);
  for (const ir::NamedExpr& named : node.assignments) {
    std::string why;
    auto kernel = CompileKernel(ResolveAggregateRefs(named.expr, first_agg), plan.group_schema, &why);
    if (!kernel) return fail("`" + named.name + "`", why);
    plan.outputs.push_back(std::move(kernel));
  }
  size_t width = node.keys.size() + (plan.windowed ? 2 : 0) + node.assignments.size();
  if (node.outputs[0].type->fields.size() != width) {
    *error = "`" + node.id + "`: the output port has " + std::to_string(node.outputs[0].type->fields.size()) +
             " fields, the aggregate makes " + std::to_string(width);
    return false;
  }
  return true;
}

GroupSet::GroupSet(const AggregatePlan& plan) {
  for (const TypeRef& type : plan.key_types) key_values_.emplace_back(type);
  for (const ir::AggregateCall& call : plan.calls) {
    std::string why;
    states_.push_back(MakeAggState(call, &why));  // checked at bind time
  }
}

void GroupSet::Update(const std::vector<std::vector<ColumnPtr>>& args, const std::vector<uint32_t>& ids) {
  for (size_t c = 0; c < states_.size(); ++c) states_[c]->Update(args[c], ids);
}

void GroupSet::AssignEncoded(const std::vector<ColumnPtr>& keys, const EncodedKeys& encoded,
                             const std::vector<uint32_t>& rows, std::vector<uint32_t>& ids,
                             std::vector<uint32_t>& created) {
  ids.resize(rows.size());
  for (size_t j = 0; j < rows.size(); ++j) {
    const uint32_t row = rows[j];
    bool inserted = false;
    ids[j] = FindOrAdd(keys, row, encoded.Key(row), encoded.hashes[row], &inserted);
    if (inserted) created.push_back(static_cast<uint32_t>(j));
  }
  GrowStates();
}

bool GroupSet::Overflowed(uint32_t group) const {
  for (const auto& state : states_) {
    if (state->Overflowed(group)) return true;
  }
  return false;
}

uint32_t GroupSet::AddGroup(const std::vector<ColumnPtr>& keys, size_t row) {
  for (size_t k = 0; k < keys.size(); ++k) AppendFrom(key_values_[k], *keys[k], row);
  ++size_;
  for (auto& state : states_) state->Grow(size_);
  return static_cast<uint32_t>(size_ - 1);
}

std::vector<ColumnPtr> GroupSet::FinishKeys() {
  std::vector<ColumnPtr> keys;
  for (ColumnBuilder& builder : key_values_) keys.push_back(builder.Finish());
  return keys;
}

AggregateBase::AggregateBase(const ir::Node& node, const StepContext& ctx, std::unique_ptr<AggregatePlan> plan)
    : OperatorBase(node, ctx), plan_(std::move(plan)) {
  arg_columns_.resize(plan_->calls.size());
}

Batch AggregateBase::Evaluate(const Batch& batch, Emitter& out, bool keep_selection) {
  // Keys and args are dense in the batch's row order; a kernel that reads the selection in
  // place spares copying the columns when the caller needs only those.
  bool in_place = keep_selection && plan_->inputs->ReadsSelection();
  Batch work = batch.selection && !in_place ? Compact(batch) : batch;
  errors_.Clear();
  plan_->inputs->Evaluate(work, eval_, errors_, inputs_);
  key_columns_.assign(inputs_.begin(), inputs_.begin() + static_cast<long>(plan_->key_names.size()));
  for (size_t c = 0; c < plan_->calls.size(); ++c) {
    arg_columns_[c].assign(inputs_.begin() + static_cast<long>(plan_->arg_begin[c]),
                           inputs_.begin() + static_cast<long>(plan_->arg_begin[c + 1]));
  }
  FailRows(work, errors_, out);
  return work;
}

void AggregateBase::EmitGroups(GroupSet& set, const WindowBounds* bounds, Emitter& out) {
  if (set.Empty()) return;
  std::vector<ColumnPtr> keys = set.FinishKeys();
  EmitGroups(
      set.Size(),
      [&](size_t begin, size_t end, GroupRows& rows) {
        for (const ColumnPtr& key : keys) rows.keys.push_back(Slice(key, begin, end));
        for (auto& state : set.States()) rows.results.push_back(state->Finish(begin, end));
        for (size_t g = begin; g < end; ++g) rows.overflowed.push_back(set.Overflowed(static_cast<uint32_t>(g)));
      },
      bounds, out);
}

void AggregateBase::EmitGroups(size_t groups, const GroupRange& range, const WindowBounds* bounds, Emitter& out) {
  const size_t nkeys = plan_->key_names.size();
  RowErrors output_errors;
  std::vector<uint32_t> keep;
  for (size_t begin = 0; begin < groups; begin += kDefaultBatchRows) {
    const size_t end = std::min(groups, begin + kDefaultBatchRows);
    const size_t n = end - begin;
    GroupRows rows;
    range(begin, end, rows);
    Batch group;
    group.schema = plan_->group_schema;
    group.rows = n;
    group.columns = rows.keys;
    if (bounds) {
      for (const std::vector<int64_t>* values : {&bounds->start, &bounds->end}) {
        ColumnBuilder b(ast::TimestampType());
        b.Reserve(n);
        for (size_t i = 0; i < n; ++i) b.AppendInt(values->size() == 1 ? (*values)[0] : (*values)[begin + i]);
        group.columns.push_back(b.Finish());
      }
    }
    for (ColumnPtr& result : rows.results) group.columns.push_back(std::move(result));
    output_errors.Clear();
    Batch result;
    result.rows = n;
    result.columns.assign(group.columns.begin(), group.columns.begin() + static_cast<long>(nkeys + (bounds ? 2 : 0)));
    for (const auto& kernel : plan_->outputs) result.columns.push_back(kernel->Evaluate(group, eval_, output_errors));
    keep.clear();
    for (size_t i = 0; i < n; ++i) {
      std::string code, message;
      if (rows.overflowed[i]) {
        code = "overflow";
        message = "integer overflow in an aggregate of this group";
      }
      if (code.empty() && output_errors.Failed(static_cast<uint32_t>(i))) {
        for (const RowError& e : output_errors.Errors()) {
          if (e.row == i) {
            code = e.code;
            message = e.message;
            break;
          }
        }
      }
      if (code.empty()) {
        keep.push_back(static_cast<uint32_t>(i));
        continue;
      }
      // The group's record: its keys (and window bounds).
      ast::Value record;
      record.kind = ast::Value::Kind::Record;
      for (size_t k = 0; k < nkeys + (bounds ? 2 : 0); ++k) {
        record.fields.emplace_back(plan_->group_schema->fields[k].name, group.columns[k]->Get(i));
      }
      ErrorRecord error;
      error.step = step_;
      error.code = std::move(code);
      error.message = std::move(message);
      error.record = ValueToJson(record);
      error.at_us = now_us_;
      out.Fail(std::move(error));
    }
    EmitOn(0, keep.size() == n ? std::move(result) : Select(result, keep), out);
  }
}

std::unique_ptr<Step> MakeAggregate(const ir::Node& node, const StepContext& ctx, std::string* error) {
  auto plan = std::make_unique<AggregatePlan>();
  if (!BindAggregatePlan(node, ctx.jit, *plan, error)) return nullptr;
  if (plan->windowed) return MakeWindowedAggregate(node, ctx, std::move(plan), error);
  return std::make_unique<PlainAggregate>(node, ctx, std::move(plan));
}

}  // namespace etl::runtime
