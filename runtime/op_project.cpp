// The operators that reshape records: derive, select, drop and rename. Fields passed on
// unchanged share the input's columns; only computed fields are new columns.
#include <utility>

#include "runtime/op_common.h"

namespace etl::runtime {

namespace {

// The rows of `work` (dense, no selection) that did not fail; `work` itself when none did.
Batch WithoutFailed(Batch work, RowErrors& errors, std::vector<uint32_t>& scratch) {
  if (errors.Empty()) return work;
  scratch.clear();
  for (uint32_t i = 0; i < work.rows; ++i) {
    if (!errors.Failed(i)) scratch.push_back(i);
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
  struct Assignment {
    std::unique_ptr<Kernel> kernel;
    TypeRef schema;    // the working record it reads
    size_t slot = 0;   // the column it writes (replaced, or appended when == width)
  };
  DeriveOp(const ir::Node& node, const StepContext& ctx, std::vector<Assignment> assignments)
      : OperatorBase(node, ctx), assignments_(std::move(assignments)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    // Kernel results are dense in the batch's row order, so the other columns must be too.
    Batch work = batch.selection ? Compact(batch) : batch;
    errors_.Clear();
    for (const Assignment& a : assignments_) {
      work.schema = a.schema;
      ColumnPtr column = a.kernel->Evaluate(work, eval_, errors_);
      if (a.slot < work.columns.size()) {
        work.columns[a.slot] = std::move(column);
      } else {
        work.columns.push_back(std::move(column));
      }
    }
    FailRows(batch, errors_, out);
    EmitOn(0, WithoutFailed(std::move(work), errors_, scratch_), out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::vector<Assignment> assignments_;
  RowErrors errors_;
  std::vector<uint32_t> scratch_;
};

class SelectOp : public OperatorBase {
 public:
  SelectOp(const ir::Node& node, const StepContext& ctx, std::vector<std::unique_ptr<Kernel>> kernels,
           std::vector<int> fields)
      : OperatorBase(node, ctx), kernels_(std::move(kernels)), fields_(std::move(fields)) {
    for (int slot : fields_) all_fields_ = all_fields_ && slot >= 0;
  }

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    if (all_fields_) {
      // Only fields: share their columns and keep the selection.
      Batch result = batch;
      result.columns.clear();
      for (int slot : fields_) result.columns.push_back(batch.columns[static_cast<size_t>(slot)]);
      EmitOn(0, std::move(result), out);
      out.Ack(input, batch.sequence);
      return;
    }
    Batch work = batch.selection ? Compact(batch) : batch;
    Batch result = work;
    result.columns.clear();
    errors_.Clear();
    for (size_t i = 0; i < kernels_.size(); ++i) {
      result.columns.push_back(fields_[i] >= 0 ? work.columns[static_cast<size_t>(fields_[i])]
                                               : kernels_[i]->Evaluate(work, eval_, errors_));
    }
    FailRows(batch, errors_, out);
    EmitOn(0, WithoutFailed(std::move(result), errors_, scratch_), out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::vector<std::unique_ptr<Kernel>> kernels_;  // null where the item is a plain field
  std::vector<int> fields_;                       // the input slot of a plain field, else -1
  bool all_fields_ = true;
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
  if (!MainOutput(node, &input, error)) return nullptr;
  // Later assignments read the working record built so far (plan.md "derive").
  std::vector<ast::Field> working = input->fields;
  std::vector<DeriveOp::Assignment> assignments;
  for (const ir::NamedExpr& named : node.assignments) {
    DeriveOp::Assignment a;
    a.schema = ast::RecordType(working);
    std::string why;
    a.kernel = CompileKernel(named.expr, a.schema, &why);
    if (!a.kernel) {
      *error = "`" + node.id + "`: `" + named.name + "`: " + why;
      return nullptr;
    }
    int slot = a.schema->FieldIndex(named.name);
    if (slot >= 0) {
      a.slot = static_cast<size_t>(slot);
      working[a.slot].type = named.expr.type;
    } else {
      a.slot = working.size();
      working.push_back({named.name, named.expr.type, false});
    }
    assignments.push_back(std::move(a));
  }
  if (!CheckWidth(node, working.size(), error)) return nullptr;
  return std::make_unique<DeriveOp>(node, ctx, std::move(assignments));
}

std::unique_ptr<Step> MakeSelect(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  if (!MainOutput(node, &input, error) || !CheckWidth(node, node.assignments.size(), error)) return nullptr;
  std::vector<std::unique_ptr<Kernel>> kernels;
  std::vector<int> fields;
  for (const ir::NamedExpr& named : node.assignments) {
    const ir::Expr& expr = named.expr;
    if (expr.kind == ir::ExprKind::Field && expr.side == 0 && expr.slot >= 0 &&
        static_cast<size_t>(expr.slot) < input->fields.size()) {
      kernels.push_back(nullptr);
      fields.push_back(expr.slot);
      continue;
    }
    std::string why;
    auto kernel = CompileKernel(expr, input, &why);
    if (!kernel) {
      *error = "`" + node.id + "`: `" + named.name + "`: " + why;
      return nullptr;
    }
    kernels.push_back(std::move(kernel));
    fields.push_back(-1);
  }
  return std::make_unique<SelectOp>(node, ctx, std::move(kernels), std::move(fields));
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
