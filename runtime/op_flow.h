// Operators that change how many rows flow: explode, take and union (op_flow.cpp). Take is
// declared here so the executor can ask it whether it still needs input.
#pragma once

#include "runtime/op_common.h"

namespace etl::runtime {

// `take n`: the first n rows across batches; the rest are filtered.
class TakeOp : public OperatorBase {
 public:
  TakeOp(const ir::Node& node, const StepContext& ctx, uint64_t count) : OperatorBase(node, ctx), remaining_(count) {}
  void Push(size_t input, const Batch& batch, Emitter& out) override;
  // True once n rows went out: further input will only be filtered, so upstream may stop.
  bool Done() const override { return remaining_ == 0; }

 private:
  uint64_t remaining_;
};

}  // namespace etl::runtime
