#include "runtime/op_factory.h"

#include "runtime/op_aggregate.h"
#include "runtime/op_common.h"
#include "runtime/op_dedup.h"
#include "runtime/op_join.h"
#include "runtime/op_sort.h"

namespace etl::runtime {

std::unique_ptr<Step> MakeOperator(const ir::Node& node, const StepContext& ctx, std::string* error) {
  std::string local;
  std::string* why = error ? error : &local;
  switch (node.kind) {
    case ir::NodeKind::Filter: return MakeFilter(node, ctx, why);
    case ir::NodeKind::Derive: return MakeDerive(node, ctx, why);
    case ir::NodeKind::Select: return MakeSelect(node, ctx, why);
    case ir::NodeKind::Drop: return MakeDrop(node, ctx, why);
    case ir::NodeKind::Rename: return MakeRename(node, ctx, why);
    case ir::NodeKind::Route: return MakeRoute(node, ctx, why);
    case ir::NodeKind::Explode: return MakeExplode(node, ctx, why);
    case ir::NodeKind::Validate: return MakeValidate(node, ctx, why);
    case ir::NodeKind::Take: return MakeTake(node, ctx, why);
    case ir::NodeKind::Union: return MakeUnion(node, ctx, why);
    case ir::NodeKind::Aggregate: return MakeAggregate(node, ctx, why);
    case ir::NodeKind::Sort: return MakeSort(node, ctx, why);
    case ir::NodeKind::Dedup: return MakeDedup(node, ctx, why);
    case ir::NodeKind::Join: return MakeJoin(node, ctx, why);
    // Sources, sinks and library steps are bound elsewhere.
    case ir::NodeKind::Source:
    case ir::NodeKind::Sink:
    case ir::NodeKind::Step:
      break;
  }
  *why = "`" + node.id + "`: `" + std::string(ir::Spelling(node.kind)) +
         "` is not a stateless built-in operator (MakeOperator does not run it)";
  return nullptr;
}

}  // namespace etl::runtime
