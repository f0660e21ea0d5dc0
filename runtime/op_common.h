// Shared pieces of the built-in stateless operators (op_*.cpp): binding checks, emission with
// the output port's schema and per-port sequence numbers, and turning row errors into
// error records. The operators themselves are reached through MakeOperator (op_factory.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/plan.h"
#include "runtime/kernel.h"
#include "runtime/step.h"

namespace etl::runtime {

// The base of every built-in operator: knows its output ports and numbers their batches.
class OperatorBase : public Step {
 protected:
  OperatorBase(const ir::Node& node, const StepContext& ctx);

  // Emits `batch` on output `port` with that port's schema and the port's next sequence
  // number; an empty batch is not emitted (its rows were all accounted for elsewhere).
  void EmitOn(size_t port, Batch batch, Emitter& out);
  // Sends each error of `errors` (rows of `batch`, in its selection order) to Fail.
  void FailRows(const Batch& batch, RowErrors& errors, Emitter& out) const;
  // Sends row `i` of `batch` (selection order) to Fail with `code` and `message`.
  void FailRow(const Batch& batch, size_t i, std::string code, std::string message, Emitter& out) const;

  std::string step_;              // the node id, for error records
  EvalContext eval_;              // what kernels may read, fixed for the run
  int64_t now_us_ = 0;            // the run's clock, stamped on error records
  std::vector<TypeRef> port_types_;  // per output port (plan order)
  std::vector<uint64_t> sequences_;  // the next sequence number per output port
};

// Bind-time helpers: each returns false and sets `error` when the node is not as expected.
// The node's single input record type.
bool InputRecord(const ir::Node& node, TypeRef* type, std::string* error);
// The index of output port `name` in node.outputs, checking that it is a record type.
bool OutputIndex(const ir::Node& node, std::string_view name, size_t* index, std::string* error);

// The per-kind constructors behind MakeOperator; null and `error` set on a bind error.
std::unique_ptr<Step> MakeFilter(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeRoute(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeValidate(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeDerive(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeSelect(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeDrop(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeRename(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeExplode(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeTake(const ir::Node& node, const StepContext& ctx, std::string* error);
std::unique_ptr<Step> MakeUnion(const ir::Node& node, const StepContext& ctx, std::string* error);

}  // namespace etl::runtime
