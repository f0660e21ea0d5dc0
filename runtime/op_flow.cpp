#include "runtime/op_flow.h"

#include <utility>

namespace etl::runtime {

void TakeOp::Push(size_t input, const Batch& batch, Emitter& out) {
  size_t n = batch.Size();
  if (n <= remaining_) {
    remaining_ -= n;
    EmitOn(0, batch, out);
  } else {
    // A prefix of the rows, as a selection over the same columns.
    std::vector<uint32_t> rows(static_cast<size_t>(remaining_));
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = batch.RowAt(i);
    out.Filtered(n - rows.size());
    remaining_ = 0;
    EmitOn(0, Select(batch, std::move(rows)), out);
  }
  out.Ack(input, batch.sequence);
}

namespace {

class ExplodeOp : public OperatorBase {
 public:
  ExplodeOp(const ir::Node& node, const StepContext& ctx, std::unique_ptr<Kernel> list, size_t alias_slot)
      : OperatorBase(node, ctx), list_(std::move(list)), alias_slot_(alias_slot) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    errors_.Clear();
    ColumnPtr lists = list_->Evaluate(batch, eval_, errors_);  // dense, batch.Size() rows
    repeat_.clear();
    elements_.clear();
    size_t empty = 0;
    const Column& list = *lists;
    for (size_t i = 0, n = batch.Size(); i < n; ++i) {
      if (errors_.Failed(static_cast<uint32_t>(i))) continue;
      uint32_t begin = list.offsets[i], end = list.offsets[i + 1];
      if (list.IsNull(i) || begin == end) {
        ++empty;
        continue;
      }
      uint32_t row = batch.RowAt(i);
      for (uint32_t e = begin; e < end; ++e) {
        repeat_.push_back(row);
        elements_.push_back(e);
      }
    }
    out.Filtered(empty);
    FailRows(batch, errors_, out);
    if (!repeat_.empty()) {
      Batch result;
      result.rows = repeat_.size();
      const Column& items = *list.children[0];
      // Every element in order: the element column is the list's child as it is.
      bool whole = elements_.front() == 0 && elements_.size() == items.rows && elements_.back() + 1 == items.rows;
      ColumnPtr element = whole ? list.children[0] : Take(items, elements_);
      for (size_t c = 0; c < batch.columns.size(); ++c) {
        result.columns.push_back(c == alias_slot_ ? element : Take(*batch.columns[c], repeat_));
      }
      if (alias_slot_ == batch.columns.size()) result.columns.push_back(std::move(element));
      EmitOn(0, std::move(result), out);
    }
    out.Ack(input, batch.sequence);
  }

 private:
  std::unique_ptr<Kernel> list_;
  size_t alias_slot_;  // the input field the element replaces, or the input width (appended)
  RowErrors errors_;
  std::vector<uint32_t> repeat_, elements_;  // reused: input rows repeated, list elements
};

class UnionOp : public OperatorBase {
 public:
  UnionOp(const ir::Node& node, const StepContext& ctx) : OperatorBase(node, ctx) {}
  void Push(size_t input, const Batch& batch, Emitter& out) override {
    EmitOn(0, batch, out);
    out.Ack(input, batch.sequence);
  }
};

bool MainOutput(const ir::Node& node, std::string* error) {
  size_t port = 0;
  if (!OutputIndex(node, ir::kOutPort, &port, error)) return false;
  if (port != 0) {
    *error = "`" + node.id + "`: `out` must be the first output port";
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<Step> MakeExplode(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  if (!InputRecord(node, &input, error) || !MainOutput(node, error)) return nullptr;
  if (!node.expr || !node.expr->type || node.expr->type->kind != ast::TypeKind::List) {
    *error = "`" + node.id + "`: explode needs a list expression";
    return nullptr;
  }
  if (node.alias.empty()) {
    *error = "`" + node.id + "`: explode without `as`";
    return nullptr;
  }
  std::string why;
  auto kernel = CompileKernel(*node.expr, input, &why);
  if (!kernel) {
    *error = "`" + node.id + "`: the list: " + why;
    return nullptr;
  }
  int slot = input->FieldIndex(node.alias);
  size_t alias_slot = slot >= 0 ? static_cast<size_t>(slot) : input->fields.size();
  size_t width = input->fields.size() + (slot >= 0 ? 0 : 1);
  if (node.outputs[0].type->fields.size() != width) {
    *error = "`" + node.id + "`: the output port has " + std::to_string(node.outputs[0].type->fields.size()) +
             " fields, explode makes " + std::to_string(width);
    return nullptr;
  }
  return std::make_unique<ExplodeOp>(node, ctx, std::move(kernel), alias_slot);
}

std::unique_ptr<Step> MakeTake(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  if (!InputRecord(node, &input, error) || !MainOutput(node, error)) return nullptr;
  if (node.count < 0) {
    *error = "`" + node.id + "`: take of a negative count " + std::to_string(node.count);
    return nullptr;
  }
  return std::make_unique<TakeOp>(node, ctx, static_cast<uint64_t>(node.count));
}

std::unique_ptr<Step> MakeUnion(const ir::Node& node, const StepContext& ctx, std::string* error) {
  if (node.inputs.empty()) {
    *error = "`" + node.id + "`: union without inputs";
    return nullptr;
  }
  if (!MainOutput(node, error)) return nullptr;
  size_t width = node.outputs[0].type->fields.size();
  for (const ir::Port& port : node.inputs) {
    if (!port.type || port.type->kind != ast::TypeKind::Record || port.type->fields.size() != width) {
      *error = "`" + node.id + "`: input `" + port.name + "` does not have the output's " + std::to_string(width) + " fields";
      return nullptr;
    }
    for (size_t f = 0; f < width; ++f) {
      if (LayoutOf(port.type->fields[f].type) != LayoutOf(node.outputs[0].type->fields[f].type)) {
        *error = "`" + node.id + "`: field `" + port.type->fields[f].name + "` of an input is stored unlike the output's";
        return nullptr;
      }
    }
  }
  return std::make_unique<UnionOp>(node, ctx);
}

}  // namespace etl::runtime
