// The operators that reshape records: derive, select, drop and rename. Fields passed on
// unchanged share the input's columns; only computed fields are new columns.
#include <utility>

#include "runtime/op_common.h"

namespace etl::runtime {

namespace {

// The rows of `work` that did not fail (errors index its rows in selection order);
// `work` itself when none did.
Batch WithoutFailed(Batch work, RowErrors& errors, std::vector<uint32_t>& scratch) {
  if (errors.Empty()) return work;
  scratch.clear();
  for (size_t i = 0, n = work.Size(); i < n; ++i) {
    if (!errors.Failed(static_cast<uint32_t>(i))) scratch.push_back(work.RowAt(i));
  }
  return Select(work, scratch);
}

// Checks that `columns` columns fit the output port's record type.
bool CheckWidth(const ir::Node& node, size_t columns, std::string* error) {
  const TypeRef& out = node.outputs[0].type;
  if (out->fields.size() == columns) return true;
  *error = "`" + node.id + "`: the output port has " + std::to_string(out->fields.size()) + " fields, the operator makes " +
           std::to_string(columns);
  return false;
}

bool MainOutput(const ir::Node& node, TypeRef* input, std::string* error) {
  size_t port = 0;
  if (!InputRecord(node, input, error) || !OutputIndex(node, ir::kOutPort, &port, error)) return false;
  if (port != 0) {
    *error = "`" + node.id + "`: `out` must be the first output port";
    return false;
  }
  return true;
}

class DeriveOp : public OperatorBase {
 public:
  DeriveOp(const ir::Node& node, const StepContext& ctx, std::unique_ptr<ValuesKernel> kernel,
           std::vector<size_t> outputs)
      : OperatorBase(node, ctx), kernel_(std::move(kernel)), outputs_(std::move(outputs)) {
    const auto& fields = node.outputs[0].type->fields;
    for (size_t slot : outputs_) spreadable_ = spreadable_ && slot < fields.size() && Spreadable(LayoutOf(fields[slot].type));
  }

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    errors_.Clear();
    if (batch.selection && spreadable_ && kernel_->ReadsSelection()) {
      PushSelected(input, batch, out);
      return;
    }
    // Kernel results are dense in the batch's row order, so the other columns must be too.
    Batch work = batch.selection ? Compact(batch) : batch;
    kernel_->Evaluate(work, eval_, errors_, results_);
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (outputs_[i] < work.columns.size()) {
        work.columns[outputs_[i]] = std::move(results_[i]);
      } else {
        work.columns.push_back(std::move(results_[i]));
      }
    }
    FailRows(batch, errors_, out);
    EmitOn(0, WithoutFailed(std::move(work), errors_, scratch_), out);
    out.Ack(input, batch.sequence);
  }

 private:
  // A batch with a selection and a kernel that reads it in place: the results are spread
  // to the rows the selection points at and the batch keeps its selection (minus failed
  // rows), so no other column is copied.
  void PushSelected(size_t input, const Batch& batch, Emitter& out) {
    kernel_->Evaluate(batch, eval_, errors_, results_);
    const std::vector<uint32_t>& selection = *batch.selection;
    Batch work = batch;
    for (size_t i = 0; i < outputs_.size(); ++i) {
      ColumnPtr column = Spread(*results_[i], selection, batch.rows);
      if (outputs_[i] < work.columns.size()) {
        work.columns[outputs_[i]] = std::move(column);
      } else {
        work.columns.push_back(std::move(column));
      }
    }
    FailRows(batch, errors_, out);
    EmitOn(0, WithoutFailed(std::move(work), errors_, scratch_), out);
    out.Ack(input, batch.sequence);
  }

  std::unique_ptr<ValuesKernel> kernel_;
  std::vector<size_t> outputs_;  // the column assignment i writes (replaced, or appended)
  bool spreadable_ = true;       // every result has a flat layout (Spread)
  std::vector<ColumnPtr> results_;
  RowErrors errors_;
  std::vector<uint32_t> scratch_;
};

class SelectOp : public OperatorBase {
 public:
  SelectOp(const ir::Node& node, const StepContext& ctx, std::unique_ptr<ValuesKernel> kernel, std::vector<int> items,
           std::vector<int> fields)
      : OperatorBase(node, ctx), kernel_(std::move(kernel)), items_(std::move(items)), fields_(std::move(fields)) {
    const auto& out = node.outputs[0].type->fields;
    for (size_t i = 0; i < items_.size(); ++i) {
      if (items_[i] >= 0) spreadable_ = spreadable_ && i < out.size() && Spreadable(LayoutOf(out[i].type));
    }
  }

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    if (!kernel_) {
      // Only fields: share their columns and keep the selection.
      Batch result = batch;
      result.columns.clear();
      for (int slot : fields_) result.columns.push_back(batch.columns[static_cast<size_t>(slot)]);
      EmitOn(0, std::move(result), out);
      out.Ack(input, batch.sequence);
      return;
    }
    errors_.Clear();
    // As derive: a kernel that reads the selection in place gets the batch as it is and its
    // results are spread to the selected rows; otherwise the batch is compacted first.
    bool in_place = batch.selection && spreadable_ && kernel_->ReadsSelection();
    Batch work = batch.selection && !in_place ? Compact(batch) : batch;
    kernel_->Evaluate(work, eval_, errors_, results_);
    Batch result = work;
    result.columns.clear();
    for (size_t i = 0; i < items_.size(); ++i) {
      if (fields_[i] >= 0) {
        result.columns.push_back(work.columns[static_cast<size_t>(fields_[i])]);
      } else if (in_place) {
        result.columns.push_back(Spread(*results_[static_cast<size_t>(items_[i])], *batch.selection, batch.rows));
      } else {
        result.columns.push_back(std::move(results_[static_cast<size_t>(items_[i])]));
      }
    }
    FailRows(batch, errors_, out);
    EmitOn(0, WithoutFailed(std::move(result), errors_, scratch_), out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::unique_ptr<ValuesKernel> kernel_;  // null when every item is a plain field
  std::vector<int> items_;                // the kernel result of item k, or -1
  bool spreadable_ = true;                // every computed item has a flat layout (Spread)
  std::vector<int> fields_;               // the input slot of a plain field, else -1
  std::vector<ColumnPtr> results_;
  RowErrors errors_;
  std::vector<uint32_t> scratch_;
};

// Drop and rename: the output columns are input columns (by slot), shared, selection kept.
class ProjectOp : public OperatorBase {
 public:
  ProjectOp(const ir::Node& node, const StepContext& ctx, std::vector<size_t> slots)
      : OperatorBase(node, ctx), slots_(std::move(slots)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    Batch result = batch;
    if (slots_.size() != batch.columns.size()) {
      result.columns.clear();
      for (size_t slot : slots_) result.columns.push_back(batch.columns[slot]);
    }
    EmitOn(0, std::move(result), out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::vector<size_t> slots_;
};

}  // namespace

std::unique_ptr<Step> MakeDerive(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  NodeExprs exprs;
  if (!MainOutput(node, &input, error) || !ExprsOfNode(node, &exprs, error)) return nullptr;
  // Later assignments read the working record built so far (plan.md "derive").
  auto kernel = CompileValuesKernel(exprs.exprs, ctx.jit, error);
  if (!kernel) {
    *error = "`" + node.id + "`: " + *error;
    return nullptr;
  }
  if (!CheckWidth(node, exprs.output->fields.size(), error)) return nullptr;
  return std::make_unique<DeriveOp>(node, ctx, std::move(kernel), std::move(exprs.outputs));
}

std::unique_ptr<Step> MakeSelect(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  NodeExprs exprs;
  if (!MainOutput(node, &input, error) || !CheckWidth(node, node.assignments.size(), error) ||
      !ExprsOfNode(node, &exprs, error)) {
    return nullptr;
  }
  std::unique_ptr<ValuesKernel> kernel;
  if (!exprs.exprs.exprs.empty()) {
    kernel = CompileValuesKernel(exprs.exprs, ctx.jit, error);
    if (!kernel) {
      *error = "`" + node.id + "`: " + *error;
      return nullptr;
    }
  }
  return std::make_unique<SelectOp>(node, ctx, std::move(kernel), std::move(exprs.items), std::move(exprs.fields));
}

std::unique_ptr<Step> MakeDrop(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  if (!MainOutput(node, &input, error)) return nullptr;
  std::vector<bool> dropped(input->fields.size(), false);
  for (const ir::FieldRef& field : node.fields) {
    if (field.slot < 0 || static_cast<size_t>(field.slot) >= dropped.size()) {
      *error = "`" + node.id + "`: drop of `" + field.name + "`: slot " + std::to_string(field.slot) + " out of range";
      return nullptr;
    }
    dropped[static_cast<size_t>(field.slot)] = true;
  }
  std::vector<size_t> slots;
  for (size_t i = 0; i < dropped.size(); ++i) {
    if (!dropped[i]) slots.push_back(i);
  }
  if (!CheckWidth(node, slots.size(), error)) return nullptr;
  return std::make_unique<ProjectOp>(node, ctx, std::move(slots));
}

std::unique_ptr<Step> MakeRename(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  if (!MainOutput(node, &input, error)) return nullptr;
  for (const ir::RenamePair& pair : node.renames) {
    if (pair.slot < 0 || static_cast<size_t>(pair.slot) >= input->fields.size()) {
      *error = "`" + node.id + "`: rename of `" + pair.from + "`: slot " + std::to_string(pair.slot) + " out of range";
      return nullptr;
    }
  }
  std::vector<size_t> slots;
  for (size_t i = 0; i < input->fields.size(); ++i) slots.push_back(i);
  if (!CheckWidth(node, slots.size(), error)) return nullptr;
  return std::make_unique<ProjectOp>(node, ctx, std::move(slots));
}

}  // namespace etl::runtime
