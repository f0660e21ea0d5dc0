#include "runtime/op_common.h"

#include "runtime/value_json.h"

namespace etl::runtime {

OperatorBase::OperatorBase(const ir::Node& node, const StepContext& ctx) : step_(node.id), now_us_(ctx.now_us) {
  for (const auto& [name, value] : ctx.params) eval_.params.emplace(name, value);
  eval_.now_us = ctx.now_us;
  eval_.seed = ctx.seed;
  for (const ir::Port& port : node.outputs) port_types_.push_back(port.type);
  sequences_.assign(port_types_.size(), 0);
}

void OperatorBase::EmitOn(size_t port, Batch batch, Emitter& out) {
  if (batch.Size() == 0) return;
  batch.schema = port_types_[port];
  batch.sequence = sequences_[port]++;
  out.Emit(port, std::move(batch));
}

void OperatorBase::FailRows(const Batch& batch, RowErrors& errors, Emitter& out) const {
  for (const RowError& e : errors.Errors()) FailRow(batch, e.row, e.code, e.message, out);
}

void OperatorBase::FailRow(const Batch& batch, size_t i, std::string code, std::string message, Emitter& out) const {
  ErrorRecord record;
  record.step = step_;
  record.code = std::move(code);
  record.message = std::move(message);
  record.record = ValueToJson(batch.Row(i));
  record.at_us = now_us_;
  out.Fail(std::move(record));
}

bool InputRecord(const ir::Node& node, TypeRef* type, std::string* error) {
  if (node.inputs.size() != 1 || !node.inputs[0].type || node.inputs[0].type->kind != ast::TypeKind::Record) {
    *error = "`" + node.id + "`: expected one record input port";
    return false;
  }
  *type = node.inputs[0].type;
  return true;
}

bool OutputIndex(const ir::Node& node, std::string_view name, size_t* index, std::string* error) {
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].name != name) continue;
    if (!node.outputs[i].type || node.outputs[i].type->kind != ast::TypeKind::Record) {
      *error = "`" + node.id + "`: output port `" + std::string(name) + "` has no record type";
      return false;
    }
    *index = i;
    return true;
  }
  *error = "`" + node.id + "`: no output port `" + std::string(name) + "`";
  return false;
}

}  // namespace etl::runtime
